"""Parsing of the CLI's compound arguments (lenders, estimates, yen)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BadInput
from ..workflow.spec import COMPONENTS


@dataclass(frozen=True)
class LenderArg:
    org_id: int
    main: bool = False
    guaranteed: bool = False


def parse_lender(text: str) -> LenderArg:
    """``ORG_ID[:main][:guaranteed]``."""
    head, *flags = text.split(":")
    if not head.isdigit() or any(f not in ("main", "guaranteed") for f in flags) or len(set(flags)) != len(flags):
        raise BadInput(f"--lender {text!r}: expected ORG_ID[:main][:guaranteed]")
    return LenderArg(int(head), "main" in flags, "guaranteed" in flags)


MAX_YEN = 999_999_999  # fees and estimates are millions at most; the columns hold 32-bit integers


def parse_yen(text: str, what: str) -> int:
    cleaned = text.strip().replace(",", "").removesuffix("円")
    if not re.fullmatch(r"\d{1,12}", cleaned):
        raise BadInput(f"{what}: {text!r} is not an amount in whole yen")
    if int(cleaned) > MAX_YEN:
        raise BadInput(f"{what}: {text!r} is more than {MAX_YEN:,} yen",
                       ja=[f"{what}「{text.strip()}」は大きすぎます（{MAX_YEN:,}円まで）。"])
    return int(cleaned)


def parse_estimate(text: str) -> tuple[str, int]:
    component, sep, amount = text.partition("=")
    if not sep:
        raise BadInput(f"--estimate {text!r}: expected COMPONENT=YEN")
    if component not in COMPONENTS:
        raise BadInput(f"--estimate {text!r}: unknown fee component {component!r} (one of {', '.join(COMPONENTS)})")
    return component, parse_yen(amount, f"--estimate {component}")


