"""Named guards of the workflows (DOMAIN.md §3, §6).

Each guard reads a case snapshot, the rule set the case is pinned to and the event's effective
date, and returns every reason it refuses (an empty tuple means it holds). The workflow files name
guards; the loader checks each name against ``GUARDS`` and that the rule keys it reads exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import deadlines
from .dates import add_months
from .facts import CaseFacts

Reasons = tuple[str, ...]


@dataclass(frozen=True)
class GuardInput:
    facts: CaseFacts
    rules: Mapping[str, Any]
    on: dt.date
    # (available_from, available_until) of the case's track, when the workflow bounds it
    track_window: tuple[dt.date | None, dt.date | None] = (None, None)
    until: dt.date | None = None  # the new date an event sets (extend)
    # the program's re-use grounds (id → label) and most uses allowed (workflow ``reuse``)
    reuse_grounds: Mapping[str, str] = field(default_factory=dict)
    reuse_max_uses: int | None = None
    # what people read instead of ids (the workflow's labels): fee components on the case's track,
    # document kinds, and the case's track; an id missing here is shown as it is
    component_labels: Mapping[str, str] = field(default_factory=dict)
    document_labels: Mapping[str, str] = field(default_factory=dict)
    track_label: str | None = None
    # the financial support each lender agreed to (lender id → kinds), as given with the event; None when
    # the event is judged without it (`case events`: as if given)
    agreements: Mapping[int, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Guard:
    name: str
    check: Callable[[GuardInput], Reasons]
    needs: tuple[str, ...] = ()  # rule-set keys the guard reads
    summary: str = ""
    ja: str = ""  # the summary as people read it (the README's rule table, `workflow show`)


class Reason(str):
    """One reason as the CLI prints it — with the ids that help to type the next command (``（org 3）``,
    ``(pre_consultation_letter)``, ``--estimate plan=YEN``) — carrying ``people``: the same reason with
    names and labels only, as a page shows it (``reasons_for_people``)."""

    people: str

    def __new__(cls, text: str, people: str | None = None) -> Reason:
        reason = super().__new__(cls, text)
        reason.people = text if people is None else people
        return reason


def reasons_for_people(reasons: Iterable[str]) -> list[str]:
    """The reasons as a page shows them: names and labels, never ids (a plain string as it is)."""
    return [getattr(r, "people", r) for r in reasons]


def _org(name: str, org_id: int) -> str:
    return f"{name}（org {org_id}）"


def lead_certified(g: GuardInput) -> Reasons:
    lead = g.facts.lead
    if lead is None:
        return ("代表の認定支援機関が登録されていません",)
    if not lead.certified:
        return (
            Reason(
                f"代表の支援機関 {_org(lead.name, lead.org_id)} は認定経営革新等支援機関ではありません",
                f"代表の支援機関 {lead.name} は認定経営革新等支援機関ではありません",
            ),
        )
    return ()


def support_orgs_certified(g: GuardInput) -> Reasons:
    """Every support org on the case — the lead and each co-supporter — is a 認定経営革新等支援機関
    (pamphlet lines 1–9, 31); one reason per uncertified org."""
    lead = g.facts.lead
    reasons: list[str] = []
    if lead is None:
        reasons.append("代表の認定支援機関が登録されていません")
    for org in g.facts.support_orgs:
        if not org.certified:
            role = "代表の支援機関" if org.lead else "協力する支援機関"
            reasons.append(
                Reason(
                    f"{role} {_org(org.name, org.org_id)} は認定経営革新等支援機関ではありません",
                    f"{role} {org.name} は認定経営革新等支援機関ではありません",
                )
            )
    return tuple(reasons)


def no_fee_receiving_lender(g: GuardInput) -> Reasons:
    f = g.facts
    lender_ids = {lender.org_id for lender in f.lenders}
    reasons: list[str] = []
    bank_track = f.program == "early" and f.track == "bank"
    for org in f.support_orgs:
        if bank_track and org.lead:
            main = f.main_bank
            if main is None or main.org_id != org.org_id:
                reasons.append(
                    Reason(
                        f"金融機関枠では代表の支援機関 {_org(org.name, org.org_id)} がメイン行である必要があります",
                        f"金融機関枠では代表の支援機関 {org.name} がメイン行である必要があります",
                    )
                )
        elif org.org_id in lender_ids:
            reasons.append(
                Reason(
                    f"支援機関 {_org(org.name, org.org_id)} は当該事業者の借入先金融機関のため費用を受け取れません",
                    f"支援機関 {org.name} は当該事業者の借入先金融機関のため費用を受け取れません",
                )
            )
    return tuple(reasons)


def not_single_unguaranteed_lender(g: GuardInput) -> Reasons:
    lenders = g.facts.lenders
    if not lenders:
        return ("金融機関が登録されていません（405事業は金融支援を受ける計画が対象です）",)
    if len(lenders) == 1 and not lenders[0].guaranteed:
        return (
            Reason(
                f"借入先が1行（{_org(lenders[0].name, lenders[0].org_id)}）のみで保証付融資もないため対象外です",
                f"借入先が1行（{lenders[0].name}）のみで保証付融資もないため対象外です",
            ),
        )
    return ()


def financial_support_agreed(g: GuardInput) -> Reasons:
    """405 (pamphlet line 169: リスケや新規融資など金融支援を伴うもの): at the all-lender agreement, what each
    lender of the case agreed to is recorded (`--agreement ORG=KIND`); one reason per lender lacking one."""
    if g.agreements is None:
        return ()
    return tuple(
        Reason(
            f"{_org(lender.name, lender.org_id)} の金融支援の内容（リスケ・新規融資・その他）が記録されていません",
            f"{lender.name} の金融支援の内容（リスケ・新規融資・その他）が記録されていません",
        )
        for lender in g.facts.lenders
        if not g.agreements.get(lender.org_id)
    )


def fee_estimates_recorded(g: GuardInput) -> Reasons:
    missing = [c for c in ("plan", "monitoring") if c not in g.facts.estimates]
    return tuple(
        Reason(
            f"{c} の費用見積額（--estimate {c}=YEN）が登録されていません",
            f"{g.component_labels.get(c, c)}の見積額が登録されていません",
        )
        for c in missing
    )


def monitoring_estimate_within_half(g: GuardInput) -> Reasons:
    est = g.facts.estimates
    if "plan" not in est or "monitoring" not in est:
        return ()
    share = Fraction(str(g.rules["monitoring_estimate_max_share"]))
    plan, monitoring = est["plan"], est["monitoring"]
    if monitoring > share * (plan + monitoring):
        return (
            f"伴走支援費用の見積額 {monitoring:,}円 が計画策定支援費用との合計 {plan + monitoring:,}円 の"
            f" {share} を超えています",
        )
    return ()


def schedule_chart_for_large_plan(g: GuardInput) -> Reasons:
    limit = int(g.rules["schedule_chart_above"])
    plan = g.facts.estimates.get("plan")
    if plan is not None and plan > limit and not g.facts.has_document("schedule_chart"):
        chart = g.document_labels.get("schedule_chart", "schedule_chart")
        return (
            Reason(
                f"計画策定支援費用の見積額 {plan:,}円 が {limit:,}円 を超えるため工程表 (schedule_chart) が必要です",
                f"計画策定支援費用の見積額 {plan:,}円 が {limit:,}円 を超えるため{chart}が必要です",
            ),
        )
    return ()


def prior_use(g: GuardInput) -> Reasons:
    """Re-use (DOMAIN.md §6, §11): after an earlier use (a case that reached 利用決定, any council), a
    re-use reason, one of the program's grounds when the workflow names any, never more uses than
    ``reuse.max_uses``, and the council's approve_reuse where the rule set asks for it."""
    f = g.facts
    if not f.prior_cases:
        return ()
    earlier = "、".join(dict.fromkeys(f.prior_cases))
    reasons: list[str] = []
    if g.reuse_max_uses is not None and len(f.prior_cases) + 1 > g.reuse_max_uses:
        reasons.append(
            f"同じ事業はすでに{len(f.prior_cases)}回利用されています（{earlier}）。"
            f"利用は{g.reuse_max_uses}回までです"
        )
    if not f.reuse_reason:
        reasons.append(f"同じ事業の過去の利用（{earlier}）があるため再利用の理由（--reuse-reason）が必要です")
    if g.reuse_grounds and f.reuse_ground not in g.reuse_grounds:
        grounds = "、".join(f"{k}（{v}）" for k, v in g.reuse_grounds.items())
        reasons.append(
            Reason(
                f"過去の利用（{earlier}）があるため再利用の事由（--reuse-ground: {grounds}）が必要です",
                f"過去の利用（{earlier}）があるため再利用の事由（{'、'.join(g.reuse_grounds.values())}"
                "のいずれか）が必要です",
            )
        )
    if g.rules.get("reuse_needs_council_approval") and not f.reuse_approved:
        reasons.append(
            Reason(
                f"過去の利用（{earlier}）があるため協議会の再利用承認（approve_reuse）が必要です",
                f"過去の利用（{earlier}）があるため協議会の再利用承認が必要です",
            )
        )
    return tuple(reasons)


