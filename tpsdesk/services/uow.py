"""The unit of work of one act on an escalation: load the row, turn it into the
domain's facts, ask the domain, and write the row, its note and a history event
in one transaction (D3, E11, E12).

Services are thin over this: ``check`` raises the domain's refusal as the typed
error the paths show, ``schedule`` writes the domain's plan onto the row,
``flush_or_conflict`` turns a stale version into a ``Conflict`` naming who.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.domain import access, lifecycle, schedule
from tpsdesk.domain.access import Refusal, Why
from tpsdesk.domain.facts import Actor, Item

# By name: in the class body ``schedule`` is the method, not the module.
from tpsdesk.domain.schedule import Schedule
from tpsdesk.domain.vocab import Action, Channel, Status
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, TpsError, ValidationError
from tpsdesk.models import Centre, Contact, Escalation, Event, Note, Site, Staff, table_of
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import add_note_row, record_event


def refusal_error(refusal: Refusal) -> TpsError:
    """The one mapping from a domain refusal to the error every path shows (R5)."""
    if refusal.why in (Why.STATUS, Why.RULE):
        return ValidationError(refusal.field or "status", refusal.text)
    return PermissionDenied(refusal.text)


def staff_label(session: Session, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    staff = session.get(Staff, staff_id)
    return f"{staff.name} ({staff.logon})" if staff else None


def item_of(session: Session, esc: Escalation, channel: str | None = None) -> Item:
    """The domain's facts of a row (one look-up each for the channel, holder and contact)."""
    if channel is None:
        centre = session.get(Centre, esc.centre_id)
        channel = centre.channel if centre else Channel.SMART_CENTRE
    contact_at = None
    if esc.contact_id is not None:
        contact = session.get(Contact, esc.contact_id)
        contact_at = contact.opened_at if contact else None
    return _item(esc, channel, contact_at, staff_label(session, esc.owner_id))


def items_of(session: Session, rows: Sequence[Escalation]) -> list[Item]:
    """``item_of`` for many rows with one look-up per table and 500 ids (channels, contacts,
    holders), for reads that plan a whole list, such as the shift summary's stop-payment requests."""
    channels: dict[int | None, str] = {}
    opened: dict[int | None, datetime] = {}
    labels: dict[int | None, str] = {}
    for ids in _chunks({e.centre_id for e in rows}):
        channels.update((c.id, c.channel) for c in session.exec(select(Centre).where(col(Centre.id).in_(ids))))
    for ids in _chunks({e.contact_id for e in rows if e.contact_id is not None}):
        opened.update(session.exec(select(Contact.id, Contact.opened_at).where(col(Contact.id).in_(ids))).all())
    for ids in _chunks({e.owner_id for e in rows if e.owner_id is not None}):
        labels.update(
            (s.id, f"{s.name} ({s.logon})") for s in session.exec(select(Staff).where(col(Staff.id).in_(ids)))
        )
    return [
        _item(
            e,
            channels.get(e.centre_id, Channel.SMART_CENTRE),
            opened.get(e.contact_id) if e.contact_id is not None else None,
            labels.get(e.owner_id) if e.owner_id is not None else None,
        )
        for e in rows
    ]


def _chunks(ids: set[int], size: int = 500) -> Iterator[list[int]]:
    """Ids in bounded groups: an IN list stays well inside every backend's parameter limit."""
    ordered = sorted(ids)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def _item(esc: Escalation, channel: str, contact_at: datetime | None, owner_label: str | None) -> Item:
    assert esc.id is not None
    return Item(
        id=esc.id,
        category=esc.category,
        centre_id=esc.centre_id,
        channel=Channel(channel),
        status=Status(esc.status),
        raised_by_id=esc.raised_by_id,
        raised_at=esc.raised_at,
        owner_id=esc.owner_id,
        owner_label=owner_label,
        closed=esc.closed,
        reported_at=esc.reported_at,
        contact_at=contact_at,
        actioned_at=esc.actioned_at,
        referred_at=esc.referred_at,
        referral_target=esc.referral_target,
        ict_requested_at=esc.ict_requested_at,
        eped=esc.eped,
        last_follow_up_at=esc.last_follow_up_at,
        last_action_at=esc.last_action_at,
        record_updated_at=esc.record_updated_at,
        finalised_at=esc.finalised_at,
        service_first=esc.service_first,
        nnu_ref=esc.nnu_ref,
        doc_id=esc.doc_id,
        action_taken=esc.action_taken,
        resources_used=esc.resources_used,
        so_action=esc.so_action,
        why_not_day_one=esc.why_not_day_one,
        file_note_done=esc.file_note_done,
        d2_doc_required=esc.d2_doc_required,
        d2_doc_done=esc.d2_doc_done,
        d2_record_checked=esc.d2_record_checked,
        callback_required=esc.callback_required,
        nonstandard_work=esc.nonstandard_work,
        within_so_scope=esc.within_so_scope,
    )


