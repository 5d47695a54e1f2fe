"""Frozen description of one program's workflow, as loaded from ``workflows/<program>.yaml``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType
from typing import Any

WAITING_ON = ("company", "support_org", "lenders", "council")
COMPONENTS = ("plan", "monitoring_interim", "monitoring_fye", "monitoring", "guarantee_release", "dd")
SESSION_KINDS = ("interim", "fye", "regular")
REMINDER_ITEMS = ("session", "claim_deadline", "validity", "holdback", "decision")
RECIPIENTS = (
    "support_org",
    "coordinator",
    "supervisor",
)  # supervisor: every supervisor of the case's council


@dataclass(frozen=True)
class StateSpec:
    id: str
    ja: str
    en: str
    waiting_on: str | None
    stall_days: int | None
    final: bool
    line: int


@dataclass(frozen=True)
class DocumentKind:
    id: str
    ja: str
    en: str
    from_lender: bool


@dataclass(frozen=True)
class DocRequirement:
    kind: str
    source: str | None  # None | "main_bank" | "every_lender"


@dataclass(frozen=True)
class EventSpec:
    id: str
    ja: str
    en: str
    sources: tuple[str, ...]
    target: str | None  # None: stays in the same state (internal)
    guards: tuple[str, ...]
    documents: tuple[DocRequirement, ...]
    reason_required: bool
    until_required: bool
    sets: str | None  # accepted_on | plan_date
    line: int
    # without --on, the event takes the date of the latest document of this kind (405 agree: the last
    # consent letter); the document requirement already refuses an earlier date
    on_default: str | None = None

    def target_from(self, source: str) -> str:
        return self.target or source


@dataclass(frozen=True)
class ComponentSpec:
    id: str
    ja: str
    en: str
    claim_states: tuple[str, ...]
    session: str | None  # the monitoring-session kind a claim of this component is for
    decided_by: str | None  # an event that decides the claim (plan: decide_payment)
    # a document a claim needs on file (by the claim date; for a session's claim: for that session)
    document: str | None = None


@dataclass(frozen=True)
class Rung:
    id: str
    days: int
    months: int
    to: tuple[str, ...]  # support_org | coordinator | supervisor
    template: str


@dataclass(frozen=True)
class ReminderItem:
    kind: str  # session | claim_deadline | validity | holdback
    open_in: tuple[str, ...]
    rungs: tuple[Rung, ...]


SOURCE_KINDS = ("pamphlet", "official", "council", "project_default")
# how a refusal names where its rule comes from (a pamphlet source adds its lines: 出典：パンフレット 169行)
SOURCE_KIND_LABELS = {
    "pamphlet": "出典：パンフレット",
    "official": "出典：公式",
    "council": "協議会の運用",
    "project_default": "本システムの既定値",
}


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: the pamphlet (by line), an official page or document, a council's
    practice, or casetrack's own default."""

    key: str
    title: str
    where: str
    kind: str  # one of SOURCE_KINDS

    @property
    def label(self) -> str:
        """「出典：パンフレット」, 「出典：公式」, 「協議会の運用」 or 「本システムの既定値」."""
        return SOURCE_KIND_LABELS.get(self.kind, self.kind)

    @property
    def note(self) -> str:
        """The label as a refusal prints it: a pamphlet source with its lines (出典：パンフレット 169行)."""
        if self.kind == "pamphlet" and self.where.startswith("パンフレット"):
            return f"出典：{self.where}"
        return self.label

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "where": self.where, "kind": self.kind, "kind_label": self.label}


@dataclass(frozen=True)
class SupportKind:
    """A kind of financial support a lender agrees to (リスケ, 新規融資, その他)."""

    id: str
    ja: str
    en: str
    note_required: bool = False


@dataclass(frozen=True)
class TrackSpec:
    id: str
    ja: str
    en: str
    available_from: dt.date | None
    available_until: dt.date | None


