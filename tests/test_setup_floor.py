"""The first run's floor set-up in one transaction (R7, R6), and the app's sign-in read (R7, C1).

``setup.set_up_floor`` makes the Centre, its first site and the first staff member with an
event each, or nothing at all: a part refused late (a site code taken, a bad zone) leaves no
Centre behind. ``setup.sign_in`` answers who signs in, where, with one targeted read.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import OWNER
from sqlmodel import func, select

from tpsdesk.errors import NotFound, PermissionDenied, ValidationError
from tpsdesk.models import Centre, Event, Site, Staff
from tpsdesk.services import setup
from tpsdesk.services.desk import Desk
from tpsdesk.services.identity import Identity

FORM = {
    "centre_code": "abc",
    "centre_name": "A Centre",
    "channel": "smart-centre",
    "site_code": "mel",
    "site_name": "",
    "zone_name": "Australia/Melbourne",
    "state": "VIC",
    "logon": "me1",
    "name": "Mo Eel",
    "role": "SP",
}


def _counts(desk: Desk) -> dict[str, int]:
    with desk.store.read() as session:
        return {
            model.__name__: int(session.exec(select(func.count()).select_from(model)).one())
            for model in (Centre, Site, Staff, Event)
        }


def _set_up(desk: Desk, who: Identity = OWNER, **changes: Any) -> setup.FloorSetUp:
    return setup.set_up_floor(desk, who, **(FORM | changes))


def test_r7_set_up_floor_makes_centre_site_and_staff_with_an_event_each(desk: Desk) -> None:
    made = _set_up(desk)
    assert (made.centre.code, made.site.code, made.site.centre, made.staff.logon) == ("ABC", "MEL", "ABC", "me1")
    assert made.site.name == "MEL" and made.staff.site == "MEL" and made.staff.centre == "ABC"
    assert not made.staff.admin
    with desk.store.read() as session:
        kinds = list(session.exec(select(Event.kind).order_by(Event.id)).all())
    assert kinds == ["centre-added", "site-added", "staff-added"]
    assert [s.zone for s in setup.list_sites(desk)] == ["Australia/Melbourne"]


def test_r6_set_up_floor_gives_a_first_team_leader_the_admin_flag(desk: Desk) -> None:
    assert _set_up(desk, role="TL").staff.admin
    assert setup.list_staff(desk)[0].admin


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"zone_name": "Mars/Olympus"}, "zone_name"),
        ({"site_code": ""}, "site_code"),
        ({"centre_code": "a b"}, "centre_code"),
        ({"state": "XX"}, "state"),
        ({"logon": ""}, "logon"),
        ({"name": "  "}, "name"),
        ({"role": "BOSS"}, "role"),
    ],
)
def test_r7_set_up_floor_refused_part_names_its_field_and_creates_nothing(
    desk: Desk, changes: dict[str, str], field: str
) -> None:
    before = _counts(desk)
    with pytest.raises(ValidationError) as refused:
        _set_up(desk, **changes)
    assert refused.value.field == field
    assert _counts(desk) == before


def test_r7_set_up_floor_refused_inside_the_transaction_leaves_no_centre(desk: Desk) -> None:
    """The site's code is taken only the database can tell: the Centre written before it in
    the same transaction is rolled back with it."""
    setup.add_centre(desk, OWNER, "OLD", "Old Centre", "smart-centre")
    setup.add_site(desk, OWNER, "MEL", "Melbourne", "OLD", "Australia/Melbourne", "VIC")
    before = _counts(desk)
    with pytest.raises(ValidationError) as refused:
        _set_up(desk)
    assert refused.value.field == "site_code" and "already exists" in refused.value.message
    assert _counts(desk) == before
    assert [c.code for c in setup.list_centres(desk)] == ["OLD"]


def test_r7_set_up_floor_is_the_floor_owners_only(desk: Desk, floor: object) -> None:
    before = _counts(desk)
    with pytest.raises(PermissionDenied):
        _set_up(desk, Identity("tests", "sp1"), site_code="NEW", centre_code="NEW", logon="new1")
    assert _counts(desk) == before


def test_r7_sign_in_answers_who_where_and_the_centres_sites(desk: Desk, floor: object) -> None:
    signed = setup.sign_in(desk, "sp1")
    assert (signed.actor.logon, signed.centre, signed.site, signed.zone) == ("sp1", "PCC", "SYD", "Australia/Sydney")
    assert signed.sites == ("PER", "SYD")  # PCC's sites, not BNE (another Centre)
    at_perth = setup.sign_in(desk, "sp1", site="per")
    assert (at_perth.site, at_perth.zone) == ("PER", "Australia/Perth")
    assert setup.sign_in(desk, "sp1", site="NOWHERE").site == "SYD"  # an unknown --site is not used
    with pytest.raises(NotFound):
        setup.sign_in(desk, "nobody")


def test_r7_match_logon_ignores_case_and_inactive_staff(desk: Desk, floor: object) -> None:
    assert setup.match_logon(desk, "TL1") == "tl1"
    assert setup.match_logon(desk, "nobody") is None
    assert setup.match_logon(desk, "") is None
    with desk.store.write() as session:
        staff = session.exec(select(Staff).where(Staff.logon == "so1")).one()
        staff.active = False
        session.add(staff)
    assert setup.match_logon(desk, "so1") is None


@pytest.mark.postgres
def test_r7_pg_set_up_floor_is_one_transaction(pg_desk: Desk) -> None:
    """On PostgreSQL too: the site finds the Centre written before it in the same
    transaction, and a part refused late leaves nothing."""
    setup.add_centre(pg_desk, OWNER, "OLD", "Old Centre", "smart-centre")
    setup.add_site(pg_desk, OWNER, "MEL", "Melbourne", "OLD", "Australia/Melbourne", "VIC")
    before = _counts(pg_desk)
    with pytest.raises(ValidationError):
        _set_up(pg_desk)
    assert _counts(pg_desk) == before
    made = _set_up(pg_desk, site_code="GEE", role="TL")
    assert (made.site.centre, made.staff.site, made.staff.admin) == ("ABC", "GEE", True)
