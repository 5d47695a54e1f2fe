"""Rendering (jinja2) and, later, the outbox and its senders."""
