"""The detail pane of one escalation: facts, due-time working (C8), deadlines,
requirements (D1, D2, W3), the actions that apply (with why not), notes and history.

Everything a person typed is appended to ``rich.text.Text`` as plain text, so
``[bold`` or a trailing backslash shows as typed and never becomes markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.queue.actions import BY_ACTION
from screens.widgets.formatting import local, local_for, relative, urgency
from tpsdesk.policy import Policy
from tpsdesk.present import NEXT_WORDS, EventWords
from tpsdesk.services.views import EscalationDetail


@dataclass(frozen=True)
class Offer:
    key: str
    label: str
    reason: str | None = None  # None: offered; else why it is refused or does not apply


def offers(detail: EscalationDetail) -> dict[str, Offer]:
    """The domain's offered actions for this escalation and viewer (E12, R5), keyed by
    action name, with the keys of the queue's one registry (``actions.REGISTRY``): shown as they are, never re-derived here."""
    return {o.action.value: Offer(BY_ACTION[o.action].key, o.label, o.reason) for o in detail.offered}


def _line(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"{label:<16}", style="bold")
    text.append(value or "-", style=style)  # plain text, never markup
    text.append("\n")


def render_detail(
    d: EscalationDetail, now: datetime, zone: str, offered: dict[str, Offer], policy: Policy, completes: str = ""
) -> Text:
    v = d.escalation
    cat = policy.categories.get(v.category)
    word, style = urgency(v, now)
    t = Text()
    t.append(f"#{v.id} ", style="bold")
    t.append(f"{cat.label if cat else v.category} ({cat.rule if cat else ''})  ", style="bold")
    t.append(word, style=style)
    t.append("\n\n")
    _line(t, "CRN", v.crn)
    _line(t, "Status", v.display_status(now))
    _line(t, "Owner", f"{v.owner_name} ({v.owner})" if v.owner else "unclaimed")
    _line(t, "Raised", f"{local(v.raised_at, zone, with_zone=True)} by {v.raised_by} at {v.site}")
    if v.due_at:
        _line(t, "Due", f"{local(v.due_at, zone, with_zone=True)}  ({relative(v.due_at, now)})", style)
    if v.next_follow_up_at:
        _line(
            t,
            "Next follow-up",
            f"{local(v.next_follow_up_at, zone, with_zone=True)}  ({relative(v.next_follow_up_at, now)})",
        )
    if v.after_hours and not v.closed:
        _line(t, "After hours", "raised after COB: act at once (C6)", "bold yellow")
    for label, value in [
        ("Referred to", v.referral_target),
        ("Reference", v.referral_ref),
        ("Service First", v.service_first),
        ("NNU", v.nnu_ref),
        ("EPED", v.eped.isoformat() if v.eped else ""),
        ("Final reason", policy.finalise.reasons.get(v.final_reason, v.final_reason)),
    ]:
        if value:
            _line(t, label, value)
    if d.procedure:  # E8: the item's own procedure, wherever it is shown
        _line(t, "Procedure", d.procedure)
    if d.next_action and v.next_action_at and not v.closed:  # E12, E13: what the next action is for
        words = f"{NEXT_WORDS.get(d.next_action, d.next_action)} ({d.next_action_rule})"
        _line(t, "Next action", f"{words}: {local(v.next_action_at, zone, with_zone=True)}")
    if completes:
        _line(t, "Completes work", completes, "bold")
    t.append("\nSummary\n", style="bold underline")
    t.append(v.summary or "-")
    t.append("\n\nDue-time working (C8)\n", style="bold underline")
    for step in d.explain:
        t.append(f"  {step}\n")
    if d.deadlines:
        t.append("\nDeadlines\n", style="bold underline")
        for dl in d.deadlines:
            # A met deadline says when it was met (E1, E3); one met by finalising says so.
            at, met_at = dl.get("at"), dl.get("met_at")
            due = local(at, zone) if isinstance(at, datetime) else str(at or "")
            if not dl.get("met"):
                mark, when = "✗ open", f"due {due}"
            elif isinstance(met_at, datetime):
                mark, when = "✓ met", f"met {local(met_at, zone)} (due {due})"
            else:
                mark, when = "✓ met", f"met by finalising (due {due})"
            t.append(f"  {mark:<7} {dl.get('rule', '')} {dl.get('label', '')}: {when}\n")
    _requirements(t, d.requirements, policy)
    t.append("\nActions\n", style="bold underline")
    for offer in offered.values():
        if offer.reason is None:
            t.append(f"  [{offer.key}] ", style="bold")
            t.append(f"{offer.label}\n")
        else:
            t.append(f"  [{offer.key}] {offer.label}: {offer.reason}\n", style="dim")
    t.append(f"\nNotes ({len(d.notes)})\n", style="bold underline")
    for n in d.notes:
        t.append(f"  {local_for(n.created_at, zone, d.zone)} {n.author} [{n.kind}]\n", style="italic")
        for line in n.text.splitlines() or [""]:
            t.append("    ")
            t.append(line)
            t.append("\n")
    t.append(f"\nHistory ({len(d.events)})\n", style="bold underline")
    # D3, C9: the same sentences as `escalation show`, times in the viewer's zone.
    history = EventWords(policy, lambda at: local_for(at, zone, d.zone), d.people)
    for e in d.events:
        t.append(f"  {local_for(e.at, zone, d.zone)}  ", style="dim")
        t.append(history.sentence(e.kind, e.detail, e.actor))  # plain text: typed reasons stay as typed
        t.append("\n")
    return t


def _requirements(t: Text, req: dict[str, Any], policy: Policy) -> None:
    docs = policy.documentation
    t.append("\nRequirements (D1, D2, W3)\n", style="bold underline")
    for name, done in (req.get("d1") or {}).items():
        t.append(f"  {'✓' if done else '✗'} {docs.label(name)}\n", style="" if done else "yellow")
    t.append(f"  {'✓' if req.get('file_note') else '✗'} {docs.label('file_note_done')}\n")
    if req.get("d2_doc_required"):
        for key in ("d2_doc_done", "d2_record_checked"):
            t.append(f"  {'✓' if req.get(key) else '✗'} {docs.label(key)}\n")
    if req.get("callback_required"):
        t.append(f"  ! {docs.callback_note}\n", style="bold")


class EscalationDetailView(VerticalScroll, can_focus=True):
    """Scrollable pane; the queue screen fills it with ``show``."""

    DEFAULT_CSS = """
    EscalationDetailView { padding: 0 1; }
    EscalationDetailView > #detail-body { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-body", markup=False)

    def show(self, text: Text) -> None:
        self.query_one("#detail-body", Static).update(text)

    @property
    def body_text(self) -> str:
        """The plain text shown (tests read it)."""
        content = self.query_one("#detail-body", Static).content
        return content.plain if isinstance(content, Text) else str(content)
