"""E12, R5, R6, E11, R4, S4, W5: the lifecycle decided in one place, over hand-built facts.

No database: ``Actor`` and ``Item`` are built by hand and the policy is the shipped
data (``load_policy(use_override=False)``). The expectations are written from the
rulebook's words (E12's transitions, R6's table), not read back from the code.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tpsdesk.domain import access, lifecycle
from tpsdesk.domain.access import Why
from tpsdesk.domain.facts import Actor, Item
from tpsdesk.domain.vocab import OPEN_STATUSES, Action, Category, Channel, Role, Status, Target, W5Group
from tpsdesk.policy import load_policy

POLICY = load_policy(use_override=False)
T = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)  # Fri 25 Sep 2026 10:00 Sydney
SC, CR = Channel.SMART_CENTRE, Channel.COMP_RECOVERY
SC_CENTRE, CR_CENTRE = 1, 2


def actor(aid: int, role: Role, channel: Channel = SC, group: W5Group = W5Group.NONE) -> Actor:
    centre = SC_CENTRE if channel is SC else CR_CENTRE
    return Actor(aid, f"u{aid}", f"User {aid}", role, centre, centre * 10, channel, group)


def item(
    category: str = Category.SYSTEM,
    *,
    channel: Channel = SC,
    status: Status = Status.NEW,
    raised_by: int = 999,
    owner: int | None = None,
    owner_label: str | None = None,
    **kw: object,
) -> Item:
    centre = SC_CENTRE if channel is SC else CR_CENTRE
    return Item(
        id=42,
        category=category,
        centre_id=centre,
        channel=channel,
        status=status,
        raised_by_id=raised_by,
        raised_at=T,
        owner_id=owner,
        owner_label=owner_label,
        closed=status is Status.FINALISED,
        **kw,  # type: ignore[arg-type]
    )


# Staff of each channel, in every role of R6 and each W5 group.
STAFF: dict[str, Actor] = {
    "SO": actor(1, Role.SO),
    "TPS": actor(2, Role.TPS),
    "TPS-high-performing": actor(3, Role.TPS, group=W5Group.HIGH_PERFORMING),
    "TPS-sp-pool": actor(4, Role.TPS, group=W5Group.SP_POOL),
    "SP": actor(5, Role.SP),
    "SSO": actor(6, Role.SSO),
    "TL": actor(7, Role.TL),
    "cr-SO": actor(11, Role.SO, CR),
    "cr-TPS": actor(12, Role.TPS, CR),
    "cr-TPS-high-performing": actor(13, Role.TPS, CR, W5Group.HIGH_PERFORMING),
    "cr-TPS-sp-pool": actor(14, Role.TPS, CR, W5Group.SP_POOL),
    "cr-SP": actor(15, Role.SP, CR),
    "cr-SSO": actor(16, Role.SSO, CR),
    "cr-TL": actor(17, Role.TL, CR),
}


# ---------------------------------------------------------------- E12 transitions
ALL = tuple(Status)
OPEN = OPEN_STATUSES
EXPECTED_FROM: dict[Action, tuple[Status, ...]] = {
    Action.CLAIM: OPEN,
    Action.RELEASE: OPEN,
    Action.ASSIGN: OPEN,
    Action.NOTE: ALL,  # F3: a new note even when finalised
    Action.FOLLOW_UP: OPEN,
    Action.REFER: OPEN,
    Action.SERVICE_FIRST: OPEN,
    Action.HAND_OFF: OPEN,
    Action.DOCUMENT: OPEN,
    Action.FINALISE: OPEN,
    Action.REOPEN: (Status.FINALISED,),  # F3: only a finalised item reopens
    Action.WITHDRAW: OPEN,
    Action.WHO: ALL,
}


def expected_leads_to(action: Action, status: Status) -> Status:
    """E12 in the rulebook's words."""
    if action in (Action.CLAIM, Action.ASSIGN, Action.DOCUMENT):
        return Status.IN_PROGRESS if status is Status.NEW else status  # new -> in-progress (claimed)
    if action is Action.RELEASE:
        return Status.NEW if status is Status.IN_PROGRESS else status  # nobody holds it: back in the queue
    if action in (Action.REFER, Action.HAND_OFF):
        return Status.REFERRED
    if action is Action.FOLLOW_UP:
        return Status.REFERRED if status is Status.AWAITING_FOLLOW_UP else status  # referred again
    if action in (Action.FINALISE, Action.WITHDRAW):
        return Status.FINALISED  # a mistaken escalation is finalised as withdrawn
    if action is Action.REOPEN:
        return Status.IN_PROGRESS
    return status


