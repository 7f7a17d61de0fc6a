"""notify_gosms: the notification command that sends a Nagios/Icinga alert as one SMS.

- :mod:`.quick`: an ordinary notification handed to a live outbox runner before anything else loads
- :mod:`.command`: the command proper (argparse, every option, exit codes), ``main()``
- :mod:`.compose`: one SMS for one notification, that always fits
- :mod:`.deliver`: sending within the notification's time, queueing what cannot go now

Empty on purpose: a package's ``__init__`` loads with each of its modules, and :mod:`.quick` must
load nothing it does not need.  Stands beside :mod:`gosms_nagios.check` on :mod:`gosms_nagios.common`.
"""
