"""Mail that arrives (I7, E7): the outbox delivered to a real SMTP server on loopback,
exactly once per message, retried with backoff, given up after its attempts, and picked
up by another sender when one stops mid-batch. The sender runs synchronously on the
fake clock: no sleeps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, ok_json, run
from conftest import OWNER
from smtp_helpers import Inbox, mail_policy_file, smtp_server
from sqlalchemy import text
from sqlmodel import select

from tpsdesk.errors import ConfigError, ValidationError
from tpsdesk.models import Outbox, Staff
from tpsdesk.policy import load_policy
from tpsdesk.services import intake, setup
from tpsdesk.services.desk import Desk
from tpsdesk.services.feedback import raise_concern
from tpsdesk.services.mail import ACCEPTED, BEFORE_SEND, NOT_CONFIGURED, MailStatus, list_outbox, queue, send_due

CRN = "123456789A"


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the sender catches it, nothing after it runs."""


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def port(inbox: Inbox):
    with smtp_server(inbox) as p:
        yield p


def mail_desk(desk: Desk, folder: Path, port: int, **over: Any) -> Desk:
    """The same database and clock, with ``[mail]`` pointing at the test server."""
    return Desk(desk.store, policy=load_policy(mail_policy_file(folder, port, **over)), clock=desk.clock)


def put(desk: Desk, n: int = 1, *, to: str = "so1", body: str = "hello") -> list[int]:
    """``n`` messages queued for staff member ``to``, as the services queue them."""
    ids = []
    with desk.store.write() as s:
        staff = s.exec(select(Staff).where(Staff.logon == to)).one()
        for i in range(n):
            row = queue(s, desk.now(), kind="test", recipient=staff.email or staff.logon, subject=f"message {i}",
                        body=f"{body} {i}", centre_id=staff.centre_id, recipient_id=staff.id)  # fmt: skip
            assert row.id is not None
            ids.append(row.id)
    return ids


def rows(desk: Desk) -> dict[int, Outbox]:
    with desk.store.read() as s:
        return {r.id: r for r in s.exec(select(Outbox)).all() if r.id is not None}


# ---------------------------------------------------------------- exactly once
def test_i7_e7_each_message_arrives_once_with_its_message_id(desk, floor, tmp_path, inbox, port) -> None:
    c = intake.open_contact(desk, floor.so, reason="status-rate", help_required="Rate shows single",
                            references=["Ask Kristy"], confirmed_no_answer=True)  # fmt: skip
    intake.record_outcome(desk, floor.tps, c.id, ["resolved"])  # I7: the SO is told
    raise_concern(desk, floor.so, about=floor.tps, text="wrong rate", raised_with=floor.sp)  # E7: the SP is told
    md = mail_desk(desk, tmp_path, port)
    done = send_due(md, floor.so)
    stored = rows(desk)
    assert sorted(done.sent) == sorted(stored) and not done.retry and not done.failed
    assert sorted(inbox.message_ids()) == sorted(r.message_id for r in stored.values())
    assert all(r.message_id and r.message_id.startswith("<outbox-") and r.message_id.endswith(".pcc@tpsdesk>")
               for r in stored.values())  # fmt: skip
    assert sorted(to for tos, _ in inbox.received for to in tos) == ["so1@example.gov.au", "sp1@example.gov.au"]
    assert all(r.sent_at == desk.now() and r.attempts == 1 and r.next_attempt_at is None for r in stored.values())
    assert send_due(md, floor.so).sent == ()  # nothing is due: a sent message is never sent again
    desk.clock.advance(days=30)
    assert send_due(md, floor.so).sent == () and len(inbox.received) == 2


def test_i7_a_sent_message_is_history_and_cannot_be_made_due_again(desk, floor) -> None:
    [oid] = put(desk)
    with desk.store.write() as s:
        s.exec(text("UPDATE outbox SET sent_at = created_at, next_attempt_at = NULL WHERE id = :i").bindparams(i=oid))
    with pytest.raises(Exception, match="history"), desk.store.write() as s:  # D3: 0004's trigger
        s.exec(text("UPDATE outbox SET next_attempt_at = created_at WHERE id = :i").bindparams(i=oid))


