"""The app's own mail sender (I7, E7): while the app is open and ``[mail] smtp_host`` is
set, the due outbox is delivered in the background.

One run is one thread worker calling ``services.mail.send_due`` (the core sender: claim,
send, mark, each in its own transaction); its answer is a message to the app, and only
then is the next run armed, ``[mail] send_every_seconds`` later. So at most one run is in
flight, and the event loop never waits on SMTP or the database. ``stop`` (the app's
unmount) disarms the timer and asks a running run to stop before its next message: the
messages it claimed and did not try go back, due at once, for the next sender.

Any number of apps and ``tpsdesk outbox send`` processes may run at once: the core's
claims and leases keep each message to one sender.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.timer import Timer

from tpsdesk.errors import TpsError
from tpsdesk.services import mail

if TYPE_CHECKING:
    from textual.app import App

    from screens.context import DeskSession


class MailDelivered(Message):
    """A run of the app's sender finished: what it did, or why it could not."""

    def __init__(self, done: mail.Delivery | None = None, error: str = "") -> None:
        super().__init__()
        self.done, self.error = done, error


class MailSender:
    """Runs the core sender in a thread worker of ``app``, one run at a time."""

    def __init__(self, app: App[Any], session: DeskSession) -> None:
        self.app = app
        self.session = session
        self.name = mail.sender_name()  # this app's claims are its own
        self.every = session.desk.policy.mail.send_every_seconds
        self.stopping = threading.Event()
        self.timer: Timer | None = None
        self.running = False
        self.last: MailDelivered | None = None

    @property
    def configured(self) -> bool:
        return bool(self.session.desk.policy.mail.smtp_host)

    def start(self) -> None:
        """The first run now (on the event loop: it only starts the worker)."""
        if self.configured and not self.stopping.is_set():
            self._run()

    def _run(self) -> None:
        self.timer = None
        if self.running or self.stopping.is_set():
            return
        self.running = True
        self.app.run_worker(self._work, thread=True, exit_on_error=False, group="mail-sender", name="mail-sender")

    def _work(self) -> None:
        """In the worker's thread: never touches a widget; the answer is a message."""
        s = self.session
        try:
            done = mail.send_due(s.desk, s.logon, sender=self.name, stop=self.stopping.is_set)
        except TpsError as exc:
            self.app.post_message(MailDelivered(error=str(exc)))
            return
        except BaseException:
            self.app.post_message(MailDelivered(error="the mail sender failed: see the log"))
            raise  # the app's worker handler logs it
        self.app.post_message(MailDelivered(done))

    def finished(self, message: MailDelivered) -> None:
        """On the event loop: the run answered; the next is armed only now."""
        self.running = False
        self.last = message
        if not self.stopping.is_set():
            self.timer = self.app.set_timer(self.every, self._run, name="mail-sender")

    def stop(self) -> None:
        """The app is leaving: no further run, and a running one stops before its next message."""
        self.stopping.set()
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
