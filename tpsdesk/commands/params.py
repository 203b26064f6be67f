"""Click parameter types shared by the commands: an id is checked where it is typed.

``IdType("escalation")`` takes an escalation id, a note id (``--corrects``), a DOC id
(``--replaces``), ...: ASCII digits within ``bounds.ID_MIN`` to ``bounds.ID_MAX`` (an SQL
INTEGER), or one line naming the option and the window (exit 2), e.g.
``error: ID: escalation id must be between 1 and 2147483647``. It raises the core's
``ValidationError``, not click's usage error, so the answer is one line like every other
input error (``cli.main``). Light: only click and ``tpsdesk.bounds``.
"""

from __future__ import annotations

import re

import click

from tpsdesk.bounds import ID_MAX, ID_MIN, id_message
from tpsdesk.errors import ValidationError

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class IdType(click.ParamType[int]):
    """The id of a ``what`` (an escalation, a contact, a DOC, a note, a concern); with
    ``noun="version"`` the E11 version number of one. A version is only compared, never
    looked up, so 0 (older than any row) is taken and answered as a stale version would be
    (R5: nothing of an unseen item is told); past the column's range it is refused."""

    name = "id"

    def __init__(self, what: str, noun: str = "id") -> None:
        self.what = what
        self.noun = noun
        self.minimum = ID_MIN if noun == "id" else 0

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        field = _field(param)
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip().removeprefix("#")
            if not _DIGITS.fullmatch(text):
                raise ValidationError(field, f"{value!r} is not {_an(self.what)} {self.noun}: {self._window()}")
            number = int(text)
        if not self.minimum <= number <= ID_MAX:
            raise ValidationError(field, self._window())
        return number

    def _window(self) -> str:
        return (
            id_message(self.what)
            if self.noun == "id"
            else f"{self.what} {self.noun} must be between {self.minimum} and {ID_MAX}"
        )


def _an(what: str) -> str:
    return f"an {what}" if what[:1].lower() in "aeiou" else f"a {what}"


def _field(param: click.Parameter | None) -> str:
    """How the message names the parameter: the option as typed, or the argument's metavar."""
    if param is None:
        return "id"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.metavar or (param.name or "id").upper()


ESCALATION_ID = IdType("escalation")
CONTACT_ID = IdType("contact")
DOC_ID = IdType("DOC")
NOTE_ID = IdType("note")
CONCERN_ID = IdType("concern")
ESCALATION_VERSION = IdType("escalation", noun="version")
CONTACT_VERSION = IdType("contact", noun="version")
