"""TUI fixtures: a migrated desk with a fake clock and the small floor, and a
factory of apps on it for ``app.run_test(size=(120, 40))``.

Every TUI test also runs under :class:`LoopGuard` (autouse ``loop_guard``): a database
statement or connection checkout made by the app on its event loop's thread (a handler,
a timer, an async worker) fails the test, naming where it came from. The event loop must
never wait on the database (issue 9): services run in thread workers. A test body that
seeds data on the same thread is not the app and is not counted.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from screens.app import TpsApp
from tpsdesk.services.desk import Desk

MakeApp = Callable[..., TpsApp]

# Known places still on the loop, each with its owner's to-do: seen, not failed. Remove the
# entry with the fix; anything else the guard sees fails the test.
KNOWN_ON_LOOP: dict[str, str] = {}

_ROOT = Path(__file__).resolve().parents[2]
_OURS = (str(_ROOT / "screens"), str(_ROOT / "tpsdesk"))


def app_task_on_this_thread() -> str | None:
    """The name of the Textual task running now on this thread's event loop (a message pump,
    a timer, an async worker, the app itself), or None: no loop here (a thread worker), or the
    task is a test's own (pytest-asyncio's test body, a snapshot's run-before pilot)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop running in this thread
        return None
    if task is None:
        return None
    code = getattr(task.get_coro(), "cr_code", None)
    if code is None or code.co_name == "run_auto_pilot":
        return None
    return task.get_name() if "/textual/" in code.co_filename else None


class LoopGuard:
    """Records each database use the app makes on its event loop's thread, with where."""

    def __init__(self) -> None:
        self.caught: list[str] = []
        self.known: list[str] = []  # seen in a KNOWN_ON_LOOP place

    def _seen(self, what: str) -> None:
        task = app_task_on_this_thread()
        if task is None:
            return
        frames = [f for f in traceback.extract_stack()[:-2] if f.filename.startswith(_OURS)]
        where = " <- ".join(f"{Path(f.filename).relative_to(_ROOT)}:{f.lineno} {f.name}" for f in reversed(frames))
        seen = f"{what} on the event loop ({task}): {where or 'no tpsdesk frame'}"
        (self.known if any(place in seen for place in KNOWN_ON_LOOP) else self.caught).append(seen)

    def _statement(self, conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        self._seen(f"SQL {' '.join(statement.split())[:60]!r}")

    def _checkout(self, *_args: Any) -> None:
        self._seen("a connection checkout")

    def __enter__(self) -> LoopGuard:
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Pool, "checkout", self._checkout)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Pool, "checkout", self._checkout)

    def take(self) -> list[str]:
        """What was caught so far, forgotten (a test that provokes it on purpose)."""
        caught, self.caught = self.caught, []
        return caught


@pytest.fixture(autouse=True)
def loop_guard() -> Iterator[LoopGuard]:
    with LoopGuard() as guard:
        yield guard
    if guard.caught:
        unique = list(dict.fromkeys(guard.caught))
        pytest.fail("the database was used on the event loop's thread:\n  " + "\n  ".join(unique), pytrace=False)


@pytest.fixture
def make_app(desk: Desk, floor: object) -> MakeApp:
    """``make_app(user="sp1")`` -> a TpsApp on the shared desk (same fake clock)."""

    def make(user: str | None = "sp1", *, site: str | None = None, live: bool = True) -> TpsApp:
        return TpsApp(desk, user, site=site, live=live)

    return make


@pytest.fixture
def make_empty_app(desk: Desk) -> MakeApp:
    """An app on a brand-new empty database (the first-run path)."""

    def make(user: str | None = None, *, site: str | None = None, live: bool = True) -> TpsApp:
        return TpsApp(desk, user, site=site, live=live)

    return make
