"""Alert storm from two hosts that cannot share a budget file: 2 x 100 ``gosms send`` processes.

Run: ``.venv/bin/python benchmarks/storm_hosts.py``.  The same scene as ``benchmarks/storm.py``
with two ``GOSMS_RUNTIME_DIR`` folders, so the hosts only learn about each other from the strict
emulator's 429s.  Goal: 200/200 stored, none twice, within 1.5x the ideal 20 s (printed, not judged).
"""

from __future__ import annotations

import sys

from storm import main

if __name__ == "__main__":
    sys.exit(main(["--hosts", "2", *sys.argv[1:]]))
