"""How times and urgency look on screen: local time, "in 2h" / "overdue 3d", and an
urgency word with a symbol beside its colour (never colour alone: some staff are colour-blind).

The words themselves come from the core's shared formatter, ``tpsdesk.present``
(the CLI prints through it too, C9); this module keeps the names the screens import.
"""

from __future__ import annotations

from tpsdesk.present import SOON_SECONDS, local, local_for, relative, span, urgency

__all__ = ["SOON_SECONDS", "local", "local_for", "relative", "span", "urgency"]
