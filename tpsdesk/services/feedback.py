"""Concerns about a TPS officer's information and their feedback (E7); conduct concerns (I10).

E7 is two steps, by two people:
1. anyone raises a concern that a TPS gave technically incorrect information
   (``raise_concern``), in smart-centre with a TL or SP, who is told of it;
2. an officer who may ``confirm_feedback`` (R6: smart-centre SP and TL,
   comp-recovery SSO), and who did not raise it, finds out and records the
   finding (``confirm_concern``). Only when they record that incorrect
   information was given does feedback go: in smart-centre to that TPS's Team
   Leader, in comp-recovery to the TPS officer through the Staff Feedback Tool.
A conduct concern goes at once to the raiser's own Team Leader (I10).

The Feedback row's ``kind`` is where it stands (``FeedbackKind``); its
``to_staff_id`` is who has it now (the officer it was raised with, then the
recipient of the feedback). Each step is the row, an outbox message for the
person who must act and a history event, in one transaction (D3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import Grant, Permission, Role
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Feedback, Staff
from tpsdesk.services.actors import actor_for, require, staff_by_logon
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.mail import queue
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import load_escalation, require_visible
from tpsdesk.services.views import json_fields
from tpsdesk.text import a_or_an, clean, single_line


class FeedbackKind(StrEnum):
    """Where a Feedback row stands (stored in ``Feedback.kind``)."""

    CONCERN = "concern"  # E7: raised, not yet found out
    FEEDBACK = "feedback"  # E7: incorrect information confirmed; feedback sent
    UNFOUNDED = "unfounded"  # E7: found that the information was not incorrect
    CONDUCT = "conduct"  # I10


KINDS = (FeedbackKind.FEEDBACK, FeedbackKind.CONDUCT)  # what a person raises

# E7: one message on every path (service, CLI), whoever the raiser is.
OWN_CONCERN = (
    "refused: you raised this concern, so you cannot confirm it: the officer it was raised with "
    "finds out whether the information was incorrect and records it (E7)"
)


@dataclass(frozen=True)
class FeedbackView:
    id: int
    kind: str
    to: str | None  # logon of who has it now (the recipient)
    route: str
    about: str | None
    created_at: datetime
    to_name: str | None = None
    channel: str = ""
    raised_by: str | None = None
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)


def _team_leader(session: Session, staff: Staff, whose: str) -> Staff:
    tl = session.get(Staff, staff.team_leader_id) if staff.team_leader_id else None
    if tl is None:
        raise ValidationError(
            "team_leader",
            f"{whose} ({staff.logon}) has no Team Leader recorded: set it with 'tpsdesk staff' first, then record this again",
        )
    return tl


def _clean_inputs(about: str, text: str) -> tuple[str, str]:
    body = clean(text).strip()
    if not body:
        raise ValidationError("text", "say what happened: the feedback text is empty")
    about_logon = single_line(about)
    if not about_logon:
        raise ValidationError("about", "name the staff member (logon) the feedback is about")
    return about_logon, body


def _raised_with(desk: Desk, session: Session, actor: Actor, logon: str, subject: Staff) -> Staff:
    """E7: the officer a concern is raised with is one of the Centre who may confirm it."""
    staff = staff_by_logon(session, single_line(logon), field_name="with")
    if staff.id == actor.id:
        raise ValidationError("with", "raise the concern with another officer: you cannot confirm your own (E7)")
    may = desk.policy.permissions.grant(actor.channel, staff.role, Permission.CONFIRM_FEEDBACK) == Grant.YES
    if staff.centre_id != actor.centre_id or not staff.active or not may or staff.id == subject.id:
        grants = desk.policy.permissions
        roles = [r for r in Role if grants.grant(actor.channel, r, Permission.CONFIRM_FEEDBACK) == Grant.YES]
        raise ValidationError(
            "with",
            f"{staff.logon} cannot find out this concern: raise it with a {' or '.join(roles)} of your Centre (E7)",
        )
    return staff


def _mail(session: Session, at: datetime, kind: str, to: Staff, subject: str, body: str) -> None:
    """The message to the officer who must act (E7, I10), in the outbox of their Centre."""
    queue(session, at, kind=kind, recipient=to.email or to.logon, subject=subject, body=body,
          centre_id=to.centre_id, recipient_id=to.id)  # fmt: skip


@typed_input(lines={"text": "the feedback"})
@transaction
def raise_concern(
    desk: Desk,
    logon: str,
    *,
    about: str,
    text: str,
    kind: str = FeedbackKind.FEEDBACK,
    raised_with: str | None = None,
    escalation_id: int | None = None,
) -> FeedbackView:
    """E7: a concern that a TPS gave technically incorrect information, or (I10) a conduct concern.

    A concern goes to no Team Leader yet: only the officer it is raised with (if
    named) is told, so they can find out (``confirm_concern``).
    """
    if kind not in KINDS:
        raise ValidationError("kind", f"{kind!r} is not a kind of feedback: use {' or '.join(KINDS)}")
    about_logon, body = _clean_inputs(about, text)
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        require(desk.policy, actor, Permission.FEEDBACK)
        subject = staff_by_logon(session, about_logon, field_name="about")
        if subject.id == actor.id:
            raise ValidationError("about", "feedback is about another staff member, not yourself")
        if kind == FeedbackKind.FEEDBACK and subject.role != Role.TPS:
            raise ValidationError(
                "about",
                f"{subject.logon} is {a_or_an(subject.role)}: feedback on incorrect information is about a TPS officer (E7)",
            )
        if escalation_id is not None:
            require_visible(desk.policy, actor, load_escalation(session, escalation_id))
        now = desk.now()
        to: Staff | None
        if kind == FeedbackKind.CONDUCT:  # I10: raised with the raiser's own Team Leader
            me = session.get(Staff, actor.id)
            assert me is not None
            to = _team_leader(session, me, "you")
            route = desk.policy.feedback.routes.conduct
            stored = FeedbackKind.CONDUCT
        else:
            to = _raised_with(desk, session, actor, raised_with, subject) if raised_with else None
            route = desk.policy.feedback.routes.concern
            stored = FeedbackKind.CONCERN
        row = Feedback(
            kind=stored,
            channel=actor.channel,
            raised_by_id=actor.id,
            about_staff_id=subject.id,
            to_staff_id=to.id if to else None,
            route=route,
            text=body,
            created_at=now,
            escalation_id=escalation_id,
        )
        session.add(row)
        session.flush()
        if to is not None:
            if stored == FeedbackKind.CONDUCT:
                title = f"Conduct concern about {subject.name} ({subject.logon})"
                tail = route
            else:
                title = f"Concern {row.id}: information given by {subject.name} ({subject.logon})"
                tail = f"Find out whether it was incorrect and record it: tpsdesk feedback confirm {row.id} (E7)."
            _mail(session, now, stored, to, title, f"{body}\n\nRaised by {actor.name} ({actor.logon}). {tail}")
        event = "conduct" if stored == FeedbackKind.CONDUCT else "concern-raised"
        record_event(
            session, now, actor.id, event, escalation_id=escalation_id, feedback_id=row.id,
            to=to.logon if to else None, about=subject.logon,
        )  # fmt: skip
        return _view(session, row)


@typed_input(lines={"finding": "the finding"})
@transaction
def confirm_concern(desk: Desk, logon: str, concern_id: int, *, finding: str, incorrect: bool = True) -> FeedbackView:
    """E7: the officer who found out records whether incorrect information was given.

    Only ``incorrect`` sends feedback: smart-centre to the TPS's Team Leader,
    comp-recovery to the TPS officer (Staff Feedback Tool). The raiser never confirms.
    """
    found = clean(finding).strip()
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        row = session.exec(select(Feedback).where(Feedback.id == concern_id).with_for_update()).first()
        raiser = session.get(Staff, row.raised_by_id) if row is not None else None
        if row is None or raiser is None or row.kind in (FeedbackKind.CONDUCT,):
            raise NotFound(f"concern {concern_id} does not exist: check the number (tpsdesk feedback list --open)")
        if raiser.centre_id != actor.centre_id:  # R5: reveals nothing of another Centre's concern
            raise PermissionDenied(f"refused: concern {concern_id} is not yours to see")
        if row.raised_by_id == actor.id:
            raise PermissionDenied(OWN_CONCERN)
        require(desk.policy, actor, Permission.CONFIRM_FEEDBACK)
        if row.kind != FeedbackKind.CONCERN:
            raise Conflict(f"concern {concern_id} was already found out ({row.kind}): it is recorded once")
        if not found:
            raise ValidationError("finding", "say what you found out: whether and how the information was incorrect")
        subject = session.get(Staff, row.about_staff_id) if row.about_staff_id else None
        assert subject is not None
        now = desk.now()
        if not incorrect:
            row.kind = FeedbackKind.UNFOUNDED
            row.to_staff_id = actor.id
            row.route = desk.policy.feedback.routes.unfounded
            record_event(
                session, now, actor.id, "concern-unfounded", escalation_id=row.escalation_id, feedback_id=row.id,
                about=subject.logon, finding=found,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return _view(session, row)
        channel = desk.policy.channels[actor.channel]
        route = channel.feedback_route_text
        # comp-recovery: the SSO gives it to the TPS officer, Staff Feedback Tool;
        # smart-centre: to that TPS's Team Leader.
        to = subject if channel.feedback_to == "tps_officer" else _team_leader(session, subject, "the TPS officer")
        row.kind, row.to_staff_id, row.route = FeedbackKind.FEEDBACK, to.id, route
        session.add(row)
        _mail(
            session, now, FeedbackKind.FEEDBACK, to,
            f"Feedback on technical correctness about {subject.name} ({subject.logon})",
            f"{row.text}\n\nFound: {found}\n\nRaised by {raiser.name} ({raiser.logon}); "
            f"incorrect information confirmed by {actor.name} ({actor.logon}). {route}",
        )  # fmt: skip
        record_event(
            session, now, actor.id, "feedback", escalation_id=row.escalation_id, feedback_id=row.id,
            to=to.logon, about=subject.logon, raised_by=raiser.logon, finding=found,
        )  # fmt: skip
        session.flush()
        return _view(session, row)


@typed_input(lines={"text": "the feedback"})
def give_feedback(
    desk: Desk,
    logon: str,
    *,
    about: str,
    text: str,
    kind: str = FeedbackKind.FEEDBACK,
    confirmed: bool = False,
    raised_with: str | None = None,
    escalation_id: int | None = None,
) -> FeedbackView:
    """The one-call path (CLI ``tpsdesk feedback``): raise a concern or a conduct concern.

    ``confirmed`` would be the raiser confirming their own concern, which E7
    refuses on every path, with the same message as ``confirm_concern``.
    """
    if confirmed and kind == FeedbackKind.FEEDBACK:
        with desk.store.read() as session:
            actor_for(session, logon)  # an unknown user is told so first
        raise PermissionDenied(OWN_CONCERN)
    return raise_concern(
        desk, logon, about=about, text=text, kind=kind, raised_with=raised_with, escalation_id=escalation_id
    )


def _view(session: Session, row: Feedback, staff: dict[int, Staff] | None = None) -> FeedbackView:
    def get(staff_id: int | None) -> Staff | None:
        if staff_id is None:
            return None
        if staff is not None and staff_id in staff:
            return staff[staff_id]
        return session.get(Staff, staff_id)

    to, about, raiser = get(row.to_staff_id), get(row.about_staff_id), get(row.raised_by_id)
    return FeedbackView(
        row.id or 0,
        row.kind,
        to.logon if to else None,
        row.route,
        about.logon if about else None,
        row.created_at,
        to.name if to else None,
        row.channel,
        raiser.logon if raiser else None,
        row.text,
    )


@typed_input()
def list_feedback(desk: Desk, logon: str, *, limit: int = 100, open_concerns: bool = False) -> list[FeedbackView]:
    """Feedback and concerns sent to the user (a TL receives them, E7, R4) or raised by them, newest first.

    ``open_concerns``: instead, the Centre's concerns not yet found out, for an
    officer who may confirm them (E7, R6).
    """
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        query = select(Feedback)
        if open_concerns:
            require(desk.policy, actor, Permission.CONFIRM_FEEDBACK)
            centre_staff = select(Staff.id).where(Staff.centre_id == actor.centre_id)
            query = query.where(Feedback.kind == FeedbackKind.CONCERN, col(Feedback.raised_by_id).in_(centre_staff))
        else:
            query = query.where(or_(col(Feedback.to_staff_id) == actor.id, col(Feedback.raised_by_id) == actor.id))
        rows = session.exec(query.order_by(col(Feedback.id).desc()).limit(max(1, limit))).all()
        ids = {i for r in rows for i in (r.to_staff_id, r.about_staff_id, r.raised_by_id) if i}
        found = session.exec(select(Staff).where(col(Staff.id).in_(ids))).all() if ids else []
        staff = {s.id: s for s in found if s.id is not None}  # stored rows: the id is always set
        return [_view(session, r, staff) for r in rows]
