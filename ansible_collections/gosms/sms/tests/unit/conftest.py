# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The GoSMS emulator for the unit tests: every test talks to it over real HTTP on loopback.

The collection itself needs nothing from gosms-ops (it carries the core under
plugins/module_utils/_gosms). Only the tests need the emulator, which ships with gosms-ops: it
comes from this checkout's src/ (the collection lives beside it), or from gosms-ops where installed.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys

import pytest

if importlib.util.find_spec('gosms') is None:
    _SRC = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', 'src'))
    if os.path.isfile(os.path.join(_SRC, 'gosms', '__init__.py')):
        sys.path.insert(0, _SRC)

from gosms.emulator import Emulator  # importable only once src/ is on the path


@pytest.fixture
def emulator(monkeypatch, tmp_path):
    """An emulator with a long random token, so a leak of it cannot go unnoticed; no GOSMS_* leaks in.

    The account's rate budget lives in the test's own runtime directory.
    """
    for name in list(os.environ):
        if name.startswith('GOSMS_'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('GOSMS_RUNTIME_DIR', str(tmp_path / 'runtime'))
    with Emulator(tokens=['unit-' + secrets.token_hex(16)]) as emu:
        yield emu
