"""Layout rules: imports flow one way, nobody imports another package's private modules, and every
top-level package name resolves inside this project (not to a namesake installed elsewhere)."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("neurosyn", "dmft", "spectra", "lyapunov", "fixedpoints", "phases")
# allowed imports between our packages (besides a package importing itself)
ALLOWED = {
    "neurosyn": set(),
    "dmft": {"neurosyn"},
    "spectra": {"neurosyn", "dmft"},
    "lyapunov": {"neurosyn", "spectra"},
    "fixedpoints": {"neurosyn", "spectra", "dmft"},
    "phases": {"neurosyn", "dmft", "spectra", "lyapunov", "fixedpoints"},
}


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("pkg", PACKAGES)
def test_imports_flow_one_way(pkg):
    for path in (ROOT / pkg).rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != pkg:
                assert top in ALLOWED[pkg], f"{path.relative_to(ROOT)} imports {name}: backward edge"
                assert not any(part.startswith("_") for part in name.split(".")[1:]), (
                    f"{path.relative_to(ROOT)} imports private module {name}; import from the package"
                )


@pytest.mark.parametrize("pkg", PACKAGES)
def test_top_level_names_resolve_here(pkg):
    module = importlib.import_module(pkg)
    assert Path(module.__file__).resolve().parent == ROOT / pkg
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{pkg}.__all__ lists {name}, which it does not define"
