"""The floor and the acts of the role matrix (tests/test_role_matrix.py): who acts, the
items they act on, each act through the service and the CLI, and a snapshot of the data
so a test can say whether an act changed anything (R5, R6, W5, S4, E7, E11).

Nothing here decides who may do what: the expected answers are the test's own table.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli_helpers import invoke
from conftest import OWNER, START, build_floor
from sqlalchemy import text
from sqlmodel import func, select

from tpsdesk.clock import FakeClock
from tpsdesk.errors import PermissionDenied
from tpsdesk.models import Contact, Escalation, Event, Feedback, Note, Outbox, Staff, StopPaymentDoc
from tpsdesk.policy import load_policy
from tpsdesk.services import dashboard, escalations, feedback, intake, setup, stop_payment, summaries, workflow
from tpsdesk.services.desk import Desk
from tpsdesk.services.stop_payment import StopPaymentInput
from tpsdesk.store import Store

CRN = "123456789A"
# Forms of the CRN that must not appear in a refusal about an item the actor may not see (R5, X2).
CRN_FORMS = ("123456789", "123 456 789", "6789A")
SUMMARY = "Confidential matter Quokka"  # every item's summary; a hidden item's refusal never names it
NNU = "NNU 2026/123"
SERVICE_FIRST = "40012345"
ISSUE = "Coding gives error 4410 on the claim"
REFERENCE = "Operational Blueprint"  # on both channels' I1 checklists
CONCERN = "quoted the old rate table"
FINDING = "checked the call recording"
NOTE = "rang the SO back"
ACTION_TAKEN = "checked the customer's record"
DOC = StopPaymentInput(
    crn=CRN,
    payment_type="Age Pension",
    amount="123.45",
    period_from="2026-09-01",
    period_to="2026-09-14",
    reason="income reported twice for the same fortnight",
    ar_checked=True,
)
DOC_ARGS = (
    "--crn", CRN, "--payment", DOC.payment_type, "--amount", DOC.amount, "--from", DOC.period_from,
    "--to", DOC.period_to, "--reason", DOC.reason, "--ar-checked",
)  # fmt: skip


TABLES = (Contact, Escalation, Event, Note, Feedback, Outbox, StopPaymentDoc)


@dataclass(frozen=True)
class Who:
    """One acting officer: their channel, their row of the R6 table, their logon."""

    channel: str
    role: str  # the R6 table's row: SO, TPS, TPS/high-performing, TPS/sp-pool, SP, SSO, TL
    logon: str
    other_centre: bool = False  # of another Centre of the same channel (R3, R5)

    @property
    def key(self) -> str:
        role = self.role.replace("TPS/sp-pool", "TPS-pool").replace("TPS/high-performing", "TPS-high-performing")
        return f"{self.channel}-{role}" + ("-other-centre" if self.other_centre else "")


@dataclass(frozen=True)
class Centre:
    """The Centre a channel's matrix acts in, and its staff who are not under test: the SO
    who opens contacts and concerns, the TPS who raises the items (so no actor raised them),
    the worker who holds claimed items, and the W5 member an item is reassigned to."""

    so: str
    raiser: str
    raiser_name: str
    holder: str
    holder_name: str
    assignee: str


CENTRES = {
    "smart-centre": Centre("so1", "tps_r", "Rory Raiser", "sp_h", "Hana Holder", "tps2"),
    "comp-recovery": Centre("crso1", "crtps_r", "Rhea Raiser", "crsso_h", "Hugo Holder", "crtps_pool"),
}


def add_matrix_staff(desk: Desk) -> None:
    """The conftest floor's missing people: W5 groups, the raisers and holders, and a Centre of
    each channel beside the floor's (its SP, or in comp-recovery its SSO, for R3 and R5)."""
    build_floor(desk)
    setup.add_staff(desk, OWNER, "tps_hp", "Hal Highperf", "TPS", "SYD", team_leader="tl1", w5_group="high-performing")
    setup.add_staff(desk, OWNER, "tps_r", "Rory Raiser", "TPS", "SYD", team_leader="tl1")
    setup.add_staff(desk, OWNER, "sp_h", "Hana Holder", "SP", "SYD")
    setup.add_staff(
        desk, OWNER, "crtps_hp", "Cyd Highperf", "TPS", "BNE", team_leader="crtl1", w5_group="high-performing"
    )
    setup.add_staff(desk, OWNER, "crtps_pool", "Cam Pool", "TPS", "BNE", team_leader="crtl1", w5_group="sp-pool")
    setup.add_staff(desk, OWNER, "crtps_r", "Rhea Raiser", "TPS", "BNE", team_leader="crtl1")
    setup.add_staff(desk, OWNER, "crsso_h", "Hugo Holder", "SSO", "BNE")
    setup.add_staff(desk, OWNER, "crsp1", "Cory Senior", "SP", "BNE")
    setup.add_centre(desk, OWNER, "MCC", "Melbourne Smart Centre", "smart-centre", "sp.mcc@example.gov.au")
    setup.add_site(desk, OWNER, "MEL", "Melbourne", "MCC", "Australia/Melbourne", "VIC")
    setup.add_staff(desk, OWNER, "sp_mel", "Meg Elsewhere", "SP", "MEL")
    setup.add_centre(
        desk, OWNER, "CRA", "Compensation Recovery Adelaide", "comp-recovery", "helpdesk.cra@example.gov.au"
    )
    setup.add_site(desk, OWNER, "ADL", "Adelaide", "CRA", "Australia/Adelaide", "SA")
    setup.add_staff(desk, OWNER, "crsso_adl", "Ada Elsewhere", "SSO", "ADL")


