"""Run a module (``-m name``) or a script as ``python`` would, then write this process's peak
resident set (``VmHWM`` of /proc/self/status, in kB) to the file named by TPSDESK_BENCH_HWM.

Why not only ``ru_maxrss`` from ``wait4``: Linux keeps a process's high-water mark across
``execve``, so a child forked from a large launcher reports at least the launcher's size.
``VmHWM`` belongs to the memory of the program after ``exec``: the process's own peak.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys


def _write() -> None:
    path = os.environ.get("TPSDESK_BENCH_HWM")
    if not path:
        return
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    with open(path, "w") as out:
                        out.write(line.split()[1])
                    return
    except OSError:
        pass


def main() -> None:
    atexit.register(_write)
    if len(sys.argv) < 2:
        raise SystemExit("usage: hwm.py -m MODULE [ARGS...] | hwm.py SCRIPT [ARGS...]")
    if sys.argv[1] == "-m":
        module, rest = sys.argv[2], sys.argv[3:]
        sys.argv = [module, *rest]
        sys.path[0] = os.getcwd()  # as ``python -m`` puts it
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script, rest = sys.argv[1], sys.argv[2:]
        sys.argv = [script, *rest]
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
