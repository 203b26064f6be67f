"""Leave the app when its terminal goes away.

A TUI whose terminal is gone (the window closed, ``tmux kill-server``, an SSH connection
dropped) must exit: Textual's input thread otherwise reads end-of-file from the dead tty in
a loop and the process stays behind using most of a core, holding the database open. Two
signs are watched, because either may come alone:

- ``SIGHUP``: handled in the event loop (a process that inherited SIGHUP ignored, as under
  ``nohup`` or some launchers, gets a handler all the same: a terminal app without its
  terminal has nothing left to do);
- the terminal itself hung up: a daemon thread ``poll``s the input and output descriptors,
  which report ``POLLHUP`` / ``POLLERR`` / ``POLLNVAL`` once the other end is closed. It
  sleeps in ``poll`` (no timeout, no CPU) until then or until it is stopped.

Either calls ``gone(reason)`` once, on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable

_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_fds() -> list[int]:
    """The descriptors of the app's terminal (stdin and stdout) that are ttys."""
    fds: list[int] = []
    for stream in (sys.__stdin__, sys.__stdout__):
        try:
            fd = stream.fileno() if stream is not None else -1
        except (OSError, ValueError):
            continue
        if fd >= 0 and os.isatty(fd) and fd not in fds:
            fds.append(fd)
    return fds


class TerminalWatch:
    """Calls ``gone(reason)`` on ``loop`` once, when SIGHUP arrives or the terminal hangs up."""

    def __init__(self, loop: asyncio.AbstractEventLoop, gone: Callable[[str], None]) -> None:
        self._loop = loop
        self._gone = gone
        self._fired = False
        self._signal = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None

    def start(self, fds: list[int] | None = None) -> None:
        try:
            self._loop.add_signal_handler(signal.SIGHUP, self._fire, "the terminal hung up (SIGHUP)")
            self._signal = True
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
            self._signal = False
        watched = terminal_fds() if fds is None else fds
        if watched:
            self._thread = threading.Thread(
                target=self._poll, args=(watched,), name="tpsdesk-terminal-watch", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop watching (the app is leaving anyway): the signal handler is removed, the thread woken."""
        if self._signal:
            self._loop.remove_signal_handler(signal.SIGHUP)
            self._signal = False
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _fire(self, reason: str) -> None:
        """On the event loop: tell the app once."""
        if not self._fired:
            self._fired = True
            self._gone(reason)

    def _poll(self, fds: list[int]) -> None:
        """On the watch thread: sleep until a terminal descriptor reports hang-up, or a wake."""
        poller = select.poll()
        for fd in fds:
            poller.register(fd, 0)  # no events asked: only hang-up and errors are reported
        poller.register(self._wake_r, select.POLLIN)
        while True:
            try:
                ready = poller.poll()
            except InterruptedError:
                continue
            for fd, events in ready:
                if fd == self._wake_r:
                    return
                if events & _GONE:
                    with contextlib.suppress(RuntimeError):  # the loop has already closed
                        self._loop.call_soon_threadsafe(self._fire, "the terminal was closed")
                    return
