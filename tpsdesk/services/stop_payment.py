"""The stop-payment DOC (S0 to S5) and its E1 escalation.

``field_errors`` checks every field at once for a form that validates as it is
typed; ``render`` produces the DOC text from the policy template (S5);
``save`` stores the DOC and, when asked, raises the urgent arrears escalation
(E1, S3) in the same transaction and returns the channel's routing (S4).
``verify_doc`` and ``return_doc`` are the receiving officer's check (S4);
a returned DOC is corrected by saving a new one with ``replaces``, which takes
over the returned DOC's escalation.
All limits, lists and wording live in ``[stop_payment]`` of the policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from tpsdesk.deadlines import DueResult, compute
from tpsdesk.domain.access import sees_whole_centre
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import Category, NoteKind, Permission
from tpsdesk.errors import Conflict, NotFound, PermissionDenied, PolicyError, ValidationError
from tpsdesk.models import Contact, Escalation, Site, Staff, StopPaymentDoc
from tpsdesk.policy import Policy
from tpsdesk.services.actors import actor_for, allowed, require
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.escalations import create_escalation, view_of
from tpsdesk.services.history import add_note_row, record_event
from tpsdesk.services.intake import can_see_contact, flush_contact, load_contact
from tpsdesk.services.retry import transaction
from tpsdesk.services.uow import flush_or_conflict, touch
from tpsdesk.services.views import EscalationView, json_fields
from tpsdesk.text import fold, normalise_crn, single_line, too_long

FIELDS = ("crn", "payment_type", "amount", "period_from", "period_to", "reason", "ar_checked")
# Dollars and cents, ASCII digits only: "1234.5", "1,234.50", "$1,234.50", ".50".
_AMOUNT = re.compile(r"^\$?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.([0-9]+))?$", re.ASCII)
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
# Rich/Textual-style tags ("[bold]", "[/]", "[link=...]") cannot pad a vague reason (S2).
_TAG = re.compile(r"\[/?(?:[a-z#@][^\s\[\]]*)?\]")
_WORD = re.compile(r"[^\W_]+")


@dataclass
class StopPaymentInput:
    crn: str = ""
    payment_type: str = ""
    amount: str = ""
    period_from: str = ""
    period_to: str = ""
    reason: str = ""
    ar_checked: bool = False


@dataclass(frozen=True)
class StopPaymentDocData:
    """A validated DOC: the values as they are stored and rendered."""

    crn: str
    payment_type: str
    amount_cents: int
    period_from: date
    period_to: date
    reason: str
    ar_checked: bool


@dataclass(frozen=True)
class StopPaymentResult:
    doc_id: int
    text: str
    escalation: EscalationView | None
    route_text: str
    due_at: datetime | None
    after_hours: bool
    route: list[str] = field(default_factory=list)
    replaces_id: int | None = None


# ---------------------------------------------------------------- one field each
def parse_amount(text: str | None, *, limit_cents: int | None = None) -> int:
    """S1: a positive amount in dollars and cents, returned in cents."""
    raw = single_line(text)
    if not raw:
        raise ValidationError("amount", "give the amount to be stopped, e.g. 1234.50")
    if len(raw) > 24:
        raise ValidationError("amount", "that is not an amount: dollars and cents, e.g. 1234.50")
    if raw.lstrip("$ ").startswith(("-", "(", "\u2212")):
        raise ValidationError("amount", "the amount must be positive: the amount to be removed or stopped")
    match = _AMOUNT.match(raw)
    if not match or (match.group(1) is None and match.group(2) is None):
        raise ValidationError("amount", f"{raw!r} is not an amount: dollars and cents with digits 0-9, e.g. 1234.50")
    dollars, cents = match.group(1), match.group(2) or ""
    if len(cents) > 2:
        raise ValidationError("amount", f"{raw!r} has more than two decimal places: give dollars and cents")
    value = int((dollars or "0").replace(",", "")) * 100 + int(cents.ljust(2, "0"))
    if value <= 0:
        raise ValidationError("amount", "the amount must be more than $0.00")
    if limit_cents is not None and value > limit_cents:
        raise ValidationError(
            "amount", f"${format_amount(value)} is over the limit of ${format_amount(limit_cents)}: check the amount"
        )
    return value


def format_amount(cents: int) -> str:
    """S5: always two decimals, thousands separated: 1,234.50."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def _years_from(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def parse_period_date(policy: Policy, name: str, text: str | None, today: date) -> date:
    """S1: an ISO date (YYYY-MM-DD) within the policy's window around today."""
    raw = single_line(text)
    label = "start" if name == "period_from" else "end"
    if not raw:
        raise ValidationError(name, f"give the {label} date of the period to be stopped, as YYYY-MM-DD")
    if not _ISO_DATE.match(raw):
        raise ValidationError(name, f"{raw[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-09-01")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(name, f"{raw} is not a real date") from None
    sp = policy.stop_payment
    earliest = _years_from(today, -sp.period_max_years_before)
    latest = _years_from(today, sp.period_max_years_after)
    if not earliest <= value <= latest:
        raise ValidationError(name, f"{raw} is outside {earliest} to {latest}: check the year")
    return value


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_TAG.sub(" ", fold(text)))


