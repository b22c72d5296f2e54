r"""PyTorch adapter: `ArrayScheduler`, a real ``LRScheduler`` driven by precomputed arrays.

``ArrayScheduler(optimizer, lr)`` does what the hand-written loop does —
``group["lr"] = lr[step]`` — as a ``torch.optim.lr_scheduler.LRScheduler``, so
the Hugging Face ``Trainer(optimizers=(opt, sched))``, Lightning
(``"interval": "step"``) and Accelerate take it unchanged. After construction
the optimizer holds update 0's values and ``last_epoch == 0``; after ``k``
calls to `~ArrayScheduler.step` it holds update ``k``'s values and
``last_epoch == k``. Call ``step()`` once per optimizer update (after
``optimizer.step()``), not per micro-batch of gradient accumulation. The
Hugging Face ``Trainer`` and Lightning do exactly that. Accelerate's prepared
scheduler does too on one process, but on ``n`` processes (without
``split_batches=True``) it steps ``n`` times per update by design — build the
schedule ``n`` times longer, or create the ``Accelerator`` with
``step_scheduler_with_optimizer=False`` and step once per update yourself; a
schedule stepped too fast ends with `ScheduleExhaustedError`, not silently.

What the values may be
----------------------
* a 1-D array of ``N`` values: the learning rate of every parameter group,
  multiplied by the group's ``lr_scale`` when it has one (the
  timm/ConvNeXt/MAE layer-decay convention), so ``lr = values[k] * lr_scale``;
* a 2-D array of shape ``(N, len(optimizer.param_groups))``: column ``j`` is
  group ``j``'s learning rate, used as is (``lr_scale`` is not applied);
* a mapping from a param-group key to such an array, to schedule other
  hyperparameters too: ``{"lr": lr, "weight_decay": wd, "momentum": m}``.
  ``"betas"`` sets the first element (Adam's β1) and keeps the second. A 1-D
  ``"weight_decay"`` skips the groups built with ``weight_decay == 0`` (the
  no-decay groups of timm's ``param_groups_weight_decay`` and ConvNeXt), as
  ConvNeXt's loop does; give a 2-D array to schedule every group yourself.

The arrays are not copied (a 10⁹-step float64 schedule stays the 8 GB the
caller already has): do not modify them while the scheduler is in use.
Values are read as Python floats, so a float64 array reaches the optimizer
exactly. A non-finite value raises `ValueError` at the step that would use it.

Tensor learning rates (``lr=torch.tensor(0.01)``, the ``torch.compile``
recipe) are updated in place with ``fill_``, never replaced, so a compiled
optimizer step is not recompiled when the value changes.

Checkpoints
-----------
`~ArrayScheduler.state_dict` holds plain Python values only — the step, the
length, the scheduled keys and a fingerprint of the values — never the array,
so it is about 200 bytes for any length and loads with
``torch.load(weights_only=True)``. The fingerprint is
``"sha256:" + sha256(values as little-endian float64, plus the keys and
shapes)``; it is computed the first time it is needed (the first
``state_dict()``), in chunks, and cached, so building a scheduler costs
nothing per step of the schedule. Hashing runs at about 1 GB/s (0.7-1.4 s per
GB on a busy 2-core VM, see ``benchmarks/ADAPTERS.md``): ≈ 6-11 s once for a
10⁹-step float64 schedule. Pass ``fingerprint=`` to skip it, e.g. a hash of
the spec the schedule was built from.

`~ArrayScheduler.load_state_dict` writes the restored step's values into the
optimizer at once (the order relative to ``optimizer.load_state_dict`` does
not matter) and refuses a checkpoint made with a different schedule — a
`ValueError` naming both fingerprints and lengths — unless ``strict=False``
(on the call, or as the constructor default for frameworks that call
``load_state_dict(state)`` themselves).

Past the end
------------
A loop calls ``step()`` after every update, the last one included, so
``last_epoch`` may reach ``N`` (training finished); the optimizer then keeps
update ``N - 1``'s values, which no update of the schedule uses. An
optimizer update at ``last_epoch == N`` raises `ScheduleExhaustedError` (an
`IndexError`) before it runs — a scheduler stepped too often (gradient
accumulation counted per micro-batch) is caught at the first update without
a value; stepping the scheduler further raises too, naming the length and
the step, and changes nothing. ``on_exhausted="hold"`` keeps the last
values for ever instead.

Examples
--------
>>> import torch
>>> import schedarray as sa
>>> from schedarray.torch import ArrayScheduler
>>> model = torch.nn.Linear(2, 1)
>>> opt = torch.optim.SGD(model.parameters(), lr=1.0)
>>> sched = ArrayScheduler(opt, sa.linear(4, start=0.4, end=0.1))
>>> for _ in range(3):
...     print(round(opt.param_groups[0]["lr"], 12))
...     opt.step()
...     sched.step()
0.4
0.3
0.2
>>> sched.last_epoch, sched.get_last_lr()
(3, [0.1])
>>> sched.state_dict()["step"]
3
"""

