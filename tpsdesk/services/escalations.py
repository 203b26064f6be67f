"""Escalations: raise, claim, release, assign, note, follow-up, list, show, overdue.

Each change validates, checks the permission matrix (R5, R6, W5), writes the
row, the note and a history event in one transaction (D3), recomputes the
deadlines (E12) and raises a typed error a person can act on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, tuple_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tpsdesk import textsearch
from tpsdesk.businesstime import zone
from tpsdesk.domain import access, lifecycle, queue
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.lifecycle import Offer
from tpsdesk.domain.queue import Filters as Filters  # the queue's filters, decided in the domain
from tpsdesk.domain.schedule import RANK_CLOSED, RANK_URGENT
from tpsdesk.domain.vocab import ALL_FILTER, Action, NoteKind, Permission, Status
from tpsdesk.errors import Conflict, NotFound, ValidationError
from tpsdesk.models import Centre, Contact, Escalation, Event, Note, Site, Staff, StopPaymentDoc
from tpsdesk.services.actors import actor_for, allowed, require, staff_actor, staff_by_logon
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import add_note_row, record_event
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import (
    UnitOfWork,
    apply_schedule,
    item_of,
    plan_of,
    refusal_error,
    visible_escalation,
)
from tpsdesk.services.views import EscalationDetail, EscalationView, EventView, NoteView, parse_detail
from tpsdesk.text import clean, normalise_crn

Owner = aliased(Staff, name="owner")
Raiser = aliased(Staff, name="raiser")


# ---------------------------------------------------------------- reading
def _view_query() -> Any:
    # sqlmodel's ``select`` is typed for at most four entities; for more it builds this
    # same ``Select`` at run time, so build it directly (typed, same statement).
    return (
        Select(
            Escalation,
            col(Centre.code),
            col(Site.code),
            col(Owner.logon),
            col(Owner.name),
            col(Raiser.logon),
            col(Site.zone),
        )
        .join(Centre, col(Centre.id) == Escalation.centre_id)
        .join(Site, col(Site.id) == Escalation.site_id)
        .join(Raiser, col(Raiser.id) == Escalation.raised_by_id)
        .outerjoin(Owner, col(Owner.id) == Escalation.owner_id)
    )


def _to_view(row: Any) -> EscalationView:
    esc, centre, site, owner, owner_name, raiser, site_zone = row
    return EscalationView.of(
        esc, centre=centre, site=site, owner=owner, owner_name=owner_name, raised_by=raiser, site_zone=site_zone
    )


def view_of(session: Session, escalation_id: int) -> EscalationView:
    row = session.exec(_view_query().where(Escalation.id == escalation_id)).first()
    if row is None:
        raise NotFound(f"escalation {escalation_id} does not exist")
    return _to_view(row)


def _visible(stmt: Any, desk: Desk, actor: Actor) -> Any:
    """R1, R4, W5 as SQL: the domain's ``scope``, the twin of ``access.may_see``."""
    return _scoped(stmt, access.scope(desk.policy, actor))


def _scoped(stmt: Any, sc: access.Scope) -> Any:
    if sc.whole_centre:
        return stmt.where(Escalation.centre_id == sc.centre_id)
    return stmt.where(or_(col(Escalation.raised_by_id) == sc.actor_id, col(Escalation.owner_id) == sc.actor_id))


def _sql(c: queue.Cond) -> Any:
    """One of the domain's conditions (``domain.queue``) as SQLAlchemy."""
    column = col(getattr(Escalation, c.column))
    value: Any = c.value
    if isinstance(value, queue.StaffLogon):  # by id, not through the view's join: a count needs no join
        value = select(Staff.id).where(Staff.logon == value.logon).scalar_subquery()
    elif isinstance(value, queue.SiteCode):
        value = select(Site.id).where(Site.code == value.code).scalar_subquery()
    if c.op == "null":
        return column.is_(None)
    if c.op == "in":
        return column.in_(value)
    if c.op == "<":
        return column < value
    if c.op == "<=":
        return column <= value
    return column == value


def narrowed(stmt: Any, actor: Actor, f: Filters) -> Any:
    """The owner and site filters over what ``_visible`` already allows (``queue.narrowing``)."""
    return stmt.where(*(_sql(c) for c in queue.narrowing(actor, f)))