@dataclass(frozen=True)
class RuleSet:
    effective_from: dt.date
    values: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.effective_from.isoformat()

    @property
    def rate(self) -> Fraction:
        return Fraction(str(self.values["rate"]))

    def caps(self, track: str) -> Mapping[str, int]:
        return MappingProxyType(dict(self.values.get("caps", {}).get(track, {})))


@dataclass(frozen=True)
class WorkflowSpec:
    program: str
    ja: str
    en: str
    initial: str
    plan_date_event: str
    tracks: Mapping[str, TrackSpec]
    documents: Mapping[str, DocumentKind]
    components: Mapping[str, ComponentSpec]
    states: Mapping[str, StateSpec]
    events: Mapping[str, EventSpec]
    rule_sets: tuple[RuleSet, ...]
    path: str
    reminders: Mapping[str, ReminderItem] = field(default_factory=dict)
    # re-use (DOMAIN.md §11): the grounds a company may use the program again on (id → label), and how
    # many uses a company may have at most (None: no limit)
    reuse_grounds: Mapping[str, str] = field(default_factory=dict)
    reuse_max_uses: int | None = None
    sessions_open_in: tuple[str, ...] = ()
    # financial support per lender (pamphlet line 169): the event it is recorded with and its kinds;
    # required where the event's guards say so (405 agree: financial_support_agreed)
    support_event: str | None = None
    support_kinds: Mapping[str, SupportKind] = field(default_factory=dict)
    # provenance (issue 15): source key → Source, and rule reference (guard:…, cap:…, rule:…) → source key
    sources: Mapping[str, Source] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict)

    def source_of(self, ref: str) -> Source | None:
        """The source a rule cites (``guard:<id>``, ``cap:<track>.<component>``, ``rule:<key>``…)."""
        key = self.provenance.get(ref)
        return None if key is None else self.sources.get(key)

    @property
    def session_states(self) -> tuple[str, ...]:
        """The states in which a case's scheduled sessions are live — reminded, audited as overdue, shown on
        the Today page, the calendar and the digest (DOMAIN.md §11): the workflow's ``sessions_open_in``,
        else every non-final state. The one definition of "open" for sessions."""
        return self.sessions_open_in or self.open_states

    @property
    def default_track(self) -> str:
        return next(iter(self.tracks))

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.states.values() if not s.final)

    def events_from(self, state: str) -> tuple[EventSpec, ...]:
        return tuple(e for e in self.events.values() if state in e.sources)

    def rule_set_on(self, day: dt.date) -> RuleSet:
        """The rule set in force on ``day`` (the latest whose effective_from is not after it)."""
        chosen = None
        for rs in self.rule_sets:
            if rs.effective_from <= day:
                chosen = rs
        if chosen is None:
            raise LookupError(
                f"no {self.program} rule set is in force on {day} (the first starts {self.rule_sets[0].id})"
            )
        return chosen

    def rule_set(self, rule_set_id: str) -> RuleSet:
        try:
            return self._rule_sets_by_id[rule_set_id]
        except KeyError:
            raise LookupError(f"{self.program} has no rule set {rule_set_id}") from None

    @cached_property
    def _rule_sets_by_id(self) -> Mapping[str, RuleSet]:
        """Rule sets by id (looked up once per case by the audit and the sweep: tens of thousands)."""
        return {rs.id: rs for rs in self.rule_sets}

    def component_labels(self, track: str | None = None) -> dict[str, str]:
        """Fee component id → its Japanese label on ``track`` (the 405 regular track has no DD: its plan
        component is 計画策定支援費用; the GL track claims DD and the plan apart)."""
        labels = {c.id: c.ja for c in self.components.values()}
        if self.program == "405" and track is not None and "plan" in labels:
            labels["plan"] = labels["plan"].replace("DD・", "")
        return labels

    def requirement_labels(self, event: EventSpec) -> tuple[tuple[str, str | None, str], ...]:
        return tuple((r.kind, r.source, self.documents[r.kind].ja) for r in event.documents)
