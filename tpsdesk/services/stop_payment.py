"""The stop-payment DOC (S0 to S5) and its E1 escalation.

``field_errors`` checks every field at once for a form that validates as it is
typed; ``render`` produces the DOC text from the policy template (S5);
``save`` stores the DOC and, when asked, raises the urgent arrears escalation
(E1, S3) in the same transaction and returns the channel's routing (S4).
All limits, lists and wording live in ``[stop_payment]`` of the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tpsdesk.deadlines import DueResult, compute
from tpsdesk.errors import PermissionDenied, PolicyError, ValidationError
from tpsdesk.models import Site, StopPaymentDoc
from tpsdesk.policy import Policy
from tpsdesk.services.common import Actor, Desk, actor_for, record_event, require
from tpsdesk.services.escalations import create_escalation, view_of
from tpsdesk.services.intake import can_see_contact, flush_contact, load_contact
from tpsdesk.services.views import EscalationView
from tpsdesk.text import fold, normalise_crn, single_line

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


def _sp(policy: Policy) -> dict[str, Any]:
    return policy.section("stop_payment")


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
    sp = _sp(policy)
    earliest = _years_from(today, -int(sp.get("period_max_years_before", 6)))
    latest = _years_from(today, int(sp.get("period_max_years_after", 2)))
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
    sp = _sp(policy)
    reason = single_line(text)
    if not reason:
        raise ValidationError(
            "reason", "give the reason the stop payment is required: exactly why the customer is not entitled (S2)"
        )
    cap = int(sp.get("max_reason_chars", 1000))
    if len(reason) > cap:
        raise ValidationError("reason", f"the reason is {len(reason)} characters: keep it to at most {cap}")
    fillers = {" ".join(_tokens(w)) for w in sp.get("filler_words", [])}
    tokens = _tokens(reason)
    content = [t for t in tokens if t not in fillers]
    vague = [_tokens(str(v)) for v in sp.get("vague_reasons", [])]
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
    minimum = int(sp.get("min_reason_words", 4))
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
    sp = _sp(policy)
    value = single_line(text)
    if not value:
        raise ValidationError(
            "payment_type", "give the payment type or component, e.g. " + ", ".join(sp.get("payment_types", [])[:3])
        )
    cap = int(sp.get("max_payment_type_chars", 80))
    if len(value) > cap:
        raise ValidationError("payment_type", f"too long: at most {cap} characters")
    folded = " ".join(_tokens(value))
    for known in sp.get("payment_types", []):
        if folded == " ".join(_tokens(known)):
            return str(known)
    if (
        not folded
        or not any(ch.isalpha() for ch in folded)
        or folded in {" ".join(_tokens(v)) for v in sp.get("vague_payment_types", [])}
    ):
        raise ValidationError("payment_type", f"{value[:40]!r} does not name a payment type or component: name it")
    return value


# ---------------------------------------------------------------- the whole form
def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def validate(
    policy: Policy, data: StopPaymentInput, *, today: date | None = None
) -> tuple[dict[str, str], StopPaymentDocData | None]:
    """Every field's problem (field -> message) and, when there is none, the clean DOC."""
    day = _today(today)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        limit = parse_amount(str(_sp(policy).get("max_amount", "999999.99")))
    except ValidationError as exc:
        raise PolicyError(f"policy key stop_payment.max_amount is not an amount: {exc.message}") from None
    checks = {
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


def field_errors(policy: Policy, data: StopPaymentInput, *, today: date | None = None) -> dict[str, str]:
    """Every field's problem at once, for live validation; {} when the DOC can be saved."""
    return validate(policy, data, today=today)[0]


def checked(policy: Policy, data: StopPaymentInput, *, today: date | None = None) -> StopPaymentDocData:
    errors, doc = validate(policy, data, today=today)
    if doc is None:
        name, message = next(iter(errors.items()))
        raise ValidationError(name, message)
    return doc


def doc_text(policy: Policy, doc: StopPaymentDocData, **context: str) -> str:
    """S5: the one standard layout, from ``stop_payment.template``."""
    sp = _sp(policy)
    fmt = str(sp.get("date_format", "%d %b %Y"))
    values = {
        "title": str(sp.get("doc_title", "STOP PAYMENT REQUEST")),
        "crn": doc.crn,
        "payment_type": doc.payment_type,
        "amount": format_amount(doc.amount_cents),
        "period_from": doc.period_from.strftime(fmt),
        "period_to": doc.period_to.strftime(fmt),
        "reason": doc.reason,
        "ar_checked": str(sp.get("ar_checked_text", "Yes")),
        **context,
    }
    try:
        return str(sp["template"]).format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise PolicyError(f"policy key stop_payment.template has a placeholder it cannot fill: {exc}") from exc


def _route(desk: Desk, channel: str) -> tuple[list[str], str]:
    ch = desk.policy.channel(channel)
    return list(ch.get("arrears_route", [])), str(ch.get("arrears_route_text", ""))


def _prepare(
    desk: Desk, session: Any, logon: str, data: StopPaymentInput
) -> tuple[Actor, Site, StopPaymentDocData, str, DueResult, datetime]:
    """Actor, site, clean DOC, its text and the C6 deadline, all at one instant."""
    actor = actor_for(session, logon)
    require(desk.policy, actor, "doc")
    site = session.get(Site, actor.site_id)
    assert site is not None
    cal = desk.calendar(site)
    now = desk.now()
    doc = checked(desk.policy, data, today=cal.day_one(now))
    due = compute(desk.policy.categories["arrears"], now, cal)  # S3: before COB (C6)
    text = doc_text(
        desk.policy, doc, author=actor.name, logon=actor.logon, recorded_at=cal.fmt(now),
        cob=cal.fmt(due.due) if due.due else "", site=site.code, channel=actor.channel,
    )  # fmt: skip
    return actor, site, doc, text, due, now


def render(desk: Desk, logon: str, data: StopPaymentInput) -> str:
    """The DOC text (S5), exactly as ``save`` stores it at this instant; raises the first error."""
    with desk.store.read() as session:
        return _prepare(desk, session, logon, data)[3]


def save(
    desk: Desk, logon: str, data: StopPaymentInput, *, escalate: bool, contact_id: int | None = None
) -> StopPaymentResult:
    """Store the DOC; with ``escalate``, raise the E1 arrears escalation in the same transaction."""
    with desk.store.write() as session:
        actor, site, doc, text, due, now = _prepare(desk, session, logon, data)
        if escalate:
            require(desk.policy, actor, "raise", category="arrears")  # S4: an SO may raise arrears only
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
        )
        session.add(row)
        session.flush()
        route, route_text = _route(desk, actor.channel)
        view = None
        due_at, after_hours = due.due, due.after_hours
        if escalate:
            summary = f"Stop payment: {doc.payment_type} ${format_amount(doc.amount_cents)}, {doc.period_from} to {doc.period_to}. {doc.reason}"
            esc = create_escalation(
                desk,
                session,
                actor,
                category="arrears",
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
            doc_id=row.id, route=route,
        )  # fmt: skip
        return StopPaymentResult(row.id or 0, text, view, route_text, due_at, after_hours, route)
