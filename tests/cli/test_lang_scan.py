"""Every error the code raises has Japanese text: the CLI speaks Japanese by default (``--lang ja``), so an
error written in English only would reach a Japanese office in English. The scan reads src/ (AST) for
every construction of a ``CasetrackError`` subclass and asks for Japanese one of the ways
``CasetrackError.text`` uses: a ``ja=`` argument, or Japanese in the message or details given."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from casetrack.errors import WHAT_JA, is_japanese

SRC = Path(__file__).resolve().parents[2] / "src" / "casetrack"
BUILDS_ITS_OWN = {"WorkflowInvalid", "LockedOut"}  # their __init__ writes the Japanese from what they carry


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names = {"CasetrackError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)
                ):
                    names.add(node.name)
                    grew = True
    return names


def _has_japanese(node: ast.AST) -> bool:
    """A Japanese string literal, or a call of a function whose name ends in ``_ja`` (the convention of
    the helpers that write Japanese reasons, e.g. ``fees._no_component_ja``)."""
    return any(
        (isinstance(n, ast.Constant) and isinstance(n.value, str) and is_japanese(n.value))
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.endswith("_ja"))
        for n in ast.walk(node)
    )


@functools.cache
def _constructions() -> list[tuple[str, ast.Call, str]]:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))}
    classes = _error_classes(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                if name in classes:
                    found.append((f"{path.relative_to(SRC.parent)}:{node.lineno}", node, name))
    return found


def _japanese_given(call: ast.Call, name: str) -> bool:
    if name in BUILDS_ITS_OWN or any(k.arg == "ja" for k in call.keywords):
        return True
    if name == "NotFound":
        what = call.args[0] if call.args else None
        return isinstance(what, ast.Constant) and what.value in WHAT_JA
    return any(_has_japanese(a) for a in call.args) or any(
        _has_japanese(k.value) for k in call.keywords if k.arg in ("message", "details")
    )


def test_the_scan_finds_the_raise_sites() -> None:
    """The scan sees the constructions it must (else it would pass by finding nothing)."""
    names = {name for _, _, name in _constructions()}
    assert {
        "BadInput",
        "NotFound",
        "Refused",
        "Conflict",
        "NotPermitted",
        "GuardFailed",
        "EventNotAllowed",
        "DatabaseUnavailable",
        "ImportRejected",
        "SignInRefused",
    } <= names
    assert len(_constructions()) > 200


def test_every_error_has_japanese_text() -> None:
    english_only = [where for where, call, name in _constructions() if not _japanese_given(call, name)]
    assert english_only == [], "errors without Japanese text (give ja=[…]):\n" + "\n".join(english_only)


def test_every_not_found_word_has_its_japanese() -> None:
    """``NotFound(what, …)`` with a ``what`` of its own must say it in Japanese."""
    for where, call, name in _constructions():
        if name == "NotFound" and call.args and isinstance(call.args[0], ast.Constant):
            assert call.args[0].value in WHAT_JA or any(k.arg == "ja" for k in call.keywords), where


def test_the_cli_s_own_usage_errors_speak_both_languages() -> None:
    """A ``click.BadParameter``/``UsageError`` the commands raise themselves: its text through ``say``
    (Japanese, English), as click's own are translated by cli/lang.py."""
    english_only = []
    for path in sorted((SRC / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("BadParameter", "UsageError", "fail")
                and node.args
            ):
                first = node.args[0]
                if not (
                    isinstance(first, ast.Call)
                    and isinstance(first.func, ast.Name)
                    and first.func.id == "say"
                ):
                    english_only.append(f"{path.name}:{node.lineno}")
    assert english_only == []
