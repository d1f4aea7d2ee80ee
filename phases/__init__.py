"""phases: parameter sweeps (local or Dask), checkpoints, phase diagrams and their plots, and the CLI."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._grid import Grid as Grid
from ._grid import parse_axis as parse_axis
from ._grid import point_seed as point_seed
from ._labels import MARKERS as MARKERS
from ._labels import PHASE_NAMES as PHASE_NAMES
from ._labels import label_phase as label_phase
from ._plot import plot_lyapunov_map as plot_lyapunov_map
from ._plot import plot_phase_diagram as plot_phase_diagram
from ._plot import save_figure as save_figure
from ._points import FREEZE_LINES as FREEZE_LINES
from ._points import BothPoint as BothPoint
from ._points import SimulationPoint as SimulationPoint
from ._points import TheoryPoint as TheoryPoint
from ._points import boundaries as boundaries
from ._points import line_source as line_source
from ._sweep import STATUS_CODES as STATUS_CODES
from ._sweep import CheckpointError as CheckpointError
from ._sweep import masked as masked
from ._sweep import read_checkpoint as read_checkpoint
from ._sweep import status_counts as status_counts
from ._sweep import sweep as sweep

__all__ = [
    "MARKERS",
    "PHASE_NAMES",
    "STATUS_CODES",
    "BothPoint",
    "CheckpointError",
    "Grid",
    "SimulationPoint",
    "TheoryPoint",
    "boundaries",
    "FREEZE_LINES",
    "line_source",
    "label_phase",
    "masked",
    "parse_axis",
    "plot_lyapunov_map",
    "plot_phase_diagram",
    "point_seed",
    "read_checkpoint",
    "save_figure",
    "status_counts",
    "sweep",
]
