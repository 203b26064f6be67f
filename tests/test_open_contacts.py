"""The open contacts list (issue 9 item 9): what waits for TPS, oldest first (I7, I8, R1, R6)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from test_intake import ask  # a complete technical contact; keywords override

from tpsdesk.errors import NotFound, PermissionDenied
from tpsdesk.services import intake


def ids(found: intake.OpenContacts) -> list[int]:
    return [v.id for v in found.rows]


def test_i8_tps_sees_the_sites_open_contacts_oldest_first(desk, floor, clock) -> None:
    first = ask(desk, floor.so)
    clock.advance(minutes=5)
    second = ask(desk, floor.tps, requester_logon=floor.so)
    clock.advance(minutes=5)
    third = ask(desk, floor.so)
    found = intake.open_contacts(desk, floor.tps)
    assert ids(found) == [first.id, second.id, third.id]
    assert found.records_outcomes and found.site == "SYD" and not found.more and found.refusal == ""


def test_i8_same_instant_orders_by_id(desk, floor) -> None:
    made = [ask(desk, floor.so).id for _ in range(3)]
    assert ids(intake.open_contacts(desk, floor.tps)) == made


def test_i7_a_completed_contact_drops_out_of_the_tps_list(desk, floor, clock) -> None:
    done, waiting = ask(desk, floor.so), ask(desk, floor.so)
    intake.record_outcome(desk, floor.tps, done.id, ["resolved"], expected_version=done.version)
    assert ids(intake.open_contacts(desk, floor.tps)) == [waiting.id]


def test_r1_site_scoping_own_site_by_default_another_of_the_centre_when_named(desk, floor) -> None:
    syd = ask(desk, floor.so)
    per = ask(desk, floor.per_so)
    crc = ask(desk, floor.cr_so, references=["mySupport"])  # another Centre's contact is never listed
    assert ids(intake.open_contacts(desk, floor.tps)) == [syd.id]
    found = intake.open_contacts(desk, floor.tps, site="per")
    assert ids(found) == [per.id] and found.site == "PER"
    assert ids(intake.open_contacts(desk, floor.cr_tps)) == [crc.id]


def test_r1_another_centres_site_is_refused_and_an_unknown_one_not_found(desk, floor) -> None:
    with pytest.raises(PermissionDenied, match="another Centre"):
        intake.open_contacts(desk, floor.tps, site="BNE")
    with pytest.raises(NotFound, match="XYZ"):
        intake.open_contacts(desk, floor.tps, site="XYZ")


def test_r1_an_so_sees_only_their_own_with_status_and_the_refusal(desk, floor, clock) -> None:
    mine = ask(desk, floor.so)
    for_me = ask(desk, floor.tps, requester_logon=floor.so)  # recorded by TPS, requested by so1
    ask(desk, floor.per_so)  # someone else's
    intake.record_outcome(desk, floor.tps, for_me.id, ["resolved"])
    found = intake.open_contacts(desk, floor.so, site="PER")  # an SO's own, wherever: the site is ignored
    assert ids(found) == [mine.id, for_me.id]
    assert [v.status for v in found.rows] == ["open", "complete"]
    assert not found.records_outcomes and "outcome" in found.refusal and found.refusal.startswith("refused:")
    assert found.site == "SYD"


def test_i7_an_sos_completed_contact_goes_after_the_recent_window(desk, floor, clock) -> None:
    c = ask(desk, floor.so)
    intake.record_outcome(desk, floor.tps, c.id, ["resolved"])
    hours = desk.policy.intake.recent_complete_hours
    clock.advance(hours=hours)
    assert ids(intake.open_contacts(desk, floor.so)) == [c.id]
    clock.advance(minutes=1)
    assert ids(intake.open_contacts(desk, floor.so)) == []


def test_limit_and_more(desk, floor) -> None:
    made = [ask(desk, floor.so).id for _ in range(4)]
    found = intake.open_contacts(desk, floor.tps, limit=3)
    assert ids(found) == made[:3] and found.more
    found = intake.open_contacts(desk, floor.tps, limit=4)
    assert ids(found) == made and not found.more
    assert intake.open_contacts(desk, floor.tps, limit=0).rows[0].id == made[0]  # at least one


def test_i8_the_tps_list_is_an_index_range(desk, floor) -> None:
    """The TPS list reads ix_contact_site_open in order: no sort of the site's contacts."""
    with desk.store.engine.connect() as conn:
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT * FROM contact WHERE site_id = 1 AND status = 'open' "
                    "ORDER BY opened_at, id LIMIT 201"
                )
            )
        )
    assert "ix_contact_site_open" in plan and "TEMP B-TREE" not in plan