from __future__ import annotations

import hashlib
import numbers
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

try:
    import torch
    from torch.optim import Optimizer
    from torch.optim.lr_scheduler import EPOCH_DEPRECATION_WARNING, LRScheduler
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "schedarray.torch needs PyTorch, which is not installed: "
        "pip install 'schedarray[torch]'"
    ) from exc

from . import _check as check

__all__ = [
    "ArrayScheduler",
    "ScheduleExhaustedError",
    "ScheduleMismatchWarning",
    "check_run",
    "find_scheduler",
    "fingerprint",
]

_Tensor = torch.Tensor
#: The version tag stored in every state dict.
FORMAT = "schedarray.ArrayScheduler/1"
#: Elements hashed per chunk (bounds the temporary of a float32 -> float64 cast).
_HASH_CHUNK = 1 << 20
_ON_EXHAUSTED = ("raise", "hold")
# How a job writes a group: as is, times the group's lr_scale, or as betas[0].
_PLAIN, _LR_SCALED, _BETA1 = 0, 1, 2


class ScheduleExhaustedError(IndexError):
    """Raised when a scheduler is stepped past the last value of its arrays."""


def _as_values(values: Any, name: str) -> np.ndarray:
    """A read-only 1-D or 2-D float32/float64 view of `values` (ints become float64).

    Finiteness is checked per step, when a value is applied, so building a
    scheduler over 10^9 steps stays O(1).
    """
    if isinstance(values, Mapping):
        raise TypeError(f"{name} must be an array of numbers, got {name}={values!r}")
    if isinstance(values, _Tensor):
        values = values.detach().cpu().numpy()
    view = check.values(values, name, ndims=(1, 2), nonempty=True, finite=False).view()
    view.flags.writeable = False
    return view


def fingerprint(values: Any) -> str:
    """The fingerprint `ArrayScheduler` stores in its state dict.

    ``"sha256:"`` followed by the hex SHA-256 of a header (each key and
    shape) and of the values as little-endian float64, row by row. It
    depends on the numbers only: a float64 array and the same numbers
    handed over as a list give the same fingerprint, a float32 array gives
    its own.

    Parameters
    ----------
    values : array_like or mapping of str to array_like
        What `ArrayScheduler` accepts.

    Returns
    -------
    str
        ``"sha256:<64 hex digits>"``.

    Examples
    --------
    >>> fingerprint([0.5, 0.25]) == fingerprint({"lr": np.array([0.5, 0.25])})
    True
    >>> fingerprint([0.5, 0.25])[:15]
    'sha256:adf0e076'
    """
    columns = _columns(values)
    digest = hashlib.sha256()
    digest.update(FORMAT.encode())
    for key, arr in columns.items():
        digest.update(f"|{key}:{'x'.join(map(str, arr.shape))}|".encode())
        for c0 in range(0, arr.shape[0], _HASH_CHUNK):
            chunk = np.ascontiguousarray(arr[c0 : c0 + _HASH_CHUNK], dtype="<f8")
            digest.update(memoryview(chunk).cast("B"))
    return "sha256:" + digest.hexdigest()


