"""Helpers shared by the test modules."""

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    """Import an optional framework for a test module.

    Skips the module when the framework is missing, except under
    ``SCHEDARRAY_REQUIRE_FRAMEWORKS=1`` (set by ``.ci/run``), where a missing
    framework is an error: CI must run every parity and adapter test.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if os.environ.get("SCHEDARRAY_REQUIRE_FRAMEWORKS") == "1":
            raise RuntimeError(f"{name} is required in CI but cannot be imported: {exc}") from exc
        pytest.skip(f"{name} is not installed", allow_module_level=True)
        raise  # unreachable: skip raises