def calendar_of(desk: Desk, session: Session, esc: Escalation) -> SiteCalendar:
    """C9: the calendar of the site where the item was raised."""
    site = session.get(Site, esc.site_id)
    assert site is not None
    return desk.calendar(site)


def plan_of(
    desk: Desk, session: Session, esc: Escalation, *, explain: bool = False, viewer: ZoneInfo | None = None
) -> schedule.Schedule:
    """The domain's plan for a row as it stands (reads only)."""
    with session.no_autoflush:
        return schedule.plan(
            desk.policy, calendar_of(desk, session, esc), item_of(session, esc), explain=explain, viewer=viewer
        )


def apply_schedule(desk: Desk, session: Session, esc: Escalation, channel: str | None = None) -> schedule.Schedule:
    """Write the domain's plan onto the row: due, follow-up, the indexed next action
    and its kind (E12, E13), and the queue rank (S3)."""
    with session.no_autoflush:  # a dirty row is written by flush_or_conflict, under its version check
        plan = schedule.plan(desk.policy, calendar_of(desk, session, esc), item_of(session, esc, channel))
    esc.due_at = plan.due
    esc.after_hours = plan.after_hours
    esc.next_follow_up_at = plan.next_follow_up
    esc.next_action_at = plan.next_action_at
    esc.next_action_kind = plan.next_action
    esc.rank = plan.rank
    esc.sort_at = plan.sort_at
    return plan


def load_escalation(
    session: Session, escalation_id: int, expected_version: int | None = None, *, lock: bool = False
) -> Escalation:
    """The row. ``lock`` (a write) holds it until the transaction ends: PostgreSQL's
    ``FOR NO KEY UPDATE`` (inserting a note or event that points at it still proceeds), so
    what the act decides on is what it writes over and concurrent acts on one item queue
    up instead of failing; SQLite's ``BEGIN IMMEDIATE`` already serialises writers."""
    esc = session.get(
        Escalation, escalation_id, with_for_update={"key_share": True} if lock else None, populate_existing=lock
    )
    if esc is None:
        raise NotFound(f"escalation {escalation_id} does not exist")
    if expected_version is not None and esc.version != expected_version:
        raise conflict_for(session, esc)
    return esc


def conflict_for(session: Session, esc: Escalation) -> Conflict:
    """E11: who changed the item, and what their last change was."""
    name = staff_label(session, esc.updated_by_id) or ("the system" if esc.updated_at else "someone else")
    last = session.exec(
        select(Event.kind)
        .where(Event.escalation_id == esc.id, col(Event.kind) != "note")
        .order_by(col(Event.id).desc())
        .limit(1)
    ).first()
    what = f" ({last}, now version {esc.version})" if last else f" (now version {esc.version})"
    return Conflict(
        f"escalation {esc.id} was changed by {name} meanwhile{what}: reload it and try again", changed_by=name
    )


