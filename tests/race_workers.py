"""Real-process race and crash scenarios for E11 and D3, shared by ``tests/test_races.py``
(small, bounded sizes) and ``bench/races.py`` (the issue's full sizes, repeated).

Every scenario runs separate OS processes against one database (multiprocessing's
"forkserver" context, or a subprocess for the crash rounds) and returns what happened; the
callers assert or print it. Every wait is bounded: a worker that hangs or dies is
killed and the scenario raises ``RaceFailure`` naming it, so nothing waits forever.

Worker functions live at module level so a spawned process can import them by name
(``race_workers`` with ``tests/`` on ``sys.path``, as pytest and the bench arrange).
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import START
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tpsdesk.clock import FakeClock
from tpsdesk.errors import TpsError
from tpsdesk.models import Escalation, Event, Note, Staff, table_of
from tpsdesk.policy import load_policy
from tpsdesk.services import escalations, setup
from tpsdesk.services.desk import Desk
from tpsdesk.services.identity import floor_owner
from tpsdesk.store import Store

# Fixtures set the floor up as its owner (R7), as conftest does.
OWNER = floor_owner("tests")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# Fresh interpreters, never a fork of the caller (which holds connections and threads):
# "forkserver" starts one clean server process that imports this module once and forks
# each worker from it, so eight workers do not each spend seconds importing SQLAlchemy
# on a loaded machine. The workers share nothing with the caller but their arguments.
SPAWN = multiprocessing.get_context("forkserver")
SPAWN.set_forkserver_preload([__name__])


def _ensure_server() -> None:
    """Start the fork server with this module importable (Python 3.11's server ignores the
    caller's ``sys.path``, so it gets the checkout and ``tests/`` through PYTHONPATH)."""
    from multiprocessing import forkserver

    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), str(TESTS), saved or "") if p)
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


NOW_ISO = START.isoformat()  # TPSDESK_NOW for the CLI: the fixtures' fake "now"
BARRIER_S = 60.0  # one barrier wait; far above a healthy step, so only a hang trips it
RAISER = "tps1"  # raises every item (build_floor's TPS in PCC)


class RaceFailure(AssertionError):
    """A worker hung, died or could not start: the scenario did not finish."""


def open_desk(url: str) -> Desk:
    """A desk on ``url`` with the built-in policy and the fixtures' fake clock."""
    return Desk(Store(url), policy=load_policy(use_override=False), clock=FakeClock(START))


# ---------------------------------------------------------------- running processes
def _entry(results: Any, index: int, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        results.put((index, target(*args), None))
    except BaseException:  # reported to the parent, which fails the scenario with it
        results.put((index, None, traceback.format_exc()))


def run_processes(target: Callable[..., Any], arg_sets: Sequence[tuple[Any, ...]], timeout: float) -> list[Any]:
    """Run ``target(*args)`` in one worker process per ``args``; their return values in order.

    Bounded by ``timeout`` in all: a worker still running then, one that exited without an
    answer (killed, crashed interpreter) or one that raised fails the scenario at once with
    ``RaceFailure`` (its traceback included), and the other workers are killed.
    """
    _ensure_server()
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=_entry, args=(results, i, target, a), daemon=True) for i, a in enumerate(arg_sets)]
    answers: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    try:
        for p in procs:
            p.start()
        while len(answers) < len(procs):
            left = deadline - time.monotonic()
            if left <= 0:
                waiting = [i for i in range(len(procs)) if i not in answers]
                raise RaceFailure(f"workers {waiting} still running after {timeout:.0f} s (hung?)")
            try:
                index, value, error = results.get(timeout=min(left, 0.5))
            except queue.Empty:
                dead = [i for i, p in enumerate(procs) if i not in answers and p.exitcode is not None]
                if dead and results.empty():
                    time.sleep(0.2)  # an answer put just before exit may still be in the pipe
                    if results.empty():
                        codes = [procs[i].exitcode for i in dead]
                        raise RaceFailure(f"workers {dead} exited without an answer (exit codes {codes})") from None
                continue
            if error is not None:
                raise RaceFailure(f"worker {index} failed:\n{error}")
            answers[index] = value
        return [answers[i] for i in range(len(procs))]
    finally:
        for p in procs:
            p.join(timeout=max(0.1, min(5.0, deadline - time.monotonic())))
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        results.close()


def exit_silently() -> None:
    """A worker that dies without answering (for the harness's own test)."""
    os._exit(0)


