"""The one table of codes: complete, consistent, and decoding codes it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gosms.cli import main as cli
from gosms.wire.errors import (
    TABLE,
    APIError,
    Category,
    ConfigError,
    GoSMSError,
    ProtocolError,
    RateLimitError,
    Severity,
    TransportError,
    ValidationError,
    lookup,
)

ENGLISH_PAGE = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 2001, 2002, 2003, 2004, 2005, 3000}
RUSSIAN_PAGE_ONLY = {1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 2006, 2007, 2008, 2009}

# The code tables of both error pages, copied as test data (source and version inside the file):
# tests never read the documentation itself.
DOC_PAGES = json.loads((Path(__file__).parent / "data" / "doc_error_lists.json").read_text(encoding="utf-8"))


def test_table_has_every_documented_code() -> None:
    assert set(TABLE) == ENGLISH_PAGE | RUSSIAN_PAGE_ONLY
    assert len(TABLE) == 28


def test_the_pages_copy_lists_the_documented_codes() -> None:
    assert {int(c) for c in DOC_PAGES["en"]} == ENGLISH_PAGE
    assert {int(c) for c in DOC_PAGES["ru"]} == ENGLISH_PAGE | RUSSIAN_PAGE_ONLY


def test_errors_json_descriptions_are_the_cited_pages_text(capsys: pytest.CaptureFixture[str]) -> None:
    """``gosms errors --json``: each description is, word for word, the text of the page it cites."""
    assert cli.main(["errors", "--json"]) == cli.EXIT_OK
    rows = json.loads(capsys.readouterr().out)["errors"]
    assert [row["code"] for row in rows] == sorted(TABLE)
    for row in rows:
        code = str(row["code"])
        assert row["description_ru"] == DOC_PAGES["ru"][code], code
        if "en" in row["pages"]:
            assert row["description"] == DOC_PAGES["en"][code], code
        else:
            assert row["pages"] == ["ru"] and code not in DOC_PAGES["en"]
            assert row["description"] and row["description"] != row["description_ru"]


@pytest.mark.parametrize("code", sorted(TABLE))
def test_every_row_is_complete(code: int) -> None:
    row = TABLE[code]
    assert row.code == code and row.known
    for text in (row.description, row.remedy, row.description_ru, row.remedy_ru):
        assert text.strip() and text == text.strip()
    assert isinstance(row.severity, Severity) and row.severity is not Severity.OK
    assert isinstance(row.category, Category)
    # Russian text is Russian, English text is not.
    assert any("а" <= c <= "я" for c in row.description_ru.lower())
    assert not any("а" <= c <= "я" for c in (row.description + row.remedy).lower())
    data = row.as_dict()
    assert data["code"] == code and data["severity"] == row.severity.name


def test_field_codes_point_at_their_field() -> None:
    fields = {code: row.field for code, row in TABLE.items() if row.field}
    assert fields == {1016: "device_id", 1017: "to_sim", 2001: "phone_number", 2002: "message", 2003: "id",
                      2004: "callback_id", 2005: "device_id", 2006: "limit", 2007: "offset", 2008: "to_sim",
                      2009: "is_active"}


def test_only_transient_codes_are_retryable() -> None:
    assert {code for code, row in TABLE.items() if row.retryable} == {1000, 1010}
    assert TABLE[1010].retry_after == 300


def test_severity_numbers_are_the_monitoring_plugins_exit_codes() -> None:
    assert [int(s) for s in (Severity.OK, Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN)] == [0, 1, 2, 3]


def test_unknown_code_gets_an_explicit_row() -> None:
    row = lookup(4242)
    assert not row.known
    assert row.code == 4242
    assert row.description == "unknown GoSMS error 4242"
    assert "hash" in row.remedy
    assert row.severity is Severity.UNKNOWN and row.category is Category.UNKNOWN
    assert 4242 not in TABLE  # looking it up does not grow the table


def test_unknown_code_keeps_the_servers_message_and_hash() -> None:
    exc = APIError(4242, "Новая ошибка сервера", hash="a1b2c3d4e5f6", http_status=418)
    text = str(exc)
    assert "GoSMS error 4242: unknown GoSMS error 4242" in text
    assert "(server said: Новая ошибка сервера)" in text
    assert "[hash a1b2c3d4e5f6]" in text
    assert exc.remedy in text
    data = exc.as_dict()
    assert data["error_code"] == 4242
    assert data["server_message"] == "Новая ошибка сервера"
    assert data["hash"] == "a1b2c3d4e5f6"
    assert data["http_status"] == 418


def test_known_code_sentence() -> None:
    exc = APIError(1005, TABLE[1005].description_ru, hash="abc", http_status=403)
    text = str(exc)
    assert text.startswith("GoSMS error 1005: Sending SMS is not allowed for this API.")
    assert text.endswith(f"Fix: {TABLE[1005].remedy}")
    assert "[hash abc]" in text
    assert exc.severity is Severity.CRITICAL and not exc.retryable
    # The server repeating the table's own text adds nothing.
    assert "server said" not in str(APIError(1005, TABLE[1005].description))


def test_validation_error_is_an_api_error_with_a_field() -> None:
    exc = ValidationError(2001, "'12' has 2 digits.")
    assert isinstance(exc, APIError) and isinstance(exc, GoSMSError)
    assert exc.field == "phone_number"
    assert "'12' has 2 digits." in str(exc)
    assert ValidationError(2009, "x", field="enabled").field == "enabled"


def test_transport_protocol_config_errors() -> None:
    t = TransportError("reset", sent=True)
    assert t.sent and t.retryable and t.severity is Severity.CRITICAL
    r = RateLimitError("429", retry_after=1.5)
    assert isinstance(r, TransportError) and not r.sent and r.retry_after == 1.5
    p = ProtocolError("html", http_status=502, excerpt="<html>")
    assert p.retryable and p.http_status == 502 and p.excerpt == "<html>"
    assert not ProtocolError("teapot", http_status=418).retryable
    assert ConfigError("no token").severity is Severity.UNKNOWN
    for exc in (t, r, p):
        assert exc.maybe_sent is False and exc.notes == []
