"""``python -m gosms_nagios.notify``: the notification command, without the quick lane or the turnstile."""

from .command import main

main()