def reuse_reason_recorded(g: GuardInput) -> Reasons:
    if not g.facts.reuse_reason:
        return ("再利用の理由が登録されていません（case open --reuse-reason）",)
    return ()


def track_available(g: GuardInput) -> Reasons:
    start, end = g.track_window
    if (start and g.on < start) or (end and g.on > end):
        window = f"{start or ''}〜{end or ''}"
        return (
            Reason(
                f"{g.facts.track} 枠は利用決定日 {window} の間のみ利用できます（利用決定日 {g.on}）",
                f"{g.track_label or g.facts.track}は利用決定日 {window} の間のみ利用できます（利用決定日 {g.on}）",
            ),
        )
    return ()


def _claims(g: GuardInput, component: str, statuses: tuple[str, ...]) -> bool:
    return any(c.component == component and c.status in statuses for c in g.facts.claims)


def plan_claim_exists(g: GuardInput) -> Reasons:
    if not _claims(g, "plan", ("claimed", "decided")):
        return (
            Reason(
                "計画策定支援費用 (plan) の支払申請がありません（fee claim CASE plan --fee YEN）",
                f"{g.component_labels.get('plan', '計画策定支援費用')}の支払申請がありません",
            ),
        )
    return ()


def plan_claim_pending(g: GuardInput) -> Reasons:
    if not _claims(g, "plan", ("claimed",)):
        return (
            Reason(
                "決定待ちの計画策定支援費用 (plan) の支払申請がありません",
                f"決定待ちの{g.component_labels.get('plan', '計画策定支援費用')}の支払申請がありません",
            ),
        )
    return ()


