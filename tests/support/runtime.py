"""The rate budget's folder for a test run: private to it, so no test touches the user's own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

__all__ = ["private_runtime_dir"]


@pytest.fixture(autouse=True, scope="session")
def private_runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Budget files of the test accounts go to a folder of this run, not the user's runtime dir.

    Each emulator listens on a port of its own, so each test's account has a budget of its own.
    A suite uses it by importing it into its conftest.
    """
    path = tmp_path_factory.mktemp("runtime")
    path.chmod(0o700)
    before = os.environ.get("GOSMS_RUNTIME_DIR")
    os.environ["GOSMS_RUNTIME_DIR"] = str(path)
    yield str(path)
    if before is None:
        del os.environ["GOSMS_RUNTIME_DIR"]
    else:
        os.environ["GOSMS_RUNTIME_DIR"] = before
