"""Print the text rows of a Textual SVG snapshot, to review a snapshot change as text:
``python tests/snapshot_text.py OLD.svg > old.txt`` (and the new one), then diff them."""

from __future__ import annotations

import html
import re
import sys
from collections import defaultdict
from pathlib import Path

CELL_WIDTH = 12.2  # px per terminal column in Textual's SVG export


def rows_of(svg: str) -> list[str]:
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows[float(m.group(2))].append((float(m.group(1)), html.unescape(m.group(3))))
    out = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / CELL_WIDTH)) + text
        out.append(line.rstrip())
    return out


if __name__ == "__main__":
    print("\n".join(rows_of(Path(sys.argv[1]).read_text())))
