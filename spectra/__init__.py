"""spectra: Jacobians of the joint neuron–synapse system, eigenvalue spectra and random-matrix predictions."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._jacobian import coupling_block as coupling_block
from ._jacobian import full_jacobian as full_jacobian
from ._jacobian import neuronal_jacobian as neuronal_jacobian
from ._jacobian import reduced_jacobian as reduced_jacobian
from ._plot import plot_spectrum as plot_spectrum
from ._plot import plot_spectrum_grid as plot_spectrum_grid
from ._pruning import PruneResult as PruneResult
from ._pruning import clustered_network as clustered_network
from ._pruning import estimate_covariance as estimate_covariance
from ._pruning import generalized_eigenvalue_range as generalized_eigenvalue_range
from ._pruning import homogeneous_network as homogeneous_network
from ._pruning import magnitude_prune as magnitude_prune
from ._pruning import noise_prune as noise_prune
from ._pruning import parse_budget as parse_budget
from ._pruning import prune_couplings as prune_couplings
from ._pruning import relaxation_error as relaxation_error
from ._pruning import relu_active_prune as relu_active_prune
from ._pruning import slowest_eigenvalue_error as slowest_eigenvalue_error
from ._pruning import stationary_covariance as stationary_covariance
from ._pruning import system_matrix as system_matrix
from ._pruning import uniform_prune as uniform_prune
from ._spectrum import Spectrum as Spectrum
from ._spectrum import TrajectorySpectra as TrajectorySpectra
from ._spectrum import f_a_theory as f_a_theory
from ._spectrum import jacobian_spectrum as jacobian_spectrum
from ._spectrum import quadratic_eigenvalues as quadratic_eigenvalues
from ._spectrum import split_full_spectrum as split_full_spectrum
from ._spectrum import trajectory_spectra as trajectory_spectra
from ._support import TOPOLOGIES as TOPOLOGIES
from ._support import SupportTheory as SupportTheory
from ._support import count_outliers as count_outliers
from ._support import edge_tolerance as edge_tolerance
from ._support import outside_distance as outside_distance
from ._support import radius_k0 as radius_k0
from ._support import spectral_support as spectral_support
from ._support import spectral_topology as spectral_topology
from ._support import state_support as state_support
from ._support import support_boundary as support_boundary
from ._support import support_function as support_function
from ._support import theory_max_real as theory_max_real

__all__ = [
    # noise-driven pruning (Moore & Chaudhuri 2020)
    "PruneResult",
    "clustered_network",
    "estimate_covariance",
    "generalized_eigenvalue_range",
    "homogeneous_network",
    "magnitude_prune",
    "noise_prune",
    "parse_budget",
    "prune_couplings",
    "relaxation_error",
    "relu_active_prune",
    "slowest_eigenvalue_error",
    "stationary_covariance",
    "system_matrix",
    "uniform_prune",
    "TOPOLOGIES",
    "Spectrum",
    "TrajectorySpectra",
    "SupportTheory",
    "count_outliers",
    "coupling_block",
    "edge_tolerance",
    "f_a_theory",
    "full_jacobian",
    "jacobian_spectrum",
    "neuronal_jacobian",
    "outside_distance",
    "plot_spectrum",
    "plot_spectrum_grid",
    "quadratic_eigenvalues",
    "radius_k0",
    "reduced_jacobian",
    "spectral_support",
    "spectral_topology",
    "split_full_spectrum",
    "state_support",
    "support_boundary",
    "support_function",
    "theory_max_real",
    "trajectory_spectra",
]
