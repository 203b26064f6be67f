"""The benchmark floors: demo databases of 10,000 / 100,000 / 1,000,000 escalations.

Each floor is made once with the demo generator (``tpsdesk demo --size N --seed S`` into a
SQLite file, HOME a temporary directory, the clock pinned with TPSDESK_NOW) and cached as
``floor-{size}-s{seed}-r{schema}.db`` with a ``.json`` beside it (the instant the floor was
made for, how long it took). The schema revision is ``tpsdesk.migrations.HEAD``: a new
migration makes a new floor, the old one is left for ``--cache`` housekeeping.

Every measurement runs with ``TPSDESK_NOW`` = that instant, so the same floor shows the same
overdue items however long ago it was cached.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = Path.home() / ".cache" / "tpsdesk-bench"


def schema_head() -> str:
    sys.path.insert(0, str(ROOT))
    from tpsdesk.migrations import HEAD

    return str(HEAD)


@dataclass(frozen=True)
class Floor:
    size: int
    seed: int
    path: Path
    as_of: str  # ISO instant: TPSDESK_NOW for every measurement on it
    made_in: float | None  # seconds the demo took (None: adopted from a file)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def base_env(home: Path, db: Path | None = None, now: str | None = None) -> dict[str, str]:
    """The environment of every tpsdesk process the bench starts: this checkout first on the
    path, a private HOME (no config of the person running it), the floor and its clock."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["HOME"] = str(home)
    env.pop("TPSDESK_USER", None)
    env.pop("TPSDESK_SITE", None)
    if db is not None:
        env["TPSDESK_DB"] = f"sqlite:///{db}"
    if now is not None:
        env["TPSDESK_NOW"] = now
    else:
        env.pop("TPSDESK_NOW", None)
    return env


def _paths(cache: Path, size: int, seed: int, head: str) -> tuple[Path, Path]:
    stem = cache / f"floor-{size}-s{seed}-r{head}"
    return stem.with_suffix(".db"), stem.with_suffix(".json")


def _load(db: Path, meta: Path, size: int, seed: int) -> Floor | None:
    if not (db.exists() and meta.exists()):
        return None
    facts = json.loads(meta.read_text())
    return Floor(size, seed, db, facts["as_of"], facts.get("made_in"))


def ensure(cache: Path, size: int, seed: int, *, log=print) -> Floor:
    """The cached floor of ``size`` escalations, made with the demo generator when missing."""
    head = schema_head()
    cache.mkdir(parents=True, exist_ok=True)
    db, meta = _paths(cache, size, seed, head)
    found = _load(db, meta, size, seed)
    if found is not None:
        log(f"floor {size:,} (seed {seed}, schema {head}): cached {db}")
        return found
    as_of = datetime.now(UTC).replace(second=0, microsecond=0).isoformat()
    tmp = db.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    log(f"floor {size:,} (seed {seed}, schema {head}): making it with tpsdesk demo (once)...")
    with tempfile.TemporaryDirectory(prefix="tpsdesk-bench-home-") as home:
        env = base_env(Path(home), tmp, as_of)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tpsdesk", "demo", "--size", str(size), "--seed", str(seed)],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        made_in = time.perf_counter() - started
    tmp.replace(db)
    meta.write_text(json.dumps({"size": size, "seed": seed, "schema": head, "as_of": as_of, "made_in": made_in}))
    log(f"  made in {made_in:.1f} s")
    return Floor(size, seed, db, as_of, made_in)


def adopt(cache: Path, source: Path, seed: int, *, log=print) -> Floor:
    """Copy an existing demo database into the cache (``tpsdesk db upgrade`` brings it to the
    head). Its instant is the file's modification time, rounded down to the minute: close to
    when the demo finished, which is what its rows were made for."""
    head = schema_head()
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        size = conn.execute("SELECT count(*) FROM escalation").fetchone()[0]
    db, meta = _paths(cache, size, seed, head)
    if _load(db, meta, size, seed) is not None:
        log(f"floor {size:,}: already cached, {source} not copied")
        return ensure(cache, size, seed, log=log)
    cache.mkdir(parents=True, exist_ok=True)
    as_of = datetime.fromtimestamp(source.stat().st_mtime, UTC).replace(second=0, microsecond=0).isoformat()
    tmp = db.with_suffix(".part")
    log(f"floor {size:,}: copying {source} into the cache and upgrading it to {head}...")
    shutil.copyfile(source, tmp)
    tmp.chmod(0o600)  # a desk database is private (tpsdesk warns otherwise)
    with tempfile.TemporaryDirectory(prefix="tpsdesk-bench-home-") as home:
        subprocess.run(
            [sys.executable, "-m", "tpsdesk", "db", "upgrade"],
            check=True,
            env=base_env(Path(home), tmp, as_of),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    tmp.replace(db)
    meta.write_text(
        json.dumps({"size": size, "seed": seed, "schema": head, "as_of": as_of, "made_in": None, "from": str(source)})
    )
    return Floor(size, seed, db, as_of, None)