@dataclass
class Target:
    """What one act is aimed at: an escalation, a contact or a concern (any may be None)."""

    escalation: int | None = None
    contact: int | None = None
    concern: int | None = None

    @property
    def eid(self) -> int:
        assert self.escalation is not None
        return self.escalation

    @property
    def cid(self) -> int:
        assert self.contact is not None
        return self.contact

    @property
    def fid(self) -> int:
        assert self.concern is not None
        return self.concern


@dataclass
class World:
    """One database for the module (a floor is costly to build), with a warm desk for the
    service path. Every test makes its own items, so no test sees another's changes."""

    db_url: str
    desk: Desk
    _shown: dict[tuple[str, str], Any] = field(default_factory=dict)
    _items: dict[tuple[str, str], Target] = field(default_factory=dict)
    _refused: dict[tuple[str, str], Target] = field(default_factory=dict)

    @classmethod
    def build(cls, folder: Path, template: Path) -> World:
        path = folder / "matrix.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
        desk = Desk(Store(url), policy=load_policy(use_override=False), clock=FakeClock(START))
        add_matrix_staff(desk)
        return cls(url, desk)

    def share_engine(self, monkeypatch: Any) -> None:
        """Let the in-process CLI open this database on the service desk's engine, so each
        command does not build an engine and compile every statement again (three times
        the cost of the command). Everything else of the path runs as a person runs it:
        argument parsing, the Desk, the services, the error line and the exit code."""
        import tpsdesk.store

        make = tpsdesk.store.make_engine
        engine = self.desk.store.engine
        monkeypatch.setattr(tpsdesk.store, "make_engine", lambda url: engine if url == self.db_url else make(url))

    def target(self, action: str, who: Who, make: Callable[[], Target], *, refused: bool, shared: bool) -> Target:
        """A fresh object for an act that succeeds. A refused act changes nothing (each test
        checks it), so the refused acts of one kind in one channel share one object."""
        if not refused or not shared:
            return make()
        key = (action, who.channel)
        if key not in self._refused:
            self._refused[key] = make()
        return self._refused[key]

    def forget(self, action: str, who: Who) -> None:
        """A refused act that changed something spoils its shared object: the next gets a new one."""
        self._refused.pop((action, who.channel), None)

    # ------------------------------------------------------------ items of the Centre
    def review(self, channel: str) -> int:
        """A new, unclaimed review of a decision (E2), raised by the Centre's raiser."""
        return escalations.raise_escalation(
            self.desk, CENTRES[channel].raiser, category="review", crn=CRN, summary=SUMMARY
        ).id

    def system(self, channel: str, by: str | None = None) -> int:
        return escalations.raise_escalation(
            self.desk, by or CENTRES[channel].raiser, category="system", crn=CRN, summary=SUMMARY
        ).id

    def arrears(self, channel: str, by: str | None = None) -> int:
        """An urgent arrears escalation (E1) with its stop-payment DOC (S1)."""
        result = stop_payment.save(self.desk, by or CENTRES[channel].raiser, DOC, escalate=True)
        assert result.escalation is not None
        return result.escalation.id

    def referred(self, channel: str) -> int:
        """A system issue referred to ICT (E5a) and released: unclaimed, awaiting its follow-up (E9)."""
        c = CENTRES[channel]
        eid = self.system(channel)
        workflow.refer(self.desk, c.holder, eid, target="ict", checks=self.desk.policy.referral.system_checks)
        escalations.release(self.desk, c.holder, eid)
        return eid

    def held(self, channel: str) -> int:
        """A review claimed by the Centre's holder (E11)."""
        eid = self.review(channel)
        escalations.claim(self.desk, CENTRES[channel].holder, eid)
        return eid

    def claimed_by(self, who: Who) -> int:
        """A review of the Centre the actor has claimed (E11): they are its holder."""
        eid = self.review(who.channel)
        escalations.claim(self.desk, who.logon, eid)
        return eid

    def ready(self, channel: str, eid: int) -> int:
        """``eid`` with the escalation file note on the customer's record (D4: always in
        comp-recovery), recorded by the Centre's holder, then released: unclaimed again."""
        holder = CENTRES[channel].holder
        workflow.document(self.desk, holder, eid, file_note_done=True)
        escalations.release(self.desk, holder, eid)
        return eid

    def own(self, who: Who) -> int:
        """An item the actor raised: a system issue, or for an SO (who raises arrears only, S4) arrears."""
        return self.arrears(who.channel, who.logon) if who.role == "SO" else self.system(who.channel, who.logon)

    def contact(self, channel: str) -> int:
        """An open contact of the Centre: its SO asked for help with a coding error (I2.4)."""
        return intake.open_contact(
            self.desk, CENTRES[channel].so, reason="coding-error", help_required=ISSUE, references=[REFERENCE],
            confirmed_no_answer=True, crn=CRN,
        ).id  # fmt: skip

    def concern(self, channel: str, by: str) -> int:
        """E7: a concern that the Centre's raiser (a TPS) gave incorrect information, raised by ``by``."""
        return feedback.raise_concern(self.desk, by, about=CENTRES[channel].raiser, text=CONCERN).id

    def item_for_offers(self, who: Who, kind: str, make: Callable[[], Target]) -> Target:
        """One item per actor and kind for the offered-actions path, made once and only read."""
        key = (who.key, kind)
        if key not in self._items:
            self._items[key] = make()
        return self._items[key]

    def shown(self, who: Who, eid: int) -> tuple[dict[str, bool] | None, dict[str, bool] | None]:
        """What ``escalation show --json`` and the queue detail offer ``who`` on ``eid``
        (action -> allowed), or None where the item is refused to them (exit 3 / PermissionDenied)."""
        from screens.queue.detail import offers

        key = (who.logon, str(eid))
        if key not in self._shown:
            proc = self.cli(who, "escalation", "show", str(eid), "--json")
            if proc.returncode == 0:
                by_cli: dict[str, bool] | None = {a["action"]: a["allowed"] for a in json.loads(proc.stdout)["actions"]}
            else:
                assert proc.returncode == 3 and proc.stderr.startswith("error:"), proc.stderr
                by_cli = None
            try:
                detail = escalations.show(self.desk, who.logon, eid)
                by_screen: dict[str, bool] | None = {k: o.reason is None for k, o in offers(detail).items()}
            except PermissionDenied:
                by_screen = None
            self._shown[key] = (by_cli, by_screen)
        return self._shown[key]

    # ------------------------------------------------------------ paths
    def cli(self, who: Who, *args: str) -> Any:
        return invoke(*args, db=self.db_url, user=who.logon)

    def snapshot(self, t: Target) -> dict[str, Any]:
        """The last row id of every table (rows are only ever added: D3), and the state of
        the row acted on, with its notes and history events."""
        last = ", ".join(f"(SELECT max(id) FROM {m.__tablename__})" for m in TABLES)
        with self.desk.store.read() as s:
            row = s.connection().execute(text(f"SELECT {last}")).one()
            out: dict[str, Any] = {m.__name__: row[i] or 0 for i, m in enumerate(TABLES)}
            if t.escalation is not None:
                esc = s.get(Escalation, t.escalation)
                assert esc is not None
                owner = s.get(Staff, esc.owner_id) if esc.owner_id else None
                holder = owner.logon if owner else None
                out["escalation"] = (
                    esc.version,
                    holder,
                    esc.status,
                    esc.closed,
                    esc.last_action_at,
                    esc.referral_target,
                )
                out["escalation_notes"] = int(
                    s.exec(select(func.count()).select_from(Note).where(Note.escalation_id == esc.id)).one()
                )
                out["escalation_events"] = int(
                    s.exec(select(func.count()).select_from(Event).where(Event.escalation_id == esc.id)).one()
                )
            if t.contact is not None:
                contact = s.get(Contact, t.contact)
                assert contact is not None
                out["contact"] = (contact.status, contact.outcomes, contact.escalation_id)
            if t.concern is not None:
                concern = s.get(Feedback, t.concern)
                assert concern is not None
                out["concern"] = (concern.kind, concern.to_staff_id)
            return out


