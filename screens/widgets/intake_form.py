"""What the intake screen shows and asks, from the core's intake guide (I1 to I10).

No widgets here: the options, the guidance for the chosen reason, the draft
the screen reads, and the words of the saved result. Rules stay in the core
(``check_reason``, ``missing_fields``); this only arranges their answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from tpsdesk.domain.facts import Actor
from tpsdesk.errors import ValidationError
from tpsdesk.policy import Policy
from tpsdesk.services import intake as svc
from tpsdesk.services.actors import allowed

OTHER = svc.OTHER
NONE = svc.NONE

# Fields checked live, in Tab order; a message for one of them shows beside it.
LIVE = (
    "requester_kind",
    "requester_logon",
    "requester_name",
    "reason",
    "confirmed_no_answer",
    "decision_by",
    "supervisor_reason",
    "references",
    "help_required",
    "crn",
)


@dataclass(frozen=True)
class Draft:
    """The form as typed; ``contact_kwargs`` is what ``open_contact`` takes."""

    requester_kind: str = "so"
    requester_logon: str = ""
    requester_name: str = ""
    reason: str = ""
    references: list[str] = field(default_factory=list)
    other_ticked: bool = False
    none_ticked: bool = False  # I1: "none: not a reference question" (I2.5 to I2.7)
    reference_other: str = ""
    confirmed_no_answer: bool = False
    decision_by: str = ""
    review_requested: bool = False
    supervisor_reason: str = ""
    help_required: str = ""
    crn: str = ""

    def contact_kwargs(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "help_required": self.help_required,
            "references": [
                *self.references,
                *([OTHER] if self.other_ticked else []),
                *([NONE] if self.none_ticked else []),
            ],
            "reference_other": self.reference_other if self.other_ticked else "",
            "confirmed_no_answer": self.confirmed_no_answer,
            "requester_kind": self.requester_kind,
            "requester_logon": self.requester_logon.strip() or None,
            "requester_name": self.requester_name or None,
            "crn": self.crn,
            "decision_by": self.decision_by or None,
            "review_requested": self.review_requested,
            "supervisor_reason": self.supervisor_reason or None,
        }


class IntakeForm:
    """The intake's options and words for one officer's channel."""

    def __init__(self, policy: Policy, actor: Actor) -> None:
        self.policy = policy
        self.actor = actor
        self.guide = svc.intake_guide(policy, actor.channel)
        # R1, I4: an SO records only their own requests, so the requester is them (shown,
        # fixed). Anyone else types the requester's logon: the recorder is never assumed.
        own_only = allowed(policy, actor, "outcome") is not None
        self.default_logon = actor.logon if own_only else ""
        self.default_name = actor.name if own_only else ""
        self._refused = {r.key: r for r in self.guide.refused}

    # ------------------------------------------------------------ options
    def reason_options(self) -> list[tuple[Text, str]]:
        """The I2 reasons numbered as in the procedure, then the I3 ones (which show guidance)."""
        out = [(Text(f"{r.n}. {r.label}" if r.n else r.label), r.key) for r in self.guide.reasons]
        out += [(Text(r.label), r.key) for r in self.guide.refused]
        return out

    def decision_options(self) -> list[tuple[Text, str]]:
        decision = self.guide.decision  # every maker has a label (the schema checks it)
        return [(Text(decision.labels[k]), k) for k in decision.made_by]

    def supervisor_options(self) -> list[tuple[Text, str]]:
        reasons = self.guide.supervisor.reasons
        return [(Text(t.label), k) for k, t in reasons.items()]

    def supervisor_outcome(self, reason: str) -> str:
        """I6: the outcome a supervisor reason calls for (complaint -> TL, technical -> TPS)."""
        known = self.guide.supervisor.reasons.get(reason)
        return str(known.outcome) if known is not None else ""

    def outcomes_for(self, actor: Actor) -> dict[str, str]:
        """The I8 outcomes this officer may record: a direct ICT referral needs E5b's permission (R6)."""
        may_refer = allowed(self.policy, actor, "refer_direct") is None
        return {k: v for k, v in self.guide.outcomes.items() if k != "referred-ict" or may_refer}

    def category_labels(self) -> dict[str, str]:
        return {key: f"{cat.rule} {cat.label}" for key, cat in self.policy.categories.items()}

    def reason(self, key: str) -> svc.ReasonOption | None:
        return self.guide.reason(key)

    def is_stop_payment(self, key: str) -> bool:
        option = self.guide.reason(key)
        return bool(option and option.stop_payment)

    def decision_transfers(self, decision_by: str) -> bool:
        """I5 transfer, or an E2 review request about a Smart Centre Call officer's decision."""
        d = self.guide.decision
        return decision_by in d.transfer_from or decision_by in d.review_from

    # ------------------------------------------------------------ checks (the core's)
    def refusal(self, draft: Draft) -> str:
        """The guidance when TPS does not take this contact (I3, I5 redirect), else ''."""
        if not draft.reason:
            return ""
        try:
            svc.check_reason(
                self.policy,
                self.actor.channel,
                draft.reason,
                decision_by=draft.decision_by or None,
                review_requested=draft.review_requested,
            )
        except svc.Refused as exc:
            return exc.guidance
        except ValidationError:
            return ""
        return ""

    def missing(self, draft: Draft) -> dict[str, str]:
        """The core's live I1/I4 check (the requester's logon included); the other
        reference's message shows beside the checklist."""
        problems = dict(svc.missing_fields(self.policy, self.actor.channel, **draft.contact_kwargs()))
        if "reference_other" in problems:
            problems.setdefault("references", problems.pop("reference_other"))
        return problems

    def is_staff_kind(self, kind: str) -> bool:
        """I4: a requester of this kind is staff of this floor (name from their record)."""
        return kind in self.guide.staff_requester_kinds

    # ------------------------------------------------------------ words
    def side_text(self) -> str:
        g = self.guide
        parts = [
            f"{g.channel_label}: research the reference material first (I1). TPS always asks which references you used.",
            f"Code of conduct (I10): {g.code_of_conduct}" if g.code_of_conduct else "",
        ]
        return "\n\n".join(p for p in parts if p)


