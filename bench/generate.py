"""A realistic national dataset, through casetrack's own bulk path (store.bulk.load).

    python bench/generate.py --db URL --cases N [--seed S] [--as-of 2026-11-25]

N cases over the 48 councils, both programs and all tracks in realistic proportions, every state
populated, plausible dates over 2022–2026, lenders, documents, fee claims with their ledger entries
(subsidies and the 405 holdback computed by the project's own rules), history, and monitoring
sessions for the cases past their plan date (six for a 405 case at the default interval). The same
seed gives the same data. The run ends by timing a raw DBAPI ``executemany`` of the same kind of
rows into a scratch copy of the schema and printing both rates and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

from scratch import scratch_database

from casetrack import services
from casetrack.business_days import BusinessCalendar
from casetrack.domain.corporate_number import check_digit
from casetrack.domain.dates import fiscal_year
from casetrack.domain.fees import holdback, subsidy_for
from casetrack.domain.schedule import early_sessions, regular_sessions
from casetrack.store.bulk import ORDER, TABLES, load
from casetrack.store.db import get_engine
from casetrack.workflow.catalog import workflow

D = dt.date.fromisoformat
START = D("2022-04-01")
COUNCIL_WEIGHTS = {f"{i:02d}": 1.0 for i in range(1, 48)} | {
    "13": 6.0,
    "27": 4.0,
    "14": 3.0,
    "23": 3.0,
    "01": 2.0,
    "40": 2.0,
    "00": 0.3,
}
# target state: (early weight, 405 weight)
STATES = {
    "consultation": (4, 3),
    "applied": (3, 3),
    "drafting": (12, 12),
    "negotiating": (0, 7),
    "plan_submitted": (5, 0),
    "agreed": (0, 3),
    "payment_claimed": (3, 3),
    "monitoring": (34, 38),
    "closed": (28, 20),
    "rejected": (2, 2),
    "withdrawn": (5, 5),
    "lapsed": (4, 2),
}
PATH = {
    "early": [
        "consultation",
        "applied",
        "drafting",
        "plan_submitted",
        "payment_claimed",
        "monitoring",
        "closed",
    ],
    "405": [
        "consultation",
        "applied",
        "drafting",
        "negotiating",
        "agreed",
        "payment_claimed",
        "monitoring",
        "closed",
    ],
}
EVENT_INTO = {
    "applied": "apply",
    "drafting": "accept",
    "plan_submitted": "submit_plan",
    "negotiating": "start_negotiation",
    "agreed": "agree",
    "payment_claimed": "claim_payment",
    "monitoring": "decide_payment",
    "closed": "close",
}
GAPS = {
    "applied": (5, 25),
    "drafting": (7, 28),
    "plan_submitted": (60, 200),
    "negotiating": (60, 200),
    "agreed": (30, 150),
    "payment_claimed": (5, 40),
    "monitoring": (10, 40),
    "closed": (420, 1100),
}


def corporate(rng: random.Random, company_id: int) -> str:
    """A valid 法人番号, unique per company: five random digits, then the company id (at 1,000,000
    companies, twelve random digits collide)."""
    drawn = rng.randrange(10**11, 10**12)
    base = f"{drawn % 10**5:05d}{company_id:07d}"
    return f"{check_digit(base)}{base}"


class Generator:
    def __init__(self, seed: int, as_of: dt.date) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.calendar = BusinessCalendar()
        self.specs = {"early": workflow("early"), "405": workflow("405")}
        self.councils = list(COUNCIL_WEIGHTS)
        self.council_weights = list(COUNCIL_WEIGHTS.values())
        self.counters: dict[tuple[str, int], int] = {}
        self.ids = {"company": 0, "org": 0, "doc": 0, "claim": 0}
        self.now = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)

    def registry(self, advisers: int, banks: int, users_per_council: int) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        kinds = ["tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other"]
        orgs = [
            {
                "id": i,
                "name": f"支援機関{i:05d}",
                "kind": rng.choice(kinds),
                "certified": rng.random() > 0.01,
                "email": f"adviser{i}@example.jp" if rng.random() > 0.03 else None,
                "is_bank": False,
            }
            for i in range(1, advisers + 1)
        ]
        self.advisers = [o["id"] for o in orgs]
        bank_rows = [
            {
                "id": advisers + i,
                "name": f"金融機関{i:04d}",
                "kind": "bank",
                "certified": rng.random() > 0.3,
                "email": None,
                "is_bank": True,
            }
            for i in range(1, banks + 1)
        ]
        self.banks = [b["id"] for b in bank_rows]
        users = [
            {
                "name": f"coord{c}_{k}",
                "council": c,
                "email": f"coord{c}_{k}@council.example.jp",
                "role": "coordinator",
                "active": True,
                "must_change_password": False,
                "created_at": self.now,
            }
            for c in self.councils
            for k in range(1, users_per_council + 1)
        ]
        self.coordinators = {
            c: [f"coord{c}_{k}" for k in range(1, users_per_council + 1)] for c in self.councils
        }
        # who the benchmarks act as: an admin (sweeps), hq (national reads), a supervisor of every council
        users += [
            {
                "name": name,
                "council": "00",
                "email": None,
                "role": role,
                "active": True,
                "must_change_password": False,
                "created_at": self.now,
            }
            for name, role in BENCH_USERS.items()
        ]
        more = [{"user_name": "bench", "council": c} for c in self.councils]
        return {"organisation": orgs + bank_rows, "app_user": users, "user_council": more}

    def _timeline(self, program: str, target: str) -> tuple[list[tuple[str, dt.date]], str]:
        """(state, entered on) along the happy path up to ``target`` (or to where an ending branches)."""
        rng = self.rng
        path = PATH[program]
        ending = target if target in ("rejected", "withdrawn", "lapsed") else None
        if ending == "rejected":
            upto = "applied"
        elif ending == "withdrawn":
            upto = rng.choice(path[:-2])
        elif ending == "lapsed":
            upto = rng.choice(
                ["drafting", "plan_submitted"]
                if program == "early"
                else ["drafting", "negotiating", "agreed"]
            )
        else:
            upto = target
        steps = path[: path.index(upto) + 1]
        total = sum(rng.randint(*GAPS[s]) for s in steps[1:])
        if ending:
            total += 400 if ending == "lapsed" else rng.randint(10, 90)
        latest_open = self.as_of - dt.timedelta(days=total + 1)
        span = max((latest_open - START).days, 0)
        day = START + dt.timedelta(days=rng.randint(0, span))
        timeline = [("consultation", day)]
        for s in steps[1:]:
            day += dt.timedelta(days=rng.randint(*GAPS[s]))
            timeline.append((s, min(day, self.as_of)))
        if ending:
            day += dt.timedelta(days=400 if ending == "lapsed" else rng.randint(10, 90))
            timeline.append((ending, min(day, self.as_of)))
        return timeline, ending or target

    def cases(self, n: int, batch: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ORDER}
        for i in range(n):
            self._case(rows)
            if (i + 1) % batch == 0:
                yield rows
                rows = {name: [] for name in ORDER}
        rows["case_counter"] = [
            {"council": c, "fiscal_year": fy, "last": last} for (c, fy), last in sorted(self.counters.items())
        ]
        yield rows

    def _case(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        program = "early" if rng.random() < 0.55 else "405"
        spec = self.specs[program]
        weights = [w[0 if program == "early" else 1] for w in STATES.values()]
        target = rng.choices(list(STATES), weights)[0]
        timeline, state = self._timeline(program, target)
        opened = timeline[0][1]
        council = rng.choices(self.councils, self.council_weights)[0]
        fy = fiscal_year(opened)
        number = self.counters[(council, fy)] = self.counters.get((council, fy), 0) + 1
        cid = f"{council}-{fy}-{number:04d}"
        dates = dict((s, d) for s, d in timeline)
        accepted = dates.get("drafting")
        plan_state = "plan_submitted" if program == "early" else "agreed"
        plan = dates.get(plan_state)
        track = spec.default_track
        if program == "405" and rng.random() < 0.15:
            track = "gl"
        if (
            program == "early"
            and accepted
            and D("2024-02-01") <= accepted <= D("2028-01-31")
            and rng.random() < 0.1
        ):
            track = "bank"
        rule_set = spec.rule_set_on(accepted or opened)
        self.ids["company"] += 1
        company_id = self.ids["company"]
        fye_month = rng.randint(1, 12)
        rows["company"].append(
            {
                "id": company_id,
                "name": f"事業者{company_id:07d}株式会社",
                "corporate_number": corporate(rng, company_id) if rng.random() > 0.08 else None,
                "fiscal_year_end_month": fye_month,
                "founded_on": None,
                "prefecture": council if council != "00" else "13",
            }
        )
        rows["cases"].append(
            {
                "id": cid,
                "program": program,
                "track": track,
                "council": council,
                "company_id": company_id,
                "state": state,
                "state_since": timeline[-1][1],
                "coordinator": rng.choice(self.coordinators[council]),
                "rule_set": rule_set.id,
                "opened_on": opened,
                "accepted_on": accepted,
                "plan_date": plan,
                "validity_until": None,
                "interim_monitoring": program == "early" and rng.random() < 0.3,
                "monitoring_interval_months": None,
                "window_months": None,
                "reuse_reason": None,
                "version": len(timeline),
                "created_at": self.now,
            }
        )
        n_lenders = rng.choice([1, 2, 2, 3, 3, 4, 5]) if program == "405" else rng.choice([1, 1, 2, 3])
        banks = rng.sample(self.banks, n_lenders)
        lead = banks[0] if track == "bank" else rng.choice(self.advisers)
        for pos, bank in enumerate(banks):
            rows["case_lender"].append(
                {
                    "case_id": cid,
                    "org_id": bank,
                    "main": pos == 0,
                    "guaranteed": pos > 0 or n_lenders == 1,
                    "position": pos,
                }
            )
        rows["case_support_org"].append({"case_id": cid, "org_id": lead, "lead": True, "position": 0})
        for seq, (s, day) in enumerate(timeline, start=1):
            prev = timeline[seq - 2][0] if seq > 1 else None
            event = (
                "open"
                if seq == 1
                else EVENT_INTO.get(
                    s, {"rejected": "reject", "withdrawn": "withdraw", "lapsed": "lapse"}.get(s, s)
                )
            )
            rows["case_history"].append(
                {
                    "case_id": cid,
                    "seq": seq,
                    "event": event,
                    "from_state": prev,
                    "to_state": s,
                    "effective_on": day,
                    "recorded_at": self.now,
                    "user": "generator",
                    "note": None,
                    "reason": "理由" if s in ("rejected", "withdrawn") else None,
                    "until": None,
                    "rule_set": rule_set.id,
                }
            )
        self._documents(rows, cid, program, dates, banks)
        if plan and state not in ("rejected", "withdrawn", "lapsed"):
            self._money_and_sessions(
                rows,
                cid,
                program,
                track,
                rule_set,
                dates,
                plan,
                fye_month,
                state,
                rows["cases"][-1]["interim_monitoring"],
            )

    def _doc(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cid: str,
        kind: str,
        day: dt.date,
        lender: int | None = None,
    ) -> None:
        self.ids["doc"] += 1
        rows["document"].append(
            {
                "id": self.ids["doc"],
                "case_id": cid,
                "kind": kind,
                "lender_id": lender,
                "on": day,
                "file_path": None,
                "file_sha256": None,
                "file_size": None,
                "recorded_at": self.now,
                "user": "generator",
            }
        )

    def _documents(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cid: str,
        program: str,
        dates: dict[str, dt.date],
        banks: list[int],
    ) -> None:
        if "applied" in dates and program == "early":
            self._doc(rows, cid, "pre_consultation_letter", dates["applied"], banks[0])
        if "applied" in dates:
            self._doc(rows, cid, "application", dates["applied"])
        plan_day = dates.get("plan_submitted") or dates.get("negotiating")
        if plan_day:
            self._doc(rows, cid, "plan", plan_day)
        if "plan_submitted" in dates:
            self._doc(rows, cid, "bank_receipt", dates["plan_submitted"], banks[0])
        if "agreed" in dates:
            for bank in banks:
                self._doc(rows, cid, "consent_letter", dates["agreed"], bank)
        if "payment_claimed" in dates:
            self._doc(rows, cid, "share_transfer", dates["payment_claimed"])

    def _claim(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cid: str,
        component: str,
        fee: int,
        day: dt.date,
        decided: dt.date | None,
        subsidy: int,
        paid: int,
        retained: int,
        released: int,
        session: int | None = None,
    ) -> None:
        self.ids["claim"] += 1
        rows["fee_claim"].append(
            {
                "id": self.ids["claim"],
                "case_id": cid,
                "component": component,
                "fee": fee,
                "status": "decided" if decided else "claimed",
                "session_seq": session,
                "claimed_on": day,
                "decided_on": decided,
                "subsidy": subsidy if decided else None,
                "reject_reason": None,
                "recorded_at": self.now,
                "user": "generator",
            }
        )
        if decided:
            rows["ledger_entry"].append(
                {
                    "case_id": cid,
                    "claim_id": self.ids["claim"],
                    "component": component,
                    "fee": fee,
                    "eligible": fee,
                    "subsidy": subsidy,
                    "paid": paid,
                    "retained": retained,
                    "released": released,
                    "company_share": fee - subsidy,
                    "limits": None,
                    "on": decided,
                    "recorded_at": self.now,
                    "user": "generator",
                }
            )

    def _money_and_sessions(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cid: str,
        program: str,
        track: str,
        rule_set: Any,
        dates: dict[str, dt.date],
        plan: dt.date,
        fye_month: int,
        state: str,
        interim: bool,
    ) -> None:
        rng = self.rng
        caps = rule_set.caps(track)
        rules = rule_set.values
        if program == "early":
            planned = early_sessions(
                plan,
                fye_month,
                interim=interim,
                interim_months=rules["interim_months"],
                lag_months=rules["fye_report_lag_months"],
                is_closed=self.calendar.is_closed,
                fye_min_months=rules["fye_min_months_after_plan"],
            )
        else:
            planned = regular_sessions(
                plan,
                rules["default_interval_months"],
                rules["window_months"],
                is_closed=self.calendar.is_closed,
            )
        retained_open = 0
        if "payment_claimed" in dates:
            fee = (
                rng.choice([150_000, 200_000, 250_000])
                if program == "early"
                else rng.randrange(800_000, 4_500_000, 10_000)
            )
            decided = dates.get("monitoring")
            s = subsidy_for(fee, rule_set.rate, None, caps["plan"])
            paid, retained = holdback(s.subsidy) if rules.get("holdback", {}).get(track) else (s.subsidy, 0)
            self._claim(
                rows, cid, "plan", fee, dates["payment_claimed"], decided, s.subsidy, paid, retained, 0
            )
            retained_open = retained if decided else 0
        monitoring_used = 0
        for s in planned:
            status, held = "scheduled", None
            if state == "closed" or (state == "monitoring" and s.due_on < self.as_of and rng.random() < 0.8):
                status, held = "held", s.due_on - dt.timedelta(days=rng.randint(0, 20))
            if state == "closed" and rng.random() < 0.05:
                status, held = "waived", None
            rows["monitoring_session"].append(
                {
                    "case_id": cid,
                    "seq": s.seq,
                    "kind": s.kind,
                    "nominal_due_on": s.nominal_due_on,
                    "due_on": s.due_on,
                    "status": status,
                    "held_on": held,
                    "note": None,
                    "waive_reason": "免除" if status == "waived" else None,
                }
            )
            if status == "held" and "monitoring" in dates and rng.random() < 0.7:
                component = {
                    "regular": "monitoring",
                    "interim": "monitoring_interim",
                    "fye": "monitoring_fye",
                }[s.kind]
                fee = rng.choice([60_000, 75_000, 150_000])
                cap_left = caps.get(component, 0) - (monitoring_used if component == "monitoring" else 0)
                sub = subsidy_for(fee, rule_set.rate, None, cap_left)
                if component == "monitoring":
                    monitoring_used += sub.subsidy
                decided_on = min(held + dt.timedelta(days=30), self.as_of)
                self._claim(
                    rows,
                    cid,
                    component,
                    fee,
                    held,
                    decided_on,
                    sub.subsidy,
                    sub.subsidy,
                    0,
                    retained_open,
                    s.seq,
                )
                retained_open = 0


BENCH_USERS = {"bench-admin": "admin", "bench-hq": "hq", "bench": "supervisor"}


def _bulk_into_scratch(url: str, sample: dict[str, list[dict[str, Any]]]) -> tuple[int, float]:
    """store.bulk.load of ``sample`` into a fresh scratch schema; returns (rows, seconds spent on setup)."""
    with scratch_database(url, prefix="scratch") as scratch:
        t0 = time.perf_counter()
        services.init_db(services.Context(db_url=scratch, today=dt.date.today(), user="bench"))
        setup = time.perf_counter() - t0
        counts = load(get_engine(scratch), [sample])
    return sum(counts.values()), setup


def raw_executemany_rate(url: str, sample: dict[str, list[dict[str, Any]]]) -> tuple[int, float]:
    """Insert ``sample`` with the DBAPI's own executemany into a scratch schema; (rows, seconds)."""
    with scratch_database(url, prefix="raw") as scratch:
        return _raw_into(scratch, sample)


