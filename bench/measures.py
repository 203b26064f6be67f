"""The measurements, each one process: a probe run (``bench/probe.py``), a CLI command, the
app in a pseudo-terminal. Peak RSS is the child's own ``ru_maxrss`` (``os.wait4``)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from fcntl import ioctl
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "probe.py"
HWM = Path(__file__).resolve().parent / "hwm.py"
TPSDESK = [sys.executable, "-m", "tpsdesk"]  # this checkout (PYTHONPATH), not an installed copy


def _hwm(cmd: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str], Path]:
    """The command run under ``hwm.py`` (it records its own peak RSS into a file)."""
    fd, name = tempfile.mkstemp(prefix="tpsdesk-bench-hwm-")
    os.close(fd)
    assert cmd[0] == sys.executable
    return [sys.executable, str(HWM), *cmd[1:]], dict(env, TPSDESK_BENCH_HWM=name), Path(name)


def _peak(path: Path, fallback: float) -> float:
    """MB: the process's own VmHWM, else (it died before writing it) wait4's ru_maxrss."""
    try:
        text = path.read_text().strip()
    finally:
        path.unlink(missing_ok=True)
    return int(text) / 1024 if text else fallback


@dataclass
class Outcome:
    seconds: float  # wall time of the whole process
    rss_mb: float  # its peak resident set
    figures: dict[str, float | None] = field(default_factory=dict)
    error: str = ""
    timed_out: bool = False


REAPED: dict[int, tuple[int, float]] = {}  # pid -> (exit code, peak RSS MB), once reaped


def _reap(proc: subprocess.Popen[bytes]) -> tuple[int, float] | None:
    """The child's exit code and peak RSS if it has ended (never ``poll()``: that would reap it
    without its resource usage)."""
    if proc.pid in REAPED:
        return REAPED[proc.pid]
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if not pid:
        return None
    proc.returncode = os.waitstatus_to_exitcode(status)
    REAPED[proc.pid] = (proc.returncode, usage.ru_maxrss / 1024)
    return REAPED[proc.pid]


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float, bool]:
    """Exit status, peak RSS (MB) and whether it was killed for running past ``timeout``."""
    deadline = time.monotonic() + timeout
    killed = False
    while True:
        done = _reap(proc)
        if done is not None:
            return done[0], done[1], killed
        if time.monotonic() > deadline and not killed:
            os.kill(proc.pid, signal.SIGKILL)  # our own child, by its pid
            killed = True
        time.sleep(0.002)


def run_process(cmd: list[str], env: dict[str, str], timeout: float = 300.0) -> Outcome:
    run, env, peak = _hwm(cmd, env)
    started = time.perf_counter()
    proc = subprocess.Popen(run, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Outputs are small (summary at its default limit, a few hundred KB at most): read after exit
    # would risk a full pipe, so read while it runs.
    out, err = b"", b""
    assert proc.stdout is not None and proc.stderr is not None
    streams = {proc.stdout.fileno(): "out", proc.stderr.fileno(): "err"}
    deadline = time.monotonic() + timeout
    while streams and time.monotonic() < deadline:
        ready, _, _ = select.select(list(streams), [], [], 0.05)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
            elif streams[fd] == "out":
                out += chunk
            else:
                err += chunk
    code, rss, killed = _wait(proc, max(0.0, deadline - time.monotonic()))
    seconds = time.perf_counter() - started
    rss = _peak(peak, rss)
    proc.stdout.close()
    proc.stderr.close()
    if killed or streams:
        return Outcome(seconds, rss, error=f"over {timeout:.0f} s: stopped", timed_out=True)
    if code != 0:
        return Outcome(seconds, rss, error=f"exit {code}: {err.decode(errors='replace').strip()[-400:]}")
    figures: dict[str, float | None] = {}
    if len(cmd) > 1 and cmd[1] == str(PROBE):
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        figures = json.loads(lines[-1])["figures"] if lines else {}
    return Outcome(seconds, rss, figures)


def probe(scenario: str, db: Path, now: str, env: dict[str, str], *, rows: int = 0, timeout: float = 600.0) -> Outcome:
    cmd = [sys.executable, str(PROBE), scenario, "--db", str(db), "--now", now, "--user", "sp1"]
    if rows:
        cmd += ["--rows", str(rows)]
    return run_process(cmd, env, timeout)


def probe_command(scenario: str, rows: int = 0) -> str:
    extra = f" --rows {rows}" if rows else ""
    return f"python bench/probe.py {scenario} --db FLOOR --now AS_OF --user sp1{extra}"


def first_row_text(db: Path, now: str, env: dict[str, str]) -> str:
    """What the queue's first row shows that nothing else on the screen does: its CRN as the
    queue renders it (the service's view). Asked in a probe process: this launcher imports no
    ORM and no Textual, so the ``ru_maxrss`` its children inherit at fork stays small."""
    got = probe("marker", db, now, env)
    if got.error:
        raise SystemExit(f"bench: reading the first queue row failed: {got.error}")
    return str(got.figures.get("crn") or "")


def in_pty(env: dict[str, str], marker: str, *, timeout: float = 60.0) -> Outcome:
    """``tpsdesk tui`` in a 120x40 pseudo-terminal: from the spawn to the first output holding
    the queue's first row (``marker``), then ctrl+q. Peak RSS of the whole process."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    penv = dict(env, TERM="xterm-256color", COLUMNS="120", LINES="40", TPSDESK_USER="sp1")
    run, penv, peak = _hwm([*TPSDESK, "tui"], penv)
    started = time.perf_counter()
    proc = subprocess.Popen(run, env=penv, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    seen = b""
    found: float | None = None
    deadline = started + timeout
    needle = marker.encode()
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                if _reap(proc) is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
            if needle and needle in seen:
                found = time.perf_counter() - started
                break
        os.write(master, b"\x11")  # ctrl+q
        end = time.monotonic() + 15
        while _reap(proc) is None and time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        _code, rss, _ = _wait(proc, max(0.0, end - time.monotonic()))
        rss = _peak(peak, rss)
    finally:
        os.close(master)
    seconds = time.perf_counter() - started
    if found is None:
        return Outcome(seconds, rss, error=f"the first row ({marker!r}) never appeared (exit {proc.returncode})")
    return Outcome(seconds, rss, {"pty.cold_start": found})
