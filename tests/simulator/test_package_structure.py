"""The simulator's layering, read from its source: no import circle among its modules (every
import counts, in a function or under `TYPE_CHECKING` too, since either is a circle a reader has
to hold in mind), the server and the protocol import no vendor API, and nothing the sources are
made of imports the simulator (it is a test harness beside them, not a part of them)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

VENDOR_MODULES = {"simulator.facebook", "simulator.google", "simulator.hubspot",
                  "simulator.linkedin"}


def modules(package: str) -> dict[str, Path]:
    """Every module of `package` (a folder at the repository's root) by dotted name."""
    found = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> set[str]:
    """The dotted names module `name` imports, anywhere in it. `from a import b` names `a.b`
    when that is a module, else `a`; that is left to the caller, so both are given."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def graph(package: str) -> dict[str, set[str]]:
    """Each module of `package` and the modules of the same package it imports."""
    own = modules(package)
    return {name: {m for m in imported(name, path) if m in own and m != name}
            for name, path in own.items()}


def test_the_simulator_has_no_import_circle():
    edges = graph("simulator")
    assert "simulator.protocol" in edges and "simulator.server" in edges
    try:
        order = list(TopologicalSorter(edges).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None
    assert set(order) == set(edges)


def test_the_server_and_the_protocol_import_no_vendor_api():
    edges = graph("simulator")
    assert not edges["simulator.server"] & VENDOR_MODULES
    assert not edges["simulator.protocol"] & (VENDOR_MODULES | {"simulator.server"})
    for vendor in VENDOR_MODULES:
        assert "simulator.server" not in edges[vendor], vendor
    assert edges["simulator.apis"] >= VENDOR_MODULES  # the one place that builds them


def test_no_module_under_ingestion_imports_the_simulator():
    importers = sorted(
        name for name, path in modules("ingestion").items()
        if any(m == "simulator" or m.startswith("simulator.") for m in imported(name, path)))
    assert importers == []


def test_the_simulator_imports_no_layer_above_the_sources():
    """It may use the sources' bottom layer (`ingestion.common`), never a source, the pipeline
    that runs it, or the read side (today it imports none of the project outside itself)."""
    above = ("orchestration", "reporting", "expectations", "attribution", "benchmarks",
             "ingestion.facebook_ads", "ingestion.google_ads", "ingestion.linkedin_ads",
             "ingestion.hubspot")
    offending = sorted(
        (name, m) for name, path in modules("simulator").items()
        for m in imported(name, path) if any(m == a or m.startswith(f"{a}.") for a in above))
    assert offending == []
