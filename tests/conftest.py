"""Shared fixtures: a migrated database per test (copied from one template),
a fake clock, and a small floor of both channels with staff in every role."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tpsdesk import appendonly
from tpsdesk.clock import FakeClock
from tpsdesk.policy import load_policy
from tpsdesk.services import setup
from tpsdesk.services.desk import Desk
from tpsdesk.services.identity import Identity, floor_owner
from tpsdesk.store import Store, resolve_url

# A Friday morning in Sydney (AEST): 2026-09-25 10:00 local.
START = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    path = tmp_path / "tpsdesk.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def policy():
    return load_policy(use_override=False)


@pytest.fixture
def cal(policy):
    """``cal("PER")`` -> a built-in site's calendar from the policy data alone."""
    from tpsdesk.businesstime import site_calendar_from_policy

    return lambda code: site_calendar_from_policy(policy, code)


@pytest.fixture
def desk(db_url: str, clock: FakeClock, policy) -> Desk:
    store = Store(db_url)
    yield Desk(store, policy=policy, clock=clock)
    store.dispose()


@dataclass
class Floor:
    """Logons of a small floor. Smart Centre PCC (sites SYD, PER), Comp Recovery CRC (BNE)."""

    so: str = "so1"
    tps: str = "tps1"
    pool: str = "tps2"  # TPS in the SP development pool (W5)
    sp: str = "sp1"
    sso: str = "sso1"  # local SSO of the Smart Centre
    tl: str = "tl1"
    per_so: str = "so_per"
    per_sp: str = "sp_per"
    cr_so: str = "crso1"
    cr_tps: str = "crtps1"
    cr_sso: str = "crsso1"
    cr_tl: str = "crtl1"


# Fixtures set the floor up as its owner, acting as no staff member (R7).
OWNER = floor_owner("tests")


def build_floor(desk: Desk, who: Identity = OWNER) -> Floor:
    """The small floor; tl1 holds the admin flag (R7), crtl1 (a TL too) does not."""
    setup.add_centre(desk, who, "PCC", "Parramatta Smart Centre", "smart-centre", "sp.pcc@example.gov.au")
    setup.add_site(desk, who, "SYD", "Parramatta", "PCC", "Australia/Sydney", "NSW")
    setup.add_site(desk, who, "PER", "Perth", "PCC", "Australia/Perth", "WA")
    setup.add_centre(desk, who, "CRC", "Compensation Recovery Brisbane", "comp-recovery", "helpdesk.crc@example.gov.au")
    setup.add_site(desk, who, "BNE", "Brisbane", "CRC", "Australia/Brisbane", "QLD")
    setup.add_staff(desk, who, "tl1", "Tina Lead", "TL", "SYD", admin=True)
    setup.add_staff(desk, who, "so1", "Sam Officer", "SO", "SYD", team_leader="tl1")
    setup.add_staff(desk, who, "tps1", "Terry Peer", "TPS", "SYD", team_leader="tl1")
    setup.add_staff(desk, who, "tps2", "Pat Pool", "TPS", "SYD", team_leader="tl1", sp_pool=True)
    setup.add_staff(desk, who, "sp1", "Sue Senior", "SP", "SYD")
    setup.add_staff(desk, who, "sso1", "Sid Support", "SSO", "SYD")
    setup.add_staff(desk, who, "so_per", "Pia Perth", "SO", "PER", team_leader="tl1")
    setup.add_staff(desk, who, "sp_per", "Paul Perth", "SP", "PER")
    setup.add_staff(desk, who, "crtl1", "Cara Lead", "TL", "BNE")
    setup.add_staff(desk, who, "crso1", "Cody Officer", "SO", "BNE", team_leader="crtl1")
    setup.add_staff(desk, who, "crtps1", "Cleo Peer", "TPS", "BNE", team_leader="crtl1")
    setup.add_staff(desk, who, "crsso1", "Cal Helpdesk", "SSO", "BNE")
    return Floor()


@pytest.fixture
def floor(desk: Desk) -> Floor:
    return build_floor(desk)


# ---------------------------------------------------------------- PostgreSQL
@contextmanager
def throwaway_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database ``tpsdesk_t_<random>``, dropped afterwards.

    Needs ``TPSDESK_TEST_PG``: skipped only when it is unset; an unreachable server fails."""
    raw = os.environ.get("TPSDESK_TEST_PG")
    if not raw:
        pytest.skip("TPSDESK_TEST_PG is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    admin_url = resolve_url(raw)
    name = f"tpsdesk_t_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # unreachable server: this fails the tests, loudly
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A migrated throw-away PostgreSQL database for a test module."""
    with throwaway_pg_database() as url:
        store = Store(url)
        store.upgrade()
        store.dispose()
        yield url


@pytest.fixture
def pg_desk(pg_url: str, policy) -> Iterator[Desk]:
    """A migrated PostgreSQL database emptied for each test, on a fake clock."""
    store = Store(pg_url)
    with store.engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        with appendonly.suspended(conn):  # emptying a test database is not rewriting history
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    yield Desk(store, policy=policy, clock=FakeClock(START))
    store.dispose()


@pytest.fixture
def pg_floor(pg_desk: Desk) -> Floor:
    return build_floor(pg_desk)


class PgLogins:
    """Login roles of the test cluster for R7 tests. Roles are cluster-wide, so every name is
    unique (``tps_<hex>``); each is dropped after the test (its sessions ended first)."""

    def __init__(self, url: str) -> None:
        self.base = url
        self.names: list[str] = []
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def new(self, prefix: str = "tps") -> str:
        """A fresh name, dropped at the end whether or not it was created."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        self.names.append(name)
        return name

    def url(self, name: str) -> str:
        """The test database as ``name`` (trust auth: no password)."""
        return make_url(self.base).set(username=name, password=None).render_as_string(hide_password=False)

    def create(self, *groups: str, prefix: str = "tps") -> str:
        """A login role, in ``groups``; returns its name."""
        name = self.new(prefix)
        in_role = f" IN ROLE {', '.join(groups)}" if groups else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN{in_role}'))
        return name

    def drop(self) -> None:
        import gc

        gc.collect()  # engines of in-process CLI runs let their connections go
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :n"), {"n": name}
                )
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        self.admin.dispose()


@pytest.fixture
def pg_logins(pg_url: str) -> Iterator[PgLogins]:
    logins = PgLogins(pg_url)
    try:
        yield logins
    finally:
        logins.drop()
