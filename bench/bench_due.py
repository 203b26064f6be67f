"""Whole-process time of `tpsdesk due` (issue 2: under 0.4 s; it loads no database library).

Runs the command N times as a fresh subprocess and prints the median wall time.

    .venv/bin/python bench/bench_due.py [-n 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["due", "arrears", "--at", "2026-09-25T17:40", "--site", "PER", "--json"]
LIMIT_S = 0.4


def command() -> list[str]:
    """The installed `tpsdesk` script next to this Python if there is one, else `python -m tpsdesk`."""
    script = Path(sys.executable).parent / "tpsdesk"
    if script.is_file() and shutil.which(str(script)):
        return [str(script), *ARGS]
    return [sys.executable, "-m", "tpsdesk", *ARGS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs (default 20)")
    n = parser.parse_args().n
    cmd = command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # warm the OS file cache
    times, cpu = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    median = statistics.median(times)
    print(
        f"tpsdesk due (whole process, {n} runs): median {median * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    # CPU time (user + system) of the child: steady even when other work shares the machine.
    print(f"CPU time per run: median {statistics.median(cpu) * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}")
    print(f"command: {' '.join(cmd)}")
    print("OK: under 0.4 s" if median < LIMIT_S else "SLOW: over 0.4 s")
    return 0 if median < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())
