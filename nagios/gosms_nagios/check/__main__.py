"""``python -m gosms_nagios.check``: the check, as the console script runs it."""

import sys

from .plugin import main

main(sys.argv[1:])
sys.exit(3)  # main() always exits; this only guards against a refactoring that forgets it
