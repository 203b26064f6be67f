"""Public holidays of one state and year (C3), computed by the ``holidays`` package once per
machine and kept in the user's cache directory.

Building one year costs 0.15 to 0.3 s (the package's import and its rules), and every
process needs it at its first business-time question: the first detail, the calendar's
first month, every ``tpsdesk summary``. The result is the same until the package changes,
so it is cached on disk under the package's version: a new ``holidays`` release makes new
files, and a file that cannot be read is recomputed (the cache is never the source of truth).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

_DIST = re.compile(r"^holidays-([0-9A-Za-z.+_-]+)\.dist-info$")


@lru_cache(maxsize=1)
def package_version() -> str | None:
    """The installed ``holidays`` version, from its ``.dist-info`` folder's name beside the
    package, without importing the package (that import is what the cache saves); None when
    it cannot be told, and then nothing is cached on disk."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    site = Path(spec.origin).parent.parent
    try:
        names = [p.name for p in site.glob("holidays-*.dist-info")]
    except OSError:
        return None
    found = [m.group(1) for m in map(_DIST.match, names) if m]
    return found[0] if len(found) == 1 else None


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tpsdesk")) / "holidays"


def _path(state: str, year: int, version: str) -> Path:
    return cache_dir() / f"{version}-{state}-{year}.json"


def compute(state: str, year: int) -> dict[date, str]:
    """National and state public holidays of one year, from the package (no cache)."""
    import holidays  # deferred: a 0.15 s import

    return dict(holidays.country_holidays("AU", subdiv=state, years=year).items())


def load(state: str, year: int) -> dict[date, str]:
    """The year's holidays from the cache, computing and storing them on a miss."""
    version = package_version()
    if version is None:
        return compute(state, year)
    path = _path(state, year, version)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {date.fromisoformat(day): str(name) for day, name in raw.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        pass  # missing or unreadable: recompute, then replace it
    days = compute(state, year)
    _store(path, days)
    return days


def _store(path: Path, days: dict[date, str]) -> None:
    """Write whole or not at all; a cache that cannot be written is only slower next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".holidays-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({d.isoformat(): name for d, name in sorted(days.items())}, out)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