def check_reason(policy: Policy, text: str | None) -> str:
    """S2: exactly why the customer is not entitled. Returns the reason as it is stored.

    Markup, lookalike letters and zero-width characters are folded away first
    (``_tokens``), so they can neither pad nor disguise a reason. Then, with
    filler words set aside: nothing left, or only words of the policy's vague
    reasons, is refused; otherwise the reason needs ``min_reason_words`` words,
    counting every word the officer wrote, fillers included.
    """
    sp = policy.stop_payment
    reason = single_line(text)
    if not reason:
        raise ValidationError(
            "reason", "give the reason the stop payment is required: exactly why the customer is not entitled (S2)"
        )
    cap = sp.max_reason_chars
    if len(reason) > cap:
        raise ValidationError("reason", too_long("the reason", len(reason), cap))
    fillers = {" ".join(_tokens(w)) for w in sp.filler_words}
    tokens = _tokens(reason)
    content = [t for t in tokens if t not in fillers]
    vague = [_tokens(str(v)) for v in sp.vague_reasons]
    # A vague reason "with nothing added": every word left is a word of the vague
    # reasons (repeating or combining them adds nothing), or nothing is left of a
    # text that spells one out ("the customer is not entitled to the arrears").
    vague_words = {t for v in vague for t in v if t not in fillers}
    said_vague = any(v and set(v) <= set(tokens) for v in vague)
    if (content and set(content) <= vague_words) or (not content and said_vague):
        raise ValidationError(
            "reason",
            f"{reason[:60]!r} is not acceptable: the DOC must say exactly why the customer is not entitled (S2)",
        )
    # Nothing left, or numbers alone (a date or an amount needs words saying why).
    if not any(not t.isdigit() for t in content):
        raise ValidationError(
            "reason", "the reason says nothing specific: say exactly why the customer is not entitled (S2)"
        )
    minimum = sp.min_reason_words
    if _word_count(tokens, fillers) < minimum:
        raise ValidationError(
            "reason",
            f"say exactly why the customer is not entitled, in at least {minimum} different words (S2)",
        )
    return reason


def _word_count(tokens: list[str], fillers: set[str]) -> int:
    """S2: every different word the officer wrote, fillers included.

    A word is a number, a filler word ("a"), or two letters or more: stray
    single letters are not words, and a word repeated counts once, so neither
    "b c d e" nor "blah blah blah blah" reaches the minimum.
    """
    return len({t for t in tokens if len(t) > 1 or t.isdigit() or t in fillers})


def check_payment_type(policy: Policy, text: str | None) -> str:
    """S1: the payment type or component, from the policy list (any case) or named in free text."""
    sp = policy.stop_payment
    value = single_line(text)
    if not value:
        raise ValidationError(
            "payment_type", "give the payment type or component, e.g. " + ", ".join(sp.payment_types[:3])
        )
    cap = sp.max_payment_type_chars
    if len(value) > cap:
        raise ValidationError("payment_type", too_long("the payment type", len(value), cap))
    folded = " ".join(_tokens(value))
    for known in sp.payment_types:
        if folded == " ".join(_tokens(known)):
            return str(known)
    if (
        not folded
        or not any(ch.isalpha() for ch in folded)
        or folded in {" ".join(_tokens(v)) for v in sp.vague_payment_types}
    ):
        raise ValidationError("payment_type", f"{value[:40]!r} does not name a payment type or component: name it")
    return value


# ---------------------------------------------------------------- the whole form
def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