def _filtered(
    stmt: Any, desk: Desk, actor: Actor, f: Filters, now: datetime, session: Session, *, counting: bool = False
) -> Any:
    """The rows ``domain.queue.select`` chooses, as SQL: each condition a range of an index in
    queue order (rank, sort_at, id); the text search through the backend's own index."""
    chosen = queue.select(desk.policy, actor, f, now)
    if isinstance(chosen, queue.BadFilter):
        raise ValidationError(chosen.field, chosen.text)
    stmt = _scoped(stmt, chosen.scope).where(*(_sql(c) for c in chosen.conditions))
    if chosen.text:
        dialect = desk.store.dialect
        many = textsearch.many_matches(session.connection(), dialect, chosen.text)
        stmt = stmt.where(textsearch.matching(dialect, chosen.text, many=many, counting=counting))
    return stmt


@typed_input(raw=("after",))  # a queue key, not typed: it may hold schedule.FAR_FUTURE
def list_page(
    desk: Desk,
    logon: str,
    filters: Filters | None = None,
    *,
    after: tuple[int, datetime, int] | None = None,
    limit: int = 50,
) -> list[EscalationView]:
    """One page of the queue in (rank, next action, id) order, by keyset (never OFFSET)."""
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _filtered(_view_query(), desk, actor, f, desk.now(), session)
        if after is not None:
            stmt = stmt.where(tuple_(Escalation.rank, Escalation.sort_at, Escalation.id) > tuple_(*after))
        stmt = stmt.order_by(Escalation.rank, Escalation.sort_at, Escalation.id).limit(max(1, min(limit, 1000)))
        return [_to_view(r) for r in session.exec(stmt).all()]


@typed_input(raw=("before",))
def page_before(
    desk: Desk, logon: str, filters: Filters | None, before: tuple[int, datetime, int], limit: int = 50
) -> list[EscalationView]:
    """The page that ends just before ``before`` (for scrolling up), in queue order."""
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _filtered(_view_query(), desk, actor, f, desk.now(), session)
        if before[0] <= RANK_CLOSED:  # a key past every rank (End) bounds nothing; left out, the filter's range is used
            stmt = stmt.where(tuple_(Escalation.rank, Escalation.sort_at, Escalation.id) < tuple_(*before))
        stmt = stmt.order_by(col(Escalation.rank).desc(), col(Escalation.sort_at).desc(), col(Escalation.id).desc())
        stmt = stmt.limit(limit)
        return [_to_view(r) for r in reversed(session.exec(stmt).all())]


@typed_input()
def count(desk: Desk, logon: str, filters: Filters | None = None) -> int:
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        base = select(func.count(col(Escalation.id))).select_from(Escalation)
        return int(session.exec(_filtered(base, desk, actor, f, desk.now(), session, counting=True)).one())


@typed_input()
def key_at(desk: Desk, logon: str, filters: Filters | None, index: int) -> tuple[int, datetime, int] | None:
    """The queue key of the row at ``index`` (0-based): one index seek for a far scrollbar jump."""
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        base = select(Escalation.rank, Escalation.sort_at, Escalation.id).select_from(Escalation)
        stmt = _filtered(base, desk, actor, f, desk.now(), session)
        stmt = stmt.order_by(Escalation.rank, Escalation.sort_at, Escalation.id).offset(max(0, index)).limit(1)
        row = session.exec(stmt).first()
        return None if row is None else (row[0], row[1], row[2])


@typed_input()
def overdue(desk: Desk, logon: str, *, limit: int = 100, text: str | None = None) -> list[EscalationView]:
    """Items whose next action has passed: urgent arrears first (S3), then most overdue first.

    Two index walks in order, each stopping at ``limit``: the urgent ones on the queue
    index (an open item sorts at its next action), then the rest by next action."""
    limit = max(1, limit)
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        now = desk.now()
        base = _visible(_view_query(), desk, actor)
        if text:
            base = base.where(textsearch.matching(desk.store.dialect, text))
        urgent = base.where(Escalation.rank == RANK_URGENT, col(Escalation.sort_at) < now)
        found = list(session.exec(urgent.order_by(Escalation.sort_at, Escalation.id).limit(limit)).all())
        if len(found) < limit:
            rest = base.where(
                Escalation.closed == False,  # noqa: E712
                col(Escalation.next_action_at) < now,
                Escalation.rank != RANK_URGENT,
            )
            rest = rest.order_by(Escalation.next_action_at, Escalation.id).limit(limit - len(found))
            found += session.exec(rest).all()
        return [_to_view(r) for r in found]


