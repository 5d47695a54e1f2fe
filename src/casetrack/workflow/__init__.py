"""Workflows as data: spec (frozen), loader (YAML -> spec), engine (transitions)."""