def hang(seconds: float) -> None:
    """A worker that does not finish in time (for the harness's own test)."""
    threading.Event().wait(seconds)


# ---------------------------------------------------------------- preparing the floor
def add_staff(desk: Desk, prefix: str, count: int, role: str = "SP", site: str = "SYD") -> list[str]:
    """``count`` more staff of ``role`` (logons ``prefix0``...), so every process has its own."""
    logons = [f"{prefix}{i}" for i in range(count)]
    for logon in logons:
        setup.add_staff(desk, OWNER, logon, f"Racer {logon}", role, site)
    return logons


def seed_escalations(desk: Desk, count: int, *, category: str = "q999", raiser: str = RAISER) -> list[int]:
    """``count`` open, unclaimed escalations: one raised through the service, the rest copies
    of its row and its "raised" event in one transaction (thousands of service raises would
    take most of a test's time on a shared machine)."""
    first = escalations.raise_escalation(desk, raiser, category=category, crn="123456789A", summary="race item")
    esc_t, event_t = table_of(Escalation), table_of(Event)
    with desk.store.engine.begin() as conn:
        row = dict(conn.execute(select(esc_t).where(esc_t.c.id == first.id)).mappings().one())
        row.pop("id")
        if count > 1:
            conn.execute(esc_t.insert(), [row] * (count - 1))
        ids = list(conn.execute(select(esc_t.c.id).where(esc_t.c.id >= first.id).order_by(esc_t.c.id)).scalars())
        raised = dict(
            conn.execute(select(event_t).where(event_t.c.escalation_id == first.id, event_t.c.kind == "raised"))
            .mappings()
            .one()
        )
        raised.pop("id")
        if count > 1:
            conn.execute(event_t.insert(), [raised | {"escalation_id": i} for i in ids[1:]])
    assert len(ids) == count
    return ids


def _logon_ids(desk: Desk) -> dict[int, str]:
    staff_t = table_of(Staff)
    with desk.store.engine.connect() as conn:
        return {r.id: r.logon for r in conn.execute(select(staff_t.c.id, staff_t.c.logon))}


# ---------------------------------------------------------------- a. claim race
def claim_worker(url: str, logon: str, ids: list[int], seed: int, start: Any) -> dict[str, Any]:
    """Try to claim every id, in this worker's own shuffled order, through the service."""
    desk = open_desk(url)
    order = list(ids)
    random.Random(seed).shuffle(order)
    won: list[int] = []
    refused: Counter[str] = Counter()
    unexpected: list[str] = []
    start.wait(BARRIER_S)
    began = time.perf_counter()
    for esc_id in order:
        try:
            escalations.claim(desk, logon, esc_id)
            won.append(esc_id)
        except TpsError as exc:
            refused[f"{type(exc).__name__} (exit {exc.exit_code})"] += 1
            if exc.exit_code != 4:
                unexpected.append(f"claim {esc_id} as {logon}: exit {exc.exit_code}: {exc}")
        except Exception:  # the point of the test: no other failure escapes the service
            refused["unexpected (exit 1)"] += 1
            unexpected.append(f"claim {esc_id} as {logon}:\n{traceback.format_exc()}")
    return {
        "logon": logon,
        "won": won,
        "refused": dict(refused),
        "unexpected": unexpected,
        "seconds": time.perf_counter() - began,
    }