@typed_input()
def between(desk: Desk, logon: str, start: datetime, end: datetime, *, limit: int = 5000) -> list[EscalationView]:
    """Open items whose next action falls in [start, end): the calendar's month or day,
    in time order (the calendar puts a day's urgent arrears first, S3)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _visible(_view_query(), desk, actor).where(
            Escalation.closed == False,  # noqa: E712
            col(Escalation.next_action_at) >= start,
            col(Escalation.next_action_at) < end,
        )
        stmt = stmt.order_by(Escalation.next_action_at, Escalation.id).limit(limit)
        return [_to_view(r) for r in session.exec(stmt).all()]


@typed_input()
def find(desk: Desk, logon: str, query: str, *, limit: int = 20) -> list[EscalationView]:
    """By id or CRN (the command palette)."""
    return list_page(desk, logon, Filters(status=ALL_FILTER, text=query), limit=limit)


@typed_input()
def show(desk: Desk, logon: str, escalation_id: int, *, viewer_zone: str | None = None) -> EscalationDetail:
    """One escalation with its due-time working (C8), notes, history, the actions the
    viewer is offered (E12, R5) and its procedure pointer (E8)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc, _item = visible_escalation(desk, session, actor, escalation_id)
        view = view_of(session, escalation_id)
        site = session.get(Site, esc.site_id)
        assert site is not None
        viewer = zone(viewer_zone) if viewer_zone else None  # C9: the working in the viewer's zone
        plan = plan_of(desk, session, esc, explain=True, viewer=viewer)
        result = plan.result
        rows = session.exec(select(Event).where(Event.escalation_id == escalation_id).order_by(col(Event.id))).all()
        details = [parse_detail(e.detail) for e in rows]
        # D3: an event names a previous owner by id; the history says who it was.
        held = {d["previous_owner"] for d in details if isinstance(d.get("previous_owner"), int)}
        names = {
            s.id: s.logon
            for s in session.exec(
                select(Staff).where(col(Staff.id).in_(_staff_ids(session, escalation_id) | held))
            ).all()
            if s.id is not None
        }
        notes = [
            NoteView(n.id or 0, names.get(n.author_id, "?"), n.created_at, n.kind, n.text, n.refers_to_id)
            for n in session.exec(select(Note).where(Note.escalation_id == escalation_id).order_by(col(Note.id))).all()
        ]
        events = [
            EventView(e.at, names.get(e.actor_id) if e.actor_id else None, e.kind, d)
            for e, d in zip(rows, details, strict=True)
        ]
        deadlines = [
            {"rule": d.rule, "kind": d.kind, "id": d.id, "label": d.label, "at": d.at, "met": d.met, "met_at": d.met_at}
            for d in result.deadlines
        ]
        item = item_of(session, esc)
        return EscalationDetail(
            view,
            notes,
            events,
            result.explain,
            deadlines,
            result.follow_ups,
            requirements=requirements(desk, esc),
            zone=site.zone,
            offered=lifecycle.offered(desk.policy, actor, item),
            procedure=desk.policy.categories[esc.category].procedure,
            next_action=plan.next_action.value,
            next_action_rule=plan.rule,
            people=names,
        )


