"""The desk header: app name, the signed-in officer, role, site and site-local time."""

from __future__ import annotations

from textual.widgets import Static


class DeskHeader(Static):
    """One line: app name, the signed-in officer, role, site and site-local time.

    The text is the app's ``header_text()``, whose time comes from ``desk.now()``, so a
    test's fake clock gives a stable header.
    """

    DEFAULT_CSS = """
    DeskHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = "desk-header") -> None:
        super().__init__("", markup=False, id=id)

    def on_mount(self) -> None:
        self.refresh_text()
        self.set_interval(30, self.refresh_text, name="header-clock")

    def on_resize(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        """The whole line when it fits; on a narrow terminal the app's name and then the
        officer's name give way, so the screen's title is never cut off (80x24)."""
        from screens.app import TpsApp

        app = self.app
        screen_title = getattr(self.screen, "TITLE", "") or ""
        room = app.size.width - 2  # the padding
        line = ""
        for short in range(3):
            text = app.header_text(short) if isinstance(app, TpsApp) else app.title
            line = f"{text}  {screen_title}".rstrip() if screen_title else text
            if len(line) <= room:
                break
        self.update(line)
