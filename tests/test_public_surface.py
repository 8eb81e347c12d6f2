"""Every name a user imports still imports, with the members it had (issue 26: the house moved,
the doors did not)."""

from __future__ import annotations

import importlib
import json
import warnings

import pytest
from public_surface import RECORD, exported, members, public_modules

PINNED = json.loads(RECORD.read_text())


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_pinned_names_still_import(module_name: str) -> None:
    module = importlib.import_module(module_name)
    # Deprecated names stay importable (with a DeprecationWarning): what is pinned is that they import.
    warnings.simplefilter("ignore", DeprecationWarning)
    for name, pinned_members in PINNED[module_name].items():
        assert hasattr(module, name), f"{module_name}.{name} no longer imports"
        missing = set(pinned_members) - set(members(getattr(module, name)))
        assert not missing, f"{module_name}.{name} lost {sorted(missing)}"


def test_no_unrecorded_public_names() -> None:
    """An addition to the public surface is written into the record on purpose."""
    for module_name in public_modules():
        added = set(exported(module_name)) - set(PINNED.get(module_name, {}))
        assert not added, (
            f"{module_name} exports {sorted(added)}, not in tests/public_surface.json; "
            "run `python tests/public_surface.py --write` if that is intended"
        )
