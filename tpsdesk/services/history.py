"""D3: history events and notes, append-only. Every change writes one of each
inside the same transaction as the row it changes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tpsdesk.errors import NotFound, ValidationError
from tpsdesk.models import Escalation, Event, Note
from tpsdesk.text import clean


def record_event(
    session: Session,
    at: datetime,
    actor_id: int | None,
    kind: str,
    *,
    escalation_id: int | None = None,
    contact_id: int | None = None,
    **detail: Any,
) -> Event:
    """One history event; ``actor_id`` None is the system (E12's sweep)."""
    event = Event(
        escalation_id=escalation_id,
        contact_id=contact_id,
        actor_id=actor_id,
        at=at,
        kind=kind,
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
        login=str(session.info.get("login", "")),
    )
    session.add(event)
    return event


def add_note_row(
    session: Session,
    esc: Escalation,
    author_id: int,
    at: datetime,
    text: str,
    kind: str = "note",
    refers_to: int | None = None,
) -> Note:
    body = clean(text).strip()
    if not body:
        raise ValidationError("text", "the note is empty: type what was done or found")
    if refers_to is not None:
        old = session.get(Note, refers_to)
        if old is None or old.escalation_id != esc.id:
            raise NotFound(f"refers_to: note {refers_to} is not a note of escalation {esc.id}")
    note = Note(
        escalation_id=esc.id or 0, author_id=author_id, created_at=at, kind=kind, text=body, refers_to_id=refers_to
    )
    session.add(note)
    return note