Done = Callable[[dict[str, Any], dict[str, Any], "Who"], bool]


@dataclass(frozen=True)
class Act:
    """One action of the matrix: what it acts on, how each path takes it, what the offered
    list calls it (E12), and whether an allowed act writes (reads change nothing)."""

    target: Callable[[World, Who], Target]
    service: Callable[[World, Who, Target], object]
    cli: Callable[[World, Who, Target], tuple[str, ...]] | None
    offer: str | None = None  # the lifecycle action the show/detail offers list names
    writes: bool = True
    per_actor: bool = False  # the object is the actor's own (never shared between actors)
    cli_prints: bool = False  # the CLI prints the result and stores nothing
    done: Done | None = None  # the change an allowed act makes, from the snapshots before and after


def _esc(make: Callable[[World, Who], int]) -> Callable[[World, Who], Target]:
    return lambda w, who: Target(escalation=make(w, who))


def _nothing(_w: World, _who: Who) -> Target:
    return Target()


def _grew(table: str) -> Done:
    return lambda before, after, _who: after[table] == before[table] + 1


def _owner_is(logon: Callable[[Who], str | None]) -> Done:
    return lambda _before, after, who: after["escalation"][1] == logon(who)


def _status_is(status: str) -> Done:
    return lambda _before, after, _who: after["escalation"][2] == status


