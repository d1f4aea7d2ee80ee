"""``python -m phases`` runs the `neurosyn` CLI."""

from phases.cli import main

main()
