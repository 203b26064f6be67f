"""Feedback on technical correctness (E7) and conduct concerns (I10).

smart-centre: once it is found that a TPS gave technically incorrect
information, feedback goes to that TPS's Team Leader. comp-recovery: once
confirmed, the SSO gives feedback to the TPS officer through the Staff
Feedback Tool (only an SSO records it there). A conduct concern goes to the
raiser's own Team Leader. Each is a Feedback row, an outbox message for the
recipient and a history event, in one transaction (D3).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tpsdesk.errors import PermissionDenied, ValidationError
from tpsdesk.models import Feedback, Outbox, Staff
from tpsdesk.services.common import (
    Actor,
    Desk,
    actor_for,
    load_escalation,
    record_event,
    require,
    require_visible,
    staff_by_logon,
)
from tpsdesk.services.views import jsonable
from tpsdesk.text import clean

KINDS = ("feedback", "conduct")


@dataclass(frozen=True)
class FeedbackView:
    id: int
    kind: str
    to: str | None  # logon of the recipient
    route: str
    about: str | None
    created_at: datetime
    to_name: str | None = None
    channel: str = ""

    def to_json(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def _team_leader(session: Session, staff: Staff, whose: str) -> Staff:
    tl = session.get(Staff, staff.team_leader_id) if staff.team_leader_id else None
    if tl is None:
        raise ValidationError(
            "team_leader",
            f"{whose} ({staff.logon}) has no Team Leader recorded: set it with 'tpsdesk staff' first, then record this again",
        )
    return tl


def _route(desk: Desk, session: Session, actor: Actor, about: Staff, kind: str, confirmed: bool) -> tuple[Staff, str]:
    """The recipient and the routing text, per channel (E7) or to the raiser's TL (I10)."""
    fb = desk.policy.section("feedback")
    if kind == "conduct":  # I10: raised with the raiser's own Team Leader
        me = session.get(Staff, actor.id)
        assert me is not None
        return _team_leader(session, me, "you"), str(fb.get("routes", {}).get("conduct", "To your Team Leader (I10)."))
    recorders = fb.get("recorders", {}).get(actor.channel)
    if recorders is not None and actor.role not in recorders:
        where = desk.policy.channel(actor.channel).get("escalate_to_label", "the right officer")
        raise PermissionDenied(
            f"refused: in {desk.policy.channel(actor.channel).get('label', actor.channel)} feedback on a TPS officer "
            f"is recorded by {' or '.join(recorders)} (E7); raise your concern with {where}"
        )
    if not confirmed:
        raise ValidationError(
            "confirmed",
            "feedback goes only once it is confirmed that incorrect information was given (E7): check it first, then confirm",
        )
    route = str(desk.policy.channel(actor.channel).get("feedback_route_text", ""))
    if desk.policy.channel(actor.channel).get("feedback_to") == "tps_officer":
        return about, route  # comp-recovery: to the TPS officer, Staff Feedback Tool
    return _team_leader(session, about, "the TPS officer"), route  # smart-centre: the TPS's Team Leader


def give_feedback(
    desk: Desk,
    logon: str,
    *,
    about: str,
    text: str,
    kind: str = "feedback",
    confirmed: bool = False,
    escalation_id: int | None = None,
) -> FeedbackView:
    """Record feedback (E7) or a conduct concern (I10) and route it to the right person."""
    if kind not in KINDS:
        raise ValidationError("kind", f"{kind!r} is not a kind of feedback: use {' or '.join(KINDS)}")
    body = clean(text).strip()
    if not body:
        raise ValidationError("text", "say what happened: the feedback text is empty")
    about_logon = clean(about or "", multiline=False).strip()
    if not about_logon:
        raise ValidationError("about", "name the staff member (logon) the feedback is about")
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        require(desk.policy, actor, "feedback")
        subject = staff_by_logon(session, about_logon, field_name="about")
        if subject.id == actor.id:
            raise ValidationError("about", "feedback is about another staff member, not yourself")
        if kind == "feedback" and subject.role != "TPS":
            raise ValidationError(
                "about",
                f"{subject.logon} is a {subject.role}: feedback on incorrect information is about a TPS officer (E7)",
            )
        if escalation_id is not None:
            esc = load_escalation(session, escalation_id)
            require_visible(desk.policy, actor, esc)
        to, route = _route(desk, session, actor, subject, kind, confirmed)
        now = desk.now()
        row = Feedback(
            kind=kind,
            channel=actor.channel,
            raised_by_id=actor.id,
            about_staff_id=subject.id,
            to_staff_id=to.id,
            route=route,
            text=body,
            created_at=now,
            escalation_id=escalation_id,
        )
        session.add(row)
        session.flush()
        subject_line = "Conduct concern" if kind == "conduct" else "Feedback on technical correctness"
        session.add(
            Outbox(
                created_at=now,
                kind=kind,
                recipient=to.email or to.logon,
                subject=f"{subject_line} about {subject.name} ({subject.logon})",
                body=f"{body}\n\nRaised by {actor.name} ({actor.logon}). {route}",
            )
        )
        record_event(
            session,
            now,
            actor.id,
            kind,
            escalation_id=escalation_id,
            feedback_id=row.id,
            to=to.logon,
            about=subject.logon,
        )
        return FeedbackView(row.id or 0, kind, to.logon, route, subject.logon, now, to.name, actor.channel)


def list_feedback(desk: Desk, logon: str, *, limit: int = 100) -> list[FeedbackView]:
    """Feedback and concerns sent to the user (a TL receives them, E7, R4) or raised by them, newest first."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        rows = session.exec(
            select(Feedback)
            .where(or_(Feedback.to_staff_id == actor.id, Feedback.raised_by_id == actor.id))
            .order_by(col(Feedback.id).desc())
            .limit(max(1, limit))
        ).all()
        ids = {i for r in rows for i in (r.to_staff_id, r.about_staff_id) if i}
        staff = {s.id: s for s in session.exec(select(Staff).where(col(Staff.id).in_(ids))).all()} if ids else {}

        def logon_of(staff_id: int | None) -> str | None:
            return staff[staff_id].logon if staff_id in staff else None

        return [
            FeedbackView(
                r.id or 0,
                r.kind,
                logon_of(r.to_staff_id),
                r.route,
                logon_of(r.about_staff_id),
                r.created_at,
                staff[r.to_staff_id].name if r.to_staff_id in staff else None,
                r.channel,
            )
            for r in rows
        ]
