"""What check_gosms and notify_gosms share, and nothing of either: argparse value types
(:mod:`.arguments`), the time limit split into deadlines (:mod:`.budget`), the words for a setting in
the plugin's own options (:mod:`.hint_words`), text safe in a plugin's output (:mod:`.text`), and the
notifier's time limit read before anything loads (:mod:`.timeout`).  The lowest floor of the adapter.
"""