def guidance_text(form: IntakeForm, draft: Draft) -> str:
    """What the reason step says for the chosen reason (I3, I5, I6, I9, S)."""
    g = form.guide
    refused = next((r for r in g.refused if r.key == draft.reason), None)
    if refused is not None:
        return f"TPS does not take this (I3): {refused.guidance}\nNothing will be recorded."
    option = g.reason(draft.reason)
    if option is None:
        return f"TPS is the route for technical advice (I9). {g.guidance_other_units}".strip()
    lines: list[str] = []
    if option.confirm_no_answer:
        lines.append(
            "Contact TPS only when the reference material (e.g. NNU, Ask Kristy) does not give the answer (I2)."
        )
    if option.branch == "decision":
        d = g.decision
        lines.append(d.explain_first_text)
        if draft.decision_by and not form.decision_transfers(draft.decision_by):
            lines.append(f"Not for TPS (I5): {d.redirect_text} Nothing will be recorded.")
        elif (
            draft.decision_by in d.review_from
            and draft.decision_by not in d.transfer_from
            and not draft.review_requested
        ):
            lines.append(f"{d.review_only_text} Nothing will be recorded unless a review is asked for.")
        elif draft.review_requested:
            lines.append(d.review_request_text)
    if option.branch == "supervisor":
        s = g.supervisor
        lines.append(s.try_first_text)
        if draft.supervisor_reason:
            lines.append(s.text_for(draft.supervisor_reason))
    if option.stop_payment:
        lines.append(
            "Urgent (S3): record a stop-payment DOC before COB. Saving opens the DOC builder with the CRN; ctrl+b opens it now."
        )
    lines.append(f"TPS is the route for technical advice (I9). {g.guidance_other_units}".strip())
    return "\n".join(line for line in lines if line)


def result_text(form: IntakeForm, contact: svc.ContactView) -> str:
    """What was recorded, in words (I7, I8)."""
    option = form.guide.reason(contact.reason)
    reason = option.label if option else contact.reason
    who = contact.requester_name + (f" ({contact.requester_logon})" if contact.requester_logon else "")
    lines = [f"Recorded: contact #{contact.id}", f"Reason: {reason}", f"Requester: {who}"]
    if contact.crn:
        lines.append(f"CRN: {contact.crn}")
    if contact.outcomes:
        labels = form.guide.outcomes
        lines.append("Outcome: " + ", ".join(labels.get(o, o) for o in contact.outcomes))
    else:
        lines.append(f"Status: {contact.status}. TPS records the outcome.")
    if contact.escalation_id is not None:
        lines.append(f"Escalation #{contact.escalation_id} raised.")
    if contact.outbox_id is not None:
        lines.append(
            f"Confirmation queued for the requester {contact.requester_logon} (I7, outbox #{contact.outbox_id})."
        )
    if contact.suggested_outcomes and not contact.outcomes:
        labels = form.guide.outcomes
        lines.append("Expected outcome: " + ", ".join(labels.get(o, o) for o in contact.suggested_outcomes))
    return "\n".join(lines)
