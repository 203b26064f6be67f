"""``tpsdesk demo``: load a demo floor (issue 2 item 7) into the database.

An empty database gets its schema first; an older schema asks for ``tpsdesk db
upgrade``. Without ``--reset`` it refuses a database that already holds a floor.
``--reset`` deletes every row first: only the floor's owner or an admin may (R7); it
refuses a database holding anything the demo did not create unless ``--force``; on a
terminal it asks first unless ``--yes``. A run without a terminal is not asked: the
demo-only check (and ``--force``) are what protect the data.
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
@click.option("--reset", is_flag=True, help="Delete every row in the database first (the floor's owner or an admin).")
@click.option("--force", is_flag=True, help="With --reset: also delete what the demo did not create.")
@click.option("--yes", "-y", is_flag=True, help="With --reset: do not ask on a terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def demo(obj: Context, size: int, seed: int, reset: bool, force: bool, yes: bool, as_json: bool) -> None:
    """Load Centres of both channels, staff in every role and SIZE escalations with their history."""
    from tpsdesk.demo import generate, reset_plan
    from tpsdesk.errors import ValidationError

    if force and not reset:
        raise ValidationError("--force", "--force only goes with --reset")
    desk = obj.desk(create_if_empty=True)  # a new floor: an empty database gets its schema
    who = obj.identity()
    if reset:
        plan = reset_plan(desk, who)  # refuses anyone but the floor's owner or an admin (R7)
        if plan.foreign and not force:
            raise ValidationError("reset", plan.refusal())
        if plan.total and not yes and sys.stdin.isatty():
            click.confirm(f"Delete every row ({plan.what()}) and load the demo floor?", abort=True)
    show = sys.stderr.isatty() and size >= 50_000

    def progress(done: int, total: int) -> None:
        if show:
            click.echo(f"\r{done:,} / {total:,} escalations", err=True, nl=done >= total)

    stats = generate(desk, size=size, seed=seed, reset=reset, force=force, who=who, progress=progress)
    emit(stats.to_json(), as_json, stats.text())
