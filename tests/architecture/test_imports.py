"""The import graph of ``src/fatura``, read from the source (every ``import`` statement anywhere
in a module: top level, inside functions, under ``TYPE_CHECKING``), and the layering it must keep.

- no cycle between modules (a strongly connected component of more than one module);
- no cycle between apps (``fatura.<app>``; string model references such as ``"billing.Charge"``
  in a ForeignKey count as a dependency of the app that writes them);
- import-linter's contracts (``[tool.importlinter]`` in pyproject.toml: the app layers, core and
  eventlog import no other app, mining imports only core and eventlog, mining's engine, readers,
  writers and kpis import no Django) hold.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
ROOT = "fatura"
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


@dataclass
class ImportGraph:
    modules: set[str] = field(default_factory=set)
    # importer -> imported -> line numbers
    edges: dict[str, dict[str, set[int]]] = field(default_factory=lambda: defaultdict(dict))
    # app -> app -> where (module:line), for string model references
    model_refs: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, importer: str, imported: str, line: int) -> None:
        if importer != imported:
            self.edges[importer].setdefault(imported, set()).add(line)


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _nearest_module(name: str, modules: set[str]) -> str | None:
    """``name`` itself if it is a module of the tree, else its closest ancestor that is."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(
    module: str, is_package: bool, tree: ast.AST, modules: set[str]
) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _nearest_module(alias.name, modules)
                if target:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, is_package, node)
            for alias in node.names:
                # ``from fatura.billing import runs`` imports the submodule fatura.billing.runs.
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in modules else _nearest_module(base, modules)
                if target:
                    yield target, node.lineno


def _app_of_label(label: str) -> str:
    return f"{ROOT}.{label}"


def _model_references(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """App labels named by string model references (``ForeignKey("billing.Charge", ...)``)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in RELATION_FIELDS:
            continue
        target = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "to":
                target = keyword.value
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            label, dot, _model = target.value.partition(".")
            if dot:
                yield label, node.lineno


def build_graph(src: Path = SRC) -> ImportGraph:
    files = sorted((src / ROOT).rglob("*.py"))
    graph = ImportGraph(modules={_module_name(path, src) for path in files})
    for path in files:
        module = _module_name(path, src)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, line in _imports(module, _is_package(path), tree, graph.modules):
            graph.add(module, target, line)
        if "migrations" in path.parts:
            continue  # history: migrations name the models they were written against
        for label, line in _model_references(tree):
            importer, referenced = app_of(module), _app_of_label(label)
            if referenced != importer and referenced in graph.modules:  # not e.g. "auth.User"
                graph.model_refs[importer].setdefault(referenced, set()).add(f"{module}:{line}")
    return graph


def app_of(module: str) -> str:
    """``fatura.billing.services`` -> ``fatura.billing``; top-level modules are their own app."""
    return ".".join(module.split(".")[:2])


def strongly_connected(nodes: Iterable[str], edges: dict[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with more than one node, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def _describe(component: list[str], edges: dict[str, dict[str, set[str]]]) -> str:
    members = set(component)
    lines = [" <-> ".join(component)]
    for source in component:
        for target, where in sorted(edges.get(source, {}).items()):
            if target in members:
                lines.append(f"    {source} -> {target} ({', '.join(sorted(where)[:4])})")
    return "\n".join(lines)


def module_cycles(graph: ImportGraph) -> list[str]:
    edges = {
        source: {target: {f"l.{line}" for line in lines} for target, lines in targets.items()}
        for source, targets in graph.edges.items()
    }
    return [_describe(c, edges) for c in strongly_connected(graph.modules, edges)]


def app_cycles(graph: ImportGraph) -> list[str]:
    edges: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for source, targets in graph.edges.items():
        for target, lines in targets.items():
            if app_of(source) != app_of(target):
                where = {f"{source}:{line}" for line in lines}
                edges[app_of(source)].setdefault(app_of(target), set()).update(where)
    for source_app, refs in graph.model_refs.items():
        for target_app, where in refs.items():
            edges[source_app].setdefault(target_app, set()).update(
                f"{w} (model ref)" for w in where
            )
    apps = {app_of(module) for module in graph.modules}
    return [_describe(c, edges) for c in strongly_connected(apps, edges)]


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return build_graph()


def test_the_scan_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / ROOT / "app"
    package.mkdir(parents=True)
    (tmp_path / ROOT / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from . import b\n    from .c import thing\n")
    (package / "b.py").write_text("import fatura.app.a\n")
    (package / "c.py").write_text("thing = 1\n")
    (tmp_path / ROOT / "other").mkdir()
    (tmp_path / ROOT / "other" / "__init__.py").write_text("")
    (package / "d.py").write_text(
        "from django.db import models\n"
        "class M(models.Model):\n    x = models.ForeignKey('other.Model', on_delete=None)\n"
    )
    graph = build_graph(tmp_path)
    assert graph.edges["fatura.app.a"] == {"fatura.app.b": {2}, "fatura.app.c": {3}}
    assert module_cycles(graph) == [
        "fatura.app.a <-> fatura.app.b\n"
        "    fatura.app.a -> fatura.app.b (l.2)\n"
        "    fatura.app.b -> fatura.app.a (l.1)"
    ]
    assert graph.model_refs["fatura.app"] == {"fatura.other": {"fatura.app.d:3"}}


def test_the_scan_reads_the_whole_tree(graph: ImportGraph) -> None:
    # Function-level imports are in the graph (catalog's services look up other apps lazily).
    assert len(graph.modules) > 200
    assert any(len(targets) for targets in graph.edges.values())


def test_no_cycle_between_modules(graph: ImportGraph) -> None:
    cycles = module_cycles(graph)
    if cycles:
        pytest.fail("import cycles between modules:\n" + "\n".join(cycles), pytrace=False)


def test_no_cycle_between_apps(graph: ImportGraph) -> None:
    cycles = app_cycles(graph)
    if cycles:
        pytest.fail("import cycles between apps:\n" + "\n".join(cycles), pytrace=False)


def _layers() -> dict[str, int]:
    """Each app of the layers contract -> its layer (0 = top)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = (c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return {
        app.strip(): depth
        for depth, layer in enumerate(contract["layers"])
        for app in layer.split("|")
    }


def test_string_model_references_follow_the_layers(graph: ImportGraph) -> None:
    """import-linter does not see ``ForeignKey("receivables.Invoice")``: the same rule, here."""
    layers = _layers()
    wrong = [
        f"{source} -> {target} ({', '.join(sorted(where))})"
        for source, refs in graph.model_refs.items()
        for target, where in refs.items()
        if (source in layers and target in layers and layers[source] >= layers[target])
        or (source == f"{ROOT}.mining" and target not in {f"{ROOT}.core", f"{ROOT}.eventlog"})
    ]
    assert not wrong, "string model references against the layers:\n" + "\n".join(wrong)


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(result.stdout[-6000:] + result.stderr[-2000:], pytrace=False)
