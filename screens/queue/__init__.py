"""F3 Escalation queue: the screen (``screen``), its detail pane (``detail``), its
action registry and handlers (``actions``) and the refer/document dialogs' fields
(``dialogs``); the styles sit beside them (``queue.tcss``)."""

from screens.queue.screen import POLL_SECONDS, EscalationSource, QueueScreen

__all__ = ["POLL_SECONDS", "EscalationSource", "QueueScreen"]
