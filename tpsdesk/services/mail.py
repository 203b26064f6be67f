"""Mail that arrives (I7, E7): the outbox, queued in the same transaction as the act that
causes it, and delivered by SMTP.

Queueing (``queue``): the I7 confirmation (intake) and the E7 / I10 messages (feedback)
are rows of ``outbox``, each with its RFC 5322 Message-ID (``<outbox-ID.centre@tpsdesk>``),
due at once.

Delivering (``send_due``), one batch:

1. claim, in one transaction: the due messages (``next_attempt_at <= now``, one range of
   ``ix_outbox_due``; PostgreSQL skips rows another sender has locked) get this sender's
   name, the claim time and an attempt more, and ``next_attempt_at`` moves to the end of
   the lease (``[mail] lease_seconds``). Two senders never hold the same message;
2. send each message with smtplib (STARTTLS when ``smtp_starttls``). Just before, the
   lease is renewed in its own transaction, which also proves the message is still this
   sender's (a sender whose lease ran out skips it);
3. right after the server accepts it, ``sent_at`` in its own transaction; a sent message
   is history (D3: migration 0004's triggers refuse changing it), so it is never claimed
   or sent again;
4. a refusal or a failure records the reply (or the exception) as one line in
   ``last_error`` and the next attempt after an exponential backoff
   (``backoff_seconds`` doubling, at most ``backoff_max_seconds``); a permanent refusal
   (5xx, a recipient that is no address) or the ``max_attempts``-th failure sets
   ``failed_at``: given up, listed as failed, never dropped.

Exactly once, and its one exception: a message marked sent is never sent again. A sender
that stops (killed, crashed, the machine off) after claiming leaves its messages claimed
and unsent; when the lease ends another sender takes them, recording that the first one
stopped. If the first sender stopped after the server accepted a message but before
``sent_at`` was committed, that message is sent a second time, at most once per such
crash, with the same Message-ID, so a mail client or a person can tell it is a repeat.

Who may (R1, R4, R7): ``outbox_scope`` is the one decision of what an officer sees of the
outbox. Delivery sends the whole floor's due mail and shows no message's content, so any
active staff member may run it (the app's sender runs for whoever is signed in).

The SMTP user and password come only from the environment (``TPSDESK_SMTP_USER``,
``TPSDESK_SMTP_PASSWORD``), never from the policy or the database; the password is only
ever sent after STARTTLS.

Time is ``desk.now()`` throughout (the injected clock).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from tpsdesk.domain.access import outbox_scope as decide_scope
from tpsdesk.errors import ConfigError, ValidationError
from tpsdesk.models import Centre, Outbox
from tpsdesk.policy.schema import Mail
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.retry import transaction
from tpsdesk.text import mask_crns_in_text

if TYPE_CHECKING:  # smtplib, ssl and email load only when a sender runs (intake imports this module)
    import smtplib
    from email.message import EmailMessage

USER_ENV = "TPSDESK_SMTP_USER"
PASSWORD_ENV = "TPSDESK_SMTP_PASSWORD"  # never stored: read when connecting

NOT_CONFIGURED = (
    "no SMTP host is configured ([mail] smtp_host in the policy file), so nothing is sent; "
    "'tpsdesk outbox list --pending' shows what would be sent"
)


class MailStatus(StrEnum):
    """Where a message stands, as ``outbox list`` and the Outbox screen show it."""

    PENDING = "pending"  # due now or later, not claimed
    SENDING = "sending"  # claimed by a sender whose lease has not run out
    SENT = "sent"
    FAILED = "failed"  # given up: failed_at


# The stages ``send_due`` reports to its hook: just before sending, and after the server
# accepted it but before ``sent_at`` is committed (tests stop a sender at either).
BEFORE_SEND = "before-send"
ACCEPTED = "accepted"
Hook = Callable[[str, int], None]
Stop = Callable[[], bool]  # asked before each message: True ends the run (the app is closing)


def _message_id_for(outbox_id: int, centre_code: str | None) -> str:
    """The message's RFC 5322 Message-ID, the same on every attempt (a repeat after a crash is
    recognisable as one). Matches migration 0011's for messages queued before it."""
    where = (centre_code or "floor").lower()
    return f"<outbox-{outbox_id}.{where}@tpsdesk>"


