"""Intake rules that need only the policy (I1 to I6, I9, I10): the guide a screen shows and the
draft checks it runs as the user types (I4). ``intake`` re-exports these names."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tpsdesk.errors import ValidationError
from tpsdesk.policy import CHANNELS, Policy
from tpsdesk.services.views import jsonable
from tpsdesk.text import clean, normalise_crn, single_line

_LOGON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
OTHER = "other"  # the I1 checklist's "other" entry, named in ``reference_other``


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
    references_required: bool
    confirm_no_answer: bool
    branch: str | None
    urgent: bool
    stop_payment: bool


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
    decision: dict[str, Any]
    supervisor: dict[str, Any]
    escalate_to_label: str
    channel_label: str = ""
    other_reference_label: str = "Other (name it)"

    def reason(self, key: str) -> ReasonOption | None:
        return next((r for r in self.reasons if r.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def _channel(policy: Policy, channel: str) -> dict[str, Any]:
    if channel not in CHANNELS:
        raise ValidationError("channel", f"unknown channel {channel!r}: use {' or '.join(CHANNELS)}")
    return policy.channel(channel)


def _label(table: dict[str, Any], channel: str, key: str) -> str:
    return str(table.get(f"label_{channel}", table.get("label", key)))


def intake_guide(policy: Policy, channel: str) -> IntakeGuide:
    """Everything the intake offers in ``channel``: checklist (I1), reasons (I2), refusals (I3),
    guidance (I9), code of conduct (I10), the I5/I6 branches and the I8 outcomes."""
    ch = _channel(policy, channel)
    reasons = []
    for key, t in policy.section("reasons").items():
        if "channels" in t and channel not in t["channels"]:
            continue  # I2: comp-recovery's extra reasons
        n = t.get("n")
        reasons.append(
            ReasonOption(
                key=key,
                label=_label(t, channel, key),
                n=int(n) if n is not None else None,
                references_required=bool(t.get("references_required", False)),
                confirm_no_answer=bool(t.get("confirm_no_answer", False)),
                branch=t.get("branch"),
                urgent=bool(t.get("urgent", False)),
                stop_payment=bool(t.get("stop_payment", False)),
            )
        )
    refused = [
        RefusedOption(k, _label(t, channel, k), str(t["guidance"])) for k, t in policy.section("refused").items()
    ]
    kinds = policy.section("requester_kinds")
    intake = policy.section("intake")
    return IntakeGuide(
        channel=channel,
        references=policy.references(channel),
        reasons=reasons,
        refused=refused,
        guidance_other_units=str(ch.get("guidance_other_units", "")),
        requester_kinds={k: str(kinds.get(k, k)) for k in ch.get("requester_kinds", ["so"])},
        outcomes={k: str(v) for k, v in policy.section("outcomes").items()},
        code_of_conduct=str(intake.get("code_of_conduct", "")),
        decision=dict(policy.section("decision")),
        supervisor=dict(policy.section("supervisor")),
        escalate_to_label=str(ch.get("escalate_to_label", ch.get("escalate_to", ""))),
        channel_label=str(ch.get("label", channel)),
        other_reference_label=str(intake.get("other_reference_label", "Other (name it)")),
    )


def check_reason(policy: Policy, channel: str, reason: str, *, decision_by: str | None = None) -> None:
    """Raise ``Refused`` for an I3 reason or an I5 decision made outside Smart Centre Call,
    ``ValidationError`` for a reason the channel does not take."""
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
        made_by = guide.decision.get("made_by", [])
        if not decision_by:
            raise ValidationError("decision_by", f"say who made the decision: one of {', '.join(made_by)}")
        if decision_by not in made_by:
            raise ValidationError(
                "decision_by", f"unknown decision maker {_short(decision_by)}: use one of {', '.join(made_by)}"
            )
        if decision_by not in guide.decision.get("transfer_from", []):
            raise Refused("decision_by", str(guide.decision.get("redirect_text", "not a TPS matter")))


def _short(value: Any, limit: int = 40) -> str:
    """A typed value quoted in a message, never a pasted page."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cap(policy: Policy, key: str, default: int) -> int:
    return int(policy.section("intake").get(key, default))


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
        check_reason(policy, channel, reason, decision_by=d.get("decision_by"))
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
    sup_table = guide.supervisor.get("reasons", {})
    if branch == "supervisor":
        if not sup:
            errors["supervisor_reason"] = f"say why the customer wants a supervisor: {' or '.join(sup_table)} (I6)"
        elif sup not in sup_table:
            errors["supervisor_reason"] = f"unknown supervisor reason {_short(sup)}: use {' or '.join(sup_table)} (I6)"
    elif sup:
        errors["supervisor_reason"] = "a supervisor reason belongs to the supervisor reason (I6)"
    out["supervisor_reason"] = sup if branch == "supervisor" else None

    # I2: who is asking
    kind = d.get("requester_kind") or "so"
    if kind not in guide.requester_kinds:
        errors["requester_kind"] = (
            f"{_short(kind)} cannot ask TPS in {guide.channel_label}: use {', '.join(guide.requester_kinds)}"
        )
    out["requester_kind"] = kind
    name = single_line(d.get("requester_name"))
    if len(name) > _cap(policy, "max_name_chars", 80):
        errors["requester_name"] = f"the name is too long: at most {_cap(policy, 'max_name_chars', 80)} characters"
    elif kind != "so" and not name:
        errors["requester_name"] = "give the requester's name (I4)"
    out["requester_name"] = name
    logon = single_line(d.get("requester_logon")) or None
    if logon and not _LOGON.match(logon):
        errors["requester_logon"] = f"{_short(logon)} is not a logon ID: letters, digits, '.', '_' or '-'"
    out["requester_logon"] = logon

    # I4: what help is required
    help_text = clean(d.get("help_required")).strip()
    max_help = _cap(policy, "max_help_chars", 4000)
    if not help_text:
        errors["help_required"] = "say what help is required (I4)"
    elif len(help_text) > max_help:
        errors["help_required"] = f"too long: at most {max_help} characters"
    elif sup == "technical" and _words(help_text) < int(sup_table.get("technical", {}).get("min_help_words", 0)):
        errors["help_required"] = "give TPS full details of the customer's situation so TPS can take over the call (I6)"
    out["help_required"] = help_text

    # I1: the references checked; required for the technical reasons
    refs, ref_error = _references(guide, d.get("references") or [])
    other = single_line(d.get("reference_other"))
    max_ref = _cap(policy, "max_reference_chars", 120)
    if ref_error:
        errors["references"] = ref_error
    elif len(other) > max_ref:
        errors["reference_other"] = f"too long: at most {max_ref} characters"
    elif OTHER in refs and not other:
        errors["reference_other"] = "name the other reference you checked (I1)"
    elif option and option.references_required and not (set(refs) - {OTHER}) and not other:
        errors["references"] = "tick at least one reference you checked (I1): " + ", ".join(guide.references)
    out["references"] = [r for r in refs if r != OTHER]
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


def _references(guide: IntakeGuide, given: list[str]) -> tuple[list[str], str | None]:
    """Checklist names, matched case-insensitively to the channel's spelling (I1)."""
    by_fold = {r.casefold(): r for r in guide.references}
    out: list[str] = []
    for raw in given:
        name = single_line(raw)
        if not name:
            continue
        if name.casefold() in (OTHER, guide.other_reference_label.casefold()):
            canonical = OTHER
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


def missing_fields(policy: Policy, channel: str, **draft: Any) -> dict[str, str]:
    """What stops the draft being saved, field -> message ({} when complete): the live I4 check.
    A refused reason (I3, I5) is reported alone, as its guidance."""
    try:
        errors, _ = _validate(policy, channel, draft)
    except Refused as exc:
        return {exc.field: exc.guidance}
    return errors


def validated(policy: Policy, channel: str, draft: dict[str, Any]) -> dict[str, Any]:
    errors, out = _validate(policy, channel, draft)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(name, message)
    return out
