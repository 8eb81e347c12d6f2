"""The package's import graph: every module imports on its own, and no two modules import each
other, not even for types (scripts/import_cycles.py, which also runs in CI through this test)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "agentos_sync"


def _cycles_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" / "import_cycles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_has_no_import_cycles() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "import_cycles.py")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("no import cycles among ")


def test_the_cycle_check_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .a import x\n")  # lazy: still a cycle
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import y\n")
    (pkg / "d.py").write_text("from .c import z\n")
    (pkg / "e.py").write_text("from . import f\n")
    (pkg / "f.py").write_text("import json\n")  # no way back: not a cycle
    tool = _cycles_module()
    assert tool.cycles(tool.edges(tool.module_names(pkg))) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]


def test_every_module_imports_on_its_own() -> None:
    # One fresh interpreter; before each import every module of the package is forgotten, so a
    # module that only works after another one was imported first fails here.
    # (``__main__`` modules run their program when imported: that is their job.)
    names = sorted(n for n in _cycles_module().module_names(PACKAGE) if not n.endswith(".__main__"))
    script = textwrap.dedent(
        f"""
        import importlib, sys
        failed = []
        for name in {names!r}:
            for loaded in [m for m in sys.modules if m == "agentos_sync" or m.startswith("agentos_sync.")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except ImportError as exc:
                if 'pip install "agentos_sync[' not in str(exc):  # an optional extra not installed is fine
                    failed.append(f"{{name}}: {{exc!r}}")
            except Exception as exc:
                failed.append(f"{{name}}: {{exc!r}}")
        print("\\n".join(failed))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr
    assert len(names) > 40


def test_callables_module_imports_nothing_of_the_package() -> None:
    tree = ast.parse((PACKAGE / "_callables.py").read_text())
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    absolute = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level]
    absolute += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert relative == [] and [m for m in absolute if m and m.startswith("agentos_sync")] == []


def test_dir_of_the_package_lists_its_public_names_not_its_typing_imports() -> None:
    import agentos_sync

    listed = dir(agentos_sync)
    assert not {"Any", "List", "TYPE_CHECKING", "annotations"} & set(listed)
    assert set(agentos_sync.__all__) <= set(listed)
    assert "run_many" in listed and "__version__" in listed


def test_the_example_servers_sqlite_files_are_ignored_by_git() -> None:
    # SQLite in WAL mode keeps agentos.db-wal and agentos.db-shm beside agentos.db while it runs.
    root = Path(__file__).resolve().parent.parent
    names = ["agentos.db", "agentos.db-wal", "agentos.db-shm", "examples/agentos.db-wal"]
    ignored = subprocess.run(["git", "check-ignore", *names], cwd=root, capture_output=True, text=True)
    assert ignored.stdout.split() == names, ignored.stdout + ignored.stderr
