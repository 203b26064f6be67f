"""The outbox screen (F9, issue 11): the mail the desk sends, with status, attempts and the
last error (I7, E7); the note when nothing is sent; the app's own sender (one run at a
time, stopped with the app)."""

from __future__ import annotations

from smtp_helpers import Inbox, smtp_server
from textual.widgets import DataTable

from screens.outbox import OutboxScreen
from tests.test_mail import mail_desk, put, rows
from tpsdesk.services.mail import send_due
from tui.helpers import settle


def cells(app) -> list[list[str]]:
    table = app.screen.query_one("#outbox-table", DataTable)
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_i7_f9_lists_a_pending_and_a_failed_message_and_says_nothing_is_sent(desk, make_app, tmp_path) -> None:
    with smtp_server(Inbox(refuse=1, reply="550 5.1.1 no such mailbox")) as port:
        [failed] = put(desk, body="first")
        send_due(mail_desk(desk, tmp_path, port), "so1")
    [pending] = put(desk, body="second")
    app = make_app("tl1", live=False)  # no smtp_host on this desk
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert app.current_mode == "outbox" and isinstance(app.screen, OutboxScreen)
        by_id = {row[0]: row for row in cells(app)}
        assert by_id[str(pending)][1:3] == ["pending", "0"]
        assert by_id[str(failed)][1:3] == ["failed", "1"] and by_id[str(failed)][6] == "550 5.1.1 no such mailbox"
        note = str(app.screen.query_one("#outbox-note").render())
        assert "no SMTP host is configured" in note and "this is what would be sent" in note
        title = str(app.screen.query_one("#outbox-title").render())
        assert "The Centre's outbox: 1 pending, 0 sending, 0 sent, 1 failed" in title
        assert app.mail_sender is None  # nothing to send through


async def test_i7_an_so_sees_only_their_own_messages(desk, make_app) -> None:
    [mine] = put(desk, to="so1")
    put(desk, to="sp1")
    app = make_app("so1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.show_screen("outbox")
        await settle(pilot)
        assert [row[0] for row in cells(app)] == [str(mine)]
        assert "Your messages" in str(app.screen.query_one("#outbox-title").render())


async def test_i7_the_apps_sender_delivers_in_the_background_and_stops_with_the_app(desk, floor, tmp_path) -> None:
    from screens.app import TpsApp

    inbox = Inbox()
    with smtp_server(inbox) as port:
        md = mail_desk(desk, tmp_path, port)
        ids = put(desk, 2)
        app = TpsApp(md, "so1", live=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            sender = app.mail_sender
            assert sender is not None and not sender.running
            assert sender.timer is not None  # the next run is armed only after this one answered
            assert sender.last is not None and sender.last.done is not None and sorted(sender.last.done.sent) == ids
            app.show_screen("outbox")
            await settle(pilot)
            assert [row[1] for row in cells(app)] == ["sent", "sent"]
            assert "sent through 127.0.0.1" in str(app.screen.query_one("#outbox-note").render())
        assert sender.stopping.is_set() and sender.timer is None and app.mail_sender is None
    assert sorted(inbox.message_ids()) == sorted(r.message_id for r in rows(desk).values())
