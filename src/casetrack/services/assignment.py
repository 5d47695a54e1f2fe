"""Who coordinates a case: one case (``case assign``) or every open case of a departing coordinator
(``case reassign``, the April staff rotation). Each change is a history row (hash-chained like every
other) and moves the case's pending coordinator mail to the new coordinator in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..domain.case_rows import Case, NewHistory
from ..domain.master_records import StaffMember, User
from ..errors import BadInput, NotFound, NotPermitted
from ..store.repo import Repo
from ..store.work import Work
from ..workflow.catalog import all_workflows
from .context import Context, load_case, stale

EVENT = "assign"  # the history row's event (not a workflow event: the state does not change)


def _user(repo: Repo, name: str) -> User:
    user = repo.user(name)
    if user is None:
        raise NotFound("user", name)
    return user


def _check_acts_for(repo: Repo, name: str, council: str) -> None:
    theirs = repo.councils_of(name)
    if council not in theirs:
        raise BadInput(
            f"coordinator {name} does not act for council {council} "
            f"(their councils: {', '.join(sorted(theirs))})",
            ja=[f"{name} は協議会 {council} の職員ではありません。"],
        )


def _move(ctx: Context, repo: Work, case: Case, new: User, on: dt.date, note: str | None) -> dict[str, Any]:
    """Write one reassignment: the case, its history row, its pending coordinator mail."""
    old = case.coordinator
    if not repo.update_case(case.id, case.version, {"coordinator": new.name}):
        raise stale(case.id)
    row = repo.insert_history(
        NewHistory(
            case_id=case.id,
            event=EVENT,
            from_state=case.state,
            to_state=case.state,
            effective_on=on,
            recorded_at=ctx.now(),
            user=ctx.user,
            note=note or None,
            reason=f"担当者 {old or '-'} → {new.name}",
            rule_set=case.rule_set,
        )
    )
    mail = repo.reminders.readdress_pending(
        case_ids=[case.id],
        role="coordinator",
        to_addr=new.email if new.active else None,
        to_name=new.name,
        old_name=old,
        mention=(old, new.name) if old else None,
    )
    return {
        "case": case.id,
        "council": case.council,
        "state": case.state,
        "from": old,
        "to": new.name,
        "on": on,
        "history_seq": row.seq,
        "mail_moved": mail,
    }


def _effective(ctx: Context, on: dt.date | None) -> dt.date:
    on = on or ctx.today
    if on > ctx.today:
        raise BadInput(f"--on {on} is after today ({ctx.today})", ja=[f"日付 {on} は今日より後です。"])
    return on


def assign(
    ctx: Context, case_id: str, coordinator: str, *, on: dt.date | None = None, note: str | None = None
) -> dict[str, Any]:
    """Make ``coordinator`` the case's coordinator: a supervisor of its council, or the case's own
    coordinator handing it over. The new coordinator must act for the case's council."""
    actor = ctx.authorize("case.assign")
    on = _effective(ctx, on)
    with ctx.write() as repo:
        case, _spec = load_case(repo, case_id)
        if actor.role == "coordinator" and case.coordinator != actor.name:
            raise NotPermitted(
                f"{actor.name} (coordinator) may change the coordinator of their own cases only; "
                f"case {case_id} is {case.coordinator or 'nobody'}'s (a supervisor may)",
                ja=[f"{actor.name}（担当者）が担当を変更できるのは自分の案件だけです。"],
            )
        new = _user(repo, coordinator)
        if not new.active:
            raise BadInput(
                f"user {coordinator} is disabled", ja=[f"ユーザー {coordinator} は無効になっています。"]
            )
        _check_acts_for(repo, coordinator, case.council)
        if case.coordinator == coordinator:
            raise BadInput(
                f"{coordinator} is already the coordinator of case {case_id}",
                ja=[f"{coordinator} はすでに案件 {case_id} の担当です。"],
            )
        return _move(ctx, repo, case, new, on, note)


def reassign(
    ctx: Context,
    *,
    from_: str,
    to: str,
    council: str | None = None,
    dry_run: bool = False,
    on: dt.date | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Every open case of ``from_`` (in ``council``, or every council the supervisor acts for) to ``to``,
    in one transaction: all or nothing. ``to`` must act for the council of every case moved."""
    ctx.authorize("case.reassign")
    on = _effective(ctx, on)
    if from_ == to:
        raise BadInput(f"--from and --to are both {to}", ja=[f"--from と --to が同じ（{to}）です。"])
    open_states = {p: spec.open_states for p, spec in all_workflows().items()}
    with ctx.read() if dry_run else ctx.write() as repo:
        _user(repo, from_)
        new = _user(repo, to)
        if not new.active:
            raise BadInput(f"user {to} is disabled", ja=[f"ユーザー {to} は無効になっています。"])
        if council is not None and repo.council(council) is None:
            raise BadInput(f"unknown council {council!r}", ja=[f"協議会「{council}」はありません。"])
        cases = repo.open_cases_of(from_, open_states, council)
        theirs = repo.councils_of(to)
        outside = sorted({c.council for c in cases} - theirs)
        if outside:
            ids = [c.id for c in cases if c.council in outside]
            raise BadInput(
                f"{to} does not act for council {', '.join(outside)} (their councils: "
                f"{', '.join(sorted(theirs))}): cases {', '.join(ids)} cannot move to them; "
                "nothing moved (use --council to move one council's cases)",
                ids,
                ja=[
                    f"{to} は協議会 {'、'.join(outside)} の職員ではないため、案件 {'、'.join(ids)} を移せません。何も移していません（--council で協議会ごとに移せます）。"
                ],
            )
        if dry_run:
            moved = [
                {
                    "case": c.id,
                    "council": c.council,
                    "state": c.state,
                    "from": from_,
                    "to": to,
                    "on": on,
                }
                for c in cases
            ]
        else:
            moved = [_move(ctx, repo, c, new, on, note) for c in cases]
    return {"moved": len(moved), "from": from_, "to": to, "dry_run": dry_run, "cases": moved}


def assignable(ctx: Context, council: str | None = None, *, everyone: bool = False) -> list[dict[str, Any]]:
    """The staff a case of ``council`` (None: any of the actor's councils) may be given to: active
    coordinators and supervisors who act for it, by login, with their display names and councils, for
    the pickers of the 担当替え forms. ``everyone`` adds disabled ones (a departing coordinator whose
    cases still have to move)."""
    ctx.authorize("case.assign")
    with ctx.read() as repo:
        users = repo.list_users()
    return assignable_among(users, council, everyone=everyone)


def assignable_among(
    users: Sequence[StaffMember], council: str | None, *, everyone: bool = False
) -> list[dict[str, Any]]:
    """``assignable`` picked from ``users`` (as ``Repo.list_users`` gives them, read by the caller)."""
    picked = []
    for u in users:
        councils = {u.council, *u.more_councils}
        if u.role not in ("coordinator", "supervisor") or not (everyone or u.active):
            continue
        if council is not None and council not in councils:
            continue
        picked.append(
            {
                "name": u.name,
                "display_name": u.display_name,
                "active": u.active,
                "role": u.role,
                "councils": sorted(councils),
            }
        )
    return picked


def is_open(program: str, state: str) -> bool:
    """Whether a case of ``program`` in ``state`` is still open (its coordinator may still change)."""
    spec = all_workflows().get(program)
    return spec is not None and state in spec.states and not spec.states[state].final


def state_label(state: str) -> str:
    """A state's Japanese label (the first workflow that has it; the code when none does)."""
    for spec in all_workflows().values():
        if state in spec.states:
            return spec.states[state].ja
    return state
