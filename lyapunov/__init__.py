"""lyapunov: Lyapunov spectra (top by QR, bottom backwards), λ_max by perturbation, Kaplan–Yorke dimension."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._dimension import KaplanYorke as KaplanYorke
from ._dimension import kaplan_yorke_dimension as kaplan_yorke_dimension
from ._perturbation import PerturbationResult as PerturbationResult
from ._perturbation import lambda_max_perturbation as lambda_max_perturbation
from ._qr import LyapunovWarning as LyapunovWarning
from ._qr import lyapunov_spectrum as lyapunov_spectrum
from ._qr import map_spectrum as map_spectrum
from ._result import LyapunovResult as LyapunovResult
from ._result import block_mean_error as block_mean_error

__all__ = [
    "KaplanYorke",
    "LyapunovResult",
    "LyapunovWarning",
    "PerturbationResult",
    "block_mean_error",
    "kaplan_yorke_dimension",
    "lambda_max_perturbation",
    "lyapunov_spectrum",
    "map_spectrum",
]
