"""The Nagios/Icinga adapter of gosms-ops: check_gosms and notify_gosms, built on :mod:`gosms`.

An adapter only: every GoSMS fact (codes, texts, remedies, states, heartbeat and battery thresholds)
comes from the core package :mod:`gosms`.  Its layers, lowest first (``tests/core/test_layers.py``
holds them: nothing imports upward or sideways):

- :mod:`.common`: what both commands share (argparse value types, the time budget, hint words,
  plugin-safe text, the notifier's time limit)
- :mod:`.check` (check_gosms, on nagiosplugin) and :mod:`.notify` (notify_gosms), side by side
- :mod:`.launch`: the console scripts' entry points, which load as little as they can first
"""
