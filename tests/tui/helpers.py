"""Small helpers for the Pilot tests of the queue, overdue and palette."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tpsdesk.services import escalations
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk


async def settle(pilot: Pilot, rounds: int = 4) -> None:
    """Let thread workers finish and their messages be handled (no sleeping)."""
    import contextlib

    from textual.worker import WorkerCancelled

    for _ in range(rounds):
        # An exclusive read replaced by a newer one is cancelled, as it should be: the newer one answers.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def raise_some(desk: Desk, n: int, *, category: str = "review", by: str = "tps1", summary: str = "item") -> list[int]:
    """``n`` escalations raised by ``by``, in one transaction (fast for hundreds)."""
    with desk.store.write() as session:
        actor = actor_for(session, by)
        rows = [
            escalations.create_escalation(
                desk, session, actor, category=category, crn="123456789A", summary=f"{summary} {i}"
            )
            for i in range(n)
        ]
        return [r.id for r in rows]


def notices(app: Any) -> list[str]:
    return [n.message for n in app._notifications]
