"""Rows of the demo floor (``tpsdesk.demo``): one chunk of escalations with their
contacts, stop-payment DOCs, notes and history events, as plain dicts for a Core
executemany. Deadline fields come from ``domain.schedule.plan`` (E12, E13, S3),
as for every other path, never from a copy of its logic.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import Connection

from tpsdesk.bulk import insert_core
from tpsdesk.demo_contacts import CONTACT_OUTCOMES, ContactRows
from tpsdesk.domain import schedule
from tpsdesk.domain.facts import Item
from tpsdesk.domain.lifecycle import SWEEP_FROM, SWEEP_TO
from tpsdesk.domain.referral import is_stop_request
from tpsdesk.domain.vocab import Channel, Status
from tpsdesk.models import STATUSES, Contact, Escalation, Event, Note, Site, StopPaymentDoc, table_of
from tpsdesk.services.desk import Desk

ESC_T, NOTE_T, EVENT_T = (table_of(m) for m in (Escalation, Note, Event))
CONTACT_T, DOC_T = table_of(Contact), table_of(StopPaymentDoc)
TABLES = {t.name: t for t in (CONTACT_T, DOC_T, ESC_T, NOTE_T, EVENT_T)}
# The history the generator writes says so: "demo" in place of a person's login (R7).
DEMO_LOGIN = "demo"
CATEGORY_WEIGHTS = {
    "arrears": 5, "review": 12, "death": 10, "fcso": 12, "system": 24,
    "policy": 9, "feedback": 8, "q999": 10, "qol": 10,
}  # fmt: skip
STATUS_WEIGHTS = {"new": 12, "in-progress": 16, "referred": 16, "awaiting-follow-up": 6, "finalised": 50}
CONTACTS_PER_ESCALATION = 0.35  # contacts resolved without an escalation, per escalation
SUMMARY = {
    "arrears": "Arrears of ${amount} generated on a finalised activity; stop payment needed before COB",
    "review": "Customer asks for a review of the rate decision made on {day}",
    "death": "Notification of death of partner; coding will not finalise",
    "fcso": "FCSO/SAC contact: payment status does not reflect the record",
    "system": "System will not allow the update to be finalised (error {code})",
    "policy": "Operational Blueprint and NNU item {code} disagree on reporting dates",
    "feedback": "TPS gave incorrect information about reporting dates",
    "q999": "Q999 letter requested for the customer",
    "qol": "Urgent QOL check requested on a completed activity",
}
ONE_DAY = timedelta(days=1)


@dataclass
class Floor:
    """The loaded floor, as the row generator needs it."""

    desk: Desk
    now: datetime
    sites: dict[int, Site]
    channel: dict[int, str]  # site id -> channel
    staff: dict[tuple[int, str], list[int]]  # (site id, role) -> staff ids
    workers: dict[int, list[int]]  # centre id -> who may work escalations (R6, W5)
    names: dict[int, tuple[str, str]]  # staff id -> (logon, name)
    logons: list[str]


class Chunk(ContactRows):
    """Generates rows for a run of escalation indexes; ``insert`` writes them parent-first."""

    def __init__(self, floor: Floor, rng: random.Random, ids: dict[str, int]) -> None:
        self.f, self.rng, self.ids, self.now = floor, rng, ids, floor.now
        self.policy = policy = floor.desk.policy
        self.site_ids = sorted(floor.sites)
        self.cal = {sid: floor.desk.calendar(s) for sid, s in floor.sites.items()}
        self.today = {sid: self.now.astimezone(cal.tz).date() for sid, cal in self.cal.items()}
        self.cats = [c for c in CATEGORY_WEIGHTS if c in policy.categories]
        self.cat_cum = list(accumulate(CATEGORY_WEIGHTS[c] for c in self.cats))
        self.status_cum = list(accumulate(STATUS_WEIGHTS[s] for s in STATUSES))
        self.outcome_cum = list(accumulate(w for _, w in CONTACT_OUTCOMES))
        reasons = policy.reasons
        self.reasons = {
            ch: [k for k, v in reasons.items() if v.offered_in(ch) and not v.stop_payment]
            for ch in ("smart-centre", "comp-recovery")
        }
        self.reason_info = reasons
        self.referral = policy.referral
        self.final_reasons = policy.finalise.reasons
        self.sp = policy.stop_payment
        self.payment_types = list(self.sp.payment_types)
        self.escalations: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.docs: list[dict[str, Any]] = []
        self._details: dict[tuple[tuple[str, str], ...], str] = {}
        self.crn_required = {c: policy.categories[c].crn_required for c in self.cats}
        self.enq1 = {c: policy.categories[c].enq1 for c in self.cats}
        # A few reference checklists per channel (I1), as the JSON the contact stores.
        self.ref_sets = {
            ch: [json.dumps(random.Random(k).sample(policy.channels[ch].references, 1 + k % 3)) for k in range(12)]
            for ch in self.reasons
        }
        self.outcome_json = [json.dumps(list(o)) for o, _ in CONTACT_OUTCOMES]

    # -- helpers
    def _next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _local(self, sid: int, days_back: int, minute: int) -> datetime:
        """A site-local clock time ``days_back`` days ago, never after now."""
        cal, t = self.cal[sid], time(minute // 60, minute % 60)
        at = cal.at(self.today[sid] - timedelta(days=days_back), t).astimezone(UTC)
        if at > self.now:
            at = cal.at(self.today[sid] - timedelta(days=days_back + 1), t).astimezone(UTC)
        return at

    def _int(self, lo: int, hi: int) -> int:
        """``randint`` without its overhead (a million rows call this often)."""
        return lo + int(self.rng.random() * (hi - lo + 1))

    def _pick(self, items: Any) -> Any:
        return items[int(self.rng.random() * len(items))]

    def _after(self, at: datetime, lo: int, hi: int) -> datetime:
        return min(at + timedelta(minutes=self._int(lo, hi)), self.now)

    def _who(self, sid: int, roles: tuple[str, ...] | list[str]) -> tuple[int, str]:
        role = roles[int(self.rng.random() * len(roles))]
        ids = self.f.staff.get((sid, role)) or self.f.staff[(sid, "TPS")]
        return ids[int(self.rng.random() * len(ids))], role if (sid, role) in self.f.staff else "TPS"

    def _crn(self) -> str:
        return f"{self._int(0, 10**9 - 1):09d}{chr(65 + self._int(0, 25))}"

    def _note(self, esc_id: int, author: int, at: datetime, kind: str, body: str) -> None:
        self.notes.append(
            {"id": self._next("note"), "escalation_id": esc_id, "author_id": author, "created_at": at, "kind": kind,
             "text": body, "refers_to_id": None}
        )  # fmt: skip

    def _event(
        self,
        esc_id: int | None,
        actor: int | None,
        at: datetime,
        kind: str,
        contact_id: int | None = None,
        **detail: Any,
    ) -> None:
        self.events.append(
            {"id": self._next("event"), "escalation_id": esc_id, "contact_id": contact_id, "actor_id": actor, "at": at,
             "kind": kind, "detail": self._detail(detail), "login": DEMO_LOGIN}
        )  # fmt: skip

    def _detail(self, detail: dict[str, Any]) -> str:
        """Event detail JSON as ``record_event`` writes it; the few repeating ones are cached."""
        if not detail:
            return ""
        key = tuple(sorted((k, str(v)) for k, v in detail.items()))
        text = self._details.get(key)
        if text is None:
            text = json.dumps(detail, default=str, sort_keys=True)
            if len(self._details) < 1000 and not any(isinstance(v, datetime) for v in detail.values()):
                self._details[key] = text
        return text

    # -- one escalation and what hangs off it
    def escalation(self, i: int) -> None:
        rng, now = self.rng, self.now
        sid = self._pick(self.site_ids)
        site, channel = self.f.sites[sid], self.f.channel[sid]
        combos = len(self.cats) * len(STATUSES)
        if i < combos:  # the first rows cover every category in every status
            category, target = self.cats[i % len(self.cats)], STATUSES[i // len(self.cats)]
        else:
            category = rng.choices(self.cats, cum_weights=self.cat_cum)[0]
            target = rng.choices(STATUSES, cum_weights=self.status_cum)[0]
        fu = self.policy.categories[category].followup
        minute = self._int(7 * 60 + 30, 18 * 60 + 30)  # some before opening, some after COB (C6)
        if i < combos and category == "arrears":  # the first arrears of each status arrive after COB (C6, S3)
            cob = self.cal[sid].cob_time
            minute = min(cob.hour * 60 + cob.minute + 40, 23 * 60)
        if target == "finalised":
            back = min(int(rng.expovariate(1 / 20)), 150)
        elif target == "awaiting-follow-up" and fu.kind != "none":
            back = fu.days + self._int(1, 6)
        else:
            back = 0 if rng.random() < 0.25 else min(int(rng.expovariate(1 / 5)) + 1, 45)
        raised = self._local(sid, back, minute)
        raiser, raiser_role = self._raiser(sid, channel, category)
        owner = claimed = actioned = referred = last_fu = finalised_at = None
        if target != "new":
            owner = self._pick(self.f.workers[site.centre_id])
            claimed = self._after(raised, 5, 45 if category == "arrears" else 240)
            actioned = claimed if rng.random() < 0.6 else None
        if claimed and (
            target in ("referred", "awaiting-follow-up") or (target == "finalised" and rng.random() < 0.45)
        ):
            referred = self._after(claimed, 5, 90 if category == "arrears" or target != "finalised" else 2880)
        if referred and target != "finalised" and fu.kind != "none" and rng.random() < 0.35:
            base = {"referred": referred, "actioned": actioned or referred}.get(fu.anchor) or raised
            if base + timedelta(days=fu.days) < now - ONE_DAY:
                last_fu = base + timedelta(days=fu.days)
        if target == "finalised":
            start = referred or claimed or raised
            quick = category == "arrears" and rng.random() < 0.85
            finalised_at = self._after(start, 10, 180) if quick else self._after(start, 30, 60 * 24 * 10)
        eped = (
            self.today[sid] + timedelta(days=self._int(5, 60)) if category == "system" and rng.random() < 0.4 else None
        )
        esc_id = self._next("escalation")
        crn = self._crn() if self.crn_required[category] or rng.random() < 0.5 else ""
        amount = self._int(50_00, 4_000_00)
        summary = SUMMARY.get(category, category).format(
            amount=f"{amount / 100:,.2f}",
            day=raised.astimezone(self.cal[sid].tz).date().isoformat(),
            code=self._int(1000, 9999),
        )
        target_kind, ref, service_first = self._referral(channel, category, esc_id)
        direct = category == "system" and raiser_role == "TPS" and rng.random() < 0.2  # E5b
        if direct:
            service_first = f"SF{self._int(10**7, 10**8 - 1)}"
        stop = is_stop_request(self.policy, category)  # E1: met by the ICT stop request
        ict_at = (referred if referred and target_kind == "ict" else finalised_at) if stop else None
        steps = [t for t in (raised, claimed, referred, last_fu, finalised_at) if t]
        closed = target == "finalised"
        item = Item(
            id=esc_id, category=category, centre_id=site.centre_id, channel=Channel(channel),
            status=Status.REFERRED if target in ("referred", "awaiting-follow-up") else Status(target),
            raised_by_id=raiser, raised_at=raised, owner_id=owner, closed=closed,
            reported_at=raised if stop else None, actioned_at=actioned, referred_at=referred,
            referral_target=target_kind if referred else "", ict_requested_at=ict_at, eped=eped,
            last_follow_up_at=last_fu, last_action_at=max(t for t in (raised, actioned, referred, last_fu) if t),
        )  # fmt: skip
        plan = schedule.plan(self.policy, self.cal[sid], item)  # E12, E13, S3: the domain's own rules
        status = item.status
        if status in SWEEP_FROM and plan.next_follow_up is not None and plan.next_follow_up <= now:
            status = SWEEP_TO  # what the sweep does (E12)
        contact_id = self._linked_contact(
            sid, channel, category, raiser, raiser_role, raised, crn, esc_id, service_first if direct else ""
        )
        doc_id = (
            self._doc(sid, raiser, raised, crn, amount, esc_id, plan.result, ict_at) if category == "arrears" else None
        )
        final_reason = self._final_reason(category, target_kind if referred else "") if finalised_at else ""
        day_one = raised.astimezone(self.cal[sid].tz).date()
        done = (finalised_at or now).astimezone(self.cal[sid].tz).date()
        d1 = done > day_one and target != "new" and (finalised_at is not None or rng.random() < 0.5)  # D1, F2
        self.escalations.append(
            {
                "id": esc_id, "category": category, "centre_id": site.centre_id, "site_id": sid, "crn": crn,
                "summary": summary, "raised_by_id": raiser, "raised_at": raised, "owner_id": owner, "status": status,
                "closed": closed, "due_at": plan.due, "after_hours": plan.after_hours,
                "next_follow_up_at": plan.next_follow_up, "next_action_at": plan.next_action_at, "rank": plan.rank,
                "sort_at": plan.sort_at, "actioned_at": actioned, "referred_at": referred, "last_follow_up_at": last_fu,
                "referral_target": target_kind if referred else "", "referral_ref": ref if referred else "",
                "service_first": service_first if (referred and target_kind == "ict") or direct else "",
                "nnu_ref": f"NNU {raised.year}/{self._int(100, 999)}" if direct else "", "eped": eped,
                "enq1": self.enq1[category], "contact_id": contact_id,
                "doc_id": doc_id, "about_staff_id": self._who(sid, ("TPS",))[0] if category == "feedback" else None,
                "action_taken": "Checked the record and coded the correction" if d1 else "",
                "resources_used": "Operational Blueprint; NNU" if d1 else "",
                "so_action": "none" if d1 else "", "why_not_day_one": "Waiting on ICT" if d1 else "",
                "file_note_done": bool(finalised_at) and (category == "death" or d1),
                "d2_doc_required": d1 and rng.random() < 0.2, "d2_doc_done": d1 and finalised_at is not None,
                "d2_record_checked": d1 and finalised_at is not None, "callback_required": rng.random() < 0.03,
                "nonstandard_work": rng.random() < 0.05, "within_so_scope": bool(finalised_at) and not d1,
                "finalised_at": finalised_at, "final_reason": final_reason, "updated_at": steps[-1],
                "updated_by_id": owner or raiser, "version": len(steps),
                "reported_at": item.reported_at, "ict_requested_at": ict_at,
                "last_action_at": item.last_action_at, "record_updated_at": None,
                "next_action_kind": plan.next_action.value,
            }
        )  # fmt: skip
        self._history(
            esc_id,
            category,
            raiser,
            summary,
            owner,
            claimed,
            actioned,
            referred,
            target_kind,
            ref,
            last_fu,
            fu.kind,
            finalised_at,
            final_reason,
        )
        if status is SWEEP_TO and plan.next_follow_up is not None:
            self._event(esc_id, None, plan.next_follow_up, "follow-up-due", due=plan.next_follow_up)
        if rng.random() < CONTACTS_PER_ESCALATION:
            self._contact(self._pick(self.site_ids))

    def _raiser(self, sid: int, channel: str, category: str) -> tuple[int, str]:
        if category == "arrears":  # S4: the local SSO or TL (comp-recovery: the TL), or the SO
            return self._who(sid, [*(str(r) for r in self.policy.channels[channel].arrears_route), "SO"])
        if category == "feedback":
            return self._who(sid, ("SO", "TPS", "TL"))
        return self._who(sid, ("TPS",) if self.rng.random() < 0.8 else ("SP", "SSO", "TL"))

    def _referral(self, channel: str, category: str, esc_id: int) -> tuple[str, str, str]:
        offered = self.referral.targets_for(channel)
        if category in ("system", "death", "fcso", "arrears"):
            kind = "ict"
        elif category == "policy":
            kind = "policy-advisor" if "policy-advisor" in offered else "helpdesk"
        else:
            kind = "actdoc"
        kind = kind if kind in offered else offered[0]
        if kind == "ict":
            return kind, "", f"SF{self._int(10**7, 10**8 - 1)}"
        if kind == "actdoc":
            return kind, self._pick(self.referral.actdoc_where), ""
        return kind, f"REF-{esc_id}", ""

    def _final_reason(self, category: str, referred_to: str) -> str:
        choice = "resolved"
        if category == "arrears":
            choice = "ict-stop-requested"
        elif category == "review":
            choice = "review-decided"
        elif referred_to == "actdoc":
            choice = "actdoc-sent"
        elif category == "system" and referred_to:
            choice = self._pick(("nnu-no-workaround", "resolved"))
        elif self.rng.random() < 0.04:
            choice = "withdrawn"
        return choice if choice in self.final_reasons else next(iter(self.final_reasons))

    def _history(
        self, esc_id: int, category: str, raiser: int, summary: str, owner: int | None, claimed: datetime | None,
        actioned: datetime | None, referred: datetime | None, target: str, ref: str, last_fu: datetime | None,
        fu_kind: str, finalised_at: datetime | None, reason: str,
    ) -> None:  # fmt: skip
        """Notes and events as the services write them (D3): raised, claimed, referred, follow-up, finalised."""
        raised = self.escalations[-1]["raised_at"]
        self._event(esc_id, raiser, raised, "raised", category=category)
        self._note(esc_id, raiser, raised, "raised", summary)
        if owner is None or claimed is None:
            return
        self._event(esc_id, owner, claimed, "claimed")
        if referred is not None:
            label = self.referral.label(target)
            self._event(esc_id, owner, referred, "referred", target=target, ref=ref)
            self._note(esc_id, owner, referred, "note", f"Referred to {label}" + (f" ({ref})" if ref else ""))
        if last_fu is not None:
            kind = "review" if fu_kind == "review" else "follow-up"
            self._event(esc_id, owner, last_fu, kind)
            self._note(esc_id, owner, last_fu, kind, "Followed up: still with the referral, no change yet")
        if finalised_at is not None:
            self._event(esc_id, owner, finalised_at, "finalised", reason=reason)
            self._note(esc_id, owner, finalised_at, "note", f"Finalised: {self.final_reasons.get(reason, reason)}")

    def batches(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Parents first: contacts and DOCs, then escalations, then their notes and events."""
        return [
            (CONTACT_T.name, self.contacts), (DOC_T.name, self.docs), (ESC_T.name, self.escalations),
            (NOTE_T.name, self.notes), (EVENT_T.name, self.events),
        ]  # fmt: skip

    def insert(self, conn: Connection) -> None:
        insert_core(conn, TABLES, self.batches())
