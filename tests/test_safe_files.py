"""X2 safe files: an export is written whole or not at all (temporary file, fsync, rename),
created 0600, and never over the database, its WAL/SHM/journal, a folder or a file the app
did not write as an export. The database path is never chmod-ed unless tpsdesk created the
file; a folder or a non-database file given as ``--db`` is one clear error. The log is 0600.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import select
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import NOW, ROOT, fails, invoke, ok_json, run
from sqlmodel import select as orm_select

from tpsdesk import safefile
from tpsdesk.export import is_export
from tpsdesk.models import Event
from tpsdesk.services.desk import Desk
from tpsdesk.services.summaries import EXPORT_EVENT

AS_ROOT = os.geteuid() == 0
SUMMARY = ("summary", "--site", "SYD")


@pytest.fixture
def floor_db(desk: Desk, db_url: str) -> str:
    from conftest import build_floor

    build_floor(desk)
    return db_url.removeprefix("sqlite:///")


def _digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _content(db: str) -> str:
    """The database's rows and schema (its bytes move when SQLite checkpoints the WAL)."""
    conn = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def _mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if safefile.TEMP_MARK in p.name)


def _export(db: str, out: Path, *more: str, now: str = NOW) -> subprocess.CompletedProcess[str]:
    return invoke(*SUMMARY, *more, "--out", str(out), db=db, user="tl1", now=now)


def _exports_recorded(desk: Desk) -> int:
    with desk.store.read() as session:
        return len(session.exec(orm_select(Event).where(Event.kind == EXPORT_EVENT)).all())


# ---------------------------------------------------------------- refused targets
def test_x2_export_over_the_live_database_is_refused_end_to_end(desk: Desk, floor_db: str) -> None:
    before = _content(floor_db)
    err = fails(run(*SUMMARY, "--full-identifiers", "--out", floor_db, db=floor_db, user="tl1"), 2, "--out", floor_db)
    assert "database in use" in err
    assert _content(floor_db) == before
    assert _exports_recorded(desk) == 0  # a refused export records nothing
    assert ok_json(invoke("staff", "list", "--json", db=floor_db))  # the database still opens


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("-wal", "write-ahead log"),
        ("-shm", "shared-memory"),
        ("-journal", "rollback journal"),
    ],
)
def test_x2_export_over_the_database_side_files_is_refused(floor_db: str, name: str, words: str) -> None:
    before = _content(floor_db)
    target = Path(floor_db + name)
    existed = target.exists()
    fails(_export(floor_db, target), 2, str(target), words)
    assert _content(floor_db) == before
    assert target.exists() == existed  # nothing created under a name SQLite would read
    assert _temps(target.parent) == []


def test_x2_export_through_a_symlink_or_hard_link_to_the_database_is_refused(floor_db: str, tmp_path: Path) -> None:
    before = _content(floor_db)
    link = tmp_path / "report.json"
    link.symlink_to(floor_db)
    fails(_export(floor_db, link), 2, str(link), "database in use")
    dangling_wal = tmp_path / "later.json"
    dangling_wal.symlink_to(floor_db + "-wal")  # a link to a WAL that does not exist yet
    fails(_export(floor_db, dangling_wal), 2, "write-ahead log")
    hard = tmp_path / "hard.json"
    os.link(floor_db, hard)
    fails(_export(floor_db, hard), 2, str(hard), "database in use")
    assert _content(floor_db) == before


def test_x2_export_over_a_folder_a_device_or_a_foreign_file_is_refused(floor_db: str, tmp_path: Path) -> None:
    fails(_export(floor_db, tmp_path), 2, str(tmp_path), "folder")
    fails(_export(floor_db, Path("/dev/null")), 2, "/dev/null", "not a regular file")
    rc = tmp_path / ".bashrc"
    rc.write_text("export PATH=$HOME/bin:$PATH\n")
    other_db = tmp_path / "other.db"
    sqlite3.connect(other_db).execute("CREATE TABLE t (x)").connection.close()
    notes = tmp_path / "notes.txt"
    notes.write_text("Shift summary: my own notes\n")  # a look-alike title alone is not an export
    for foreign in (rc, other_db, notes):
        before = _digest(foreign)
        err = fails(_export(floor_db, foreign), 2, str(foreign))
        assert "database" in err or "not an export tpsdesk wrote" in err
        assert _digest(foreign) == before
    fails(_export(floor_db, tmp_path / "missing" / "out.csv"), 2, "does not exist")
    assert _temps(tmp_path) == []