def claim_deadline(facts: CaseFacts, rules: Mapping[str, Any]) -> dt.date | None:
    return deadlines.claim_deadline(facts.accepted_on, rules) if facts.accepted_on else None


def validity_end(facts: CaseFacts, rules: Mapping[str, Any]) -> dt.date | None:
    if facts.accepted_on is None:
        return facts.validity_until
    return deadlines.validity_end(facts.accepted_on, facts.validity_until, rules)


def within_claim_deadline(g: GuardInput) -> Reasons:
    deadline = claim_deadline(g.facts, g.rules)
    if deadline is None:
        return ("利用決定日が記録されていません",)
    if g.on > deadline:
        return (
            f"支払申請の期限（利用決定から{g.rules['claim_deadline_months']}か月、{deadline}）を過ぎています",
        )
    return ()


def claim_deadline_passed(g: GuardInput) -> Reasons:
    deadline = claim_deadline(g.facts, g.rules)
    if deadline is None:
        return ("利用決定日が記録されていません",)
    if g.on <= deadline:
        return (f"支払申請の期限 {deadline} をまだ過ぎていません",)
    return ()


def within_validity(g: GuardInput) -> Reasons:
    end = validity_end(g.facts, g.rules)
    if end is None:
        return ("利用決定日が記録されていません",)
    if g.on > end:
        return (f"利用申請の有効期限 {end} を過ぎています",)
    return ()


