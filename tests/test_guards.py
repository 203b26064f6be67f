"""Guards that keep a rule decided in one place (E12, R5): every action a path offers is
one of the lifecycle's, and what a path shows is the domain's answer, not its own."""

from __future__ import annotations

import click

from screens.queue import actions as queue_actions
from screens.queue.actions import BY_KEY, REGISTRY
from screens.queue.detail import offers
from tpsdesk.commands import escalation as escalation_cmd
from tpsdesk.domain import lifecycle
from tpsdesk.domain.vocab import Action
from tpsdesk.services import escalations
from tpsdesk.services.views import EscalationDetail


def _item_commands() -> set[str]:
    """The ``tpsdesk escalation`` commands that act on one escalation (they take an ID)."""
    group = escalation_cmd.escalation
    ctx = click.Context(group)
    out = set()
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if any(isinstance(p, click.Argument) and p.name == "escalation_id" for p in command.params):
            out.add(name)
    return out


def test_e12_every_cli_command_on_an_escalation_is_a_lifecycle_action() -> None:
    commands = _item_commands() - {"show"}  # show reads; it prints the offered actions
    assert commands == set(escalation_cmd.ACTION_OF_COMMAND)
    assert set(escalation_cmd.ACTION_OF_COMMAND.values()) <= set(Action)


def test_e12_every_lifecycle_action_has_a_transition_a_label_and_a_queue_key() -> None:
    keys = [entry.action for entry in REGISTRY]
    assert set(lifecycle.TRANSITIONS) == set(Action) == set(lifecycle.LABELS) == set(keys)
    assert len(keys) == len(set(keys)) == len(BY_KEY)  # one entry per action, one key each
    for action in Action:  # the queue screen handles each one by its name
        assert callable(getattr(queue_actions.QueueActions, f"action_{action.value}", None)), action


def test_r5_queue_detail_shows_exactly_the_domains_offers(desk, floor) -> None:
    eid = escalations.raise_escalation(desk, floor.tps, category="review", crn="123456789A").id
    for logon in (floor.so, floor.tps, floor.pool, floor.sp, floor.sso, floor.tl):
        try:
            detail: EscalationDetail = escalations.show(desk, logon, eid)
        except Exception:  # not theirs to see: nothing is offered
            continue
        domain = escalations.offered(desk, logon, eid)
        shown = offers(detail)
        assert [o.action.value for o in domain] == list(shown)
        assert [o.reason for o in domain] == [o.reason for o in shown.values()]
