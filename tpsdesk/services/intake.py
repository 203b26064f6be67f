"""Intake: a request for TPS help (I1 to I10).

The pure half (``intake_guide``, ``check_reason``, ``missing_fields``, in
``intake_rules``) needs only the policy, so a screen can check a draft as it is
typed (I4). ``open_contact`` and ``record_outcome`` validate the same way, check
the permission matrix (R6) and write the contact, its history event (D3), any
escalation (I8, E2, E5b) and the requester's confirmation message (I7) in one
transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from tpsdesk.domain.facts import Actor
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, PolicyError, ValidationError
from tpsdesk.models import Contact, Outbox, Site, Staff
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for, allowed, require
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.intake_outcome import apply_outcome, branch_of
from tpsdesk.services.intake_rules import (
    NONE,
    OTHER,
    IntakeGuide,
    ReasonOption,
    Refused,
    RefusedOption,
    check_reason,
    check_references,
    check_requester,
    intake_guide,
    missing_fields,
    requester_identity,
    requester_logon_for,
    validated,
)
from tpsdesk.services.mail import queue
from tpsdesk.services.retry import transaction
from tpsdesk.services.views import json_fields
from tpsdesk.text import a_or_an

__all__ = [
    "NONE",
    "OTHER",
    "ContactView",
    "IntakeGuide",
    "OpenContacts",
    "OutcomeInput",
    "ReasonOption",
    "Refused",
    "RefusedOption",
    "check_reason",
    "check_references",
    "check_requester",
    "get_contact",
    "intake_guide",
    "list_contacts",
    "missing_fields",
    "open_contact",
    "open_contacts",
    "record_outcome",
    "requester_identity",
    "requester_logon_for",
]


# ---------------------------------------------------------------- views
@dataclass(frozen=True)
class ContactView:
    id: int
    channel: str
    reason: str
    requester_kind: str
    requester_name: str
    requester_logon: str
    references: list[str]
    reference_other: str
    help_required: str
    crn: str
    outcomes: list[str]
    status: str
    escalation_id: int | None
    outbox_id: int | None
    opened_at: datetime
    recorded_by: str
    version: int
    confirmed_no_answer: bool = False
    decision_by: str | None = None
    review_requested: bool = False
    supervisor_reason: str | None = None
    outcome_at: datetime | None = None
    outcome_by: str | None = None
    nnu_ref: str = ""
    service_first: str = ""
    suggested_outcomes: list[str] = field(default_factory=list)
    site: str = ""
    zone: str = "Australia/Sydney"

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)


def suggested_outcomes(policy: Policy, contact: Contact) -> list[str]:
    """The outcome the branch calls for (I5 review -> escalated, I6 -> transferred-tl / took-over)."""
    b = branch_of(contact)
    out = []
    if b.get("supervisor_reason"):
        reason = policy.supervisor.reasons.get(b["supervisor_reason"])
        out.append(str(reason.outcome) if reason is not None else "")
    if b.get("review_requested"):
        out.append("escalated")
    return [o for o in out if o]


def contact_view(session: Session, policy: Policy, contact: Contact) -> ContactView:
    return contact_views(session, policy, [contact])[0]


def contact_views(session: Session, policy: Policy, contacts: list[Contact]) -> list[ContactView]:
    """Views of many contacts with three look-ups in all (staff, outbox, sites), not three each."""
    staff_ids = {c.recorded_by_id for c in contacts} | {c.tps_id for c in contacts if c.tps_id}
    logons = {s.id: s.logon for s in session.exec(select(Staff).where(col(Staff.id).in_(staff_ids))).all()}
    ids = [c.id for c in contacts]
    outbox: dict[int, int] = {}
    for cid, oid in session.exec(select(Outbox.contact_id, Outbox.id).where(col(Outbox.contact_id).in_(ids))).all():
        if cid is not None and oid is not None:  # both always set: a primary key, and the in_ above
            outbox[cid] = max(oid, outbox.get(cid, 0))
    sites = {s.id: s for s in session.exec(select(Site).where(col(Site.id).in_({c.site_id for c in contacts}))).all()}
    return [_view(policy, c, logons, outbox.get(c.id or 0), sites.get(c.site_id)) for c in contacts]


def _view(
    policy: Policy, contact: Contact, logons: dict[Any, str], outbox: int | None, site: Site | None
) -> ContactView:
    assert contact.id is not None
    b = branch_of(contact)
    return ContactView(
        id=contact.id,
        channel=contact.channel,
        reason=contact.reason,
        requester_kind=contact.requester_kind,
        requester_name=contact.requester_name,
        requester_logon=contact.requester_logon,
        references=list(json.loads(contact.references or "[]")),
        reference_other=contact.reference_other,
        help_required=contact.help_required,
        crn=contact.crn,
        outcomes=list(json.loads(contact.outcomes or "[]")),
        status=contact.status,
        escalation_id=contact.escalation_id,
        outbox_id=outbox,
        opened_at=contact.opened_at,
        recorded_by=logons.get(contact.recorded_by_id, "?"),
        version=contact.version,
        confirmed_no_answer=contact.confirmed_no_answer,
        decision_by=b.get("decision_by"),
        review_requested=bool(b.get("review_requested")),
        supervisor_reason=b.get("supervisor_reason"),
        outcome_at=contact.outcome_at,
        outcome_by=logons.get(contact.tps_id) if contact.tps_id else None,
        nnu_ref=contact.nnu_ref,
        service_first=contact.service_first,
        suggested_outcomes=suggested_outcomes(policy, contact),
        site=site.code if site else "",
        zone=site.zone if site else "Australia/Sydney",
    )


# ---------------------------------------------------------------- recording
@dataclass(frozen=True)
class OutcomeInput:
    """What a person chose for a contact's outcome (I8), as the form or the CLI took it."""

    outcomes: list[str]
    category: str | None = None
    summary: str = ""
    nnu_ref: str = ""
    service_first: str = ""
    eped: date | None = None
    crn: str | None = None


