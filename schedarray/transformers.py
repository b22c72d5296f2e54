"""A Hugging Face ``Trainer`` callback for `schedarray.torch.ArrayScheduler`.

`ScheduleCallback` sizes a lazily built scheduler from the Trainer's own count
of optimizer updates (``state.max_steps``: epochs, dataloader length and
gradient accumulation already accounted for) and warns when the run and the
schedule disagree — a schedule longer than the run (its end never trains) or
a run that goes past it (``on_exhausted="hold"``)::

    from schedarray.torch import ArrayScheduler
    from schedarray.transformers import ScheduleCallback

    scheduler = ArrayScheduler(optimizer, lambda n: sa.warmup_cosine(n, peak=3e-4,
                                                                     warmup_steps="ceil(3%)"))
    trainer = Trainer(..., optimizers=(optimizer, scheduler), callbacks=[ScheduleCallback()])
"""

from __future__ import annotations

import warnings
from typing import Any

try:
    from transformers import TrainerCallback
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "schedarray.transformers needs transformers, which is not installed: "
        "pip install transformers"
    ) from exc

from .torch import ScheduleMismatchWarning, check_run, find_scheduler

__all__ = ["ScheduleCallback", "ScheduleMismatchWarning"]


class ScheduleCallback(TrainerCallback):  # type: ignore[misc]
    """Size an `ArrayScheduler` from the Trainer and check the run against it.

    At train start, a scheduler built as ``ArrayScheduler(optimizer, build)``
    (a callable of the number of updates) gets ``build(state.max_steps)``; a
    sized one whose length differs from ``state.max_steps`` gives a
    `ScheduleMismatchWarning`. At train end, a run that stopped before the
    schedule's end (or ran past it) warns again, with the counts.

    Examples
    --------
    >>> ScheduleCallback()
    ScheduleCallback()
    """

    def __repr__(self) -> str:
        return "ScheduleCallback()"

    def on_train_begin(
        self, args: Any, state: Any, control: Any, **kwargs: Any  # noqa: ARG002
    ) -> None:
        """Size the scheduler from ``state.max_steps`` (or check its length)."""
        scheduler = find_scheduler(kwargs.get("lr_scheduler"))
        if scheduler is None:
            raise TypeError(
                "ScheduleCallback needs the Trainer's scheduler to be a "
                "schedarray.torch.ArrayScheduler, got "
                f"{type(kwargs.get('lr_scheduler')).__name__}"
            )
        if scheduler.length is None:
            scheduler.size(state.max_steps)
        elif scheduler.length != state.max_steps:
            warnings.warn(
                f"the schedule has {scheduler.length} steps but the Trainer will run "
                f"max_steps={state.max_steps} optimizer updates",
                ScheduleMismatchWarning,
                stacklevel=2,
            )

    def on_train_end(
        self, args: Any, state: Any, control: Any, **kwargs: Any  # noqa: ARG002
    ) -> None:
        """Warn when the run ended before the schedule did, or ran past it."""
        scheduler = find_scheduler(kwargs.get("lr_scheduler"))
        if scheduler is not None:
            check_run(scheduler, state.global_step, "Trainer")
