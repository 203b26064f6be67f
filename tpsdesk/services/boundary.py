"""The services' input boundary: what a person typed is cleaned and checked once, where a
service receives it, before anything is read or written.

``@typed_input(...)`` on a service function takes every argument as typed, from the CLI
and the screens alike:

- text (a ``str``, alone or in a list, a dict, ``**fields`` or a plain input dataclass
  such as ``Filters`` or ``StopPaymentInput``) goes through ``text.clean``: bidi controls,
  zero-width characters outside emoji and other invisible characters removed, NFC.
  The parameters named in ``lines`` keep their line breaks (a note, a summary); any other
  text is one line, without spaces at its ends. Text longer than the policy's ``input.max_text_chars`` is refused
  with its length (``ValidationError`` naming the field), so nothing is written;
- an id (an ``int`` named ``*_id``, ``refers_to`` or ``replaces``) must be a possible
  row id (``bounds.ID_MIN`` to ``bounds.ID_MAX``), never a database overflow;
- a date or instant must fall within the years ``bounds.YEAR_MIN`` to ``YEAR_MAX``, and
  an ``eped`` within ``input.eped_max_years`` of the desk's today (E10).

A live check that reports problems instead of raising (``missing_fields``) is marked
``live=True``: it cleans but leaves the length to the save. ``raw`` names parameters
passed as they are (a file path). ``tests/test_text_input.py`` fails when a public
service function takes typed input without this decorator.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any, ParamSpec, TypeVar

from tpsdesk.bounds import YEAR_MAX, YEAR_MIN, check_eped, check_id, check_year, year_message
from tpsdesk.errors import ValidationError
from tpsdesk.policy import Policy, default_policy
from tpsdesk.text import clean, too_long

P = ParamSpec("P")
R = TypeVar("R")

# ``module.qualname`` of every decorated function (the guard test reads it).
BOUNDARY: set[str] = set()
# An id parameter that is not called ``<what>_id``, and what it is the id of.
_ID_NAMES = {"refers_to": "note", "replaces": "DOC", "replaces_id": "DOC"}
_ID_WHAT = {"doc": "DOC"}
_PLAIN = (str, int, float, bool, date, type(None))


def _what_id(name: str) -> str | None:
    """What ``name`` is the id of, or None if it is not an id parameter."""
    if name in _ID_NAMES:
        return _ID_NAMES[name]
    if name.endswith("_id"):
        stem = name[:-3]
        return _ID_WHAT.get(stem, stem.replace("_", " "))
    return None


def _is_form(value: Any) -> bool:
    """A plain input dataclass (every field text, a number, a flag, a date or a list of them)."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return False
    for f in dataclasses.fields(value):
        v = getattr(value, f.name)
        if isinstance(v, list | tuple):
            if not all(isinstance(x, _PLAIN) for x in v):
                return False
        elif not isinstance(v, _PLAIN):
            return False
    return True


class _Checker:
    def __init__(self, policy: Policy, today: date | None, lines: Mapping[str, str], live: bool) -> None:
        self.most = policy.input.max_text_chars
        self.eped_years = policy.input.eped_max_years
        self.today = today
        self.lines = lines
        self.live = live

    def text(self, name: str, value: str) -> str:
        multiline = name in self.lines
        out = clean(value, multiline=multiline)
        if not multiline:
            out = out.strip()
        if not self.live and len(out) > self.most:
            what = self.lines.get(name) or f"the {name.replace('_', ' ')}"
            hint = "shorten it or split it into notes" if what.endswith("note") else "shorten it"
            raise ValidationError(name, too_long(what, len(out), self.most, hint=hint))
        return out

    def value(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(name, value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            what = _what_id(name)
            if what is not None:
                check_id(name, what, value)
            elif name == "year" and not YEAR_MIN <= value <= YEAR_MAX:
                raise ValidationError(name, year_message(value))
            return value
        if isinstance(value, date):  # a datetime is a date too
            check_year(name, value)
            if name == "eped" and self.today is not None:
                check_eped(name, value, self.today, self.eped_years)
            return value
        if isinstance(value, list | tuple | set | frozenset):
            items = [self.value(name, v) for v in value]
            return type(value)(items) if not isinstance(value, list) else items
        if isinstance(value, dict):
            return {k: self.value(k if isinstance(k, str) else name, v) for k, v in value.items()}
        if _is_form(value):
            changes = {f.name: self.value(f.name, getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return value


def _context(arguments: Mapping[str, Any]) -> tuple[Policy, date | None]:
    """The policy and the desk's today (E10's window), from the call's ``desk`` or ``policy``."""
    desk = arguments.get("desk")
    if desk is not None and isinstance(getattr(desk, "policy", None), Policy):
        return desk.policy, desk.now().date()
    policy = arguments.get("policy")
    return (policy if isinstance(policy, Policy) else default_policy()), None


def typed_input(
    *, lines: Mapping[str, str] | None = None, raw: Collection[str] = (), live: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Clean and check a service's typed arguments (see the module's docstring).

    ``lines``: parameter (or dict key, or form field) -> how a message names it ("the
    note"), for the free text that keeps its line breaks.
    """
    multiline = dict(lines or {})
    passed = frozenset(raw) | {"desk", "policy", "session"}

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = sig.bind(*args, **kwargs)
            policy, today = _context(bound.arguments)
            check = _Checker(policy, today, multiline, live)
            for name, value in bound.arguments.items():
                if name in passed:
                    continue
                kind = sig.parameters[name].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    bound.arguments[name] = {k: check.value(k, v) for k, v in value.items()}
                elif kind is inspect.Parameter.VAR_POSITIONAL:
                    bound.arguments[name] = tuple(check.value(name, v) for v in value)
                else:
                    bound.arguments[name] = check.value(name, value)
            return fn(*bound.args, **bound.kwargs)

        BOUNDARY.add(f"{fn.__module__}.{fn.__qualname__}")
        return inner

    return wrap
