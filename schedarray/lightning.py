"""A Lightning callback for `schedarray.torch.ArrayScheduler`.

`ScheduleCallback` sizes every lazily built `ArrayScheduler` that
``configure_optimizers`` returned from Lightning's own count
(``trainer.estimated_stepping_batches`` optimizer updates for
``"interval": "step"``, ``trainer.max_epochs`` for ``"epoch"``) and warns when
the run and the schedule disagree (`ScheduleMismatchWarning`)::

    from schedarray.lightning import ScheduleCallback

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=1e-3)
        scheduler = ArrayScheduler(optimizer, lambda n: sa.one_cycle(n, peak=1e-3))
        return {"optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    pl.Trainer(max_epochs=3, callbacks=[ScheduleCallback()]).fit(model, loader)

The callback subclasses ``pytorch_lightning.Callback`` (or
``lightning.pytorch.Callback`` when only ``lightning`` is installed);
`callback_class` makes it for either package.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from .torch import ScheduleMismatchWarning, check_run, find_scheduler

__all__ = ["ScheduleCallback", "ScheduleMismatchWarning", "callback_class"]


def _sized_count(trainer: Any, interval: str) -> int:
    if interval == "epoch":
        if trainer.max_epochs is None or trainer.max_epochs < 0:
            raise ValueError("an 'epoch' interval schedule needs Trainer(max_epochs=...)")
        return int(trainer.max_epochs)
    return int(trainer.estimated_stepping_batches)


def _done_count(trainer: Any, interval: str) -> int:
    return int(trainer.current_epoch if interval == "epoch" else trainer.global_step)


def callback_class(package: str = "pytorch_lightning") -> type:
    """The `ScheduleCallback` class for `package` (``"pytorch_lightning"`` or ``"lightning"``).

    Examples
    --------
    >>> callback_class("pytorch_lightning").__name__
    'ScheduleCallback'
    """
    if package not in ("pytorch_lightning", "lightning"):
        raise ValueError(
            f"package must be 'pytorch_lightning' or 'lightning', got package={package!r}")
    try:
        module = importlib.import_module(
            "lightning.pytorch" if package == "lightning" else package)
    except ImportError as exc:
        raise ImportError(
            f"schedarray.lightning needs {package}, which is not installed: pip install {package}"
        ) from exc

    class ScheduleCallback(module.Callback):  # type: ignore[misc, name-defined]
        """Size each lazily built `ArrayScheduler` from the trainer; warn on a mismatch.

        At train start a scheduler built as ``ArrayScheduler(optimizer, build)``
        gets ``build(trainer.estimated_stepping_batches)`` (``build(max_epochs)``
        for an ``"epoch"`` interval); a sized one of another length warns. At
        train end, a run that stopped before its schedule's end, or ran past
        it, warns with the counts.
        """

        def __repr__(self) -> str:
            return "ScheduleCallback()"

        def _schedulers(self, trainer: Any) -> list[tuple[Any, str]]:
            found = []
            for config in trainer.lr_scheduler_configs:
                scheduler = find_scheduler(config.scheduler)
                if scheduler is not None:
                    found.append((scheduler, config.interval))
            return found

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:  # noqa: ARG002
            found = self._schedulers(trainer)
            if not found:
                raise TypeError(
                    "ScheduleCallback needs configure_optimizers to return a "
                    "schedarray.torch.ArrayScheduler")
            for scheduler, interval in found:
                count = _sized_count(trainer, interval)
                if scheduler.length is None:
                    scheduler.size(count)
                elif scheduler.length != count:
                    warnings.warn(
                        f"the schedule has {scheduler.length} steps but Lightning will run "
                        f"{count} {'epochs' if interval == 'epoch' else 'optimizer updates'}",
                        ScheduleMismatchWarning,
                        stacklevel=2,
                    )

        def on_train_end(self, trainer: Any, pl_module: Any) -> None:  # noqa: ARG002
            for scheduler, interval in self._schedulers(trainer):
                check_run(scheduler, _done_count(trainer, interval), "Lightning")

    return ScheduleCallback


def _default_package() -> str:
    try:
        importlib.import_module("pytorch_lightning")
    except ImportError:
        return "lightning"
    return "pytorch_lightning"


#: The callback for the installed package (``pytorch_lightning`` first, else ``lightning``).
ScheduleCallback = callback_class(_default_package())
