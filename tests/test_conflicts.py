"""E11 and D3 under concurrency: a note never conflicts and never changes the item's
version; every stale edit is a Conflict (exit 4) naming who changed what; edits take
--expected-version; transient database failures are retried, then reported as a
Conflict, never as an unexpected failure."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, invoke
from sqlalchemy.exc import OperationalError

from tpsdesk.errors import Conflict
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.services.retry import transaction

SERVICES = Path(__file__).resolve().parent.parent / "tpsdesk" / "services"


def _claimed(desk: Desk, floor: Any, category: str = "q999") -> int:
    v = escalations.raise_escalation(desk, floor.tps, category=category, crn="123456789A", summary="check it")
    escalations.claim(desk, floor.sp, v.id)
    return v.id


def _version(desk: Desk, floor: Any, esc_id: int) -> int:
    return escalations.show(desk, floor.sp, esc_id).escalation.version


def test_e11_owners_note_keeps_the_version_so_their_other_window_still_acts(desk: Desk, floor: Any, clock) -> None:
    esc_id = _claimed(desk, floor)
    seen = _version(desk, floor, esc_id)  # window A and window B both read this
    before = escalations.show(desk, floor.sp, esc_id).escalation
    clock.advance(hours=3)
    escalations.add_note(desk, floor.sp, esc_id, "window A: called the customer")
    after = escalations.show(desk, floor.sp, esc_id).escalation
    assert after.version == seen
    # ...and the note still counts as the holder's recorded action (E13 moves on).
    assert after.next_action_at is not None and before.next_action_at is not None
    assert after.next_action_at > before.next_action_at
    escalations.release(desk, floor.sp, esc_id, expected_version=seen)  # window B: no conflict with themself


def test_d4_file_note_moves_the_record_update_without_a_version(desk: Desk, floor: Any, clock) -> None:
    v = escalations.raise_escalation(desk, floor.cr_tps, category="q999", crn="123456789A", summary="cr item")
    escalations.claim(desk, floor.cr_sso, v.id)
    seen = escalations.show(desk, floor.cr_sso, v.id).escalation
    clock.advance(days=2)
    escalations.add_note(desk, floor.cr_sso, v.id, "record updated with the latest", kind="file-note")
    now = escalations.show(desk, floor.cr_sso, v.id).escalation
    assert now.version == seen.version
    assert now.next_action_at is not None and seen.next_action_at is not None
    assert now.next_action_at > seen.next_action_at


def test_e11_stale_edit_names_who_and_what(desk: Desk, floor: Any) -> None:
    esc_id = _claimed(desk, floor)
    seen = _version(desk, floor, esc_id)
    escalations.release(desk, floor.tl, esc_id, expected_version=seen)
    with pytest.raises(Conflict) as caught:
        escalations.assign(desk, floor.sp, esc_id, floor.sp, expected_version=seen)
    message = str(caught.value)
    assert "Tess" in message or floor.tl in message
    assert "released" in message


@pytest.mark.parametrize(
    "args",
    [
        ["claim"],
        ["followup", "called ICT"],
        ["release"],
        ["assign", "--to", "sp1"],
    ],
    ids=lambda a: a[0],
)
def test_e11_cli_edits_take_expected_version_and_exit_4_when_stale(
    desk: Desk, floor: Any, db_url: str, args: list[str]
) -> None:
    v = escalations.raise_escalation(desk, floor.tps, category="death", crn="123456789A", summary="partner died")
    if args[0] != "claim":
        escalations.claim(desk, floor.sp, v.id, note="looked at the record")  # the first action (E3)
    stale = _version(desk, floor, v.id) - 1
    cmd = ["escalation", args[0], str(v.id), *args[1:]]
    fails(invoke(*cmd, "--expected-version", str(stale), db=db_url, user=floor.sp), 4, "reload it")
    assert _version(desk, floor, v.id) == stale + 1  # unchanged
    done = invoke(*cmd, "--expected-version", str(stale + 1), db=db_url, user=floor.sp)
    assert done.returncode == 0, done.stderr


class _Transient(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


def _failing(times: int, sqlstate: str = "40P01") -> tuple[list[int], Any]:
    calls: list[int] = []

    def act() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("UPDATE escalation ...", {}, _Transient(sqlstate))
        return "done"

    return calls, act


def test_e11_deadlock_or_serialization_failure_is_run_again() -> None:
    calls, act = _failing(2)
    assert transaction(act, attempts=5, pause=lambda _s: None)() == "done"
    assert len(calls) == 3


def test_e11_persistent_transient_failure_is_a_conflict_not_unexpected() -> None:
    calls, act = _failing(99, "40001")
    with pytest.raises(Conflict, match="try again"):
        transaction(act, attempts=4, pause=lambda _s: None)()
    assert len(calls) == 4


def test_other_database_errors_are_not_retried() -> None:
    calls, act = _failing(99, "23505")  # a unique violation will not go away
    with pytest.raises(OperationalError):
        transaction(act, attempts=4, pause=lambda _s: None)()
    assert len(calls) == 1


def test_every_service_write_is_retried_as_one_transaction() -> None:
    """A service function that opens a write transaction is decorated with ``transaction``."""
    missing = []
    for path in sorted(SERVICES.glob("*.py")):
        src = path.read_text()
        for node in ast.parse(src).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            body = ast.get_source_segment(src, node) or ""
            writes = "store.write()" in body or "UnitOfWork.begin" in body
            decorated = any(isinstance(d, ast.Name) and d.id == "transaction" for d in node.decorator_list)
            if writes and not decorated and path.name != "uow.py":
                missing.append(f"{path.name}:{node.name}")
    assert missing == []
