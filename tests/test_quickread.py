"""The read commands' direct path (tpsdesk.quickread) prints what the full path prints, and
loads no ORM: the same views for every role, and a fall back whenever it is not sure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OWNER

from tpsdesk import demo, quickread
from tpsdesk.services import escalations

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-09-25T00:00:00+00:00"  # the fixtures' clock


@pytest.fixture
def demo_floor(desk, db_url):
    demo.generate(desk, who=OWNER, size=600, seed=9)
    os.chmod(db_url.removeprefix("sqlite:///"), 0o600)
    return db_url


@pytest.mark.parametrize("logon", ["sp1", "tps1", "so1", "tl1", "sso1", "per.sp1"])
def test_e12_s3_r1_direct_overdue_equals_the_service_for_each_role(desk, demo_floor, logon) -> None:
    full = escalations.overdue(desk, logon, limit=80)
    with quickread.floor(demo_floor, logon, desk.now()) as floor:
        if floor is None:
            pytest.skip(f"the demo floor has no {logon}")
        direct = quickread.overdue(floor, 80)
    assert direct == full
    assert full  # the floor has overdue items for this viewer: the comparison proves something


def run(db_url: str, *args: str, user: str = "sp1", importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env |= {"TPSDESK_NOW": NOW, "TPSDESK_USER": user, "TPSDESK_DB": db_url}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "tpsdesk", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def test_overdue_command_takes_the_direct_path_without_the_orm_and_prints_the_same(demo_floor) -> None:
    direct = run(demo_floor, "overdue", "--json", importtime=True)
    assert direct.returncode == 0, direct.stderr
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in direct.stderr.splitlines() if "|" in line}
    assert not loaded & {"sqlalchemy", "sqlmodel", "pydantic", "alembic"}, loaded & {"sqlalchemy", "sqlmodel"}
    # --text takes the full path (the service's search); "e" matches every summary
    full = run(demo_floor, "overdue", "--json", "--text", "e")
    assert full.returncode == 0, full.stderr
    ids_direct = [v["id"] for v in json.loads(direct.stdout)]
    assert ids_direct and ids_direct[:10] == [v["id"] for v in json.loads(full.stdout)][:10]
    assert json.loads(direct.stdout)[0] == json.loads(full.stdout)[0]
    text = run(demo_floor, "overdue")
    assert text.returncode == 0 and "OVERDUE BY" in text.stdout and "******" in text.stdout


def test_r7_direct_path_steps_aside_for_what_the_full_path_must_say(desk, demo_floor) -> None:
    """An unknown user, a file open to others and another schema are the full path's to answer."""
    path = demo_floor.removeprefix("sqlite:///")
    with quickread.floor(demo_floor, "nobody9", desk.now()) as floor:
        assert floor is None
    unknown = run(demo_floor, "overdue", user="nobody9")
    assert unknown.returncode == 2 and "nobody9" in unknown.stderr and "Traceback" not in unknown.stderr
    os.chmod(path, 0o644)
    with quickread.floor(demo_floor, "sp1", desk.now()) as floor:
        assert floor is None
    os.chmod(path, 0o600)
    with desk.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0004'")
    with quickread.floor(demo_floor, "sp1", desk.now()) as floor:
        assert floor is None
    older = run(demo_floor, "overdue")
    assert older.returncode == 2 and "tpsdesk db upgrade" in older.stderr