def validity_ended(g: GuardInput) -> Reasons:
    end = validity_end(g.facts, g.rules)
    if end is None:
        return ("利用決定日が記録されていません",)
    if g.on <= end:
        return (f"利用申請の有効期限 {end} をまだ過ぎていません",)
    return ()


def extends_validity(g: GuardInput) -> Reasons:
    end = validity_end(g.facts, g.rules)
    if end is None:
        return ("利用決定日が記録されていません",)
    if g.until is not None and g.until <= end:
        return (f"新しい有効期限 {g.until} が現在の有効期限 {end} より後ではありません（延長のみ可能です）",)
    return ()


def fye_session_held(g: GuardInput) -> Reasons:
    fye = [s for s in g.facts.sessions if s.kind == "fye"]
    if not fye:
        return ("決算期の伴走支援 (fye) が予定されていません",)
    if not any(s.status == "held" for s in fye):
        return (f"決算期の伴走支援（第{fye[0].seq}回、期限 {fye[0].due_on}）が実施されていません",)
    return ()


def monitoring_window_end(facts: CaseFacts, rules: Mapping[str, Any]) -> dt.date | None:
    if facts.plan_date is None:
        return None
    return add_months(facts.plan_date, facts.window_months or int(rules["window_months"]))


def monitoring_window_ended(g: GuardInput) -> Reasons:
    end = monitoring_window_end(g.facts, g.rules)
    if end is None:
        return ("計画日が記録されていません",)
    if g.on <= end:
        return (f"伴走支援期間（{end} まで）が終わっていません",)
    return ()


def sessions_all_done(g: GuardInput) -> Reasons:
    open_ = [s for s in g.facts.sessions if s.status == "scheduled"]
    return tuple(f"伴走支援 第{s.seq}回（期限 {s.due_on}）が実施も免除もされていません" for s in open_)


