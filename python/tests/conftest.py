"""Shared helpers: every tier where a test's result must not depend on the tier."""

import pytest

import adead

# "baseline" exists on x86-64 Unix only; the VM falls back there by itself elsewhere.
TIERS = ["interp", "baseline", "opt", "auto"]


@pytest.fixture(params=TIERS)
def tier(request):
    return request.param


def load(text, **config):
    """A module assembled from `text` on an engine with `config`."""
    return adead.Engine(**config).load_asm(text, name="test.asm")
