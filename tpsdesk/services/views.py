"""Plain results the services hand to the CLI and the screens (no live ORM rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tpsdesk.domain.lifecycle import Offer
from tpsdesk.domain.vocab import Status

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from tpsdesk.models import Escalation


@dataclass(frozen=True)
class EscalationView:
    id: int
    category: str
    crn: str
    summary: str
    status: str
    centre: str
    site: str
    owner: str | None
    owner_name: str | None
    raised_by: str
    raised_at: datetime
    due_at: datetime | None
    after_hours: bool
    next_follow_up_at: datetime | None
    next_action_at: datetime | None
    referral_target: str
    referral_ref: str
    service_first: str
    nnu_ref: str
    eped: date | None
    final_reason: str
    finalised_at: datetime | None
    version: int
    rank: int
    sort_at: datetime
    site_zone: str = ""  # the raising site's IANA zone (C9)
    next_action_kind: str = ""  # what next_action_at is for (vocab.NextAction: due, review, progress-check, ...)

    @classmethod
    def of(
        cls,
        esc: Escalation,
        *,
        centre: str,
        site: str,
        owner: str | None,
        owner_name: str | None,
        raised_by: str,
        site_zone: str = "",
    ) -> EscalationView:
        assert esc.id is not None
        return cls(
            id=esc.id,
            category=esc.category,
            crn=esc.crn,
            summary=esc.summary,
            status=esc.status,
            centre=centre,
            site=site,
            owner=owner,
            owner_name=owner_name,
            raised_by=raised_by,
            raised_at=esc.raised_at,
            due_at=esc.due_at,
            after_hours=esc.after_hours,
            next_follow_up_at=esc.next_follow_up_at,
            next_action_at=esc.next_action_at,
            referral_target=esc.referral_target,
            referral_ref=esc.referral_ref,
            service_first=esc.service_first,
            nnu_ref=esc.nnu_ref,
            eped=esc.eped,
            final_reason=esc.final_reason,
            finalised_at=esc.finalised_at,
            version=esc.version,
            rank=esc.rank,
            sort_at=esc.sort_at,
            site_zone=site_zone,
            next_action_kind=esc.next_action_kind,
        )

    @property
    def closed(self) -> bool:
        return self.status == Status.FINALISED

    def is_overdue(self, now: datetime) -> bool:
        """Overdue: next action passed and not finalised (E12)."""
        return not self.closed and self.next_action_at is not None and self.next_action_at < now

    def display_status(self, now: datetime) -> str:
        """A referred item whose follow-up fell due shows as awaiting follow-up (E12)."""
        if self.status == Status.REFERRED and self.next_follow_up_at is not None and self.next_follow_up_at <= now:
            return Status.AWAITING_FOLLOW_UP
        return self.status

    @property
    def key(self) -> tuple[int, datetime, int]:
        """Keyset paging key: (rank, sort_at, id)."""
        return (self.rank, self.sort_at, self.id)

    def to_json(self) -> dict[str, Any]:
        return json_fields(self)


@dataclass(frozen=True)
class NoteView:
    id: int
    author: str
    created_at: datetime
    kind: str
    text: str
    refers_to: int | None


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str | None
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class EscalationDetail:
    escalation: EscalationView
    notes: list[NoteView]
    events: list[EventView]
    explain: list[str]
    deadlines: list[dict[str, Any]]
    follow_ups: list[datetime]
    requirements: dict[str, Any] = field(default_factory=dict)
    zone: str = "Australia/Sydney"
    offered: list[Offer] = field(default_factory=list)  # E12, R5: every action, allowed or why not
    procedure: str = ""  # E8: the item's own procedure, shown wherever it is shown
    next_action: str = ""  # vocab.NextAction of next_action_at
    next_action_rule: str = ""
    people: Mapping[int, str] = field(default_factory=dict)  # staff id -> logon, for the history's words (D3)

    def to_json(self) -> dict[str, Any]:
        out = self.escalation.to_json()
        out.update(
            notes=[jsonable(asdict(n)) for n in self.notes],
            history=[jsonable(asdict(e)) for e in self.events],
            explain=self.explain,
            deadlines=jsonable(self.deadlines),
            follow_ups=jsonable(self.follow_ups),
            requirements=jsonable(self.requirements),
            zone=self.zone,
            actions=[o.to_json() for o in self.offered],
            procedure=self.procedure,
            next_action=self.next_action,
            next_action_rule=self.next_action_rule,
        )
        return out


def json_fields(obj: DataclassInstance) -> dict[str, Any]:
    """A dataclass's fields as a JSON-ready dict (the typed form of ``jsonable(asdict(obj))``)."""
    return {k: jsonable(v) for k, v in asdict(obj).items()}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def parse_detail(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}
