"""The architecture, checked from the source: each layer imports only the layers below it, the domain core stays
free of web, database and chart libraries, blueprints never import one another, and no module imports itself back
through others."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from factories import ROOT

# Layers from the bottom up; a module may import its own layer and those below. Reports and spreadsheets stand side
# by side: neither imports the other.
LAYERS = {
    "questionnaires": 0,
    "assessment": 1,
    "storage": 2,
    "spreadsheets": 3,
    "reports": 3,
    "jobs": 4,
    "web": 5,
    "cli": 6,
    "app": 7,
    "wsgi": 8,
}
SCRIPTS = {"benchmarks": {"questionnaires", "assessment", "storage", "spreadsheets", "reports", "jobs", "app"},
           "migrations": {"storage"}}
# What the pure domain core (and the questionnaire model beneath it) may import besides itself.
CORE_THIRD_PARTY = {"numpy", "pydantic", "yaml"}
CORE = {"questionnaires", "assessment"}


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every first-party Python file."""
    found = {}
    for top in [*LAYERS, *SCRIPTS]:
        single = root / f"{top}.py"
        if single.is_file():
            found[top] = single
        for path in sorted((root / top).rglob("*.py")) if (root / top).is_dir() else ():
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module a file imports, anywhere in it (functions included), as absolute dotted names.

    `from package import name` yields `package.name`: a submodule when there is one, else a name inside `package`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def first_party(name: str, known: dict[str, Path]) -> str | None:
    """The first-party module a dotted import refers to (its longest known prefix), or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def is_blueprint(path: Path) -> bool:
    """A web module that defines a blueprint `bp`."""
    return any(isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "bp" for t in node.targets)
               for node in ast.parse(path.read_text(encoding="utf-8")).body)


def area(module: str) -> str:
    """The user-facing area a web module belongs to: web.api for the API's parts, else the module itself."""
    return "web.api" if module.startswith("web.api") else module


def violations(root: Path) -> list[str]:
    """Every import that breaks the layering, as 'importer -> imported: why'."""
    known = modules(root)
    graph = {name: {first_party(i, known) for i in imports(path, name)} - {None, name} for name, path in known.items()}
    problems = []
    for name, path in known.items():
        top = name.split(".")[0]
        for target in sorted(graph[name]):
            target_top = target.split(".")[0]
            if top in SCRIPTS:
                if target_top not in SCRIPTS[top] and target_top != top:
                    problems.append(f"{name} -> {target}: {top}/ may import only {sorted(SCRIPTS[top])}")
            elif target_top in SCRIPTS:
                problems.append(f"{name} -> {target}: {target_top}/ holds scripts, not code to import")
            elif LAYERS[target_top] > LAYERS[top] or (LAYERS[target_top] == LAYERS[top] and target_top != top):
                problems.append(f"{name} -> {target}: {top}/ is below or beside {target_top}/")
            if top == "web" and target_top == "web" and area(name) != area(target) and is_blueprint(path) \
                    and is_blueprint(known[target]):
                problems.append(f"{name} -> {target}: a blueprint imports another blueprint")
        if top in CORE:
            for head in sorted({imported.split(".")[0] for imported in imports(path, name)}):
                if head and head not in LAYERS and head not in CORE_THIRD_PARTY and head not in sys.stdlib_module_names:
                    problems.append(f"{name} -> {head}: the domain core imports only the standard library, "
                                    f"{', '.join(sorted(CORE_THIRD_PARTY))}")
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as a sorted list."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def test_the_source_tree_keeps_its_layers():
    assert violations(ROOT) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("files", "expected"), [
    ({"assessment/scoring.py": "from flask import current_app\n"},
     ["assessment.scoring -> flask: the domain core imports only the standard library, numpy, pydantic, yaml"]),
    ({"assessment/scoring.py": "def f():\n    import sqlmodel\n"},
     ["assessment.scoring -> sqlmodel: the domain core imports only the standard library, numpy, pydantic, yaml"]),
    ({"storage/db.py": "", "assessment/history.py": "from storage.db import x\n"},
     ["assessment.history -> storage.db: assessment/ is below or beside storage/"]),
    ({"web/results.py": "", "reports/batch.py": "from web import results\n"},
     ["reports.batch -> web.results: reports/ is below or beside web/"]),
    ({"spreadsheets/rows.py": "", "reports/batch.py": "import spreadsheets.rows\n"},
     ["reports.batch -> spreadsheets.rows: reports/ is below or beside spreadsheets/"]),
    ({"web/survey.py": "bp = Blueprint('survey', __name__)\n",
      "web/roadmap.py": "from web.survey import open_assessment\nbp = Blueprint('roadmap', __name__)\n"},
     ["web.roadmap -> web.survey: a blueprint imports another blueprint"]),
    ({"web/results.py": "bp = 1\n", "benchmarks/scoring.py": "from web.results import f\n"},
     ["benchmarks.scoring -> web.results: benchmarks/ may import only "
      "['app', 'assessment', 'jobs', 'questionnaires', 'reports', 'spreadsheets', 'storage']"]),
    ({"reports/a.py": "from reports import b\n", "reports/b.py": "from . import a\n"},
     ["import cycle: reports.a -> reports.b"]),
])
def test_the_check_finds_each_kind_of_breach(tmp_path, files, expected):
    assert violations(write(tmp_path, files)) == expected


def test_the_check_lets_a_layered_tree_pass(tmp_path):
    files = {"questionnaires/schema.py": "import yaml\nimport pydantic\n",
             "assessment/scoring.py": "import numpy\nfrom questionnaires.schema import x\nimport json\n",
             "storage/db.py": "import sqlalchemy\nfrom assessment.scoring import score\n",
             "web/catalog.py": "from storage.db import get_session\n",
             "web/survey.py": "from web.catalog import get\nbp = Blueprint('survey', __name__)\n",
             "web/api/core.py": "bp = Blueprint('api', __name__)\n",
             "web/api/views.py": "from web.api.core import bp\nfrom web.catalog import get\n",
             "app.py": "from web import survey\nfrom web.api import core\n"}
    assert violations(write(tmp_path, files)) == []
