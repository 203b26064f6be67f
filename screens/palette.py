"""Command palette (ctrl+p): every screen by name, and any escalation by id or CRN."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.base import desk_app
from tpsdesk.errors import TpsError


def _looks_like_lookup(query: str) -> bool:
    """An id ("42") or a CRN prefix ("123 456" / "123456789A") goes to the database."""
    compact = query.replace(" ", "")
    return bool(compact) and compact[0].isdigit()


class DeskCommands(Provider):
    """Go to a screen; open an escalation found by id or CRN (escalations.find)."""

    def _entries(self) -> list[tuple[str, str, str]]:
        from screens.app import SCREENS

        out = [(f"Go to {spec.title}", name, f"{spec.key.upper()}") for name, spec in SCREENS.items()]
        out.append(("Quick overdue lookup", "overdue", "F7"))
        out.append(("Export the shift summary", "export", "ctrl+e"))
        return out

    def _go(self, name: str) -> None:
        app = desk_app(self.app)
        if name == "overdue":
            app.action_overdue()
        elif name == "export":
            from screens.export_dialog import open_export_dialog

            open_export_dialog(app)
        else:
            app.show_screen(name)

    async def discover(self) -> Hits:
        for label, name, key in self._entries():
            yield DiscoveryHit(label, partial(self._go, name), help=f"key {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, name, key in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._go, name), text=label, help=f"key {key}")
        if not _looks_like_lookup(query):
            return
        tps = desk_app(self.app)
        if not tps.signed_in:
            return
        app = tps.session
        from tpsdesk.services import escalations

        try:
            # A thread keeps the palette responsive while the database answers.
            found = await asyncio.to_thread(escalations.find, app.desk, app.logon, query.strip(), limit=10)
        except TpsError:
            return
        for view in found:
            title = Text(f"Open escalation {view.id} · {view.category} · ")
            title.append(view.crn or "no CRN")  # user data: appended as plain text, never markup
            summary = view.summary.splitlines()[0][:40] if view.summary else ""
            if summary:
                title.append(f" · {summary}")
            exact = query.strip().lstrip("#") == str(view.id)  # "30" ranks #30 above #301
            yield Hit(
                1.0 if exact else 0.9, title, partial(tps.open_escalation, view.id), text=title.plain, help=view.status
            )
