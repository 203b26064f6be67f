"""Run ``python -m tpsdesk`` end to end in a subprocess, as a script or a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The fixtures' fake "now": Fri 25 Sep 2026 10:00 in Sydney (conftest.START).
NOW = "2026-09-25T00:00:00+00:00"


def run(
    *args: str, db: str | None = None, user: str | None = None, now: str | None = NOW, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``tpsdesk [--db db] [--user user] args...`` with a clean TPSDESK_* environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    if now:
        clean["TPSDESK_NOW"] = now
    # The checkout first, so the tests run this tree even without an installed package.
    clean["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), clean.get("PYTHONPATH", "")) if p)
    clean.update(env or {})
    cmd = [sys.executable, "-m", "tpsdesk"]
    if db:
        cmd += ["--db", db]
    if user:
        cmd += ["--user", user]
    # No terminal on stdin: a command that asks on a terminal (demo --reset) does not ask here.
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, env=clean, timeout=60, stdin=subprocess.DEVNULL
    )


def ok_json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    return json.loads(proc.stdout)


def fails(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit ``code`` with one clear line on stderr (containing ``words``), never a traceback."""
    assert proc.returncode == code, f"expected exit {code}, got {proc.returncode}: {proc.stdout} {proc.stderr}"
    err = proc.stderr.strip()
    assert "Traceback" not in err and err.count("\n") == 0, err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    return err


def invoke(
    *args: str, db: str | None = None, user: str | None = None, now: str | None = NOW, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The same ``tpsdesk.cli.main`` in this process (exit code, stdout, stderr), without a process start.

    For the many input variations of one command; each command keeps at least one ``run`` end to end.
    """
    import contextlib
    import io

    from tpsdesk.cli import main

    saved = {k: v for k, v in os.environ.items() if k.startswith("TPSDESK_")}
    for key in saved:
        del os.environ[key]
    os.environ.update({"TPSDESK_NOW": now} if now else {})
    os.environ.update(env or {})
    argv = [*(["--db", db] if db else []), *(["--user", user] if user else []), *args]
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(argv)
    except SystemExit as exc:
        code = exc.code
    finally:
        for key in [k for k in os.environ if k.startswith("TPSDESK_")]:
            del os.environ[key]
        os.environ.update(saved)
    return subprocess.CompletedProcess(argv, code if isinstance(code, int) else 1, out.getvalue(), err.getvalue())
