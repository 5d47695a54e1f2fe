"""The case engine: one ``transitions`` Machine per program, built once per process.

The persisted case is never the transitions model. Each thread owns one small cursor attached to
the machine once; an operation points the cursor at the case's current state, evaluates the named
guards (collecting every reason, not only the first) and lets the machine perform the move.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transitions import Machine

from ..domain.facts import CaseFacts
from ..domain.guards import GUARDS, GuardInput, Reason, missing_documents
from ..errors import EventNotAllowed, GuardFailed
from .spec import EventSpec, WorkflowSpec


@dataclass(frozen=True)
class Verdict:
    event: str
    allowed: bool
    reasons: tuple[str, ...]
    refs: tuple[str, ...] = ()  # per reason, the rule it comes from (provenance reference)


@dataclass(frozen=True)
class Move:
    event: EventSpec
    source: str
    target: str


@dataclass(frozen=True)
class EventArgs:
    on: dt.date
    reason: str | None = None
    until: dt.date | None = None
    # lender id → the kinds of financial support it agreed to, given with the event (None: not given)
    agreements: Mapping[int, tuple[str, ...]] | None = None


class _Cursor:
    """Stand-in model for the machine; points at one case at a time."""

    state: str
    trigger: Callable[[str], bool]  # added by Machine.add_model

    def __init__(self) -> None:
        self.pending: tuple[str, ...] = ()

    def guards_pass(self) -> bool:
        return not self.pending


class Engine:
    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        transitions = []
        for event in spec.events.values():
            for source in event.sources:
                transitions.append(
                    {
                        "trigger": event.id,
                        "source": source,
                        "dest": event.target,  # None: internal (the state stays)
                        "conditions": "guards_pass",
                    }
                )
        self._machine = Machine(
            model=None,
            states=list(spec.states),
            transitions=transitions,
            initial=spec.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        self._local = threading.local()

    def _cursor(self) -> _Cursor:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = _Cursor()
            self._machine.add_model(cursor, initial=self.spec.initial)
            self._local.cursor = cursor
        return cursor

    def event(self, event_id: str) -> EventSpec:
        if event_id not in self.spec.events:
            from ..errors import BadInput

            raise BadInput(
                f"unknown event {event_id!r} for program {self.spec.program} "
                f"(events: {', '.join(self.spec.events)})",
                ja=[f"手続き「{event_id}」は{self.spec.ja}にはありません。"],
            )
        return self.spec.events[event_id]

    def reasons(self, facts: CaseFacts, event: EventSpec, args: EventArgs) -> tuple[str, ...]:
        """Every reason ``event`` is refused now (empty when it may fire)."""
        return tuple(text for text, _ref in self.sourced_reasons(facts, event, args))

    def sourced_reasons(
        self, facts: CaseFacts, event: EventSpec, args: EventArgs
    ) -> tuple[tuple[str, str], ...]:
        """Every reason ``event`` is refused now, each with the rule it comes from (a provenance reference:
        ``guard:<id>``, ``document:<event>.<kind>``, ``check:<what>``; the workflow file names its source)."""
        rules = self.spec.rule_set(_rule_set_id(facts, self.spec, event, args)).values
        track = self.spec.tracks.get(facts.track)
        window = (track.available_from, track.available_until) if track else (None, None)
        g = GuardInput(
            facts=facts,
            rules=rules,
            on=args.on,
            track_window=window,
            until=args.until,
            reuse_grounds=self.spec.reuse_grounds,
            reuse_max_uses=self.spec.reuse_max_uses,
            component_labels=self.spec.component_labels(facts.track),
            document_labels={k: d.ja for k, d in self.spec.documents.items()},
            track_label=track.ja if track else None,
            agreements=args.agreements,
        )
        out: list[tuple[str, str]] = []
        if args.on < facts.state_since:
            out.append(
                (
                    f"効力発生日 {args.on} が現在の状態に入った日 {facts.state_since} より前です",
                    "check:effective_date",
                )
            )
        if event.reason_required and not (args.reason and args.reason.strip()):
            out.append(
                (
                    Reason(
                        f"{event.ja} ({event.id}) には理由 (--reason) が必要です",
                        f"{event.ja}には理由が必要です",
                    ),
                    "check:reason",
                )
            )
        if event.until_required:
            if args.until is None:
                out.append(
                    (
                        Reason(
                            f"{event.ja} ({event.id}) には新しい期限 (--until) が必要です",
                            f"{event.ja}には新しい期限が必要です",
                        ),
                        "check:until",
                    )
                )
            elif args.until <= args.on:
                out.append(
                    (
                        f"新しい期限 {args.until} は効力発生日 {args.on} より後である必要があります",
                        "check:until",
                    )
                )
        for requirement in self.spec.requirement_labels(event):
            ref = f"document:{event.id}.{requirement[0]}"
            out.extend((text, ref) for text in missing_documents(facts, (requirement,), args.on))
        for name in event.guards:
            out.extend((text, f"guard:{name}") for text in GUARDS[name].check(g))
        return tuple(out)

    def with_source(self, text: str, ref: str) -> str:
        """A reason as a page or the demo prints it: with where its rule comes from (（出典：パンフレット 9行）)."""
        source = self.spec.source_of(ref)
        return f"{text}（{source.note}）" if source else text

    def fire(self, facts: CaseFacts, event_id: str, args: EventArgs) -> Move:
        """Check and perform ``event_id`` on the case; raise with every reason when refused."""
        event = self.event(event_id)
        if facts.state not in event.sources:
            raise self._not_in_state(facts, event_id, args.on)
        sourced = self.sourced_reasons(facts, event, args)
        # the CLI prints each reason as it is (ids to type the next command); a page and the demo print its
        # people's wording with where its rule comes from (guards.reasons_for_people)
        reasons = tuple(
            Reason(str(text), self.with_source(getattr(text, "people", text), ref)) for text, ref in sourced
        )
        cursor = self._cursor()
        self._machine.set_state(facts.state, model=cursor)
        cursor.pending = reasons
        try:
            moved = cursor.trigger(event_id)
        finally:
            cursor.pending = ()
        if not moved:
            raise GuardFailed(
                f"{event_id} refused for case {facts.id}: " + "; ".join(reasons),
                reasons,
                ja=[f"案件 {facts.id} の「{event.ja}」はできません：" + "、".join(reasons)],
                refs=tuple(ref for _text, ref in sourced),
            )
        return Move(event, facts.state, cursor.state)

    def _not_in_state(self, facts: CaseFacts, event_id: str, on: dt.date) -> EventNotAllowed:
        """``event_id`` is not an event of the case's state: name the state and its events, split into
        those allowed now and those whose guards block them now. ``details``: the events allowed now."""
        state = self.spec.states[facts.state]
        head = f"event {event_id} is not allowed in state {facts.state} ({state.ja}) of case {facts.id}"
        head_ja = f"案件 {facts.id} は{state.ja}のため、「{self.spec.events[event_id].ja}」はできません"
        verdicts = self.verdicts(facts, on)
        if not verdicts:
            return EventNotAllowed(
                f"{head}; events allowed now: none (final state)", [], ja=[f"{head_ja}（終了した案件です）。"]
            )
        allowed = [v.event for v in verdicts if v.allowed]
        blocked = [v.event for v in verdicts if not v.allowed]
        text = f"{head}; events of this state allowed now: {', '.join(allowed) or 'none'}"
        labels = "、".join(f"「{self.spec.events[e].ja}」（{e}）" for e in allowed) or "なし"
        text_ja = f"{head_ja}。今できる手続き：{labels}"
        if blocked:
            text += (
                f"; blocked now by their conditions: {', '.join(blocked)} "
                f"(casetrack case events {facts.id} gives every reason)"
            )
            text_ja += (
                f"。条件を満たさず今はできない手続き：{'、'.join(self.spec.events[e].ja for e in blocked)}"
                f"（理由は casetrack case events {facts.id} で表示します）"
            )
        return EventNotAllowed(text, allowed, ja=[text_ja + "。"])

    def verdicts(self, facts: CaseFacts, on: dt.date) -> list[Verdict]:
        """Each event of the current state with whether it may fire and every reason it may not.

        Events needing a reason or a new date are judged as if they were given.
        """
        out = []
        for event in self.spec.events_from(facts.state):
            args = EventArgs(on=on, reason="(given)", until=dt.date.max if event.until_required else None)
            sourced = self.sourced_reasons(facts, event, args)
            out.append(
                Verdict(event.id, not sourced, tuple(t for t, _r in sourced), tuple(r for _t, r in sourced))
            )
        return out


def _rule_set_id(facts: CaseFacts, spec: WorkflowSpec, event: EventSpec, args: EventArgs) -> str:
    """The rule set the event is judged by: acceptance pins the one in force on its date."""
    if event.sets == "accepted_on":
        return spec.rule_set_on(args.on).id
    return facts.rule_set or spec.rule_set_on(facts.accepted_on or facts.opened_on).id


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def engine_for(spec: WorkflowSpec) -> Engine:
    with _lock:
        engine = _engines.get(spec.program)
        if engine is None or engine.spec is not spec:
            engine = _engines[spec.program] = Engine(spec)
        return engine
