"""The case list's filters, checked once for every reader of them: the list page and its download.

program, track and state by id or Japanese label (早期経営改善計画策定支援 or 早期経営改善, 通常枠, 事前相談);
coordinator as given; a search text that is a 法人番号 (13 digits, spaces or dashes
allowed) matches it exactly, any other text a part of the company's name; ``overdue``: a monitoring
session overdue as of today, ``stalled``: longer in the current state than its threshold — each exactly
as the stalled-case audit finds ``monitoring_overdue`` and ``stalled`` (services.audits)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..errors import BadInput
from ..store.browse import CaseQuery
from ..workflow.catalog import all_workflows
from .audits import overdue_rules, stall_rules

TEXT_MAX = 100
CORPORATE_NUMBER = re.compile(r"\d{13}")
USER_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


@dataclass(frozen=True)
class CaseFilter:
    program: str | None = None
    state: str | None = None
    coordinator: str | None = None
    text: str | None = None
    overdue: bool = False
    stalled: bool = False
    open_only: bool = False  # 進行中のみ: the states that are not final in either workflow
    track: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "track": self.track,
            "state": self.state,
            "coordinator": self.coordinator,
            "text": self.text,
            "overdue": self.overdue,
            "stalled": self.stalled,
            "open": self.open_only,
        }

    def describe(self) -> str:
        """The filters as query parameters (for the access log): ``program=early&overdue=1``."""
        parts = [
            f"{k}={v}"
            for k, v in (
                ("program", self.program),
                ("track", self.track),
                ("state", self.state),
                ("coordinator", self.coordinator),
                ("q", self.text),
            )
            if v
        ]
        parts += [
            f"{k}=1"
            for k, v in (("overdue", self.overdue), ("stalled", self.stalled), ("open", self.open_only))
            if v
        ]
        return "&".join(parts)

    def query(self, today: dt.date) -> CaseQuery:
        digits = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", self.text)) if self.text else ""
        number = digits if CORPORATE_NUMBER.fullmatch(digits) else None
        return CaseQuery(
            program=self.program,
            state=self.state,
            coordinator=self.coordinator,
            track=self.track,
            corporate_number=number,
            name_contains=self.text if number is None else None,
            overdue_before=today if self.overdue else None,
            overdue_states=overdue_rules() if self.overdue else (),
            stalled=stall_rules(today) if self.stalled else None,
            states=open_states() if self.open_only else None,
        )


def open_states() -> list[str]:
    """Every state that is not final in the workflow that has it."""
    return sorted({s.id for spec in all_workflows().values() for s in spec.states.values() if not s.final})


def case_filter(
    *,
    program: str | None = None,
    state: str | None = None,
    coordinator: str | None = None,
    text: str | None = None,
    overdue: bool = False,
    stalled: bool = False,
    open_only: bool = False,
    track: str | None = None,
) -> CaseFilter:
    """The filters, blank ones dropped, or BadInput saying which is wrong. Program, track and state may
    be given by id or by Japanese label (services.parsing.resolve_label)."""
    from ..domain.labels import PROGRAM_SHORT
    from .parsing import resolve_label

    specs = all_workflows()
    program, state, coordinator, text, track = (
        v.strip() or None if isinstance(v, str) else None for v in (program, state, coordinator, text, track)
    )
    if program is not None:
        program = resolve_label(program, {p: spec.ja for p, spec in specs.items()}, "program")
        program = resolve_label(
            program, {p: short for p, short in PROGRAM_SHORT.items() if p in specs}, "program"
        )
    if program is not None and program not in specs:
        raise BadInput(
            f"unknown program {program!r} (one of {', '.join(specs)})",
            ja=[f"事業「{program}」はありません。"],
        )
    chosen = [spec for p, spec in specs.items() if program in (None, p)]
    if track is not None:
        tracks = {t.id: t.ja for spec in chosen for t in spec.tracks.values()}
        typed = unicodedata.normalize("NFKC", track)
        same = sorted(t for t, ja in tracks.items() if unicodedata.normalize("NFKC", ja) == typed)
        if track not in tracks and len(same) > 1:  # 通常枠 is a track of each program
            raise BadInput(
                f"track {track!r} is the label of several: {', '.join(same)}; give the program or the id",
                ja=[f"枠「{track}」はどの事業にもあります。事業も選んでください。"],
            )
        track = resolve_label(track, tracks, "track")
        if track not in tracks:
            raise BadInput(
                f"unknown track {track!r}"
                + (f" for program {program}" if program else "")
                + f" (one of {', '.join(tracks)})",
                ja=[f"枠「{track}」は" + (f"{specs[program].ja}に" if program else "") + "ありません。"],
            )
    known = {s.id: s.ja for spec in chosen for s in spec.states.values()}
    if state is not None and state not in known:  # a label: the same id in every program that has it
        found = {resolve_label(state, {s.id: s.ja for s in spec.states.values()}, "state") for spec in chosen}
        found &= set(known)
        if len(found) > 1:
            raise BadInput(
                f"state {state!r} is the label of several: {', '.join(sorted(found))}; give the id",
                ja=[f"状態「{state}」はいくつかの状態の名前です。事業も選んでください。"],
            )
        state = found.pop() if found else state
    if state is not None and state not in known:
        raise BadInput(
            f"unknown state {state!r}" + (f" for program {program}" if program else ""),
            ja=[f"状態「{state}」は" + (f"{specs[program].ja}に" if program else "") + "ありません。"],
        )
    if coordinator is not None and not USER_NAME.fullmatch(coordinator):
        raise BadInput(
            f"{coordinator!r} is not a user name",
            ja=[f"担当「{coordinator}」はユーザー名ではありません（英数字と _ . - で64文字まで）。"],
        )
    if text is not None and len(text) > TEXT_MAX:
        raise BadInput(
            f"the search text is longer than {TEXT_MAX} characters",
            ja=[f"検索する文字は{TEXT_MAX}文字までです。"],
        )
    return CaseFilter(program, state, coordinator, text, bool(overdue), bool(stalled), bool(open_only), track)
