"""``tpsdesk contact ...``: intake contacts from the command line (I1 to I10).

Every command goes through ``tpsdesk.services.intake``; errors name the option
to fix and exit 2 (a refused reason, I3, prints its guidance), 3 when the
permission matrix refuses (R6), 4 on a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tpsdesk.bounds import check_year
from tpsdesk.cli import Context, emit
from tpsdesk.commands.params import CONTACT_ID, CONTACT_VERSION
from tpsdesk.errors import TpsError, ValidationError

if TYPE_CHECKING:
    from tpsdesk.policy import Policy

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
# service field -> the option a person typed
OPTION = {
    "reason": "--reason",
    "help_required": "--help-text",
    "references": "--ref",
    "reference_other": "--ref-other",
    "confirmed_no_answer": "--confirmed-no-answer",
    "requester_logon": "--requester",
    "requester_name": "--requester-name",
    "requester_kind": "--requester-kind",
    "crn": "--crn",
    "decision_by": "--decision-by",
    "review_requested": "--review-requested",
    "supervisor_reason": "--supervisor-reason",
    "outcomes": "--outcome",
    "category": "--category",
    "summary": "--summary",
    "nnu_ref": "--nnu",
    "service_first": "--service-first",
    "eped": "--eped",
    "channel": "--channel",
}


def as_option(exc: ValidationError) -> ValidationError:
    """The same error, naming the option instead of the service's field."""
    from tpsdesk.services.intake import Refused

    name = OPTION.get(exc.field, exc.field)
    if isinstance(exc, Refused):
        return Refused(name, exc.guidance)
    return ValidationError(name, exc.message)


def _local(value: datetime | None, zone_name: str) -> str:
    from tpsdesk.businesstime import fmt_local, zone

    return fmt_local(value, zone(zone_name)) if value else "-"


def contact_text(view: Any, policy: Policy) -> str:
    from tpsdesk.services.intake_rules import NONE

    reason = policy.reasons.get(view.reason)
    outcome_labels = policy.outcomes
    none_label = policy.intake.none_reference_label
    refs = [none_label if r == NONE else r for r in view.references]  # I1: the explicit none entry, in words
    refs += [f"other: {view.reference_other}"] if view.reference_other else []
    who = f"{view.requester_name} ({view.requester_logon})" if view.requester_logon else view.requester_name
    lines = [
        f"contact {view.id}  [{view.status}]  {view.channel}  site {view.site}",
        f"reason:      {view.reason}: {reason.label if reason is not None else view.reason}",
        f"requester:   {who}, {policy.requester_kinds.get(view.requester_kind, view.requester_kind)}",
        f"opened:      {_local(view.opened_at, view.zone)} by {view.recorded_by}",
        f"references:  {', '.join(refs) or '-'}",
        f"help:        {view.help_required}",
    ]
    if view.crn:
        lines.append(f"CRN:         {view.crn}")
    for label, value in (("decision by", view.decision_by), ("supervisor", view.supervisor_reason)):
        if value:
            lines.append(f"{label + ':':<13}{value}")
    if view.review_requested:
        lines.append("review:      requested (E2)")
    if view.outcomes:
        lines.append(f"outcomes:    {', '.join(outcome_labels.get(o, o) for o in view.outcomes)}")
        lines.append(f"recorded:    {_local(view.outcome_at, view.zone)} by {view.outcome_by}")
    elif view.suggested_outcomes:
        lines.append(f"expected:    {', '.join(view.suggested_outcomes)}")
    if view.escalation_id:
        lines.append(f"escalation:  {view.escalation_id}")
    if view.service_first or view.nnu_ref:
        lines.append(f"ICT:         Service First {view.service_first or '-'}, NNU {view.nnu_ref or '-'}")
    if view.outbox_id:
        lines.append(f"message:     confirmation queued for the requester (outbox {view.outbox_id})")
    return "\n".join(lines)


F = TypeVar("F", bound=Callable[..., Any])