# ---------------------------------------------------------------- replaced targets
@pytest.mark.parametrize("fmt", ["text", "md", "csv", "json"])
def test_x2_replacing_a_0644_export_leaves_a_0600_file(floor_db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"shift.{fmt}"
    assert _export(floor_db, out, "--format", fmt).returncode == 0
    assert _mode(out) == 0o600 and is_export(out.read_bytes()[: safefile.HEAD_BYTES])
    out.chmod(0o644)
    later = "2026-09-25T03:00:00+00:00"
    done = invoke(*SUMMARY, "--format", fmt, "--out", str(out), db=floor_db, user="tl1", now=later)
    assert done.returncode == 0, done.stderr
    assert _mode(out) == 0o600  # a new file, never the old one's 0644
    assert _temps(tmp_path) == []


def test_x2_an_empty_file_of_ones_own_is_replaced_0600(floor_db: str, tmp_path: Path) -> None:
    out = tmp_path / "from-mktemp"
    out.touch()
    out.chmod(0o644)
    assert _export(floor_db, out, "--json").returncode == 0
    assert _mode(out) == 0o600 and json.loads(out.read_text())["export"] == "tpsdesk shift summary"


# ---------------------------------------------------------------- whole or not at all
CHILD = """
import os, sys
real_write = os.write

def slow_write(fd, data):
    if fd <= 2:
        return real_write(fd, data)
    written = real_write(fd, bytes(data[:64]))  # part of the new export is on disk
    real_write(1, b"half\\n")
    sys.stdin.read()  # waits for the parent, which kills this process
    return written

os.write = slow_write
from tpsdesk.cli import main
main(sys.argv[1:])
"""


def test_x2_a_sigkilled_export_leaves_the_old_file_whole(floor_db: str, tmp_path: Path) -> None:
    out = tmp_path / "shift.json"
    assert _export(floor_db, out, "--json").returncode == 0
    old = out.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env |= {"TPSDESK_NOW": "2026-09-25T05:00:00+00:00", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "--db", floor_db, "--user", "tl1", *SUMMARY, "--json", "--out", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready and child.stdout is not None and child.stdout.readline() == b"half\n", "the child never wrote"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    assert out.read_bytes() == old  # the old export, whole
    left = _temps(tmp_path)
    assert len(left) == 1 and left[0].startswith(".shift.json.tpsdesk-export-") and left[0].endswith(".tmp")
    assert _mode(tmp_path / left[0]) == 0o600
    # The next export replaces it whole and removes the dead writer's temporary file.
    assert _export(floor_db, out, "--json").returncode == 0
    assert json.loads(out.read_text())["export"] == "tpsdesk shift summary" and _temps(tmp_path) == []


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_x2_a_full_disk_is_one_line_and_the_old_file_stays_whole(
    floor_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    out = tmp_path / "shift.csv"
    assert _export(floor_db, out, "--format", "csv").returncode == 0
    old = out.read_bytes()

    def full(*_: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safefile.os, call, full)
    err = fails(_export(floor_db, out, "--format", "csv", now="2026-09-25T05:00:00+00:00"), 1, str(out), "disk is full")
    assert "unchanged" in err
    assert out.read_bytes() == old and _temps(tmp_path) == []


def test_x2_a_read_only_file_system_is_one_line(floor_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "shift.md"
    real_open = os.open

    def read_only(path: object, *args: object, **kw: object) -> int:
        if safefile.TEMP_MARK in str(path):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(safefile.os, "open", read_only)
    fails(_export(floor_db, out, "--format", "md"), 1, str(out), "read-only")
    assert not out.exists() and _temps(tmp_path) == []


@pytest.mark.skipif(AS_ROOT, reason="root writes into a 0500 folder")
def test_x2_a_read_only_folder_is_one_line(floor_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    out = folder / "shift.txt"
    assert _export(floor_db, out).returncode == 0
    old = out.read_bytes()
    folder.chmod(0o500)
    try:
        fails(_export(floor_db, out, now="2026-09-25T05:00:00+00:00"), 1, str(out), "permission denied")
        assert out.read_bytes() == old and _temps(folder) == []
    finally:
        folder.chmod(0o700)


def test_x2_other_users_files_are_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "theirs.txt"
    out.write_text(
        "Shift summary: site SYD (x), Centre PCC\nFrom a to b\nGenerated c by d; customer identifiers masked\n"
    )
    monkeypatch.setattr(safefile.os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(safefile.ValidationError, match="another user"):
        safefile.check_target(out, is_export=is_export)


# ---------------------------------------------------------------- --db
def test_x2_db_naming_a_folder_or_a_non_database_file_is_one_error(tmp_path: Path) -> None:
    fails(run("db", "upgrade", db=str(tmp_path)), 2, str(tmp_path), "folder")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n")
    notes.chmod(0o644)
    for args in (["db", "upgrade"], ["overdue"], ["staff", "list"]):
        fails(invoke(*args, db=str(notes), user="sp1"), 2, str(notes), "not a SQLite database")
    assert notes.read_text() == "my notes, not a database\n" and _mode(notes) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no -wal, -shm or -journal beside it


def test_x2_db_an_existing_file_is_never_chmodded(tmp_path: Path, template_db: Path) -> None:
    shared = tmp_path / "shared.db"
    shared.write_bytes(template_db.read_bytes())
    shared.chmod(0o640)
    link = tmp_path / "link.db"
    link.symlink_to(shared)
    assert invoke("db", "upgrade", db=str(link)).returncode == 0
    assert invoke("staff", "list", db=str(link)).returncode == 0
    assert _mode(shared) == 0o640 and link.is_symlink()  # the link's target keeps its mode
    empty = tmp_path / "empty.db"
    empty.touch()
    empty.chmod(0o644)
    upgraded = invoke("db", "upgrade", db=str(empty))
    assert upgraded.returncode == 0  # an empty file is initialised ...
    assert _mode(empty) == 0o644  # ... and not chmod-ed: the person is told instead
    assert f"chmod 600 {empty}" in upgraded.stderr
    fresh = tmp_path / "new" / "desk.db"
    assert invoke("db", "upgrade", db=str(fresh)).returncode == 0
    assert _mode(fresh) == 0o600 and _mode(fresh.parent) == 0o700  # created by tpsdesk: private


def test_x2_db_a_dangling_symlink_is_followed_and_its_target_created_private(tmp_path: Path) -> None:
    link = tmp_path / "desk.db"
    target = tmp_path / "elsewhere" / "desk.db"
    link.symlink_to(target)
    assert invoke("db", "upgrade", db=str(link)).returncode == 0
    assert link.is_symlink() and _mode(target) == 0o600 and _mode(target.parent) == 0o700
    # Given as a URL, the path is not resolved first: a link to nothing is one error, and nothing is created.
    other = tmp_path / "other.db"
    other.symlink_to(tmp_path / "gone" / "desk.db")
    fails(invoke("db", "upgrade", db=f"sqlite:///{other}"), 2, str(other), "does not exist")
    assert not (tmp_path / "gone").exists()


@pytest.mark.skipif(AS_ROOT, reason="root may write a read-only file")
def test_x2_db_a_read_only_database_is_one_line(tmp_path: Path, template_db: Path) -> None:
    path = tmp_path / "ro.db"
    path.write_bytes(template_db.read_bytes())
    path.chmod(0o400)
    fails(invoke("staff", "list", db=str(path)), 1, str(path), "read-only")
    assert _mode(path) == 0o400


# ---------------------------------------------------------------- the log
def test_log_file_is_created_0600_in_a_0700_folder(
    tmp_path: Path, floor_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tpsdesk import quickread
    from tpsdesk.services import escalations

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(escalations, "list_page", broken)
    monkeypatch.setattr(quickread, "queue_page", broken)  # the direct read path `list` takes first
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    err = fails(invoke("escalation", "list", db=floor_db, user="sp1"), 1, "unexpected failure")
    log = Path(err.rsplit(" ", 1)[-1])
    assert log.name == "tpsdesk.log" and log.is_relative_to(tmp_path)
    assert _mode(log) == 0o600 and _mode(log.parent) == 0o700 and "RuntimeError: a bug" in log.read_text()
    log.chmod(0o644)  # an older tpsdesk's log is made private on the next write
    fails(invoke("escalation", "list", db=floor_db, user="sp1"), 1, "unexpected failure")
    assert _mode(log) == 0o600 and log.read_text().count("RuntimeError: a bug") == 2
    log.unlink()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep\n")
    elsewhere.chmod(0o644)
    log.symlink_to(elsewhere)  # a link is not followed
    assert "log unavailable" in fails(invoke("escalation", "list", db=floor_db, user="sp1"), 1, "unexpected failure")
    assert elsewhere.read_text() == "keep\n" and _mode(elsewhere) == 0o644