@typed_input(live=True)
def validate(
    policy: Policy, data: StopPaymentInput, *, today: date | None = None
) -> tuple[dict[str, str], StopPaymentDocData | None]:
    """Every field's problem (field -> message) and, when there is none, the clean DOC."""
    day = _today(today)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        limit = parse_amount(policy.stop_payment.max_amount)
    except ValidationError as exc:
        raise PolicyError(f"policy key stop_payment.max_amount is not an amount: {exc.message}") from None
    checks: dict[str, Callable[[], Any]] = {
        "crn": lambda: normalise_crn(data.crn),
        "payment_type": lambda: check_payment_type(policy, data.payment_type),
        "amount": lambda: parse_amount(data.amount, limit_cents=limit),
        "period_from": lambda: parse_period_date(policy, "period_from", data.period_from, day),
        "period_to": lambda: parse_period_date(policy, "period_to", data.period_to, day),
        "reason": lambda: check_reason(policy, data.reason),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as exc:
            errors[name] = exc.message
    if "period_from" in values and "period_to" in values and values["period_from"] > values["period_to"]:
        errors["period_to"] = "the period ends before it starts: the 'to' date must be on or after the 'from' date"
    if data.ar_checked is not True:  # S0
        errors["ar_checked"] = (
            "check the Activity Results (AR) screen thoroughly first, then confirm it was checked (S0)"
        )
    if errors:
        return {k: errors[k] for k in FIELDS if k in errors}, None
    return {}, StopPaymentDocData(
        values["crn"],
        values["payment_type"],
        values["amount"],
        values["period_from"],
        values["period_to"],
        values["reason"],
        True,
    )


@typed_input(live=True)
def field_errors(policy: Policy, data: StopPaymentInput, *, today: date | None = None) -> dict[str, str]:
    """Every field's problem at once, for live validation; {} when the DOC can be saved."""
    return validate(policy, data, today=today)[0]


@typed_input()
def checked(policy: Policy, data: StopPaymentInput, *, today: date | None = None) -> StopPaymentDocData:
    errors, doc = validate(policy, data, today=today)
    if doc is None:
        name, message = next(iter(errors.items()))
        raise ValidationError(name, message)
    return doc


def doc_text(policy: Policy, doc: StopPaymentDocData, **context: str) -> str:
    """S5: the one standard layout, from ``stop_payment.template``."""
    sp = policy.stop_payment
    fmt = sp.date_format
    values = {
        "title": sp.doc_title,
        "crn": doc.crn,
        "payment_type": doc.payment_type,
        "amount": format_amount(doc.amount_cents),
        "period_from": doc.period_from.strftime(fmt),
        "period_to": doc.period_to.strftime(fmt),
        "reason": doc.reason,
        "ar_checked": sp.ar_checked_text,
        **context,
    }
    try:
        return sp.template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise PolicyError(f"policy key stop_payment.template has a placeholder it cannot fill: {exc}") from exc


def _route(desk: Desk, channel: str) -> tuple[list[str], str]:
    ch = desk.policy.channels[channel]
    return [str(role) for role in ch.arrears_route], ch.arrears_route_text


def _reported_at(session: Any, contact_id: int | None) -> datetime | None:
    """E1: arrears reported by a contact count from that contact, else from the DOC's saving."""
    if contact_id is None:
        return None
    contact = session.get(Contact, contact_id)
    return contact.opened_at if contact is not None else None


def _prepare(
    desk: Desk, session: Any, logon: str, data: StopPaymentInput, contact_id: int | None = None
) -> tuple[Actor, Site, StopPaymentDocData, str, DueResult, datetime]:
    """Actor, site, clean DOC, its text and the C6 deadline (from the report, E1), at one instant."""
    actor = actor_for(session, logon)
    require(desk.policy, actor, Permission.DOC)
    site = session.get(Site, actor.site_id)
    assert site is not None
    cal = desk.calendar(site)
    now = desk.now()
    doc = checked(desk.policy, data, today=cal.day_one(now))
    reported = _reported_at(session, contact_id) or now
    due = compute(desk.policy.categories[Category.ARREARS], reported, cal, reported_at=reported)  # E1, C6
    text = doc_text(
        desk.policy, doc, author=actor.name, logon=actor.logon, recorded_at=cal.fmt(now),
        cob=cal.fmt(due.due) if due.due else "", site=site.code, channel=actor.channel,
    )  # fmt: skip
    return actor, site, doc, text, due, now


@typed_input()
def render(desk: Desk, logon: str, data: StopPaymentInput, contact_id: int | None = None) -> str:
    """The DOC text (S5), exactly as ``save`` stores it at this instant; raises the first error."""
    with desk.store.read() as session:
        return _prepare(desk, session, logon, data, contact_id)[3]


@typed_input()
@transaction
def save(
    desk: Desk,
    logon: str,
    data: StopPaymentInput,
    *,
    escalate: bool,
    contact_id: int | None = None,
    replaces: int | None = None,
) -> StopPaymentResult:
    """Store the DOC; with ``escalate``, raise the E1 arrears escalation in the same transaction.

    With ``replaces`` the DOC is the SO's correction of a DOC returned to them
    (S4): it takes over the returned DOC's escalation, which keeps its deadline,
    instead of raising another one.
    """
    with desk.store.write() as session:
        actor, site, doc, text, due, now = _prepare(desk, session, logon, data, contact_id)
        old: StopPaymentDoc | None = None
        taken: Escalation | None = None
        if replaces is not None:
            if contact_id is not None:
                raise ValidationError(
                    "contact",
                    "a corrected DOC keeps the returned DOC's contact and escalation: leave out the contact",
                )
            old = _returned_for_correction(session, actor, replaces, doc)
            taken = _escalation_of(session, old)
            if taken is not None and taken.closed:
                raise ValidationError(
                    "replaces",
                    f"escalation {taken.id} of DOC {old.id} is finalised: reopen it with a reason first (F3)",
                )
        escalate = escalate and taken is None  # the returned DOC's escalation is taken over, not raised again
        if escalate:
            require(desk.policy, actor, Permission.RAISE, category=Category.ARREARS)  # S4: an SO may raise arrears only
        contact = None
        if contact_id is not None:
            contact = load_contact(session, contact_id)
            if not can_see_contact(desk, actor, contact) or contact.centre_id != actor.centre_id:
                raise PermissionDenied(f"refused: contact {contact_id} is not yours to link to")
            if contact.crn and contact.crn != doc.crn:
                raise ValidationError("crn", f"contact {contact_id} is about CRN {contact.crn}, not {doc.crn}")
            if escalate and contact.escalation_id is not None:
                raise ValidationError(
                    "contact", f"contact {contact_id} is already escalated as {contact.escalation_id}"
                )
        row = StopPaymentDoc(
            centre_id=actor.centre_id,
            site_id=site.id or 0,
            crn=doc.crn,
            payment_type=doc.payment_type,
            amount_cents=doc.amount_cents,
            period_from=doc.period_from,
            period_to=doc.period_to,
            reason=doc.reason,
            ar_checked=doc.ar_checked,
            text=text,
            created_by_id=actor.id,
            created_at=now,
            replaces_id=old.id if old is not None else None,
        )
        session.add(row)
        session.flush()
        route, route_text = _route(desk, actor.channel)
        view = None
        due_at, after_hours = due.due, due.after_hours
        if old is not None and taken is not None:
            # S4: the corrected DOC becomes the escalation's DOC; its deadline is untouched.
            row.escalation_id = taken.id
            taken.doc_id = row.id
            touch(taken, actor, now)
            flush_or_conflict(session, taken)
            add_note_row(
                session, taken, actor.id, now,
                f"Corrected stop-payment DOC {row.id} replaces DOC {old.id}, returned for: {old.return_reason}",
                kind=NoteKind.NOTE,
            )  # fmt: skip
            view = view_of(session, taken.id or 0)
            due_at, after_hours = view.due_at, view.after_hours
        if escalate:
            summary = f"Stop payment: {doc.payment_type} ${format_amount(doc.amount_cents)}, {doc.period_from} to {doc.period_to}. {doc.reason}"
            esc = create_escalation(
                desk,
                session,
                actor,
                category=Category.ARREARS,
                crn=doc.crn,
                summary=summary,
                doc_id=row.id,
                contact_id=contact_id,
            )
            row.escalation_id = esc.id
            if contact is not None:
                contact.escalation_id = esc.id
                contact.crn = contact.crn or doc.crn
                flush_contact(session, contact)
            session.flush()
            view = view_of(session, esc.id or 0)
            due_at, after_hours = view.due_at, view.after_hours
        record_event(
            session, now, actor.id, "stop-payment-doc", escalation_id=row.escalation_id, contact_id=contact_id,
            doc_id=row.id, route=route, replaces=row.replaces_id,
        )  # fmt: skip
        return StopPaymentResult(row.id or 0, text, view, route_text, due_at, after_hours, route, row.replaces_id)


# ---------------------------------------------------------------- S4: the receiving officer's check
class DocState(StrEnum):
    """S4: where a stop-payment DOC stands in the receiving officer's check."""

    AWAITING = "awaiting-verification"
    VERIFIED = "verified"
    RETURNED = "returned"  # to the SO, who corrects and resubmits
    REPLACED = "replaced"  # returned, and a corrected DOC names it


@dataclass(frozen=True)
class DocView:
    """A stored DOC and its verification state (S4)."""

    id: int
    crn: str
    payment_type: str
    amount: str
    period_from: date
    period_to: date
    reason: str
    text: str
    author: str
    created_at: datetime
    escalation_id: int | None
    state: str
    verified_at: datetime | None = None
    verified_by: str | None = None
    returned_at: datetime | None = None
    returned_by: str | None = None
    return_reason: str = ""
    replaces_id: int | None = None
    replaced_by_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)