def _raw_into(scratch: str, sample: dict[str, list[dict[str, Any]]]) -> tuple[int, float]:
    services.init_db(services.Context(db_url=scratch, today=dt.date.today(), user="bench"))
    engine = get_engine(scratch)
    raw = engine.raw_connection()
    total = 0
    try:
        cur = raw.cursor()
        paramstyle = "?" if scratch.startswith("sqlite") else "%s"
        start = time.perf_counter()
        if scratch.startswith("sqlite"):
            cur.execute("BEGIN")  # our connections leave transactions to us
        for name in ORDER:
            rows = sample.get(name) or []
            if not rows:
                continue
            cols = list(rows[0])
            table = TABLES[name].name
            quoted = ", ".join(f'"{c}"' for c in cols)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join([paramstyle] * len(cols))})'
            cur.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
            total += len(rows)
        raw.commit()
        seconds = time.perf_counter() - start
    finally:
        raw.close()
    return total, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-25")
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    from casetrack.store.db import normalise_url

    url = normalise_url(args.db)
    services.init_db(services.Context(db_url=url, today=D(args.as_of), user="generator"))
    gen = Generator(args.seed, D(args.as_of))
    engine = get_engine(url)
    registry = gen.registry(
        advisers=max(50, args.cases // 30), banks=max(20, min(600, args.cases // 100)), users_per_council=3
    )
    load(engine, [registry])
    load_seconds = 0.0
    generated = 0
    inserted = 0
    sample: dict[str, list[dict[str, Any]]] | None = None
    started = time.perf_counter()
    for batch in gen.cases(args.cases, args.batch):
        if sample is None:
            sample = {**batch, **registry}
        t0 = time.perf_counter()
        counts = load(engine, [batch])
        load_seconds += time.perf_counter() - t0
        inserted += sum(counts.values())
        generated += len(batch["cases"])
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{generated:,}/{args.cases:,} cases")
    from casetrack.store.db import refresh_statistics

    refresh_statistics(engine)
    total_seconds = time.perf_counter() - started
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    rate = inserted / load_seconds
    print(
        f"generated {generated:,} cases ({inserted:,} rows) in {total_seconds:.1f} s; "
        f"insert through store.bulk: {load_seconds:.1f} s = {rate:,.0f} rows/s"
    )
    assert sample is not None
    raw_rows, raw_seconds = raw_executemany_rate(url, sample)
    first = sum(len(v) for v in sample.values())
    t0 = time.perf_counter()
    scratch_counts = _bulk_into_scratch(url, sample)
    bulk_seconds = time.perf_counter() - t0 - scratch_counts[1]
    same_rate = first / bulk_seconds
    raw_rate = raw_rows / raw_seconds
    print(
        f"same first batch ({first:,} rows) into a scratch schema: store.bulk {same_rate:,.0f} rows/s, "
        f"raw DBAPI executemany {raw_rate:,.0f} rows/s; bulk / raw = {same_rate / raw_rate:.2f} (goal ≥ 0.33)"
    )


if __name__ == "__main__":
    main()
