"""Parsing of the CLI's compound arguments (lenders, estimates, yen)."""

from __future__ import annotations

import re
import unicodedata
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




# -- names ---------------------------------------------------------------------------------------

_INVISIBLE_NAMES = {"\u200b": "ZERO WIDTH SPACE", "\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER",
                    "\u2060": "WORD JOINER", "\ufeff": "ZERO WIDTH NO-BREAK SPACE"}


def normalise(text: str) -> str:
    """NFKC, as everything typed is read first: full-width digits, letters, hyphens and spaces become
    their ASCII forms, half-width katakana full-width."""
    return unicodedata.normalize("NFKC", text)


def clean_name(text: str, what: str) -> str:
    """A name as stored: NFKC, outer spaces trimmed, and refused (naming the character and its position)
    when it holds a control character (CR, LF, tab…), a bidirectional override or isolate, or a
    zero-width character, or is empty."""
    value = normalise(str(text)).strip()
    for position, ch in enumerate(value, start=1):
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            name = _INVISIBLE_NAMES.get(ch) or unicodedata.name(ch, "control character")
            raise BadInput(f"{what} {value!r}: character {position} is U+{ord(ch):04X} {name}, which a name may "
                           "not contain",
                           ja=[f"{what}の{position}文字目に使えない文字（U+{ord(ch):04X} {name}）があります。"])
    if not value:
        raise BadInput(f"{what} is empty", ja=[f"{what}が空です。"])
    return value
