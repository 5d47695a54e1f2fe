"""Every rule of a workflow with its value and its source (issue 15): what `workflow show --format json`
gives as ``rules`` and what the README's rule table is generated from
(``python -m casetrack.workflow.provenance`` prints it; a test keeps the README equal to it)."""

from __future__ import annotations

import sys
from typing import Any

from ..domain.guards import GUARDS
from .spec import WorkflowSpec

CHECKS = {
    "check:effective_date": "効力発生日は現在の状態に入った日より前にできない",
    "check:reason": "理由が必要な手続き（不採択・取下げ・期限延長・早期終了）には理由",
    "check:until": "期限延長には効力発生日より後の新しい期限",
}


def _yen(value: Any) -> str:
    return f"{value:,}円" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _text(value: Any) -> str:
    if value is True:
        return "する"
    if value is False:
        return "しない"
    if isinstance(value, dict):
        return "・".join(f"{k} {_text(v)}" for k, v in value.items())
    return str(value)


def _over_rule_sets(spec: WorkflowSpec, read: Any, show: Any = _text) -> str:
    """A value as each rule set has it: one value, or each change with its effective date."""
    out: list[tuple[str, str]] = []
    last: Any = object()
    for rs in spec.rule_sets:
        value = read(rs.values)
        if value is None or value == last:
            continue
        out.append((show(value), rs.id))
        last = value
    if len(out) == 1:
        return out[0][0]
    return "／".join(f"{text}（{since}から）" for text, since in out)


def rule_value(spec: WorkflowSpec, ref: str) -> str:
    """The value of one rule as people read it (Japanese labels, yen, days)."""
    kind, _, name = ref.partition(":")
    if kind == "guard":
        events = [e.ja for e in spec.events.values() if name in e.guards]
        return f"{GUARDS[name].ja or GUARDS[name].summary}（{'・'.join(events)}）"
    if kind == "document":
        event, _, doc = name.partition(".")
        req = next(r for r in spec.events[event].documents if r.kind == doc)
        whose = {"main_bank": "メイン行の", "every_lender": "全金融機関の"}.get(req.source or "", "")
        return f"{spec.events[event].ja}に{whose}{spec.documents[doc].ja}"
    if kind == "cap":
        track, _, comp = name.partition(".")
        return _over_rule_sets(spec, lambda v: v.get("caps", {}).get(track, {}).get(comp), _yen)
    if kind == "rule":
        show = _yen if name == "schedule_chart_above" else _text
        return _over_rule_sets(spec, lambda v: v.get(name), show)
    if kind == "stall":
        return f"{spec.states[name].ja} {spec.states[name].stall_days}日"
    if kind == "track":
        spec_track = spec.tracks[name]
        return f"{spec_track.ja} {spec_track.available_from or ''}～{spec_track.available_until or ''}"
    if kind == "claim":
        component = spec.components[name]
        return f"{component.ja}の請求に{spec.documents[component.document or ''].ja}"
    if kind == "reuse":
        if name == "max_uses":
            return f"利用は{spec.reuse_max_uses}回まで"
        return "・".join(spec.reuse_grounds.values())
    if kind == "support":
        return "・".join(
            k.ja + ("（内容を記入）" if k.note_required else "") for k in spec.support_kinds.values()
        )
    return CHECKS.get(ref, ref)


def rules(spec: WorkflowSpec) -> list[dict[str, Any]]:
    """Every rule of ``spec`` (its provenance references, in file order) with value and source."""
    out = []
    for ref, key in spec.provenance.items():
        source = spec.sources[key]
        out.append(
            {
                "rule": ref,
                "value": rule_value(spec, ref),
                "source": key,
                "source_kind": source.kind,
                "source_label": source.label,
                "source_where": source.where,
            }
        )
    return out


def markdown(specs: list[WorkflowSpec]) -> str:
    """The README's rule table: every rule of every program, its value, its source."""
    lines = ["| 事業 | 規則 | 値 | 出典 |", "|---|---|---|---|"]
    for spec in specs:
        for row in rules(spec):
            where = row["source_where"]
            source = where if row["source_kind"] == "pamphlet" else f"{row['source_label']} — {where}"
            cells = [spec.program, f"`{row['rule']}`", row["value"], source]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:  # pragma: no cover - a developer's tool; the README test calls markdown()
    from .catalog import all_workflows

    sys.stdout.write(markdown(list(all_workflows().values())))


if __name__ == "__main__":  # pragma: no cover
    main()