def _claimed_with_note(before: dict[str, Any], after: dict[str, Any], who: Who) -> bool:
    return after["escalation"][1] == who.logon and after["escalation_notes"] == before["escalation_notes"] + 1


def _recorded_action(before: dict[str, Any], after: dict[str, Any], _who: Who) -> bool:
    notes = after["escalation_notes"] == before["escalation_notes"] + 1
    return notes and after["escalation"][4] is not None and after["escalation"][4] != before["escalation"][4]


def _escalated_by_contact(before: dict[str, Any], after: dict[str, Any], _who: Who) -> bool:
    return after["contact"][2] is not None and after["Escalation"] == before["Escalation"] + 1


def queue_has(w: World, who: Who, eid: int) -> bool:
    """The queue the TUI and ``escalation list`` show (R1, R4, W5), searched by the item's id."""
    rows = escalations.list_page(w.desk, who.logon, escalations.Filters(status="all", text=str(eid)), limit=1000)
    return any(r.id == eid for r in rows)


# ---------------------------------------------------------------- the service path of each act
def _contact(w: World, who: Who, t: Target) -> object:
    return intake.open_contact(
        w.desk, who.logon, reason="coding-error", help_required=ISSUE, references=[REFERENCE],
        confirmed_no_answer=True, requester_logon=who.logon, crn=CRN,
    )  # fmt: skip


