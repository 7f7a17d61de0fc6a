"""check_gosms: the Nagios/Icinga check of a GoSMS account, on nagiosplugin.

- :mod:`.cli`: the command line (Monitoring Plugins conventions, UNKNOWN on any usage error)
- :mod:`.resources`: what is measured (account, quota, phones, delivery)
- :mod:`.outbox_part`: the outbox on disk (``--outbox``): undelivered, late and unattended alerts
- :mod:`.contexts`: how each measurement is judged and worded
- :mod:`.summary`: the status line and the ``-v`` lines
- :mod:`.plugin`: ``main()``, run by the console script ``check_gosms`` (:mod:`gosms_nagios.launch`)

Stands beside :mod:`gosms_nagios.notify` (neither imports the other) on :mod:`gosms_nagios.common`.
"""
