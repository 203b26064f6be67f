"""Intake rules that need only the policy (I1 to I6, I9, I10): the guide a screen shows and the
draft checks it runs as the user types (I4). ``intake`` re-exports these names.

Everything here is a pure function over the policy and plain values (no session, no
clock), so every path (service, CLI, TUI) asks the same questions and the rules can
move into the domain later. The service adds only what needs the database: whether a
staff requester's logon is on the floor (``requester_identity`` is given the record).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tpsdesk.errors import ValidationError
from tpsdesk.policy import CHANNELS, Policy
from tpsdesk.policy.schema import ChannelPolicy, Decision, Supervisor
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.views import jsonable
from tpsdesk.text import clean, normalise_crn, single_line, too_long

# I4: a logon ID by form: letters, digits, '.', '-', '_', 2 to 40 characters (the staff
# table's limit), starting with a letter or digit.
_LOGON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$")
OTHER = "other"  # the I1 checklist's "other" entry, named in ``reference_other``
# I1: the explicit "none: not a reference question" entry (I2.5 to I2.7). Stored as this
# sentinel in the contact's references, so a reader can tell it from a forgotten
# checklist; it never shares the list with a real reference.
NONE = "none"


class Refused(ValidationError):
    """I3 (and the I5 redirect): TPS does not take this; ``guidance`` says what to do instead.
    Nothing is recorded."""

    def __init__(self, field_name: str, guidance: str) -> None:
        super().__init__(field_name, guidance)
        self.guidance = guidance


# ---------------------------------------------------------------- the guide (pure)
@dataclass(frozen=True)
class ReasonOption:
    key: str
    label: str
    n: int | None
    # I1 (second edition): every contact records its references, so this is always true;
    # kept so the guide's JSON keeps its key. ``none_allowed`` says whether the explicit
    # "none: not a reference question" entry may stand for them (I2.5 to I2.7).
    references_required: bool
    confirm_no_answer: bool
    branch: str | None
    urgent: bool
    stop_payment: bool
    none_allowed: bool = False


@dataclass(frozen=True)
class RefusedOption:
    key: str
    label: str
    guidance: str


@dataclass(frozen=True)
class IntakeGuide:
    channel: str
    references: list[str]
    reasons: list[ReasonOption]
    refused: list[RefusedOption]
    guidance_other_units: str
    requester_kinds: dict[str, str]
    outcomes: dict[str, str]
    code_of_conduct: str
    decision: Decision  # I5
    supervisor: Supervisor  # I6
    escalate_to_label: str
    channel_label: str = ""
    other_reference_label: str = "Other (name it)"
    none_reference_label: str = "None: not a reference question"
    # I4: requester kinds who are staff of this floor (their logon must be a staff record).
    staff_requester_kinds: list[str] = field(default_factory=lambda: ["so"])

    def reason(self, key: str) -> ReasonOption | None:
        return next((r for r in self.reasons if r.key == key), None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(_plain(self))
        return out


def _plain(value: Any) -> Any:
    """The guide as JSON data: dataclasses (the policy's sections too) and mappings as
    dicts, tuples as lists, words as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _channel(policy: Policy, channel: str) -> ChannelPolicy:
    if channel not in CHANNELS:
        raise ValidationError("channel", f"unknown channel {channel!r}: use {' or '.join(CHANNELS)}")
    return policy.channels[channel]


@typed_input()
def intake_guide(policy: Policy, channel: str) -> IntakeGuide:
    """Everything the intake offers in ``channel``: checklist (I1), reasons (I2), refusals (I3),
    guidance (I9), code of conduct (I10), the I5/I6 branches and the I8 outcomes."""
    ch = _channel(policy, channel)
    reasons = []
    for key, t in policy.reasons.items():
        if not t.offered_in(channel):
            continue  # I2: comp-recovery's extra reasons
        reasons.append(
            ReasonOption(
                key=key,
                label=t.label_for(channel),
                n=t.n,
                references_required=True,  # I1: every contact records them
                confirm_no_answer=t.confirm_no_answer,
                branch=t.branch or None,
                urgent=t.urgent,
                stop_payment=t.stop_payment,
                none_allowed=t.none_allowed,
            )
        )
    refused = [RefusedOption(k, t.label_for(channel), t.guidance) for k, t in policy.refused.items()]
    intake = policy.intake
    return IntakeGuide(
        channel=channel,
        references=list(ch.references),
        reasons=reasons,
        refused=refused,
        guidance_other_units=ch.guidance_other_units,
        # Every kind a channel names is in [requester_kinds] (the schema checks it).
        requester_kinds={k: policy.requester_kinds[k] for k in ch.requester_kinds},
        outcomes=dict(policy.outcomes),
        code_of_conduct=intake.code_of_conduct,
        decision=policy.decision,
        supervisor=policy.supervisor,
        escalate_to_label=ch.escalate_to_label,
        channel_label=ch.label,
        other_reference_label=intake.other_reference_label,
        none_reference_label=intake.none_reference_label,
        staff_requester_kinds=list(intake.staff_requester_kinds),
    )


@typed_input()
def check_reason(
    policy: Policy, channel: str, reason: str, *, decision_by: str | None = None, review_requested: bool = False
) -> None:
    """Raise ``Refused`` for an I3 reason or an I5 decision TPS does not take, ``ValidationError``
    for a reason the channel does not take. I5: only an SO's decision is transferred for a
    further explanation; E2: a review of any Smart Centre Call officer's decision is the SP's."""
    guide = intake_guide(policy, channel)
    key = (reason or "").strip()
    if not key:
        raise ValidationError("reason", "choose why TPS is needed: " + ", ".join(r.key for r in guide.reasons))
    for r in guide.refused:
        if r.key == key:
            raise Refused("reason", r.guidance)  # I3
    option = guide.reason(key)
    if option is None:
        raise ValidationError(
            "reason",
            f"{_short(key)} is not a reason TPS takes in {guide.channel_label}: use one of {', '.join(r.key for r in guide.reasons)}",
        )
    if option.branch == "decision":  # I5
        made_by = guide.decision.made_by
        if not decision_by:
            raise ValidationError("decision_by", f"say who made the decision: one of {', '.join(made_by)}")
        if decision_by not in made_by:
            raise ValidationError(
                "decision_by", f"unknown decision maker {_short(decision_by)}: use one of {', '.join(made_by)}"
            )
        if decision_by in guide.decision.transfer_from:
            return
        if decision_by in guide.decision.review_from:
            if not review_requested:
                raise Refused("decision_by", guide.decision.review_only_text)
            return
        raise Refused("decision_by", guide.decision.redirect_text)


def _short(value: Any, limit: int = 40) -> str:
    """A typed value quoted in a message, never a pasted page."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _validate(policy: Policy, channel: str, d: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Every problem of a draft contact (I1 to I6), field -> message, and the cleaned values.
    A refused reason (I3, I5) is the only problem reported, as a ``Refused``."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    guide = intake_guide(policy, channel)
    reason = (d.get("reason") or "").strip()
    try:
        check_reason(
            policy, channel, reason, decision_by=d.get("decision_by"), review_requested=bool(d.get("review_requested"))
        )
    except Refused:
        raise
    except ValidationError as exc:
        errors[exc.field] = exc.message
    option = guide.reason(reason)
    out["reason"] = reason
    branch = option.branch if option else None
    out["decision_by"] = d.get("decision_by") if branch == "decision" else None
    out["review_requested"] = bool(d.get("review_requested"))
    if out["review_requested"] and branch != "decision":
        errors["review_requested"] = "a review request belongs to the unfavourable-decision reason (I5)"
    sup = d.get("supervisor_reason") or None
    sup_table = guide.supervisor.reasons
    if branch == "supervisor":
        if not sup:
            errors["supervisor_reason"] = f"say why the customer wants a supervisor: {' or '.join(sup_table)} (I6)"
        elif sup not in sup_table:
            errors["supervisor_reason"] = f"unknown supervisor reason {_short(sup)}: use {' or '.join(sup_table)} (I6)"
    elif sup:
        errors["supervisor_reason"] = "a supervisor reason belongs to the supervisor reason (I6)"
    out["supervisor_reason"] = sup if branch == "supervisor" else None

    # I2, I4: who is asking
    kind = d.get("requester_kind") or next(iter(guide.requester_kinds), "so")
    if kind not in guide.requester_kinds:
        errors["requester_kind"] = (
            f"{_short(kind)} cannot ask TPS in {guide.channel_label}: use {', '.join(guide.requester_kinds)}"
        )
    out["requester_kind"] = kind
    max_name = policy.intake.max_name_chars
    errors.update(check_requester(guide, kind, d.get("requester_logon"), d.get("requester_name"), max_name=max_name))
    out["requester_name"] = single_line(d.get("requester_name"))
    out["requester_logon"] = single_line(d.get("requester_logon")) or None

    # I4: what help is required
    help_text = clean(d.get("help_required")).strip()
    max_help = policy.intake.max_help_chars
    if not help_text:
        errors["help_required"] = "say what help is required (I4)"
    elif len(help_text) > max_help:
        errors["help_required"] = too_long("the help text", len(help_text), max_help)
    elif sup == "technical" and "technical" in sup_table and _words(help_text) < sup_table["technical"].min_help_words:
        errors["help_required"] = "give TPS full details of the customer's situation so TPS can take over the call (I6)"
    out["help_required"] = help_text

    # I1: the references checked, on every contact
    max_ref = policy.intake.max_reference_chars
    refs, other, ref_errors = check_references(
        guide, option, d.get("references") or [], d.get("reference_other"), max_chars=max_ref
    )
    errors.update(ref_errors)
    out["references"] = refs
    out["reference_other"] = other
    out["confirmed_no_answer"] = bool(d.get("confirmed_no_answer"))
    if option and option.confirm_no_answer and not out["confirmed_no_answer"]:
        errors["confirmed_no_answer"] = (
            "confirm the reference material did not give the answer (I2); TPS does not confirm what it says (I3)"
        )

    try:
        out["crn"] = normalise_crn(d.get("crn"), optional=not out["review_requested"])
    except ValidationError as exc:
        errors["crn"] = exc.message + (" (a review request, E2)" if out["review_requested"] else "")
    return errors, out


def check_requester(
    guide: IntakeGuide, kind: str, logon: str | None, name: str | None, *, max_name: int = 80
) -> dict[str, str]:
    """I4: the requester's logon ID and name, field -> message ({} when both are right).

    The logon is required for every requester and must have a logon's form; a name alone
    is refused (it does not identify the person). A requester who is not staff of this
    floor (a social worker, zone staff, ...) gives their name too; a staff requester's
    name may come from their staff record (``requester_identity``)."""
    errors: dict[str, str] = {}
    logon_text = single_line(logon)
    name_text = single_line(name)
    if not logon_text:
        errors["requester_logon"] = (
            f"give the requester's logon ID as well as their name {_short(name_text)}: a name alone does not identify them (I4)"
            if name_text
            else "give the requester's logon ID: the person who asked, not the one recording (I4)"
        )
    elif not _LOGON.match(logon_text):
        errors["requester_logon"] = (
            f"{_short(logon_text)} is not a logon ID: 2 to 40 letters, digits, '.', '_' or '-' (I4)"
        )
    if len(name_text) > max_name:
        errors["requester_name"] = too_long("the name", len(name_text), max_name)
    elif kind not in guide.staff_requester_kinds and not name_text:
        label = guide.requester_kinds.get(kind, kind).lower()
        errors["requester_name"] = f"give the requester's name: a {label} is not staff of this floor (I4)"
    return errors


def requester_identity(guide: IntakeGuide, kind: str, logon: str, typed_name: str, staff_name: str | None) -> str:
    """I4: the requester's name to store, given the staff record's name for ``logon`` (None
    when no staff member has it). Raises ``ValidationError`` naming the field to fix.

    A staff requester (``staff_requester_kinds``) must be on the floor; their name comes
    from the record when not typed, and a typed one must be theirs (a mismatch means the
    wrong logon). Anyone else is taken by the form of their logon, with the typed name."""
    typed = single_line(typed_name)
    if kind not in guide.staff_requester_kinds:
        return typed
    if staff_name is None:
        raise ValidationError(
            "requester_logon",
            f"{_short(logon)} is not the logon of a staff member of this floor: check the logon ID (I4)"
            + ("" if len(guide.requester_kinds) == 1 else ", or choose the kind of requester if they are not staff"),
        )
    if typed and " ".join(typed.split()).casefold() != " ".join(staff_name.split()).casefold():
        raise ValidationError(
            "requester_name",
            f"logon {_short(logon)} is {staff_name}, not {_short(typed)}: check the logon ID or clear the name (I4)",
        )
    return staff_name


def requester_logon_for(given: str | None, recorder_logon: str, records_for_others: bool) -> str | None:
    """I4, R1: the requester's logon to check. Someone who may record only their own
    requests (an SO) is the requester, so an omitted logon is theirs: that is the requester
    being themselves. For anyone who records for others an omitted logon stays omitted
    (and is refused): the recorder is never substituted for the requester."""
    text = single_line(given)
    if text:
        return text
    return None if records_for_others else recorder_logon


def check_references(
    guide: IntakeGuide,
    option: ReasonOption | None,
    given: list[str],
    other: str | None,
    *,
    max_chars: int = 120,
) -> tuple[list[str], str, dict[str, str]]:
    """I1: (references to store, the named other reference, field -> message).

    Every contact records its references: at least one checklist entry, or "other" with
    its name. For a reason that is not a reference question (``none_allowed``, I2.5 to
    I2.7) the explicit none entry may stand instead, stored as ``[NONE]``; it is refused
    for every other reason, and beside a real reference. An empty checklist is never
    saved. With no reason chosen yet, only the list itself is checked."""
    refs, unknown = _references(guide, given)
    other_text = single_line(other)
    errors: dict[str, str] = {}
    real = [r for r in refs if r not in (OTHER, NONE)]
    none_label = guide.none_reference_label
    allowing = [r.key for r in guide.reasons if r.none_allowed]
    if unknown:
        errors["references"] = unknown
    elif len(other_text) > max_chars:
        errors["reference_other"] = too_long("the other reference's name", len(other_text), max_chars)
    elif OTHER in refs and not other_text:
        errors["reference_other"] = "name the other reference you checked (I1)"
    elif NONE in refs and (real or other_text):
        errors["references"] = f"{none_label!r} cannot be ticked with a reference you checked: untick one (I1)"
    elif NONE in refs and option is not None and not option.none_allowed:
        errors["references"] = (
            f"{none_label!r} is refused for {option.key}: it is a reference question, so TPS asks which "
            f"references you checked (I1); the none entry is only for {', '.join(allowing)}"
        )
    elif not real and not other_text and NONE not in refs:
        if option is not None and option.none_allowed:
            errors["references"] = f"tick the references you checked, or {none_label!r} (I1): " + ", ".join(
                guide.references
            )
        else:
            errors["references"] = "tick at least one reference you checked (I1): " + ", ".join(guide.references)
    stored = [NONE] if NONE in refs and not errors else real
    return stored, other_text, errors


def _references(guide: IntakeGuide, given: list[str]) -> tuple[list[str], str | None]:
    """Checklist names, matched case-insensitively to the channel's spelling (I1); the
    other and none entries by key or label."""
    by_fold = {r.casefold(): r for r in guide.references}
    out: list[str] = []
    for raw in given:
        name = single_line(raw)
        if not name:
            continue
        if name.casefold() in (OTHER, guide.other_reference_label.casefold()):
            canonical = OTHER
        elif name.casefold() in (NONE, guide.none_reference_label.casefold()):
            canonical = NONE
        else:
            found = by_fold.get(name.casefold())
            if found is None:
                return (
                    out,
                    f"{_short(name)} is not on the {guide.channel_label} checklist: use {', '.join(guide.references)}, or name it as the other reference",
                )
            canonical = found
        if canonical not in out:
            out.append(canonical)
    return out, None


@typed_input(lines={"help_required": "the help text"}, live=True)
def missing_fields(policy: Policy, channel: str, **draft: Any) -> dict[str, str]:
    """What stops the draft being saved, field -> message ({} when complete): the live I4 check.
    A refused reason (I3, I5) is reported alone, as its guidance."""
    try:
        errors, _ = _validate(policy, channel, draft)
    except Refused as exc:
        return {exc.field: exc.guidance}
    return errors


@typed_input(lines={"help_required": "the help text"})
def validated(policy: Policy, channel: str, draft: dict[str, Any]) -> dict[str, Any]:
    errors, out = _validate(policy, channel, draft)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(name, message)
    return out