# ---------------------------------------------------------------- retry with backoff
def test_i7_a_server_that_refuses_twice_then_accepts_delivers_once(desk, floor, tmp_path, port) -> None:
    inbox = Inbox(refuse=2)
    with smtp_server(inbox) as refusing:
        md = mail_desk(desk, tmp_path, refusing)
        [oid] = put(desk)
        assert send_due(md, floor.so).retry == (oid,)
        first = rows(desk)[oid]
        assert (first.attempts, first.last_error, first.sent_at) == (1, "451 4.3.0 try later", None)
        assert first.next_attempt_at == desk.now() + timedelta(seconds=60)  # backoff_seconds
        assert send_due(md, floor.so).claimed == 0  # not due yet: nothing is tried
        desk.clock.advance(seconds=60)
        assert send_due(md, floor.so).retry == (oid,)
        assert rows(desk)[oid].next_attempt_at == desk.now() + timedelta(seconds=120)  # doubled
        desk.clock.advance(seconds=120)
        assert send_due(md, floor.so).sent == (oid,)
    done = rows(desk)[oid]
    assert (done.attempts, done.sent_at, done.failed_at) == (3, desk.now(), None)
    assert done.last_error == "451 4.3.0 try later"  # kept from the failures
    assert len(inbox.received) == 1 and inbox.message_ids() == [done.message_id] and inbox.refused == 2


def test_i7_after_max_attempts_a_message_is_given_up_and_listed_as_failed(desk, floor, tmp_path) -> None:
    inbox = Inbox(refuse=100)
    with smtp_server(inbox) as p:
        md = mail_desk(desk, tmp_path, p, max_attempts=3)
        [oid] = put(desk)
        for _ in range(3):
            send_due(md, floor.so)
            desk.clock.advance(hours=2)
        assert send_due(md, floor.so).claimed == 0
    row = rows(desk)[oid]
    assert row.failed_at is not None and row.sent_at is None and row.next_attempt_at is None
    assert (row.attempts, inbox.refused) == (3, 3)  # never silently dropped, never tried again
    [view] = list_outbox(md, floor.tl, status="failed").messages
    assert (view.id, view.status, view.attempts, view.last_error) == (oid, MailStatus.FAILED, 3, "451 4.3.0 try later")
    assert list_outbox(md, floor.tl, status="pending").messages == ()


def test_i7_a_permanent_refusal_gives_up_at_once(desk, floor, tmp_path) -> None:
    inbox = Inbox(refuse=1, reply="550 5.1.1 no such mailbox")
    with smtp_server(inbox) as p:
        [oid] = put(desk)
        assert send_due(mail_desk(desk, tmp_path, p), floor.so).failed == (oid,)
    row = rows(desk)[oid]
    assert (row.attempts, row.last_error, row.failed_at) == (1, "550 5.1.1 no such mailbox", desk.now())


def test_i7_a_recipient_with_no_address_fails_with_the_reason(desk, floor, tmp_path, inbox, port) -> None:
    [oid] = put(desk)  # so1 has no email on this floor: the logon
    assert send_due(mail_desk(desk, tmp_path, port, logon_domain=""), floor.so).failed == (oid,)
    row = rows(desk)[oid]
    assert "so1 is not an email address" in (row.last_error or "") and inbox.received == []


def test_i7_an_unreachable_server_is_retried_with_the_reason(desk, floor, tmp_path) -> None:
    with smtp_server(Inbox()) as p:
        closed = p  # the server stops at the end of the block: nothing listens on the port
    [oid] = put(desk)
    assert send_due(mail_desk(desk, tmp_path, closed), floor.so).retry == (oid,)
    assert "ConnectionRefusedError" in (rows(desk)[oid].last_error or "")


