"""The house's structure, read from the code's own imports (every `import`, at module level or
inside a function): each package imports only the layers below it, and no module imports
itself back through others (docs/architecture.md)."""

import ast
from pathlib import Path

from core.paths import REPO_ROOT

# From the bottom up; a package may import its own modules and those of lower layers only.
LAYERS = (
    ("core", "attribution"),
    ("ingestion",),
    ("simulator", "expectations", "reporting"),
    ("orchestration",),
    ("benchmarks",),
)
LAYER = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


def modules() -> dict[str, Path]:
    found = {}
    for package in LAYER:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from package import module` imports that module; `from module import name`,
                # the module
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known
                           else node.module for a in node.names]
            else:
                continue
            for target in targets:
                if target in known and target != name:
                    imported.add(target)
                elif target not in known and target.split(".")[0] in LAYER:
                    raise AssertionError(f"{name} imports {target}, which is not a module here")
        graph[name] = imported
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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


def test_every_package_imports_only_the_layers_below_it():
    graph = import_graph()
    assert len(graph) > 100  # the whole project was read
    upward = sorted(f"{module} imports {other}"
                    for module, imported in graph.items() for other in imported
                    if module.split(".")[0] != other.split(".")[0]
                    and LAYER[other.split(".")[0]] >= LAYER[module.split(".")[0]])
    assert upward == []


def test_no_module_imports_itself_back():
    assert cycles(import_graph()) == []


def test_the_check_sees_a_circle_and_an_upward_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    graph = import_graph()
    assert "core.settings" in graph["orchestration.cli"]  # an import down is seen


def test_test_modules_have_unique_names():
    # pytest imports test folders without packages by their file name: two files of one
    # name in two folders stop the whole collection ("import file mismatch")
    seen: dict[str, list[str]] = {}
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        if not (path.parent / "__init__.py").exists():
            seen.setdefault(path.name, []).append(str(path.relative_to(REPO_ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
