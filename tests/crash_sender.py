"""A mail sender that the outbox crash test SIGKILLs mid-batch (I7, E7).

    python tests/crash_sender.py URL POLICY NOW STOP_AT

Runs the core sender (``services.mail.send_due``) as sender "crashed" on a fixed clock.
Each stage of each message is printed (and flushed) as it happens: "before-send ID",
"accepted ID". At "before-send STOP_AT" it waits on stdin, which the parent never
answers: the parent kills it there, in the middle of its batch. Imports only the core.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path


def main(url: str, policy: str, now: str, stop_at: str) -> None:
    from tpsdesk.clock import FakeClock
    from tpsdesk.policy import load_policy
    from tpsdesk.services import mail
    from tpsdesk.services.desk import Desk
    from tpsdesk.store import Store

    desk = Desk(Store(url), policy=load_policy(Path(policy)), clock=FakeClock(datetime.fromisoformat(now)))

    def report(stage: str, outbox_id: int) -> None:
        sys.stdout.write(f"{stage} {outbox_id}\n")
        sys.stdout.flush()
        if stage == mail.BEFORE_SEND and outbox_id == int(stop_at):
            sys.stdin.readline()  # blocks until killed

    mail.send_due(desk, "so1", sender="crashed", hook=report)
    sys.stdout.write("done\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:5])
