"""neurosyn: recurrent networks whose neurons and synapses are coupled dynamical variables.

Importing neurosyn turns on float64 in JAX (``jax_enable_x64``): theory, spectra, fixed points and Lyapunov
work need it. Large simulations can still run in float32 with ``simulate(..., dtype="float32")``.
"""

import importlib.metadata

import jax

jax.config.update("jax_enable_x64", True)

from ._errors import ConvergenceError as ConvergenceError  # noqa: E402
from ._errors import NeurosynError as NeurosynError  # noqa: E402
from ._errors import NeurosynWarning as NeurosynWarning  # noqa: E402
from ._errors import WindowWarning as WindowWarning  # noqa: E402
from ._errors import check_choice as check_choice  # noqa: E402
from ._errors import check_finite as check_finite  # noqa: E402
from ._errors import check_int as check_int  # noqa: E402
from ._errors import check_nonnegative as check_nonnegative  # noqa: E402
from ._errors import check_positive as check_positive  # noqa: E402
from ._field import State as State  # noqa: E402
from ._field import fixed_point_state as fixed_point_state  # noqa: E402
from ._field import participation_ratio as participation_ratio  # noqa: E402
from ._field import vector_field as vector_field  # noqa: E402
from ._inference import ChoiceData as ChoiceData  # noqa: E402
from ._inference import LayerData as LayerData  # noqa: E402
from ._inference import PlasticLayer as PlasticLayer  # noqa: E402
from ._inference import RecurrentData as RecurrentData  # noqa: E402
from ._inference import RecurrentFit as RecurrentFit  # noqa: E402
from ._inference import RecurrentModel as RecurrentModel  # noqa: E402
from ._inference import RuleFit as RuleFit  # noqa: E402
from ._inference import fit_recurrent as fit_recurrent  # noqa: E402
from ._inference import fit_rule as fit_rule  # noqa: E402
from ._inference import hebbian_taylor as hebbian_taylor  # noqa: E402
from ._inference import r2_score as r2_score  # noqa: E402
from ._inference import reward_rule as reward_rule  # noqa: E402
from ._inference import reward_signal as reward_signal  # noqa: E402
from ._inference import synthetic_oja as synthetic_oja  # noqa: E402
from ._inference import synthetic_recurrent as synthetic_recurrent  # noqa: E402
from ._inference import synthetic_reward as synthetic_reward  # noqa: E402
from ._integrators import ORDER as ORDER  # noqa: E402
from ._integrators import rk_step as rk_step  # noqa: E402
from ._lifetime import Lifetimes as Lifetimes  # noqa: E402
from ._lifetime import check_options as check_lifetime_options  # noqa: E402
from ._lifetime import lifetimes as lifetimes  # noqa: E402
from ._network import Network as Network  # noqa: E402
from ._network import sample_couplings as sample_couplings  # noqa: E402
from ._network import sample_J0 as sample_J0  # noqa: E402
from ._observables import pr_A_theory as pr_A_theory  # noqa: E402
from ._observables import tau_star as tau_star  # noqa: E402
from ._provenance import provenance as provenance  # noqa: E402
from ._provenance import provenance_attrs as provenance_attrs  # noqa: E402
from ._rule_families import MLPRule as MLPRule  # noqa: E402
from ._rule_families import PlasticityRule as PlasticityRule  # noqa: E402
from ._rule_families import TaylorRule as TaylorRule  # noqa: E402
from ._rule_families import taylor_names as taylor_names  # noqa: E402
from ._rules import RULES as RULES  # noqa: E402
from ._rules import STDP as STDP  # noqa: E402
from ._rules import AntiHebbian as AntiHebbian  # noqa: E402
from ._rules import Covariance as Covariance  # noqa: E402
from ._rules import Expression as Expression  # noqa: E402
from ._rules import Hebbian as Hebbian  # noqa: E402
from ._rules import Heterogeneous as Heterogeneous  # noqa: E402
from ._rules import NoDecay as NoDecay  # noqa: E402
from ._rules import Postsynaptic as Postsynaptic  # noqa: E402
from ._rules import Presynaptic as Presynaptic  # noqa: E402
from ._rules import Rule as Rule  # noqa: E402
from ._rules import get_rule as get_rule  # noqa: E402
from ._rules import hebbian as hebbian  # noqa: E402
from ._rules import parse_rule as parse_rule  # noqa: E402
from ._schedule import Clamp as Clamp  # noqa: E402
from ._schedule import Halt as Halt  # noqa: E402
from ._schedule import Perturb as Perturb  # noqa: E402
from ._schedule import Release as Release  # noqa: E402
from ._schedule import Schedule as Schedule  # noqa: E402
from ._schedule import ShuffleJ as ShuffleJ  # noqa: E402
from ._schedule import freeze_cycle as freeze_cycle  # noqa: E402
from ._simulate import Record as Record  # noqa: E402
from ._simulate import Simulation as Simulation  # noqa: E402
from ._simulate import deform as deform  # noqa: E402
from ._simulate import simulate as simulate  # noqa: E402
from ._status import Status as Status  # noqa: E402
from ._symbolic import compile_formula as compile_formula  # noqa: E402
from ._transfer import Tanh as Tanh  # noqa: E402
from ._transfer import Transfer as Transfer  # noqa: E402
from ._transfer import tanh as tanh  # noqa: E402

try:
    __version__ = importlib.metadata.version("neurosyn")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ORDER",
    "Clamp",
    "ConvergenceError",
    "Halt",
    "Hebbian",
    "Lifetimes",
    "Network",
    "NeurosynError",
    "NeurosynWarning",
    "Perturb",
    "Record",
    "Release",
    "Rule",
    "Schedule",
    "ShuffleJ",
    "Simulation",
    "State",
    "Status",
    "Tanh",
    "Transfer",
    "WindowWarning",
    "check_choice",
    "check_finite",
    "check_int",
    "check_lifetime_options",
    "check_nonnegative",
    "check_positive",
    "deform",
    "fixed_point_state",
    "freeze_cycle",
    "hebbian",
    "lifetimes",
    "participation_ratio",
    "pr_A_theory",
    "provenance",
    "provenance_attrs",
    "rk_step",
    "sample_J0",
    "sample_couplings",
    "simulate",
    "tanh",
    "tau_star",
    "vector_field",
    "RULES",
    "STDP",
    "AntiHebbian",
    "Covariance",
    "Expression",
    "Heterogeneous",
    "NoDecay",
    "Postsynaptic",
    "Presynaptic",
    "compile_formula",
    "get_rule",
    "parse_rule",
    "ChoiceData",
    "LayerData",
    "MLPRule",
    "PlasticLayer",
    "PlasticityRule",
    "RecurrentData",
    "RecurrentFit",
    "RecurrentModel",
    "RuleFit",
    "TaylorRule",
    "fit_recurrent",
    "fit_rule",
    "hebbian_taylor",
    "r2_score",
    "reward_rule",
    "reward_signal",
    "synthetic_oja",
    "synthetic_recurrent",
    "synthetic_reward",
    "taylor_names",
]
