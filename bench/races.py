"""The race and crash scenarios of ``tests/test_races.py`` at the issue's full sizes (E11, D3).

8 processes claim 1,000 escalations; 8 processes append 200 notes each (4 as the holder);
840 lockstep edit pairs through the CLI entry point; 20 writers SIGKILLed after at least 50
acknowledged writes. Each scenario runs ``--runs`` times on a fresh database (SQLite, and
PostgreSQL through ``--pg URL`` or ``TPSDESK_TEST_PG``: a throw-away database per run,
dropped afterwards), checks the same invariants as the tests, and prints medians.

    .venv/bin/python bench/races.py [--runs 3] [--only claims,notes,pairs,crash] [--backend sqlite]

Exits 1 if any run broke an invariant (a double or missing claim, a lost or refused note,
an exit code other than 0 or 4, a lost acknowledged write, a failed integrity check).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run from a checkout; the scenarios live in tests/

import race_workers as rw  # noqa: E402
from cli_helpers import invoke  # noqa: E402
from conftest import OWNER, PgLogins, build_floor  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tpsdesk.services import setup  # noqa: E402
from tpsdesk.services.desk import Desk  # noqa: E402
from tpsdesk.store import Store, resolve_url  # noqa: E402

SCENARIOS = ("claims", "notes", "pairs", "crash")
OTHERS = [("tl1", True), ("sso1", True), ("tps1", True), ("sp_per", False)]
TIMEOUT_S = 1800.0


@contextmanager
def fresh_sqlite() -> Iterator[tuple[Desk, str]]:
    with tempfile.TemporaryDirectory(prefix="tpsdesk-races-") as folder:
        url = f"sqlite:///{folder}/races.db"
        store = Store(url)
        store.upgrade()
        store.dispose()
        desk = rw.open_desk(url)
        build_floor(desk)
        try:
            yield desk, url
        finally:
            desk.store.dispose()


@contextmanager
def fresh_pg(admin_raw: str) -> Iterator[tuple[Desk, str]]:
    admin_url = resolve_url(admin_raw)
    name = f"tpsdesk_bench_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    desk = None
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        store = Store(url)
        store.upgrade()
        store.dispose()
        desk = rw.open_desk(url)
        build_floor(desk)
        yield desk, url
    finally:
        if desk is not None:
            desk.store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Each scenario: run once on a fresh floor -> (figures, broken invariants).
Figures = dict[str, float]


def claims(desk: Desk, url: str, a: argparse.Namespace) -> tuple[Figures, list[str]]:
    race = rw.claim_race(desk, url, items=a.items, processes=8, timeout=TIMEOUT_S)
    broken = [u for w in race.workers for u in w["unexpected"]][:5]
    won = Counter(i for w in race.workers for i in w["won"])
    if won != Counter(race.ids):
        broken.append(f"claimed not exactly once: {sum(won.values())} wins over {len(won)} items")
    if race.owners != {i: w["logon"] for w in race.workers for i in w["won"]}:
        broken.append("an owner differs from the process told it won")
    if race.claimed_events != Counter(race.ids):
        broken.append(f"{sum(race.claimed_events.values())} claimed events for {len(race.ids)} items")
    conflicts = race.refused.get("Conflict (exit 4)", 0)
    if sum(race.refused.values()) != conflicts:
        broken.append(f"refusals other than Conflict: {dict(race.refused)}")
    return {"wall s": race.seconds, "claims": race.successes, "conflicts (exit 4)": conflicts}, broken


def notes(desk: Desk, url: str, a: argparse.Namespace) -> tuple[Figures, list[str]]:
    race = rw.note_race(desk, url, per_process=a.notes, owner="sp1", others=OTHERS, timeout=TIMEOUT_S)
    broken = race.refused[:5]
    present = sum(
        1
        for logon, esc_id, tag in race.plan
        for j in range(a.notes)
        if race.notes.get(f"{tag} note {j}") == (esc_id, logon)
    )
    if present != len(race.plan) * a.notes:
        broken.append(f"{present} of {len(race.plan) * a.notes} notes present")
    if race.version_after != race.version_before:
        broken.append(f"version moved {race.version_before} -> {race.version_after}")
    return {"wall s": race.seconds, "notes present": present, "refused": len(race.refused)}, broken


def pairs(desk: Desk, url: str, a: argparse.Namespace) -> tuple[Figures, list[str]]:
    if desk.store.dialect != "postgresql":
        run = rw.lockstep(desk, url, pairs=a.pairs, items=4, timeout=TIMEOUT_S)
    else:  # R7: each officer runs the CLI as their own database login, as in the test
        logins = PgLogins(url)
        try:
            assert invoke("db", "upgrade", db=url).returncode == 0  # the tpsdesk_staff group
            users = (logins.create("tpsdesk_staff"), logins.create("tpsdesk_staff"))
            setup.add_staff(desk, OWNER, users[0], "Race SP", "SP", "SYD")
            setup.add_staff(desk, OWNER, users[1], "Race SSO", "SSO", "SYD")
            cli_urls = (logins.url(users[0]), logins.url(users[1]))
            run = rw.lockstep(desk, url, pairs=a.pairs, items=4, timeout=TIMEOUT_S, users=users, cli_urls=cli_urls)
        finally:
            logins.drop()
    codes = run.codes
    broken = run.odd[:5]
    if not codes[4]:
        broken.append("no conflict happened: the pairs did not race")
    figures: Figures = {"wall s": run.seconds}
    figures.update({f"exit {c}": float(codes.get(c, 0)) for c in sorted(set(codes) | {0, 1, 2, 3, 4})})
    return figures, broken


def crash(desk: Desk, url: str, a: argparse.Namespace) -> tuple[Figures, list[str]]:
    began = time.perf_counter()
    run = rw.crash_rounds(desk, url, rounds=a.rounds, acks=50, timeout=120)
    broken: list[str] = []
    for n, r in enumerate(run.rounds):
        if r.integrity not in (None, "ok"):
            broken.append(f"round {n}: integrity_check {r.integrity}")
        broken += [f"round {n}: {m}" for m in r.missing + r.torn][:5]
    acks = [len(r.acks) for r in run.rounds]
    return {
        "wall s": time.perf_counter() - began,
        "rounds": len(run.rounds),
        "acks per round": statistics.median(acks),
        "acked writes lost": float(sum(len(r.missing) for r in run.rounds)),
        "torn writes": float(sum(len(r.torn) for r in run.rounds)),
    }, broken


RUNNERS: dict[str, Callable[[Desk, str, argparse.Namespace], tuple[Figures, list[str]]]] = {
    "claims": claims,
    "notes": notes,
    "pairs": pairs,
    "crash": crash,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each scenario (default 3)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--pg", default=os.environ.get("TPSDESK_TEST_PG"), help="PostgreSQL admin URL")
    parser.add_argument(
        "--backend", choices=("both", "sqlite", "postgresql"), help="default: both with a PostgreSQL URL, else sqlite"
    )
    parser.add_argument("--items", type=int, default=1000, help="escalations claimed (default 1000)")
    parser.add_argument("--notes", type=int, default=200, help="notes per process (default 200)")
    parser.add_argument("--pairs", type=int, default=840, help="lockstep pairs (default 840)")
    parser.add_argument("--rounds", type=int, default=20, help="SIGKILL rounds per run (default 20)")
    a = parser.parse_args()
    chosen = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {unknown[0]!r}: use {', '.join(SCENARIOS)}")
    a.backend = a.backend or ("both" if a.pg else "sqlite")
    backends: list[tuple[str, Callable[[], Any]]] = []
    if a.backend in ("both", "sqlite"):
        backends.append(("sqlite", fresh_sqlite))
    if a.backend in ("both", "postgresql"):
        if not a.pg:
            parser.error("PostgreSQL needs --pg URL or TPSDESK_TEST_PG")
        backends.append(("postgresql", lambda: fresh_pg(a.pg)))
    failed = False
    print(f"load average {os.getloadavg()[0]:.1f}; {a.runs} run(s) each; {os.cpu_count()} cores")
    for backend, fresh in backends:
        for scenario in chosen:
            runs: list[Figures] = []
            for _ in range(a.runs):
                with fresh() as (desk, url):
                    figures, broken = RUNNERS[scenario](desk, url, a)
                runs.append(figures)
                for line in broken:
                    failed = True
                    print(f"  BROKEN [{backend} {scenario}] {line}")
            medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            shown = ", ".join(f"{k} {v:.1f}" if k == "wall s" else f"{k} {v:g}" for k, v in medians.items())
            walls = ", ".join(f"{r['wall s']:.1f}" for r in runs)
            print(f"{backend:10} {scenario:6} median: {shown}  (wall s per run: {walls})", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("BROKEN: see above" if failed else "OK: every invariant held in every run")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
