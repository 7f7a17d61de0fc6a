"""The core reads as its layers: no import circles, and no layer imports one above it.

Walks every import in ``src/gosms`` and ``nagios/gosms_nagios`` (function-level and type-checking
imports included: a lazy import is still a dependency) and checks them against the layer order that
``docs/architecture.md`` draws. The checker is tried on made-up graphs too, so a circle or an upward
import that someone adds is shown to fail, not only the tree as it is today.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = {"gosms": REPO / "src" / "gosms", "gosms_nagios": REPO / "nagios" / "gosms_nagios"}

LAYERS = {
    "gosms.wire": 0,
    "gosms.pacing": 1,
    "gosms.transports": 1,
    "gosms.emulator": 1,
    "gosms.clients": 2,
    "gosms.delivery": 3,
    "gosms.cli": 4,
    "gosms.relay": 4,
    "gosms_nagios": 5,
    "gosms_nagios.common": 5,
    "gosms_nagios.check": 6,
    "gosms_nagios.notify": 6,
    "gosms_nagios.launch": 7,
}
"""Each package's floor. A module may import its own package and the floors below; packages on the
same floor do not import each other (the emulator, the transports and the pacing stand apart, and
so do the adapter's check and notification command, both on its common floor)."""

FACADE = {"gosms", "gosms.__main__"}
"""The package's front door loads the public names from every floor, lazily, and is above them all."""


def module_name(root: str, path: Path) -> str:
    parts = list(path.relative_to(ROOTS[root]).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root, *parts])


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The modules an ``import from`` names (a name may be a module of the package it imports from)."""
    if node.level == 0:
        base = node.module or ""
    else:
        parts = importer.split(".")
        package = parts if is_package else parts[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of this project it imports (anywhere in the file)."""
    files = {}
    for root, folder in ROOTS.items():
        for path in folder.rglob("*.py"):
            files[module_name(root, path)] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                targets.update(resolve(name, is_package, node))
        # Importing a module loads its parent packages anyway: those are no edges of their own.
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = {t for t in targets if t in files and t != name and t not in ancestors}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> str | None:
    if module in FACADE:
        return None
    return max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default="?")


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports that reach a higher floor, or a sibling package on the same floor."""
    wrong = []
    for importer, targets in sorted(graph.items()):
        mine = layer_of(importer)
        if mine is None:
            continue
        for target in sorted(targets):
            theirs = layer_of(target)
            if theirs is None:
                if target == "gosms" and mine != "?":
                    continue  # ``from gosms import __version__``: the version is everyone's
                wrong.append(f"{importer} -> {target} (the facade)")
                continue
            if mine == "?" or theirs == "?":
                wrong.append(f"{importer} -> {target} (a module on no floor: add its package to LAYERS)")
            elif LAYERS[theirs] > LAYERS[mine] or (LAYERS[theirs] == LAYERS[mine] and theirs != mine):
                wrong.append(f"{importer} ({mine}, floor {LAYERS[mine]}) -> {target} ({theirs}, floor "
                             f"{LAYERS[theirs]})")
    return wrong


def test_the_tree_has_no_import_circle():
    assert circles(import_graph()) == []


def test_no_layer_imports_one_above_it_or_beside_it():
    assert upward(import_graph()) == []


def test_every_module_is_on_a_floor():
    graph = import_graph()
    assert [m for m in graph if layer_of(m) == "?"] == []
    assert {"gosms.wire.errors", "gosms.pacing.budget", "gosms.clients.base", "gosms.delivery.outbox",
            "gosms.cli.main", "gosms_nagios.notify.command", "gosms_nagios.check.plugin",
            "gosms_nagios.common.budget", "gosms_nagios.launch"} <= set(graph)


MAX_LINES = 600
"""A module that outgrows this holds more than one thing: split it by what it holds."""


def test_no_module_outgrows_what_one_reader_takes_in():
    long = {f"{path.relative_to(REPO)}: {n} lines"
            for root in ROOTS.values() for path in root.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {sorted(long)}"


def test_the_wire_layer_does_no_network_io():
    """The bottom floor is sans-IO: it never loads a socket or an HTTP library."""
    io_modules = ("socket", "ssl", "http.client", "http.server", "urllib.request", "requests", "aiohttp", "asyncio")
    for path in (ROOTS["gosms"] / "wire").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            assert not [n for n in names if n.startswith(io_modules)], f"{path.name} imports {names}"


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"gosms.wire.flows": {"gosms.wire.paging"}, "gosms.wire.paging": {"gosms.wire.flows"}},
         [["gosms.wire.flows", "gosms.wire.paging"]]),
        ({"gosms.cli.hints": {"gosms.cli.output"}}, [["gosms.cli.hints", "gosms.cli.output"]]),
        ({"gosms.wire.flows": {"gosms.wire.steps"}, "gosms.wire.paging": {"gosms.wire.steps"}}, []),
        ({"gosms_nagios.notify.compose": {"gosms_nagios.notify.quick"}},
         [["gosms_nagios.notify.compose", "gosms_nagios.notify.quick"]]),
        ({"gosms_nagios.check.cli": {"gosms_nagios.check.plugin"}},
         [["gosms_nagios.check.cli", "gosms_nagios.check.plugin"]]),
    ],
)
def test_an_added_circle_is_found(edges, expected):
    graph = import_graph()
    for module, targets in edges.items():
        graph.setdefault(module, set()).update(targets)
    assert circles(graph) == expected


@pytest.mark.parametrize(
    ("importer", "target"),
    [
        ("gosms.wire.retry", "gosms.pacing.budget"),  # the default rate once came from the budget
        ("gosms.clients.base", "gosms.delivery.outbox"),
        ("gosms.emulator.state", "gosms.clients.sync"),
        ("gosms.pacing.budget", "gosms.transports.stdlib"),  # siblings on one floor
        ("gosms.delivery.outbox", "gosms.cli.output"),
        ("gosms_nagios.common.budget", "gosms_nagios.check.resources"),  # the shared floor reaching up
        ("gosms_nagios.notify.deliver", "gosms_nagios.check.summary"),  # siblings: the command and the check
        ("gosms_nagios.check.plugin", "gosms_nagios.notify.compose"),
        ("gosms_nagios.notify.quick", "gosms_nagios.launch"),
    ],
)
def test_an_added_upward_import_is_found(importer, target):
    graph = import_graph()
    graph[importer].add(target)
    assert [line for line in upward(graph) if line.startswith(f"{importer} ")] != []
