"""The package's import structure, read from the source (no import runs).

* ``tinykeras.core`` imports nothing from the rest of tinykeras, at module
  or function level: the packages above plug in through
  ``registry.HOOKS``.
* The packages (``tinykeras.<name>``, top-level modules included) import
  each other at module level without a cycle.  A function-level import
  may point back up only to break such a cycle, and says so in a comment
  on its line or the line above.
"""
import ast
import os
from collections import defaultdict

import tinykeras

ROOT = os.path.dirname(tinykeras.__file__)


def _modules():
    """{dotted name: path} of every module of the package."""
    out = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return out


MODULES = _modules()


def _targets(module, node, is_package):
    """The tinykeras modules an import statement names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "tinykeras"]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        full = ".".join(base + ([node.module] if node.module else []))
    else:
        full = node.module or ""
    if full.split(".")[0] != "tinykeras":
        return []
    submodules = [f"{full}.{a.name}" for a in node.names if f"{full}.{a.name}" in MODULES]
    return submodules if full == "tinykeras" and submodules else [full] + submodules


def _imports():
    """(module, target, function_level, line, commented) for every import of tinykeras."""
    found = []
    for module, path in MODULES.items():
        source = open(path, encoding="utf-8").read()
        lines = source.splitlines()

        def visit(node, depth):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    line = child.lineno
                    commented = "#" in lines[line - 1] or lines[line - 2].strip().startswith("#")
                    for target in _targets(module, child, path.endswith("__init__.py")):
                        found.append((module, target, depth > 0, line, commented))
                inner = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                visit(child, depth + inner)
        visit(ast.parse(source), 0)
    return found


IMPORTS = _imports()


def _package(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _cycles(edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(edges):
        if v not in index:
            connect(v)
    return out


def test_the_walk_sees_the_imports():
    assert len(MODULES) > 150
    assert ("tinykeras.core.tensor", "tinykeras.core.registry", False) in {i[:3] for i in IMPORTS}
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_core_imports_nothing_from_the_rest_of_the_package():
    upward = [f"{m}:{line} imports {t}" for m, t, _, line, _ in IMPORTS
              if _package(m) == "core" and _package(t) != "core"]
    assert upward == []


def test_no_import_cycle_between_packages():
    edges = defaultdict(set)
    for module, target, function_level, _, _ in IMPORTS:
        a, b = _package(module), _package(target)
        if not function_level and a and b and a != b:
            edges[a].add(b)
    assert _cycles(edges) == []


def test_function_level_imports_into_lower_packages_are_explained():
    """A function-level import that goes *up* (the imported package imports
    the importer's package at module level, so a top-level import would
    close a cycle) must say so in a comment."""
    module_level = defaultdict(set)
    for module, target, function_level, _, _ in IMPORTS:
        if not function_level:
            module_level[_package(module)].add(_package(target))

    def reaches(a, b):
        seen, todo = set(), [a]
        while todo:
            for c in module_level[todo.pop()] - seen:
                seen.add(c)
                todo.append(c)
        return b in seen

    silent = [f"{m}:{line} imports {t}" for m, t, fl, line, commented in IMPORTS
              if fl and not commented and _package(m) != _package(t) and reaches(_package(t), _package(m))]
    assert silent == []
