"""``tpsdesk demo``: load a demo floor (issue 2 item 7) into the database.

An empty database gets its schema first; an older schema asks for ``tpsdesk db
upgrade``. Without ``--reset`` it refuses a database that already holds a floor;
``--reset`` deletes every row first.
"""

from __future__ import annotations

import sys

import click

from tpsdesk.cli import Context, emit


@click.command()
@click.option(
    "--size", default=300, show_default=True, type=click.IntRange(0, 20_000_000), help="Number of escalations."
)
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed and same clock: same rows.")
@click.option("--reset", is_flag=True, help="Delete every row in the database first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def demo(obj: Context, size: int, seed: int, reset: bool, as_json: bool) -> None:
    """Load Centres of both channels, staff in every role and SIZE escalations with their history."""
    from tpsdesk.demo import generate

    desk = obj.desk(create_if_empty=True)  # a new floor: an empty database gets its schema
    show = sys.stderr.isatty() and size >= 50_000

    def progress(done: int, total: int) -> None:
        if show:
            click.echo(f"\r{done:,} / {total:,} escalations", err=True, nl=done >= total)

    stats = generate(desk, size=size, seed=seed, reset=reset, progress=progress)
    emit(stats.to_json(), as_json, stats.text())
