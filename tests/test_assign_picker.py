"""W5, R3, E11: the assign picker offers exactly the people ``assign`` accepts.

Both ask one rule, ``access.may_be_assigned``: the picker (``escalations.assignable``) never
offers an SO, a TL, a TPS outside a W5 group or another Centre's officer only for the service
to refuse them. Checked through the service and the database, and in the queue's dialog.
"""

from __future__ import annotations

import pytest

from tpsdesk.domain import access
from tpsdesk.domain.facts import Actor, Item
from tpsdesk.domain.vocab import Channel, Role, Status, W5Group
from tpsdesk.errors import ValidationError
from tpsdesk.policy import load_policy
from tpsdesk.services import escalations, setup
from tpsdesk.services.desk import Desk

POLICY = load_policy(use_override=False)


def _item(category: str = "death", centre: int = 1) -> Item:
    from datetime import UTC, datetime

    return Item(1, category, centre, Channel.SMART_CENTRE, Status.NEW, 9, datetime(2026, 9, 25, tzinfo=UTC))


@pytest.mark.parametrize(
    ("role", "group", "centre", "offered"),
    [
        (Role.SP, W5Group.NONE, 1, True),
        (Role.SSO, W5Group.NONE, 1, True),
        (Role.TPS, W5Group.SP_POOL, 1, True),
        (Role.TPS, W5Group.HIGH_PERFORMING, 1, True),
        (Role.TPS, W5Group.NONE, 1, False),
        (Role.SO, W5Group.NONE, 1, False),
        (Role.TL, W5Group.NONE, 1, False),
        (Role.SP, W5Group.NONE, 2, False),  # R3: another Centre's SP
    ],
)
def test_w5_r3_who_may_be_assigned_domain(role: Role, group: W5Group, centre: int, offered: bool) -> None:
    target = Actor(5, "who", "Who", role, centre, centre * 10, Channel.SMART_CENTRE, group)
    refusal = access.may_be_assigned(POLICY, target, _item())
    assert (refusal is None) is offered
    if refusal is not None:
        assert refusal.field == "to"
    assert access.may_be_assigned(POLICY, target, _item(), active=False) is not None


@pytest.mark.parametrize("assigner", ["sp1", "sso1", "tl1"])
def test_w5_every_name_offered_is_accepted_and_everyone_else_refused(desk: Desk, floor, assigner: str) -> None:
    esc = escalations.raise_escalation(desk, "tps1", category="death", crn="123456789A").id
    offered = [s.logon for s in escalations.assignable(desk, assigner, esc)]
    assert offered and not {"so1", "tps1", "tl1", "so_per", "crsso1", "crtps1"} & set(offered)
    for logon in offered:  # each one the picker shows, the service accepts
        assert escalations.assign(desk, assigner, esc, logon).owner == logon
    everyone = {s.logon for s in setup.list_staff(desk) if s.active}
    for logon in sorted(everyone - set(offered)):
        with pytest.raises(ValidationError) as refused:
            escalations.assign(desk, assigner, esc, logon)
        assert refused.value.field == "to"
    assert escalations.show(desk, assigner, esc).escalation.owner == offered[-1]  # the refusals changed nothing


def test_w5_the_picker_of_a_comp_recovery_item_offers_its_own_centre(desk: Desk, floor) -> None:
    esc = escalations.raise_escalation(desk, "crtps1", category="death", crn="123456789A").id
    offered = [s.logon for s in escalations.assignable(desk, "crtl1", esc)]
    assert offered == ["crsso1"]
    assert escalations.assign(desk, "crtl1", esc, "crsso1").owner == "crsso1"
