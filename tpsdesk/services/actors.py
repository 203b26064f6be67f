"""Who is acting (the signed-in staff member as domain facts) and the R6 checks
that are not about one escalation (record a contact, build a DOC, export)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tpsdesk.domain import access
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import Channel, Permission, Role, W5Group
from tpsdesk.errors import NotFound, PermissionDenied
from tpsdesk.models import Centre, Staff
from tpsdesk.policy import Policy


def actor_for(session: Session, logon: str | None) -> Actor:
    if not logon:
        raise NotFound("no user given: pass --user LOGON or set TPSDESK_USER")
    row = session.exec(
        select(Staff, Centre).join(Centre, col(Centre.id) == Staff.centre_id).where(Staff.logon == logon)
    ).first()
    if row is None:
        raise NotFound(f"user {logon!r} is not a staff member here: check the logon ID (tpsdesk staff list)")
    staff, centre = row
    if not staff.active:
        raise PermissionDenied(f"user {logon!r} is inactive")
    assert staff.id is not None and centre.id is not None
    return Actor(
        staff.id,
        staff.logon,
        staff.name,
        Role(staff.role),
        centre.id,
        staff.site_id,
        Channel(centre.channel),
        W5Group(staff.w5_group),
    )


def staff_by_logon(session: Session, logon: str, *, field_name: str = "to") -> Staff:
    staff = session.exec(select(Staff).where(Staff.logon == logon)).first()
    if staff is None:
        raise NotFound(f"{field_name}: no staff member with logon {logon!r}")
    return staff


def allowed(
    policy: Policy, actor: Actor, action: str, *, category: str | None = None, centre_id: int | None = None
) -> str | None:
    """None when the R6 matrix allows ``action``, else the reason (R5, R6, W5, S4)."""
    refusal = access.may_do(policy, actor, Permission(action), category=category, centre_id=centre_id)
    return None if refusal is None else refusal.text.removeprefix("refused: ")


def require(
    policy: Policy, actor: Actor, action: str, *, category: str | None = None, centre_id: int | None = None
) -> None:
    reason = allowed(policy, actor, action, category=category, centre_id=centre_id)
    if reason is not None:
        raise PermissionDenied(f"refused: {reason}")


def staff_actor(staff: Staff, channel: str) -> Actor:
    """A staff row as the domain's facts, in their Centre's ``channel`` (a colleague, not the signed-in actor)."""
    return Actor(
        staff.id or 0, staff.logon, staff.name, Role(staff.role), staff.centre_id, staff.site_id,
        Channel(channel), W5Group(staff.w5_group),
    )  # fmt: skip


def can_work(policy: Policy, staff: Staff, channel: str) -> bool:
    """W5: may this staff member process escalations (the dashboard's idle workers)?"""
    return access.may_do(policy, staff_actor(staff, channel), Permission.WORK) is None
