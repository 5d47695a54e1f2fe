"""The case list's filters, checked once for every reader of them: the list page and its download.

program, state and coordinator as given; a search text that is a 法人番号 (13 digits, spaces or dashes
allowed) matches it exactly, any other text a part of the company's name; ``overdue``: a monitoring
session overdue as of today, ``stalled``: longer in the current state than its threshold — each exactly
as the stalled-case audit finds ``monitoring_overdue`` and ``stalled`` (services.views)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..errors import BadInput
from ..store.browse import CaseQuery
from ..workflow.registry import all_workflows
from .views import overdue_rules, stall_rules

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

    def as_dict(self) -> dict[str, Any]:
        return {"program": self.program, "state": self.state, "coordinator": self.coordinator, "text": self.text,
                "overdue": self.overdue, "stalled": self.stalled, "open": self.open_only}

    def describe(self) -> str:
        """The filters as query parameters (for the access log): ``program=early&overdue=1``."""
        parts = [f"{k}={v}" for k, v in (("program", self.program), ("state", self.state),
                                         ("coordinator", self.coordinator), ("q", self.text)) if v]
        parts += [f"{k}=1" for k, v in (("overdue", self.overdue), ("stalled", self.stalled),
                                        ("open", self.open_only)) if v]
        return "&".join(parts)

    def query(self, today: dt.date) -> CaseQuery:
        digits = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", self.text)) if self.text else ""
        number = digits if CORPORATE_NUMBER.fullmatch(digits) else None
        return CaseQuery(program=self.program, state=self.state, coordinator=self.coordinator,
                         corporate_number=number, name_contains=self.text if number is None else None,
                         overdue_before=today if self.overdue else None,
                         overdue_states=overdue_rules() if self.overdue else (),
                         stalled=stall_rules(today) if self.stalled else None,
                         states=open_states() if self.open_only else None)


def open_states() -> list[str]:
    """Every state that is not final in the workflow that has it."""
    return sorted({s.id for spec in all_workflows().values() for s in spec.states.values() if not s.final})


def case_filter(*, program: str | None = None, state: str | None = None, coordinator: str | None = None,
                text: str | None = None, overdue: bool = False, stalled: bool = False,
                open_only: bool = False) -> CaseFilter:
    """The filters, blank ones dropped, or BadInput saying which is wrong."""
    specs = all_workflows()
    program, state, coordinator, text = (v.strip() or None if isinstance(v, str) else None
                                         for v in (program, state, coordinator, text))
    if program is not None and program not in specs:
        raise BadInput(f"unknown program {program!r} (one of {', '.join(specs)})",
                       ja=[f"事業「{program}」はありません。"])
    known = [s for p, spec in specs.items() if program in (None, p) for s in spec.states]
    if state is not None and state not in known:
        raise BadInput(f"unknown state {state!r}" + (f" for program {program}" if program else ""),
                       ja=[f"状態「{state}」は" + (f"{specs[program].ja}に" if program else "") + "ありません。"])
    if coordinator is not None and not USER_NAME.fullmatch(coordinator):
        raise BadInput(f"{coordinator!r} is not a user name",
                       ja=[f"担当「{coordinator}」はユーザー名ではありません（英数字と _ . - で64文字まで）。"])
    if text is not None and len(text) > TEXT_MAX:
        raise BadInput(f"the search text is longer than {TEXT_MAX} characters",
                       ja=[f"検索する文字は{TEXT_MAX}文字までです。"])
    return CaseFilter(program, state, coordinator, text, bool(overdue), bool(stalled), bool(open_only))
