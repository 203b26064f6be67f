"""Who is signed in, where, and on which floor: the one session every screen reads.

:class:`DeskSession` is built once by the app's sign-in (in a thread worker) and is
frozen: a screen never changes it and never reads loose attributes off the app. A
screen reaches it through :attr:`screens.base.DeskScreen.session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tpsdesk.domain.facts import Actor
from tpsdesk.services.desk import Desk
from tpsdesk.services.identity import Identity


@dataclass(frozen=True)
class DeskSession:
    """The signed-in officer on this desk (R7), their Centre, site and its zone (C1), and the
    sites of their Centre (the queue's site filter offers these)."""

    desk: Desk
    identity: Identity
    actor: Actor
    centre: str
    site: str
    zone: str
    sites: tuple[str, ...] = ()

    @property
    def logon(self) -> str:
        return self.actor.logon

    @property
    def role(self) -> str:
        return str(self.actor.role)

    def now(self) -> datetime:
        """The desk's clock (``TPSDESK_NOW`` and tests' fake clocks pin it)."""
        return self.desk.now()

    def local(self, instant: datetime) -> datetime:
        """An instant in the officer's site zone (C9: times read in the site's local time)."""
        return instant.astimezone(ZoneInfo(self.zone))
