"""fixedpoints package of neurosyn."""

import neurosyn as _neurosyn  # noqa: F401  (turns on float64)

__all__: list[str] = []
