r"""The ``cosine_scheduler`` of ConvNeXt, BEiT and DINO (``utils.py``), vectorized."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import _check as check
from .._plan import Builder, render
from .._types import Backend, FloatArray

__all__ = ["cosine_scheduler"]


def cosine_scheduler(
    base_value: float,
    final_value: float,
    epochs: int,
    niter_per_ep: int,
    warmup_epochs: int = 0,
    start_warmup_value: float = 0,
    warmup_steps: int = -1,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Per-step cosine schedule with a linear warmup, as ConvNeXt builds it.

    With ``N = epochs * niter_per_ep`` and ``W = warmup_epochs * niter_per_ep``
    (replaced by `warmup_steps` when that is > 0), the result has length
    ``N``: ``np.linspace(start_warmup_value, base_value, W)`` followed by

    .. math:: f + \tfrac12 (b - f)\left(1 + \cos \frac{\pi i}{N - W}\right),
              \quad i = 0, \dots, N - W - 1.

    Conventions kept from the original, unlike `schedarray.warmup_cosine`:
    the warmup's last point is already `base_value`, so the peak appears
    twice; `final_value` is never reached (the last value is one cosine step
    above it); step 0 is `start_warmup_value` (0 by default).

    Where the original trips its own length assertion this raises
    `ValueError` instead: `warmup_steps` > 0 with ``warmup_epochs == 0``
    (the warmup array is then never built), or a warmup longer than the run.

    Examples
    --------
    >>> cosine_scheduler(1.0, 0.0, epochs=3, niter_per_ep=2, warmup_epochs=1)
    array([0.        , 1.        , 1.        , 0.85355339, 0.5       ,
           0.14644661])
    """
    base = check.real(base_value, "base_value")
    final = check.real(final_value, "final_value")
    start = check.real(start_warmup_value, "start_warmup_value")
    niter_per_ep = check.integer(niter_per_ep, "niter_per_ep")
    n = check.integer(epochs, "epochs") * niter_per_ep
    if n:
        check.result_length(n, "epochs * niter_per_ep")
    warmup_epochs = check.integer(warmup_epochs, "warmup_epochs")
    warmup_steps = check.integer(warmup_steps, "warmup_steps", minimum=-1)
    w = warmup_steps if warmup_steps > 0 else warmup_epochs * niter_per_ep
    if w > 0 and warmup_epochs == 0:
        raise ValueError(
            "warmup_steps > 0 needs warmup_epochs > 0 (the original builds no warmup "
            f"otherwise and fails its length check), got warmup_steps={warmup_steps}, "
            "warmup_epochs=0"
        )
    if w > n:
        raise ValueError(
            "the warmup must fit in epochs * niter_per_ep, got "
            f"warmup steps={w}, epochs * niter_per_ep={n}"
        )
    builder = Builder().blend("linear", w, start, base)
    builder.blend("cosine", n - w, base, final, 1.0, endpoint=False)
    return render(builder.plan(), dtype, out, backend)


check.publish(globals())
