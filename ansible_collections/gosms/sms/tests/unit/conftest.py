# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""Make the gosms library importable in ansible-test's unit test environment.

The collection lives in the gosms-ops repository (ansible_collections/gosms/sms/ beside src/), and
its unit tests run against that checkout's library. Where gosms is installed already, that copy is
used as it is.
"""

from __future__ import annotations

import importlib.util
import os
import sys

if importlib.util.find_spec('gosms') is None:
    _SRC = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', 'src'))
    if os.path.isfile(os.path.join(_SRC, 'gosms', '__init__.py')):
        sys.path.insert(0, _SRC)
