"""Which table rows open which repair: derived from the table's fields, never from code numbers."""

from __future__ import annotations

from custom_components.gosms.issues import ISSUE_KEYS, issue_key
from gosms import TABLE, Category, Severity, lookup


def test_account_problems_open_repairs() -> None:
    opened = {code: issue_key(info) for code, info in TABLE.items() if issue_key(info)}
    # The codes the integration must react to, whatever the table's fields say about them.
    assert opened[3000] == ISSUE_KEYS[Category.ACCOUNT]
    assert opened[1004] == ISSUE_KEYS[Category.DEVICE]
    assert opened[1006] == ISSUE_KEYS[Category.QUOTA]


def test_a_refused_token_leaves_the_notice_to_reauthentication() -> None:
    for info in TABLE.values():
        if info.category is Category.AUTH:
            assert issue_key(info) is None, info.code
    assert {1002, 1003} <= {code for code, info in TABLE.items() if info.category is Category.AUTH}


def test_request_problems_do_not() -> None:
    for info in TABLE.values():
        if info.field is not None or (
            info.severity in (Severity.UNKNOWN, Severity.OK) and info.category is not Category.PERMISSION
        ):
            assert issue_key(info) is None, info.code
    assert issue_key(lookup(99999)) is None


def test_missing_permissions_open_a_repair_whatever_their_monitoring_state() -> None:
    for info in TABLE.values():
        if info.category is Category.PERMISSION:
            assert issue_key(info) == ISSUE_KEYS[Category.PERMISSION], info.code
