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


# The queue's filters as `tpsdesk escalation list` takes them: each decided by domain.queue.select
# and written twice (SQLAlchemy in the service, sqlite3 text here), so both must give the same rows.
LIST_FILTERS = [
    escalations.Filters(),
    escalations.Filters(status="all"),
    escalations.Filters(status="finalised"),
    escalations.Filters(status="awaiting-follow-up"),
    escalations.Filters(status="referred", category="system"),
    escalations.Filters(category="arrears"),
    escalations.Filters(overdue=True),
    escalations.Filters(status="all", overdue=True),
    escalations.Filters(mine=True),
    escalations.Filters(owner="none"),
    escalations.Filters(owner="sp1", status="all"),
    escalations.Filters(site="SYD", status="all"),
    escalations.Filters(site="PER", overdue=True, owner="none"),
]


@pytest.mark.parametrize("logon", ["sp1", "tps1", "so1", "tl1", "sso1"])
@pytest.mark.parametrize("filters", LIST_FILTERS, ids=lambda f: repr(f)[8:-1])
def test_s3_r1_r4_direct_queue_page_equals_the_service_for_each_role_and_filter(
    desk, demo_floor, logon, filters
) -> None:
    full = escalations.list_page(desk, logon, filters, limit=120)
    with quickread.floor(demo_floor, logon, desk.now()) as floor:
        assert floor is not None
        direct = quickread.queue_page(floor, filters, 120)
    assert direct == full


def test_s3_direct_queue_page_is_not_empty_for_the_comparisons(desk, demo_floor) -> None:
    """The demo floor gives each filter rows for a Senior Practitioner, so the equality above
    compares rows, not two empty lists."""
    empty = [f for f in LIST_FILTERS if not escalations.list_page(desk, "sp1", f, limit=5)]
    assert not empty, empty


def test_direct_queue_page_steps_aside_for_text_bad_filters_and_unknown_names(desk, demo_floor) -> None:
    with quickread.floor(demo_floor, "sp1", desk.now()) as floor:
        assert floor is not None
        assert quickread.queue_page(floor, escalations.Filters(text="letter"), 10) is None
        assert quickread.queue_page(floor, escalations.Filters(status="lost"), 10) is None
        assert quickread.queue_page(floor, escalations.Filters(category="nope"), 10) is None
        assert quickread.queue_page(floor, escalations.Filters(site="XXX"), 10) is None
        assert quickread.queue_page(floor, escalations.Filters(owner="nobody9"), 10) is None


def test_list_command_takes_the_direct_path_without_the_orm_and_prints_the_service_rows(desk, demo_floor) -> None:
    from tpsdesk.commands.escalation_text import list_json

    direct = run(demo_floor, "escalation", "list", "--json", "--status", "all", "--limit", "40", importtime=True)
    assert direct.returncode == 0, direct.stderr
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in direct.stderr.splitlines() if "|" in line}
    assert not loaded & {"sqlalchemy", "sqlmodel", "pydantic", "alembic"}
    views = escalations.list_page(desk, "sp1", escalations.Filters(status="all"), limit=40)
    assert json.loads(direct.stdout) == json.loads(json.dumps(list_json(views, desk.now()), default=str))
    text = run(demo_floor, "escalation", "list", "--overdue")
    assert text.returncode == 0 and "NEXT ACTION" in text.stdout and "******" in text.stdout


def test_list_command_errors_are_the_full_paths(demo_floor) -> None:
    """What a person mistyped is refused with the full path's one message, on either path."""
    cases = [
        (["--status", "lost"], "unknown status 'lost'"),
        (["--category", "nope"], "unknown category 'nope'"),
        (["--site", "xxx"], "no site with code 'xxx'"),
        (["--owner", "nobody9"], "no staff member with logon 'nobody9'"),
        (["--mine", "--owner", "sp1"], "give --mine or --owner, not both"),
    ]
    for args, message in cases:
        out = run(demo_floor, "escalation", "list", *args)
        assert out.returncode == 2, (args, out.stderr)
        assert message in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
