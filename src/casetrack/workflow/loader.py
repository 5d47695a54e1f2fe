"""YAML -> WorkflowSpec. Reports every problem of a file at once, each with ``file:line``."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..domain.dates import parse_date
from ..domain.guards import GUARDS
from ..errors import WorkflowInvalid, WorkflowProblem
from .spec import (
    COMPONENTS,
    RECIPIENTS,
    REMINDER_ITEMS,
    SESSION_KINDS,
    SOURCE_KINDS,
    WAITING_ON,
    ComponentSpec,
    DocRequirement,
    DocumentKind,
    EventSpec,
    ReminderItem,
    RuleSet,
    Rung,
    Source,
    StateSpec,
    SupportKind,
    TrackSpec,
    WorkflowSpec,
)

TOP_KEYS = {
    "program",
    "label",
    "initial",
    "plan_date_event",
    "tracks",
    "documents",
    "components",
    "states",
    "events",
    "rule_sets",
    "reminders",
    "sessions_open_in",
    "reuse",
    "financial_support",
    "sources",
    "provenance",
}
OPTIONAL_KEYS = {"reminders", "sessions_open_in", "reuse", "financial_support"}
RUNG_KEYS = {"id", "days", "months", "to", "template"}
COMPONENT_KEYS = {"ja", "en", "claim_states", "session", "decided_by", "document"}
STATE_KEYS = {"ja", "en", "waiting_on", "stall_days", "final"}
EVENT_KEYS = {"ja", "en", "from", "to", "guards", "documents", "reason", "until", "sets", "on_default"}
TRACK_KEYS = {"ja", "en", "available_from", "available_until"}
DOC_KEYS = {"ja", "en", "from_lender"}
SETS = ("accepted_on", "plan_date")
INT_RULES = (
    "claim_deadline_months",
    "claim_deadline_warn_months",
    "fye_report_lag_months",
    "interim_months",
    "validity_months",
    "validity_warn_months",
    "window_months",
    "default_interval_months",
    "schedule_chart_above",
    "holdback_open_warn_months",
    "fye_min_months_after_plan",
)
POSITIVE_RULES = ("monitoring_escalation_days",)
FRACTION_RULES = ("rate", "monitoring_estimate_max_share")
OTHER_RULES = ("caps", "holdback", "reuse_needs_council_approval")
# every rule-set key some code reads: any other key is refused (a value nothing reads would look like a
# rule that holds while nothing enforces it)
READ_RULES = frozenset((*INT_RULES, *POSITIVE_RULES, *FRACTION_RULES, *OTHER_RULES))


class _Map(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line = 0
    lines: dict[Any, int]


class _Seq(list[Any]):
    line = 0


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader keeping line numbers, flagging duplicate keys, leaving dates as text. On libyaml's
    parser where PyYAML has it (about ten times faster: the workflows are read by every command)."""

    duplicates: list[tuple[int, str]]


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (int, float)):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in out:
            loader.duplicates.append((line, f"duplicate key {key!r} (first at line {out.lines[key]})"))
            continue
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


class _Problems:
    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[WorkflowProblem] = []

    def add(self, line: int, message: str) -> None:
        self.items.append(WorkflowProblem(self.path, line, message))


def _line(parent: Any, key: Any) -> int:
    if isinstance(parent, _Map):
        return parent.lines.get(key, parent.line)
    return getattr(parent, "line", 0)


def _label(node: _Map, key: str, what: str, p: _Problems) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        p.add(node.line, f"{what}: missing label {key!r}")
        return ""
    return value


def _date(value: Any, line: int, what: str, p: _Problems) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value) if isinstance(value, str) else parse_date("")
    except ValueError:
        p.add(line, f"{what}: bad date {value!r} (expected YYYY-MM-DD)")
        return None


def _unknown_keys(node: _Map, allowed: set[str], what: str, p: _Problems) -> None:
    for key in node:
        if key not in allowed:
            p.add(_line(node, key), f"{what}: unknown key {key!r}")


def _section(doc: _Map, key: str, p: _Problems) -> _Map:
    value = doc.get(key)
    if not isinstance(value, _Map) or not value:
        p.add(_line(doc, key), f"{key!r} must be a non-empty mapping")
        return _Map()
    return value


