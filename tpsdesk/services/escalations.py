"""Escalations: raise, claim, release, assign, note, follow-up, list, show, overdue.

Each change validates, checks the permission matrix (R5, R6, W5), writes the
row, the note and a history event in one transaction (D3), recomputes the
deadlines (E12) and raises a typed error a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, tuple_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from tpsdesk.businesstime import zone
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import RANK_CLOSED, Centre, Escalation, Event, Note, Site, Staff
from tpsdesk.services.common import (
    Actor,
    Desk,
    actor_for,
    add_note_row,
    allowed,
    can_see_all,
    can_work,
    check_centre,
    contact_time,
    due_for,
    flush_or_conflict,
    load_escalation,
    record_event,
    refresh_deadlines,
    require,
    require_open,
    require_work,
    staff_by_logon,
    touch,
)
from tpsdesk.services.views import EscalationDetail, EscalationView, EventView, NoteView, parse_detail
from tpsdesk.text import clean, normalise_crn

Owner = aliased(Staff, name="owner")
Raiser = aliased(Staff, name="raiser")


# ---------------------------------------------------------------- reading
def _view_query() -> Any:
    return (
        select(Escalation, Centre.code, Site.code, Owner.logon, Owner.name, Raiser.logon, Site.zone)
        .join(Centre, Centre.id == Escalation.centre_id)
        .join(Site, Site.id == Escalation.site_id)
        .join(Raiser, Raiser.id == Escalation.raised_by_id)
        .outerjoin(Owner, Owner.id == Escalation.owner_id)
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


@dataclass
class Filters:
    """What the queue shows. ``status`` may be ``open`` (default), a status, or ``all``."""

    status: str = "open"
    category: str | None = None
    owner: str | None = None  # a logon, or "none" for unclaimed
    mine: bool = False
    overdue: bool = False
    site: str | None = None
    text: str | None = None


def _visible(stmt: Any, desk: Desk, actor: Actor) -> Any:
    """R1, R4: SOs and TPS see their own; SP, SSO, TL and pool staff the Centre's."""
    if can_see_all(desk.policy, actor):
        return stmt.where(Escalation.centre_id == actor.centre_id)
    return stmt.where(or_(Escalation.raised_by_id == actor.id, Escalation.owner_id == actor.id))


def _filtered(stmt: Any, desk: Desk, actor: Actor, f: Filters, now: datetime) -> Any:
    stmt = _visible(stmt, desk, actor)
    if f.status == "open":
        stmt = stmt.where(Escalation.closed == False)  # noqa: E712
    elif f.status == "awaiting-follow-up":
        stmt = stmt.where(
            col(Escalation.status).in_(("referred", "awaiting-follow-up")),
            Escalation.next_follow_up_at <= now,  # type: ignore[operator]
        )
    elif f.status != "all":
        if f.status not in ("new", "in-progress", "referred", "finalised"):
            raise ValidationError(
                "status",
                f"unknown status {f.status!r}: use open, new, in-progress, referred, awaiting-follow-up, finalised or all",
            )
        stmt = stmt.where(Escalation.status == f.status)
    if f.category:
        if f.category not in desk.policy.categories:
            raise ValidationError(
                "category", f"unknown category {f.category!r}: use one of {', '.join(desk.policy.categories)}"
            )
        stmt = stmt.where(Escalation.category == f.category)
    if f.mine:
        stmt = stmt.where(Escalation.owner_id == actor.id)
    elif f.owner == "none":
        stmt = stmt.where(Escalation.owner_id == None)  # noqa: E711
    elif f.owner:
        stmt = stmt.where(Owner.logon == f.owner)
    if f.overdue:
        stmt = stmt.where(Escalation.closed == False, Escalation.next_action_at < now)  # type: ignore[operator]  # noqa: E712
    if f.site:
        stmt = stmt.where(Site.code == f.site)
    if f.text:
        stmt = _text_filter(stmt, f.text)
    return stmt


def _text_filter(stmt: Any, raw: str) -> Any:
    text = clean(raw, multiline=False).strip()
    compact = text.replace(" ", "")
    conds = [func.lower(Escalation.summary).contains(text.lower(), autoescape=True)]
    if compact and compact[:9].isdigit():
        conds.append(col(Escalation.crn).startswith(compact.upper(), autoescape=True))
    if text.isdigit() and len(text) < 10:
        conds.append(Escalation.id == int(text))
    return stmt.where(or_(*conds))


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
        stmt = _filtered(_view_query(), desk, actor, f, desk.now())
        if after is not None:
            stmt = stmt.where(tuple_(Escalation.rank, Escalation.sort_at, Escalation.id) > tuple_(*after))
        stmt = stmt.order_by(Escalation.rank, Escalation.sort_at, Escalation.id).limit(max(1, min(limit, 1000)))
        return [_to_view(r) for r in session.exec(stmt).all()]


