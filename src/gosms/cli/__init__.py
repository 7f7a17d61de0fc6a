"""The ``gosms`` command. Empty on purpose: :mod:`.launch` must load almost nothing before the
start-up turnstile, and importing this package is part of that cost."""