def _outcome(w: World, who: Who, t: Target) -> object:
    return intake.record_outcome(w.desk, who.logon, t.cid, ["resolved"])


def _refer_direct_intake(w: World, who: Who, t: Target) -> object:
    return intake.record_outcome(
        w.desk, who.logon, t.cid, ["referred-ict"], category="system", nnu_ref=NNU, service_first=SERVICE_FIRST
    )


def _concern(w: World, who: Who, t: Target) -> object:
    return feedback.raise_concern(w.desk, who.logon, about=CENTRES[who.channel].raiser, text=CONCERN)


def _confirm(w: World, who: Who, t: Target) -> object:
    return feedback.confirm_concern(w.desk, who.logon, t.fid, finding=FINDING)


def _show(w: World, who: Who, t: Target) -> object:
    return escalations.show(w.desk, who.logon, t.eid)


def _document(w: World, who: Who, t: Target) -> object:
    return workflow.document(w.desk, who.logon, t.eid, action_taken=ACTION_TAKEN)


def _refer(w: World, who: Who, t: Target) -> object:
    return workflow.refer(w.desk, who.logon, t.eid, target="ict", checks=list(w.desk.policy.referral.system_checks))


def _refer_direct(w: World, who: Who, t: Target) -> object:
    return workflow.refer(
        w.desk, who.logon, t.eid, target="ict", checks=list(w.desk.policy.referral.system_checks), nnu_ref=NNU,
        service_first=SERVICE_FIRST,
    )  # fmt: skip


def _finalise_arrears(w: World, who: Who, t: Target) -> object:
    return workflow.finalise(w.desk, who.logon, t.eid, "ict-stop-requested", service_first=SERVICE_FIRST)


# ---------------------------------------------------------------- the CLI path of each act
CONTACT_ARGS = (
    "contact", "add", "--reason", "coding-error", "--help-text", ISSUE, "--ref", REFERENCE, "--confirmed-no-answer",
    "--crn", CRN,
)  # fmt: skip
DIRECT_ARGS = ("--nnu", NNU, "--service-first", SERVICE_FIRST)
REFER_DIRECT_OUTCOME = ("--outcome", "referred-ict", "--category", "system", *DIRECT_ARGS)


def _esc_cli(command: str, *rest: str) -> Callable[[World, Who, Target], tuple[str, ...]]:
    return lambda _w, _who, t: ("escalation", command, str(t.eid), *rest)


def _refer_cli(*extra: str) -> Callable[[World, Who, Target], tuple[str, ...]]:
    return _esc_cli("refer", "--target", "ict", "--checked-all", *extra)


