"""E12: the lifecycle of an escalation, decided in one place.

For each action: the statuses it is allowed from, the status it leads to, and
whether this actor may take it on this item now (R5: may see, may do, holds the
claim). ``offered`` lists every action with allowed or the reason it is not, for
the screens, ``escalation show --json`` and the services alike: a path never
re-derives any of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tpsdesk.domain.access import Refusal, Why, may_do, may_hold, may_see, same_centre
from tpsdesk.domain.facts import Actor, Item
from tpsdesk.domain.referral import direct_category_refusal
from tpsdesk.domain.vocab import OPEN_STATUSES, REFERRED_STATUSES, Action, Permission, ReferMode, Status, Target
from tpsdesk.policy import Policy
from tpsdesk.text import a_or_an

ALL_STATUSES: tuple[Status, ...] = tuple(Status)


@dataclass(frozen=True, slots=True)
class Transition:
    """Where an action may start and where it leads (None: the status is kept)."""

    allowed_from: tuple[Status, ...]
    leads_to: Callable[[Status], Status]


def _keep(status: Status) -> Status:
    return status


def _to(target: Status) -> Callable[[Status], Status]:
    return lambda _status: target


def _claimed(status: Status) -> Status:
    return Status.IN_PROGRESS if status is Status.NEW else status


def _released(status: Status) -> Status:
    return Status.NEW if status is Status.IN_PROGRESS else status


def _followed_up(status: Status) -> Status:
    return Status.REFERRED if status is Status.AWAITING_FOLLOW_UP else status


TRANSITIONS: dict[Action, Transition] = {
    Action.CLAIM: Transition(OPEN_STATUSES, _claimed),
    Action.RELEASE: Transition(OPEN_STATUSES, _released),
    Action.ASSIGN: Transition(OPEN_STATUSES, _claimed),
    Action.NOTE: Transition(ALL_STATUSES, _keep),  # F3: a note even when finalised
    Action.FOLLOW_UP: Transition(OPEN_STATUSES, _followed_up),
    Action.REFER: Transition(OPEN_STATUSES, _to(Status.REFERRED)),
    Action.SERVICE_FIRST: Transition(OPEN_STATUSES, _keep),
    Action.HAND_OFF: Transition(OPEN_STATUSES, _to(Status.REFERRED)),
    Action.DOCUMENT: Transition(OPEN_STATUSES, _claimed),
    Action.FINALISE: Transition(OPEN_STATUSES, _to(Status.FINALISED)),
    Action.REOPEN: Transition((Status.FINALISED,), _to(Status.IN_PROGRESS)),
    Action.WITHDRAW: Transition(OPEN_STATUSES, _to(Status.FINALISED)),
    Action.WHO: Transition(ALL_STATUSES, _keep),
}

# The sweep (E12): a referral whose follow-up fell due waits for it; the system moves it.
SWEEP_FROM: tuple[Status, ...] = (Status.REFERRED,)
SWEEP_TO = Status.AWAITING_FOLLOW_UP

LABELS: dict[Action, str] = {
    Action.CLAIM: "Claim",
    Action.RELEASE: "Release",
    Action.ASSIGN: "Assign",
    Action.NOTE: "Add note",
    Action.FOLLOW_UP: "Record review / follow-up",
    Action.REFER: "Refer",
    Action.SERVICE_FIRST: "ICT Service First number",
    Action.HAND_OFF: "Hand off (ACTDOC)",
    Action.DOCUMENT: "Document (D1, D2)",
    Action.FINALISE: "Finalise",
    Action.REOPEN: "Reopen",
    Action.WITHDRAW: "Withdraw",
    Action.WHO: "Who completes the work",
}


def leads_to(action: Action, status: Status) -> Status:
    """The status after ``action`` from ``status`` (E12)."""
    return TRANSITIONS[action].leads_to(status)


@dataclass(frozen=True, slots=True)
class Offer:
    action: Action
    label: str
    reason: str | None  # None: allowed now; else why not

    @property
    def allowed(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, object]:
        return {"action": self.action.value, "label": self.label, "allowed": self.allowed, "reason": self.reason}


def _status(action: Action, item: Item) -> Refusal | None:
    if item.status in TRANSITIONS[action].allowed_from:
        return None
    if item.closed:
        if action is Action.FINALISE:
            return Refusal(Why.STATUS, f"escalation {item.id} is already finalised (F3)", "status")
        return Refusal(Why.STATUS, f"escalation {item.id} is finalised: reopen it with a reason first (F3)", "status")
    if action is Action.REOPEN:
        return Refusal(Why.STATUS, f"escalation {item.id} is not finalised: there is nothing to reopen", "status")
    return Refusal(Why.STATUS, f"{action.value} is not allowed while escalation {item.id} is {item.status}", "status")


def _first(*checks: Callable[[], Refusal | None]) -> Refusal | None:
    for check in checks:
        refusal = check()
        if refusal is not None:
            return refusal
    return None


def _work(policy: Policy, actor: Actor, item: Item) -> Refusal | None:
    return may_do(policy, actor, Permission.WORK, category=item.category)


def refer_mode(policy: Policy, actor: Actor, item: Item, target: str) -> ReferMode | Refusal:
    """How this actor refers to ``target``: working the item (SP, SSO, W5), directly to
    ICT under E5b (a TPS, system issues only), or as an extra role (E6: a comp-recovery TL
    to the helpdesk). The work refusal when none applies."""
    no_work = _work(policy, actor, item)
    if no_work is None:
        return ReferMode.WORK
    if target == Target.ICT and may_do(policy, actor, Permission.REFER_DIRECT) is None:
        refused = direct_category_refusal(policy, item.category)
        if refused is not None:
            return Refusal(Why.PERMISSION, f"refused: {refused}")
        return ReferMode.DIRECT
    if actor.role in policy.referral.extra_roles.get(target, ()):
        return ReferMode.EXTRA
    if target == Target.ICT:  # neither path is theirs: say both, on every path alike (R5)
        return Refusal(
            Why.PERMISSION,
            f"refused: {a_or_an(actor.role)} may neither {policy.permissions.label(Permission.WORK)} nor "
            f"{policy.permissions.label(Permission.REFER_DIRECT)} (R6)",
        )
    return no_work


def _may_refer_somewhere(policy: Policy, actor: Actor, item: Item) -> Refusal | None:
    refusals = []
    for target in policy.referral.targets_for(item.channel):
        mode = refer_mode(policy, actor, item, target)
        if not isinstance(mode, Refusal):
            return None
        refusals.append(mode)
    return refusals[0] if refusals else Refusal(Why.RULE, "no referral target is offered in this channel", "target")


def _follow_up_applies(policy: Policy, item: Item) -> Refusal | None:
    """E2, E3, E9, E10: a follow-up or review is recorded where the category's schedule runs."""
    fu = policy.categories[item.category].followup
    if fu.kind == "none":
        return Refusal(
            Why.RULE,
            f"{item.category} escalations have no follow-up schedule of their own ({fu.rule}); "
            "a note moves the progress check on (E13)",
            "category",
        )
    if fu.anchor == "referred" and item.status not in REFERRED_STATUSES:
        return Refusal(
            Why.STATUS, f"escalation {item.id} is not referred: follow-ups apply to referrals (E9)", "status"
        )
    if fu.anchor == "actioned" and item.actioned_at is None:
        return Refusal(
            Why.STATUS,
            f"escalation {item.id} has not been actioned yet: the review follows its first action ({fu.rule})",
            "status",
        )
    return None


