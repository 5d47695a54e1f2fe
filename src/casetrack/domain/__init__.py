"""Pure domain rules: stdlib only. No database, no clock, no click."""