def page_before(
    desk: Desk, logon: str, filters: Filters | None, before: tuple[int, datetime, int], limit: int = 50
) -> list[EscalationView]:
    """The page that ends just before ``before`` (for scrolling up), in queue order."""
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _filtered(_view_query(), desk, actor, f, desk.now())
        stmt = stmt.where(tuple_(Escalation.rank, Escalation.sort_at, Escalation.id) < tuple_(*before))
        stmt = stmt.order_by(Escalation.rank.desc(), Escalation.sort_at.desc(), Escalation.id.desc()).limit(limit)  # type: ignore[attr-defined]
        return [_to_view(r) for r in reversed(session.exec(stmt).all())]


def count(desk: Desk, logon: str, filters: Filters | None = None) -> int:
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        base = select(func.count(Escalation.id)).select_from(Escalation)
        needs_join = bool(f.site) or bool(f.owner and f.owner != "none" and not f.mine)
        if needs_join:
            base = base.join(Site, Site.id == Escalation.site_id).outerjoin(Owner, Owner.id == Escalation.owner_id)
        return int(session.exec(_filtered(base, desk, actor, f, desk.now())).one())


def key_at(desk: Desk, logon: str, filters: Filters | None, index: int) -> tuple[int, datetime, int] | None:
    """The queue key of the row at ``index`` (0-based): one index seek for a far scrollbar jump."""
    f = filters or Filters()
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        base = select(Escalation.rank, Escalation.sort_at, Escalation.id).select_from(Escalation)
        base = base.join(Site, Site.id == Escalation.site_id).outerjoin(Owner, Owner.id == Escalation.owner_id)
        stmt = _filtered(base, desk, actor, f, desk.now())
        if f.status == "open":
            # Open items are exactly the ranks below RANK_CLOSED: the queue index alone answers.
            stmt = stmt.where(Escalation.rank < RANK_CLOSED)
        stmt = stmt.order_by(Escalation.rank, Escalation.sort_at, Escalation.id).offset(max(0, index)).limit(1)
        row = session.exec(stmt).first()
        return None if row is None else (row[0], row[1], row[2])


def overdue(desk: Desk, logon: str, *, limit: int = 100, text: str | None = None) -> list[EscalationView]:
    """Items whose next action has passed, most overdue first (an index range scan)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _filtered(_view_query(), desk, actor, Filters(overdue=True, text=text), desk.now())
        stmt = stmt.order_by(Escalation.next_action_at, Escalation.id).limit(max(1, limit))
        return [_to_view(r) for r in session.exec(stmt).all()]


def between(desk: Desk, logon: str, start: datetime, end: datetime, *, limit: int = 5000) -> list[EscalationView]:
    """Open items whose next action falls in [start, end): the calendar's month or day."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = _visible(_view_query(), desk, actor).where(
            Escalation.closed == False,  # noqa: E712
            Escalation.next_action_at >= start,  # type: ignore[operator]
            Escalation.next_action_at < end,  # type: ignore[operator]
        )
        stmt = stmt.order_by(Escalation.next_action_at, Escalation.id).limit(limit)
        return [_to_view(r) for r in session.exec(stmt).all()]


def find(desk: Desk, logon: str, query: str, *, limit: int = 20) -> list[EscalationView]:
    """By id or CRN (the command palette)."""
    return list_page(desk, logon, Filters(status="all", text=query), limit=limit)


