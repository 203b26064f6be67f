"""The app's stylesheet: Textual's, with parsed rules kept across re-parses.

Textual re-parses every CSS source from scratch (a fresh ``Stylesheet`` with an empty parse
cache) each time a screen is first shown and each time a widget class with ``DEFAULT_CSS`` is
first mounted. With Textual's built-in widgets and ours that is some 80 sources and 50-75 ms
per re-parse, two or three of them on a screen's first open (F3, F5, F6): most of what a person
waited for there. The rules a source parses to depend only on its text, where it was read from,
its scope and tie-breaker, and the theme's variables, so this stylesheet keeps them, keyed by
all of those, and a re-parse parses only sources it has not seen.

The parsed ``RuleSet`` lists are shared, never mutated after parsing: Textual's own parse cache
shares them the same way within one stylesheet.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation


class DeskStylesheet(Stylesheet):
    """A ``Stylesheet`` whose parsed rules outlive a re-parse (process-wide, bounded)."""

    _parsed: ClassVar[LRUCache[tuple[Any, ...], list[RuleSet]]] = LRUCache(1024)

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
        rules = self._parsed.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            self._parsed[key] = rules
        return rules

    def reparse(self) -> None:
        """As ``Stylesheet.reparse`` (a fresh stylesheet, so an error leaves this one whole),
        with the fresh one of this class: it parses through the shared rules."""
        fresh = type(self)(variables=self._variables)
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker, scope=scope)
        try:
            fresh.parse()
        except Exception:
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False
