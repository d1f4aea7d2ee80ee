"""spectra: Jacobians of the joint neuron–synapse system, eigenvalue spectra and random-matrix predictions."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._jacobian import coupling_block as coupling_block
from ._jacobian import full_jacobian as full_jacobian
from ._jacobian import neuronal_jacobian as neuronal_jacobian
from ._jacobian import reduced_jacobian as reduced_jacobian
from ._plot import plot_spectrum as plot_spectrum
from ._plot import plot_spectrum_grid as plot_spectrum_grid
from ._spectrum import Spectrum as Spectrum
from ._spectrum import f_a_theory as f_a_theory
from ._spectrum import jacobian_spectrum as jacobian_spectrum
from ._spectrum import quadratic_eigenvalues as quadratic_eigenvalues
from ._spectrum import split_full_spectrum as split_full_spectrum
from ._support import TOPOLOGIES as TOPOLOGIES
from ._support import SupportTheory as SupportTheory
from ._support import count_outliers as count_outliers
from ._support import edge_tolerance as edge_tolerance
from ._support import outside_distance as outside_distance
from ._support import radius_k0 as radius_k0
from ._support import spectral_support as spectral_support
from ._support import spectral_topology as spectral_topology
from ._support import support_boundary as support_boundary
from ._support import support_function as support_function
from ._support import theory_max_real as theory_max_real

__all__ = [
    "TOPOLOGIES", "Spectrum", "SupportTheory", "count_outliers", "coupling_block", "edge_tolerance",
    "f_a_theory", "full_jacobian", "jacobian_spectrum", "neuronal_jacobian", "outside_distance",
    "plot_spectrum", "plot_spectrum_grid",
    "quadratic_eigenvalues", "radius_k0", "reduced_jacobian", "spectral_support", "spectral_topology",
    "split_full_spectrum", "support_boundary", "support_function", "theory_max_real",
]
