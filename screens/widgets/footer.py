"""The desk's footer: Textual's key footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes every ``FooterKey`` on each bindings signal, which a screen
sends on every focus change and every ``refresh_bindings``: moving focus from the search box to
the queue table rebuilt about twenty widgets (restyled, laid out, painted) for a footer that
looked the same, some 50 ms of the frame that shows the search's rows. This footer keeps a
fingerprint of what it shows (each shown key, its label, whether it is enabled, its tooltip) and
skips the rebuild when the fingerprint has not moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Fingerprint = tuple[tuple[str, str, str, bool, str], ...]


def shown_keys(screen: Screen[object]) -> Fingerprint:
    """What a footer on ``screen`` would show: (key, action, label, enabled, tooltip) of each
    shown binding, plus the command palette's key."""
    out = []
    palette = screen.app.COMMAND_PALETTE_BINDING
    for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items():
        if binding.show or key == palette:
            out.append((key, binding.action, binding.description, enabled, tooltip or binding.tooltip))
    return tuple(out)


class DeskFooter(Footer):
    """A ``Footer`` that recomposes only when the keys it would show differ from those shown."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Fingerprint | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = shown_keys(screen)
            if shown == self._shown and self._bindings_ready:
                return
            self._shown = shown
        super().bindings_changed(screen)
