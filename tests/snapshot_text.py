"""Print the text rows of a Textual SVG snapshot, to review a snapshot change as text:
``python tests/snapshot_text.py OLD.svg > old.txt`` (and the new one), then diff them."""

import html
import re
import sys
from collections import defaultdict

svg = open(sys.argv[1]).read()
rows = defaultdict(list)
for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
    x, y, t = float(m.group(1)), float(m.group(2)), html.unescape(m.group(3))
    rows[y].append((x, t))
for y in sorted(rows):
    line = ""
    for x, t in sorted(rows[y]):
        col = int(round(x / 12.2))
        line = line.ljust(col) + t
    print(line.rstrip())