@dataclass
class ClaimRace:
    ids: list[int]
    workers: list[dict[str, Any]]
    owners: dict[int, str | None]  # escalation -> owner logon, read back afterwards
    claimed_events: Counter[int]  # escalation -> number of "claimed" events
    seconds: float  # wall time from the start barrier to the last worker's end (max of workers)

    @property
    def successes(self) -> int:
        return sum(len(w["won"]) for w in self.workers)

    @property
    def refused(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for w in self.workers:
            total.update(w["refused"])
        return total


def claim_race(desk: Desk, url: str, *, items: int, processes: int, timeout: float) -> ClaimRace:
    logons = add_staff(desk, "claimer", processes)
    ids = seed_escalations(desk, items)
    start = SPAWN.Barrier(processes)
    workers = run_processes(claim_worker, [(url, lg, ids, 1000 + i, start) for i, lg in enumerate(logons)], timeout)
    names = _logon_ids(desk)
    esc_t, event_t = table_of(Escalation), table_of(Event)
    with desk.store.engine.connect() as conn:
        owners = {
            r.id: names.get(r.owner_id) if r.owner_id is not None else None
            for r in conn.execute(select(esc_t.c.id, esc_t.c.owner_id).where(esc_t.c.id.in_(ids)))
        }
        claimed: Counter[int] = Counter(
            dict(
                conn.execute(
                    select(event_t.c.escalation_id, func.count())
                    .where(event_t.c.kind == "claimed")
                    .group_by(event_t.c.escalation_id)
                ).all()
            )
        )
    return ClaimRace(ids, workers, owners, claimed, max(w["seconds"] for w in workers))


# ---------------------------------------------------------------- b. note race
def note_worker(url: str, logon: str, esc_id: int, count: int, tag: str, start: Any) -> dict[str, Any]:
    """Append ``count`` notes to one escalation through the service."""
    desk = open_desk(url)
    added: list[int] = []
    refused: list[str] = []
    start.wait(BARRIER_S)
    began = time.perf_counter()
    for j in range(count):
        try:
            added.append(escalations.add_note(desk, logon, esc_id, f"{tag} note {j}").id)
        except TpsError as exc:
            refused.append(f"note {j} as {logon}: exit {exc.exit_code}: {exc}")
        except Exception:
            refused.append(f"note {j} as {logon}:\n{traceback.format_exc()}")
    return {"logon": logon, "tag": tag, "added": added, "refused": refused, "seconds": time.perf_counter() - began}


@dataclass
class NoteRace:
    esc_id: int
    other_id: int
    plan: list[tuple[str, int, str]]  # (logon, escalation, tag) per process
    workers: list[dict[str, Any]]
    notes: dict[str, tuple[int, str]]  # text -> (escalation, author logon), read back
    note_events: int
    version_before: int
    version_after: int
    seconds: float

    @property
    def refused(self) -> list[str]:
        return [r for w in self.workers for r in w["refused"]]


def note_race(
    desk: Desk,
    url: str,
    *,
    per_process: int,
    owner: str,
    others: list[tuple[str, bool]],
    timeout: float,
    same_owner: int = 4,
) -> NoteRace:
    """``same_owner`` processes note as ``owner`` (who holds the item); one process for each of
    ``others``: (logon, on the same item?) -- the rest note a second item they may note."""
    esc_id, other_id = seed_escalations(desk, 2)
    escalations.claim(desk, owner, esc_id)
    escalations.claim(desk, owner, other_id)
    before = escalations.show(desk, owner, esc_id).escalation.version
    plan = [(owner, esc_id, f"owner-{i}") for i in range(same_owner)]
    plan += [(lg, esc_id if same else other_id, f"{lg}-{i}") for i, (lg, same) in enumerate(others)]
    start = SPAWN.Barrier(len(plan))
    workers = run_processes(note_worker, [(url, lg, e, per_process, tag, start) for lg, e, tag in plan], timeout)
    names = _logon_ids(desk)
    note_t, event_t = table_of(Note), table_of(Event)
    with desk.store.engine.connect() as conn:
        notes = {
            r.text: (r.escalation_id, names[r.author_id])
            for r in conn.execute(select(note_t.c.text, note_t.c.escalation_id, note_t.c.author_id))
        }
        note_events = conn.execute(
            select(func.count()).select_from(event_t).where(event_t.c.kind == "note")
        ).scalar_one()
    after = escalations.show(desk, owner, esc_id).escalation.version
    return NoteRace(
        esc_id, other_id, plan, workers, notes, int(note_events), before, after, max(w["seconds"] for w in workers)
    )


# ---------------------------------------------------------------- c. lockstep edit pairs
EDITS = ("claim", "release", "assign", "followup", "note")


def _cli(argv: list[str], log: io.StringIO) -> tuple[int, str]:
    """``tpsdesk.cli.main(argv)`` in this process: (exit code, stderr)."""
    from tpsdesk.cli import main

    out, err = io.StringIO(), io.StringIO()
    mark = log.tell()
    code: int = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    message = err.getvalue().strip()
    if code == 1:  # the CLI logs the traceback of an unexpected failure: keep it for the report
        log.seek(mark)
        message += "\n" + log.read()
    return code, message


def _choose(rng: random.Random, detail: Any, me: str, other: str) -> list[str]:
    """An edit the domain offers ``me`` on the item as read (as a person picks from the
    screen), weighted towards versioned edits so the two processes do race."""
    from tpsdesk.commands.escalation import ACTION_OF_COMMAND

    allowed = {o.action for o in detail.offered if o.allowed}
    weights = {"claim": 3, "release": 3, "assign": 3, "followup": 3, "note": 1}
    choices = [e for e in EDITS if ACTION_OF_COMMAND[e] in allowed]
    edit = rng.choices(choices, [weights[e] for e in choices])[0]
    if edit == "assign":
        return ["assign", "--to", rng.choice([me, other])]
    if edit in ("followup", "note"):
        return [edit, f"{edit} by {me}"]
    return [edit]


def lockstep_worker(
    url: str, me: str, other: str, ids: list[int], pairs: int, barrier: Any, seed: int, cli_url: str = ""
) -> dict[str, Any]:
    """For each pair: wait for the rival, read the item's version and offered actions, wait
    again, then both run an edit through the CLI entry point with --expected-version."""
    os.environ["TPSDESK_NOW"] = NOW_ISO
    for key in ("TPSDESK_DB", "TPSDESK_USER", "TPSDESK_SITE", "TPSDESK_POLICY"):
        os.environ.pop(key, None)
    log = io.StringIO()  # the CLI's last-resort logger writes here, not to the user's log file
    handler = logging.StreamHandler(log)
    logging.basicConfig(handlers=[handler], level=logging.ERROR, force=True)
    desk = open_desk(url)
    rng = random.Random(seed)
    codes: Counter[int] = Counter()
    by_edit: Counter[str] = Counter()
    odd: list[str] = []
    began = time.perf_counter()
    for p in range(pairs):
        esc_id = ids[p % len(ids)]
        barrier.wait(BARRIER_S)  # both finished the previous pair
        detail = escalations.show(desk, me, esc_id)
        version = detail.escalation.version
        argv = _choose(rng, detail, me, other)
        versioned = argv[0] != "note"  # a note never conflicts and takes no version (E11)
        cmd = ["--db", cli_url or url, "--user", me, "escalation", argv[0], str(esc_id), *argv[1:]]
        if versioned:
            cmd += ["--expected-version", str(version)]
        barrier.wait(BARRIER_S)  # both read the same version
        code, message = _cli(cmd, log)
        codes[code] += 1
        by_edit[f"{argv[0]} -> {code}"] += 1
        if code not in (0, 4):
            odd.append(f"pair {p}: tpsdesk {' '.join(cmd)}: exit {code}: {message}")
    return {
        "me": me,
        "codes": dict(codes),
        "by_edit": dict(by_edit),
        "odd": odd,
        "seconds": time.perf_counter() - began,
    }


@dataclass
class Lockstep:
    pairs: int
    workers: list[dict[str, Any]]
    seconds: float = 0.0

    @property
    def codes(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for w in self.workers:
            total.update({int(k): v for k, v in w["codes"].items()})
        return total

    @property
    def by_edit(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for w in self.workers:
            total.update(w["by_edit"])
        return total

    @property
    def odd(self) -> list[str]:
        return [o for w in self.workers for o in w["odd"]]


def lockstep(
    desk: Desk,
    url: str,
    *,
    pairs: int,
    items: int,
    timeout: float,
    users: tuple[str, str] = ("sp1", "sso1"),
    cli_urls: tuple[str, str] = ("", ""),
) -> Lockstep:
    """``pairs`` lockstep pairs on ``items`` death escalations, each claimed with a first
    note by ``users[0]`` (so it has been actioned and its review can be recorded).
    ``cli_urls``: each user's own database login (R7 on PostgreSQL), for their CLI runs."""
    ids = seed_escalations(desk, items, category="death")
    for esc_id in ids:
        escalations.claim(desk, users[0], esc_id, note="first look at the record")
    barrier = SPAWN.Barrier(2)
    a, b = users
    workers = run_processes(
        lockstep_worker,
        [(url, a, b, ids, pairs, barrier, 7, cli_urls[0]), (url, b, a, ids, pairs, barrier, 8, cli_urls[1])],
        timeout,
    )
    return Lockstep(pairs, workers, seconds=max(w["seconds"] for w in workers))


# ---------------------------------------------------------------- d. SIGKILL mid-stream
@dataclass
class CrashRound:
    acks: list[tuple[str, ...]]
    missing: list[str]  # acknowledged writes not found afterwards
    integrity: str | None  # SQLite's integrity_check ("ok"); None on PostgreSQL
    torn: list[str]  # rows whose transaction is visible only in part
    startup_s: float
    stream_s: float


def _read_lines(stream: Any, sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line.rstrip("\n"))
    sink.put(None)


def crash_round(desk: Desk, url: str, *, acks: int, tag: str, timeout: float) -> CrashRound:
    """Start a writing child, read until ``acks`` acknowledgements, SIGKILL it, then check."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    began = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, str(TESTS / "crash_writer.py"), url, tag, NOW_ISO],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(child.stdout, lines), daemon=True).start()
    got: list[tuple[str, ...]] = []
    ready_at = None
    try:
        deadline = began + timeout
        while len(got) < acks:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise RaceFailure(f"the writer acknowledged {len(got)} of {acks} writes in {timeout:.0f} s") from None
            if line is None:
                child.wait(timeout=5)
                raise RaceFailure(
                    f"the writer stopped (exit {child.returncode}): {child.stderr.read() if child.stderr else ''}"
                )
            if line == "ready":
                ready_at = time.monotonic()
                continue
            got.append(tuple(line.split()))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    killed_at = time.monotonic()
    integrity = None
    if make_url(url).get_backend_name() == "sqlite":
        with contextlib.closing(sqlite3.connect(make_url(url).database or "")) as raw:
            integrity = "; ".join(r[0] for r in raw.execute("PRAGMA integrity_check").fetchall())
    missing, torn = _check_acks(desk, got, tag)
    ready = ready_at or killed_at
    return CrashRound(got, missing, integrity, torn, ready - began, killed_at - ready)


def _check_acks(desk: Desk, acks: list[tuple[str, ...]], tag: str) -> tuple[list[str], list[str]]:
    esc_t, event_t, note_t = table_of(Escalation), table_of(Event), table_of(Note)
    names = _logon_ids(desk)
    with desk.store.engine.connect() as conn:
        items = {r.id: r for r in conn.execute(select(esc_t).where(esc_t.c.summary.like(f"{tag} item %")))}
        events = Counter(
            (r.escalation_id, r.kind)
            for r in conn.execute(
                select(event_t.c.escalation_id, event_t.c.kind).where(event_t.c.escalation_id.in_(items))
            )
        )
        notes = {r.id: r for r in conn.execute(select(note_t).where(note_t.c.escalation_id.in_(items)))}
    missing: list[str] = []
    for ack in acks:
        kind, esc_id = ack[0], int(ack[1])
        row = items.get(esc_id)
        if row is None:
            missing.append(f"{' '.join(ack)}: escalation {esc_id} is not there")
        elif kind == "claimed" and (row.owner_id is None or names.get(row.owner_id) != "sp1"):
            missing.append(f"{' '.join(ack)}: escalation {esc_id} has no owner")
        elif kind == "noted" and int(ack[2]) not in notes:
            missing.append(f"{' '.join(ack)}: note {ack[2]} is not there")
    torn: list[str] = []
    for esc_id, row in items.items():  # each write is whole: the row, its note and its event together
        if events[(esc_id, "raised")] != 1:
            torn.append(f"escalation {esc_id}: {events[(esc_id, 'raised')]} raised events")
        if (row.owner_id is not None) != (events[(esc_id, "claimed")] == 1) or events[(esc_id, "claimed")] > 1:
            torn.append(f"escalation {esc_id}: owner {row.owner_id} with {events[(esc_id, 'claimed')]} claimed events")
        own_notes = sum(1 for n in notes.values() if n.escalation_id == esc_id and n.kind == "note")
        if own_notes != events[(esc_id, "note")]:
            torn.append(f"escalation {esc_id}: {own_notes} notes but {events[(esc_id, 'note')]} note events")
    return missing, torn


@dataclass
class CrashRun:
    rounds: list[CrashRound] = field(default_factory=list)


def crash_rounds(desk: Desk, url: str, *, rounds: int, acks: int, timeout: float, seed: int = 3) -> CrashRun:
    """``rounds`` children, each killed after ``acks`` plus a random 0 to 29 more acknowledgements
    (so the kill lands at different points of the raise, claim, note cycle)."""
    rng = random.Random(seed)
    run = CrashRun()
    for r in range(rounds):
        run.rounds.append(crash_round(desk, url, acks=acks + rng.randrange(30), tag=f"crash{r}", timeout=timeout))
    return run