def flush_or_conflict(session: Session, esc: Escalation) -> None:
    """Write now so a stale version raises here, as Conflict naming who (E11)."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Escalation, esc.id)
        if fresh is None:
            raise NotFound(f"escalation {esc.id} no longer exists") from None
        raise conflict_for(session, fresh) from None


def touch(esc: Escalation, actor: Actor, at: datetime) -> None:
    """Who changed the row last, and when (named in a Conflict, E11)."""
    esc.updated_at = at
    esc.updated_by_id = actor.id


def require_visible(policy: Policy, actor: Actor, esc: Escalation) -> None:
    """R5: the actor may see the escalation (the domain's scope), else the refusal."""
    if not access.sees(access.scope(policy, actor), esc.centre_id, esc.raised_by_id, esc.owner_id):
        raise PermissionDenied(access.unseen(esc.id or 0).text)


def visible_escalation(desk: Desk, session: Session, actor: Actor, escalation_id: int) -> tuple[Escalation, Item]:
    """For a read (R5): the row and its facts if the actor may see it; the refusal names
    nothing of it otherwise."""
    esc = load_escalation(session, escalation_id)
    require_visible(desk.policy, actor, esc)
    return esc, item_of(session, esc)


class UnitOfWork:
    """One act by one actor on escalations, inside one write transaction."""

    def __init__(self, desk: Desk, session: Session, actor: Actor) -> None:
        self.desk = desk
        self.session = session
        self.actor = actor
        self.now = desk.now()

    @classmethod
    @contextmanager
    def begin(cls, desk: Desk, logon: str) -> Iterator[UnitOfWork]:
        with desk.store.write() as session:
            uow = cls(desk, session, actor_for(session, logon))
            try:
                yield uow
            except StaleDataError:  # a row written outside flush_or_conflict: still E11's Conflict
                session.rollback()
                raise Conflict("the item was changed by someone else meanwhile: reload it and try again") from None

    # -- load and decide
    def load(self, escalation_id: int, expected_version: int | None = None) -> Escalation:
        """The row; R5 first (an item the actor may not see is refused before its version is
        compared, so a stale version names nobody to them), then the E11 version check."""
        esc = load_escalation(self.session, escalation_id, lock=True)
        if expected_version is not None and esc.version != expected_version:
            require_visible(self.desk.policy, self.actor, esc)
            raise conflict_for(self.session, esc)
        return esc

    def item(self, esc: Escalation) -> Item:
        return item_of(self.session, esc)

    def check(self, esc: Escalation, action: Action, *, target: str | None = None) -> Item:
        """R5 and E12 for ``action``; raises the refusal, else returns the facts decided on."""
        item = self.item(esc)
        refusal = lifecycle.decide(self.desk.policy, self.actor, item, action, target=target)
        if refusal is not None:
            raise refusal_error(refusal)
        return item

    def calendar(self, esc: Escalation) -> SiteCalendar:
        return calendar_of(self.desk, self.session, esc)

    # -- write
    def move(self, esc: Escalation, action: Action) -> None:
        """E12: the status ``action`` leads to (the core keeps the status)."""
        esc.status = lifecycle.leads_to(action, Status(esc.status))
        esc.closed = esc.status == Status.FINALISED

    def take(self, esc: Escalation) -> None:
        """Work on an unclaimed item makes it the worker's (E11); ``check`` has refused another's."""
        if esc.owner_id is None:
            esc.owner_id = self.actor.id
            esc.status = lifecycle.leads_to(Action.CLAIM, Status(esc.status))
            self.record("claimed", escalation_id=esc.id, by="action")

    def stamp(self, esc: Escalation, *, record_update: bool = False) -> None:
        """A recorded action (E3, E12, E13, D4)."""
        stamp = lifecycle.mark_actioned(self.item(esc), self.now, record_update=record_update)
        esc.actioned_at = stamp.actioned_at
        esc.last_action_at = stamp.last_action_at
        esc.record_updated_at = stamp.record_updated_at

    def noted(self, esc: Escalation, *, record_update: bool = False) -> Schedule:
        """A note by the holder is a recorded action (E3, E13, D4) that moves the item's dates
        on without changing its version: notes are append-only and never conflict (D3, E11),
        so an officer's other windows and other writers keep their versions. The row is
        locked (``load``), so the dates are computed from what is there."""
        stamp = lifecycle.mark_actioned(self.item(esc), self.now, record_update=record_update)
        facts = replace(
            self.item(esc),
            actioned_at=stamp.actioned_at,
            last_action_at=stamp.last_action_at,
            record_updated_at=stamp.record_updated_at,
        )
        with self.session.no_autoflush:
            plan = schedule.plan(self.desk.policy, self.calendar(esc), facts)
        values = {
            "actioned_at": stamp.actioned_at,
            "last_action_at": stamp.last_action_at,
            "record_updated_at": stamp.record_updated_at,
            "due_at": plan.due,
            "after_hours": plan.after_hours,
            "next_follow_up_at": plan.next_follow_up,
            "next_action_at": plan.next_action_at,
            "next_action_kind": str(plan.next_action),
            "rank": plan.rank,
            "sort_at": plan.sort_at,
        }
        # Core, not the ORM: an ORM flush would bump the version counter.
        self.session.connection().execute(
            table_of(Escalation).update().where(table_of(Escalation).c.id == esc.id).values(**values)
        )
        self.session.expire(esc)
        return plan

    def schedule(self, esc: Escalation) -> schedule.Schedule:
        return apply_schedule(
            self.desk, self.session, esc, self.actor.channel if esc.centre_id == self.actor.centre_id else None
        )

    def touch(self, esc: Escalation) -> None:
        touch(esc, self.actor, self.now)

    def flush_or_conflict(self, esc: Escalation) -> None:
        flush_or_conflict(self.session, esc)

    def save(self, esc: Escalation) -> Schedule:
        """Reschedule, stamp who and when, and write under the version check."""
        plan = self.schedule(esc)
        self.touch(esc)
        self.flush_or_conflict(esc)
        return plan

    def note(self, esc: Escalation, text: str, kind: str = "note", refers_to: int | None = None) -> Note:
        return add_note_row(self.session, esc, self.actor.id, self.now, text, kind=kind, refers_to=refers_to)

    def record(
        self, kind: str, *, escalation_id: int | None = None, contact_id: int | None = None, **detail: Any
    ) -> Event:
        return record_event(
            self.session, self.now, self.actor.id, kind, escalation_id=escalation_id, contact_id=contact_id, **detail
        )