def queue(
    session: Session,
    now: datetime,
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    centre_id: int,
    recipient_id: int | None,
    contact_id: int | None = None,
) -> Outbox:
    """A message to send (I7, E7), inside the caller's transaction: due at once, with its Message-ID."""
    row = Outbox(
        created_at=now, kind=kind, recipient=recipient, subject=subject, body=body, contact_id=contact_id,
        centre_id=centre_id, recipient_id=recipient_id, attempts=0, next_attempt_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    assert row.id is not None  # flushed
    centre = session.get(Centre, centre_id)
    row.message_id = _message_id_for(row.id, centre.code if centre is not None else None)
    session.flush()
    return row


# ---------------------------------------------------------------- who sees what
@dataclass(frozen=True, slots=True)
class OutboxScope:
    """What an officer sees of the outbox (``domain.access.outbox_scope``): the Centre's
    messages, or only those addressed to them."""

    staff_id: int
    centre_id: int
    whole_centre: bool


def _scope(desk: Desk, session: Session, logon: str) -> OutboxScope:
    actor = actor_for(session, logon)
    return OutboxScope(actor.id, actor.centre_id, decide_scope(desk.policy, actor))


# ---------------------------------------------------------------- listing
@dataclass(frozen=True, slots=True)
class OutboxView:
    """One message as a person sees it; CRNs in the subject and body are masked (X2)."""

    id: int
    kind: str
    status: MailStatus
    recipient: str
    subject: str
    body: str
    message_id: str
    created_at: datetime
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None
    claimed_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": str(self.status),
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "message_id": self.message_id,
            "created_at": self.created_at.isoformat(),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
            "claimed_by": self.claimed_by,
        }


@dataclass(frozen=True, slots=True)
class OutboxList:
    """``list_outbox``'s answer: the messages, whose they are, and whether anything is sent."""

    messages: tuple[OutboxView, ...]
    whole_centre: bool  # the Centre's outbox (else the officer's own messages)
    configured: bool  # an SMTP host is set: due messages are delivered
    note: str  # one line for people: what this list is


def _status_of(row: Outbox, now: datetime) -> MailStatus:
    if row.sent_at is not None:
        return MailStatus.SENT
    if row.failed_at is not None:
        return MailStatus.FAILED
    if row.claimed_by and row.next_attempt_at is not None and row.next_attempt_at > now:
        return MailStatus.SENDING
    return MailStatus.PENDING


def _view(row: Outbox, now: datetime, keep: int) -> OutboxView:
    assert row.id is not None  # stored rows
    return OutboxView(
        id=row.id,
        kind=row.kind,
        status=_status_of(row, now),
        recipient=row.recipient,
        subject=mask_crns_in_text(row.subject, keep),
        body=mask_crns_in_text(row.body, keep),
        message_id=row.message_id or "",
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error or "",
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        failed_at=row.failed_at,
        claimed_by=row.claimed_by or "",
    )


@typed_input()
def list_outbox(desk: Desk, logon: str, *, status: str | None = None, limit: int = 100) -> OutboxList:
    """The outbox newest first, as ``outbox_scope`` allows: a TL, SP or SSO
    sees the Centre's messages, everyone else the messages addressed to them (R1, R4).
    ``status``: pending (waiting or being sent), sent or failed; None for all."""
    if status is not None and status not in ("pending", "sent", "failed"):
        raise ValidationError("status", f"{status!r} is not a status: use pending, sent or failed")
    now = desk.now()
    with desk.store.read() as session:
        scope = _scope(desk, session, logon)
        query = select(Outbox)
        if scope.whole_centre:
            query = query.where(col(Outbox.centre_id) == scope.centre_id)
        else:
            query = query.where(col(Outbox.recipient_id) == scope.staff_id)
        if status == "pending":
            query = query.where(col(Outbox.sent_at).is_(None), col(Outbox.failed_at).is_(None))
        elif status == "sent":
            query = query.where(col(Outbox.sent_at).is_not(None))
        elif status == "failed":
            query = query.where(col(Outbox.failed_at).is_not(None))
        rows = session.exec(query.order_by(col(Outbox.id).desc()).limit(max(1, limit))).all()
    keep = desk.policy.summary.mask_keep
    configured = bool(desk.policy.mail.smtp_host)
    whose = "The Centre's messages" if scope.whole_centre else "Messages to you"
    if configured:
        note = f"{whose}; due messages are sent through {desk.policy.mail.smtp_host}"
    else:
        note = f"{whose}; no SMTP host is configured, so nothing is sent: this is what would be sent"
    return OutboxList(tuple(_view(r, now, keep) for r in rows), scope.whole_centre, configured, note)


