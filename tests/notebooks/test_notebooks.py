"""Execute every figure notebook at its QUICK defaults; any error, including its closing check, fails.

Each notebook ends with an assert of a headline number against theory, so a passing run means both that the
notebook runs on the public API and that its numbers agree with the theory within the stated tolerance.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbclient  # the [dev] extra (nbclient, nbformat, ipykernel); a missing one fails, never skips
import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_S = 300  # per cell; QUICK notebooks take ~30–90 s of kernel CPU each (see their parameters cells)


def test_all_figure_notebooks_present():
    """The figure notebooks (01–09) exist: a deleted one must not pass silently."""
    names = {nb.stem[:2] for nb in NOTEBOOKS}
    missing = {f"{i:02d}" for i in range(1, 10)} - names
    assert not missing, f"figure notebooks missing: {sorted(missing)}"


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