def _withdraw(policy: Policy, actor: Actor, item: Item) -> Refusal | None:
    """A mistaken escalation: its raiser may withdraw it while nobody else holds it;
    those who work the Centre's items may withdraw any they may hold (E12, E11)."""
    if _work(policy, actor, item) is None:
        return may_hold(policy, actor, item)
    if item.raised_by_id != actor.id:
        return _work(policy, actor, item)
    if item.owner_id not in (None, actor.id):
        return Refusal(
            Why.CLAIM,
            f"refused: escalation {item.id} is already held by another officer, "
            f"{item.owner_label or 'not you'}: ask them or an SP to withdraw it",
        )
    return None


def decide(policy: Policy, actor: Actor, item: Item, action: Action, *, target: str | None = None) -> Refusal | None:
    """None when ``actor`` may take ``action`` on ``item`` now; else the first refusal,
    in R5's order: may see, may do, status, holds the claim."""
    seen = may_see(policy, actor, item)
    if seen is not None:
        return seen

    def centre() -> Refusal | None:
        return same_centre(actor, item)

    def status() -> Refusal | None:
        return _status(action, item)

    def work() -> Refusal | None:
        return _work(policy, actor, item)

    def hold() -> Refusal | None:
        return may_hold(policy, actor, item)

    if action in (Action.NOTE, Action.WHO):
        return None
    if action is Action.CLAIM:
        return _first(work, centre, status, lambda: _claimable(item, actor))
    if action is Action.RELEASE:
        return _first(
            status,
            lambda: (
                None
                if item.owner_id is not None
                else Refusal(Why.STATUS, f"escalation {item.id} is not claimed", "owner")
            ),
            lambda: may_hold(policy, actor, item, others=True),
            lambda: None if item.owner_id == actor.id else centre(),
        )
    if action is Action.ASSIGN:
        return _first(lambda: may_do(policy, actor, Permission.REASSIGN, centre_id=item.centre_id), centre, status)
    if action is Action.FOLLOW_UP:
        return _first(work, centre, status, lambda: _follow_up_applies(policy, item), hold)
    if action in (Action.REFER, Action.HAND_OFF):
        chosen = Target.ACTDOC if action is Action.HAND_OFF else target

        def mode() -> Refusal | None:
            if chosen is None:
                return _may_refer_somewhere(policy, actor, item)
            got = refer_mode(policy, actor, item, chosen)
            return got if isinstance(got, Refusal) else None

        return _first(centre, status, mode, hold)
    if action is Action.SERVICE_FIRST:

        def may_record() -> Refusal | None:
            if work() is None or may_do(policy, actor, Permission.REFER_DIRECT) is None:
                return None
            return work()

        return _first(centre, status, may_record, hold)
    if action in (Action.DOCUMENT, Action.FINALISE):
        return _first(work, centre, status, hold)
    if action is Action.REOPEN:
        return _first(work, centre, status)
    if action is Action.WITHDRAW:
        return _first(centre, status, lambda: _withdraw(policy, actor, item))
    raise ValueError(f"unknown action {action!r}")


