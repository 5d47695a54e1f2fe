"""法人番号 (corporate number): 13 digits, the first a check digit.

Check digit = 9 − (Σ_{n=1..12} P_n × Q_n mod 9), where P_n is the n-th digit counted from the
right of the 12-digit base number and Q_n is 1 for odd n and 2 for even n
(法人番号の指定等に関する省令 第2条).
"""

from __future__ import annotations

import unicodedata


def check_digit(base12: str) -> int:
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("the base of a corporate number is 12 digits")
    total = 0
    for n, ch in enumerate(reversed(base12), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - total % 9


def validate(number: str) -> str:
    """Return the normalised 13-digit number or raise ValueError naming the problem. Read after NFKC
    (full-width digits and hyphens as typed in Japanese offices); hyphens and spaces between digits are
    ignored; only ASCII digits count."""
    cleaned = unicodedata.normalize("NFKC", number).strip().replace("-", "").replace(" ", "")
    if len(cleaned) != 13 or not cleaned.isascii() or not cleaned.isdigit():
        raise ValueError(f"corporate number {number!r} must be 13 digits")
    expected = check_digit(cleaned[1:])
    if int(cleaned[0]) != expected:
        raise ValueError(
            f"corporate number {number!r} has a wrong check digit (expected {expected}, got {cleaned[0]})"
        )
    return cleaned
