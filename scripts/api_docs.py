"""Build docs/api.md, the reference of ``import gosms``, from the docstrings in src/gosms.

    .venv/bin/python scripts/api_docs.py          # rewrite docs/api.md
    .venv/bin/python scripts/api_docs.py --check  # exit 1 when docs/api.md is out of date

Signatures are read from the source (the text of each annotation and default as written), not
from ``inspect.signature``, so the page is the same whichever Python or aiohttp version builds it;
a test (tests/core/test_library.py) fails when the page drifts from the code.  A public name
without a docstring is an error here: the page would have nothing to say about it.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Optional, Union

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "gosms"
PAGE = ROOT / "docs" / "api.md"

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class MissingDocstring(Exception):
    """A public name of the package has no docstring."""


def _parse(module: str) -> tuple[str, ast.Module]:
    path = PACKAGE / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE / module.replace(".", "/") / "__init__.py"
    source = path.read_text(encoding="utf-8")
    return source, ast.parse(source)


def _exports() -> list[tuple[str, str]]:
    """(name, defining module) for every name in ``gosms.__all__``, the async client included."""
    _, tree = _parse("__init__")
    where: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                where[alias.asname or alias.name] = node.module
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names = list(ast.literal_eval(node.value))
    names.append("AsyncClient")  # offered by `import *` only with the async extra, documented always
    where.setdefault("__version__", "__init__")
    return [(name, where[name]) for name in sorted(set(names), key=lambda n: (n.lower().lstrip("_"), n))]


def _docstring(node: ast.AST, what: str) -> str:
    doc = ast.get_docstring(node) if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Module)) else None
    if not doc:
        raise MissingDocstring(f"{what} has no docstring")
    return inspect.cleandoc(doc)


def _segment(source: str, node: Optional[ast.AST]) -> str:
    text = ast.get_source_segment(source, node) if node is not None else None
    return " ".join((text or "").split())


def _signature(source: str, fn: FunctionNode, *, drop_self: bool) -> str:
    returns = f" -> {_segment(source, fn.returns)}" if fn.returns is not None else ""
    prefix = "async " if isinstance(fn, ast.AsyncFunctionDef) else ""
    return f"{prefix}{fn.name}({_params(source, fn, drop_self=drop_self)}){returns}"


def _params(source: str, fn: FunctionNode, *, drop_self: bool) -> str:
    args = fn.args
    parts: list[str] = []
    positional = args.posonlyargs + args.args
    defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        if drop_self and index == 0:
            continue
        parts.append(_param(source, arg, default))
        if args.posonlyargs and arg is args.posonlyargs[-1]:
            parts.append("/")
    if args.vararg:
        parts.append("*" + _param(source, args.vararg, None))
    elif args.kwonlyargs:
        parts.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        parts.append(_param(source, arg, kw_default))
    if args.kwarg:
        parts.append("**" + _param(source, args.kwarg, None))
    return ", ".join(parts)


def _param(source: str, arg: ast.arg, default: Optional[ast.expr]) -> str:
    text = arg.arg
    if arg.annotation is not None:
        text += f": {_segment(source, arg.annotation)}"
    if default is not None:
        text += f" = {_segment(source, default)}" if arg.annotation is not None else f"={_segment(source, default)}"
    return text


def _find(tree: ast.Module, name: str) -> Optional[ast.AST]:
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _attribute_docs(body: list[ast.stmt], source: str) -> Iterator[tuple[str, str, str]]:
    """(name, "name: annotation = value" as written, docstring) for documented assignments."""
    for node, following in zip(body, [*body[1:], None]):
        target: Optional[ast.expr] = None
        if isinstance(node, ast.AnnAssign):
            target = node.target
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if not isinstance(target, ast.Name) or target.id.startswith("_"):
            continue
        if (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            yield target.id, _segment(source, node), inspect.cleandoc(following.value.value)
        elif isinstance(node, ast.AnnAssign):
            yield target.id, _segment(source, node), ""


def _constant(name: str, module: str) -> list[str]:
    source, tree = _parse(module)
    if name == "__version__":
        return ["### `__version__`\n", "The package version, as in the distribution's metadata.\n"]
    for attr, text, doc in _attribute_docs(tree.body, source):
        if attr == name:
            if not doc:
                break
            shown = text if len(text) <= 100 else text.split("=", 1)[0].strip()
            return [f"### `{name}`\n", f"```python\n{shown}\n```\n", f"{doc}\n"]
    raise MissingDocstring(f"gosms.{name} (in gosms.{module}) has no docstring after its assignment")


def _class(name: str, module: str) -> list[str]:
    source, tree = _parse(module)
    node = _find(tree, name)
    assert isinstance(node, ast.ClassDef), name
    bases = ", ".join(_segment(source, b) for b in node.bases)
    lines = [f"### class `{name}`" + (f"({bases})" if bases else "") + "\n", f"*gosms.{module}*\n",
             _docstring(node, f"gosms.{name}") + "\n"]
    fields = [(attr, text, doc) for attr, text, doc in _attribute_docs(node.body, source)]
    if fields:
        lines.append("Attributes:\n\n" + "\n".join(
            f"- `{text}`" + (f": {' '.join(doc.split())}" if doc else "") for _, text, doc in fields))
    own = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for source, item in [(source, item) for item in node.body] + _inherited(node, tree, own, module):
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        public = not item.name.startswith("_") or item.name in ("__init__", "__enter__", "__aenter__")
        if not public:
            continue
        decorators = {_segment(source, d) for d in item.decorator_list}
        what = f"gosms.{name}.{item.name}"
        if item.name == "__init__":
            doc = ast.get_docstring(item)
            lines.append(f"```python\n{name}({_params(source, item, drop_self=True)})\n```\n")
            if doc:
                lines.append(inspect.cleandoc(doc) + "\n")
            continue
        if "property" in decorators:
            returns = f" -> {_segment(source, item.returns)}" if item.returns is not None else ""
            lines.append(f"#### property `{item.name}`{returns}\n")
        else:
            static = "staticmethod" in decorators
            lines.append(f"#### `{_signature(source, item, drop_self=not static)}`\n")
        lines.append(_docstring(item, what) + "\n")
    return lines


def _inherited(node: ast.ClassDef, tree: ast.Module, own: set[str], module: str) -> list[tuple[str, ast.stmt]]:
    """Methods a class takes from its bases in the package (``Client`` from ``BaseClient``), in their order."""
    found: list[tuple[str, ast.stmt]] = []
    for base in node.bases:
        if not isinstance(base, ast.Name):
            continue
        home = next((imp.module for imp in ast.walk(tree) if isinstance(imp, ast.ImportFrom) and imp.level == 1
                     and imp.module and any(a.name == base.id for a in imp.names)), None)
        if home is None:
            continue
        package = module.rpartition(".")[0]  # the import is relative to the class's own package
        source, base_tree = _parse(f"{package}.{home}" if package else home)
        base_node = _find(base_tree, base.id)
        if isinstance(base_node, ast.ClassDef):
            found += [(source, item) for item in base_node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and item.name not in own and item.name != "__init__"]
    return found


def _function(name: str, module: str) -> list[str]:
    source, tree = _parse(module)
    node = _find(tree, name)
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)), name
    return [f"### `{_signature(source, node, drop_self=False)}`\n", f"*gosms.{module}*\n",
            _docstring(node, f"gosms.{name}") + "\n"]


def render() -> str:
    """The whole page; raises :class:`MissingDocstring` for a public name without one."""
    classes: list[str] = []
    functions: list[str] = []
    constants: list[str] = []
    for name, module in _exports():
        _, tree = _parse(module)
        node = _find(tree, name)
        if isinstance(node, ast.ClassDef):
            classes.extend(_class(name, module))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.extend(_function(name, module))
        else:
            constants.extend(_constant(name, module))
    head = [
        "# `gosms` API reference\n",
        "Generated by `scripts/api_docs.py` from the docstrings of the `gosms` package; do not edit by "
        "hand (`.venv/bin/python scripts/api_docs.py` rewrites it, and a test fails when it is out of "
        "date). Everything here is importable from `gosms`; `AsyncClient` needs the `async` extra "
        "(aiohttp). How the parts fit together: [architecture.md](architecture.md).\n",
        "## Classes\n",
    ]
    page = head + classes + ["## Functions\n"] + functions + ["## Constants\n"] + constants
    return "\n\n".join(block.strip() for block in page) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run scripts/api_docs.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
