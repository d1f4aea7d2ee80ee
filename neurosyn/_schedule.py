"""Interventions on a schedule: halt/release plasticity, perturb or clamp x, shuffle J.

Events act at the start of the record block that contains their time (times are rounded to the record
grid `Record.dt`). They are compiled into per-block control arrays, so one schedule costs one trace.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ._errors import check_nonnegative, check_positive


@dataclasses.dataclass(frozen=True)
class Halt:
    """Freeze A from time ``t`` (the neurons keep running on W = J + A(t))."""

    t: float


@dataclasses.dataclass(frozen=True)
class Release:
    """Let A evolve again from time ``t``."""

    t: float


@dataclasses.dataclass(frozen=True)
class Perturb:
    """Kick x ← x + size·ξ at time ``t``, ξ_i i.i.d. N(0, 1)."""

    t: float
    size: float = 1.0


@dataclasses.dataclass(frozen=True)
class Clamp:
    """Hold x_i = ``value`` for t ≤ time < ``until``."""

    t: float
    until: float
    value: float = 0.0


@dataclasses.dataclass(frozen=True)
class ShuffleJ:
    """Randomly permute the entries of J at time ``t``, keeping A (the alignment test of Fig. 7b)."""

    t: float


Event = Halt | Release | Perturb | Clamp | ShuffleJ


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A tuple of events. The empty schedule is plain plastic dynamics."""

    events: tuple = ()

    def __post_init__(self):
        for ev in self.events:
            if not isinstance(ev, Event):
                raise ValueError(
                    f"schedule event must be one of Halt, Release, Perturb, Clamp, ShuffleJ; got {ev!r}"
                )
            check_nonnegative("t", ev.t, f"time of {type(ev).__name__}")
            if isinstance(ev, Clamp):
                check_positive("until - t", ev.until - ev.t, "clamp duration")
            if isinstance(ev, Perturb):
                check_nonnegative("size", ev.size, "perturbation size")

    def controls(self, n_blocks: int, dt_record: float) -> dict[str, np.ndarray]:
        """Per-block control arrays: plastic, clamp, clamp_value, kick, shuffle."""
        block = lambda t: int(round(t / dt_record))
        plastic = np.ones(n_blocks)
        clamp = np.zeros(n_blocks, dtype=bool)
        clamp_value = np.zeros(n_blocks)
        kick = np.zeros(n_blocks)
        shuffle = np.zeros(n_blocks, dtype=bool)
        for ev in sorted(self.events, key=lambda e: e.t):
            b = block(ev.t)
            if isinstance(ev, Halt):
                plastic[b:] = 0.0
            elif isinstance(ev, Release):
                plastic[b:] = 1.0
            elif isinstance(ev, Perturb) and b < n_blocks:
                kick[b] += ev.size
            elif isinstance(ev, Clamp):
                clamp[b : block(ev.until)] = True
                clamp_value[b : block(ev.until)] = ev.value
            elif isinstance(ev, ShuffleJ) and b < n_blocks:
                shuffle[b] = True
        return dict(plastic=plastic, clamp=clamp, clamp_value=clamp_value, kick=kick, shuffle=shuffle)


def freeze_cycle(
    t_halt: float, t_release: float, *, perturb: float | None = 1.0, clamp: bool = True
) -> tuple:
    """The Fig. 7(a) cycle: halt, perturb at 1/3, clamp x at 0 from 2/3 of the halt, release."""
    span = t_release - t_halt
    events = [Halt(t_halt)]
    if perturb:
        events.append(Perturb(t_halt + span / 3, perturb))
    if clamp:
        events.append(Clamp(t_halt + 2 * span / 3, t_halt + 2 * span / 3 + span / 6, 0.0))
    events.append(Release(t_release))
    return tuple(events)