def _columns(values: Any) -> dict[str, np.ndarray]:
    """Normalise `values` to ``{key: array}`` (validated, same length)."""
    if isinstance(values, Mapping):
        if not values:
            raise ValueError("values must name at least one key, got an empty mapping")
        columns = {}
        for key, arr in values.items():
            if not isinstance(key, str):
                raise TypeError(f"values keys must be str, got key {key!r}")
            columns[key] = _as_values(arr, f"values[{key!r}]")
    else:
        columns = {"lr": _as_values(values, "values")}
    lengths = {key: arr.shape[0] for key, arr in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"values must all have the same number of steps, got lengths {lengths}")
    return columns


def _fit_tensors(key: str, arr: np.ndarray, groups: list[dict[str, Any]]) -> None:
    """Refuse values that a group's tensor-valued `key` (float32, bfloat16 ...) cannot hold."""
    for j, group in enumerate(groups):
        current = group[key][0] if key == "betas" else group[key]
        if isinstance(current, torch.Tensor) and current.is_floating_point():
            column = arr if arr.ndim == 1 else arr[:, j]
            top = torch.finfo(current.dtype).max
            low, high = check.extremes(column)
            if max(abs(low), abs(high)) > top:  # NaN is reported by step()
                bad = low if abs(low) > top else high
                raise ValueError(
                    f"values[{key!r}] must fit optimizer.param_groups[{j}][{key!r}] "
                    f"({current.dtype}), got a value of {bad!r}, beyond its largest {top!r}"
                )


def _row_reader(arr: np.ndarray) -> Any:
    """``index -> list of floats`` of row `index` of a 2-D array."""

    def read(index: int) -> list[float]:
        return arr[index].tolist()

    return read


def _flat_writer(
    reads: tuple[Callable[[int], float], ...],
    writes: tuple[tuple[int, str, int, bool], ...],
    keys: tuple[str, ...],
    not_finite: Callable[[str, int, float], None],
) -> Callable[[int, list[dict[str, Any]]], None]:
    """`ArrayScheduler._write` for 1-D columns without betas, as straight-line code.

    `writes` holds ``(group, key, column, scaled by lr_scale)``. The function
    returned, ``write(index, param_groups)``, reads and checks column ``k``
    of row `index` into ``v<k>``, then writes each group's keys in turn,
    with no loop, tuple unpacking or mode dispatch per write: the step of a
    scheduler setting lr and weight_decay costs about as much as one setting
    lr alone (``benchmarks/bench_adapter_step.py``). Like `_write`, it
    checks every value before writing any.
    """
    lines = ["def write(index, groups):"]
    for k in range(len(reads)):
        lines += [f"    v{k} = read{k}(index)",
                  f"    if v{k} - v{k}:",
                  f"        not_finite(keys[{k}], index, v{k})"]
    current = None
    for j, key, k, scaled in writes:
        if j != current:
            lines.append(f"    g = groups[{j}]")
            current = j
        value = f"v{k}"
        if scaled:
            lines.append(f"    x = v{k} * g['lr_scale'] if 'lr_scale' in g else v{k}")
            value = "x"
        lines += [f"    c = g[{key!r}]",
                  "    if c.__class__ is float:",
                  f"        g[{key!r}] = {value}",
                  "    elif isinstance(c, Tensor):",
                  f"        c.fill_({value})",
                  "    else:",
                  f"        g[{key!r}] = {value}"]
    namespace: dict[str, Any] = {"keys": keys, "not_finite": not_finite, "Tensor": _Tensor}
    namespace.update({f"read{k}": read for k, read in enumerate(reads)})
    exec("\n".join(lines), namespace)  # the source holds only ints and repr()s of keys
    return namespace["write"]