def _records_for_others(desk: Desk, actor: Actor) -> bool:
    """R1, R6: those who record outcomes record contacts for others; an SO only their own."""
    return allowed(desk.policy, actor, "outcome") is None


def _requester(
    session: Session, actor: Actor, desk: Desk, guide: IntakeGuide, v: dict[str, Any]
) -> tuple[Staff | None, str, str]:
    """(staff row or None, name, logon) of the requester (I4), after the R1 check.

    The logon was required and checked by form in ``validated``; here a staff requester's
    logon must be on the floor (``requester_identity``). The recorder is never put in
    the requester's place: an omitted logon was refused before this for anyone who
    records for others."""
    logon = str(v["requester_logon"])
    kind = v["requester_kind"]
    if not _records_for_others(desk, actor) and (logon != actor.logon or kind not in guide.staff_requester_kinds):
        raise PermissionDenied(f"refused: {a_or_an(actor.role)} records the contacts they raise themselves (R1)")
    staff = None
    if kind in guide.staff_requester_kinds:
        staff = session.exec(select(Staff).where(Staff.logon == logon)).first()
    name = requester_identity(guide, kind, logon, v["requester_name"], staff.name if staff else None)
    return staff, name, staff.logon if staff else logon


@typed_input(lines={"help_required": "the help text", "summary": "the summary"})
@transaction
def open_contact(
    desk: Desk,
    logon: str,
    *,
    reason: str,
    help_required: str,
    references: list[str],
    reference_other: str = "",
    confirmed_no_answer: bool = False,
    requester_kind: str = "so",
    requester_logon: str | None = None,
    requester_name: str | None = None,
    crn: str = "",
    decision_by: str | None = None,
    review_requested: bool = False,
    supervisor_reason: str | None = None,
    outcome: OutcomeInput | None = None,
) -> ContactView:
    """Record a request for TPS help (I1 to I6) and, given ``outcome``, its outcome too (I8).

    One transaction: a contact is saved with its outcome, escalation and confirmation
    (I7), or nothing is saved. A refused reason raises ``Refused`` and records nothing."""
    draft = dict(locals())
    del draft["desk"], draft["logon"], draft["outcome"]
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        require(desk.policy, actor, "contact")
        if outcome is not None:
            require(desk.policy, actor, "outcome")  # R6: checked before anything is written
        contact = _new_contact(desk, session, actor, draft)
        if outcome is not None:
            _complete(desk, session, actor, contact, outcome)
        return contact_view(session, desk.policy, contact)


def _new_contact(desk: Desk, session: Session, actor: Actor, draft: dict[str, Any]) -> Contact:
    """The contact row and its D3 event, inside the caller's transaction."""
    # I4, R1: an SO recording their own request is the requester; nobody else is.
    draft["requester_logon"] = requester_logon_for(
        draft["requester_logon"], actor.logon, _records_for_others(desk, actor)
    )
    v = validated(desk.policy, actor.channel, draft)
    staff, name, req_logon = _requester(session, actor, desk, intake_guide(desk.policy, actor.channel), v)
    now = desk.now()
    branch = {k: v[k] for k in ("decision_by", "review_requested", "supervisor_reason") if v[k]}
    contact = Contact(
        centre_id=actor.centre_id,
        site_id=actor.site_id,
        channel=actor.channel,
        requester_kind=v["requester_kind"],
        requester_id=staff.id if staff else None,
        requester_name=name,
        requester_logon=req_logon,
        recorded_by_id=actor.id,
        reason=v["reason"],
        references=json.dumps(v["references"]),
        reference_other=v["reference_other"],
        confirmed_no_answer=v["confirmed_no_answer"],
        help_required=v["help_required"],
        crn=v["crn"],
        branch_detail=json.dumps(branch, sort_keys=True) if branch else "",
        opened_at=now,
    )
    session.add(contact)
    session.flush()
    record_event(
        session,
        now,
        actor.id,
        "contact-opened",
        contact_id=contact.id,
        reason=v["reason"],
        requester=req_logon,
        **branch,
    )
    return contact


