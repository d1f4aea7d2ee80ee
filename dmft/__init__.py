"""Stationary dynamical mean-field theory of the plastic network, the exact k = 0 (SCS) solution and the
transition lines. Public API; implementation modules are private."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._fields import circulant_spectrum as circulant_spectrum
from ._fields import field_from_white as field_from_white
from ._fields import sample_gaussian_field as sample_gaussian_field
from ._freezable_lines import Boundaries as Boundaries
from ._freezable_lines import BoundarySettings as BoundarySettings
from ._freezable_lines import FreezePhase as FreezePhase
from ._freezable_lines import LimitSolution as LimitSolution
from ._freezable_lines import freezable_boundaries as freezable_boundaries
from ._freezable_lines import freeze_limit as freeze_limit
from ._freezable_lines import freeze_phase as freeze_phase
from ._freezable_lines import h_limit as h_limit
from ._freezable_lines import k_freezable as k_freezable
from ._freezable_lines import k_semifreezable as k_semifreezable
from ._freezable_lines import quick_settings as quick_settings
from ._line_table import APEX_K as APEX_K
from ._line_table import G_RELIABLE as G_RELIABLE
from ._line_table import LineTable as LineTable
from ._line_table import add_provenance as add_provenance
from ._line_table import from_apex as from_apex
from ._line_table import load_lines as load_lines
from ._line_table import tabulated_lines as tabulated_lines
from ._line_table import tabulated_p as tabulated_p
from ._memory import HebbianKernel as HebbianKernel
from ._memory import MemoryTerm as MemoryTerm
from ._memory import NoDecayKernel as NoDecayKernel
from ._memory import PowerLawKernel as PowerLawKernel
from ._memory import RuleKernel as RuleKernel
from ._memory import SelfCoupling as SelfCoupling
from ._memory import STDPKernel as STDPKernel
from ._memory import rule_memory as rule_memory
from ._scs import LyapunovDMFT as LyapunovDMFT
from ._scs import SCSSolution as SCSSolution
from ._scs import energy_residual as energy_residual
from ._scs import gaussian_pair as gaussian_pair
from ._scs import lyapunov_dmft as lyapunov_dmft
from ._scs import solve_scs as solve_scs
from ._single_site import integrate_single_site as integrate_single_site
from ._stationary import AndersonMixing as AndersonMixing
from ._stationary import DampedIteration as DampedIteration
from ._stationary import DMFTSolution as DMFTSolution
from ._stationary import OscillationWarning as OscillationWarning
from ._stationary import Stationary as Stationary
from ._stationary import WindowWarning as WindowWarning
from ._stationary import solve_dmft as solve_dmft
from ._stationary import spectrum as spectrum
from ._stationary import zero_crossing_frequency as zero_crossing_frequency
from ._transitions import KCrit as KCrit
from ._transitions import k_crit as k_crit
from ._transitions import near_critical_C as near_critical_C
from ._transitions import stern_C0 as stern_C0
from ._two_replica import OnsetEigenvalue as OnsetEigenvalue
from ._two_replica import TwoReplica as TwoReplica
from ._two_replica import TwoReplicaSolution as TwoReplicaSolution
from ._two_replica import onset_eigenvalue as onset_eigenvalue
from ._two_replica import solve_two_replica as solve_two_replica

__all__ = [
    "AndersonMixing",
    "DMFTSolution",
    "DampedIteration",
    "LyapunovDMFT",
    "OscillationWarning",
    "SCSSolution",
    "Stationary",
    "WindowWarning",
    "energy_residual",
    "gaussian_pair",
    "lyapunov_dmft",
    "solve_dmft",
    "solve_scs",
    "stern_C0",
    "spectrum",
    "zero_crossing_frequency",
    "HebbianKernel",
    "KCrit",
    "MemoryTerm",
    "NoDecayKernel",
    "PowerLawKernel",
    "RuleKernel",
    "STDPKernel",
    "rule_memory",
    "SelfCoupling",
    "circulant_spectrum",
    "field_from_white",
    "integrate_single_site",
    "k_crit",
    "near_critical_C",
    "sample_gaussian_field",
    # freezable chaos: two-replica DMFT and its lines
    "APEX_K",
    "G_RELIABLE",
    "from_apex",
    "Boundaries",
    "BoundarySettings",
    "FreezePhase",
    "LimitSolution",
    "LineTable",
    "OnsetEigenvalue",
    "TwoReplica",
    "TwoReplicaSolution",
    "freezable_boundaries",
    "freeze_limit",
    "freeze_phase",
    "h_limit",
    "k_freezable",
    "k_semifreezable",
    "onset_eigenvalue",
    "quick_settings",
    "add_provenance",
    "load_lines",
    "tabulated_lines",
    "tabulated_p",
    "solve_two_replica",
]
