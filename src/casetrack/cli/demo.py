"""casetrack demo: a self-contained tour on a throw-away database."""

from __future__ import annotations

import click

from .options import Globals, pass_globals


@click.command()
@click.option("--keep", is_flag=True, help="Keep the throw-away database and print its path.")
@pass_globals
def demo(g: Globals, keep: bool) -> None:
    """Open a handful of realistic cases of both programs and walk them through their states."""
    from ..demo import run_demo

    run_demo(echo=click.echo, keep=keep, db=g.db)
