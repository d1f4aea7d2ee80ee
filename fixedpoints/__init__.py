"""fixedpoints: find, polish, deduplicate, classify and count fixed points; their mean-field theory."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

from ._count import FixedPointCounts as FixedPointCounts
from ._count import count_fixed_points as count_fixed_points
from ._find import FixedPoints as FixedPoints
from ._find import deduplicate as deduplicate
from ._find import find_fixed_points as find_fixed_points
from ._find import random_states as random_states
from ._find import residual_function as residual_function
from ._find import residual_jacobian as residual_jacobian
from ._find import self_coupled_states as self_coupled_states
from ._find import sign_states as sign_states
from ._find import trajectory_states as trajectory_states
from ._freeze import PHASES as FREEZE_PHASES
from ._freeze import FreezeTest as FreezeTest
from ._freeze import ProtocolTraces as ProtocolTraces
from ._freeze import freeze_cycles as freeze_cycles
from ._freeze import freeze_test as freeze_test
from ._freeze import shuffle_test as shuffle_test
from ._marginal import MarginalSpectra as MarginalSpectra
from ._marginal import marginal_spectra as marginal_spectra
from ._meanfield import Complexity as Complexity
from ._meanfield import fixed_point_complexity as fixed_point_complexity
from ._meanfield import g0_chi as g0_chi
from ._meanfield import g0_chi_c as g0_chi_c
from ._meanfield import g0_eigenvalues as g0_eigenvalues
from ._meanfield import g0_kc as g0_kc
from ._meanfield import k_onset as k_onset
from ._meanfield import sample_fixed_point_x as sample_fixed_point_x
from ._settle import Settled as Settled
from ._settle import settle as settle

__all__ = [
    "Complexity",
    "FixedPointCounts",
    "FixedPoints",
    "MarginalSpectra",
    "Settled",
    "count_fixed_points",
    "deduplicate",
    "find_fixed_points",
    "fixed_point_complexity",
    "g0_chi",
    "g0_chi_c",
    "g0_eigenvalues",
    "g0_kc",
    "k_onset",
    "marginal_spectra",
    "random_states",
    "residual_function",
    "residual_jacobian",
    "sample_fixed_point_x",
    "self_coupled_states",
    "settle",
    "sign_states",
    "trajectory_states",
    # freezable chaos in simulation
    "FREEZE_PHASES",
    "FreezeTest",
    "ProtocolTraces",
    "freeze_cycles",
    "freeze_test",
    "shuffle_test",
]
