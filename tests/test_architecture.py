"""The architecture of docs/architecture.md, held against the code's own imports: no import
circle anywhere in the package, each room of core/ importing only the rooms below it, and the
frameworks reached through their public face alone (docs/upstream.md)."""

import ast
from pathlib import Path

import tui_gradients

PACKAGE = Path(tui_gradients.__file__).parent
ROOMS = {"objectives": 1, "optimisation": 1, "network": 2, "fast": 3, "runs": 4, "files": 5}
"""core/'s rooms by floor; errors, parsing and limits (floor 0) are under them all."""


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Every module of the package that `path` imports, anywhere in it (also inside functions
    and under TYPE_CHECKING: a circle of type hints is still a circle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found |= {name for name in names if name in MODULES} or {node.module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _circle() -> list[str] | None:
    """One import circle, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    for start in GRAPH:
        stack = [(start, iter(sorted(GRAPH[start])))]
        path = [start]
        state[start] = state.get(start, 0) or 1
        if state[start] == 2:
            continue
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif state.get(child) is None:
                state[child] = 1
                stack.append((child, iter(sorted(GRAPH[child]))))
                path.append(child)
    return None


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) >= 3 and parts[1] == "core" else None


def _floor(module: str) -> int | None:
    parts = module.split(".")
    if parts[1:2] != ["core"] or len(parts) < 3:
        return None
    return ROOMS.get(parts[2], 0)


def test_the_walk_sees_the_imports_it_should():
    assert "tui_gradients.core.objectives.expression" in GRAPH["tui_gradients.core.fast.problems"]
    assert "tui_gradients.arguments" in GRAPH["tui_gradients.serve"]
    assert "tui_gradients.ui.screen" in GRAPH["tui_gradients.ui.palette"]  # a type hint's


def test_no_import_circle_anywhere_in_the_package():
    assert _circle() is None, " -> ".join(_circle() or [])


def test_each_room_of_the_core_imports_only_the_rooms_below_it():
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _floor(module) is not None
        and (_floor(target) is None or _floor(target) > _floor(module))
    ]
    sideways = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _floor(module) is not None
        and _floor(target) == _floor(module) != 0
        and _room(module) != _room(target)
    ]
    assert not upward and not sideways, upward + sideways


def test_no_module_of_the_core_is_much_over_400_lines():
    long = {
        name: len(path.read_text().splitlines())
        for name, path in MODULES.items()
        if _floor(name) is not None and len(path.read_text().splitlines()) > 420
    }
    assert not long, long


OTHERS = ("textual", "textual_plotext", "textual_serve", "plotext", "rich")
"""The frameworks used through their public face (docs/upstream.md)."""
PUBLIC_BY_CONVENTION = {"_replace", "_asdict", "_fields", "_make", "_exit"}
"""Underscored names that are public API: a NamedTuple's methods, os._exit."""
SOURCES = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "tests").rglob("*.py")]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in PUBLIC_BY_CONVENTION


def _own_private_names() -> set[str]:
    """Every underscored name our own code defines: functions, classes, attributes it assigns
    and parameters (what an access to `x._name` may rightly reach)."""
    own = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                own.add(node.target.id)
    return {name for name in own if _is_private(name)}


def test_no_private_module_of_another_package_is_imported():
    imported = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] in OTHERS and any(_is_private(part) for part in parts):
                    imported.append(f"{path.name}: {module}")
    assert imported == []


def test_no_private_attribute_of_another_package_is_reached():
    """`x._name` where `_name` is not one of ours is another package's insides."""
    own = _own_private_names()
    reached = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and _is_private(node.attr) and node.attr not in own:
                reached.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert reached == []


PARTS = ("driver", "plot_view", "outputs", "lesson")
"""The main screen's parts that own their state (screen.py): it calls them, never writes them."""


def test_the_screen_writes_no_field_of_its_parts():
    written = []
    for node in ast.walk(ast.parse((PACKAGE / "ui" / "screen.py").read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            owner = node.value
            if (
                isinstance(owner, ast.Attribute)
                and isinstance(owner.value, ast.Name)
                and owner.value.id == "self"
                and owner.attr in PARTS
            ):
                written.append(f"{node.lineno}: self.{owner.attr}.{node.attr}")
    assert written == []
