"""Correcting the effective date of a history row (``case correct CASE SEQ --on DATE``).

History is append-only (README "A history no one can quietly rewrite"): the correction is a new
``correct`` row, chained like every other, whose effective date is the corrected one. What the case
derived from the wrong date — the day it entered its state, its acceptance date and with it the rule
set — is set again from the corrected one in the same transaction. A supervisor's: an effective date
is what every deadline counts from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..domain.case_rows import Case, CaseChanges, HistoryRow
from ..errors import BadInput, Refused
from ..workflow.spec import WorkflowSpec


def corrected_values(
    spec: WorkflowSpec,
    case: Case,
    history: Sequence[HistoryRow],
    target: HistoryRow,
    on: dt.date,
) -> CaseChanges:
    """The case fields to set when row ``target`` is corrected to ``on``; raise when it may not be.

    ``on`` must lie between the effective dates of the rows before and after it (a case cannot have
    entered a state before the one it left)."""
    if target.event == "correct":
        raise BadInput(
            f"row {target.seq} is itself a correction: correct the row it names ({target.corrects}) instead",
            ja=[
                f"{target.seq}行目は訂正の行です。訂正された元の行（{target.corrects}行目）を訂正してください。"
            ],
        )
    events = [h for h in history if h.event != "correct"]
    before = [h for h in events if h.seq < target.seq]
    after = [h for h in events if h.seq > target.seq]
    if before and on < before[-1].effective_on:
        prev = before[-1]
        raise Refused(
            f"--on {on} is before row {prev.seq} ({prev.event}, {prev.effective_on}) that came before it",
            [f"訂正後の日付 {on} が前の記録（{prev.seq}行目、{prev.effective_on}）より前です。"],
        )
    if after and on > after[0].effective_on:
        nxt = after[0]
        raise Refused(
            f"--on {on} is after row {nxt.seq} ({nxt.event}, {nxt.effective_on}) that came after "
            "it: correct that row first",
            [
                f"訂正後の日付 {on} が後の記録（{nxt.seq}行目、{nxt.effective_on}）より後です。"
                "後の記録から先に訂正してください。"
            ],
        )
    values: CaseChanges = {}
    event = spec.events.get(target.event)
    if target.event == "open":
        values["opened_on"] = on
    elif event is not None and event.sets == "plan_date":
        raise Refused(
            f"row {target.seq} ({target.event}) set the plan date its monitoring sessions were "
            "scheduled from: its date cannot be corrected here",
            [
                f"{target.seq}行目（{event.ja}）は計画日を定め、伴走支援の予定がそこから計算されています。"
                "この日付はここでは訂正できません。"
            ],
        )
    elif event is not None and event.sets == "accepted_on":
        try:
            values.update({"accepted_on": on, "rule_set": spec.rule_set_on(on).id})
        except LookupError as exc:
            raise BadInput(str(exc), ja=[f"{on} に適用される規程がありません（{exc}）。"]) from None
    entered = [h for h in events if h.from_state != h.to_state]
    if entered and entered[-1].seq == target.seq and target.to_state == case.state:
        values["state_since"] = on
    return values
