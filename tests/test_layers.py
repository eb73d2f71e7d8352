"""The house stays in order: imports flow down, from the pages to the procedures to the rules and models, and no
two modules import each other, not even through an import inside a function. Read from the source (every
import statement of the apps, migrations and management commands included), so a new arrow the wrong way
fails here before anyone has to draw the house to find it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# From the bottom up: an app may import the apps below it, never one above.
APPS = ["common", "audit", "units", "accounts", "periods", "scoring", "assessment", "api"]

# Inside assessment, from the bottom up: the rules and the models, then each stage over those it builds on.
STAGES = [
    {
        "assessment.quota",
        "assessment.annual",
        "assessment.fairness",
        "assessment.models",
        "assessment.migrations",
        "assessment.notify",
    },
    {"assessment.quarter"},
    {"assessment.year"},
    {"assessment.registers"},
    {
        "assessment.dashboards",
        "assessment.analytics",
        "assessment.profile",
        "assessment.home",
        "assessment.admin",
        "assessment.demo",
        "assessment.trail",
    },
    {"assessment.management"},
]


def _modules() -> dict[str, Path]:
    found = {}
    for app in [*APPS, "config"]:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import of the file, inside functions too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            for alias in node.names:
                # ``from package import module`` is an arrow to that module, not to the package's face.
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                found.append((target, [alias.name]))
    return [(target, names) for target, names in found if target in MODULES]


ARROWS = {name: _imports(name, path) for name, path in MODULES.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def _stage(module: str) -> int | None:
    for level, prefixes in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    return None


def test_every_app_imports_only_the_apps_below_it():
    upward = [
        f"{source} -> {target}"
        for source, arrows in ARROWS.items()
        if _app(source) in APPS
        for target, _names in arrows
        if _app(target) != _app(source)
        and (_app(target) == "config" or APPS.index(_app(target)) > APPS.index(_app(source)))
    ]
    assert upward == []


def test_every_stage_of_the_assessment_imports_only_what_lies_below_it():
    upward = [
        f"{source} -> {target}"
        for source, arrows in ARROWS.items()
        for target, _names in arrows
        if _app(source) == _app(target) == "assessment"
        and None not in (_stage(source), _stage(target))
        and _stage(target) > _stage(source)
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    graph = {source: {target for target, _names in arrows if target != source} for source, arrows in ARROWS.items()}
    circles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert circles == []


def test_nothing_outside_the_assessment_takes_a_private_name_from_inside_it():
    private = [
        f"{source} takes {name} from {target}"
        for source, arrows in ARROWS.items()
        if _app(source) != "assessment"
        for target, names in arrows
        if _app(target) == "assessment"
        for name in names
        if name.startswith("_")
    ]
    assert private == []


def test_the_reading_finds_the_arrows_it_checks():
    """The checks above only mean something if the imports are read: a few arrows known to be there."""
    assert ("assessment.quarter.places", ["allocate"]) in ARROWS["assessment.quarter.services"]
    assert ("assessment.quarter.services", ["services"]) in ARROWS["assessment.quarter.views.chain"]
    assert any(target == "periods.models" for target, _ in ARROWS["scoring.models"])
    assert any(target == "assessment.registers.tasks" for target, _ in ARROWS["assessment.registers.services"])
