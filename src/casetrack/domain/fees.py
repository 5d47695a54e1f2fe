"""Subsidy arithmetic (DOMAIN.md §5). Yen are int, rates are Fraction, rounding is ``floor_yen``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


def floor_yen(amount: Fraction) -> int:
    """The one rounding rule: subsidies are rounded down to the yen."""
    return math.floor(amount)


@dataclass(frozen=True)
class Subsidy:
    fee: int
    eligible: int
    subsidy: int
    company_share: int
    limits: tuple[str, ...]  # which limit bit, and by how much


def subsidy_for(fee: int, rate: Fraction, estimate_remaining: int | None, cap_remaining: int) -> Subsidy:
    """eligible = min(fee, estimate left); subsidy = min(floor(eligible × rate), cap left)."""
    if fee < 0:
        raise ValueError("a fee is never negative")
    limits = []
    eligible = fee
    if estimate_remaining is not None and fee > max(estimate_remaining, 0):
        eligible = max(estimate_remaining, 0)
        limits.append(
            f"estimate（見積）: 費用が申請時見積の残り {eligible:,}円 を {fee - eligible:,}円 超えるため、"
            "超過分は対象外"
        )
    raw = floor_yen(eligible * rate)
    subsidy = min(raw, max(cap_remaining, 0))
    if subsidy < raw:
        limits.append(
            f"cap（上限）: 計算上の補助額 {raw:,}円 が上限の残り {max(cap_remaining, 0):,}円 を "
            f"{raw - subsidy:,}円 超えるため減額"
        )
    return Subsidy(fee, eligible, subsidy, fee - subsidy, tuple(limits))


def holdback(plan_subsidy: int) -> tuple[int, int]:
    """(paid, retained): retained = floor(subsidy / 2), paid = the rest."""
    retained = plan_subsidy // 2
    return plan_subsidy - retained, retained
