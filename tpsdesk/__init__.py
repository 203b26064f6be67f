"""tpsdesk: the headless core of the Technical Peer Support desk.

Nothing in this package imports Textual or ``screens`` (DESIGN.md); the one
exception is the lazy import in ``cli.py`` that starts the TUI.
"""

__version__ = "0.1.0"
