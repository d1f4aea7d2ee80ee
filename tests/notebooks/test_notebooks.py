"""Execute every figure notebook at its QUICK defaults; any error, including its closing check, fails.

Each notebook ends with an assert of a headline number against theory, so a passing run means both that the
notebook runs on the public API and that its numbers agree with the theory within the stated tolerance.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the [dev] extra (nbformat, nbclient, ipykernel)")
nbclient = pytest.importorskip("nbclient", reason="install the [dev] extra (nbformat, nbclient, ipykernel)")

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_S = 300  # per cell; each notebook takes at most ~40 s at its QUICK defaults on an idle 2-core machine


def test_all_figure_notebooks_present():
    """The eight figure notebooks of the paper exist (a deleted notebook must not pass silently)."""
    names = {nb.stem[:2] for nb in NOTEBOOKS}
    assert names == {f"{i:02d}" for i in range(1, 9)}, sorted(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), "no cell tagged 'parameters'"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code), "commit notebooks without outputs"
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError with the traceback of the failing cell
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s")
