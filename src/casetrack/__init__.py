"""casetrack: case tracker for the SME revitalisation councils' plan-support programs."""

__version__ = "0.1.0"