GUARDS: dict[str, Guard] = {
    g.name: g
    for g in (
        Guard(
            "lead_certified",
            lead_certified,
            summary="lead support org is certified",
            ja="代表の支援機関が認定経営革新等支援機関",
        ),
        Guard(
            "support_orgs_certified",
            support_orgs_certified,
            summary="every support org on the case (lead and co-supporters) is certified",
            ja="支援機関（代表・協力とも）がすべて認定経営革新等支援機関",
        ),
        Guard(
            "no_fee_receiving_lender",
            no_fee_receiving_lender,
            summary="no fee-receiving support org is a lender (bank track: lead is the main bank)",
            ja="費用を受け取る支援機関が借入先金融機関でない（金融機関枠は代表がメイン行）",
        ),
        Guard(
            "not_single_unguaranteed_lender",
            not_single_unguaranteed_lender,
            summary="not exactly one lender without guarantee-backed loans",
            ja="借入先が1行だけで保証付融資もない場合は対象外",
        ),
        Guard(
            "financial_support_agreed",
            financial_support_agreed,
            summary="what each lender agreed to (reschedule, new loan, other) is recorded",
            ja="金融機関ごとの金融支援の内容（リスケ・新規融資・その他）を記録",
        ),
        Guard(
            "fee_estimates_recorded",
            fee_estimates_recorded,
            summary="plan and monitoring estimates",
            ja="計画策定支援費用と伴走支援費用の見積額",
        ),
        Guard(
            "monitoring_estimate_within_half",
            monitoring_estimate_within_half,
            needs=("monitoring_estimate_max_share",),
            summary="monitoring ≤ ½ × (plan + monitoring)",
            ja="伴走支援費用の見積額が総額の一定割合以下",
        ),
        Guard(
            "schedule_chart_for_large_plan",
            schedule_chart_for_large_plan,
            needs=("schedule_chart_above",),
            summary="schedule chart above the plan-estimate threshold",
            ja="計画策定支援費用の見積額が基準額を超えるときは工程表",
        ),
        Guard(
            "prior_use",
            prior_use,
            summary="re-use reason (and approval) after an earlier case",
            ja="再利用は認められた理由（と協議会の承認）があるときだけ",
        ),
        Guard(
            "reuse_reason_recorded",
            reuse_reason_recorded,
            summary="a re-use reason is recorded",
            ja="再利用の理由が記録されている",
        ),
        Guard(
            "track_available",
            track_available,
            summary="track open on the acceptance date",
            ja="利用決定日にその枠が利用できる",
        ),
        Guard(
            "plan_claim_exists",
            plan_claim_exists,
            summary="a plan fee claim exists",
            ja="計画策定支援費用の請求がある",
        ),
        Guard(
            "plan_claim_pending",
            plan_claim_pending,
            summary="a plan fee claim awaits decision",
            ja="計画策定支援費用の請求が決定待ち",
        ),
        Guard(
            "within_claim_deadline",
            within_claim_deadline,
            needs=("claim_deadline_months",),
            summary="no later than the claim deadline after acceptance",
            ja="利用決定から支払申請の期限内",
        ),
        Guard(
            "claim_deadline_passed",
            claim_deadline_passed,
            needs=("claim_deadline_months",),
            summary="the claim deadline has passed",
            ja="支払申請の期限を過ぎた",
        ),
        Guard(
            "within_validity",
            within_validity,
            needs=("validity_months",),
            summary="within the validity",
            ja="有効期間内",
        ),
        Guard(
            "validity_ended",
            validity_ended,
            needs=("validity_months",),
            summary="the validity has ended",
            ja="有効期間が終わった",
        ),
        Guard(
            "extends_validity",
            extends_validity,
            needs=("validity_months",),
            summary="the new validity end is later than the current one",
            ja="新しい期限が今の期限より後",
        ),
        Guard(
            "fye_session_held",
            fye_session_held,
            summary="the fiscal-year-end session is held",
            ja="決算期の伴走支援を実施済み",
        ),
        Guard(
            "monitoring_window_ended",
            monitoring_window_ended,
            needs=("window_months",),
            summary="the monitoring window has ended",
            ja="伴走支援期間が終わった",
        ),
        Guard(
            "sessions_all_done",
            sessions_all_done,
            summary="every session held or waived",
            ja="伴走支援がすべて実施または免除済み",
        ),
    )
}


def missing_documents(
    facts: CaseFacts, requirements: tuple[tuple[str, str | None, str], ...], on: dt.date | None = None
) -> Reasons:
    """Reasons for each required document not on file (by ``on``, the event's effective date, when
    given: a letter dated later does not count yet).

    ``requirements`` holds ``(kind, source, label)`` with ``source`` None, ``main_bank`` or
    ``every_lender``.
    """
    reasons: list[str] = []

    def missing(kind: str, lender_id: int | None, label: str, whose: str, whose_people: str) -> None:
        if facts.has_document(kind, lender_id, on):
            return
        later = facts.later_document(kind, lender_id, on) if on else None
        if later:
            reasons.append(
                Reason(
                    f"{whose}{label} ({kind}) は {later} 付で、効力発生日 {on} より後です",
                    f"{whose_people}{label}は {later} 付で、効力発生日 {on} より後です",
                )
            )
        else:
            reasons.append(
                Reason(f"{whose}{label} ({kind}) がありません", f"{whose_people}{label}がありません")
            )

    for kind, source, label in requirements:
        if source is None:
            missing(kind, None, label, "", "")
        elif source == "main_bank":
            main = facts.main_bank
            if main is None:
                reasons.append(
                    Reason(
                        f"メイン行が登録されていないため {label} ({kind}) を確認できません",
                        f"メイン行が登録されていないため{label}を確認できません",
                    )
                )
            else:
                missing(
                    kind,
                    main.org_id,
                    label,
                    f"メイン行 {_org(main.name, main.org_id)} の ",
                    f"メイン行（{main.name}）の",
                )
        elif source == "every_lender":
            for lender in facts.lenders:
                missing(
                    kind, lender.org_id, label, f"{_org(lender.name, lender.org_id)} の ", f"{lender.name}の"
                )
    return tuple(reasons)