@typed_input()
def offered(desk: Desk, logon: str, escalation_id: int) -> list[Offer]:
    """Every action on the escalation for this user, allowed or why not (E12, R5)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc, _item = visible_escalation(desk, session, actor, escalation_id)
        return lifecycle.offered(desk.policy, actor, item_of(session, esc))


def _staff_ids(session: Session, escalation_id: int) -> set[int]:
    ids = set(session.exec(select(Note.author_id).where(Note.escalation_id == escalation_id)).all())
    ids |= {i for i in session.exec(select(Event.actor_id).where(Event.escalation_id == escalation_id)).all() if i}
    return ids


def requirements(desk: Desk, esc: Escalation) -> dict[str, Any]:
    """Open documentation requirements (D1, D2) shown on the escalation."""
    d1 = {f: bool(str(getattr(esc, f, "") or "").strip()) for f in desk.policy.documentation.d1_fields}
    return {
        "d1": d1,
        "file_note": esc.file_note_done,
        "d2_doc_required": esc.d2_doc_required,
        "d2_doc_done": esc.d2_doc_done,
        "d2_record_checked": esc.d2_record_checked,
        "callback_required": esc.callback_required,
    }


# ---------------------------------------------------------------- changing
def create_escalation(
    desk: Desk,
    session: Session,
    actor: Actor,
    *,
    category: str,
    crn: str = "",
    summary: str = "",
    site_id: int | None = None,
    raised_at: datetime | None = None,
    eped: date | None = None,
    contact_id: int | None = None,
    doc_id: int | None = None,
    service_first: str = "",
    nnu_ref: str = "",
    about_staff_id: int | None = None,
    enq1: str = "",
) -> Escalation:
    """Insert an escalation inside the caller's transaction (used by intake and stop-payment too)."""
    cat = desk.policy.categories.get(category)
    if cat is None:
        raise ValidationError(
            "category", f"unknown category {category!r}: use one of {', '.join(desk.policy.categories)}"
        )
    require(desk.policy, actor, Permission.RAISE, category=category)
    crn_value = normalise_crn(crn, optional=not cat.crn_required)
    if cat.needs_stop_payment_doc and doc_id is None:
        raise ValidationError(
            "doc",
            "an arrears escalation needs a valid stop-payment DOC first (E1, S1): build it with 'tpsdesk doc stop-payment'",
        )
    now = desk.now()
    esc = Escalation(
        category=category,
        centre_id=actor.centre_id,
        site_id=site_id or actor.site_id,
        crn=crn_value,
        summary=clean(summary).strip(),
        raised_by_id=actor.id,
        raised_at=raised_at or now,
        reported_at=_reported_at(session, contact_id, doc_id) or raised_at or now,
        status=Status.NEW,
        eped=eped,
        contact_id=contact_id,
        doc_id=doc_id,
        service_first=clean(service_first, multiline=False).strip(),
        nnu_ref=clean(nnu_ref, multiline=False).strip(),
        about_staff_id=about_staff_id,
        enq1=enq1 or cat.enq1,
        updated_at=now,
        updated_by_id=actor.id,
    )
    session.add(esc)
    session.flush()
    apply_schedule(desk, session, esc, actor.channel)
    session.flush()
    record_event(session, now, actor.id, "raised", escalation_id=esc.id, category=category, due=esc.due_at)
    if esc.summary:
        add_note_row(session, esc, actor.id, now, esc.summary, kind=NoteKind.RAISED)
    return esc


def _reported_at(session: Session, contact_id: int | None, doc_id: int | None) -> datetime | None:
    """E1: the arrears were reported by the contact when there is one, else by the DOC's saving."""
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is not None:
            return contact.opened_at
    if doc_id is not None:
        doc = session.get(StopPaymentDoc, doc_id)
        if doc is not None:
            return doc.created_at
    return None


@typed_input(lines={"summary": "the summary"})
@transaction
def raise_escalation(desk: Desk, logon: str, **fields: Any) -> EscalationView:
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        site_code = fields.pop("site", None)
        if site_code:
            site = session.exec(select(Site).where(Site.code == site_code)).first()
            if site is None:
                raise NotFound(f"site: no site with code {site_code!r}")
            if site.centre_id != actor.centre_id:
                raise ValidationError("site", f"site {site_code} belongs to another Centre")
            fields["site_id"] = site.id
        esc = create_escalation(desk, session, actor, **fields)
        session.flush()
        return view_of(session, esc.id or 0)


