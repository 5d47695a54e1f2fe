"""The program's deadlines from a case's dates and its rule set (DOMAIN.md §3, §9), in one place:
the guards, the audit and the reminders all read them here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .dates import add_months, shift_days


def claim_deadline(accepted: dt.date, rules: Mapping[str, Any]) -> dt.date:
    """early: the plan claim is due no later than acceptance + claim_deadline_months."""
    return add_months(accepted, int(rules["claim_deadline_months"]))


def claim_deadline_warning(accepted: dt.date, rules: Mapping[str, Any]) -> dt.date:
    return add_months(accepted, int(rules["claim_deadline_warn_months"]))


def validity_end(accepted: dt.date, extended_until: dt.date | None, rules: Mapping[str, Any]) -> dt.date:
    """405: valid through acceptance + validity_months, or through the date an extension set."""
    return extended_until or add_months(accepted, int(rules["validity_months"]))


def validity_warning(accepted: dt.date, extended_until: dt.date | None, rules: Mapping[str, Any]) -> dt.date:
    """From acceptance + validity_warn_months; after an extension, as long before the new end."""
    warn_months = int(rules["validity_warn_months"])
    if extended_until:
        return add_months(extended_until, warn_months - int(rules["validity_months"]))
    return add_months(accepted, warn_months)


def holdback_warning(decided_on: dt.date, rules: Mapping[str, Any]) -> dt.date:
    """405: the holdback is flagged this long after the plan decision while no monitoring claim is decided."""
    return add_months(decided_on, int(rules["holdback_open_warn_months"]))


# The rule-set key giving each deadline item's distance in months from the date it counts from
# (acceptance for the claim deadline and the validity, the plan decision for the holdback).
MONTHS_KEY = {
    "claim_deadline": "claim_deadline_months",
    "validity": "validity_months",
    "holdback": "holdback_open_warn_months",
}


def item_date(
    kind: str,
    rules: Mapping[str, Any],
    *,
    accepted_on: dt.date | None,
    validity_until: dt.date | None = None,
    decided_on: dt.date | None = None,
) -> dt.date | None:
    """The date of a case's deadline item (the reminders' due date, the calendar's day): the early claim
    deadline, the 405 validity end (or the extended one), the day an open 405 holdback is flagged.
    None when the case has not reached the date it counts from."""
    if kind == "claim_deadline" and accepted_on:
        return claim_deadline(accepted_on, rules)
    if kind == "validity" and accepted_on:
        return validity_end(accepted_on, validity_until, rules)
    if kind == "holdback" and decided_on:
        return holdback_warning(decided_on, rules)
    return None


def latest_start(date_of: Callable[[dt.date], dt.date], today: dt.date) -> dt.date | None:
    """The latest day ``d`` with ``date_of(d) <= today``, for a ``date_of`` that never decreases as ``d``
    grows (each function above, of the one date it counts from): the cases whose warning day has come
    are exactly those whose date is on or before it, a bound the database can filter by. None when no
    day within a century either way qualifies."""
    lo, hi = shift_days(today, -36_525).toordinal(), shift_days(today, 36_525).toordinal()
    if date_of(dt.date.fromordinal(lo)) > today:
        return None
    while lo < hi:  # invariant: date_of(lo) <= today
        mid = (lo + hi + 1) // 2
        if date_of(dt.date.fromordinal(mid)) <= today:
            lo = mid
        else:
            hi = mid - 1
    return dt.date.fromordinal(lo)
