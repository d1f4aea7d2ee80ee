"""Status codes shared by every solver. ``converged`` is always derived from the status."""

from __future__ import annotations

import equinox as eqx


class Status(eqx.Enumeration):
    """Outcome of a solve. Each member carries the message a user sees, with what to try."""

    success = "converged"
    max_steps = "stopped at max_steps before meeting the tolerance; raise max_steps or loosen the tolerance"
    nonfinite = "the state or iterate became non-finite; reduce dt or check the parameters"
    not_psd = (
        "a correlation function lost its non-negative power spectrum; increase samples or the lag window"
    )
    collapsed = (
        "the solution collapsed to the trivial state C = 0; start from a larger C(0) or continue in g, k"
    )
    not_settled = "the run ended before the state settled; run longer"
    insufficient = "too few quantities were computed to reach the answer (e.g. exponents for Kaplan-Yorke)"


def status_message(status) -> str:
    """The human message of a (concrete, scalar) status."""
    return Status[status]