def outcome_options(command: F) -> F:
    """The I8 outcome's options, the same on ``contact add`` (saved with the contact) and
    ``contact outcome`` (for a contact saved before)."""
    options = [
        click.option(
            "--outcome",
            "outcomes",
            metavar="KEY",
            multiple=True,
            help="resolved, took-over, transferred-tl, escalated, referred-ict (I8); repeat.",
        ),
        click.option("--category", metavar="C", help="Escalation category when escalated (e.g. system, death)."),
        click.option("--summary", default="", help="Escalation summary (default: the help required)."),
        click.option("--nnu", "nnu_ref", default="", help="NNU instruction covering a direct ICT referral (E5b)."),
        click.option("--service-first", default="", help="Service First number of a direct ICT referral (E5b)."),
        click.option("--eped", metavar="YYYY-MM-DD", help="The customer's EPED (E10)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def contact() -> None:
    """Contacts: requests for TPS help (I1 to I10)."""


@contact.command("add")
@click.option("--reason", metavar="KEY", required=True, help="Why TPS is needed (see 'contact guide').")
@click.option("--help-text", "help_text", metavar="TEXT", default="", help="What help is required (I4).")
@click.option(
    "--ref",
    "refs",
    metavar="NAME",
    multiple=True,
    help="A reference checked (I1); repeat for each. 'none' for a reason that is not a reference question (I2.5-7).",
)
@click.option("--ref-other", metavar="NAME", default="", help="Another reference checked, by name (I1).")
@click.option("--confirmed-no-answer", is_flag=True, help="The references did not give the answer (I2.2-4).")
@click.option(
    "--requester",
    metavar="LOGON",
    help="The logon ID of the person asking (I4); required unless you are an SO recording your own request (R1).",
)
@click.option("--requester-name", metavar="NAME", help="The requester's name (required when they are not staff, I4).")
@click.option("--requester-kind", metavar="KIND", default="so", show_default=True, help="so, social-worker, ... (I2).")
@click.option("--crn", default="", help="The customer's CRN.")
@click.option("--decision-by", metavar="KEY", help="Who made the unfavourable decision (I5).")
@click.option("--review-requested", is_flag=True, help="The customer asks for a review of the decision (I5, E2).")
@click.option("--supervisor-reason", metavar="complaint|technical", help="Why a supervisor is asked for (I6).")
@outcome_options
@JSON
@click.pass_obj
def add(obj: Context, reason: str, help_text: str, refs: tuple[str, ...], ref_other: str, confirmed_no_answer: bool,
        requester: str | None, requester_name: str | None, requester_kind: str, crn: str, decision_by: str | None,
        review_requested: bool, supervisor_reason: str | None, outcomes: tuple[str, ...], category: str | None,
        summary: str, nnu_ref: str, service_first: str, eped: str | None, as_json: bool) -> None:  # fmt: skip
    """Record a request for TPS help, and with --outcome its outcome in the same step: the
    contact is saved with it or not at all. A reason TPS does not take (I3) records nothing."""
    from tpsdesk.services import intake
    from tpsdesk.services.setup import parse_date

    desk = obj.desk()
    extras = {"--category": category, "--summary": summary, "--nnu": nnu_ref, "--service-first": service_first,
              "--eped": eped}  # fmt: skip
    given = [name for name, value in extras.items() if value]
    if given and not outcomes:
        raise click.UsageError(f"{', '.join(given)} belong to an outcome: add --outcome KEY (I8)")
    try:
        chosen = None
        if outcomes:
            chosen = intake.OutcomeInput(
                list(outcomes), category, summary, nnu_ref, service_first, parse_date("eped", eped) if eped else None
            )
        view = intake.open_contact(
            desk, obj.user, reason=reason, help_required=help_text, references=list(refs), reference_other=ref_other,
            confirmed_no_answer=confirmed_no_answer, requester_kind=requester_kind, requester_logon=requester,
            requester_name=requester_name, crn=crn, decision_by=decision_by, review_requested=review_requested,
            supervisor_reason=supervisor_reason, outcome=chosen,
        )  # fmt: skip
    except ValidationError as exc:
        raise as_option(exc) from None
    done = "recorded and complete" if view.status == "complete" else "recorded"
    text = f"contact {view.id} {done}\n" + contact_text(view, desk.policy)
    if view.supervisor_reason:
        text += "\n\n" + desk.policy.supervisor.text_for(view.supervisor_reason)
    emit(view.to_json(), as_json, text)


@contact.command("outcome")
@click.argument("contact_id", type=CONTACT_ID, metavar="ID")
@outcome_options
@click.option("--crn", default=None, help="The customer's CRN, if the contact lacks it.")
@click.option("--expected-version", type=CONTACT_VERSION, help="Refuse if the contact changed since this version.")
@JSON
@click.pass_obj
def outcome(obj: Context, contact_id: int, outcomes: tuple[str, ...], category: str | None, summary: str, nnu_ref: str,
            service_first: str, crn: str | None, eped: str | None, expected_version: int | None, as_json: bool) -> None:  # fmt: skip
    """Record a contact's outcome (I8); the requester's confirmation goes to the outbox (I7)."""
    from tpsdesk.services import intake
    from tpsdesk.services.setup import parse_date

    desk = obj.desk()
    try:
        eped_date = parse_date("eped", eped) if eped else None
        view = intake.record_outcome(
            desk, obj.user, contact_id, list(outcomes), category=category, summary=summary, nnu_ref=nnu_ref,
            service_first=service_first, eped=eped_date, expected_version=expected_version, crn=crn,
        )  # fmt: skip
    except ValidationError as exc:
        raise as_option(exc) from None
    emit(view.to_json(), as_json, f"contact {view.id} complete\n" + contact_text(view, desk.policy))


@contact.command("show")
@click.argument("contact_id", type=CONTACT_ID, metavar="ID")
@JSON
@click.pass_obj
def show(obj: Context, contact_id: int, as_json: bool) -> None:
    """One contact."""
    from tpsdesk.services import intake

    desk = obj.desk()
    view = intake.get_contact(desk, obj.user, contact_id)
    emit(view.to_json(), as_json, contact_text(view, desk.policy))


@contact.command("list")
@click.option("--since", metavar="ISO", help="Only contacts opened at or after this instant (site-local if naive).")
@click.option("--status", type=click.Choice(["open", "complete"]), help="Only open or complete contacts.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@JSON
@click.pass_obj
def list_(obj: Context, since: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """Contacts, newest first: yours, or the Centre's for TPS, SP, SSO and TL (R1)."""
    from tpsdesk.services import intake

    desk = obj.desk()
    since_at = _since(desk, obj.user, since) if since else None
    views = intake.list_contacts(desk, obj.user, since=since_at, limit=limit, status=status)
    if as_json:
        emit([v.to_json() for v in views], True)
        return
    if not views:
        emit(None, False, "no contacts")
        return
    rows = [
        f"{v.id:>6}  {_local(v.opened_at, v.zone):<28} {v.status:<9} {v.reason:<22} "
        f"{(v.requester_logon or v.requester_name)[:20]:<20} {','.join(v.outcomes) or '-'}"
        for v in views
    ]
    emit(None, False, "\n".join(rows))


def _since(desk: Any, logon: str, text: str) -> datetime:
    """An ISO instant; a naive one is local time at the user's site (C1, C9)."""
    from datetime import UTC

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("--since", f"{text!r} is not an ISO date or date-time, e.g. 2026-09-25T08:00") from None
    check_year("--since", value, shown=text.strip())
    if value.tzinfo is None:
        from tpsdesk.businesstime import resolve_local, zone
        from tpsdesk.services.intake import user_zone

        value = resolve_local(value, zone(user_zone(desk, logon)))
    return value.astimezone(UTC)


@contact.command("guide")
@click.option("--channel", type=click.Choice(["smart-centre", "comp-recovery"]), help="Default: your Centre's channel.")
@JSON
@click.pass_obj
def guide(obj: Context, channel: str | None, as_json: bool) -> None:
    """The intake checklist (I1), reasons (I2), refused reasons (I3) and guidance (I5, I6, I9, I10)."""
    from tpsdesk.policy import CHANNELS, default_policy
    from tpsdesk.services import intake

    channels = [channel] if channel else _my_channel(obj) or list(CHANNELS)
    guides = [intake.intake_guide(default_policy(), ch) for ch in channels]
    if as_json:
        emit(guides[0].to_json() if len(guides) == 1 else [g.to_json() for g in guides], True)
        return
    emit(None, False, "\n\n".join(guide_text(g) for g in guides))


def _my_channel(obj: Context) -> list[str]:
    """The signed-in user's channel, when the database knows them; else nothing."""
    try:
        from tpsdesk.services.setup import whoami

        return [whoami(obj.desk(), obj.user).channel]
    except (TpsError, AttributeError):
        return []


def guide_text(g: Any) -> str:
    from tpsdesk.services.intake_rules import NONE

    lines = [
        f"== {g.channel_label} ({g.channel}) ==",
        "",
        "References to check first (I1; --ref NAME, or --ref-other NAME; every contact records them):",
    ]
    lines += [f"  - {r}" for r in g.references]
    lines += [f"  - {g.none_reference_label} (--ref {NONE}; only for the reasons marked so)"]
    lines += ["", "Reasons TPS takes (I2; --reason KEY):"]
    for r in g.reasons:
        marks = [
            m
            for m, on in (
                ("references required", r.references_required and not r.none_allowed),
                (f"references or --ref {NONE}", r.none_allowed),
                ("confirm no answer", r.confirm_no_answer),
                ("urgent", r.urgent),
            )
            if on
        ]
        lines.append(f"  {r.key:<22} {r.label}" + (f"  [{'; '.join(marks)}]" if marks else ""))
    lines += ["", "Not a reason to contact TPS (I3):"]
    for x in g.refused:
        lines += [f"  {x.key:<22} {x.label}", f"  {'':<22} -> {x.guidance}"]
    decision = g.decision
    lines += ["", "Unfavourable decision (I5; --decision-by KEY):"]
    lines += [f"  {k:<22} {decision.labels[k]}" for k in decision.made_by]  # every maker has a label
    lines += [
        f"  {decision.explain_first_text}",
        f"  {decision.redirect_text}",
        f"  {decision.review_request_text}",
    ]
    lines += [
        "",
        "Customer asks for a supervisor (I6; --supervisor-reason KEY):",
        f"  {g.supervisor.try_first_text}",
    ]
    for key in g.supervisor.reasons:
        lines.append(f"  {key:<22} {g.supervisor.text_for(key)}")
    lines += ["", "Outcomes (I8; --outcome KEY):"] + [f"  {k:<22} {v}" for k, v in g.outcomes.items()]
    lines += [f"  Escalations go to {g.escalate_to_label}."]
    lines += ["", f"Requesters: {', '.join(f'{k} ({v})' for k, v in g.requester_kinds.items())}"]
    lines += ["", f"Other units (I9): {g.guidance_other_units}", f"Code of conduct (I10): {g.code_of_conduct}"]
    return "\n".join(lines)
