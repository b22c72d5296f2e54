"""Exceptions that are both schedarray's `ValueError` and the anchor framework's own type.

schedarray raises `ValueError` for a bad value. Where the framework a compat
function mirrors (its *anchor*) raises a different built-in type for the same
condition, the compat function raises one of these instead: an instance of
both, so ``except ValueError`` (schedarray's contract) and the ``except``
clause of code ported from the anchor (``except IndexError`` around
detectron2's step past the end, ``except RuntimeError`` around fvcore's
``where >= 1``, ``except ZeroDivisionError`` around torch's ``ConstantLR``
with ``factor=0``) both catch it.

Examples
--------
>>> from schedarray.compat import fvcore
>>> try:
...     fvcore.constant_param_scheduler(0.1)(1.0)
... except RuntimeError as exc:  # fvcore's type; a ValueError too
...     isinstance(exc, ValueError)
True
"""

from __future__ import annotations

__all__ = ["ScheduleIndexError", "ScheduleRuntimeError", "ScheduleZeroDivisionError"]


class ScheduleIndexError(ValueError, IndexError):
    """A step past the schedule's last value, where the anchor raises `IndexError`."""


class ScheduleRuntimeError(ValueError, RuntimeError):
    """An argument outside the defined range, where the anchor raises `RuntimeError`."""


class ScheduleZeroDivisionError(ValueError, ZeroDivisionError):
    """A step at which the anchor divides by zero (`ZeroDivisionError`)."""
