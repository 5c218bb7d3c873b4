"""The package's layers (docs/architecture.md, "Layers"): every import goes down or sideways,
no modules import each other in a circle, no module outgrows one sitting, and no parameter that
holds one of the package's handles (catalog, blockstore, plan …) is typed ``Any``.

Imports are read from the sources (``ast``), those inside functions too, so a deferred import
cannot hide a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "permapress"

# Lowest first. A module may import its own layer and the ones below it, never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("permapress", "errors", "config", "staging", "watchdog", "demo", "jsonsafe", "sitepaths",
     "progress"),
    ("ipfs",),
    ("articles",),
    ("catalog",),
    ("trust",),
    ("handle",),
    ("site",),
    ("publish",),
    ("server",),
    ("newsroom",),
    ("cli", "admin"),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}

# Upward imports that are known and have an issue of their own; this list only shrinks.
KNOWN_UPWARD: set[tuple[str, str]] = set()

# Circles that are known and have an issue of their own; this list only shrinks. A new circle
# fails the test.
KNOWN_CYCLES: list[list[str]] = []

MODULE_LINES = 400
# Modules over that (dotted names), with an issue of their own; this list only shrinks.
KNOWN_LONG: set[str] = set()


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The permapress modules ``path`` imports (a name imported from a package counts as its
    submodule when there is one)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
    return {name for name in found if name.split(".")[0] == "permapress" and name != module}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) & known for name, path in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    part = parts[1] if len(parts) > 1 else parts[0]
    assert part in RANK, f"{module}: which layer is it in? add it to LAYERS and the docs"
    return RANK[part]


def test_every_module_is_in_a_layer() -> None:
    for module in _modules():
        _layer(module)


def test_no_import_goes_up_a_layer() -> None:
    upward = sorted(
        (module, target)
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module) and (module, target) not in KNOWN_UPWARD
    )
    assert upward == [], "imports up a layer (see docs/architecture.md):\n" + "\n".join(
        f"  {module} -> {target}" for module, target in upward
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _parents_removed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Leave out a package's imports of its own submodules (``__init__`` re-exporting them):
    importing ``a.b`` runs ``a/__init__.py`` first, which is not a cycle in the code."""
    def related(a: str, b: str) -> bool:
        return a.startswith(b + ".") or b.startswith(a + ".")

    return {
        module: {t for t in targets if not related(module, t)} for module, targets in graph.items()
    }


def test_no_modules_import_each_other_in_a_circle() -> None:
    cycles = [c for c in _cycles(_parents_removed(_graph())) if c not in KNOWN_CYCLES]
    assert cycles == [], "import cycles:\n" + "\n".join("  " + " <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_imports_inside_functions_count(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from permapress.site import build\n", encoding="utf-8")
    known = {"permapress.site", "permapress.site.build"}
    assert _imports(source, "permapress.x", known) == known


def test_no_module_outgrows_one_sitting() -> None:
    long = sorted(
        f"{name} has {lines} lines"
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
        and name not in KNOWN_LONG
    )
    assert long == [], "modules to split by idea:\n" + "\n".join(f"  {line}" for line in long)


# Parameters and attributes that always hold one of the package's own handles: their type is
# known, so ``Any`` there only hides mistakes from mypy.
HANDLES = {
    "catalog", "blocks", "blockstore", "newsroom", "plan", "get", "getter", "store", "conn",
    "theme", "site", "config", "cache", "pool", "server",
}  # fmt: skip


def _any_handles(path: Path, module: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.arg):
            name, annotation = node.arg, node.annotation
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute | ast.Name):
            target = node.target
            name = target.attr if isinstance(target, ast.Attribute) else target.id
            annotation = node.annotation
        else:
            continue
        if name in HANDLES and isinstance(annotation, ast.Name) and annotation.id == "Any":
            found.append(f"{module}:{node.lineno} {name}: Any")
    return found


def test_no_handle_is_typed_any() -> None:
    found = [hit for name, path in _modules().items() for hit in _any_handles(path, name)]
    assert found == [], "give these their type (or a Protocol):\n" + "\n".join(
        f"  {hit}" for hit in found
    )


def _private_imports(path: Path, module: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level == 0 and not source.startswith("permapress"):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{module}:{node.lineno} imports {source}.{alias.name}")
    return found


def test_no_module_takes_another_modules_private_names() -> None:
    """A name another module needs is public (the old quick path took 21 private names from the
    build and cleared its memo)."""
    found = [hit for name, path in _modules().items() for hit in _private_imports(path, name)]
    assert found == [], "make these public where they live:\n" + "\n".join(
        f"  {hit}" for hit in found
    )


# Where the site's files live is written in permapress/sitepaths.py alone (the URL scheme and
# relative depths), in the lowest layer: the site writes those files and the layers below it
# (trust's check of a published site) read them by the same names.
URL_SCHEME_HOME = {"permapress.sitepaths"}
KNOWN_URL_LITERALS: set[str] = set()
_SCHEME = re.compile(r"^(\.\./)*(articles|categories|authors|archive|sitemaps)/|\.\./\.\./")


def _url_literals(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_bytes(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{module}:{node.lineno} {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and _SCHEME.search(node.value)
    ]


def test_the_url_scheme_is_written_in_paths_only() -> None:
    found = [
        hit
        for name, path in _modules().items()
        if name not in URL_SCHEME_HOME | KNOWN_URL_LITERALS
        for hit in _url_literals(path, name)
    ]
    assert found == [], "take these from permapress.sitepaths:\n" + "\n".join(
        f"  {hit}" for hit in found
    )
