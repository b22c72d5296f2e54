"""Helpers shared by the test modules."""

import importlib
import importlib.util
import os
from types import ModuleType

import pytest

#: The start of every skip reason for a missing optional package; ``.ci/run`` accepts no other
#: skip in its minimal environment.
MISSING = "optional package not installed:"


def _missing(name: str, detail: object) -> None:
    """Skip the calling test (or module) for a missing package, or fail where CI needs it."""
    if os.environ.get("SCHEDARRAY_REQUIRE_FRAMEWORKS") == "1":
        raise RuntimeError(f"{name} is required in CI but cannot be imported: {detail}")
    pytest.skip(f"{MISSING} {name}", allow_module_level=True)


def require(name: str) -> ModuleType:
    """Import an optional package (a framework, matplotlib) for a test or a test module.

    Skips when the package is missing, except under ``SCHEDARRAY_REQUIRE_FRAMEWORKS=1``
    (set by ``.ci/run`` for the full environment), where a missing package is an error:
    there every parity and adapter test must run.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        _missing(name, exc)
        raise  # unreachable: _missing raises


def require_installed(name: str) -> None:
    """Like `require`, without importing `name` (for Keras, which picks a backend on import)."""
    if importlib.util.find_spec(name) is None:
        _missing(name, "not installed")