def test_e12_transitions_cover_every_action() -> None:
    assert set(lifecycle.TRANSITIONS) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_e12_allowed_from_and_leads_to_every_action_and_status(action: Action, status: Status) -> None:
    allowed = status in lifecycle.TRANSITIONS[action].allowed_from
    assert allowed == (status in EXPECTED_FROM[action])
    if allowed:
        assert lifecycle.leads_to(action, status) is expected_leads_to(action, status)


def test_e12_only_finalise_and_withdraw_finalise_and_only_reopen_leaves_finalised() -> None:
    for action in Action:
        for status in OPEN:
            if status in lifecycle.TRANSITIONS[action].allowed_from:
                ends = lifecycle.leads_to(action, status)
                assert (ends is Status.FINALISED) == (action in (Action.FINALISE, Action.WITHDRAW)), action
        if Status.FINALISED in lifecycle.TRANSITIONS[action].allowed_from:
            ends = lifecycle.leads_to(action, Status.FINALISED)
            assert (ends is not Status.FINALISED) == (action is Action.REOPEN), action


def test_e12_the_sweep_moves_a_referral_to_awaiting_follow_up() -> None:
    assert lifecycle.SWEEP_FROM == (Status.REFERRED,)
    assert lifecycle.SWEEP_TO is Status.AWAITING_FOLLOW_UP


