"""``python -m gosms``: the ``gosms`` command where the console script is not on PATH."""

from __future__ import annotations

import sys

from .cli.launch import main

sys.exit(main())