ACTS: dict[str, Act] = {
    # ---------------------------------------------------------------- not about one item
    "contact": Act(
        _nothing, _contact, lambda _w, who, _t: (*CONTACT_ARGS, "--requester", who.logon), done=_grew("Contact")
    ),
    # The CLI prints the DOC for pasting and stores nothing without --escalate (S5); the service stores it.
    "doc": Act(
        _nothing,
        lambda w, who, _t: stop_payment.save(w.desk, who.logon, DOC, escalate=False),
        lambda _w, _who, _t: ("doc", "stop-payment", *DOC_ARGS),
        cli_prints=True,
        done=_grew("StopPaymentDoc"),
    ),
    "raise-arrears": Act(
        _nothing,
        lambda w, who, _t: stop_payment.save(w.desk, who.logon, DOC, escalate=True),
        lambda _w, _who, _t: ("doc", "stop-payment", *DOC_ARGS, "--escalate"),
        done=_grew("Escalation"),
    ),
    "raise-review": Act(
        _nothing,
        lambda w, who, _t: escalations.raise_escalation(w.desk, who.logon, category="review", crn=CRN),
        lambda _w, _who, _t: ("escalation", "raise", "--category", "review", "--crn", CRN),
        done=_grew("Escalation"),
    ),
    "concern": Act(
        _nothing,
        _concern,
        lambda _w, who, _t: ("feedback", "--about", CENTRES[who.channel].raiser, "--text", CONCERN),
        done=_grew("Feedback"),
    ),
    # The dashboard has no CLI command: the TUI's dashboard screen shows this same service's answer.
    "dashboard": Act(_nothing, lambda w, who, _t: dashboard.floor_dashboard(w.desk, who.logon), None, writes=False),
    "shift-export": Act(
        _nothing,
        lambda w, who, _t: summaries.shift_summary(w.desk, who.logon),
        lambda _w, _who, _t: ("summary", "--json"),
        writes=False,
    ),
    # ---------------------------------------------------------------- the Centre's contacts and concerns
    "outcome": Act(
        lambda w, who: Target(contact=w.contact(who.channel)),
        _outcome,
        lambda _w, _who, t: ("contact", "outcome", str(t.cid), "--outcome", "resolved"),
        done=lambda _before, after, _who: after["contact"][0] == "complete",
    ),
    "refer-direct-intake": Act(
        lambda w, who: Target(contact=w.contact(who.channel)),
        _refer_direct_intake,
        lambda _w, _who, t: ("contact", "outcome", str(t.cid), *REFER_DIRECT_OUTCOME),
        done=_escalated_by_contact,
    ),
    "confirm": Act(
        lambda w, who: Target(concern=w.concern(who.channel, CENTRES[who.channel].so)),
        _confirm,
        lambda _w, _who, t: ("feedback", "confirm", str(t.fid), "--finding", FINDING),
        done=lambda _before, after, _who: after["concern"][0] == "feedback",
    ),
    "confirm-own": Act(
        lambda w, who: Target(concern=w.concern(who.channel, who.logon)),
        _confirm,
        lambda _w, _who, t: ("feedback", "confirm", str(t.fid), "--finding", FINDING),
        per_actor=True,
    ),
    # ---------------------------------------------------------------- the Centre's escalations
    "see-own": Act(_esc(lambda w, who: w.own(who)), _show, _esc_cli("show", "--json"), writes=False, per_actor=True),
    "see-centre": Act(_esc(lambda w, who: w.review(who.channel)), _show, _esc_cli("show", "--json"), writes=False),
    "claim": Act(
        _esc(lambda w, who: w.review(who.channel)),
        lambda w, who, t: escalations.claim(w.desk, who.logon, t.eid, note=NOTE),
        _esc_cli("claim", "--note", NOTE),
        offer="claim",
        done=_claimed_with_note,
    ),
    "claim-arrears": Act(
        _esc(lambda w, who: w.arrears(who.channel)),
        lambda w, who, t: escalations.claim(w.desk, who.logon, t.eid),
        _esc_cli("claim"),
        offer="claim",
        done=_owner_is(lambda who: who.logon),
    ),
    "note": Act(
        _esc(lambda w, who: w.review(who.channel)),
        lambda w, who, t: escalations.add_note(w.desk, who.logon, t.eid, NOTE),
        _esc_cli("note", NOTE),
        offer="note",
        done=lambda before, after, _who: after["escalation_notes"] == before["escalation_notes"] + 1,
    ),
    # A note by the holder of an open item is a recorded action (E12, E13): it moves the progress check on.
    "note-as-holder": Act(
        _esc(lambda w, who: w.claimed_by(who)),
        lambda w, who, t: escalations.add_note(w.desk, who.logon, t.eid, NOTE),
        _esc_cli("note", NOTE),
        offer="note",
        per_actor=True,
        done=_recorded_action,
    ),
    "document": Act(
        _esc(lambda w, who: w.review(who.channel)),
        _document,
        _esc_cli("document", "--action-taken", ACTION_TAKEN),
        offer="document",
        done=_owner_is(lambda who: who.logon),
    ),
    "refer": Act(
        _esc(lambda w, who: w.system(who.channel)),
        _refer,
        _refer_cli(),
        offer="refer",
        done=_status_is("referred"),
    ),
    # E1, S4: the stop request to ICT with its Service First number (no E5a checks: its own route).
    "refer-arrears": Act(
        _esc(lambda w, who: w.arrears(who.channel)),
        lambda w, who, t: workflow.refer(w.desk, who.logon, t.eid, target="ict", service_first=SERVICE_FIRST),
        _esc_cli("refer", "--target", "ict", "--service-first", SERVICE_FIRST),
        offer="refer",
        done=_status_is("referred"),
    ),
    "follow-up": Act(
        _esc(lambda w, who: w.referred(who.channel)),
        lambda w, who, t: escalations.record_follow_up(w.desk, who.logon, t.eid, NOTE),
        _esc_cli("followup", NOTE),
        offer="follow_up",
        done=_owner_is(lambda who: who.logon),
    ),
    "finalise": Act(
        _esc(lambda w, who: w.ready(who.channel, w.review(who.channel))),
        lambda w, who, t: workflow.finalise(w.desk, who.logon, t.eid, "review-decided"),
        _esc_cli("finalise", "--reason", "review-decided"),
        offer="finalise",
        done=_status_is("finalised"),
    ),
    "finalise-arrears": Act(
        _esc(lambda w, who: w.ready(who.channel, w.arrears(who.channel))),
        _finalise_arrears,
        _esc_cli("finalise", "--reason", "ict-stop-requested", "--service-first", SERVICE_FIRST),
        offer="finalise",
        done=_status_is("finalised"),
    ),
    "refer-direct": Act(
        _esc(lambda w, who: w.own(who)),
        _refer_direct,
        _refer_cli(*DIRECT_ARGS),
        offer="refer",
        per_actor=True,
        done=_status_is("referred"),
    ),
    "release-other": Act(
        _esc(lambda w, who: w.held(who.channel)),
        lambda w, who, t: escalations.release(w.desk, who.logon, t.eid),
        _esc_cli("release"),
        offer="release",
        done=_owner_is(lambda _who: None),
    ),
    "reassign": Act(
        _esc(lambda w, who: w.held(who.channel)),
        lambda w, who, t: escalations.assign(w.desk, who.logon, t.eid, CENTRES[who.channel].assignee),
        lambda _w, who, t: ("escalation", "assign", str(t.eid), "--to", CENTRES[who.channel].assignee),
        offer="assign",
        done=_owner_is(lambda who: CENTRES[who.channel].assignee),
    ),
    "work-on-anothers-claim": Act(
        _esc(lambda w, who: w.held(who.channel)),
        _document,
        _esc_cli("document", "--action-taken", ACTION_TAKEN),
        offer="document",
    ),
}

