"""The UI-thread guard (issue 9: nothing on the UI thread) catches what it is for.

``loop_guard`` (tests/tui/conftest.py) records database work the app does on its event
loop's thread; these tests provoke it on purpose, and show that a thread worker and a test
body seeding data are not caught."""

from __future__ import annotations

from tpsdesk.services import setup
from tui.conftest import LoopGuard
from tui.helpers import settle


async def test_a_service_called_on_the_event_loop_by_the_app_is_caught(make_app, loop_guard: LoopGuard) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert loop_guard.caught == []  # start-up and the queue's first load ran in workers
        app.call_later(setup.list_staff, app.desk)  # a handler on the loop asking the database
        await pilot.pause()
        caught = loop_guard.take()
    assert caught and all("on the event loop" in c for c in caught)
    assert any("tpsdesk/services/setup.py" in c and "list_staff" in c for c in caught)


async def test_a_thread_worker_and_the_test_body_are_not_caught(make_app, loop_guard: LoopGuard) -> None:
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert setup.list_staff(app.desk)  # the test body seeds and reads on the loop's thread
        worker = app.run_worker(lambda: setup.list_staff(app.desk), thread=True)
        assert await worker.wait()
        await settle(pilot)
    assert loop_guard.caught == []
