"""Test support shipped with the package (used by the test suite and the benchmarks, never by
casetrack itself)."""