def _claimable(item: Item, actor: Actor) -> Refusal | None:
    if item.owner_id is None:
        return None
    if item.owner_id == actor.id:
        return Refusal(Why.CLAIM, f"escalation {item.id} is already yours")
    return Refusal(
        Why.CLAIM,
        f"escalation {item.id} was claimed by {item.owner_label or 'someone else'}: ask them or an SP to reassign it",
    )


def offered(policy: Policy, actor: Actor, item: Item) -> list[Offer]:
    """Every action, in a fixed order, with allowed or the reason it is not (E12, R5)."""
    out = []
    for action in Action:
        refusal = decide(policy, actor, item, action)
        out.append(Offer(action, LABELS[action], None if refusal is None else refusal.text))
    return out


@dataclass(frozen=True, slots=True)
class Stamp:
    """The action times after a recorded action (E3, E12, E13, D4)."""

    actioned_at: datetime | None
    last_action_at: datetime | None
    record_updated_at: datetime | None


def mark_actioned(item: Item, at: datetime, *, record_update: bool = False) -> Stamp:
    """A recorded action at ``at``: E3's "actioned" is the first one (E12); every one
    moves E13's progress check on; a recorded update of the customer's record meets D4's."""
    return Stamp(
        actioned_at=item.actioned_at or at,
        last_action_at=at,
        record_updated_at=at if record_update else item.record_updated_at,
    )
