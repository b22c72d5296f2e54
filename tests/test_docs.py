"""Every docstring example in the framework-free modules runs and prints what it says."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import schedarray
from tests.support import require

#: Adapter modules import their framework; their examples are exercised by their own tests.
FRAMEWORK_MODULES = {"schedarray.torch", "schedarray.jax", "schedarray.keras", "schedarray._kernels",
                     "schedarray.transformers", "schedarray.lightning", "schedarray.trace"}
#: Modules whose examples need an optional package (the extra that module names).
NEEDS = {"schedarray.plot": "matplotlib"}

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(schedarray.__path__, "schedarray.")
    if info.name not in FRAMEWORK_MODULES and not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in NEEDS:
        require(NEEDS[name])
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_every_public_function_has_an_example():
    missing = [
        name
        for name in schedarray.__all__
        if callable(getattr(schedarray, name)) and ">>>" not in (getattr(schedarray, name).__doc__ or "")
    ]
    assert missing == []