def test_i7_starttls_required_but_not_offered_sends_nothing(desk, floor, tmp_path, inbox, port, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_SMTP_USER", "desk")
    monkeypatch.setenv("TPSDESK_SMTP_PASSWORD", "secret")
    [oid] = put(desk)
    send_due(mail_desk(desk, tmp_path, port, smtp_starttls=True), floor.so)
    assert "does not offer STARTTLS" in (rows(desk)[oid].last_error or "") and inbox.received == []
    send_due(mail_desk(desk, tmp_path, port), floor.so)  # the lease was released: due again after the backoff
    desk.clock.advance(minutes=1)
    send_due(mail_desk(desk, tmp_path, port), floor.so)
    assert "password is never sent unencrypted" in (rows(desk)[oid].last_error or "") and inbox.received == []


# ---------------------------------------------------------------- a sender that stops
def test_i7_a_sender_killed_mid_batch_leaves_the_rest_to_another_after_the_lease(
    desk, floor, tmp_path, inbox, port
) -> None:
    md = mail_desk(desk, tmp_path, port)
    ids = put(desk, 5)

    def kill_at_third(stage: str, oid: int) -> None:
        if stage == BEFORE_SEND and oid == ids[2]:
            raise Killed

    with pytest.raises(Killed):
        send_due(md, floor.so, sender="first", hook=kill_at_third)
    assert inbox.message_ids() == [rows(desk)[i].message_id for i in ids[:2]]
    held = rows(desk)
    assert all(held[i].claimed_by == "first" and held[i].sent_at is None for i in ids[2:])
    assert send_due(md, floor.so, sender="second").claimed == 0  # leased: two senders never hold one message
    desk.clock.advance(seconds=md.policy.mail.lease_seconds)
    assert sorted(send_due(md, floor.so, sender="second").sent) == ids[2:]
    after = rows(desk)
    assert sorted(inbox.message_ids()) == sorted(after[i].message_id for i in ids)  # each exactly once
    assert len(inbox.received) == 5 and all(after[i].sent_at is not None for i in ids)
    assert "sender first stopped during attempt 1" in (after[ids[2]].last_error or "")
    assert after[ids[2]].attempts == 2 and after[ids[0]].attempts == 1


def test_i7_the_crash_window_resends_at_most_once_with_the_same_message_id(desk, floor, tmp_path, inbox, port) -> None:
    """Killed after the server accepted a message but before ``sent_at`` was committed: the
    documented exception to exactly once. The next sender sends it again, once, with the
    same Message-ID, and it is then marked sent for good."""
    md = mail_desk(desk, tmp_path, port)
    [a, b] = put(desk, 2)

    def kill_after_accepted(stage: str, oid: int) -> None:
        if stage == ACCEPTED and oid == a:
            raise Killed

    with pytest.raises(Killed):
        send_due(md, floor.so, sender="first", hook=kill_after_accepted)
    desk.clock.advance(seconds=md.policy.mail.lease_seconds)
    assert sorted(send_due(md, floor.so, sender="second").sent) == [a, b]
    mid = rows(desk)[a].message_id
    assert inbox.message_ids().count(mid) == 2  # the repeat carries the same Message-ID
    assert inbox.message_ids().count(rows(desk)[b].message_id) == 1
    desk.clock.advance(days=1)
    assert send_due(md, floor.so, sender="third").claimed == 0 and len(inbox.received) == 3


def test_i7_a_second_sender_never_claims_what_the_first_holds(desk, floor, tmp_path, inbox, port) -> None:
    md = mail_desk(desk, tmp_path, port)
    ids = put(desk, 3)
    seen: list[int] = []

    def meanwhile(stage: str, oid: int) -> None:
        if stage == BEFORE_SEND and oid == ids[0]:
            seen.append(send_due(md, floor.so, sender="second").claimed)

    assert sorted(send_due(md, floor.so, sender="first", hook=meanwhile).sent) == ids
    assert seen == [0] and len(inbox.received) == 3


def test_i7_a_stalled_sender_skips_what_another_took_after_its_lease(desk, floor, tmp_path, inbox, port) -> None:
    """A sender that stalls past its lease (not killed) after the server accepted its first
    message: another takes all three (the first again: the crash window, same Message-ID);
    the stalled one then finds, message by message, that none is its own and sends no more."""
    md = mail_desk(desk, tmp_path, port)
    ids = put(desk, 3)

    def stall(stage: str, oid: int) -> None:
        if stage == ACCEPTED and oid == ids[0]:
            desk.clock.advance(seconds=md.policy.mail.lease_seconds)
            assert sorted(send_due(md, floor.so, sender="second").sent) == ids

    done = send_due(md, floor.so, sender="first", hook=stall)
    assert done.sent == () and sorted(done.skipped) == ids
    got = inbox.message_ids()
    assert [got.count(rows(desk)[i].message_id) for i in ids] == [2, 1, 1]


# ---------------------------------------------------------------- who sees the outbox
def test_i7_r4_the_centre_outbox_for_tl_sp_sso_and_their_own_for_others(desk, floor, tmp_path) -> None:
    [to_so] = put(desk, to=floor.so)
    [to_sp] = put(desk, to=floor.sp)
    [to_cr] = put(desk, to="crso1")

    def seen(logon: str) -> list[int]:
        return sorted(m.id for m in list_outbox(desk, logon).messages)

    assert seen(floor.tl) == seen(floor.sp) == seen(floor.sso) == [to_so, to_sp]  # R4: the Centre's, no other
    assert seen(floor.so) == [to_so] and seen(floor.tps) == [] and seen("crso1") == [to_cr]
    assert seen("crtl1") == [to_cr]
    assert list_outbox(desk, floor.tl).whole_centre and not list_outbox(desk, floor.so).whole_centre
    setup.add_staff(desk, OWNER, "so7", "Sid Seven", "SO", "SYD", email="sid@example.gov.au")
    [to_so7] = put(desk, to="so7")
    assert seen("so7") == [to_so7] and rows(desk)[to_so7].recipient == "sid@example.gov.au"


def test_x2_crns_are_masked_in_the_listed_subject_and_body(desk, floor) -> None:
    put(desk, body=f"about CRN {CRN} and crn 123-456-789a")
    [view] = list_outbox(desk, floor.so).messages
    assert CRN not in view.body and "123-456" not in view.body and "******789A" in view.body


def test_i7_without_an_smtp_host_nothing_is_sent_and_the_list_says_so(desk, floor) -> None:
    put(desk)
    with pytest.raises(ConfigError) as err:
        send_due(desk, floor.so)
    assert str(err.value) == NOT_CONFIGURED and "tpsdesk outbox list" in NOT_CONFIGURED
    listing = list_outbox(desk, floor.so)
    assert not listing.configured and "nothing is sent" in listing.note
    assert [m.status for m in listing.messages] == [MailStatus.PENDING]
    with pytest.raises(ValidationError):
        list_outbox(desk, floor.so, status="lost")


# ---------------------------------------------------------------- the CLI
def test_i7_cli_outbox_send_once_and_list_show_what_happened(desk, floor, db_url, tmp_path) -> None:
    inbox = Inbox(refuse=1, reply="550 5.7.1 relaying denied")
    ids = put(desk, 2)
    with smtp_server(inbox) as p:
        env = {"TPSDESK_POLICY": str(mail_policy_file(tmp_path, p)), "HOME": str(tmp_path)}
        done = ok_json(run("outbox", "send", "--once", "--json", db=db_url, user=floor.so, env=env))
        assert (done["failed"], done["sent"]) == ([ids[0]], [ids[1]])
        failed = ok_json(run("outbox", "list", "--failed", "--json", db=db_url, user=floor.so, env=env))
        [msg] = failed["messages"]
        assert (msg["id"], msg["status"], msg["attempts"]) == (ids[0], "failed", 1)
        assert msg["last_error"] == "550 5.7.1 relaying denied" and failed["configured"]
        people = run("outbox", "list", db=db_url, user=floor.tl, env=env)
        assert people.returncode == 0 and "relaying denied" in people.stdout and "sent" in people.stdout
    assert len(inbox.received) == 1


def test_i7_cli_outbox_send_without_an_smtp_host_says_so(desk, floor, db_url, tmp_path) -> None:
    put(desk)
    err = fails(run("outbox", "send", "--once", db=db_url, user=floor.so, env={"HOME": str(tmp_path)}), 2)
    assert "no SMTP host is configured" in err and "tpsdesk outbox list" in err
    pending = ok_json(run("outbox", "list", "--pending", "--json", db=db_url, user=floor.so,
                          env={"HOME": str(tmp_path)}))  # fmt: skip
    assert [m["status"] for m in pending["messages"]] == ["pending"] and not pending["configured"]


# ---------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
def test_i7_postgres_delivers_once_and_a_stopped_sender_is_taken_over(pg_desk, pg_floor, tmp_path, inbox, port) -> None:
    md = mail_desk(pg_desk, tmp_path, port)
    ids = put(pg_desk, 3)

    def kill_at_second(stage: str, oid: int) -> None:
        if stage == BEFORE_SEND and oid == ids[1]:
            assert send_due(md, "so1", sender="other").claimed == 0  # locked or leased: not another's
            raise Killed

    with pytest.raises(Killed):
        send_due(md, "so1", sender="first", hook=kill_at_second)
    pg_desk.clock.advance(seconds=md.policy.mail.lease_seconds)
    assert sorted(send_due(md, "so1", sender="other").sent) == ids[1:]
    assert sorted(inbox.message_ids()) == sorted(rows(pg_desk)[i].message_id for i in ids)


def test_i7_a_sender_asked_to_stop_gives_back_what_it_did_not_try(desk, floor, tmp_path, inbox, port) -> None:
    """The app closing: the run stops before its next message, and the messages it claimed
    are due again at once for the next sender, the attempt not counted."""
    md = mail_desk(desk, tmp_path, port)
    ids = put(desk, 3)
    done = send_due(md, floor.so, sender="app", stop=lambda: len(inbox.received) >= 1)
    assert done.sent == (ids[0],) and sorted(done.skipped) == ids[1:]
    back = rows(desk)
    assert all(back[i].claimed_by is None and back[i].attempts == 0 and back[i].next_attempt_at == desk.now()
               for i in ids[1:])  # fmt: skip
    assert sorted(send_due(md, floor.so, sender="next").sent) == ids[1:] and len(inbox.received) == 3


def test_i7_what_is_due_is_one_range_of_the_due_index(desk, floor) -> None:
    """The claim reads the due messages through ``ix_outbox_due`` (no scan of the outbox)."""
    put(desk, 3)
    with desk.store.read() as s:
        plan = s.exec(
            text("EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE next_attempt_at <= :now "
                 "ORDER BY next_attempt_at, id LIMIT 20").bindparams(now=desk.now().replace(tzinfo=None))
        ).all()  # fmt: skip
    detail = " ".join(str(r[-1]) for r in plan)
    assert "SEARCH outbox USING COVERING INDEX ix_outbox_due" in detail and "SCAN" not in detail, detail


def test_i7_a_sender_process_killed_mid_batch_is_taken_over_after_the_lease(
    desk, floor, db_url, tmp_path, inbox, port
) -> None:
    """The real thing: a sender process SIGKILLed in the middle of its batch (it waits
    at its third message until killed). After the lease, another sender delivers the rest;
    every message arrives exactly once."""
    import os
    import signal
    import subprocess
    import sys

    from cli_helpers import ROOT

    ids = put(desk, 5)
    policy = mail_policy_file(tmp_path, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "crash_sender.py"), db_url, str(policy), desk.now().isoformat(),
         str(ids[2])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    seen: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:  # blocks on the child's output only: no timing
            seen.append(line.strip())
            if line.strip() == f"before-send {ids[2]}":
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert seen == [f"{stage} {i}" for i in ids[:2] for stage in (BEFORE_SEND, ACCEPTED)] + [f"before-send {ids[2]}"]
    assert child.returncode == -signal.SIGKILL
    held = rows(desk)
    assert [held[i].sent_at is not None for i in ids] == [True, True, False, False, False]
    assert all(held[i].claimed_by == "crashed" for i in ids[2:])
    md = mail_desk(desk, tmp_path, port)
    assert send_due(md, floor.so, sender="second").claimed == 0  # still leased
    desk.clock.advance(seconds=md.policy.mail.lease_seconds)
    assert sorted(send_due(md, floor.so, sender="second").sent) == ids[2:]
    assert sorted(inbox.message_ids()) == sorted(rows(desk)[i].message_id for i in ids)  # each exactly once
