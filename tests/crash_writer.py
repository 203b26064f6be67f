"""The writer that ``race_workers.crash_round`` SIGKILLs mid-stream (D3, E11).

    python tests/crash_writer.py URL TAG NOW

Writes until killed: raise an escalation, claim it, add a note; each write is its own
transaction, and its acknowledgement is printed (and flushed) only after it committed, so
every line the parent read names a write that must be there afterwards. It imports only
the core (no pytest), so each round's new process starts quickly.
"""

from __future__ import annotations

import sys
from datetime import datetime


def main(url: str, tag: str, now: str, raiser: str = "tps1", sp: str = "sp1") -> None:
    from tpsdesk.clock import FakeClock
    from tpsdesk.policy import load_policy
    from tpsdesk.services import escalations
    from tpsdesk.services.desk import Desk
    from tpsdesk.store import Store

    desk = Desk(Store(url), policy=load_policy(use_override=False), clock=FakeClock(datetime.fromisoformat(now)))
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    n = 0
    while True:
        v = escalations.raise_escalation(desk, raiser, category="q999", crn="123456789A", summary=f"{tag} item {n}")
        out.write(f"raised {v.id}\n")
        out.flush()
        escalations.claim(desk, sp, v.id)
        out.write(f"claimed {v.id}\n")
        out.flush()
        note = escalations.add_note(desk, sp, v.id, f"{tag} note {n}")
        out.write(f"noted {v.id} {note.id}\n")
        out.flush()
        n += 1


if __name__ == "__main__":
    main(*sys.argv[1:4])
