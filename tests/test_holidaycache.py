"""C3's public holidays come from the ``holidays`` package; the disk cache only saves the
time of building a year, never changes what a year holds."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tpsdesk import holidaycache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "tpsdesk" / "holidays"


def test_c3_cached_year_is_the_package_year(cache: Path) -> None:
    first = holidaycache.load("WA", 2026)
    assert first == holidaycache.compute("WA", 2026)
    assert first[date(2026, 6, 1)] == "Western Australia Day"
    files = list(cache.glob("*-WA-2026.json"))
    assert len(files) == 1
    again = holidaycache.load("WA", 2026)  # read back from the file
    assert again == first


def test_c3_the_cache_is_keyed_by_package_version_state_and_year(cache: Path) -> None:
    holidaycache.load("VIC", 2027)
    holidaycache.load("QLD", 2027)
    version = holidaycache.package_version()
    assert version is not None
    assert {p.name for p in cache.iterdir()} == {f"{version}-VIC-2027.json", f"{version}-QLD-2027.json"}
    # Melbourne Cup is Victorian only: a state's year never answers for another.
    vic, qld = holidaycache.load("VIC", 2027), holidaycache.load("QLD", 2027)
    assert any("Melbourne Cup" in n for n in vic.values())
    assert not any("Melbourne Cup" in n for n in qld.values())


def test_c3_unreadable_cache_file_is_recomputed_and_replaced(cache: Path) -> None:
    holidaycache.load("SA", 2026)
    (path,) = cache.glob("*-SA-2026.json")
    path.write_text("{not json", encoding="utf-8")
    assert holidaycache.load("SA", 2026) == holidaycache.compute("SA", 2026)
    path.write_text('{"2026-02-30": "no such day"}', encoding="utf-8")
    assert holidaycache.load("SA", 2026) == holidaycache.compute("SA", 2026)
    assert "no such day" not in path.read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_c3_unwritable_cache_still_answers(cache: Path) -> None:
    cache.mkdir(parents=True)
    cache.chmod(0o500)
    try:
        assert holidaycache.load("NT", 2026) == holidaycache.compute("NT", 2026)
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o700)


def test_c3_cache_dir_that_is_a_file_still_answers(cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("in the way", encoding="utf-8")
    assert holidaycache.load("TAS", 2026) == holidaycache.compute("TAS", 2026)
