"""E11 and D3 with real processes, on SQLite and (marker ``postgres``) on PostgreSQL:
concurrent claims, concurrent notes, lockstep edit pairs through the CLI, and writers
SIGKILLed mid-stream. The scenarios are ``race_workers``; these tests run them at sizes
that keep each test to seconds on a shared 2-core machine (``bench/races.py`` runs the
issue's full sizes: 1,000 items, 200 notes each, 840 pairs, 20 kills). Every wait is
bounded: a hung or dead worker fails the test with ``RaceFailure``.
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass

import pytest
import race_workers as rw
from cli_helpers import invoke
from conftest import OWNER

from tpsdesk.services import setup
from tpsdesk.services.desk import Desk

PROCESSES = 8
MIN_ACKS = 50
TIMEOUT_S = 120.0  # per scenario; a healthy run takes a small fraction of it


@dataclass(frozen=True)
class Sizes:
    claim_items: int
    notes_each: int
    pairs: int
    crash_rounds: int


# PostgreSQL's runs cost more CPU per act on this machine (the server shares its 2 cores).
SIZES = {"sqlite": Sizes(100, 60, 40, 3), "postgres": Sizes(80, 40, 30, 3)}

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def race_db(request: pytest.FixtureRequest) -> tuple[Desk, str, Sizes]:
    """(desk with the conftest floor, its URL, the sizes) for either backend."""
    if request.param == "sqlite":
        request.getfixturevalue("floor")
        return request.getfixturevalue("desk"), request.getfixturevalue("db_url"), SIZES["sqlite"]
    request.getfixturevalue("pg_floor")
    return request.getfixturevalue("pg_desk"), request.getfixturevalue("pg_url"), SIZES["postgres"]


def test_e11_eight_processes_claim_each_escalation_exactly_once(race_db: tuple[Desk, str, Sizes]) -> None:
    desk, url, size = race_db
    backend = desk.store.dialect
    race = rw.claim_race(desk, url, items=size.claim_items, processes=PROCESSES, timeout=TIMEOUT_S)
    unexpected = [u for w in race.workers for u in w["unexpected"]]
    assert unexpected == [], "\n".join(unexpected)
    print(
        f"\n[{backend}] {PROCESSES} processes x {size.claim_items} claims: {race.seconds:.1f} s, "
        f"wins per process {[len(w['won']) for w in race.workers]}, refused {dict(race.refused)}"
    )
    won = Counter(i for w in race.workers for i in w["won"])
    assert won == Counter(race.ids)  # every escalation claimed, none twice
    assert race.successes == size.claim_items
    assert dict(race.refused) == {"Conflict (exit 4)": size.claim_items * (PROCESSES - 1)}
    winner = {i: w["logon"] for w in race.workers for i in w["won"]}
    assert race.owners == winner  # the one owner is the one process told it won
    assert race.claimed_events == Counter(race.ids)  # exactly one "claimed" event each (D3)


def test_e11_d3_eight_processes_append_notes_none_lost_version_unchanged(race_db: tuple[Desk, str, Sizes]) -> None:
    desk, url, size = race_db
    backend = desk.store.dialect
    # Four processes as the holder of the item, and four other staff who may note it (R5):
    # the TL and the SSO of the Centre and the TPS who raised it on the same item, and an SP
    # of the Centre's other site on a second item.
    others = [("tl1", True), ("sso1", True), ("tps1", True), ("sp_per", False)]
    race = rw.note_race(desk, url, per_process=size.notes_each, owner="sp1", others=others, timeout=TIMEOUT_S)
    print(f"\n[{backend}] {len(race.plan)} processes x {size.notes_each} notes: {race.seconds:.1f} s")
    assert race.refused == [], "\n".join(race.refused[:5])
    for logon, esc_id, tag in race.plan:
        for j in range(size.notes_each):
            assert race.notes.get(f"{tag} note {j}") == (esc_id, logon), f"{tag} note {j} is missing or misfiled"
    ours = [t for t in race.notes if " note " in t]
    assert len(ours) == len(race.plan) * size.notes_each
    assert race.note_events == len(race.plan) * size.notes_each  # one history event per note (D3)
    assert race.version_after == race.version_before  # notes never change the version (E11)


def test_e11_lockstep_edit_pairs_through_the_cli_exit_0_or_4_never_1(
    race_db: tuple[Desk, str, Sizes], request: pytest.FixtureRequest
) -> None:
    """Two processes read the same version, meet at a barrier, then both run an edit the
    domain offered them through ``tpsdesk.cli.main`` with --expected-version.

    Allowed: 0 and 4 only. Each edit was offered on the version read, so it either applies
    at that version (0) or finds a newer one and is a Conflict naming who (4); a claim on an
    item the rival just claimed is also 4. A 3 would be a refusal of an offered action at an
    unchanged version, a 2 an edit the domain did not offer, and a 1 an escape: none may occur.
    """
    desk, url, size = race_db
    backend = desk.store.dialect
    users, cli_urls = ("sp1", "sso1"), ("", "")
    if backend == "postgresql":  # R7: each officer runs the CLI as their own database login
        logins = request.getfixturevalue("pg_logins")
        assert invoke("db", "upgrade", db=url).returncode == 0  # the tpsdesk_staff group
        users = (logins.create("tpsdesk_staff"), logins.create("tpsdesk_staff"))
        setup.add_staff(desk, OWNER, users[0], "Race SP", "SP", "SYD")
        setup.add_staff(desk, OWNER, users[1], "Race SSO", "SSO", "SYD")
        cli_urls = (logins.url(users[0]), logins.url(users[1]))
    run = rw.lockstep(desk, url, pairs=size.pairs, items=4, timeout=TIMEOUT_S, users=users, cli_urls=cli_urls)
    codes = run.codes
    print(
        f"\n[{backend}] {size.pairs} lockstep pairs through the CLI: {run.seconds:.1f} s, exits {dict(sorted(codes.items()))}"
        f"\n  by edit: {dict(sorted(run.by_edit.items()))}"
    )
    assert run.odd == [], "\n".join(run.odd[:5])
    assert set(codes) <= {0, 4} and sum(codes.values()) == 2 * size.pairs
    assert codes[4] >= 1, "no conflict happened: the pairs did not race"
    assert not any(k.startswith("note ->") and not k.endswith("-> 0") for k in run.by_edit)  # notes never conflict


def test_d3_e11_sigkill_mid_stream_loses_no_acknowledged_write(race_db: tuple[Desk, str, Sizes]) -> None:
    desk, url, size = race_db
    backend = desk.store.dialect
    run = rw.crash_rounds(desk, url, rounds=size.crash_rounds, acks=MIN_ACKS, timeout=TIMEOUT_S / size.crash_rounds)
    print(f"\n[{backend}] {size.crash_rounds} SIGKILL rounds, acks {[len(r.acks) for r in run.rounds]}")
    for n, crash in enumerate(run.rounds):
        assert len(crash.acks) >= MIN_ACKS
        if backend == "sqlite":
            assert crash.integrity == "ok", f"round {n}: {crash.integrity}"
        assert crash.missing == [], f"round {n}: {crash.missing}"
        assert crash.torn == [], f"round {n}: {crash.torn}"


def test_race_failure_names_a_worker_that_dies_without_answering() -> None:
    """The harness itself: a worker that never answers fails the scenario, within its bound."""
    with pytest.raises(rw.RaceFailure, match="without an answer"):
        rw.run_processes(rw.exit_silently, [(), ()], timeout=60)


def test_race_failure_names_a_hung_worker_within_the_timeout() -> None:
    with pytest.raises(rw.RaceFailure, match="still running"):
        rw.run_processes(rw.hang, [(30.0,)], timeout=2)


@pytest.mark.postgres
def test_cli_main_run_in_process_keeps_no_connection_between_commands(
    pg_desk: Desk, pg_floor: object, pg_url: str
) -> None:
    """The lockstep workers call ``tpsdesk.cli.main`` hundreds of times in one process: each
    command closes what it opened, or PostgreSQL runs out of connections ("too many clients")."""
    from cli_helpers import invoke
    from sqlalchemy import text

    from tpsdesk.services import escalations

    esc_id = escalations.raise_escalation(pg_desk, "tps1", category="q999", crn="123456789A", summary="x").id

    def connections() -> int:
        with pg_desk.store.engine.connect() as conn:
            sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            return int(conn.execute(text(sql)).scalar_one())

    before = connections()
    gc.disable()  # what a command leaves open must be closed by it, not by a later collection
    try:
        for _ in range(5):  # as the floor's owner (R7): a command it may run, and one it may not
            assert invoke("staff", "list", db=pg_url).returncode == 0
            assert invoke("escalation", "show", str(esc_id), db=pg_url).returncode == 3
        assert connections() == before
    finally:
        gc.enable()