def load_contact(session: Session, contact_id: int, expected_version: int | None = None) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} does not exist")
    if expected_version is not None and contact.version != expected_version:
        raise Conflict(f"contact {contact_id} was changed meanwhile: reload it and try again")
    return contact


def can_see_contact(desk: Desk, actor: Actor, contact: Contact) -> bool:
    """R1: an SO sees their own contacts; those who record outcomes or see all, the Centre's."""
    if actor.id in (contact.requester_id, contact.recorded_by_id, contact.tps_id):
        return True
    wide = allowed(desk.policy, actor, "outcome") is None or allowed(desk.policy, actor, "see_all") is None
    return wide and contact.centre_id == actor.centre_id


@typed_input()
def get_contact(desk: Desk, logon: str, contact_id: int) -> ContactView:
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        contact = load_contact(session, contact_id)
        if not can_see_contact(desk, actor, contact):
            raise PermissionDenied(f"refused: contact {contact_id} is not yours to see (R1)")
        return contact_view(session, desk.policy, contact)


@typed_input()
def list_contacts(
    desk: Desk, logon: str, *, since: datetime | None = None, limit: int = 100, status: str | None = None
) -> list[ContactView]:
    """Newest first; the Centre's for those who record outcomes or see all, else one's own (R1)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = select(Contact)
        if allowed(desk.policy, actor, "outcome") is None or allowed(desk.policy, actor, "see_all") is None:
            stmt = stmt.where(Contact.centre_id == actor.centre_id)
        else:
            stmt = stmt.where(
                or_(
                    col(Contact.requester_id) == actor.id,
                    col(Contact.recorded_by_id) == actor.id,
                    col(Contact.tps_id) == actor.id,
                )
            )
        if since is not None:
            stmt = stmt.where(Contact.opened_at >= since)
        if status:
            if status not in ("open", "complete"):
                raise ValidationError("status", "a contact is open or complete")
            stmt = stmt.where(Contact.status == status)
        stmt = stmt.order_by(col(Contact.opened_at).desc(), col(Contact.id).desc()).limit(max(1, min(limit, 1000)))
        return contact_views(session, desk.policy, list(session.exec(stmt).all()))


@dataclass(frozen=True)
class OpenContacts:
    """The open contacts list (F8): what is waiting for an outcome, or an SO's own."""

    rows: list[ContactView]
    records_outcomes: bool  # R6: the reader may record an outcome (else: R1, their own)
    site: str  # the site listed (an SO's own contacts are listed from any site)
    more: bool  # there are more than ``rows`` (capped at the limit)
    refusal: str = ""  # why the reader may not record an outcome (R6), when they may not


@typed_input()
def open_contacts(desk: Desk, logon: str, *, site: str | None = None, limit: int = 200) -> OpenContacts:
    """I7, I8: the contacts waiting for TPS. Those who record outcomes (R6) get the open
    contacts of their site, or of a site of their Centre they name, OLDEST first (the one
    waiting longest is done first). Anyone else (an SO, R1) gets their own contacts, as
    requester or recorder, while open and for ``intake.recent_complete_hours`` after the
    outcome, so they see TPS completed it. Keyed ranges over ``ix_contact_site_open``,
    ``ix_contact_requester_open`` and ``ix_contact_recorder_open``."""
    limit = max(1, min(limit, 1000))
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        refusal = allowed(desk.policy, actor, "outcome")
        where = _listed_site(session, actor, site if refusal is None else None)
        stmt = select(Contact)
        if refusal is None:
            stmt = stmt.where(Contact.site_id == where.id, Contact.status == "open")
        else:
            since = desk.now() - timedelta(hours=desk.policy.intake.recent_complete_hours)
            shown = or_(
                col(Contact.status) == "open", and_(col(Contact.status) == "complete", col(Contact.outcome_at) >= since)
            )
            mine = or_(col(Contact.requester_id) == actor.id, col(Contact.recorded_by_id) == actor.id)
            stmt = stmt.where(mine, shown)
        stmt = stmt.order_by(col(Contact.opened_at), col(Contact.id)).limit(limit + 1)
        found = list(session.exec(stmt).all())
        return OpenContacts(
            rows=contact_views(session, desk.policy, found[:limit]) if found else [],
            records_outcomes=refusal is None,
            site=where.code,
            more=len(found) > limit,
            refusal=f"refused: {refusal}" if refusal is not None else "",
        )


