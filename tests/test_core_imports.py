"""DESIGN.md: the core never imports textual or screens (proved in a fresh process)."""

import os
import subprocess
import sys

CORE_MODULES = [
    "tpsdesk.policy",
    "tpsdesk.businesstime",
    "tpsdesk.deadlines",
    "tpsdesk.models",
    "tpsdesk.store",
    "tpsdesk.domain.lifecycle",
    "tpsdesk.domain.schedule",
    "tpsdesk.services.uow",
    "tpsdesk.services.escalations",
    "tpsdesk.services.setup",
    "tpsdesk.cli",
]


def test_core_does_not_import_textual_or_screens() -> None:
    code = (
        "import importlib, pkgutil, sys, tpsdesk, tpsdesk.services, tpsdesk.commands\n"
        "names = [m.name for p in (tpsdesk, tpsdesk.services, tpsdesk.commands) for m in pkgutil.iter_modules(p.__path__, p.__name__ + '.')]\n"
        "names = [n for n in names if n != 'tpsdesk.commands.tui' and not n.startswith('tpsdesk.migrations')]\n"
        f"names += {CORE_MODULES!r}\n"
        "[importlib.import_module(n) for n in names]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout}"


def test_due_path_loads_no_database_library() -> None:
    code = (
        "import sys, tpsdesk.cli, tpsdesk.deadlines, tpsdesk.businesstime, tpsdesk.policy\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic', 'psycopg'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_due_command_whole_process_loads_no_database_or_ui_library(tmp_path) -> None:
    """`tpsdesk due` runs end to end without sqlalchemy/sqlmodel/alembic/psycopg (issue 2: under 0.4 s),
    for a person with no database (a fresh data folder: no default file to read sites from)."""
    code = (
        "import sys\n"
        "from tpsdesk.cli import main\n"
        "try:\n"
        "    main(['due', 'arrears', '--at', '2026-09-25T17:40', '--site', 'PER', '--json'])\n"
        "except SystemExit as exc:\n"
        "    rc = exc.code\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'alembic', 'psycopg', 'textual', 'screens')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(f'RC={rc} LOADED={\",\".join(bad)}', file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")} | {"XDG_DATA_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert '"due": "2026-09-29T17:00:00+08:00"' in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "RC=0 LOADED="
