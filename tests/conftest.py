"""Shared fixtures: a migrated database per test (copied from one template),
a fake clock, and a small floor of both channels with staff in every role."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
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


def build_floor(desk: Desk) -> Floor:
    setup.add_centre(desk, "PCC", "Parramatta Smart Centre", "smart-centre", "sp.pcc@example.gov.au")
    setup.add_site(desk, "SYD", "Parramatta", "PCC", "Australia/Sydney", "NSW")
    setup.add_site(desk, "PER", "Perth", "PCC", "Australia/Perth", "WA")
    setup.add_centre(desk, "CRC", "Compensation Recovery Brisbane", "comp-recovery", "helpdesk.crc@example.gov.au")
    setup.add_site(desk, "BNE", "Brisbane", "CRC", "Australia/Brisbane", "QLD")
    setup.add_staff(desk, "tl1", "Tina Lead", "TL", "SYD")
    setup.add_staff(desk, "so1", "Sam Officer", "SO", "SYD", team_leader="tl1")
    setup.add_staff(desk, "tps1", "Terry Peer", "TPS", "SYD", team_leader="tl1")
    setup.add_staff(desk, "tps2", "Pat Pool", "TPS", "SYD", team_leader="tl1", sp_pool=True)
    setup.add_staff(desk, "sp1", "Sue Senior", "SP", "SYD")
    setup.add_staff(desk, "sso1", "Sid Support", "SSO", "SYD")
    setup.add_staff(desk, "so_per", "Pia Perth", "SO", "PER", team_leader="tl1")
    setup.add_staff(desk, "sp_per", "Paul Perth", "SP", "PER")
    setup.add_staff(desk, "crtl1", "Cara Lead", "TL", "BNE")
    setup.add_staff(desk, "crso1", "Cody Officer", "SO", "BNE", team_leader="crtl1")
    setup.add_staff(desk, "crtps1", "Cleo Peer", "TPS", "BNE", team_leader="crtl1")
    setup.add_staff(desk, "crsso1", "Cal Helpdesk", "SSO", "BNE")
    return Floor()


@pytest.fixture
def floor(desk: Desk) -> Floor:
    return build_floor(desk)


# ---------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    raw = os.environ.get("TPSDESK_TEST_PG")
    if not raw:
        pytest.skip("TPSDESK_TEST_PG is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    admin_url = resolve_url(raw)
    name = f"tpsdesk_t_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # unreachable server: this fails the tests, loudly
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        store = Store(url)
        store.upgrade()
        store.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
