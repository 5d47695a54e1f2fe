"""The money ledger of one case: entries and the invariants that must hold after every operation
(DOMAIN.md §5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    claim_id: int
    component: str
    fee: int
    subsidy: int
    paid: int  # paid now for this claim's own subsidy
    retained: int  # held back by this decision
    released: int  # earlier holdback paid out with this decision
    company_share: int


@dataclass(frozen=True)
class Totals:
    fee: int
    subsidy: int
    paid: int  # own subsidy paid plus every release
    retained: int  # held back and not yet released
    company_share: int


def totals(entries: Sequence[Entry]) -> Totals:
    return Totals(
        fee=sum(e.fee for e in entries),
        subsidy=sum(e.subsidy for e in entries),
        paid=sum(e.paid + e.released for e in entries),
        retained=sum(e.retained for e in entries) - sum(e.released for e in entries),
        company_share=sum(e.company_share for e in entries),
    )


def problems(entries: Sequence[Entry], caps: Mapping[str, int]) -> list[str]:
    """Every broken invariant (empty when the ledger balances)."""
    out = []
    t = totals(entries)
    if t.fee != t.subsidy + t.company_share:
        out.append(f"Σ fee {t.fee} ≠ Σ subsidy {t.subsidy} + Σ company share {t.company_share}")
    if t.subsidy != t.paid + t.retained:
        out.append(f"Σ subsidy {t.subsidy} ≠ Σ paid {t.paid} + retained outstanding {t.retained}")
    if t.retained < 0:
        out.append(f"more released than retained ({-t.retained})")
    for e in entries:
        if e.subsidy != e.paid + e.retained:
            out.append(f"claim {e.claim_id}: subsidy {e.subsidy} ≠ paid {e.paid} + retained {e.retained}")
        if e.fee != e.subsidy + e.company_share:
            out.append(
                f"claim {e.claim_id}: fee {e.fee} ≠ subsidy {e.subsidy} + company share {e.company_share}"
            )
    by_component: dict[str, int] = {}
    for e in entries:
        by_component[e.component] = by_component.get(e.component, 0) + e.subsidy
    for component, subsidy in by_component.items():
        cap = caps.get(component)
        if cap is not None and subsidy > cap:
            out.append(f"{component}: subsidy {subsidy} above its cap {cap}")
    return out