@pytest.mark.parametrize("who", list(STAFF), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_e12_offered_lists_every_action_exactly_once(who: str, status: Status) -> None:
    a = STAFF[who]
    for it in (item(channel=a.channel, status=status, raised_by=a.id), item(channel=a.channel, status=status)):
        offers = lifecycle.offered(POLICY, a, it)
        assert [o.action for o in offers] == list(Action)
        for o in offers:  # the reason is exactly what decide says (one place decides, E12)
            refusal = lifecycle.decide(POLICY, a, it, o.action)
            assert o.reason == (None if refusal is None else refusal.text)
            assert o.label


# ---------------------------------------------------------------- R6 matrix
def works(who: str, category: str) -> bool:
    """R6's "claim, work, refer, review, finalise" column: SP, SSO; TPS only in a W5 group;
    a comp-recovery TL only for arrears (S4)."""
    a = STAFF[who]
    if a.role in (Role.SP, Role.SSO):
        return True
    if a.role is Role.TPS:
        return a.w5_group is not W5Group.NONE
    return a.role is Role.TL and a.channel is CR and category == Category.ARREARS


def refers_to_ict(who: str, category: str) -> bool:
    """Working the item, or E5b: a TPS refers a system issue directly."""
    return works(who, category) or (STAFF[who].role is Role.TPS and category == Category.SYSTEM)


def reassigns(who: str) -> bool:
    return STAFF[who].role in (Role.SP, Role.SSO, Role.TL)


@pytest.mark.parametrize("who", list(STAFF), ids=str)
@pytest.mark.parametrize("category", [Category.SYSTEM, Category.ARREARS, Category.DEATH], ids=str)
def test_r6_role_action_matrix_both_channels(who: str, category: str) -> None:
    a = STAFF[who]
    # Raised by the actor, so R1 lets every role see it: the matrix alone decides.
    new = item(category, channel=a.channel, raised_by=a.id)
    open_ = item(category, channel=a.channel, status=Status.IN_PROGRESS, raised_by=a.id, owner=a.id)
    got = {
        "claim": lifecycle.decide(POLICY, a, new, Action.CLAIM) is None,
        "document": lifecycle.decide(POLICY, a, open_, Action.DOCUMENT) is None,
        "finalise": lifecycle.decide(POLICY, a, open_, Action.FINALISE) is None,
        "refer-ict": lifecycle.decide(POLICY, a, new, Action.REFER, target=Target.ICT) is None,
        "assign": lifecycle.decide(POLICY, a, new, Action.ASSIGN) is None,
        "note": lifecycle.decide(POLICY, a, new, Action.NOTE) is None,
    }
    want = {
        "claim": works(who, category),
        "document": works(who, category),
        "finalise": works(who, category),
        "refer-ict": refers_to_ict(who, category),
        "assign": reassigns(who),
        "note": True,
    }
    assert got == want


def test_s4_comp_recovery_tl_works_arrears_only() -> None:
    tl = STAFF["cr-TL"]
    arrears = item(Category.ARREARS, channel=CR)
    assert lifecycle.decide(POLICY, tl, arrears, Action.CLAIM) is None
    death = item(Category.DEATH, channel=CR)
    refusal = lifecycle.decide(POLICY, tl, death, Action.CLAIM)
    assert refusal is not None and refusal.why is Why.PERMISSION and "S4" in refusal.text
    # The smart-centre TL does not work escalations at all (R6).
    assert lifecycle.decide(POLICY, STAFF["TL"], item(Category.ARREARS), Action.CLAIM) is not None


@pytest.mark.parametrize("who", ["TPS", "cr-TPS"], ids=str)
def test_w5_tps_outside_a_group_is_told_to_ask_an_sp(who: str) -> None:
    a = STAFF[who]
    refusal = lifecycle.decide(POLICY, a, item(channel=a.channel, raised_by=a.id), Action.CLAIM)
    assert refusal is not None and refusal.why is Why.PERMISSION and "W5" in refusal.text


@pytest.mark.parametrize("who", ["TPS-high-performing", "TPS-sp-pool", "cr-TPS-sp-pool"], ids=str)
def test_w5_both_groups_see_the_centres_queue(who: str) -> None:
    a = STAFF[who]
    other = item(channel=a.channel, raised_by=999)
    assert access.may_see(POLICY, a, other) is None
    assert access.scope(POLICY, a).whole_centre


def test_r1_tps_outside_a_group_sees_only_what_they_raised_or_hold() -> None:
    a = STAFF["TPS"]
    assert access.may_see(POLICY, a, item(raised_by=999)) is not None
    assert access.may_see(POLICY, a, item(raised_by=a.id)) is None
    assert access.may_see(POLICY, a, item(raised_by=999, owner=a.id)) is None


# ---------------------------------------------------------------- R5 unseen
@pytest.mark.parametrize("who", ["SP", "SSO", "TL", "TPS-sp-pool", "SO"], ids=str)
def test_r5_another_centres_item_is_refused_as_unseen_naming_nothing_of_it(who: str) -> None:
    a = STAFF[who]
    secret = item(Category.DEATH, channel=CR, raised_by=16, owner=16, owner_label="Cal Helpdesk (crsso1)")
    for action in Action:
        refusal = lifecycle.decide(POLICY, a, secret, action, target=Target.ICT)
        assert refusal is not None, action
        assert refusal.why is Why.UNSEEN
        for leak in ("death", "Death", "Cal Helpdesk", "crsso1", "comp", "Compensation", "claimed"):
            assert leak not in refusal.text, (action, refusal.text)
    texts = {o.reason for o in lifecycle.offered(POLICY, a, secret)}
    assert texts == {access.unseen(secret.id).text}  # one text whatever the action


# ---------------------------------------------------------------- E11, R4 claims
HOLDER = "Sue Senior (sp1)"


def held(category: str = Category.SYSTEM, status: Status = Status.IN_PROGRESS) -> Item:
    return item(category, status=status, owner=5, owner_label=HOLDER, referred_at=T, referral_target="ict")


@pytest.mark.parametrize("who", ["SSO", "TPS-sp-pool"], ids=str)
@pytest.mark.parametrize(
    "action", [Action.DOCUMENT, Action.FINALISE, Action.REFER, Action.SERVICE_FIRST, Action.HAND_OFF], ids=str
)
def test_e11_work_on_anothers_claim_is_refused_naming_the_holder(who: str, action: Action) -> None:
    refusal = lifecycle.decide(POLICY, STAFF[who], held(), action, target=Target.ICT)
    assert refusal is not None and refusal.why is Why.CLAIM
    assert HOLDER in refusal.text


def test_e11_follow_up_and_claim_of_anothers_claim_name_the_holder() -> None:
    sso = STAFF["SSO"]
    refusal = lifecycle.decide(POLICY, sso, held(status=Status.REFERRED), Action.FOLLOW_UP)
    assert refusal is not None and refusal.why is Why.CLAIM and HOLDER in refusal.text
    refusal = lifecycle.decide(POLICY, sso, held(), Action.CLAIM)
    assert refusal is not None and refusal.why is Why.CLAIM and HOLDER in refusal.text
    # The holder works it.
    assert lifecycle.decide(POLICY, STAFF["SP"], held(), Action.FINALISE) is None


@pytest.mark.parametrize("who", ["SSO", "TL", "SP"], ids=str)
def test_r4_release_and_assign_of_anothers_claim_by_sp_sso_tl_of_the_centre(who: str) -> None:
    other = STAFF[who]
    it = held() if who != "SP" else item(status=Status.IN_PROGRESS, owner=6, owner_label="Sid Support (sso1)")
    assert lifecycle.decide(POLICY, other, it, Action.RELEASE) is None
    assert lifecycle.decide(POLICY, other, it, Action.ASSIGN) is None


def test_r4_a_pool_tps_may_not_release_or_assign_anothers_claim() -> None:
    pool = STAFF["TPS-sp-pool"]
    release = lifecycle.decide(POLICY, pool, held(), Action.RELEASE)
    assert release is not None and release.why is Why.CLAIM and HOLDER in release.text
    assert lifecycle.decide(POLICY, pool, held(), Action.ASSIGN) is not None


def test_r4_the_other_centres_sp_may_not_release_a_claim() -> None:
    cr_sp = STAFF["cr-SP"]
    refusal = lifecycle.decide(POLICY, cr_sp, held(), Action.RELEASE)
    assert refusal is not None and refusal.why is Why.UNSEEN
