"""The case engine (STYLE.md habit 3): one transitions Machine per program per process, no
auto transitions, guards collected into one refusal with every reason, nothing changed on refusal."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from dataclasses import replace
from typing import Any

import pytest

from casetrack.domain.facts import CaseFacts, ClaimFact, DocumentFact, LenderFact, SupportOrgFact
from casetrack.domain.guards import reasons_for_people
from casetrack.errors import EventNotAllowed, GuardFailed
from casetrack.workflow.catalog import workflow
from casetrack.workflow.engine import Engine, EventArgs, engine_for
from casetrack.workflow.spec import WorkflowSpec

D = dt.date

TAX = SupportOrgFact(10, "みなと税理士法人", lead=True, certified=True)
MAIN = LenderFact(20, "さくら銀行", main=True, guaranteed=False)
SECOND = LenderFact(21, "東都信用金庫", main=False, guaranteed=True)
LETTER = DocumentFact("pre_consultation_letter", D(2026, 1, 20), MAIN.org_id)
APPLICATION = DocumentFact("application", D(2026, 1, 20))


@pytest.fixture(scope="module")
def early() -> WorkflowSpec:
    return workflow("early")


@pytest.fixture(scope="module")
def p405() -> WorkflowSpec:
    return workflow("405")


def early_case(**kw: Any) -> CaseFacts:
    """An early case in consultation that may apply (certified lead, main bank's letter and the
    利用申請書 on file)."""
    base: dict[str, Any] = {
        "id": "13-early-2026-0001",
        "program": "early",
        "track": "standard",
        "state": "consultation",
        "opened_on": D(2026, 1, 15),
        "state_since": D(2026, 1, 15),
        "support_orgs": (TAX,),
        "lenders": (MAIN, SECOND),
        "documents": (LETTER, APPLICATION),
    }
    base.update(kw)
    return CaseFacts(**base)


def case_405(**kw: Any) -> CaseFacts:
    base: dict[str, Any] = {
        "id": "13-405-2026-0001",
        "program": "405",
        "track": "regular",
        "state": "drafting",
        "opened_on": D(2026, 1, 15),
        "state_since": D(2026, 3, 2),
        "accepted_on": D(2026, 3, 2),
        "rule_set": "2022-04-01",
        "support_orgs": (TAX,),
        "lenders": (MAIN, SECOND),
        "estimates": {"plan": 3_300_000, "monitoring": 1_200_000},
    }
    base.update(kw)
    return CaseFacts(**base)


# --- one machine per program --------------------------------------------------------------------


def test_engine_for_returns_the_same_engine_each_time(early: WorkflowSpec, p405: WorkflowSpec) -> None:
    first = engine_for(early)
    assert engine_for(early) is first
    assert engine_for(workflow("early")) is first  # the registry hands out the same spec
    assert engine_for(p405) is not first
    assert engine_for(p405) is engine_for(p405)
    assert first._machine is engine_for(early)._machine


def test_the_machine_has_no_auto_transitions(early: WorkflowSpec) -> None:
    engine = Engine(early)  # a fresh engine: only this thread's cursor is attached
    engine.fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1)))
    machine = engine._machine
    assert machine.auto_transitions is False
    (cursor,) = machine.models
    assert cursor is engine._cursor()
    for state in early.states:
        assert not hasattr(cursor, f"to_{state}")
    assert set(machine.get_triggers("consultation")) == {"apply", "withdraw"}
    assert hasattr(cursor, "apply")  # the declared triggers are bound


# --- firing ------------------------------------------------------------------------------------


def test_an_allowed_event_returns_its_target(early: WorkflowSpec) -> None:
    move = engine_for(early).fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1)))
    assert (move.event.id, move.source, move.target) == ("apply", "consultation", "applied")


def test_accept_then_submit_plan(early: WorkflowSpec) -> None:
    engine = engine_for(early)
    applied = early_case(state="applied", state_since=D(2026, 2, 1))
    assert engine.fire(applied, "accept", EventArgs(on=D(2026, 2, 20))).target == "drafting"
    drafting = replace(
        applied,
        state="drafting",
        state_since=D(2026, 2, 20),
        accepted_on=D(2026, 2, 20),
        rule_set="2022-04-01",
        documents=(
            LETTER,
            DocumentFact("plan", D(2026, 5, 1)),
            DocumentFact("bank_receipt", D(2026, 5, 8), MAIN.org_id),
        ),
    )
    assert engine.fire(drafting, "submit_plan", EventArgs(on=D(2026, 5, 8))).target == "plan_submitted"


def test_an_internal_event_stays_in_its_state(p405: WorkflowSpec) -> None:
    move = engine_for(p405).fire(
        case_405(),
        "extend",
        EventArgs(on=D(2027, 12, 1), reason="金融機関調整の長期化", until=D(2028, 9, 30)),
    )
    assert (move.source, move.target) == ("drafting", "drafting")


def test_a_refused_event_says_every_reason_and_changes_nothing(early: WorkflowSpec) -> None:
    engine = engine_for(early)
    uncertified_bank = SupportOrgFact(SECOND.org_id, SECOND.name, lead=True, certified=False)
    facts = early_case(support_orgs=(uncertified_bank,), documents=(), prior_cases=("13-early-2023-0009",))
    before = copy.deepcopy(facts)
    with pytest.raises(GuardFailed) as info:
        engine.fire(facts, "apply", EventArgs(on=D(2026, 2, 1)))
    reasons = info.value.details
    # missing letter and 利用申請書, uncertified lead, lead is a lender, earlier case without a
    # re-use reason nor ground
    assert len(reasons) == 6, reasons
    assert any("pre_consultation_letter" in r for r in reasons)
    assert any("利用申請書 (application)" in r for r in reasons)
    shown = reasons_for_people(reasons)  # what a page shows: names and labels, no ids
    # … each with where its rule comes from (the workflow's provenance)
    assert any(r.startswith("利用申請書がありません（出典：") for r in shown)
    assert any("の事前相談書がありません（出典：" in r for r in shown)
    assert not any(word in r for r in shown for word in ("pre_consultation_letter", "application", "（org "))
    assert any("認定経営革新等支援機関ではありません" in r for r in reasons)
    assert any("借入先金融機関" in r and "東都信用金庫" in r for r in reasons)
    assert any("13-early-2023-0009" in r for r in reasons)
    for reason in reasons:
        assert reason in info.value.message  # one message with every reason
    assert facts == before
    cursor = engine._cursor()
    assert cursor.state == "consultation"
    assert cursor.pending == ()
    # and the engine is not stuck: the same event on a good case goes through
    assert engine.fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1))).target == "applied"


def test_missing_reason_and_date_before_the_state_are_refused_together(p405: WorkflowSpec) -> None:
    with pytest.raises(GuardFailed) as info:
        engine_for(p405).fire(case_405(), "extend", EventArgs(on=D(2026, 3, 1)))
    reasons = info.value.details
    assert len(reasons) == 3, reasons  # --on before the state began, no --reason, no --until
    assert any("--reason" in r for r in reasons)
    assert any("--until" in r for r in reasons)
    assert any("2026-03-02" in r for r in reasons)


def test_an_event_not_allowed_in_the_state_names_the_allowed_ones(early: WorkflowSpec) -> None:
    with pytest.raises(EventNotAllowed) as info:
        engine_for(early).fire(early_case(), "accept", EventArgs(on=D(2026, 2, 1)))
    assert sorted(info.value.details) == ["apply", "withdraw"]
    assert "apply" in info.value.message and "withdraw" in info.value.message
    assert "consultation" in info.value.message


def test_an_event_not_allowed_in_the_state_splits_the_state_events_into_allowed_and_blocked(
    early: WorkflowSpec,
) -> None:
    # consultation without the main bank's pre-consultation letter: apply is an event of the state but
    # its conditions fail now; withdraw may happen (judged as if its reason were given)
    with pytest.raises(EventNotAllowed) as info:
        engine_for(early).fire(early_case(documents=()), "accept", EventArgs(on=D(2026, 2, 1)))
    assert info.value.details == ["withdraw"]
    message = info.value.message
    assert "state consultation" in message
    assert "allowed now: withdraw;" in message
    assert "blocked now by their conditions: apply " in message
    assert "case events 13-early-2026-0001" in message


def test_an_event_in_a_final_state_says_none_allowed(p405: WorkflowSpec) -> None:
    with pytest.raises(EventNotAllowed) as info:
        engine_for(p405).fire(case_405(state="closed"), "withdraw", EventArgs(on=D(2030, 1, 1), reason="x"))
    assert info.value.details == []
    assert "none" in info.value.message


# --- verdicts ----------------------------------------------------------------------------------


def test_verdicts_list_each_event_of_the_state(p405: WorkflowSpec) -> None:
    verdicts = engine_for(p405).verdicts(case_405(), D(2026, 6, 1))
    assert {v.event for v in verdicts} == {"start_negotiation", "extend", "withdraw", "lapse"}
    by = {v.event: v for v in verdicts}
    assert not by["start_negotiation"].allowed  # no plan document yet
    assert any("plan" in r for r in by["start_negotiation"].reasons)
    assert by["extend"].allowed and by["withdraw"].allowed  # judged as if reason/date were given
    assert not by["lapse"].allowed  # validity runs to 2028-03-02
    assert by["lapse"].reasons and all(not v.reasons for v in verdicts if v.allowed)


def test_verdicts_follow_the_dates(p405: WorkflowSpec) -> None:
    engine = engine_for(p405)
    with_plan = case_405(documents=(DocumentFact("plan", D(2026, 5, 1)),))
    by = {v.event: v.allowed for v in engine.verdicts(with_plan, D(2028, 3, 3))}
    assert by == {"start_negotiation": True, "extend": True, "withdraw": True, "lapse": True}
    by = {v.event: v.allowed for v in engine.verdicts(with_plan, D(2028, 3, 2))}
    assert by["lapse"] is False


def test_verdicts_in_consultation_of_early(early: WorkflowSpec) -> None:
    verdicts = engine_for(early).verdicts(early_case(), D(2026, 2, 1))
    assert [(v.event, v.allowed) for v in verdicts] == [("apply", True), ("withdraw", True)]


# --- one cursor, many cases --------------------------------------------------------------------


def test_many_cases_on_one_thread_use_one_model(p405: WorkflowSpec) -> None:
    engine = Engine(p405)  # fresh, so no other test's thread has attached a cursor
    assert len(engine._machine.models) == 0
    engine.fire(
        case_405(documents=(DocumentFact("plan", D(2026, 5, 1)),)),
        "start_negotiation",
        EventArgs(on=D(2026, 6, 1)),
    )
    assert len(engine._machine.models) == 1
    claim = (ClaimFact(1, "plan", 3_300_000, "claimed"),)
    targets: dict[str, int] = {}
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            facts = case_405(id=f"13-405-2026-{i:04d}", documents=(DocumentFact("plan", D(2026, 5, 1)),))
            event, args = "start_negotiation", EventArgs(on=D(2026, 6, 1))
        elif kind == 1:
            facts = case_405(
                id=f"13-405-2026-{i:04d}",
                state="negotiating",
                documents=(
                    DocumentFact("consent_letter", D(2026, 9, 1), MAIN.org_id),
                    DocumentFact("consent_letter", D(2026, 9, 2), SECOND.org_id),
                ),
            )
            event, args = "agree", EventArgs(on=D(2026, 9, 2))
        elif kind == 2:
            facts = case_405(id=f"13-405-2026-{i:04d}", state="payment_claimed", claims=claim)
            event, args = "decide_payment", EventArgs(on=D(2026, 10, 1))
        else:
            facts = case_405(id=f"13-405-2026-{i:04d}", state="monitoring")
            event, args = "terminate_early", EventArgs(on=D(2027, 1, 1), reason="業績が計画を大きく上回った")
        move = engine.fire(facts, event, args)
        targets[move.target] = targets.get(move.target, 0) + 1
    assert targets == {"negotiating": 250, "agreed": 250, "monitoring": 250, "closed": 250}
    assert len(engine._machine.models) == 1


def test_the_shared_engine_attaches_no_model_per_fire(early: WorkflowSpec) -> None:
    engine = engine_for(early)
    engine.fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1)))
    attached = len(engine._machine.models)
    for i in range(200):
        engine.fire(early_case(id=f"13-early-2026-{i:04d}"), "apply", EventArgs(on=D(2026, 2, 1)))
    assert len(engine._machine.models) == attached


def test_another_thread_gets_its_own_cursor(early: WorkflowSpec) -> None:
    engine = Engine(early)  # a private engine so other tests' threads do not count
    engine.fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1)))
    results: list[str] = []

    def work() -> None:
        for _ in range(10):
            results.append(engine.fire(early_case(), "apply", EventArgs(on=D(2026, 2, 1))).target)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert results == ["applied"] * 10
    assert len(engine._machine.models) == 2  # one per thread, not one per fire
