"""The core travels inside the collection as a generated copy: one source of truth, nothing to install."""

from __future__ import annotations

import ast
import importlib.util
import sys

import pytest
from ansible_support import COLLECTION, REPO

spec = importlib.util.spec_from_file_location("vendor_core", REPO / "scripts" / "vendor_core.py")
assert spec is not None and spec.loader is not None
vendor_core = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vendor_core)

PLUGINS = COLLECTION / "plugins"


def test_the_copy_is_what_the_script_makes_from_src_gosms():
    assert vendor_core.drift(vendor_core.render()) == [], (
        "plugins/module_utils/_gosms differs from src/gosms: run .venv/bin/python scripts/vendor_core.py")


def test_the_copy_holds_the_sans_io_layer_the_modules_use():
    copied = {path.relative_to(vendor_core.TARGET).as_posix() for path in vendor_core.TARGET.rglob("*.py")}
    wire = {f"wire/{name}.py" for name in ("errors", "validation", "protocol", "flows", "retry", "outcomes", "paging")}
    assert wire <= copied
    # the transports on requests/aiohttp, the runner, the relay and the command stay behind; of the
    # delivery layer only the hand-off the notify callback writes the outbox with (on the controller)
    assert not {path for path in copied if path.split("/")[0] in {"cli", "relay", "emulator"}}
    assert {path for path in copied if path.startswith("delivery/")} <= {
        f"delivery/{name}.py" for name in ("__init__", "spool", "entry", "record", "failures", "outbox", "handoff")}
    assert not copied & {"clients/sync.py", "clients/aio.py", "transports/requests_session.py"}


def test_modules_carry_no_outbox_to_the_managed_hosts():
    """The outbox's code is the controller's (the notify callback): a module's payload stays without it."""
    for path in [*(PLUGINS / "modules").glob("*.py"), *(PLUGINS / "module_utils").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "_gosms.delivery" not in text, f"{path.relative_to(COLLECTION)} imports the outbox"


def test_a_drifted_copy_is_found(tmp_path, monkeypatch):
    for path in vendor_core.TARGET.rglob("*.py"):
        copy = tmp_path / path.relative_to(vendor_core.TARGET)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(vendor_core, "TARGET", tmp_path)
    assert vendor_core.drift(vendor_core.render()) == []
    edited = tmp_path / "wire" / "errors.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# a hand edit\n", encoding="utf-8")
    (tmp_path / "stray.py").write_text("", encoding="utf-8")
    assert vendor_core.drift(vendor_core.render()) == ["stray.py", "wire/errors.py"]


def test_the_copy_leaves_out_what_only_the_type_checker_reads():
    """No signature annotations; the dataclasses keep their fields, and the variables their annotations."""
    fields = 0
    for path in vendor_core.TARGET.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args
                every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                         *(a for a in (arguments.vararg, arguments.kwarg) if a)]
                assert node.returns is None and all(a.annotation is None for a in every), (
                    f"{path.name}:{node.lineno} {node.name} keeps an annotation")
            fields += isinstance(node, ast.AnnAssign)
    assert fields > 20  # Request, Response, SendPlan, ... still declare their fields
    # the names only signatures read are gone (the lint stage's ruff finds any import left unused)
    config = (vendor_core.TARGET / "wire" / "config.py").read_text(encoding="utf-8")
    assert "Optional" in (vendor_core.CORE / "wire" / "config.py").read_text(encoding="utf-8")
    assert "Optional" not in config and "Mapping" not in config


SAMPLE = """\
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .errors import GoSMSError
if TYPE_CHECKING:
    from .models import Message


def send(numbers: Sequence[str], text: str = "é", *parts: str, retries: Optional[int] = None,
         **fields: Any) -> Mapping[str, str]:  # a comment stays
    sent: list[Message] = []
    return dict(numbers=numbers, text=text, sent=sent)


def plain(a, b=1, c: os.PathLike[str] | None = None) -> GoSMSError:
    \"\"\"Left as it is.\"\"\"
    return isinstance(a, Mapping)


if not TYPE_CHECKING:
    RUNS = True
"""

WITHOUT = """\
from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .models import Message


def send(numbers, text="é", *parts, retries=None,
         **fields):  # a comment stays
    sent: list[Message] = []
    return dict(numbers=numbers, text=text, sent=sent)


def plain(a, b=1, c=None):
    \"\"\"Left as it is.\"\"\"
    return isinstance(a, Mapping)


if not TYPE_CHECKING:
    RUNS = True
"""


def test_annotations_come_out_and_the_rest_stays_as_written():
    assert vendor_core.without_annotations("wire.sample", SAMPLE) == WITHOUT


def test_a_form_the_edit_does_not_know_stops_the_script():
    """A parenthesized annotation would leave a stray bracket: the check against the syntax tree the
    copy must have stops the script rather than write it."""
    with pytest.raises(SystemExit, match=r"wire/sample\.py"):
        vendor_core.without_annotations("wire.sample", "def f(x: (int)) -> None:\n    return x\n")


def imported_roots(path):
    """Top-level names a file imports absolutely, anywhere in it (lazy imports included), but for
    those only the type checker reads or that have a fallback (the copy's record.py tries the
    interpreter's own SHA-256 under its name of each Python version, then hashlib)."""
    roots = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = vendor_core.guarded(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_plugin_needs_gosms_ops_or_requests():
    allowed = set(sys.stdlib_module_names) | {"ansible", "ansible_collections", "__future__"}
    for path in PLUGINS.rglob("*.py"):
        outside = imported_roots(path) - allowed
        assert not outside, f"{path.relative_to(COLLECTION)} imports {sorted(outside)}"


def test_requirements_ask_nothing_for_the_modules():
    lines = (COLLECTION / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.strip() and not line.lstrip().startswith("#")] == []
