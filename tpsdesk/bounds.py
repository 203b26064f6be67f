"""The windows a typed id, year or date must fall in, checked before it reaches the
database or the date arithmetic (one clear line naming the field, exit 2).

Pure and light: the CLI's parameter types (``tpsdesk.commands.params``) and the
services' input boundary (``tpsdesk.services.boundary``) both use it.
"""

from __future__ import annotations

from datetime import date, datetime

from tpsdesk.errors import ValidationError

# Every id column is an SQL INTEGER (PostgreSQL int4): a larger number can name no row,
# and PostgreSQL refuses to compare it as one ("integer out of range").
ID_MIN = 1
ID_MAX = 2**31 - 1
# Instants and dates people type. No desk has business before 1900 or after 2200, and
# years 1 and 9999 overflow the arithmetic (a time zone's offset, a deadline's days on).
YEAR_MIN = 1900
YEAR_MAX = 2200


def id_message(what: str) -> str:
    return f"{what} id must be between {ID_MIN} and {ID_MAX}"


def check_id(field: str, what: str, value: int) -> int:
    """``value`` if it can be an id of ``what`` (an escalation, a note, ...), else a ValidationError."""
    if isinstance(value, bool) or not ID_MIN <= value <= ID_MAX:
        raise ValidationError(field, id_message(what))
    return value


def year_message(shown: object) -> str:
    return f"{shown} is outside the years {YEAR_MIN} to {YEAR_MAX}: check the year"


def check_year(field: str, value: date | datetime, shown: object = None) -> None:
    """A typed date or instant must fall within the years YEAR_MIN to YEAR_MAX."""
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValidationError(field, year_message(shown if shown is not None else value.isoformat()))


def years_on(day: date, years: int) -> date:
    """The same calendar day ``years`` on (29 February becomes the 28th in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_eped(field: str, eped: date, today: date, years: int) -> date:
    """E10: a customer's EPED lies within ``years`` (the policy's ``input.eped_max_years``) of
    today, before or after; anything further is a mistyped year."""
    check_year(field, eped)
    earliest, latest = years_on(today, -years), years_on(today, years)
    if not earliest <= eped <= latest:
        raise ValidationError(
            field,
            f"the EPED {eped.isoformat()} is more than {years} years from today ({today.isoformat()}): check the year",
        )
    return eped