@typed_input(lines={"note": "the note"})
@transaction
def claim(
    desk: Desk, logon: str, escalation_id: int, note: str | None = None, *, expected_version: int | None = None
) -> EscalationView:
    """Take ownership atomically: one conditional UPDATE, checked by row count (E11).
    A claim with a note is a recorded action (E3, E12)."""
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        item = uow.item(esc)
        refusal = lifecycle.decide(desk.policy, uow.actor, item, Action.CLAIM)
        if refusal is not None:
            if refusal.why is access.Why.CLAIM:
                raise Conflict(refusal.text, changed_by=item.owner_label)
            raise refusal_error(refusal)
        stmt = (
            update(Escalation)
            .where(
                col(Escalation.id) == escalation_id,
                col(Escalation.owner_id).is_(None),
                col(Escalation.closed).is_(False),
            )
            .values(
                owner_id=uow.actor.id,
                status=lifecycle.leads_to(Action.CLAIM, Status(esc.status)),
                version=Escalation.version + 1,
                updated_at=uow.now,
                updated_by_id=uow.actor.id,
            )
            .execution_options(synchronize_session=False)
        )
        if uow.session.exec(stmt).rowcount != 1:
            uow.session.expire(esc)
            fresh = uow.item(uow.load(escalation_id))
            if fresh.owner_id == uow.actor.id:
                raise Conflict(f"escalation {escalation_id} is already yours")
            who = fresh.owner_label or "someone else"
            raise Conflict(
                f"escalation {escalation_id} was claimed by {who}: ask them or an SP to reassign it", changed_by=who
            )
        uow.session.expire(esc)
        esc = uow.load(escalation_id)
        uow.record("claimed", escalation_id=escalation_id)
        if note and note.strip():
            uow.note(esc, note)
            uow.stamp(esc)
            uow.schedule(esc)
            uow.flush_or_conflict(esc)
        uow.session.flush()
        return view_of(uow.session, escalation_id)


@typed_input()
@transaction
def release(desk: Desk, logon: str, escalation_id: int, *, expected_version: int | None = None) -> EscalationView:
    """The owner lets go; an SP, SSO or TL may release another's claim (E11, R6)."""
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.RELEASE)
        previous = esc.owner_id
        esc.owner_id = None
        uow.move(esc, Action.RELEASE)
        uow.save(esc)
        uow.record("released", escalation_id=escalation_id, previous_owner=previous)
        return view_of(uow.session, escalation_id)


@typed_input()
@transaction
def assign(
    desk: Desk, logon: str, escalation_id: int, to: str, *, expected_version: int | None = None
) -> EscalationView:
    """An SP, SSO or TL reassigns, to an SP/SSO or W5 staff (W5)."""
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        item = uow.check(esc, Action.ASSIGN)
        target = staff_by_logon(uow.session, to)
        refused = access.may_be_assigned(
            desk.policy, staff_actor(target, item.channel), item, active=target.active
        )  # W5: the picker's rule (assignable)
        if refused is not None:
            raise ValidationError("to", refused.text)
        previous = esc.owner_id
        esc.owner_id = target.id
        uow.move(esc, Action.ASSIGN)
        uow.save(esc)
        uow.record("assigned", escalation_id=escalation_id, to=to, previous_owner=previous)
        return view_of(uow.session, escalation_id)


@typed_input()
def assignable(desk: Desk, logon: str, escalation_id: int) -> list[Staff]:
    """W5: the staff escalation ``escalation_id`` may be assigned to, for the picker: exactly
    those ``assign`` accepts (``access.may_be_assigned``), so nobody offered is then refused."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        _esc, item = visible_escalation(desk, session, actor, escalation_id)
        staff = session.exec(
            select(Staff).where(Staff.centre_id == item.centre_id, col(Staff.active).is_(True)).order_by(Staff.logon)
        ).all()
        return [s for s in staff if access.may_be_assigned(desk.policy, staff_actor(s, item.channel), item) is None]


NOTE_KINDS = (NoteKind.NOTE, NoteKind.CORRECTION, NoteKind.FILE_NOTE)


@typed_input(lines={"text": "the note"})
@transaction
def add_note(
    desk: Desk, logon: str, escalation_id: int, text: str, *, kind: str = "note", refers_to: int | None = None
) -> NoteView:
    """Append a note (D3); allowed on finalised items too (F3). A note by the holder of an
    open item is a recorded action (E3, E12, E13); a file note is D4's record update."""
    if kind not in NOTE_KINDS:
        raise ValidationError("kind", "a note is a note, a correction or a file-note")
    if kind == NoteKind.CORRECTION and refers_to is None:
        raise ValidationError("refers_to", "a correction names the note it corrects")
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id)
        uow.check(esc, Action.NOTE)
        note = uow.note(esc, text, kind=kind, refers_to=refers_to)
        uow.session.flush()
        uow.record("note", escalation_id=escalation_id, note_id=note.id, note_kind=kind)
        if esc.owner_id == uow.actor.id and not esc.closed:
            uow.noted(esc, record_update=kind == NoteKind.FILE_NOTE)
        return NoteView(note.id or 0, uow.actor.logon, uow.now, kind, note.text, refers_to)


