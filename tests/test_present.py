"""The shared formatter (tpsdesk/present.py, C9): the same words for the CLI and the TUI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tpsdesk.businesstime import fmt_local, zone
from tpsdesk.present import age, local_for, relative, when_text

AT = datetime(2026, 9, 29, 9, 0, tzinfo=UTC)  # 17:00 AWST, 19:00 AEST


def test_c9_when_text_same_zone_is_plain() -> None:
    assert when_text(AT, "Australia/Perth", "Australia/Perth") == "Tue 29 Sep 2026 17:00 AWST"
    assert when_text(AT, "Australia/Perth") == "Tue 29 Sep 2026 17:00 AWST"


def test_c9_when_text_in_the_viewers_zone_notes_the_offsets() -> None:
    assert when_text(AT, "Australia/Perth", "Australia/Sydney") == "Tue 29 Sep 2026 19:00 AEST (UTC+10:00)"
    assert (
        when_text(AT, "Australia/Sydney", "Australia/Perth", note_site=True)
        == "Tue 29 Sep 2026 17:00 AWST (UTC+08:00; site AEST UTC+10:00)"
    )
    # Daylight saving at the raising site: Adelaide is ACDT (+10:30) in October.
    october = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
    assert when_text(october, "Australia/Adelaide", "Australia/Perth", note_site=True).endswith(
        "(UTC+08:00; site ACDT UTC+10:30)"
    )


def test_c9_core_and_tui_texts_come_from_the_one_formatter() -> None:
    assert fmt_local(AT, zone("Australia/Perth"), zone("Australia/Sydney")) == when_text(
        AT, "Australia/Perth", "Australia/Sydney"
    )
    from screens.widgets import formatting

    assert formatting.local_for is local_for and formatting.relative is relative
    assert local_for(AT, "Australia/Sydney", "Australia/Perth") == "Tue 29 Sep 19:00 +10"


def test_relative_and_age_words() -> None:
    assert relative(AT + timedelta(hours=3), AT) == "in 3h"
    assert relative(AT - timedelta(days=2, hours=1), AT) == "overdue 2d"
    assert age(2 * 24 * 60 + 3 * 60) == "2d 3h" and age(245) == "4h 05m"