class ArrayScheduler(LRScheduler):
    """Set optimizer hyperparameters from precomputed per-update arrays.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimizer whose ``param_groups`` are written.
    values : array_like or mapping of str to array_like
        ``N`` values per key: 1-D (every group; ``"lr"`` times the group's
        ``lr_scale``) or ``(N, len(param_groups))`` (one column per group).
        A bare array is the learning rate. See the module docstring. Or a
        callable ``build(total_steps)`` returning those values: the scheduler
        then writes nothing until `size` is called (the framework callbacks
        of `schedarray.transformers` and `schedarray.lightning` call it with
        the run's number of updates), and refuses an update before that.
    on_exhausted : {"raise", "hold"}, default "raise"
        An optimizer update at ``last_epoch == N`` (the state after the last
        update), or stepping past it, raises `ScheduleExhaustedError`; or
        the last values are kept.
    strict : bool, default True
        Default of `load_state_dict`'s `strict`: refuse a checkpoint whose
        fingerprint differs from this scheduler's.
    initial_step : int, default 0
        The update index to start at (``last_epoch`` after construction,
        ``0 <= initial_step <= N``), for a resume that only kept the global
        step.
    fingerprint : str, optional
        Use this instead of hashing the values (`fingerprint`), for very
        long schedules whose identity is known otherwise.

    Notes
    -----
    After construction and after each `step`, group ``j`` holds, for the
    current update ``k = last_epoch``, ``group[key] = values[key][k]``
    (times ``lr_scale`` for a 1-D ``"lr"``) or ``values[key][k, j]``.
    ``get_last_lr()`` returns the groups' current learning rates (tensors
    are cloned), like torch's schedulers.

    Examples
    --------
    >>> import torch
    >>> import schedarray as sa
    >>> w, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.zeros(1))
    >>> opt = torch.optim.AdamW([{"params": [w], "lr_scale": 0.5},
    ...                          {"params": [b], "weight_decay": 0.0}], lr=1.0)
    >>> sched = ArrayScheduler(opt, {"lr": sa.linear(3, start=0.2, end=0.0),
    ...                              "weight_decay": sa.constant(3, value=0.05)})
    >>> [(g["lr"], g["weight_decay"]) for g in opt.param_groups]
    [(0.1, 0.05), (0.2, 0.0)]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        values: Any,
        *,
        on_exhausted: str = "raise",
        strict: bool = True,
        initial_step: int = 0,
        fingerprint: str | None = None,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                "optimizer must be a torch.optim.Optimizer, "
                f"got optimizer={type(optimizer).__name__}"
            )
        self._on_hold = check.choice(on_exhausted, "on_exhausted", _ON_EXHAUSTED) == "hold"
        self.strict = check.flag(strict, "strict")
        if fingerprint is not None and not isinstance(fingerprint, str):
            raise TypeError(f"fingerprint must be a str, got fingerprint={fingerprint!r}")
        self._fingerprint = fingerprint
        start = check.integer(initial_step, "initial_step")
        self._build: Callable[[int], Any] | None = None
        self._pending: tuple[dict[str, Any], bool] | None = None
        if callable(values) and not isinstance(values, (np.ndarray, Mapping)):
            # Sized later, by `size` (the HF / Lightning callbacks call it at train start).
            self._build, self._start = values, start
            self._length, self._columns, self._item, self._flat = None, {}, None, None
            super().__init__(optimizer)
        else:
            self._install(optimizer, _columns(values), start)
            super().__init__(optimizer)
            if start:
                self.last_epoch = start
                self._write(self._index(start))
        # The first optimizer update past the schedule raises before it runs (a scheduler
        # stepped more often than the optimizer would otherwise train one update on stale values).
        # The hook reads a flag that flips once, so a compiled optimizer step guards on a
        # constant (reading last_epoch would recompile it at every step).
        self._past_end = self._length is None or self.last_epoch >= self._length
        if not self._on_hold or self._length is None:
            # The optimizer holds the hook, the hook only a weak reference to the scheduler
            # (no reference cycle); the hook goes when the scheduler does.
            me = weakref.ref(self)

            def guard(*_hook_args: Any) -> None:  # (optimizer, args, kwargs)
                scheduler = me()
                if scheduler is not None and scheduler._past_end:
                    scheduler._refuse_update()

            weakref.finalize(self, optimizer.register_step_pre_hook(guard).remove)

    def _refuse_update(self) -> None:
        """Called by the optimizer step pre-hook when no value is left for the update."""
        if self._length is None:
            raise RuntimeError(
                "ArrayScheduler has no values yet: call scheduler.size(total_steps) before the "
                "first update (schedarray.transformers.ScheduleCallback and "
                "schedarray.lightning.ScheduleCallback do it at train start)"
            )
        if self._past_end and not self._on_hold:
            raise ScheduleExhaustedError(
                f"optimizer update {self.last_epoch} is past the end of the schedule (length "
                f"{self._length}): the scheduler has been stepped {self.last_epoch} times, so "
                f"it was stepped more often than the optimizer (gradient accumulation counted "
                f"per micro-batch?) or the run is longer than the schedule; build a longer "
                f"schedule, or pass on_exhausted='hold' to keep the last value"
            )

    def _install(self, optimizer: Optimizer, columns: dict[str, np.ndarray], start: int) -> None:
        """Check `columns` against the optimizer's groups and plan every write."""
        groups = optimizer.param_groups
        length = next(iter(columns.values())).shape[0]
        if start > length and not self._on_hold:
            raise ValueError(
                f"initial_step must be <= the schedule's length, got initial_step={start}, "
                f"length={length}"
            )
        jobs = []
        for key, arr in columns.items():
            for j, group in enumerate(groups):
                if key not in group:
                    raise ValueError(
                        f"optimizer.param_groups[{j}] has no {key!r} to schedule "
                        f"(its keys: {sorted(k for k in group if k != 'params')})"
                    )
                if key == "betas" and not (
                    isinstance(group["betas"], (tuple, list)) and len(group["betas"]) == 2
                ):
                    raise ValueError(
                        f"optimizer.param_groups[{j}]['betas'] must be a pair, "
                        f"got {group['betas']!r}"
                    )
            if arr.ndim == 2 and arr.shape[1] != len(groups):
                raise ValueError(
                    f"values[{key!r}] must have one column per param group, got "
                    f"shape={arr.shape}, len(optimizer.param_groups)={len(groups)}"
                )
            _fit_tensors(key, arr, groups)
            targets = tuple(range(len(groups)))
            if key == "weight_decay" and arr.ndim == 1:
                targets = tuple(j for j, g in enumerate(groups) if g["weight_decay"] != 0)
                if not targets:
                    raise ValueError(
                        "every param group has weight_decay=0, so a 1-D weight_decay schedule "
                        "would set none of them (groups built with weight_decay=0 are kept at "
                        "0); give the optimizer a nonzero weight_decay or pass a 2-D array"
                    )
            mode = _BETA1 if key == "betas" else _PLAIN
            if key == "lr" and arr.ndim == 1:
                mode = _LR_SCALED
            jobs.append((key, arr, targets, mode))
        self._length = length
        self._columns = columns
        # The plan of `_write`: how to read each key's row, and every (key, group) write.
        self._keys = tuple(key for key, _, _, _ in jobs)
        self._reads = tuple(
            (a.item, False) if a.ndim == 1 else (_row_reader(a), True) for _, a, _, _ in jobs
        )
        self._writes = tuple(
            (job, j, key, mode, arr.ndim == 2)
            for job, (key, arr, targets, mode) in enumerate(jobs)
            for j in targets
        )
        lr = columns.get("lr")
        # The fast paths in step(): only a 1-D learning rate; or only 1-D
        # columns and no betas (e.g. lr + weight_decay), one read per key.
        self._item = lr.item if lr is not None and lr.ndim == 1 and len(columns) == 1 else None
        self._flat: Callable[[int, list[dict[str, Any]]], None] | None = None
        if all(arr.ndim == 1 for arr in columns.values()) and "betas" not in columns:
            self._flat = _flat_writer(
                tuple(arr.item for arr in columns.values()),
                tuple(sorted(((j, key, job, mode == _LR_SCALED)
                              for job, j, key, mode, _ in self._writes), key=lambda w: w[0])),
                self._keys,
                self._not_finite,
            )

    # -- stepping -------------------------------------------------------------------------

    @property
    def length(self) -> int | None:
        """The number of steps ``N`` of the schedule (None until `size` when built lazily)."""
        return self._length

    def size(self, total_steps: int) -> None:
        """Build the values of a lazily built scheduler for `total_steps` updates.

        For ``ArrayScheduler(optimizer, build)`` with a callable ``build(total_steps)``
        returning the values (an array or a mapping): called once the run's length is
        known — by the Hugging Face and Lightning callbacks at train start, from
        ``state.max_steps`` or ``trainer.estimated_stepping_batches``. Writes the
        current update's values (a checkpoint loaded before sizing is applied now).

        Raises
        ------
        ValueError
            If the scheduler is already sized, or `build` returns a schedule
            of another length.
        """
        n = check.integer(total_steps, "total_steps", minimum=1)
        if self._build is None or self._length is not None:
            raise ValueError(f"the scheduler is already sized, length={self._length}")
        columns = _columns(self._build(n))
        got = next(iter(columns.values())).shape[0]
        if got != n:
            raise ValueError(
                f"build(total_steps) must return {n} steps, got {got} "
                f"(total_steps={n})"
            )
        self._install(self.optimizer, columns, self._start)
        pending, self._pending = self._pending, None
        if pending is not None:
            self.load_state_dict(pending[0], strict=pending[1])
            return
        self.last_epoch = self._start
        self._write(self._index(self._start))
        self._past_end = self._start >= self._length

    @property
    def keys(self) -> tuple[str, ...]:
        """The param-group keys this scheduler sets."""
        return tuple(self._columns)

    def step(self, epoch: int | None = None) -> None:
        """Move the optimizer to the next update's values.

        Parameters
        ----------
        epoch : int, optional
            Deprecated in torch; jumps to update ``epoch`` (with torch's
            deprecation warning).

        Raises
        ------
        ScheduleExhaustedError
            When the next update is past the end and ``on_exhausted="raise"``.
        """
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            epoch = check.integer(epoch, "epoch")
            index = self._index(epoch)
            self._step_count += 1
            self.last_epoch = epoch
            self._past_end = epoch >= self._length
            self._write(index)
            return
        if self._length is None:
            if self._step_count:
                self._refuse_update()
            self._step_count, self.last_epoch = 1, 0  # torch's constructor step
            return
        if self._step_count == 1:
            self._check_call_order()
        i = self.last_epoch + 1
        index = i if i < self._length else self._index(i)
        item = self._item
        if item is None:
            flat = self._flat
            if flat is None:
                self._write(index)
            else:
                flat(index, self.optimizer.param_groups)
        else:
            value = item(index)
            if value - value:
                self._not_finite("lr", index, value)
            for group in self.optimizer.param_groups:
                value_j = value * group["lr_scale"] if "lr_scale" in group else value
                current = group["lr"]
                if current.__class__ is float:
                    group["lr"] = value_j
                elif isinstance(current, _Tensor):
                    current.fill_(value_j)
                else:
                    group["lr"] = value_j
        self._step_count += 1
        self.last_epoch = i
        if i >= self._length:
            self._past_end = True

    def _index(self, i: int) -> int:
        """The array index of update `i`; raises past the end unless holding."""
        if i < self._length:
            return i
        if i == self._length or self._on_hold:
            return self._length - 1
        raise ScheduleExhaustedError(
            f"step must be <= the schedule's length, got step={i}, length={self._length}: "
            f"the scheduler was stepped past the end of its values (build a longer schedule, "
            f"or pass on_exhausted='hold' to keep the last value)"
        )

    def _write(self, index: int, _float: type = float, _tensor: type = _Tensor) -> None:
        """Write every scheduled key of update `index` into the param groups.

        Every value is read and checked before the first one is written, so
        an error leaves the optimizer as it was. (The keyword defaults only
        bind constants as locals, for speed.)
        """
        rows = []
        for read, two_d in self._reads:
            row = read(index)
            if (any(v - v for v in row) if two_d else row - row):
                self._not_finite(self._keys[len(rows)], index, row)
            rows.append(row)
        groups = self.optimizer.param_groups
        for job, j, key, mode, two_d in self._writes:
            group = groups[j]
            value = rows[job][j] if two_d else rows[job]
            if mode:
                if mode == _LR_SCALED:
                    if "lr_scale" in group:
                        value = value * group["lr_scale"]
                else:  # betas: only the first element
                    beta1, beta2 = group["betas"]
                    if isinstance(beta1, _tensor):
                        beta1.fill_(value)
                    else:
                        group["betas"] = (value, beta2)
                    continue
            current = group[key]
            if current.__class__ is _float:
                group[key] = value
            elif isinstance(current, _tensor):
                current.fill_(value)
            else:
                group[key] = value

    @staticmethod
    def _not_finite(key: str, index: int, value: Any) -> None:
        if isinstance(value, list):  # a row of a 2-D array
            column = next(j for j, v in enumerate(value) if v - v)
            raise ValueError(
                f"values[{key!r}] must be finite, got "
                f"values[{key!r}][{index}, {column}]={value[column]!r}"
            )
        raise ValueError(
            f"values[{key!r}] must be finite, got values[{key!r}][{index}]={value!r}"
        )

    def _check_call_order(self) -> None:
        """Torch's warning when ``step()`` comes before ``optimizer.step()``."""
        if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
            warnings.warn(
                "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                "initialization. Please, make sure to call `optimizer.step()` before "
                "`lr_scheduler.step()`. See more details at "
                "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                UserWarning,
                stacklevel=3,
            )
        elif not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                "will result in PyTorch skipping the first value of the learning rate schedule. "
                "See more details at "
                "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                UserWarning,
                stacklevel=3,
            )

    # -- torch's scheduler interface ------------------------------------------------------

    def get_lr(self) -> list[float]:
        """The learning rates of update ``last_epoch`` for every group, from the arrays."""
        lr = self._columns.get("lr")
        if lr is None:
            return [float(g["lr"]) for g in self.optimizer.param_groups]
        index = self._index(max(self.last_epoch, 0))
        groups = self.optimizer.param_groups
        if lr is None:
            return [float(g["lr"]) for g in groups]
        if lr.ndim == 2:
            return [lr.item(index, j) for j in range(len(groups))]
        value = lr.item(index)
        return [value * g["lr_scale"] if "lr_scale" in g else value for g in groups]

    def get_last_lr(self) -> list[float | torch.Tensor]:
        """The groups' current learning rates (tensors are cloned), as torch's schedulers."""
        return [
            g["lr"].clone() if isinstance(g["lr"], _Tensor) else g["lr"]
            for g in self.optimizer.param_groups
        ]

    @property
    def _last_lr(self) -> list[float | torch.Tensor]:
        return self.get_last_lr()

    @_last_lr.setter
    def _last_lr(self, value: Any) -> None:
        """Ignored: the last learning rates are always read from the optimizer."""

    # -- checkpoints ----------------------------------------------------------------------

    @property
    def fingerprint(self) -> str:
        """``"sha256:..."`` of the values (computed once, on first use), or the one given."""
        if self._fingerprint is None:
            if self._length is None:
                self._refuse_update()
            self._fingerprint = fingerprint(self._columns)
        return self._fingerprint

    def state_dict(self) -> dict[str, Any]:
        """Plain-Python state: format, step, length, keys and fingerprint; never the values.

        A lazily built scheduler has a state only once sized.

        Returns
        -------
        dict
            ``{"format": str, "step": int, "length": int, "keys": list[str],
            "fingerprint": str}``; ``step`` is ``last_epoch``, the update
            whose values the optimizer holds.
        """
        if self._length is None:
            self._refuse_update()
        return {
            "format": FORMAT,
            "step": int(self.last_epoch),
            "length": int(self._length),
            "keys": list(self._columns),
            "fingerprint": self.fingerprint,
        }

    def load_state_dict(self, state_dict: dict[str, Any], *, strict: bool | None = None) -> None:
        """Restore the step and write its values into the optimizer at once.

        Parameters
        ----------
        state_dict : dict
            What `state_dict` returned (possibly after ``torch.save`` /
            ``torch.load(weights_only=True)``).
        strict : bool, optional
            Refuse a checkpoint made with a different schedule (another
            fingerprint). Defaults to the constructor's `strict`. With
            ``strict=False`` the restored step continues on this schedule.

        Raises
        ------
        ValueError
            On a malformed state, a different schedule under `strict`, or a
            step past this schedule's end (unless ``on_exhausted="hold"``).
        """
        strict = self.strict if strict is None else check.flag(strict, "strict")
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")
        missing = [k for k in ("format", "step", "length", "fingerprint") if k not in state_dict]
        if missing or state_dict["format"] != FORMAT:
            raise ValueError(
                f"state_dict must come from ArrayScheduler.state_dict() ({FORMAT}), "
                f"got keys {sorted(state_dict)}"
                + (f" with format={state_dict['format']!r}" if not missing else "")
            )
        step = state_dict["step"]
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"state_dict['step'] must be an int >= 0, got step={step!r}")
        if self._length is None:  # checked and applied by `size`
            self._pending = (dict(state_dict), strict)
            return
        theirs, ours = state_dict["fingerprint"], self.fingerprint
        if strict and theirs != ours:
            raise ValueError(
                "the checkpoint was made with a different schedule: checkpoint "
                f"fingerprint={theirs}, length={state_dict['length']}, "
                f"keys={state_dict.get('keys')}; this scheduler fingerprint={ours}, "
                f"length={self._length}, keys={list(self._columns)}. "
                f"Pass strict=False to continue at step {step} on this schedule."
            )
        step = int(step)
        if step > self._length and not self._on_hold:
            raise ValueError(
                f"state_dict['step'] must be <= the schedule's length, got step={step}, "
                f"length={self._length} (pass on_exhausted='hold' to keep the last value)"
            )
        self._write(self._index(step))
        self.last_epoch = step
        self._past_end = step >= self._length

    def __repr__(self) -> str:
        return (
            f"ArrayScheduler(keys={list(self._columns)}, length={self._length}, "
            f"step={self.last_epoch}, on_exhausted={'hold' if self._on_hold else 'raise'!r})"
        )


