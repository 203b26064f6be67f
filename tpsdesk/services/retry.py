"""Transient database failures are retried, a bounded number of times, before anyone
sees them: PostgreSQL's serialization failure (40001) and deadlock (40P01) mean the
transaction was rolled back whole and may simply be run again (E11: nobody's change is
lost, and nobody is told "unexpected failure" for a race the database resolved).

Every service function that opens a write transaction is decorated with ``transaction``
(``tests/test_guards.py`` checks it), so the CLI and the screens get the same behaviour.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

from tpsdesk.errors import Conflict

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 5
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_transient(exc: BaseException) -> bool:
    """A failure the database resolved by rolling this transaction back (retry it)."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in TRANSIENT_SQLSTATES


def transaction(
    func: Callable[P, R], *, attempts: int = ATTEMPTS, pause: Callable[[float], None] = time.sleep
) -> Callable[P, R]:
    """Run ``func`` again when its transaction failed transiently; after ``attempts`` the
    race is reported as a Conflict (exit 4), never as an unexpected failure."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, attempts + 1):
            try:
                return func(*args, **kwargs)
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                if attempt == attempts:
                    raise Conflict(
                        f"the database was busy with other changes to the same items ({attempts} tries): try again"
                    ) from None
                pause(random.uniform(0, 0.02 * 2**attempt))  # jittered, so the rivals part ways
        raise AssertionError("unreachable")  # the loop returns or raises

    return run
