"""``import gosms`` as a Python developer meets it: exports, pickling, docstrings, the reference page."""

from __future__ import annotations

import ast
import inspect
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from core_helpers import SECRET

import gosms
from gosms import Client, DeliveryTimeout
from gosms.emulator import Emulator
from gosms.wire.errors import (
    APIError,
    ConfigError,
    GoSMSError,
    ProtocolError,
    RateLimitError,
    TransportError,
    ValidationError,
)
from gosms.wire.hints import Hint, Setting
from gosms.wire.models import Message, MessageStatus

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import api_docs  # noqa: E402 - the page builder is a script, not part of the package


def _every_error_type() -> list[GoSMSError]:
    delivery = DeliveryTimeout("6654a4e8f1527149588c89f2", 30.0,
                               Message("6654a4e8f1527149588c89f2", "79991234567", "x", 2))
    validation = ValidationError(2002, reason="char_not_allowed", params={"char": "'|'", "position": "3",
                                                                          "codepoint": "U+007C"},
                                 hint=Hint(Setting.INVALID_CHARS, "replace"))
    return [
        GoSMSError("plain"),
        APIError(1006, "Максимальное количество смс", hash="abc123", http_status=403),
        validation,
        TransportError("no answer", sent=True),
        RateLimitError("429 until the deadline", retry_after=2.5),
        ProtocolError("HTML from a proxy", http_status=502, excerpt="<html>"),
        ConfigError(reason="insecure_http", params={"host": "gosms.example"},
                    hint=Hint(Setting.ALLOW_INSECURE_HTTP, "true")),
        delivery,
    ]


def test_every_exception_type_is_covered() -> None:
    covered = {type(e) for e in _every_error_type()}
    defined = {cls for cls in vars(gosms.wire.errors).values()
               if isinstance(cls, type) and issubclass(cls, GoSMSError)}
    assert defined <= covered


@pytest.mark.parametrize("error", _every_error_type(), ids=lambda e: type(e).__name__)
def test_every_exception_round_trips_through_pickle(error: GoSMSError) -> None:
    error.notes = ["a note"]
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)
    assert copy.severity == error.severity and copy.retryable == error.retryable


def test_pickled_validation_error_keeps_what_adapters_read() -> None:
    error = _every_error_type()[2]
    assert isinstance(error, ValidationError)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ValidationError)
    assert (copy.code, copy.field, copy.reason, copy.params, copy.hint, copy.detail_ru) == (
        2002, "message", "char_not_allowed", error.params, error.hint, error.detail_ru)


BLOCK_AIOHTTP = """
import sys

class Blocker:
    # Stands in for a machine without the optional extra: aiohttp cannot be imported at all.
    def find_spec(self, name, path=None, target=None):
        if name == "aiohttp" or name.startswith("aiohttp."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
"""
STAR_IMPORT = """
from gosms import *
import gosms
print(sorted(set(gosms.__all__) - set(globals())))
print("AsyncClient" in gosms.__all__)
"""


@pytest.mark.parametrize("with_aiohttp", [True, False])
def test_star_import_with_and_without_the_async_extra(with_aiohttp: bool) -> None:
    code = ("" if with_aiohttp else BLOCK_AIOHTTP) + STAR_IMPORT
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    missing, offers_async = run.stdout.split("\n")[:2]
    assert missing == "[]"  # every exported name arrived
    assert offers_async == str(with_aiohttp)


def test_public_api_has_docstrings() -> None:
    """Runtime check: what help() shows; the page builder below checks the source's own docstrings."""
    from gosms.clients.aio import AsyncClient

    for name in [*gosms.__all__, "AsyncClient"]:
        obj: Any = getattr(gosms, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__), name
    for cls in (Client, AsyncClient):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                assert member.__doc__, f"{cls.__name__}.{name}"


def test_api_reference_page_is_built_from_the_current_docstrings() -> None:
    page = ROOT / "docs" / "api.md"
    assert page.read_text(encoding="utf-8") == api_docs.render(), "run scripts/api_docs.py"
    assert "raise_on_timeout" in page.read_text(encoding="utf-8")


def test_api_reference_refuses_a_public_name_without_docstring(monkeypatch: pytest.MonkeyPatch) -> None:
    real = api_docs._parse
    docstring = '        """One message by its id (24-hex ObjectID): its text, number and delivery status."""\n'

    def without_docstring(module: str) -> tuple[str, ast.Module]:
        source, tree = real(module)
        if module == "clients.base":
            assert docstring in source
            source = source.replace(docstring, "", 1)
            tree = ast.parse(source)
        return source, tree

    monkeypatch.setattr(api_docs, "_parse", without_docstring)
    with pytest.raises(api_docs.MissingDocstring, match=r"gosms\.Client\.get has"):
        api_docs.render()


def test_wait_for_delivery_at_timeout_returns_or_raises(emu: Emulator) -> None:
    # The emulator holds this number's messages in status 0: they never become final.
    emu.set_scenario(failures=[{"phone": "79991234567", "hold": 0}])
    with Client(SECRET, api_url=emu.url) as client:
        message_id = client.send("79991234567", "x").ids[0]
        seen = client.wait_for_delivery(message_id, timeout=0.3, interval=0.1)
        assert not seen.final  # the documented default: the last state, not final
        with pytest.raises(DeliveryTimeout) as info:
            client.wait_for_delivery(message_id, timeout=0.3, interval=0.1, raise_on_timeout=True)
    assert info.value.message_id == message_id and info.value.last_seen is not None
    assert info.value.last_seen.state in (MessageStatus.WAITING, MessageStatus.PROCESSING, MessageStatus.SENT)
    assert message_id in str(info.value)
