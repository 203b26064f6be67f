"""Time display on screen (C9): the viewer's zone, with the offset when the site keeps another."""

from datetime import UTC, datetime

from screens.widgets.formatting import local_for


def test_c9_same_zone_shows_plain_local_time() -> None:
    at = datetime(2026, 9, 29, 7, 0, tzinfo=UTC)
    assert local_for(at, "Australia/Sydney", "Australia/Sydney") == "Tue 29 Sep 17:00"


def test_c9_other_sites_zone_adds_the_viewers_offset() -> None:
    # A Perth item due 17:00 AWST seen from Sydney (AEST, +10) and Adelaide (ACST, +9:30).
    at = datetime(2026, 9, 29, 9, 0, tzinfo=UTC)
    assert local_for(at, "Australia/Sydney", "Australia/Perth") == "Tue 29 Sep 19:00 +10"
    assert local_for(at, "Australia/Adelaide", "Australia/Perth") == "Tue 29 Sep 18:30 +9:30"
