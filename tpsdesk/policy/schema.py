"""Typed, frozen sections of the policy data (``data/policy.toml``).

Every table of the file is a frozen dataclass here, and the dataclass IS the
table's schema: its fields are the only keys the table may hold (the allowed
keys of a table are ``keys_of(cls)``), each field's type says what its value
must be, and ``field(metadata=...)`` adds the rest:

- ``opt(empty)``: the key is optional; absent, it reads as ``empty`` (an
  explicit empty value: ``""``, ``False``, ``()``, ``None``, never a number
  of the rules). A field without ``opt`` is a required key.
- ``"key"``: the TOML name when it is not a Python name (``from``, ``label_comp-recovery``).
- ``"min"``, ``"choices"``, ``"zone"``: a whole number's minimum, the allowed
  words, an IANA zone name.
- ``"keys"`` / ``"all"``: the keys a table of entries may use / must all hold.
- ``"name"``: the field takes the entry's own key (a category's ``key``).
- ``"parse"``: a hand-written parser for a section with its own checks (R6, E5).

``parse(cls, raw, where)`` reads one table and refuses an unknown key, a missing
key or a wrong type with a ``PolicyError`` naming the full dotted key and what it
must be. No default lives here: the data file holds every value and a Centre's
file overrides it key by key (``tpsdesk.policy.load``).

To add a key to a table: add one field to its dataclass below (``opt(...)`` if a
Centre's file may leave it out) and the key with its value to data/policy.toml.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import parse_clock
from tpsdesk.domain.vocab import Category as CategoryKey
from tpsdesk.domain.vocab import Channel, FinalReason, Grant, NextAction, Outcome, Permission, Role, Target
from tpsdesk.errors import PolicyError, ValidationError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    D = TypeVar("D", bound=DataclassInstance)

# C3: the states whose public holidays the calendars know (as in tpsdesk.businesstime).
STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT")

_WORDS: dict[Any, str] = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    tuple: "a list",
}


def _full(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def opt(empty: Any, **more: Any) -> dict[str, Any]:
    """Field metadata of an optional key that reads as ``empty`` when absent."""
    return {"empty": empty, **more}


# ---------------------------------------------------------------- small readers
def table(raw: Any, where: str, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A TOML table at ``where``; with ``keys``, any other key is refused."""
    if not isinstance(raw, dict):
        raise PolicyError(f"policy key {where} must be a table, got {raw!r}")
    if keys is not None:
        for name in raw:
            if name not in keys:
                raise PolicyError(f"policy key {_full(where, name)} is not known; use {', '.join(keys)}")
    return raw


def need(raw: dict[str, Any], name: str, where: str, typ: type) -> Any:
    """The value of ``name``, which must be present and of type ``typ``."""
    if name not in raw:
        raise PolicyError(f"policy key {_full(where, name)} is missing")
    value = raw[name]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise PolicyError(f"policy key {_full(where, name)} must be {_WORDS.get(typ, typ.__name__)}, got {value!r}")
    return value


def text(raw: dict[str, Any], name: str, where: str) -> str:
    return str(need(raw, name, where, str))