def load_file(path: Path | str) -> WorkflowSpec:
    path = Path(path)
    p = _Problems(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowInvalid([WorkflowProblem(str(path), 0, f"cannot read: {exc}")]) from None
    loader = _Loader(text)
    loader.duplicates = []
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise WorkflowInvalid([WorkflowProblem(str(path), line, f"not valid YAML: {what}")]) from None
    finally:
        loader.dispose()
    for line, message in loader.duplicates:
        p.add(line, message)
    if not isinstance(doc, _Map):
        p.add(1, "a workflow file is a mapping with program, states, events, rule_sets…")
        raise WorkflowInvalid(p.items)
    spec = _build(doc, p)
    if p.items or spec is None:
        raise WorkflowInvalid(sorted(p.items, key=lambda x: x.line))
    return spec


def _build(doc: _Map, p: _Problems) -> WorkflowSpec | None:
    _unknown_keys(doc, TOP_KEYS, "workflow", p)
    for key in sorted(TOP_KEYS - OPTIONAL_KEYS - set(doc)):
        p.add(1, f"missing top-level key {key!r}")
    program = str(doc.get("program", ""))
    label = doc.get("label")
    if isinstance(label, _Map):
        ja, en = _label(label, "ja", "program label", p), _label(label, "en", "program label", p)
    else:
        ja = en = ""
        if "label" in doc:
            p.add(_line(doc, "label"), "label: expected a mapping with ja and en")

    documents = _documents(_section(doc, "documents", p), p)
    tracks = _tracks(_section(doc, "tracks", p), p)
    states = _states(_section(doc, "states", p), p)
    events = _events(_section(doc, "events", p), states, documents, p)
    components = _components(_section(doc, "components", p), states, events, p, documents)

    initial = doc.get("initial")
    if states and initial not in states:
        p.add(_line(doc, "initial"), f"initial: unknown state {initial!r}")
    plan_event = doc.get("plan_date_event")
    if events and plan_event not in events:
        p.add(_line(doc, "plan_date_event"), f"plan_date_event: unknown event {plan_event!r}")
    if states and events and initial in states:
        _reachability(states, events, str(initial), doc, p)
    rule_sets = _rule_sets(doc.get("rule_sets"), _line(doc, "rule_sets"), tracks, events, p)
    sessions_open_in = _sessions_open_in(doc, states, p)
    reminders = _reminders(doc.get("reminders"), _line(doc, "reminders"), states, p, sessions_open_in)
    grounds, max_uses = _reuse(doc.get("reuse"), _line(doc, "reuse"), p)
    support_event, support_kinds = _financial_support(doc, events, p)
    sources = _sources(doc, p)
    provenance = _provenance(doc, sources, _rule_refs(doc, events, tracks, states), p)
    if p.items:
        return None
    return WorkflowSpec(
        program=program,
        ja=ja,
        en=en,
        initial=str(initial),
        plan_date_event=str(plan_event),
        tracks=MappingProxyType(tracks),
        documents=MappingProxyType(documents),
        components=MappingProxyType(components),
        states=MappingProxyType(states),
        events=MappingProxyType(events),
        rule_sets=tuple(rule_sets),
        path=p.path,
        reminders=MappingProxyType(reminders),
        sessions_open_in=sessions_open_in,
        reuse_grounds=MappingProxyType(grounds),
        reuse_max_uses=max_uses,
        support_event=support_event,
        support_kinds=MappingProxyType(support_kinds),
        sources=MappingProxyType(sources),
        provenance=MappingProxyType(provenance),
    )


def _financial_support(
    doc: _Map, events: dict[str, EventSpec], p: _Problems
) -> tuple[str | None, dict[str, SupportKind]]:
    """``financial_support: {event: EVENT, kinds: {ID: {ja, en, note: required}}}`` (optional): the
    financial support each lender agrees to, recorded with EVENT (pamphlet line 169)."""
    node = doc.get("financial_support")
    if node is None:
        return None, {}
    line = _line(doc, "financial_support")
    if not isinstance(node, _Map):
        p.add(line, "financial_support: expected a mapping with event and kinds")
        return None, {}
    _unknown_keys(node, {"event", "kinds"}, "financial_support", p)
    event = node.get("event")
    if events and event not in events:
        p.add(_line(node, "event"), f"financial_support: unknown event {event!r}")
    kinds: dict[str, SupportKind] = {}
    raw = node.get("kinds")
    if not isinstance(raw, _Map) or not raw:
        p.add(_line(node, "kinds"), "financial_support: kinds maps each kind id to {ja, en}")
        return str(event), {}
    for kid, body in raw.items():
        what = f"financial support kind {kid!r}"
        if not isinstance(body, _Map):
            p.add(_line(raw, kid), f"{what}: expected a mapping with ja and en")
            continue
        _unknown_keys(body, {"ja", "en", "note"}, what, p)
        note = body.get("note")
        if note not in (None, "required", "optional"):
            p.add(_line(body, "note"), f"{what}: note must be 'required' or 'optional'")
        kinds[str(kid)] = SupportKind(
            str(kid), _label(body, "ja", what, p), _label(body, "en", what, p), note == "required"
        )
    return str(event), kinds


def _sources(doc: _Map, p: _Problems) -> dict[str, Source]:
    """``sources: {KEY: {title, where, kind}}``: where each rule of the file comes from."""
    node = doc.get("sources")
    if not isinstance(node, _Map) or not node:
        p.add(_line(doc, "sources"), "sources must map each source key to {title, where, kind}")
        return {}
    out: dict[str, Source] = {}
    for key, body in node.items():
        what = f"source {key!r}"
        if not isinstance(body, _Map):
            p.add(_line(node, key), f"{what}: expected a mapping with title, where, kind")
            continue
        _unknown_keys(body, {"title", "where", "kind"}, what, p)
        values = {}
        for field_ in ("title", "where"):
            value = body.get(field_)
            if not isinstance(value, str) or not value.strip():
                p.add(_line(body, field_), f"{what}: missing {field_!r}")
            values[field_] = str(value or "")
        kind = body.get("kind")
        if kind not in SOURCE_KINDS:
            p.add(_line(body, "kind"), f"{what}: kind must be one of {' | '.join(SOURCE_KINDS)}")
        elif kind == "pamphlet" and not re.fullmatch(r"パンフレット [0-9].*行.*", values["where"]):
            p.add(
                _line(body, "where"), f"{what}: a pamphlet source names its lines (where: パンフレット 169行)"
            )
        out[str(key)] = Source(str(key), values["title"], values["where"], str(kind))
    return out


def _rule_refs(
    doc: _Map, events: dict[str, EventSpec], tracks: dict[str, TrackSpec], states: dict[str, StateSpec]
) -> dict[str, int]:
    """Every rule of the file that must cite a source, as a provenance reference → the line it is written
    on: ``guard:<id>``, ``document:<event>.<kind>`` (a document an event needs), ``cap:<track>.<component>``,
    ``rule:<key>`` (a rule-set value), ``stall:<state>``, ``track:<id>`` (a track's dates),
    ``claim:<component>`` (a document a fee claim needs), ``reuse:grounds``, ``reuse:max_uses``,
    ``support:kinds`` and ``check:<what>`` (what every event checks: its date, a reason, a new date).
    Rules already reported as invalid (an unknown guard, a key nothing reads) are left out."""
    refs: dict[str, int] = {}

    def add(ref: str, line: int) -> None:
        refs.setdefault(ref, line)

    raw_events = doc.get("events")
    if isinstance(raw_events, _Map):
        add("check:effective_date", _line(doc, "events"))
        for eid, body in raw_events.items():
            if not isinstance(body, _Map) or eid not in events:
                continue
            for name in events[eid].guards:
                if name in GUARDS:
                    add(f"guard:{name}", _line(body, "guards"))
            for item in body.get("documents") or []:
                if isinstance(item, _Map) and item.get("kind") in {r.kind for r in events[eid].documents}:
                    add(f"document:{eid}.{item['kind']}", getattr(item, "line", _line(body, "documents")))
            if events[eid].reason_required:
                add("check:reason", _line(body, "reason"))
            if events[eid].until_required:
                add("check:until", _line(body, "until"))
    raw_rules = doc.get("rule_sets")
    for item in raw_rules if isinstance(raw_rules, list) else []:
        if not isinstance(item, _Map):
            continue
        for key, value in item.items():
            if key == "caps" and isinstance(value, _Map):
                for track, caps in value.items():
                    if track in tracks and isinstance(caps, _Map):
                        for comp in caps:
                            if comp in COMPONENTS:
                                add(f"cap:{track}.{comp}", _line(caps, comp))
            elif key in READ_RULES and key != "caps":
                add(f"rule:{key}", _line(item, key))
    raw_states = doc.get("states")
    if isinstance(raw_states, _Map):
        for sid, body in raw_states.items():
            if isinstance(body, _Map) and sid in states and states[sid].stall_days is not None:
                add(f"stall:{sid}", _line(body, "stall_days"))
    raw_tracks = doc.get("tracks")
    if isinstance(raw_tracks, _Map):
        for tid in raw_tracks:
            if tid in tracks and (tracks[tid].available_from or tracks[tid].available_until):
                add(f"track:{tid}", _line(raw_tracks, tid))
    raw_components = doc.get("components")
    if isinstance(raw_components, _Map):
        for cid, body in raw_components.items():
            if isinstance(body, _Map) and body.get("document") is not None:
                add(f"claim:{cid}", _line(body, "document"))
    reuse = doc.get("reuse")
    if isinstance(reuse, _Map):
        if "grounds" in reuse:
            add("reuse:grounds", _line(reuse, "grounds"))
        if "max_uses" in reuse:
            add("reuse:max_uses", _line(reuse, "max_uses"))
    support = doc.get("financial_support")
    if isinstance(support, _Map) and "kinds" in support:
        add("support:kinds", _line(support, "kinds"))
    return refs


def _provenance(doc: _Map, sources: dict[str, Source], refs: dict[str, int], p: _Problems) -> dict[str, str]:
    """``provenance: {REF: SOURCE_KEY}``: every rule of the file (``_rule_refs``) cites exactly one known
    source; an uncited rule is reported on its own line, an unknown source key or a reference to a rule
    the file does not have on the provenance line; a source nothing cites is reported too."""
    troubled = {problem.line for problem in p.items}  # a rule already reported is not asked for a source
    refs = {ref: line for ref, line in refs.items() if line not in troubled}
    node = doc.get("provenance")
    if not isinstance(node, _Map):
        p.add(
            _line(doc, "provenance"),
            "provenance must map each rule (guard:…, cap:…, rule:…, stall:…) to a source key",
        )
        node = _Map()
    out: dict[str, str] = {}
    for ref, key in node.items():
        line = _line(node, ref)
        if ref not in refs:
            if not troubled:  # else it may name a rule reported above
                p.add(line, f"provenance: {ref!r} is not a rule of this file")
        elif not isinstance(key, str) or key not in sources:
            known = ", ".join(sources) or "none"
            p.add(line, f"provenance: {ref!r} cites unknown source key {key!r} (sources: {known})")
        else:
            out[str(ref)] = key
    for ref, line in sorted(refs.items(), key=lambda x: (x[1], x[0])):
        if ref not in node:
            p.add(line, f"{ref} cites no source (add '{ref}: SOURCE_KEY' under provenance)")
    if sources and node:
        cited = set(node.values())
        for key in sources:
            if key not in cited:
                p.add(_line(doc["sources"], key), f"source {key!r} is cited by no rule")
    return out


def _sessions_open_in(doc: _Map, states: dict[str, StateSpec], p: _Problems) -> tuple[str, ...]:
    """``sessions_open_in``: the non-final states in which scheduled sessions are live (reminded and
    audited); absent, every non-final state."""
    node = doc.get("sessions_open_in")
    if node is None:
        return ()
    line = _line(doc, "sessions_open_in")
    if not isinstance(node, list) or not node or not all(isinstance(s, str) for s in node):
        p.add(line, "sessions_open_in must be a list of states")
        return ()
    for state in node:
        if states and state not in states:
            p.add(line, f"sessions_open_in: unknown state {state!r}")
        elif states and states[state].final:
            p.add(line, f"sessions_open_in: {state!r} is a final state")
    return tuple(str(s) for s in node)


def _reuse(node: Any, line: int, p: _Problems) -> tuple[dict[str, str], int | None]:
    """``reuse: {grounds: {ID: {ja, en}}, max_uses: N}`` (optional)."""
    if node is None:
        return {}, None
    if not isinstance(node, _Map):
        p.add(line, "reuse: expected a mapping with grounds (and max_uses)")
        return {}, None
    _unknown_keys(node, {"grounds", "max_uses"}, "reuse", p)
    grounds: dict[str, str] = {}
    raw = node.get("grounds")
    if not isinstance(raw, _Map) or not raw:
        p.add(_line(node, "grounds"), "reuse: grounds maps each ground id to {ja, en}")
    else:
        for gid, body in raw.items():
            if not isinstance(body, _Map):
                p.add(_line(raw, gid), f"reuse ground {gid!r}: expected a mapping with ja and en")
                continue
            grounds[str(gid)] = _label(body, "ja", f"reuse ground {gid!r}", p)
            _label(body, "en", f"reuse ground {gid!r}", p)
    max_uses = node.get("max_uses")
    if max_uses is not None and (not _int(max_uses) or max_uses < 1):
        p.add(_line(node, "max_uses"), "reuse: max_uses must be a whole number ≥ 1")
        max_uses = None
    return grounds, max_uses


def _documents(node: _Map, p: _Problems) -> dict[str, DocumentKind]:
    out = {}
    for kid, body in node.items():
        if not isinstance(body, _Map):
            p.add(_line(node, kid), f"document {kid!r}: expected a mapping with ja, en")
            continue
        _unknown_keys(body, DOC_KEYS, f"document {kid!r}", p)
        out[kid] = DocumentKind(
            kid,
            _label(body, "ja", f"document {kid!r}", p),
            _label(body, "en", f"document {kid!r}", p),
            bool(body.get("from_lender")),
        )
    return out


def _components(
    node: _Map,
    states: dict[str, StateSpec],
    events: dict[str, Any],
    p: _Problems,
    documents: dict[str, DocumentKind] | None = None,
) -> dict[str, ComponentSpec]:
    out = {}
    for cid, body in node.items():
        what = f"component {cid!r}"
        if cid not in COMPONENTS:
            p.add(_line(node, cid), f"unknown fee component {cid!r} (one of {', '.join(COMPONENTS)})")
        if not isinstance(body, _Map):
            p.add(_line(node, cid), f"{what}: expected a mapping with ja, en, claim_states")
            continue
        _unknown_keys(body, COMPONENT_KEYS, what, p)
        claim_states = body.get("claim_states")
        if not isinstance(claim_states, list) or not claim_states:
            p.add(_line(body, "claim_states"), f"{what}: claim_states must be a list of states")
            claim_states = []
        for state in claim_states:
            if states and state not in states:
                p.add(_line(body, "claim_states"), f"{what}: unknown state {state!r} in claim_states")
        session = body.get("session")
        if session is not None and session not in SESSION_KINDS:
            p.add(_line(body, "session"), f"{what}: session must be one of {', '.join(SESSION_KINDS)}")
        decided_by = body.get("decided_by")
        if decided_by is not None and events and decided_by not in events:
            p.add(_line(body, "decided_by"), f"{what}: unknown event {decided_by!r} in decided_by")
        document = body.get("document")
        if document is not None and documents is not None and document not in documents:
            p.add(_line(body, "document"), f"{what}: unknown document kind {document!r} in document")
        out[cid] = ComponentSpec(
            cid,
            _label(body, "ja", what, p),
            _label(body, "en", what, p),
            tuple(str(x) for x in claim_states),
            session,
            decided_by,
            None if document is None else str(document),
        )
    return out


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _reminders(
    node: Any, line: int, states: dict[str, StateSpec], p: _Problems, sessions_open_in: tuple[str, ...] = ()
) -> dict[str, ReminderItem]:
    from ..resources import templates_dir

    if node is None:
        return {}
    if not isinstance(node, _Map):
        p.add(
            line, "reminders must map items (session, claim_deadline, validity, holdback, decision) to rungs"
        )
        return {}
    email_dir = templates_dir() / "email"
    out = {}
    for kind, body in node.items():
        what = f"reminder {kind!r}"
        if kind not in REMINDER_ITEMS:
            p.add(_line(node, kind), f"unknown reminder item {kind!r} (one of {', '.join(REMINDER_ITEMS)})")
            continue
        if not isinstance(body, _Map):
            p.add(_line(node, kind), f"{what}: expected a mapping with open_in and rungs")
            continue
        _unknown_keys(body, {"open_in", "rungs"}, what, p)
        open_in = body.get("open_in")
        if kind == "session":  # sessions are open where the workflow says, once for every reader
            session_states = list(sessions_open_in or (s for s, spec in states.items() if not spec.final))
            if open_in is not None and open_in != session_states:
                p.add(
                    _line(body, "open_in"),
                    f"{what}: open_in must be left out — session rungs follow "
                    f"sessions_open_in ({', '.join(session_states)})",
                )
            open_in = session_states
        if not isinstance(open_in, list) or not open_in:
            p.add(_line(body, "open_in"), f"{what}: open_in must be a list of states")
            open_in = []
        for state in open_in:
            if states and state not in states:
                p.add(_line(body, "open_in"), f"{what}: unknown state {state!r} in open_in")
        rungs: list[Rung] = []
        raw = body.get("rungs")
        if not isinstance(raw, list) or not raw:
            p.add(_line(body, "rungs"), f"{what}: rungs must be a non-empty list")
            raw = []
        for item in raw:
            rline = getattr(item, "line", _line(body, "rungs"))
            if not isinstance(item, _Map):
                p.add(rline, f"{what}: each rung is a mapping with id, days or months, to, template")
                continue
            _unknown_keys(item, RUNG_KEYS, what, p)
            rid = item.get("id")
            if not isinstance(rid, str) or not rid:
                p.add(rline, f"{what}: a rung needs an id")
                continue
            if any(r.id == rid for r in rungs):
                p.add(rline, f"{what}: duplicate rung {rid!r}")
            days, months = item.get("days", 0), item.get("months", 0)
            if not _int(days) or not _int(months):
                p.add(rline, f"{what}: rung {rid!r}: days and months are whole numbers")
                days, months = 0, 0
            to = item.get("to")
            if not isinstance(to, list) or not to or any(t not in RECIPIENTS for t in to):
                p.add(rline, f"{what}: rung {rid!r}: to must list recipients from {', '.join(RECIPIENTS)}")
                to = []
            template = item.get("template")
            if not isinstance(template, str) or not (email_dir / f"{template}.txt.j2").is_file():
                p.add(rline, f"{what}: rung {rid!r}: missing template {email_dir / f'{template}.txt.j2'}")
            rungs.append(Rung(rid, int(days), int(months), tuple(str(t) for t in to), str(template)))
        out[str(kind)] = ReminderItem(str(kind), tuple(str(s) for s in open_in), tuple(rungs))
    return out


def _tracks(node: _Map, p: _Problems) -> dict[str, TrackSpec]:
    out = {}
    for tid, body in node.items():
        if not isinstance(body, _Map):
            p.add(_line(node, tid), f"track {tid!r}: expected a mapping with ja, en")
            continue
        _unknown_keys(body, TRACK_KEYS, f"track {tid!r}", p)
        start = _date(body.get("available_from"), _line(body, "available_from"), f"track {tid!r}", p)
        end = _date(body.get("available_until"), _line(body, "available_until"), f"track {tid!r}", p)
        if start and end and end < start:
            p.add(body.line, f"track {tid!r}: available_until is before available_from")
        out[tid] = TrackSpec(
            tid, _label(body, "ja", f"track {tid!r}", p), _label(body, "en", f"track {tid!r}", p), start, end
        )
    return out


def _states(node: _Map, p: _Problems) -> dict[str, StateSpec]:
    out = {}
    for sid, body in node.items():
        if not isinstance(body, _Map):
            p.add(_line(node, sid), f"state {sid!r}: expected a mapping with ja, en, waiting_on…")
            continue
        what = f"state {sid!r}"
        _unknown_keys(body, STATE_KEYS, what, p)
        final = body.get("final", False) is True
        waiting = body.get("waiting_on")
        if not final and waiting not in WAITING_ON:
            p.add(_line(body, "waiting_on"), f"{what}: waiting_on must be one of {', '.join(WAITING_ON)}")
        stall = body.get("stall_days")
        if stall is not None and (not isinstance(stall, int) or isinstance(stall, bool) or stall <= 0):
            p.add(_line(body, "stall_days"), f"{what}: stall_days must be a positive whole number")
            stall = None
        out[sid] = StateSpec(
            sid,
            _label(body, "ja", what, p),
            _label(body, "en", what, p),
            waiting if not final else None,
            stall,
            final,
            _line(node, sid),
        )
    return out


def _flag(body: _Map, key: str, what: str, p: _Problems) -> bool:
    value: object = body.get(key)
    if value is None:
        return False
    if value not in ("required", "optional"):
        p.add(_line(body, key), f"{what}: {key} must be 'required' or 'optional'")
    return value == "required"


def _events(
    node: _Map, states: dict[str, StateSpec], documents: dict[str, DocumentKind], p: _Problems
) -> dict[str, EventSpec]:
    out = {}
    open_states = tuple(s for s, spec in states.items() if not spec.final)
    for eid, body in node.items():
        if not isinstance(body, _Map):
            p.add(_line(node, eid), f"event {eid!r}: expected a mapping with from, to, …")
            continue
        what = f"event {eid!r}"
        _unknown_keys(body, EVENT_KEYS, what, p)
        raw_from = body.get("from")
        if raw_from == "open":
            sources = open_states
        elif isinstance(raw_from, list) and raw_from:
            sources = tuple(str(s) for s in raw_from)
            for s in sources:
                if s not in states:
                    p.add(_line(body, "from"), f"{what}: unknown state {s!r} in from")
                elif states[s].final:
                    p.add(_line(body, "from"), f"{what}: from names final state {s!r}")
        else:
            p.add(_line(body, "from"), f"{what}: from must be a list of states or 'open'")
            sources = ()
        raw_to = body.get("to")
        target: str | None
        if raw_to == "same":
            target = None
        elif raw_to in states:
            target = str(raw_to)
        else:
            p.add(_line(body, "to"), f"{what}: unknown state {raw_to!r} in to")
            target = None
        guards = body.get("guards") or []
        if not isinstance(guards, list):
            p.add(_line(body, "guards"), f"{what}: guards must be a list of guard names")
            guards = []
        for name in guards:
            if name not in GUARDS:
                p.add(_line(body, "guards"), f"{what}: unknown guard {name!r}")
        reqs = []
        for item in body.get("documents") or []:
            line = getattr(item, "line", _line(body, "documents"))
            if not isinstance(item, _Map) or "kind" not in item:
                p.add(line, f"{what}: each document needs a kind")
                continue
            kind, source = item.get("kind"), item.get("from")
            if kind not in documents:
                p.add(line, f"{what}: unknown document kind {kind!r}")
            elif source is not None:
                if source not in ("main_bank", "every_lender"):
                    p.add(line, f"{what}: document from must be main_bank or every_lender")
                elif not documents[kind].from_lender:
                    p.add(line, f"{what}: document {kind!r} does not come from a lender")
            reqs.append(DocRequirement(str(kind), source))
        on_default = body.get("on_default")
        if on_default is not None and on_default not in {r.kind for r in reqs}:
            p.add(_line(body, "on_default"), f"{what}: on_default must name one of the event's documents")
            on_default = None
        sets = body.get("sets")
        if sets is not None and sets not in SETS:
            p.add(_line(body, "sets"), f"{what}: sets must be one of {', '.join(SETS)}")
        out[eid] = EventSpec(
            id=eid,
            ja=_label(body, "ja", what, p),
            en=_label(body, "en", what, p),
            sources=sources,
            target=target,
            guards=tuple(str(g) for g in guards),
            documents=tuple(reqs),
            reason_required=_flag(body, "reason", what, p),
            until_required=_flag(body, "until", what, p),
            sets=sets,
            line=_line(node, eid),
            on_default=None if on_default is None else str(on_default),
        )
    return out


def _reachability(
    states: dict[str, StateSpec], events: dict[str, EventSpec], initial: str, doc: _Map, p: _Problems
) -> None:
    seen = {initial}
    todo = deque([initial])
    while todo:
        state = todo.popleft()
        for event in events.values():
            if state in event.sources:
                nxt = event.target_from(state)
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    for sid, spec in states.items():
        if sid not in seen:
            p.add(spec.line, f"state {sid!r} is unreachable from {initial!r}")
        elif not spec.final and not any(
            sid in e.sources and e.target_from(sid) != sid for e in events.values()
        ):
            p.add(spec.line, f"state {sid!r} is not final but no event leaves it")


def _rule_sets(
    raw: Any, line: int, tracks: dict[str, TrackSpec], events: dict[str, EventSpec], p: _Problems
) -> list[RuleSet]:
    if not isinstance(raw, list) or not raw:
        p.add(line, "rule_sets must be a non-empty list")
        return []
    merged: dict[str, Any] = {}
    out: list[RuleSet] = []
    previous: dt.date | None = None
    for item in raw:
        if not isinstance(item, _Map):
            p.add(getattr(raw, "line", line), "each rule set is a mapping with effective_from")
            continue
        start = _date(item.get("effective_from"), _line(item, "effective_from"), "rule set effective_from", p)
        if "effective_from" not in item:
            p.add(item.line, "rule set: missing effective_from")
        if start and previous and start <= previous:
            p.add(_line(item, "effective_from"), f"rule set {start}: effective_from must follow {previous}")
        for key, value in item.items():
            if key == "effective_from":
                continue
            kline = _line(item, key)
            if key not in READ_RULES:
                p.add(
                    kline,
                    f"rule set {start}: {key!r} is not a rule casetrack reads "
                    f"(rules: {', '.join(sorted(READ_RULES))})",
                )
            elif key in INT_RULES and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                p.add(kline, f"rule set {start}: {key} must be a whole number ≥ 0")
            elif key in POSITIVE_RULES and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                p.add(kline, f"rule set {start}: {key} must be a whole number ≥ 1")
            elif key in FRACTION_RULES:
                try:
                    frac = Fraction(str(value))
                    if not 0 < frac <= 1:
                        raise ValueError
                except (ValueError, ZeroDivisionError):
                    p.add(kline, f"rule set {start}: {key} must be a fraction such as 2/3")
            elif key == "caps":
                _check_caps(value, kline, start, tracks, p)
                value = {**merged.get("caps", {}), **{k: dict(v) for k, v in (value or {}).items()}}
            elif key == "holdback":
                if not isinstance(value, _Map) or any(
                    t not in tracks or not isinstance(v, bool) for t, v in value.items()
                ):
                    p.add(kline, f"rule set {start}: holdback maps each track to true or false")
                value = {**merged.get("holdback", {}), **dict(value or {})}
            merged[key] = value
        if start:
            out.append(RuleSet(start, MappingProxyType(dict(merged))))
        previous = start or previous
    if out:
        needed = {need for e in events.values() for g in e.guards if g in GUARDS for need in GUARDS[g].needs}
        needed |= {"rate", "caps"}
        for key in sorted(needed - set(out[0].values)):
            p.add(
                _line(raw[0], "effective_from"), f"rule set {out[0].id}: missing {key!r} (a guard reads it)"
            )
    return out


def _check_caps(
    value: Any, line: int, start: dt.date | None, tracks: dict[str, TrackSpec], p: _Problems
) -> None:
    if not isinstance(value, _Map):
        p.add(line, f"rule set {start}: caps maps each track to component caps")
        return
    for track, caps in value.items():
        tline = _line(value, track)
        if track not in tracks:
            p.add(tline, f"rule set {start}: caps for unknown track {track!r}")
        if not isinstance(caps, _Map):
            p.add(tline, f"rule set {start}: caps of {track!r} must map components to yen")
            continue
        for comp, yen in caps.items():
            if comp not in COMPONENTS:
                p.add(_line(caps, comp), f"rule set {start}: unknown fee component {comp!r}")
            elif not isinstance(yen, int) or isinstance(yen, bool) or yen < 0:
                p.add(_line(caps, comp), f"rule set {start}: cap {track}.{comp} must be whole yen ≥ 0")
