"""Transitional re-exports of the service helpers' new homes (desk, actors,
history, uow); imports move to those modules and this module then goes."""

from __future__ import annotations

from tpsdesk.domain.access import scope, sees_whole_centre, unseen
from tpsdesk.domain.facts import Actor
from tpsdesk.errors import PermissionDenied
from tpsdesk.models import Escalation
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for, allowed, can_work, require, staff_by_logon
from tpsdesk.services.desk import Desk, site_calendar
from tpsdesk.services.history import add_note_row, record_event
from tpsdesk.services.uow import apply_schedule as refresh_deadlines
from tpsdesk.services.uow import conflict_for, flush_or_conflict, load_escalation
from tpsdesk.text import single_line as one_line


def require_visible(policy: Policy, actor: Actor, esc: Escalation) -> None:
    """R5: the actor may see the escalation (the domain's scope), else the refusal."""
    sc = scope(policy, actor)
    visible = esc.centre_id == sc.centre_id if sc.whole_centre else sc.actor_id in (esc.raised_by_id, esc.owner_id)
    if not visible:
        raise PermissionDenied(unseen(esc.id or 0).text)


def can_see_all(policy: Policy, actor: Actor) -> bool:
    return sees_whole_centre(policy, actor)


__all__ = [
    "Actor",
    "Desk",
    "actor_for",
    "add_note_row",
    "allowed",
    "can_see_all",
    "can_work",
    "conflict_for",
    "flush_or_conflict",
    "load_escalation",
    "one_line",
    "record_event",
    "refresh_deadlines",
    "require",
    "require_visible",
    "site_calendar",
    "staff_by_logon",
]