def texts(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = need(raw, name, where, list)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise PolicyError(f"policy key {_full(where, name)}[{i}] must be text, got {item!r}")
    return tuple(value)


def text_map(raw: dict[str, Any], name: str, where: str) -> Mapping[str, str]:
    value = table(need(raw, name, where, dict), _full(where, name))
    for key, item in value.items():
        if not isinstance(item, str):
            raise PolicyError(f"policy key {_full(where, name)}.{key} must be text, got {item!r}")
    return MappingProxyType(dict(value))


def list_map(raw: dict[str, Any], name: str, where: str) -> Mapping[str, tuple[str, ...]]:
    value = table(need(raw, name, where, dict), _full(where, name))
    return MappingProxyType({key: texts(value, key, _full(where, name)) for key in value})


def whole(raw: dict[str, Any], name: str, where: str, minimum: int = 0) -> int:
    value = int(need(raw, name, where, int))
    if value < minimum:
        raise PolicyError(f"policy key {_full(where, name)} must be at least {minimum}, got {value}")
    return value


def flag(raw: dict[str, Any], name: str, where: str) -> bool:
    return bool(need(raw, name, where, bool))


def choice(raw: dict[str, Any], name: str, where: str, choices: tuple[str, ...]) -> str:
    value = text(raw, name, where)
    if value not in choices:
        raise PolicyError(f"policy key {_full(where, name)} must be one of {', '.join(choices)}, got {value!r}")
    return value


def clock(value: Any, where: str) -> time:
    """A clock time: "17:00" or a TOML time literal (17:00:00)."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        return parse_clock(value, where)
    except ValidationError:
        raise PolicyError(f'policy key {where} must be a time like "17:00", got {value!r}') from None


def day(value: Any, where: str) -> date:
    """A date: "2026-12-24" or a TOML date literal."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        if not isinstance(value, str):
            raise TypeError(value)
        return date.fromisoformat(value)
    except (ValueError, TypeError) as exc:
        raise PolicyError(f'policy key {where} must be a date like "2026-12-24", got {value!r}') from exc


def zone(value: str, where: str) -> str:
    """An IANA time-zone name (C1)."""
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise PolicyError(
            f"policy key {where}: unknown time zone {value!r}; use an IANA name like Australia/Perth"
        ) from exc
    return value


# ---------------------------------------------------------------- the generic reader
def keys_of(cls: type[Any]) -> tuple[str, ...]:
    """The keys a table of ``cls`` may hold, in declaration order."""
    return tuple(f.metadata.get("key", f.name) for f in dataclasses.fields(cls) if not f.metadata.get("name"))


@cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return get_type_hints(cls)


def parse(cls: type[D], raw: Any, where: str, name: str = "") -> D:
    """One table read into ``cls``: every key declared, typed, present unless optional."""
    tbl = table(raw, where, keys_of(cls))
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if meta.get("name"):
            values[f.name] = name
            continue
        key = meta.get("key", f.name)
        full = _full(where, key)
        if key not in tbl:
            if "empty" not in meta:
                raise PolicyError(f"policy key {full} is missing")
            values[f.name] = meta["empty"]
        elif "parse" in meta:
            values[f.name] = meta["parse"](tbl[key], full)
        else:
            values[f.name] = value_of(hints[f.name], tbl[key], full, meta)
    obj = cls(**values)
    checked: Callable[[str, dict[str, Any]], D] | None = getattr(obj, "checked", None)
    return checked(where, tbl) if checked is not None else obj


def value_of(tp: Any, value: Any, where: str, meta: Mapping[str, Any]) -> Any:
    """``value`` read as the type ``tp`` (a field's annotation)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):  # X | None: the None is the empty of an optional key
        inner = [a for a in args if a is not type(None)]
        return value_of(inner[0], value, where, meta)
    if tp in (bool, int, str):
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise PolicyError(f"policy key {where} must be {_WORDS[tp]}, got {value!r}")
        if tp is int and value < meta.get("min", 0):
            raise PolicyError(f"policy key {where} must be at least {meta.get('min', 0)}, got {value}")
        if tp is str and "choices" in meta and value not in meta["choices"]:
            raise PolicyError(f"policy key {where} must be one of {', '.join(meta['choices'])}, got {value!r}")
        if tp is str and meta.get("zone"):
            zone(value, where)
        return value
    if tp is time:
        return clock(value, where)
    if tp is date:
        return day(value, where)
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        words = tuple(meta.get("choices", tuple(tp)))
        if not isinstance(value, str) or value not in words:
            raise PolicyError(f"policy key {where} must be one of {', '.join(words)}, got {value!r}")
        return tp(value)
    if origin is tuple:
        if not isinstance(value, list):
            raise PolicyError(f"policy key {where} must be a list, got {value!r}")
        return tuple(value_of(args[0], item, f"{where}[{i}]", meta) for i, item in enumerate(value))
    if origin is Mapping:
        allowed: tuple[str, ...] | None = meta.get("keys")
        entries = table(value, where, allowed)
        if allowed is not None and meta.get("all"):
            for key in allowed:
                if key not in entries:
                    raise PolicyError(f"policy key {where}.{key} is missing")
        inner_meta = {k: v for k, v in meta.items() if k not in ("keys", "all")}
        item_type = args[1]
        if dataclasses.is_dataclass(item_type):
            return MappingProxyType({k: parse(item_type, v, f"{where}.{k}", k) for k, v in entries.items()})  # type: ignore[arg-type]
        return MappingProxyType({k: value_of(item_type, v, f"{where}.{k}", inner_meta) for k, v in entries.items()})
    if dataclasses.is_dataclass(tp):
        return parse(tp, value, where)  # type: ignore[arg-type]
    raise TypeError(f"policy schema: no reader for {tp!r} at {where}")  # pragma: no cover - a schema mistake


def _empty_map() -> Mapping[str, Any]:
    return MappingProxyType({})


# ---------------------------------------------------------------- business (C2, C3)
@dataclass(frozen=True, slots=True)
class Business:
    open: time  # C2: a site's hours unless its row sets its own
    cob: time
    default_zone: str = field(metadata={"zone": True})  # `tpsdesk due` without a site
    default_state: str = field(metadata={"choices": STATES})
    # C3: dates added to or removed from a state's public holidays.
    extra_holidays: Mapping[str, tuple[date, ...]] = field(metadata={"keys": STATES})
    removed_holidays: Mapping[str, tuple[date, ...]] = field(metadata={"keys": STATES})

    def checked(self, where: str, raw: dict[str, Any]) -> Business:
        if self.cob <= self.open:
            raise PolicyError(f"policy key {where}.cob must be later than {where}.open")
        return self

    def holidays(self, state: str) -> tuple[tuple[date, ...], tuple[date, ...]]:
        """C3: the state's added and removed dates."""
        return self.extra_holidays.get(state, ()), self.removed_holidays.get(state, ())


# ---------------------------------------------------------------- sites (C2)
@dataclass(frozen=True, slots=True)
class Site:
    """A built-in site, so `tpsdesk due --site CODE` works without a database."""

    name: str
    zone: str = field(metadata={"zone": True})
    state: str = field(metadata={"choices": STATES})
    open: time | None = field(metadata=opt(None))  # None: business.open
    cob: time | None = field(metadata=opt(None))  # None: business.cob
    extra_holidays: tuple[date, ...] = field(metadata=opt(()))  # C3, this site only
    removed_holidays: tuple[date, ...] = field(metadata=opt(()))

    def hours(self, business: Business) -> tuple[time, time]:
        return self.open or business.open, self.cob or business.cob


# ---------------------------------------------------------------- categories (E1 to E10, C4 to C7)
DEADLINE_KINDS = ("cob", "elapsed", "calendar", "date")
DEADLINE_ANCHORS = ("raised", "referred", "contact", "reported")
DEADLINE_MET_BY = ("action", "finalise", "ict-request")
DEADLINE_WHEN = ("always", "referred-ict")
FOLLOWUP_KINDS = ("followup", "review", "none")
FOLLOWUP_ANCHORS = ("raised", "referred", "actioned")
# The number each deadline kind needs (C4, C5, C7); `cob` needs none (C6).
_KIND_NUMBER = {"elapsed": "hours", "calendar": "days", "date": "day"}


@dataclass(frozen=True, slots=True)
class Deadline:
    id: str
    rule: str
    kind: str = field(metadata={"choices": DEADLINE_KINDS})
    anchor: str = field(metadata={"key": "from", "choices": DEADLINE_ANCHORS})
    met_by: str = field(metadata={"choices": DEADLINE_MET_BY})
    label: str
    hours: int = field(metadata=opt(0, min=1))  # elapsed (C4)
    days: int = field(metadata=opt(0, min=0))  # calendar (C5)
    day: int = field(metadata=opt(0, min=1))  # date (C7)
    when: str = field(metadata={"choices": DEADLINE_WHEN})  # E4: referred-ict = only once referred to ICT

    def checked(self, where: str, raw: dict[str, Any]) -> Deadline:
        number = _KIND_NUMBER.get(self.kind)
        if number is not None and number not in raw:
            raise PolicyError(f"policy key {where}.{number} is missing (a {self.kind} deadline needs it)")
        # Only the kind's own number counts: a Centre that changes the kind keeps the old number unused.
        return dataclasses.replace(
            self,
            hours=self.hours if number == "hours" else 0,
            days=self.days if number == "days" else 0,
            day=self.day if number == "day" else 0,
        )


@dataclass(frozen=True, slots=True)
class FollowUp:
    rule: str
    kind: str = field(metadata={"choices": FOLLOWUP_KINDS})  # followup | review | none
    days: int = field(metadata=opt(0, min=1))  # none: 0
    anchor: str = field(metadata=opt("", key="from", choices=FOLLOWUP_ANCHORS))  # none: ""
    eped: bool = field(metadata=opt(False))  # E10: the customer's EPED too, whichever first

    def checked(self, where: str, raw: dict[str, Any]) -> FollowUp:
        if self.kind == "none":
            return dataclasses.replace(self, days=0)
        for key in ("days", "from"):
            if key not in raw:
                raise PolicyError(f"policy key {where}.{key} is missing (a {self.kind} schedule needs it)")
        return self


@dataclass(frozen=True, slots=True)
class Category:
    key: str = field(metadata={"name": True})
    rule: str
    label: str
    short: str
    urgent: bool = field(metadata=opt(False))  # S3: top of every queue
    deadlines: tuple[Deadline, ...]
    followup: FollowUp  # E9: a category without its own takes [defaults.followup]
    crn_required: bool = field(metadata=opt(False))
    needs_stop_payment_doc: bool = field(metadata=opt(False))  # E1
    enq1: str = field(metadata=opt(""))  # E4: FCSO/SAC
    file_note_template: bool = field(metadata=opt(False))  # E3
    procedure: str = field(metadata=opt(""))  # E8: the item's own procedure, shown wherever it is shown
    final_reasons: tuple[str, ...] = field(metadata=opt(()))  # F1/E1: when set, the only reasons to finalise with
    record: tuple[str, ...] = field(metadata=opt(()))  # E1: what the item must record (its Service First number)


@dataclass(frozen=True, slots=True)
class Progress:
    """E13: an open item with nothing else scheduled is checked ``days`` after its last action."""

    rule: str
    days: int = field(metadata={"min": 1})


def parse_progress(raw: Any) -> Progress:
    return parse(Progress, raw, "defaults.progress")


@dataclass(frozen=True, slots=True)
class Defaults:
    followup: FollowUp  # E9
    progress: Progress  # E13


# ---------------------------------------------------------------- channels (I1, I8, I9, S4, E6, E7, D4)
@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    label: str
    escalate_to: Role  # I8
    escalate_to_label: str
    references: tuple[str, ...]  # I1: the checklist offered at intake
    requester_kinds: tuple[str, ...]  # keys of [requester_kinds]
    guidance_other_units: str  # I9
    arrears_route: tuple[Role, ...]  # S4
    arrears_route_text: str
    policy_referral: str  # E6
    feedback_to: str = field(metadata={"choices": ("tps_team_leader", "tps_officer")})  # E7
    feedback_route_text: str
    apply_call_rules: bool  # rules tagged only [11010]/[11030]
    progress_check: NextAction = field(metadata={"choices": (NextAction.PROGRESS_CHECK, NextAction.RECORD_UPDATE)})
    escalation_doc_on_record: bool = field(metadata=opt(False))  # D4

    def checked(self, where: str, raw: dict[str, Any]) -> ChannelPolicy:
        if not self.references or not all(self.references):
            raise PolicyError(f"policy key {where}.references must be a list of names")
        return self


# ---------------------------------------------------------------- intake (I1 to I10)
_LABEL_SC = {"key": "label_smart-centre"}
_LABEL_CR = {"key": "label_comp-recovery"}


@dataclass(frozen=True, slots=True)
class Reason:
    """I2: a valid reason to contact TPS."""

    n: int | None = field(metadata=opt(None, min=1))  # its number in the procedure; None: a channel's own
    label: str
    label_smart_centre: str = field(metadata=opt("", **_LABEL_SC))  # "": `label`
    label_comp_recovery: str = field(metadata=opt("", **_LABEL_CR))
    # I1: every contact records its references; these reasons (I2.5 to I2.7) are not
    # reference questions, so the checklist also offers the explicit "none" entry.
    none_allowed: bool = field(metadata=opt(False))
    confirm_no_answer: bool = field(metadata=opt(False))  # I2.2-4
    branch: str = field(metadata=opt("", choices=("decision", "supervisor")))  # I5, I6
    urgent: bool = field(metadata=opt(False))
    stop_payment: bool = field(metadata=opt(False))  # E1: needs the stop-payment DOC
    channels: tuple[Channel, ...] = field(metadata=opt(()))  # (): offered in every channel

    def label_for(self, channel: str) -> str:
        own: dict[str, str] = {
            Channel.SMART_CENTRE: self.label_smart_centre,
            Channel.COMP_RECOVERY: self.label_comp_recovery,
        }
        return own.get(channel, "") or self.label

    def offered_in(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


@dataclass(frozen=True, slots=True)
class Refused:
    """I3: a refused reason; the intake shows the guidance and records nothing."""

    label: str
    label_smart_centre: str = field(metadata=opt("", **_LABEL_SC))
    label_comp_recovery: str = field(metadata=opt("", **_LABEL_CR))
    guidance: str

    def label_for(self, channel: str) -> str:
        own: dict[str, str] = {
            Channel.SMART_CENTRE: self.label_smart_centre,
            Channel.COMP_RECOVERY: self.label_comp_recovery,
        }
        return own.get(channel, "") or self.label


@dataclass(frozen=True, slots=True)
class Decision:
    """I5: who made the decision; only ``transfer_from`` ones come to TPS."""

    made_by: tuple[str, ...]
    transfer_from: tuple[str, ...]
    review_from: tuple[str, ...]  # E2: decision makers whose decisions the SP reviews
    redirect_text: str
    review_only_text: str
    explain_first_text: str
    review_request_text: str
    labels: Mapping[str, str]

    def checked(self, where: str, raw: dict[str, Any]) -> Decision:
        for name, values in (("transfer_from", self.transfer_from), ("review_from", self.review_from)):
            for i, who in enumerate(values):
                if who not in self.made_by:
                    raise PolicyError(f"policy key {where}.{name}[{i}] {who!r} is not in {where}.made_by")
        for who in self.made_by:
            if who not in self.labels:
                raise PolicyError(f"policy key {where}.labels.{who} is missing")
        return self


@dataclass(frozen=True, slots=True)
class SupervisorReason:
    label: str
    outcome: Outcome  # the outcome the contact must record (I6)
    min_help_words: int = field(metadata=opt(0))  # "full details of the customer's situation"


@dataclass(frozen=True, slots=True)
class Supervisor:
    """I6: why the customer asks for a supervisor."""

    complaint_text: str
    technical_text: str
    try_first_text: str
    reasons: Mapping[str, SupervisorReason]

    def text_for(self, reason: str) -> str:
        """The guidance of a supervisor reason (``<reason>_text``); "" for another reason."""
        texts = {"complaint": self.complaint_text, "technical": self.technical_text}
        return texts.get(reason, "")


@dataclass(frozen=True, slots=True)
class Intake:
    """I7 wording and the length caps on free text (refused, never truncated)."""

    completion_subject: str
    completion_body: str
    code_of_conduct: str  # I10
    completion_kind: str
    other_reference_label: str
    none_reference_label: str  # I1: the explicit "none: not a reference question" entry
    staff_requester_kinds: tuple[str, ...]  # I4: requesters who must be staff of this floor
    max_help_chars: int = field(metadata={"min": 1})
    max_name_chars: int = field(metadata={"min": 1})
    max_reference_chars: int = field(metadata={"min": 1})
    max_summary_chars: int = field(metadata={"min": 1})
    # R1, I7: how long an SO still sees their contact in the open contacts list after its outcome
    recent_complete_hours: int = field(metadata={"min": 0})


# ---------------------------------------------------------------- typed input (any field)
@dataclass(frozen=True, slots=True)
class TypedInput:
    """What any field a person types may hold (refused beyond it, never truncated)."""

    max_text_chars: int = field(metadata={"min": 1})  # a note, or free text without a shorter cap
    eped_max_years: int = field(metadata={"min": 1})  # E10: an EPED this far from today, either way


# ---------------------------------------------------------------- feedback (E7, I10)
@dataclass(frozen=True, slots=True)
class FeedbackRoutes:
    """What the raiser is told, by where the feedback goes."""

    conduct: str  # I10
    concern: str  # E7
    unfounded: str  # E7


@dataclass(frozen=True, slots=True)
class Feedback:
    routes: FeedbackRoutes


# ---------------------------------------------------------------- stop payment (S1 to S5)
@dataclass(frozen=True, slots=True)
class StopPayment:
    min_reason_words: int = field(metadata={"min": 1})  # S2
    vague_reasons: tuple[str, ...]  # S2
    filler_words: tuple[str, ...]
    max_amount: str  # S1: dollars and cents, read by the DOC's amount check
    payment_types: tuple[str, ...]
    vague_payment_types: tuple[str, ...]  # S1
    max_payment_type_chars: int = field(metadata={"min": 1})
    max_reason_chars: int = field(metadata={"min": 1})
    period_max_years_before: int = field(metadata={"min": 0})  # S1
    period_max_years_after: int = field(metadata={"min": 0})
    date_format: str  # S5
    ar_checked_text: str
    doc_title: str
    template: str  # S5: the one standard layout


# ---------------------------------------------------------------- shift summary (X)
@dataclass(frozen=True, slots=True)
class Summary:
    shift_hours: int = field(metadata={"min": 1})
    mask_keep: int = field(metadata={"min": 0})  # CRN digits kept when masked


# ---------------------------------------------------------------- mail (I7, E7)
@dataclass(frozen=True, slots=True)
class Mail:
    """How the outbox is delivered (``tpsdesk.services.mail``). The SMTP user name and
    password come only from the environment (TPSDESK_SMTP_USER, TPSDESK_SMTP_PASSWORD),
    never from a policy file or the database."""

    smtp_host: str  # "" : nothing is sent; the outbox only shows what would be
    smtp_port: int = field(metadata={"min": 1})
    smtp_starttls: bool  # STARTTLS before anything else; without it no password is sent
    smtp_from: str
    smtp_timeout_seconds: int = field(metadata={"min": 1})
    logon_domain: str  # a recipient that is a bare logon gets "@" this; "" : such a message fails
    max_attempts: int = field(metadata={"min": 1})  # then it is given up (failed_at), never dropped
    backoff_seconds: int = field(metadata={"min": 1})  # the wait after the first failed attempt, doubling
    backoff_max_seconds: int = field(metadata={"min": 1})
    lease_seconds: int = field(metadata={"min": 1})  # a claimed message is another sender's after this
    batch_size: int = field(metadata={"min": 1})
    send_every_seconds: int = field(metadata={"min": 1})  # the app's sender: the pause between runs

    def checked(self, where: str, raw: dict[str, Any]) -> Mail:
        if self.smtp_host and not self.smtp_from:
            raise PolicyError(f"policy key {where}.smtp_from is empty: say which address the mail comes from")
        if self.backoff_max_seconds < self.backoff_seconds:
            raise PolicyError(f"policy key {where}.backoff_max_seconds must be at least {where}.backoff_seconds")
        return self


# ---------------------------------------------------------------- identity (R7)
_LOGON = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """R7: database logins whose staff logon is not the same name (PostgreSQL floors)."""

    logins: Mapping[str, str]  # database login -> staff logon

    def checked(self, where: str, raw: dict[str, Any]) -> IdentityPolicy:
        seen: dict[str, str] = {}
        for login, logon in self.logins.items():
            if not re.match(_LOGON, logon):
                raise PolicyError(f"policy key {where}.logins.{login}: {logon!r} is not a staff logon")
            if logon in seen:
                raise PolicyError(
                    f"policy key {where}.logins: {seen[logon]!r} and {login!r} both map to logon {logon!r}; "
                    "one person, one login"
                )
            seen[logon] = login
        return self

    def logon_of(self, login: str) -> str | None:
        """The staff logon a database login acts as: its mapping, else the same name unless that
        logon is mapped to another login; None when it is no one's."""
        mapped = self.logins.get(login)
        if mapped is not None:
            return mapped
        return None if login in self.logins.values() else login

    def login_of(self, logon: str) -> str:
        """The database login of a staff logon (the reverse of ``logon_of``)."""
        return next((login for login, mapped in self.logins.items() if mapped == logon), logon)


# ---------------------------------------------------------------- permissions (R6)
@dataclass(frozen=True, slots=True)
class Permissions:
    """R6: (channel, role) -> permission -> grant, and how each permission reads."""

    matrix: Mapping[tuple[str, str, str], Grant]
    labels: Mapping[str, str]

    def grant(self, channel: str, role: str, permission: str) -> Grant:
        return self.matrix.get((channel, role, permission), Grant.NO)

    def label(self, permission: str) -> str:
        return self.labels[permission]


def parse_permissions(raw: Any) -> Permissions:
    where = "permissions"
    perms = table(raw, where, (*Channel, "labels"))
    names = tuple(Permission)
    labels = text_map(perms, "labels", where)
    for name in names:
        if name not in labels:
            raise PolicyError(f"policy key permissions.labels.{name} is missing")
    matrix: dict[tuple[str, str, str], Grant] = {}
    grants = tuple(Grant)
    for channel in Channel:
        rows = table(need(perms, channel, where, dict), f"{where}.{channel}", tuple(Role))
        for role in Role:
            row = table(need(rows, role, f"{where}.{channel}", dict), f"{where}.{channel}.{role}", names)
            for name in names:
                matrix[(channel, role, name)] = Grant(choice(row, name, f"{where}.{channel}.{role}", grants))
    return Permissions(MappingProxyType(matrix), labels)


# ---------------------------------------------------------------- referral (E5, E6, F1)
@dataclass(frozen=True, slots=True)
class Referral:
    system_checks: tuple[str, ...]  # E5a
    ict_form: str
    service_first_pattern: str
    targets: tuple[str, ...]
    actdoc_where: tuple[str, ...]
    system_check_exempt: tuple[str, ...]  # E5a: only E1's stop-payment request
    direct_categories: tuple[str, ...]  # E5b
    channel_targets: Mapping[str, tuple[str, ...]]
    extra_roles: Mapping[str, tuple[str, ...]]  # E6: e.g. a comp-recovery TL to the helpdesk
    target_labels: Mapping[str, str]

    def targets_for(self, channel: str) -> tuple[str, ...]:
        return self.channel_targets.get(channel, self.targets)

    def label(self, target: str) -> str:
        return self.target_labels.get(target, target)


REFERRAL_KEYS = (
    "system_checks",
    "ict_form",
    "service_first_pattern",
    "targets",
    "actdoc_where",
    "system_check_exempt",
    "direct_categories",
    "channel_targets",
    "extra_roles",
    "target_labels",
)


def parse_referral(raw: Any) -> Referral:
    where = "referral"
    ref = table(raw, where, REFERRAL_KEYS)
    checks = texts(ref, "system_checks", where)
    if not checks:
        raise PolicyError("policy key referral.system_checks must not be empty")
    known = tuple(Target)
    targets = texts(ref, "targets", where)
    channel_targets = list_map(ref, "channel_targets", where)
    for name, values in (("targets", targets), *((f"channel_targets.{k}", v) for k, v in channel_targets.items())):
        for value in values:
            if value not in known:
                raise PolicyError(f"policy key referral.{name} has unknown target {value!r}; use {', '.join(known)}")
    return Referral(
        system_checks=checks,
        ict_form=text(ref, "ict_form", where),
        service_first_pattern=text(ref, "service_first_pattern", where),
        targets=targets,
        actdoc_where=texts(ref, "actdoc_where", where),
        system_check_exempt=texts(ref, "system_check_exempt", where),
        direct_categories=texts(ref, "direct_categories", where),
        channel_targets=channel_targets,
        extra_roles=list_map(ref, "extra_roles", where),
        target_labels=text_map(ref, "target_labels", where),
    )


# ---------------------------------------------------------------- finalise (F1)
@dataclass(frozen=True, slots=True)
class Finalise:
    reasons: Mapping[str, str]  # key -> label
    prompt_on: Mapping[str, str]  # referral target -> reason to offer (F1)
    reason_categories: Mapping[str, tuple[str, ...]]  # reason -> the only categories it fits


def parse_finalise(raw: Any) -> Finalise:
    where = "finalise"
    fin = table(raw, where, ("reasons", "prompt_on", "reason_categories"))
    return Finalise(
        reasons=text_map(fin, "reasons", where),
        prompt_on=text_map(fin, "prompt_on", where),
        reason_categories=list_map(fin, "reason_categories", where),
    )


# ---------------------------------------------------------------- documentation (D1, D2, W3)
@dataclass(frozen=True, slots=True)
class Documentation:
    d1_fields: tuple[str, ...]
    callback_note: str
    d1_labels: Mapping[str, str]
    labels: Mapping[str, str]

    def label(self, name: str) -> str:
        return self.d1_labels.get(name) or self.labels.get(name) or name


def parse_documentation(raw: Any) -> Documentation:
    where = "documentation"
    doc = table(raw, where, ("d1_fields", "callback_note", "d1_labels", "labels"))
    return Documentation(
        d1_fields=texts(doc, "d1_fields", where),
        callback_note=text(doc, "callback_note", where),
        d1_labels=text_map(doc, "d1_labels", where),
        labels=text_map(doc, "labels", where),
    )


# ---------------------------------------------------------------- the whole file
def _section(parser: Callable[[Any], Any]) -> dict[str, Any]:
    """Metadata of a section read by its own parser (it checks more than types)."""
    return {"parse": lambda raw, where: parser(raw)}


@dataclass(frozen=True, eq=False)
class Sections:
    """Every top-level table of data/policy.toml, typed. A top-level key not here is refused."""

    business: Business
    builtin_sites: Mapping[str, Site] = field(metadata={"key": "sites"})  # C2
    defaults: Defaults
    categories: Mapping[str, Category] = field(metadata={"keys": tuple(CategoryKey), "all": True})
    channels: Mapping[str, ChannelPolicy] = field(metadata={"keys": tuple(Channel), "all": True})
    requester_kinds: Mapping[str, str]
    reasons: Mapping[str, Reason]  # I2
    refused: Mapping[str, Refused]  # I3
    decision: Decision  # I5
    supervisor: Supervisor  # I6
    outcomes: Mapping[str, str] = field(metadata={"keys": tuple(Outcome), "all": True})  # I8
    intake: Intake
    input: TypedInput
    referral: Referral = field(metadata=_section(parse_referral))
    finalise: Finalise = field(metadata=_section(parse_finalise))
    documentation: Documentation = field(metadata=_section(parse_documentation))
    feedback: Feedback
    stop_payment: StopPayment
    permissions: Permissions = field(metadata=_section(parse_permissions))
    summary: Summary
    identity: IdentityPolicy  # R7
    mail: Mail  # I7, E7: delivering the outbox

    def checked(self, where: str, raw: dict[str, Any]) -> Sections:
        """What one table cannot check alone: names that must match across tables."""
        for code, site in self.builtin_sites.items():
            opens, cob = site.hours(self.business)
            if cob <= opens:
                raise PolicyError(f"policy key sites.{code}.cob must be later than sites.{code}.open")
        for ch, table_ in self.channels.items():
            for i, kind in enumerate(table_.requester_kinds):
                if kind not in self.requester_kinds:
                    raise PolicyError(
                        f"policy key channels.{ch}.requester_kinds[{i}] {kind!r} is not in [requester_kinds]"
                    )
        known = tuple(FinalReason)
        for reason in self.finalise.reasons:
            if reason not in known:
                raise PolicyError(f"policy key finalise.reasons.{reason} is not a known reason; use {', '.join(known)}")
        for key, cat in self.categories.items():
            for i, reason in enumerate(cat.final_reasons):
                if reason not in self.finalise.reasons:
                    raise PolicyError(f"policy key categories.{key}.final_reasons[{i}]: unknown reason {reason!r}")
        return self


def with_default_followups(raw: dict[str, Any]) -> dict[str, Any]:
    """E9: a category without its own [followup] takes [defaults.followup] (a copy of the raw table)."""
    defaults = raw.get("defaults")
    cats = raw.get("categories")
    if not isinstance(defaults, dict) or "followup" not in defaults or not isinstance(cats, dict):
        return raw  # the reader names what is missing
    filled = {
        key: {**cat, "followup": defaults["followup"]} if isinstance(cat, dict) and "followup" not in cat else cat
        for key, cat in cats.items()
    }
    return {**raw, "categories": filled}


def parse_policy(raw: dict[str, Any]) -> Sections:
    """The merged TOML read into typed sections, or a ``PolicyError`` naming the first bad key."""
    return parse(Sections, with_default_followups(raw), "")
