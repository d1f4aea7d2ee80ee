"""The `neurosyn` command line. Each subcommand lives in its own module ``phases/_cli_<name>.py`` with a
``register(app)`` function, so the packages' commands stay apart."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="neurosyn",
    help="Theory and simulation of recurrent networks with coupled neuronal and synaptic dynamics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """neurosyn: DMFT, spectra, Lyapunov exponents, fixed points and phase diagrams of plastic networks."""


_SUBCOMMANDS = (
    "simulate",
    "lifetimes",
    "dmft",
    "spectrum",
    "lyapunov",
    "fixedpoints",
    "freeze",
    "phase_diagram",
    "prune",
    "infer_rule",
    "balanced",
)

for _name in _SUBCOMMANDS:
    importlib.import_module(f"phases._cli_{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()
