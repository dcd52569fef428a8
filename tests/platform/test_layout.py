"""The layout as executable rules: each feature is a package under app/; `app/core` imports no
feature; no two features import each other, directly or round a longer circle, counting
imports inside functions (imports under `if TYPE_CHECKING:` excepted); no module imports
another feature's `views`; importing the case workflow loads none of the features built on
cases. Records and the exchange are separate features."""

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def _feature(module: str) -> str | None:
    """The feature a dotted module name belongs to: app.<feature>.…"""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "app" else None


def _type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under `if TYPE_CHECKING:`, which never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imported_modules(tree: ast.AST, package: str):
    skipped = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from app.x import views`
                yield node.lineno, f"{module}.{alias.name}"


def cross_feature_view_imports(root: Path = APP) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        name = ".".join(relative.parts)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        if path.name == "__init__.py":
            name = package = name.removesuffix(".__init__")
        own = _feature(name + ".x")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree, package):
            parts = module.split(".")
            views = len(parts) >= 3 and parts[0] == "app" and parts[2] == "views"
            hit = f"{relative}.py:{lineno} imports {'.'.join(parts[:3])}"
            if views and parts[1] != own and hit not in found:
                found.append(hit)
    return found


def test_no_module_imports_another_features_views():
    assert cross_feature_view_imports() == []


def test_the_check_sees_a_cross_feature_import(tmp_path):
    feature = tmp_path / "app" / "dossiers"
    feature.mkdir(parents=True)
    (feature / "loader.py").write_text(
        "from app.protection.views import KIND_LABELS\n"
        "from app.dossiers.views import x\n"
        "from app.records import views\n"
        "from . import views as own\n"
        "from ..notes import views as notes\n",
        encoding="utf-8",
    )
    assert cross_feature_view_imports(tmp_path / "app") == [
        "app/dossiers/loader.py:1 imports app.protection.views",
        "app/dossiers/loader.py:3 imports app.records.views",
        "app/dossiers/loader.py:5 imports app.notes.views",
    ]


def test_records_and_exchange_are_separate_features():
    records = {p.name for p in (APP / "records").glob("*.py")}
    exchange = {p.name for p in (APP / "exchange").glob("*.py")}
    assert {"models.py", "services.py", "permissions.py", "serialize.py", "views.py"} <= records
    assert {"envelopes.py", "receive.py", "api.py", "tasks.py", "views.py"} <= exchange
    # This node's key pair and the envelope seal: records and the audit checkpoints sign too.
    assert {"node.py", "envelopes.py"} <= {p.name for p in (APP / "core").glob("*.py")}
    source = (APP / "exchange" / "services.py").read_text(encoding="utf-8")
    for name in ("def draft_record", "def approve_record", "def visible_records", "def can_"):
        assert name not in source.replace("def can_manage_peers", "")


def _module_names(root: Path):
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        name = ".".join(relative.parts)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        if path.name == "__init__.py":
            name = package = name.removesuffix(".__init__")
        yield path, relative, name, package


def feature_imports(root: Path = APP) -> dict[tuple[str, str], str]:
    """(importing feature, imported feature) -> where the first such import stands."""
    features = {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    edges: dict[tuple[str, str], str] = {}
    for path, relative, name, package in _module_names(root):
        own = _feature(name + ".x")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree, package):
            other = _feature(module + ".x") if module.startswith("app.") else None
            if other and own and other != own and other in features:
                edges.setdefault((own, other), f"{relative}.py:{lineno} imports {module}")
    return edges


def core_imports(root: Path = APP) -> list[str]:
    return [where for (own, _other), where in feature_imports(root).items() if own == "core"]


def import_circles(root: Path = APP) -> list[str]:
    """Every circle among features, each named by the imports that close it."""
    # core's own imports are the core rule's to report
    edges = {pair: where for pair, where in feature_imports(root).items() if pair[0] != "core"}
    graph: dict[str, set[str]] = {}
    for own, other in edges:
        graph.setdefault(own, set()).add(other)

    def path(start: str, goal: str) -> list[str] | None:
        seen, stack = {start}, [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == goal:
                    return [*trail, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    found, reported = [], set()
    for own, other in sorted(edges):
        back = path(other, own)
        if back is None:
            continue
        circle = [own, *back]
        key = frozenset(itertools.pairwise(circle))
        if key in reported:
            continue
        reported.add(key)
        found.append(" -> ".join(edges[(a, b)] for a, b in itertools.pairwise(circle)))
    return found


def test_core_imports_no_feature():
    assert core_imports() == []


def test_no_import_circle_between_features():
    assert import_circles() == []


def test_the_rules_see_circles_and_core_imports(tmp_path):
    for feature, text in {
        "core": "def f():\n    from app.cases.models import Case\n",
        "cases": "from app.core import x\n\ndef g():\n    from app.committees import y\n",
        "committees": "from app.cases.models import Case\n",
        "records": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from app.exchange import z\n",
        "exchange": "from app.records import models\n",
    }.items():
        (tmp_path / "app" / feature).mkdir(parents=True)
        (tmp_path / "app" / feature / "__init__.py").write_text(text, encoding="utf-8")
    root = tmp_path / "app"
    assert core_imports(root) == ["app/core/__init__.py:2 imports app.cases.models"]
    assert import_circles(root) == [
        "app/cases/__init__.py:4 imports app.committees -> "
        "app/committees/__init__.py:1 imports app.cases.models"
    ]


def test_the_case_workflow_loads_no_feature_built_on_cases():
    code = (
        "import sys, app.cases.workflow\n"
        "print(' '.join(sorted({m.split('.')[1] for m in sys.modules if m.startswith('app.')})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=APP.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "cases" in loaded
    assert not {"committees", "records", "exchange", "statistics", "joint"} & set(loaded)


def imports_of(lower: str, upper: str, root: Path = APP) -> list[str]:
    """Every import of app.<upper> by the modules of app/<lower>, inside functions too."""
    found = []
    for path in sorted((root / lower).rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree, package):
            hit = f"{relative}.py:{lineno} imports {module}"
            if module.split(".")[:2] == ["app", upper] and hit not in found:
                found.append(hit)
    return found


# (lower, upper): the upper feature builds on the lower one, which never imports it back.
ONE_WAY = [
    ("core", "exchange"),  # node keys and envelope seals are core's; the exchange uses them
    ("records", "exchange"),  # records announces its versions; the exchange delivers them
    ("evidence", "committees"),  # committees marks evidence for a panel
    ("notes", "committees"),  # and notes
    ("reporting", "records"),  # records registers the subject's objection on the portal
]


@pytest.mark.parametrize(("lower", "upper"), ONE_WAY)
def test_a_feature_never_imports_the_one_built_on_it(lower, upper):
    assert imports_of(lower, upper) == []


def test_the_one_way_check_sees_an_import_inside_a_function(tmp_path):
    feature = tmp_path / "app" / "records"
    feature.mkdir(parents=True)
    (feature / "views.py").write_text(
        "def page():\n    from app.exchange import tasks\n    from ..exchange.models import X\n",
        encoding="utf-8",
    )
    assert imports_of("records", "exchange", tmp_path / "app") == [
        "app/records/views.py:2 imports app.exchange",
        "app/records/views.py:2 imports app.exchange.tasks",
        "app/records/views.py:3 imports app.exchange.models",
        "app/records/views.py:3 imports app.exchange.models.X",
    ]
