"""R5: the three checks every action on an escalation makes, on every path.

1. may see (R1, the Centre, W5): ``may_see``, with its SQL twin ``scope``;
2. may do (R6, the permission matrix, S4, W5): ``may_do``;
3. holds the claim, or may act on another's (E11, R4): ``may_hold``.

Each returns None when allowed, else a ``Refusal`` whose text says why and
what to do. A refusal about an item the actor may not see names nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tpsdesk.domain.facts import Actor, Item
from tpsdesk.domain.vocab import Category, Grant, Permission
from tpsdesk.policy import Policy
from tpsdesk.text import a_or_an


class Why(StrEnum):
    """The kind of a refusal: the paths map it to their error (exit code, dialog)."""

    UNSEEN = "unseen"  # R5: not the actor's to see
    PERMISSION = "permission"  # R6
    CENTRE = "centre"  # R3: another Centre's item
    CLAIM = "claim"  # E11: another officer holds it
    STATUS = "status"  # E12: not allowed in this status
    RULE = "rule"  # another rule refuses it (E5b, F1, ...)


@dataclass(frozen=True, slots=True)
class Refusal:
    why: Why
    text: str
    field: str = ""  # the input to fix, for a RULE or STATUS refusal

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Scope:
    """What an actor may see, as a filter the store turns into SQL (R1, R4, W5)."""

    centre_id: int
    whole_centre: bool  # the Centre's queue; else only what they raised or hold
    actor_id: int


def may_do(
    policy: Policy,
    actor: Actor,
    permission: Permission,
    *,
    category: str | None = None,
    centre_id: int | None = None,
) -> Refusal | None:
    """R6 for the actor's channel and role; "pool" needs a W5 group, "arrears" an arrears item (S4)."""
    grant = policy.permissions.grant(actor.channel, actor.role, permission)
    label = policy.permissions.label(permission)
    if grant is Grant.YES:
        return None
    if grant is Grant.POOL:
        if actor.sp_pool:
            return None
        return Refusal(
            Why.PERMISSION,
            f"refused: {a_or_an(actor.role)} may {label} only when in a W5 group (high-performing TPS or the SP "
            "development pool); ask a Senior Practitioner to assign it",
        )
    if grant is Grant.ARREARS:
        if category in (None, Category.ARREARS):
            return None
        return Refusal(
            Why.PERMISSION,
            f"refused: {a_or_an(actor.role)} may {label} only for incorrect arrears (S4); other escalations go through TPS",
        )
    if grant is Grant.OWN_CENTRE:
        if centre_id is None or centre_id == actor.centre_id:
            return None
        return Refusal(Why.CENTRE, f"refused: {a_or_an(actor.role)} may {label} only within their own Centre")
    return Refusal(Why.PERMISSION, f"refused: {a_or_an(actor.role)} may not {label} (R6)")


def sees_whole_centre(policy: Policy, actor: Actor) -> bool:
    """R4, W5: SP, SSO, TL, and W5 staff who may process the Centre's escalations."""
    return may_do(policy, actor, Permission.SEE_ALL) is None or may_do(policy, actor, Permission.WORK) is None


def outbox_scope(policy: Policy, actor: Actor) -> bool:
    """I7, E7: True when the actor sees the Centre's outbox (those who watch the floor, R4:
    the dashboard's SP, SSO and TL; the floor's admin is a TL); else only the messages
    addressed to them (R1)."""
    return may_do(policy, actor, Permission.DASHBOARD) is None


def scope(policy: Policy, actor: Actor) -> Scope:
    """The SQL twin of ``may_see``: built from the same policy, so the two never disagree."""
    return Scope(actor.centre_id, sees_whole_centre(policy, actor), actor.id)


def sees(sc: Scope, centre_id: int, raised_by_id: int, owner_id: int | None) -> bool:
    """``scope`` applied to one item's three facts, exactly as the store's filter applies it."""
    if sc.whole_centre:
        return centre_id == sc.centre_id
    return sc.actor_id in (raised_by_id, owner_id)


def in_scope(sc: Scope, item: Item) -> bool:
    return sees(sc, item.centre_id, item.raised_by_id, item.owner_id)


def may_see(policy: Policy, actor: Actor, item: Item) -> Refusal | None:
    """R1, R4, W5: the Centre's items for those who see it whole, else one's own."""
    if in_scope(scope(policy, actor), item):
        return None
    return unseen(item.id)


def unseen(escalation_id: int) -> Refusal:
    """R5: the same words whether the item exists elsewhere or not, so nothing of it leaks."""
    return Refusal(
        Why.UNSEEN,
        f"refused: escalation {escalation_id} is not yours to see; ask your Senior Practitioner or Team Leader",
    )


def same_centre(actor: Actor, item: Item) -> Refusal | None:
    """R3: staff work their own Centre's escalations."""
    if item.centre_id == actor.centre_id:
        return None
    return Refusal(Why.CENTRE, f"refused: escalation {item.id} belongs to another Centre")


def may_hold(policy: Policy, actor: Actor, item: Item, *, others: bool = False) -> Refusal | None:
    """E11, R4: work on a claimed item is done by its holder. With ``others`` (release,
    reassign) an officer who may reassign within the Centre may act on another's claim."""
    if item.owner_id is None or item.owner_id == actor.id:
        return None
    if others and may_do(policy, actor, Permission.REASSIGN, centre_id=item.centre_id) is None:
        return None
    who = item.owner_label or "another officer"
    return Refusal(
        Why.CLAIM,
        f"refused: escalation {item.id} is claimed by {who}: ask them, or an SP or TL to reassign it (E11)",
    )


def may_be_assigned(policy: Policy, target: Actor, item: Item, *, active: bool = True) -> Refusal | None:
    """W5, R3, E11: who an escalation may be assigned to: an active member of the item's
    Centre who may work it (an SP or SSO, or a W5 group's member). The assign picker offers
    exactly these and the assignment asks the same rule, so nobody offered is refused."""
    if not active:
        return Refusal(Why.RULE, f"{target.logon} is inactive", "to")
    if target.centre_id != item.centre_id:
        return Refusal(Why.RULE, f"{target.logon} works in another Centre", "to")
    if may_do(policy, target, Permission.WORK, category=item.category) is not None:
        return Refusal(
            Why.RULE,
            f"{target.logon} is {a_or_an(target.role)} and cannot work escalations: choose an SP, an SSO or a member "
            "of a W5 group (high-performing TPS or the SP development pool)",
            "to",
        )
    return None