def _load_doc(session: Session, doc_id: int, *, lock: bool = False) -> StopPaymentDoc:
    """The DOC row; ``lock`` holds it (FOR UPDATE on PostgreSQL; SQLite writes are serial already)."""
    query = select(StopPaymentDoc).where(StopPaymentDoc.id == doc_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"DOC {doc_id} does not exist: check the DOC number")
    return row


def _replacement_of(session: Session, row: StopPaymentDoc) -> int | None:
    return session.exec(select(StopPaymentDoc.id).where(StopPaymentDoc.replaces_id == row.id)).first()


def _escalation_of(session: Session, row: StopPaymentDoc) -> Escalation | None:
    return session.get(Escalation, row.escalation_id) if row.escalation_id is not None else None


def _not_yours(doc_id: int) -> PermissionDenied:
    # R5: the same words whatever the DOC holds, so a refusal reveals nothing of it.
    return PermissionDenied(f"refused: DOC {doc_id} is not yours to see; ask your Senior Practitioner or Team Leader")


def _can_see_doc(desk: Desk, actor: Actor, row: StopPaymentDoc) -> bool:
    """R1: an SO sees their own DOCs; in the DOC's Centre, whoever verifies DOCs or sees the queue."""
    if row.created_by_id == actor.id:
        return True
    return row.centre_id == actor.centre_id and (
        allowed(desk.policy, actor, Permission.VERIFY_DOC) is None or sees_whole_centre(desk.policy, actor)
    )