class ScheduleMismatchWarning(UserWarning):
    """A run and its schedule have different lengths (the framework callbacks warn)."""


def find_scheduler(scheduler: Any) -> ArrayScheduler | None:
    """The `ArrayScheduler` in `scheduler` or in its wrappers (``.scheduler``), if any."""
    while scheduler is not None and not isinstance(scheduler, ArrayScheduler):
        scheduler = getattr(scheduler, "scheduler", None)
    return scheduler


def check_run(scheduler: ArrayScheduler, updates: int, where: str) -> None:
    """Warn when a run of `updates` optimizer updates ended before or after its schedule.

    Examples
    --------
    >>> import warnings, torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> sched = ArrayScheduler(opt, [1.0, 0.5, 0.25])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_run(sched, 2, "my loop")
    >>> print(str(caught[0].message)[:70])
    my loop: training ended after 2 optimizer updates, but the schedule ha
    """
    length = scheduler.length
    if length is None:
        return
    if updates < length:
        warnings.warn(
            f"{where}: training ended after {updates} optimizer updates, but the schedule "
            f"has {length} steps: its last {length - updates} values never ran; size the "
            f"schedule from the run",
            ScheduleMismatchWarning,
            stacklevel=3,
        )
    elif updates > length:
        warnings.warn(
            f"{where}: training ran {updates} optimizer updates, past the schedule's {length} "
            f"steps: the last {updates - length} held its last value",
            ScheduleMismatchWarning,
            stacklevel=3,
        )
