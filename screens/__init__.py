"""The Textual user interface of tpsdesk, on top of ``tpsdesk.services``.

Each screen lives in its own module and is imported lazily by ``screens.app``.
"""
