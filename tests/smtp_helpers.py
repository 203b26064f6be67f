"""A real SMTP server on loopback for the outbox tests (I7, E7): aiosmtpd in its own
thread, on a free port (bound to port 0), recording every message it accepts."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """The server's handler: refuses the first ``refuse`` deliveries with ``reply``, then
    accepts and keeps each message (its envelope recipients and the parsed message)."""

    refuse: int = 0
    reply: str = "451 4.3.0 try later"
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused < self.refuse:
            self.refused += 1
            return self.reply
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for _, m in self.received]


class _FreePortController(Controller):
    """Listens on port 0 and learns the port the kernel gave it before checking it answers."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    """The server running for the block; yields its port."""
    controller = _FreePortController(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield int(controller.port)
    finally:
        controller.stop()


def mail_policy_file(folder: Path, port: int, **over: Any) -> Path:
    """A Centre's policy file pointing ``[mail]`` at the test server (no STARTTLS on loopback),
    bare logons at example.gov.au; ``over`` replaces any key of ``[mail]``."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
        "smtp_from": "tpsdesk@example.gov.au", "logon_domain": "example.gov.au", "smtp_timeout_seconds": 5,
        **over,
    }  # fmt: skip
    lines = ["[mail]"] + [f"{k} = {_toml(v)}" for k, v in values.items()]
    path = folder / "mail-policy.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
