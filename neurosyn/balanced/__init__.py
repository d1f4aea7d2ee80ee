"""Balanced E/I networks under spike-timing dependent plasticity (Akil, Rosenbaum & Josić 2021).

The balanced-state mean field r = -W⁻¹ W_x r_x for any number of populations, the slow population-mean weight
dynamics of a family of STDP rules (rate term plus linear-response covariance term), their fixed points and
stability, and a spiking EIF network in JAX that checks the theory. Times in ms, rates in Hz, weights scaled
(j = √N J, mV).
"""

from ._meanfield import HZ as HZ
from ._meanfield import BalancedState as BalancedState
from ._meanfield import BalanceStatus as BalanceStatus
from ._meanfield import balanced_rates as balanced_rates
from ._meanfield import covariance_density as covariance_density
from ._meanfield import input_covariance as input_covariance
from ._meanfield import spike_count_covariance as spike_count_covariance
from ._network import BalancedNetwork as BalancedNetwork
from ._network import default_network as default_network
from ._network import external_rate_switch as external_rate_switch
from ._network import split_population as split_population
from ._network import targeted_network as targeted_network
from ._rules import RULES as RULES
from ._rules import Plastic as Plastic
from ._rules import STDPRule as STDPRule
from ._rules import hebbian as hebbian
from ._rules import homeostatic_ei as homeostatic_ei
from ._rules import homeostatic_ii as homeostatic_ii
from ._rules import istdp as istdp
from ._rules import kohonen as kohonen
from ._spiking import EIF as EIF
from ._spiking import SpikingResult as SpikingResult
from ._spiking import simulate_spiking as simulate_spiking
from ._weights import WeightFixedPoint as WeightFixedPoint
from ._weights import WeightStatus as WeightStatus
from ._weights import WeightTrajectory as WeightTrajectory
from ._weights import plastic_entries as plastic_entries
from ._weights import weight_drift as weight_drift
from ._weights import weight_fixed_point as weight_fixed_point
from ._weights import weight_trajectory as weight_trajectory

__all__ = [
    "HZ",
    "BalanceStatus",
    "BalancedNetwork",
    "BalancedState",
    "EIF",
    "SpikingResult",
    "Plastic",
    "RULES",
    "STDPRule",
    "WeightFixedPoint",
    "WeightStatus",
    "WeightTrajectory",
    "balanced_rates",
    "covariance_density",
    "default_network",
    "external_rate_switch",
    "hebbian",
    "homeostatic_ei",
    "homeostatic_ii",
    "input_covariance",
    "istdp",
    "kohonen",
    "plastic_entries",
    "simulate_spiking",
    "spike_count_covariance",
    "split_population",
    "targeted_network",
    "weight_drift",
    "weight_fixed_point",
    "weight_trajectory",
]
