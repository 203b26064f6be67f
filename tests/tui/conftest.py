"""TUI fixtures: a migrated desk with a fake clock and the small floor, and a
factory of apps on it for ``app.run_test(size=(120, 40))``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from screens.app import TpsApp
from tpsdesk.services.desk import Desk

MakeApp = Callable[..., TpsApp]


@pytest.fixture
def make_app(desk: Desk, floor: object) -> MakeApp:
    """``make_app(user="sp1")`` -> a TpsApp on the shared desk (same fake clock)."""

    def make(user: str = "sp1", **kwargs: object) -> TpsApp:
        return TpsApp(desk, user, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_empty_app(desk: Desk) -> MakeApp:
    """An app on a brand-new empty database (the first-run path)."""

    def make(user: str | None = None, **kwargs: object) -> TpsApp:
        return TpsApp(desk, user, **kwargs)  # type: ignore[arg-type]

    return make
