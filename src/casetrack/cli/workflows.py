"""workflow list | show | validate | diagram."""

from __future__ import annotations

from pathlib import Path

import click

from .options import CASE_ID, Globals, pass_globals
from .output import emit, format_option


@click.group()
def workflow() -> None:
    """The workflow files (workflows/*.yaml): states, events, guards, rule sets."""


@workflow.command("list")
@format_option
def workflow_list(fmt: str) -> None:
    """List the programs and their rule sets."""
    from ..workflow.catalog import all_workflows

    rows = [
        {
            "program": s.program,
            "label": s.ja,
            "states": len(s.states),
            "events": len(s.events),
            "tracks": list(s.tracks),
            "rule_sets": [r.id for r in s.rule_sets],
            "file": s.path,
        }
        for s in all_workflows().values()
    ]
    emit(rows, fmt, ["program", "label", "states", "events", "tracks", "rule_sets", "file"])


@workflow.command("show")
@click.argument("program")
@format_option
def workflow_show(program: str, fmt: str) -> None:
    """Show a program's states, events (with guards and documents) and rule sets."""
    from ..workflow import provenance
    from ..workflow.catalog import workflow as load

    spec = load(program)
    data = {
        "program": spec.program,
        "label": spec.ja,
        "initial": spec.initial,
        "tracks": [
            {
                "id": t.id,
                "label": t.ja,
                "available_from": t.available_from,
                "available_until": t.available_until,
            }
            for t in spec.tracks.values()
        ],
        "states": [
            {
                "id": s.id,
                "label": s.ja,
                "en": s.en,
                "waiting_on": s.waiting_on,
                "stall_days": s.stall_days,
                "final": s.final,
            }
            for s in spec.states.values()
        ],
        "events": [
            {
                "id": e.id,
                "label": e.ja,
                "from": list(e.sources),
                "to": e.target or "(same)",
                "guards": list(e.guards),
                "documents": [r.kind + (f"@{r.source}" if r.source else "") for r in e.documents],
                "reason_required": e.reason_required,
                "until_required": e.until_required,
            }
            for e in spec.events.values()
        ],
        "rule_sets": [
            {"effective_from": r.effective_from, **{k: v for k, v in r.values.items()}}
            for r in spec.rule_sets
        ],
        "financial_support": {
            "event": spec.support_event,
            "kinds": [
                {"id": k.id, "label": k.ja, "note_required": k.note_required}
                for k in spec.support_kinds.values()
            ],
        },
        "sources": {key: source.as_dict() for key, source in spec.sources.items()},
        "provenance": dict(spec.provenance),
        "rules": provenance.rules(spec),
    }
    if fmt != "table":
        emit(data, fmt)
        return
    click.echo(f"{spec.program}: {spec.ja} — initial {spec.initial}, tracks {', '.join(spec.tracks)}")
    click.echo("\nstates")
    emit(data["states"], "table", ["id", "label", "waiting_on", "stall_days", "final"])
    click.echo("\nevents")
    emit(data["events"], "table", ["id", "label", "from", "to", "guards", "documents", "reason_required"])
    click.echo("\nrule sets: " + ", ".join(r.id for r in spec.rule_sets))
    click.echo("\nrules and their sources")
    emit(data["rules"], "table", ["rule", "value", "source_label", "source_where"])


@workflow.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@format_option
def workflow_validate(files: tuple[str, ...], fmt: str) -> None:
    """Check workflow files (default: the shipped ones); report every problem with file:line.

    \b
    Example:
      casetrack workflow validate workflows/405.yaml
    """
    from ..errors import WorkflowInvalid
    from ..workflow.catalog import workflow_files
    from ..workflow.loader import load_file

    paths = [Path(f) for f in files] or workflow_files()
    problems = []
    checked = []
    for path in paths:
        try:
            spec = load_file(path)
            checked.append({"file": str(path), "program": spec.program, "ok": True})
        except WorkflowInvalid as exc:
            problems.extend(exc.problems)
            checked.append({"file": str(path), "program": None, "ok": False})
    if problems:
        raise WorkflowInvalid(problems)
    if fmt == "table":
        for c in checked:
            click.echo(f"ok  {c['file']} ({c['program']})")
    else:
        emit(checked, fmt)


@workflow.command("diagram")
@click.argument("program")
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "svg", "dot"]), default="mermaid", show_default=True
)
@click.option(
    "--case", "case_id", metavar="CASE", type=CASE_ID, help="Highlight the current state of this case."
)
@pass_globals
def workflow_diagram(g: Globals, program: str, fmt: str, case_id: str | None) -> None:
    """Draw a program's state machine (SVG needs graphviz).

    \b
    Example:
      casetrack workflow diagram 405 --format svg > 405.svg
    """
    from ..workflow import diagram
    from ..workflow.catalog import workflow as load

    spec = load(program)
    highlight = None
    if case_id:
        from .. import services

        highlight = services.show_case(g.context(), case_id)["state"]
    render = {"mermaid": diagram.mermaid, "svg": diagram.svg, "dot": diagram.dot}[fmt]
    click.echo(render(spec, highlight), nl=False)


COMMANDS = [workflow]