def _state(row: StopPaymentDoc, replaced_by: int | None) -> DocState:
    if row.verified_at is not None:
        return DocState.VERIFIED
    if row.returned_at is not None:
        return DocState.REPLACED if replaced_by is not None else DocState.RETURNED
    return DocState.AWAITING


def _view(session: Session, row: StopPaymentDoc) -> DocView:
    replaced_by = _replacement_of(session, row)

    def logon(staff_id: int | None) -> str | None:
        staff = session.get(Staff, staff_id) if staff_id is not None else None
        return staff.logon if staff is not None else None

    return DocView(
        row.id or 0, row.crn, row.payment_type, format_amount(row.amount_cents), row.period_from, row.period_to,
        row.reason, row.text, logon(row.created_by_id) or "", row.created_at, row.escalation_id,
        _state(row, replaced_by), row.verified_at, logon(row.verified_by_id), row.returned_at,
        logon(row.returned_by_id), row.return_reason, row.replaces_id, replaced_by,
    )  # fmt: skip


@typed_input()
def show_doc(desk: Desk, logon: str, doc_id: int) -> DocView:
    """The DOC, its text (S5) and its verification state (S4)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        row = _load_doc(session, doc_id)
        if not _can_see_doc(desk, actor, row):
            raise _not_yours(doc_id)
        return _view(session, row)


def _receiving_officer(desk: Desk, session: Session, logon: str, doc_id: int) -> tuple[Actor, StopPaymentDoc]:
    """S4, R5: the DOC's Centre, the verify_doc permission, and never the DOC's own author."""
    actor = actor_for(session, logon)
    row = _load_doc(session, doc_id, lock=True)
    if row.centre_id != actor.centre_id:  # same Centre only (S4, R5)
        raise _not_yours(doc_id)
    require(desk.policy, actor, Permission.VERIFY_DOC)
    if row.created_by_id == actor.id:
        raise PermissionDenied(
            f"refused: you wrote DOC {doc_id}: the receiving officer, not its author, verifies or returns it (S4)"
        )
    return actor, row


def _refuse_if_checked(session: Session, row: StopPaymentDoc) -> None:
    """S4: a verified DOC cannot be returned nor a returned one verified (the replacement is)."""
    if row.verified_at is not None:
        who = session.get(Staff, row.verified_by_id) if row.verified_by_id else None
        by = f" by {who.name} ({who.logon})" if who else ""
        raise Conflict(f"DOC {row.id} was already verified{by}: a verified DOC cannot be verified again or returned")
    if row.returned_at is not None:
        replaced_by = _replacement_of(session, row)
        if replaced_by is not None:
            raise Conflict(f"DOC {row.id} was returned and replaced by DOC {replaced_by}: check DOC {replaced_by}")
        raise Conflict(
            f"DOC {row.id} was returned to the SO ({row.return_reason}): "
            "it is checked again once their corrected DOC replaces it"
        )


def _history(
    session: Session, actor: Actor, row: StopPaymentDoc, at: datetime, kind: str, note_text: str, **detail: Any
) -> None:
    """S4: an event in the history and, when the DOC has an escalation, a note on it (D3)."""
    esc = _escalation_of(session, row)
    record_event(session, at, actor.id, kind, escalation_id=esc.id if esc else None, doc_id=row.id, **detail)
    if esc is not None:
        add_note_row(session, esc, actor.id, at, note_text, kind=NoteKind.NOTE)


@typed_input()
@transaction
def verify_doc(desk: Desk, logon: str, doc_id: int, note: str = "") -> DocView:
    """S4: the receiving officer records that the DOC holds the amount and exactly why."""
    remark = single_line(note)
    cap = desk.policy.stop_payment.max_reason_chars
    if len(remark) > cap:
        raise ValidationError("note", too_long("the note", len(remark), cap))
    with desk.store.write() as session:
        actor, row = _receiving_officer(desk, session, logon, doc_id)
        _refuse_if_checked(session, row)
        now = desk.now()
        row.verified_at, row.verified_by_id = now, actor.id
        session.add(row)
        text = f"Stop-payment DOC {row.id} verified by {actor.name} ({actor.logon})" + (f": {remark}" if remark else "")
        _history(session, actor, row, now, "doc-verified", text, note=remark)
        session.flush()
        return _view(session, row)


@typed_input()
@transaction
def return_doc(desk: Desk, logon: str, doc_id: int, missing: str) -> DocView:
    """S4: the receiving officer returns the DOC to the SO, saying what is missing."""
    what = single_line(missing)
    if not what:
        raise ValidationError("missing", "say what is missing or wrong in the DOC, so the SO can correct it (S4)")
    cap = desk.policy.stop_payment.max_reason_chars
    if len(what) > cap:
        raise ValidationError("missing", too_long("the text", len(what), cap))
    with desk.store.write() as session:
        actor, row = _receiving_officer(desk, session, logon, doc_id)
        _refuse_if_checked(session, row)
        now = desk.now()
        row.returned_at, row.returned_by_id, row.return_reason = now, actor.id, what
        session.add(row)
        author = session.get(Staff, row.created_by_id)
        to = f" to {author.name} ({author.logon})" if author else ""
        text = f"Stop-payment DOC {row.id} returned{to} by {actor.name} ({actor.logon}); missing: {what}"
        _history(session, actor, row, now, "doc-returned", text, missing=what)
        session.flush()
        return _view(session, row)


def _returned_for_correction(session: Session, actor: Actor, doc_id: int, doc: StopPaymentDocData) -> StopPaymentDoc:
    """S4: the DOC a correction replaces: returned, to this officer, not replaced yet, same customer."""
    old = _load_doc(session, doc_id, lock=True)
    if old.created_by_id != actor.id:
        if old.centre_id != actor.centre_id:
            raise _not_yours(doc_id)
        raise PermissionDenied(f"refused: DOC {doc_id} is another officer's: only its author corrects it (S4)")
    if old.verified_at is not None:
        raise ValidationError("replaces", f"DOC {doc_id} was verified: only a returned DOC is corrected (S4)")
    if old.returned_at is None:
        raise ValidationError(
            "replaces", f"DOC {doc_id} has not been returned: only a DOC returned to you is corrected (S4)"
        )
    replaced_by = _replacement_of(session, old)
    if replaced_by is not None:
        raise Conflict(f"DOC {doc_id} was already replaced by DOC {replaced_by}: correct that one if it is returned")
    if old.crn != doc.crn:
        raise ValidationError(
            "crn",
            f"DOC {doc_id} is about CRN {old.crn}, not {doc.crn}: a correction is for the same customer "
            "(withdraw a mistaken escalation instead, F3)",
        )
    return old
