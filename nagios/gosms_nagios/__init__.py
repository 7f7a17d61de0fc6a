"""check_gosms: the Nagios/Icinga check of a GoSMS account, built on :mod:`gosms` and nagiosplugin.

An adapter only: every GoSMS fact (codes, texts, remedies, states, heartbeat and battery thresholds)
comes from the core package :mod:`gosms`.  Modules:

- :mod:`.cli`: the command line (Monitoring Plugins conventions, UNKNOWN on any usage error)
- :mod:`.budget`: the plugin timeout split into deadlines for the core client's calls
- :mod:`.state`: the month-usage state file kept between runs
- :mod:`.resources`: what is measured (account, quota, phones, delivery)
- :mod:`.contexts`: how each measurement is judged and worded
- :mod:`.summary`: the status line and the ``-v`` lines
- :mod:`.check`: ``main()``, the console script ``check_gosms``
"""