@typed_input(lines={"text": "the note"})
@transaction
def record_follow_up(
    desk: Desk, logon: str, escalation_id: int, text: str, *, expected_version: int | None = None
) -> EscalationView:
    """Record a follow-up or review (E3, E9, E10): sets the next one on and re-refers (E12)."""
    with UnitOfWork.begin(desk, logon) as uow:
        esc = uow.load(escalation_id, expected_version)
        uow.check(esc, Action.FOLLOW_UP)
        uow.take(esc)
        fu = desk.policy.categories[esc.category].followup
        kind = NoteKind.REVIEW if fu.kind == "review" else NoteKind.FOLLOW_UP
        uow.note(esc, text, kind=kind)
        esc.last_follow_up_at = uow.now
        uow.move(esc, Action.FOLLOW_UP)
        uow.stamp(esc)
        uow.save(esc)
        uow.record(kind.value, escalation_id=escalation_id, next=esc.next_follow_up_at)
        return view_of(uow.session, escalation_id)


# pg_try_advisory_xact_lock(SWEEP_LOCK, centre id): held by the one process sweeping that Centre.
SWEEP_LOCK = 0x74707377


@typed_input()
def sweep(desk: Desk, *, limit: int = 10_000, centre_id: int | None = None) -> int:
    """E12: referrals whose follow-up fell due move to awaiting-follow-up. The core's to do:
    any process may run it, and its changes are attributed to the system, never a person.

    Each Centre is swept in its own transaction by one process at a time: on PostgreSQL the
    one holding the Centre's advisory lock (another process skips that Centre, it is being
    swept), its rows picked ``FOR UPDATE SKIP LOCKED`` so an officer's open transaction is
    neither waited on nor overwritten (that row is swept next time); on SQLite the write
    transaction (``BEGIN IMMEDIATE``) serialises sweepers. Returns how many moved."""
    now = desk.now()
    if centre_id is None:
        with desk.store.read() as session:
            centres = [cid for cid in session.exec(select(Centre.id).order_by(col(Centre.id))).all() if cid is not None]
    else:
        centres = [centre_id]
    moved = 0
    for cid in centres:
        if moved >= limit:
            break
        moved += _sweep_centre(desk, cid, now, limit - moved)
    return moved


@transaction
def _sweep_centre(desk: Desk, centre_id: int, now: datetime, limit: int) -> int:
    with desk.store.write() as session:
        if desk.store.dialect == "postgresql":
            locked = session.exec(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK, centre_id))).one()
            if not locked:
                return 0  # another process is sweeping this Centre now
        stmt = (
            select(Escalation)
            .where(
                Escalation.centre_id == centre_id,
                col(Escalation.status).in_(lifecycle.SWEEP_FROM),
                col(Escalation.next_follow_up_at) <= now,
            )
            .order_by(col(Escalation.id))
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True)  # FOR NO KEY UPDATE, as an officer's act
        )
        due = session.exec(stmt).all()
        for esc in due:
            esc.status = lifecycle.SWEEP_TO
            esc.updated_at = now
            esc.updated_by_id = None
            record_event(session, now, None, "follow-up-due", escalation_id=esc.id, due=esc.next_follow_up_at)
        session.flush()
        return len(due)


@typed_input()
def who_may(desk: Desk, logon: str, action: str, *, category: str | None = None) -> str | None:
    """None if the user may do ``action`` (an R6 permission); else the reason."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        return allowed(desk.policy, actor, action, category=category)
