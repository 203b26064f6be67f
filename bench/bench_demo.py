"""Benchmark: ``tpsdesk demo --size 1000000`` on a fresh SQLite file (issue 2 item 7:
about a minute or less). Runs the whole command once in a subprocess, as a person
would, and reports wall time, CPU time (this process's children: the command and
its generator process), peak memory, the file size and the loaded counts.

    .venv/bin/python bench/bench_demo.py [--size 1000000] [--seed 1] [--keep PATH]

``--keep PATH`` leaves the database there for ``bench/bench_queue.py`` (and
``bench/bench_queue_tui.py``); otherwise a temporary file is used and removed.
The machine's load average is printed too: on a shared machine, wall time
depends on it while CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_demo(db: Path, size: int, seed: int) -> dict[str, object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("TPSDESK_NOW", None)
    cmd = [sys.executable, "-m", "tpsdesk", "--db", str(db), "demo", "--size", str(size), "--seed", str(seed), "--json"]
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"tpsdesk demo failed ({proc.returncode}): {proc.stderr.strip()}")
    stats = json.loads(proc.stdout)
    return {
        "command": " ".join(["tpsdesk", *cmd[3:]]),
        "wall_s": round(wall, 1),
        "cpu_user_s": round(after.ru_utime - before.ru_utime, 1),
        "cpu_sys_s": round(after.ru_stime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024),
        "db_mb": round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cpus": os.cpu_count(),
        "rows": {k: stats[k] for k in ("escalations", "contacts", "docs", "notes", "events", "overdue")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the database here and keep it (must not exist yet)")
    args = parser.parse_args()
    if args.keep is not None:
        if args.keep.exists():
            raise SystemExit(f"{args.keep} exists: remove it or choose another path")
        result = run_demo(args.keep, args.size, args.seed)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run_demo(Path(folder) / "bench.db", args.size, args.seed)
    print(json.dumps(result, indent=2))
    rows = sum(int(v) for k, v in result["rows"].items() if k != "overdue")  # type: ignore[union-attr]
    print(f"tpsdesk demo --size {args.size:,}: {result['wall_s']} s wall, {result['cpu_user_s']} s CPU, {rows:,} rows")


if __name__ == "__main__":
    main()