def show(desk: Desk, logon: str, escalation_id: int, *, viewer_zone: str | None = None) -> EscalationDetail:
    """One escalation with its due-time working (C8), notes and history."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        _require_visible(desk, actor, esc)
        view = view_of(session, escalation_id)
        site = session.get(Site, esc.site_id)
        assert site is not None
        cal = desk.calendar(site)
        viewer = zone(viewer_zone) if viewer_zone else None  # C9: the working in the viewer's zone
        result = due_for(desk, esc, cal, explain=True, contact_at=contact_time(session, esc), viewer=viewer)
        names = {
            s.id: s.logon
            for s in session.exec(select(Staff).where(col(Staff.id).in_(_staff_ids(session, escalation_id)))).all()
        }
        notes = [
            NoteView(n.id or 0, names.get(n.author_id, "?"), n.created_at, n.kind, n.text, n.refers_to_id)
            for n in session.exec(select(Note).where(Note.escalation_id == escalation_id).order_by(col(Note.id))).all()
        ]
        events = [
            EventView(e.at, names.get(e.actor_id) if e.actor_id else None, e.kind, parse_detail(e.detail))
            for e in session.exec(
                select(Event).where(Event.escalation_id == escalation_id).order_by(col(Event.id))
            ).all()
        ]
        deadlines = [
            {"rule": d.rule, "kind": d.kind, "id": d.id, "label": d.label, "at": d.at, "met": d.met}
            for d in result.deadlines
        ]
        return EscalationDetail(
            view,
            notes,
            events,
            result.explain,
            deadlines,
            result.follow_ups,
            requirements=requirements(desk, esc),
            zone=site.zone,
        )


def _staff_ids(session: Session, escalation_id: int) -> set[int]:
    ids = set(session.exec(select(Note.author_id).where(Note.escalation_id == escalation_id)).all())
    ids |= {i for i in session.exec(select(Event.actor_id).where(Event.escalation_id == escalation_id)).all() if i}
    return ids


def requirements(desk: Desk, esc: Escalation) -> dict[str, Any]:
    """Open documentation requirements (D1, D2) shown on the escalation."""
    d1 = {f: bool(getattr(esc, f, "")) for f in desk.policy.section("documentation").get("d1_fields", [])}
    return {
        "d1": d1,
        "file_note": esc.file_note_done,
        "d2_doc_required": esc.d2_doc_required,
        "d2_doc_done": esc.d2_doc_done,
        "d2_record_checked": esc.d2_record_checked,
        "callback_required": esc.callback_required,
    }


def _require_visible(desk: Desk, actor: Actor, esc: Escalation) -> None:
    if can_see_all(desk.policy, actor) and esc.centre_id == actor.centre_id:
        return
    if actor.id in (esc.raised_by_id, esc.owner_id):
        return
    raise PermissionDenied(
        f"refused: escalation {esc.id} is not yours to see; ask your Senior Practitioner or Team Leader"
    )


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
    require(desk.policy, actor, "raise", category=category)
    raw_cat = desk.policy.section("categories").get(category, {})
    crn_value = normalise_crn(crn, optional=not raw_cat.get("crn_required", False))
    if raw_cat.get("needs_stop_payment_doc") and doc_id is None:
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
        status="new",
        eped=eped,
        contact_id=contact_id,
        doc_id=doc_id,
        service_first=clean(service_first, multiline=False).strip(),
        nnu_ref=clean(nnu_ref, multiline=False).strip(),
        about_staff_id=about_staff_id,
        enq1=enq1 or str(raw_cat.get("enq1", "")),
        updated_at=now,
        updated_by_id=actor.id,
    )
    session.add(esc)
    refresh_deadlines(desk, session, esc)
    session.flush()
    record_event(session, now, actor.id, "raised", escalation_id=esc.id, category=category, due=esc.due_at)
    if esc.summary:
        add_note_row(session, esc, actor.id, now, esc.summary, kind="raised")
    return esc


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


def claim(desk: Desk, logon: str, escalation_id: int, note: str | None = None) -> EscalationView:
    """Take ownership atomically: one conditional UPDATE, checked by row count (E11)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        require_work(desk, actor, esc)
        require_open(esc)
        now = desk.now()
        stmt = (
            update(Escalation)
            .where(
                col(Escalation.id) == escalation_id,
                col(Escalation.owner_id).is_(None),
                col(Escalation.closed).is_(False),
            )
            .values(
                owner_id=actor.id,
                status=_status_after_claim(esc.status),
                version=Escalation.version + 1,
                updated_at=now,
                updated_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        )
        if session.exec(stmt).rowcount != 1:  # type: ignore[attr-defined]
            session.expire(esc)
            fresh = load_escalation(session, escalation_id)
            holder = session.get(Staff, fresh.owner_id) if fresh.owner_id else None
            if holder is not None and holder.id == actor.id:
                raise Conflict(f"escalation {escalation_id} is already yours")
            who = f"{holder.name} ({holder.logon})" if holder else "someone else"
            raise Conflict(
                f"escalation {escalation_id} was claimed by {who}: ask them or an SP to reassign it", changed_by=who
            )
        session.expire(esc)
        esc = load_escalation(session, escalation_id)
        record_event(session, now, actor.id, "claimed", escalation_id=escalation_id)
        if note and note.strip():
            add_note_row(session, esc, actor.id, now, note)
            _mark_actioned(desk, session, esc, now)
        session.flush()
        return view_of(session, escalation_id)


def _status_after_claim(status: str) -> str:
    return "in-progress" if status == "new" else status


def _mark_actioned(desk: Desk, session: Session, esc: Escalation, at: datetime) -> None:
    """E3's 'actioned' is the first recorded action (E12)."""
    if esc.actioned_at is None:
        esc.actioned_at = at
        refresh_deadlines(desk, session, esc)


def release(desk: Desk, logon: str, escalation_id: int, *, expected_version: int | None = None) -> EscalationView:
    """The owner lets go; an SP, SSO or TL may release another's claim (E11, R6)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        require_open(esc)
        if esc.owner_id is None:
            raise ValidationError("owner", f"escalation {escalation_id} is not claimed")
        if esc.owner_id != actor.id:
            require(desk.policy, actor, "reassign", centre_id=esc.centre_id)
            check_centre(actor, esc, desk.policy)
        previous = esc.owner_id
        now = desk.now()
        esc.owner_id = None
        if esc.status == "in-progress":
            esc.status = "new"
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        record_event(session, now, actor.id, "released", escalation_id=escalation_id, previous_owner=previous)
        return view_of(session, escalation_id)


def assign(
    desk: Desk, logon: str, escalation_id: int, to: str, *, expected_version: int | None = None
) -> EscalationView:
    """An SP, SSO or TL reassigns, to an SP/SSO or pool staff (W5)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        require(desk.policy, actor, "reassign", centre_id=esc.centre_id)
        check_centre(actor, esc, desk.policy)
        require_open(esc)
        target = staff_by_logon(session, to)
        if not target.active:
            raise ValidationError("to", f"{to} is inactive")
        if target.centre_id != esc.centre_id:
            raise ValidationError("to", f"{to} works in another Centre")
        if not can_work(desk.policy, target, actor.channel):
            raise ValidationError(
                "to",
                f"{to} is a {target.role} and cannot work escalations: choose an SP, an SSO or a member of the SP development pool (W5)",
            )
        now = desk.now()
        previous = esc.owner_id
        esc.owner_id = target.id
        esc.status = _status_after_claim(esc.status)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        record_event(session, now, actor.id, "assigned", escalation_id=escalation_id, to=to, previous_owner=previous)
        return view_of(session, escalation_id)


def add_note(
    desk: Desk, logon: str, escalation_id: int, text: str, *, kind: str = "note", refers_to: int | None = None
) -> NoteView:
    """Append a note (D3); allowed on finalised items too (F3). A note by the owner is an action (E12)."""
    if kind not in ("note", "correction", "file-note"):
        raise ValidationError("kind", "a note is a note, a correction or a file-note")
    if kind == "correction" and refers_to is None:
        raise ValidationError("refers_to", "a correction names the note it corrects")
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id)
        _require_visible(desk, actor, esc)
        now = desk.now()
        note = add_note_row(session, esc, actor.id, now, text, kind=kind, refers_to=refers_to)
        session.flush()
        record_event(session, now, actor.id, "note", escalation_id=escalation_id, note_id=note.id, note_kind=kind)
        if esc.owner_id == actor.id and not esc.closed:
            _mark_actioned(desk, session, esc, now)
            touch(esc, actor, now)
            flush_or_conflict(session, esc)
        return NoteView(note.id or 0, actor.logon, now, kind, note.text, refers_to)