# The kinds of item the offered-actions path reads, one per actor each (read only).
OFFER_ITEM: dict[str, str] = {
    "claim": "review",
    "note": "review",
    "document": "review",
    "finalise": "review",
    "note-as-holder": "claimed",
    "claim-arrears": "arrears",
    "refer-arrears": "arrears",
    "finalise-arrears": "arrears",
    "refer": "system",
    "follow-up": "referred",
    "refer-direct": "own",
    "release-other": "held",
    "reassign": "held",
    "work-on-anothers-claim": "held",
}


def offer_item(w: World, who: Who, kind: str) -> int:
    makers: dict[str, Callable[[], int]] = {
        "review": lambda: w.review(who.channel),
        "arrears": lambda: w.arrears(who.channel),
        "system": lambda: w.system(who.channel),
        "referred": lambda: w.referred(who.channel),
        "own": lambda: w.own(who),
        "claimed": lambda: w.claimed_by(who),
        "held": lambda: w.held(who.channel),
    }
    target = w.item_for_offers(who, kind, lambda: Target(escalation=makers[kind]()))
    assert target.escalation is not None
    return target.escalation


def hidden_words(channel: str) -> tuple[str, ...]:
    """What a refusal about a hidden item must not say: its CRN, summary, raiser and holder (R5)."""
    c = CENTRES[channel]
    return (*CRN_FORMS, SUMMARY, c.raiser, c.raiser_name, c.holder, c.holder_name)
