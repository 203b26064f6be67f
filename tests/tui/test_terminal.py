"""The app leaves when its terminal goes away (issue 9): a SIGHUP, or the terminal hung up
without one, ends the process instead of leaving it spinning on a dead tty.

Each test runs the real ``python -m tpsdesk`` on a pseudo-terminal, waits until the queue
is drawn, then takes the terminal away and waits on the process with a bound.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOUND = 20.0  # seconds: start-up on a loaded machine, and the exit


class Pty:
    """The terminal's end the test holds; closing it is the terminal going away."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.open = True

    def close(self) -> None:
        if self.open:
            self.open = False
            os.close(self.master)


def _ignore_sighup() -> None:
    """As under nohup or a launcher that ignores it: the case where the app used to spin."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


@pytest.fixture
def app_on_a_pty(db_url: str, floor: object, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Pty]]:
    term = Pty()
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "TPSDESK_DB": db_url,
        "TPSDESK_USER": "sp1",
        "TPSDESK_NOW": "2026-09-25T00:00:00+00:00",
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tpsdesk"],
        stdin=term.slave, stdout=term.slave, stderr=term.slave, env=env, cwd=tmp_path,
        preexec_fn=_ignore_sighup, start_new_session=True,
    )  # fmt: skip
    os.close(term.slave)
    try:
        _wait_for(term.master, b"Sue Senior (sp1)")
        yield proc, term
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        term.close()


def _wait_for(master: int, marker: bytes) -> None:
    """Read the app's output until ``marker`` is drawn (select with the time left; no sleeping)."""
    seen = b""
    deadline = time.monotonic() + BOUND
    while marker not in seen:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([master], [], [], max(left, 0))
        if not ready:
            raise AssertionError(f"the app did not draw {marker!r} in {BOUND}s; last output: {seen[-400:]!r}")
        try:
            seen += os.read(master, 65536)
        except OSError as exc:
            raise AssertionError(f"the terminal closed before {marker!r}: {seen[-400:]!r}") from exc


def _drain(master: int) -> None:
    """Keep reading so the app is never blocked writing to a full terminal while it exits."""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            return
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")
def test_sighup_ends_the_app_even_when_it_was_ignored(app_on_a_pty: tuple[subprocess.Popen[bytes], Pty]) -> None:
    proc, term = app_on_a_pty
    proc.send_signal(signal.SIGHUP)
    _drain(term.master)
    assert proc.wait(timeout=BOUND) is not None


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")
def test_a_closed_terminal_ends_the_app_without_a_signal(app_on_a_pty: tuple[subprocess.Popen[bytes], Pty]) -> None:
    """The pty is not the app's controlling terminal here, so closing it sends no SIGHUP: the
    app notices the hang-up on the terminal itself."""
    proc, term = app_on_a_pty
    term.close()
    assert proc.wait(timeout=BOUND) is not None