# ---------------------------------------------------------------- delivering
@dataclass(frozen=True, slots=True)
class Claimed:
    """A message this sender holds, with what sending it needs."""

    id: int
    message_id: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    attempt: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one batch did: ids sent, to be tried again, given up, and skipped (another
    sender took them after this one's lease ran out)."""

    sent: tuple[int, ...] = ()
    retry: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()
    claimed: int = 0

    def __add__(self, other: Delivery) -> Delivery:
        return Delivery(
            self.sent + other.sent, self.retry + other.retry, self.failed + other.failed,
            self.skipped + other.skipped, self.claimed + other.claimed,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"sent": list(self.sent), "retry": list(self.retry), "failed": list(self.failed),
                "skipped": list(self.skipped)}  # fmt: skip


def sender_name() -> str:
    """This process as a sender, for ``claimed_by``: host, process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:200]


def _one_line(text: str, most: int = 500) -> str:
    """An error as one line (SMTP replies span lines), at most ``most`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1] + "…"


def _backoff(mail: Mail, attempt: int) -> timedelta:
    """The wait after the ``attempt``-th failed attempt: base, doubling, capped."""
    seconds = min(mail.backoff_seconds * 2 ** max(attempt - 1, 0), mail.backoff_max_seconds)
    return timedelta(seconds=seconds)


@transaction
def _claim(desk: Desk, sender: str) -> list[Claimed]:
    """Step 1: the due messages, claimed by ``sender`` in one transaction (at most
    ``batch_size``). A message whose previous sender's lease ran out records that it stopped;
    one that has had all its attempts so is given up instead of claimed."""
    mail = desk.policy.mail
    now = desk.now()
    lease_end = now + timedelta(seconds=mail.lease_seconds)
    out: list[Claimed] = []
    with desk.store.write() as session:
        due = session.exec(
            select(Outbox)
            .where(col(Outbox.next_attempt_at) <= now)
            .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
            .limit(mail.batch_size)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
        ).all()
        codes = _centre_codes(session, {r.centre_id for r in due if r.centre_id is not None})
        for row in due:
            assert row.id is not None
            if row.sent_at is not None or row.failed_at is not None:  # pragma: no cover - cleared on both
                continue
            if row.claimed_by:  # its sender stopped before finishing (lease ran out)
                row.last_error = _one_line(
                    f"sender {row.claimed_by} stopped during attempt {row.attempts} (its lease ran out); "
                    "if the server had accepted it, it is sent again with the same Message-ID"
                )
                if row.attempts >= mail.max_attempts:
                    row.failed_at, row.next_attempt_at, row.claimed_by, row.claimed_at = now, None, None, None
                    continue
            row.message_id = row.message_id or _message_id_for(row.id, codes.get(row.centre_id or 0))
            row.attempts += 1
            row.claimed_by, row.claimed_at, row.next_attempt_at = sender, now, lease_end
            out.append(Claimed(row.id, row.message_id, row.recipient, row.subject, row.body, row.created_at,
                               row.attempts))  # fmt: skip
    return out


def _centre_codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {c.id: c.code for c in session.exec(select(Centre).where(col(Centre.id).in_(ids))).all() if c.id}


@transaction
def _renew(desk: Desk, sender: str, outbox_id: int) -> bool:
    """Step 2's check: the lease renewed; False when the message is no longer this sender's."""
    now = desk.now()
    with desk.store.write() as session:
        stmt = (
            update(Outbox)
            .where(
                col(Outbox.id) == outbox_id,
                col(Outbox.claimed_by) == sender,
                col(Outbox.sent_at).is_(None),
                col(Outbox.failed_at).is_(None),
            )
            .values(next_attempt_at=now + timedelta(seconds=desk.policy.mail.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return bool(session.exec(stmt).rowcount == 1)


@transaction
def _mark_sent(desk: Desk, outbox_id: int) -> bool:
    """Step 3: the server accepted it. Recorded whoever holds it now (it was sent); False
    when another sender had already marked it (the documented crash-window repeat)."""
    now = desk.now()
    with desk.store.write() as session:
        stmt = (
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.sent_at).is_(None))
            .values(sent_at=now, next_attempt_at=None, failed_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(session.exec(stmt).rowcount == 1)


@transaction
def _mark_failed(desk: Desk, sender: str, outbox_id: int, error: str, *, permanent: bool) -> bool:
    """Step 4: the failure recorded; True when the message is given up (``failed_at``)."""
    mail = desk.policy.mail
    now = desk.now()
    with desk.store.write() as session:
        row = session.exec(
            select(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.claimed_by) == sender, col(Outbox.sent_at).is_(None))
            .with_for_update()
        ).first()
        if row is None:  # no longer this sender's: the one holding it now records its own outcome
            return False
        give_up = permanent or row.attempts >= mail.max_attempts
        row.last_error = _one_line(error)
        row.claimed_by = row.claimed_at = None
        row.next_attempt_at = None if give_up else now + _backoff(mail, row.attempts)
        row.failed_at = now if give_up else None
        return give_up


class Refused(Exception):
    """A message the server (or its own address) refuses; ``permanent``: never worth retrying."""

    def __init__(self, text: str, *, permanent: bool) -> None:
        super().__init__(text)
        self.permanent = permanent


def _recipient_address(mail: Mail, recipient: str) -> str:
    """The address to send to: an address as stored, a bare logon at ``logon_domain``."""
    value = recipient.strip()
    if "@" in value:
        return value
    if mail.logon_domain and value:
        return f"{value}@{mail.logon_domain}"
    raise Refused(
        f"{value or 'the recipient'} is not an email address: give the staff record an email, "
        "or set [mail] logon_domain",
        permanent=True,
    )


def _compose(mail: Mail, message: Claimed, now: datetime) -> EmailMessage:
    """The RFC 5322 message: the stored Message-ID on every attempt, dated when it was queued."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage()
    try:
        msg["From"] = mail.smtp_from
        msg["To"] = _recipient_address(mail, message.recipient)
        msg["Subject"] = message.subject
        msg["Message-ID"] = message.message_id
        msg["Date"] = format_datetime(message.created_at)
        msg.set_content(message.body)
    except (ValueError, TypeError) as exc:  # a header the email package refuses
        raise Refused(f"the message cannot be written: {exc}", permanent=True) from None
    return msg


def _reply(exc: smtplib.SMTPException | OSError) -> Refused:
    """The server's reply (or the failure) as one line; 5xx is permanent (RFC 5321)."""
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(text)} ({addr})" for addr, (code, text) in exc.recipients.items()]
        codes = [code for code, _ in exc.recipients.values()]
        return Refused("; ".join(parts), permanent=bool(codes) and all(500 <= c < 600 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return Refused(f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=500 <= exc.smtp_code < 600)
    return Refused(f"{type(exc).__name__}: {exc}", permanent=False)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@contextmanager
def smtp_connection(mail: Mail) -> Iterator[smtplib.SMTP]:
    """A connection to the configured server: STARTTLS first when configured (refused if the
    server does not offer it), then login when TPSDESK_SMTP_USER is set (only over TLS)."""
    import smtplib
    import ssl

    user = os.environ.get(USER_ENV, "")
    if user and not mail.smtp_starttls:
        raise Refused(f"{USER_ENV} is set but smtp_starttls is off: the password is never sent unencrypted",
                      permanent=False)  # fmt: skip
    try:
        conn = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.smtp_timeout_seconds)
    except (smtplib.SMTPException, OSError) as exc:
        raise _reply(exc) from None
    try:
        try:
            conn.ehlo()
            if mail.smtp_starttls:
                if not conn.has_extn("starttls"):
                    raise Refused(f"{mail.smtp_host} does not offer STARTTLS (smtp_starttls is on)", permanent=False)
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if user:
                conn.login(user, os.environ.get(PASSWORD_ENV, ""))
        except (smtplib.SMTPException, OSError) as exc:
            raise _reply(exc) from None
        yield conn
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


@dataclass
class _Batch:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)

    def failure(self, desk: Desk, sender: str, message: Claimed, refused: Refused) -> None:
        gave_up = _mark_failed(desk, sender, message.id, str(refused), permanent=refused.permanent)
        (self.failed if gave_up else self.retry).append(message.id)


@transaction
def _release(desk: Desk, sender: str, ids: list[int]) -> None:
    """Messages this sender claimed and will not try (it is stopping): due again at once, the
    attempt not counted, for the next sender without waiting for the lease."""
    if not ids:
        return
    with desk.store.write() as session:
        session.exec(
            update(Outbox)
            .where(col(Outbox.id).in_(ids), col(Outbox.claimed_by) == sender, col(Outbox.sent_at).is_(None))
            .values(claimed_by=None, claimed_at=None, next_attempt_at=desk.now(), attempts=Outbox.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def _deliver(desk: Desk, sender: str, batch: list[Claimed], hook: Hook | None, stop: Stop | None) -> _Batch:
    import smtplib

    mail = desk.policy.mail
    done = _Batch()
    sendable: list[tuple[Claimed, EmailMessage]] = []
    for message in batch:
        try:
            sendable.append((message, _compose(mail, message, desk.now())))
        except Refused as refused:
            done.failure(desk, sender, message, refused)
    if not sendable:
        return done
    try:
        with smtp_connection(mail) as conn:
            for i, (message, email) in enumerate(sendable):
                if stop is not None and stop():  # the app is closing: the rest go back, untried
                    _release(desk, sender, [m.id for m, _ in sendable[i:]])
                    done.skipped.extend(m.id for m, _ in sendable[i:])
                    break
                if not _renew(desk, sender, message.id):
                    done.skipped.append(message.id)
                    continue
                if hook is not None:
                    hook(BEFORE_SEND, message.id)
                try:
                    conn.send_message(email)
                except (smtplib.SMTPException, OSError) as exc:
                    done.failure(desk, sender, message, _reply(exc))
                    # smtplib's errors are OSErrors too: only a dropped connection ends the batch.
                    if isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException):
                        for rest, _ in sendable[i + 1 :]:  # the connection is gone: try them next time
                            done.failure(desk, sender, rest, _reply(exc))
                        break
                    continue
                if hook is not None:
                    hook(ACCEPTED, message.id)
                if _mark_sent(desk, message.id):
                    done.sent.append(message.id)
                else:
                    done.skipped.append(message.id)
    except Refused as refused:  # connecting, STARTTLS or login failed: every message not yet tried
        tried = set(done.sent) | set(done.retry) | set(done.failed) | set(done.skipped)
        for message, _ in sendable:
            if message.id not in tried:
                done.failure(desk, sender, message, refused)
    return done


def require_configured(desk: Desk) -> None:
    """Delivery needs an SMTP host; without one it says so and where to look instead."""
    if not desk.policy.mail.smtp_host:
        raise ConfigError(NOT_CONFIGURED)


@typed_input()
def send_due(
    desk: Desk, logon: str, *, sender: str | None = None, hook: Hook | None = None, stop: Stop | None = None
) -> Delivery:
    """Deliver what is due now: batches until none is left (each failure is rescheduled for
    later, so this ends). Any active staff member of the floor may run it (the module's
    docstring); ``ConfigError`` without an SMTP host. ``sender`` names this sender (one per
    process by default); ``hook`` is called at ``BEFORE_SEND`` and ``ACCEPTED`` (tests);
    ``stop`` is asked before each message, and True gives the rest back untried."""
    require_configured(desk)
    with desk.store.read() as session:
        actor_for(session, logon)  # an active staff member of this floor (R7)
    name = sender or sender_name()
    total = Delivery()
    while not (stop is not None and stop()):
        batch = _claim(desk, name)
        if not batch:
            break
        done = _deliver(desk, name, batch, hook, stop)
        total = total + Delivery(tuple(done.sent), tuple(done.retry), tuple(done.failed), tuple(done.skipped),
                                 len(batch))  # fmt: skip
    return total