def record_follow_up(
    desk: Desk, logon: str, escalation_id: int, text: str, *, expected_version: int | None = None
) -> EscalationView:
    """Record a follow-up or review (E3, E9, E10): sets the next one on and re-refers (E12)."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        esc = load_escalation(session, escalation_id, expected_version)
        require_work(desk, actor, esc)
        require_open(esc)
        fu = desk.policy.categories[esc.category].followup
        if fu.kind == "none":
            raise ValidationError(
                "category", f"{esc.category} escalations have no follow-up schedule of their own ({fu.rule})"
            )
        if fu.anchor == "referred" and esc.status not in ("referred", "awaiting-follow-up"):
            raise ValidationError(
                "status", f"escalation {escalation_id} is not referred: follow-ups apply to referrals (E9)"
            )
        now = desk.now()
        kind = "review" if fu.kind == "review" else "follow-up"
        add_note_row(session, esc, actor.id, now, text, kind=kind)
        esc.last_follow_up_at = now
        if esc.status == "awaiting-follow-up":
            esc.status = "referred"
        _mark_actioned(desk, session, esc, now)
        refresh_deadlines(desk, session, esc)
        touch(esc, actor, now)
        flush_or_conflict(session, esc)
        record_event(session, now, actor.id, kind, escalation_id=escalation_id, next=esc.next_follow_up_at)
        return view_of(session, escalation_id)


def sweep(desk: Desk, *, limit: int = 10_000) -> int:
    """Move referred items whose follow-up fell due to awaiting-follow-up (E12)."""
    now = desk.now()
    with desk.store.write() as session:
        due = session.exec(
            select(Escalation)
            .where(Escalation.status == "referred", Escalation.next_follow_up_at <= now)  # type: ignore[operator]
            .limit(limit)
        ).all()
        for esc in due:
            esc.status = "awaiting-follow-up"
            esc.updated_at = now
            record_event(session, now, None, "follow-up-due", escalation_id=esc.id, due=esc.next_follow_up_at)
        session.flush()
        return len(due)


def who_may(desk: Desk, logon: str, action: str, *, category: str | None = None) -> str | None:
    """None if the user may do ``action``; else the reason (for screens to grey out actions)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        return allowed(desk.policy, actor, action, category=category)
