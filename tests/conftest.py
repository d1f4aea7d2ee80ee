"""Strict test configuration: float64, no silent rank promotion, a per-test PRNG key, notebooks first."""

import zlib

import jax
import jax.random as jr
import pytest

import neurosyn  # noqa: F401  (turns on jax_enable_x64)

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key(request):
    """A key fixed for each test yet different between tests."""
    return jr.key(zlib.crc32(request.node.nodeid.encode()))


def pytest_configure(config):
    """Under `pytest -n`, hand out tests one at a time (xdist's --maxschedchunk 1, unless given). Otherwise
    the first worker receives a chunk holding every notebook and runs them in series (measured: 650 s of
    them on one worker), while the other worker runs out of work."""
    if getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(items):
    """Run the figure notebooks first: they are the longest items (30–100 s each), and starting them early
    lets `pytest -n 2` fill the rest of both workers with short tests instead of idling on a late notebook."""
    items.sort(key=lambda item: "tests/notebooks/" not in item.nodeid.replace("\\", "/"))
