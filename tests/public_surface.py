"""The public surface, pinned: every public module, the names it exports and the public members
of its classes.

``tests/public_surface.json`` is the record; ``tests/test_public_surface.py`` fails when a name in
it no longer imports, and when a module exports a name the record does not list (so an addition
is a decision, made by rewriting the record: ``python tests/public_surface.py --write``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path
from typing import Dict, List

RECORD = Path(__file__).with_name("public_surface.json")


def public_modules() -> List[str]:
    import agentos_sync

    names = ["agentos_sync"]
    for info in pkgutil.walk_packages(agentos_sync.__path__, "agentos_sync."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def exported(module_name: str) -> List[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:  # a module without __all__: what it defines itself
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module_name
        ]
    return sorted(names)


def members(obj: object) -> List[str]:
    """The public attributes a user reaches on a class (its own and inherited from the package)."""
    if not inspect.isclass(obj) or not obj.__module__.startswith("agentos_sync"):
        return []
    out = set()
    for klass in obj.__mro__:
        if not klass.__module__.startswith("agentos_sync"):
            continue
        for name in vars(klass):
            if not name.startswith("_") and not name.startswith("model_"):
                out.add(name)
    return sorted(out)


def surface() -> Dict[str, Dict[str, List[str]]]:
    record: Dict[str, Dict[str, List[str]]] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        record[module_name] = {name: members(getattr(module, name)) for name in exported(module_name)}
    return record


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if sys.argv[1:] == ["--write"]:
        # Adds what is new and keeps every name already recorded: a name leaves the public surface
        # only by an edit of the record, made on purpose (a deprecated alias stays recorded).
        record = json.loads(RECORD.read_text()) if RECORD.exists() else {}
        for module_name, names in surface().items():
            for name, new_members in names.items():
                kept = record.setdefault(module_name, {}).get(name, [])
                record[module_name][name] = sorted(set(kept) | set(new_members))
        RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        print(f"wrote {RECORD}")
    else:
        print(json.dumps(surface(), indent=1, sort_keys=True))
