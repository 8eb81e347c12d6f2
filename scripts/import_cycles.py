"""List the import cycles among the modules of a package (exit 1 when there is one).

Every ``import`` counts: at module level, inside a function (a lazy import still ties two modules
together) and under ``if TYPE_CHECKING:`` (a type-only import is still one module that must be
read to understand the other: a circle of types is a circle of knowledge). ``from . import x``
counts as importing the submodule ``x`` when there is one, else the package itself (importing a
name from a package's ``__init__`` runs it).

Usage: ``python scripts/import_cycles.py [PACKAGE_DIR]`` (default: ``agentos_sync`` beside this
script's parent). Prints ``no import cycles among N modules`` or one cycle a line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Dict, List, Optional, Set


def module_names(root: Path) -> Dict[str, Path]:
    """``package.sub.module`` -> file, for every .py file below ``root`` (a package directory)."""
    out: Dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(tree: ast.AST) -> List[ast.stmt]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def edges(modules: Dict[str, Path]) -> Dict[str, Set[str]]:
    """Each module -> the package modules it imports (at run time or for types)."""
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: List[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base: Optional[str] = node.module
                if node.level:
                    anchor = package.split(".")
                    if node.level > 1:
                        anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                if base is None:
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # importing a.b.c runs a and a.b first: the nearest known module stands for it
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    out: List[List[str]] = []
    counter = 0

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
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

    sys.setrecursionlimit(max(1000, 10 * len(graph)))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out)


def main(argv: List[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "agentos_sync"
    modules = module_names(root)
    found = cycles(edges(modules))
    if not found:
        print(f"no import cycles among {len(modules)} modules")
        return 0
    for component in found:
        print("cycle: " + " <-> ".join(component))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
