"""Contacts and stop-payment DOCs of the demo floor (``tpsdesk.demo_rows``): the TPS
contact an escalation came from (I8, E5b), contacts resolved without one, and the
DOC every arrears escalation needs (E1, S1, S5)."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.policy.schema import Reason, StopPayment

CONTACT_REASON = {
    "arrears": "incorrect-arrears", "review": "unfavourable-decision", "death": "coding-error",
    "fcso": "status-rate", "system": "cannot-finalise", "q999": "status-rate",
}  # fmt: skip
OUTCOMES_ESCALATED, OUTCOMES_DIRECT = '["escalated"]', '["escalated", "referred-ict"]'  # I8, E5b
CONTACT_OUTCOMES = (
    (("resolved",), 70),
    (("took-over",), 12),
    (("transferred-tl",), 10),
    (("resolved", "took-over"), 8),
)
HELP = (
    "Customer's rate dropped after the income update; the references did not explain why",
    "Update will not finalise: error on the earnings screen after coding",
    "Customer wants a further explanation of the cancellation decision",
    "Unsure whether the arrears from the backdated activity are correct",
)
STOP_REASONS = (
    "Employment income from 3 March was not coded before the activity was finalised",
    "Partner income was recorded twice, so the rate was calculated with a duplicated amount",
    "Customer left Australia on 2 February and is outside the portability period",
    "Activity backdated the start date to before the date the claim was lodged",
)


class _Blank(dict[str, Any]):
    """Template values: a key the DOC template adds later renders empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


class ContactRows:
    """Contact and DOC rows; mixed into ``demo_rows.Chunk``, whose helpers and lists it uses."""

    f: Any
    rng: random.Random
    now: datetime
    cal: dict[int, SiteCalendar]
    sp: StopPayment
    reasons: dict[str, list[str]]
    reason_info: Mapping[str, Reason]
    ref_sets: dict[str, list[str]]
    outcome_json: list[str]
    outcome_cum: list[int]
    payment_types: list[str]
    contacts: list[dict[str, Any]]
    docs: list[dict[str, Any]]

    def _next(self, table: str) -> int:
        raise NotImplementedError

    def _int(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def _pick(self, items: Any) -> Any:
        raise NotImplementedError

    def _who(self, sid: int, roles: tuple[str, ...] | list[str]) -> tuple[int, str]:
        raise NotImplementedError

    def _local(self, sid: int, days_back: int, minute: int) -> datetime:
        raise NotImplementedError

    def _crn(self) -> str:
        raise NotImplementedError

    def _contact_row(
        self, sid: int, channel: str, reason: str, tps: int, opened: datetime, outcomes: str, crn: str
    ) -> dict[str, Any]:
        requester = self._who(sid, ("SO",))[0]
        logon, name = self.f.names[requester]
        info = self.reason_info.get(reason)
        refs = self.ref_sets[channel]
        return {
            "id": self._next("contact"), "centre_id": self.f.sites[sid].centre_id, "site_id": sid, "channel": channel,
            "requester_kind": "so", "requester_id": requester, "requester_name": name, "requester_logon": logon,
            "recorded_by_id": tps, "reason": reason, "references": refs[int(self.rng.random() * len(refs))], "reference_other": "",
            "confirmed_no_answer": info is not None and info.confirm_no_answer, "help_required": self._pick(HELP),
            "crn": crn, "branch_detail": "", "opened_at": opened, "outcomes": outcomes,
            "outcome_at": min(opened + timedelta(minutes=self._int(3, 25)), self.now) if outcomes != "[]" else None,
            "tps_id": tps, "nnu_ref": "", "service_first": "", "escalation_id": None,
            "status": "complete" if outcomes != "[]" else "open", "version": 1,
        }  # fmt: skip

    def _linked_contact(
        self,
        sid: int,
        channel: str,
        category: str,
        raiser: int,
        role: str,
        raised: datetime,
        crn: str,
        esc_id: int,
        sf: str,
    ) -> int | None:
        """The TPS contact an escalation came from (I8: escalated; E5b: referred directly to ICT)."""
        reason = CONTACT_REASON.get(category)
        if reason is None or role == "SO" or reason not in self.reason_info:
            return None
        opened = raised - timedelta(minutes=self._int(3, 25))
        outcomes = OUTCOMES_DIRECT if sf else OUTCOMES_ESCALATED
        row = self._contact_row(sid, channel, reason, raiser, opened, outcomes, crn)
        row.update(escalation_id=esc_id, service_first=sf, outcome_at=raised)
        self.contacts.append(row)
        return int(row["id"])

    def _contact(self, sid: int) -> None:
        """A contact TPS resolved, took over or transferred (I8), 40% of them today."""
        rng, channel = self.rng, self.f.channel[sid]
        back = 0 if rng.random() < 0.4 else self._int(1, 30)
        opened = self._local(sid, back, self._int(8 * 60, 17 * 60))
        outcomes = rng.choices(self.outcome_json, cum_weights=self.outcome_cum)[0]
        if back == 0 and rng.random() < 0.1:
            outcomes = "[]"  # still open
        tps = self._who(sid, ("TPS",))[0]
        row = self._contact_row(sid, channel, self._pick(self.reasons[channel]), tps, opened, outcomes, self._crn())
        self.contacts.append(row)

    def _doc(
        self,
        sid: int,
        raiser: int,
        raised: datetime,
        crn: str,
        cents: int,
        esc_id: int,
        result: Any,
        ict_at: datetime | None,
    ) -> int:
        """The stop-payment DOC an arrears escalation needs (E1, S1, S5)."""
        cal, doc_id = self.cal[sid], self._next("stop_payment_doc")
        created = raised - timedelta(minutes=self._int(3, 20))
        start = raised.astimezone(cal.tz).date() - timedelta(days=self._int(14, 56))
        end = start + timedelta(days=13)
        cob = result.deadlines[0].at if result.deadlines else raised
        logon, name = self.f.names[raiser]
        ptype, reason = self._pick(self.payment_types), self._pick(STOP_REASONS)
        fmt = self.sp.date_format
        values = _Blank(
            title=self.sp.doc_title, crn=crn, payment_type=ptype, amount=f"{cents / 100:.2f}",
            period_from=_day(start, fmt), period_to=_day(end, fmt), reason=reason, ar_checked=self.sp.ar_checked_text,
            author=name, logon=logon, recorded_at=cal.fmt(created), cob=cal.fmt(cob),
        )  # fmt: skip
        self.docs.append(
            {
                "id": doc_id, "centre_id": self.f.sites[sid].centre_id, "site_id": sid, "crn": crn, "payment_type": ptype,
                "amount_cents": cents, "period_from": start, "period_to": end, "reason": reason, "ar_checked": True,
                "text": string.Formatter().vformat(self.sp.template, (), values),
                "created_by_id": raiser, "created_at": created, "escalation_id": esc_id, "ict_requested_at": ict_at, "verified_at": None,
                "verified_by_id": None, "returned_at": None, "returned_by_id": None, "return_reason": "", "replaces_id": None,
            }
        )  # fmt: skip
        return doc_id


def _day(d: date, fmt: str) -> str:
    return d.strftime(fmt)