def _listed_site(session: Session, actor: Actor, code: str | None) -> Site:
    """The actor's own site, or the named site of their Centre (another Centre's is refused)."""
    if code:
        found = session.exec(select(Site).where(Site.code == code.upper())).first()
        if found is None:
            raise NotFound(f"site: no site with code {code!r}")
        if found.centre_id != actor.centre_id:
            raise PermissionDenied(f"refused: site {found.code} belongs to another Centre")
        return found
    own = session.get(Site, actor.site_id)
    assert own is not None  # a staff member's site is a foreign key
    return own


@typed_input()
def user_zone(desk: Desk, logon: str) -> str:
    """The IANA zone of the user's site: naive times they type are local there (C1, C9)."""
    with desk.store.read() as session:
        site = session.get(Site, actor_for(session, logon).site_id)
        return site.zone if site else "Australia/Sydney"


def flush_contact(session: Session, contact: Contact) -> None:
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict(f"contact {contact.id} was changed by someone else meanwhile: reload it and try again") from None


def completion_message(desk: Desk, contact: Contact, outcomes: list[str], escalation_id: int | None) -> tuple[str, str]:
    """The I7 confirmation for the requester, from the policy's wording."""
    intake = desk.policy.intake
    labels = desk.policy.outcomes
    known = desk.policy.reasons.get(contact.reason)
    reason = known.label if known is not None else contact.reason
    try:
        body = intake.completion_body.format(
            contact_id=contact.id, reason=reason, outcomes=", ".join(labels.get(o, o) for o in outcomes)
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise PolicyError(f"policy key intake.completion_body has an unknown placeholder: {exc}") from exc
    if escalation_id is not None:
        body += f" Escalation {escalation_id} was raised."
    return intake.completion_subject, body


def confirmation_recipient(session: Session, contact: Contact) -> str:
    """I7: the confirmation goes to the requester, never the recorder: a staff requester's
    email (their logon when the record has none), else the requester's logon. Only a
    contact saved before I4 required the logon falls back to the requester's name."""
    requester = session.get(Staff, contact.requester_id) if contact.requester_id else None
    if requester is not None:
        return requester.email or requester.logon
    return contact.requester_logon or contact.requester_name


@typed_input(lines={"summary": "the summary"})
@transaction
def record_outcome(
    desk: Desk,
    logon: str,
    contact_id: int,
    outcomes: list[str],
    *,
    category: str | None = None,
    summary: str = "",
    nnu_ref: str = "",
    service_first: str = "",
    eped: date | None = None,
    expected_version: int | None = None,
    crn: str | None = None,
) -> ContactView:
    """I8: the outcome(s) of a saved contact, any escalation, and the I7 confirmation in the
    outbox, in one transaction. ``expected_version`` refuses a contact changed meanwhile."""
    with desk.store.write() as session:
        actor = actor_for(session, logon)
        require(desk.policy, actor, "outcome")
        contact = load_contact(session, contact_id, expected_version)
        if contact.centre_id != actor.centre_id:
            raise PermissionDenied(f"refused: contact {contact_id} belongs to another Centre")
        if contact.status == "complete":
            raise ValidationError("status", f"contact {contact_id} already has its outcome recorded")
        chosen = OutcomeInput(outcomes, category, summary, nnu_ref, service_first, eped, crn)
        _complete(desk, session, actor, contact, chosen)
        return contact_view(session, desk.policy, contact)


def _complete(desk: Desk, session: Session, actor: Actor, contact: Contact, chosen: OutcomeInput) -> None:
    """I8 and I7 on an open contact, inside the caller's transaction."""
    now = desk.now()
    outs = apply_outcome(
        desk, session, actor, contact, chosen.outcomes, category=chosen.category, summary=chosen.summary,
        nnu_ref=chosen.nnu_ref, service_first=chosen.service_first, eped=chosen.eped, crn=chosen.crn, now=now,
    )  # fmt: skip
    contact.outcomes = json.dumps(outs)
    contact.outcome_at = now
    contact.tps_id = actor.id
    contact.status = "complete"
    flush_contact(session, contact)
    subject, body = completion_message(desk, contact, outs, contact.escalation_id)
    recipient = confirmation_recipient(session, contact)
    kind = desk.policy.intake.completion_kind
    queue(session, now, kind=kind, recipient=recipient, subject=subject, body=body, centre_id=contact.centre_id,
          recipient_id=contact.requester_id, contact_id=contact.id)  # fmt: skip
    record_event(
        session,
        now,
        actor.id,
        "contact-outcome",
        contact_id=contact.id,
        outcomes=outs,
        escalation_id=contact.escalation_id,
    )
