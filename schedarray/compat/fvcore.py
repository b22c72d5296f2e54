r"""fvcore's parameter schedulers and detectron2's warmup wrapper, as whole arrays.

fvcore's schedulers (``fvcore.common.param_scheduler``, fvcore
0.1.5.post20221221) are functions of ``where``, the fraction of training done,
not of a step count, and the composite ones take other schedulers as
arguments. So each function here returns a scheduler object, not an array:

* ``sched(where)`` gives fvcore's value for one ``where``, with fvcore's
  arithmetic, its ``WHERE_EPSILON = 1e-6`` and its validation;
* ``sched.sample(num_steps)`` gives the array ``result[t] = sched(t / num_steps)``,
  bit-identical to fvcore's scalar calls: the ``where`` array is fvcore's
  ``t / num_steps`` and every scheduler applies fvcore's float expressions to
  it in fvcore's order, vectorized (no per-step Python; ``cos`` and ``**`` go
  through the same ``libm`` functions as Python's, `schedarray._libm`);
* `lr_multiplier` is detectron2's ``LRMultiplier``: ``result[t] = base_lr *
  multiplier(t / max_iter)`` for the ``max_iter`` updates of a detectron2 run
  (the constructor sets ``t = 0`` and ``scheduler.step()`` after every update
  gives the next ``t``). A list of base rates gives one column per group.

`from_fvcore` converts existing fvcore scheduler objects (detectron2's
included), so a config can be ported without rewriting it.
`warmup_param_scheduler` is detectron2's ``WarmupParamScheduler``
(``detectron2/solver/lr_scheduler.py``; detectron2 is not on PyPI), including
its ``rescale_interval`` switch.

Conventions kept from fvcore that differ from schedarray's native ones:

* the end value is never reached: the last update has ``where = (N - 1) / N``;
* a step change happens where ``int((where + 1e-6) * k)`` changes, so with
  more than ``10**6`` steps a step comes up to ``10**-6 * N`` steps early,
  and `step_param_scheduler` fails at the very end (fvcore raises
  ``IndexError`` there, and so does this, see below);
* a composite switches to scheduler ``i + 1`` once ``where + 1e-6`` passes
  the cumulative length, so a ``'rescaled'`` scheduler may see a ``where``
  slightly below 0; a ``'fixed'`` one sees the global ``where``;
* detectron2's linear warmup ends at the main scheduler's value at
  ``warmup_length`` (at its start with ``rescale_interval=True``), reached
  only one step after the warmup.

Where fvcore raises ``ValueError`` for bad arguments, this raises `ValueError`
(or `TypeError` for a wrong type), with a message naming the value. Where
fvcore fails at some ``where`` with another type (``RuntimeError`` for
``where`` outside ``[0, 1]``, ``IndexError`` past a `step_param_scheduler`'s
values, ``ZeroDivisionError`` in a ``'rescaled'`` scheduler of length 0), the
scalar call and ``sample`` (at the first such step) raise an exception that is
both a `ValueError` and fvcore's type (`schedarray.errors`), so a ported
``except RuntimeError:`` still works. Unlike fvcore,
`composite_param_scheduler` does not rewrite the caller's ``lengths`` list.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import _check as check
from .. import _plan
from .._plan import Builder, Plan, active_window
from .._types import Backend, FloatArray
from ..errors import ScheduleIndexError, ScheduleRuntimeError, ScheduleZeroDivisionError

__all__ = [
    "composite_param_scheduler",
    "constant_param_scheduler",
    "cosine_param_scheduler",
    "exponential_param_scheduler",
    "from_fvcore",
    "linear_param_scheduler",
    "lr_multiplier",
    "multi_step_param_scheduler",
    "polynomial_decay_param_scheduler",
    "step_param_scheduler",
    "step_with_fixed_gamma_param_scheduler",
    "warmup_param_scheduler",
]

WHERE_EPSILON = 1e-6


#: The first failing step of each scheduler that fails: (global step, exception).
_Failures = list[tuple[int, Exception]]


def _fail(fails: _Failures, idx: NDArray[np.int64], bad: NDArray[np.bool_],
          make: Callable[[int], Exception]) -> None:
    """Record the first step flagged in `bad` (``make(k)`` builds the error for element ``k``)."""
    if bad.any():
        k = int(np.argmax(bad))
        fails.append((int(idx[k]), make(k)))


def _runs(index: Callable[[int], Any], a: int, b: int) -> list[tuple[Any, int, int]]:
    """``(k, u, v)``: the steps ``[u, v)`` of ``[a, b)`` where ``index(t) == k``.

    `index` must never decrease with ``t`` (true of fvcore's lookups, whose
    float operations are monotone); each run costs a binary search.
    """
    result = []
    u = a
    while u < b:
        k = index(u)
        lo, hi = u + 1, b
        while lo < hi:
            mid = (lo + hi) // 2
            if index(mid) != k:
                hi = mid
            else:
                lo = mid + 1
        result.append((k, u, lo))
        u = lo
    return result


class ParamScheduler:
    """An fvcore scheduler: ``sched(where)`` is a value, ``sched.sample(n)`` an array."""

    WHERE_EPSILON = WHERE_EPSILON

    def __call__(self, where: float) -> float:
        """The value at ``where``, as fvcore computes it."""
        raise NotImplementedError

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        """``[self(w) for w in where]`` with fvcore's float operations in fvcore's order.

        `idx` holds the global step of each element; where fvcore would raise,
        the first such step and its exception are appended to `fails` (the
        values there are then meaningless).
        """
        raise NotImplementedError

    #: The formula kind that names this scheduler's phases (`schedarray.spec` landmarks).
    _KIND = "constant"

    def _phases(
        self, a: int, b: int, where: Callable[[int], float]  # noqa: ARG002
    ) -> list[tuple[str, int, int]]:
        """``(kind, u, v)``: the phases of steps ``[a, b)``, step ``t`` seeing ``where(t)``."""
        return [(self._KIND, a, b)]

    def sample(
        self,
        num_steps: int,
        *,
        dtype: DTypeLike = np.float64,
        out: Any = None,
        backend: Backend = "auto",
    ) -> FloatArray:
        """``result[t] = self(t / num_steps)`` for ``t = 0 .. num_steps - 1``.

        Bit for bit ``[fvcore_sched(t / num_steps) for t in range(num_steps)]``:
        the ``where`` of every step is fvcore's ``t / num_steps``, and each
        scheduler applies fvcore's float expressions to it in fvcore's order,
        vectorized (``cos`` and ``**`` call the same ``libm`` functions as
        Python, through `schedarray._libm`). Where fvcore raises at some step,
        this raises the same error for the first such step, as an exception
        that is also fvcore's type (`schedarray.errors`). `backend` is
        accepted for a uniform signature; the values do not depend on it.
        Under `schedarray.window` only the window's steps are computed (and
        checked).

        Examples
        --------
        >>> cosine_param_scheduler(1.0, 0.0).sample(4)
        array([1.        , 0.85355339, 0.5       , 0.14644661])
        """
        n = check.steps(num_steps, "num_steps")
        check.backend(backend)
        start, stop = 0, n
        requested = active_window()
        if requested is not None:
            start, stop = requested
            if stop > n:
                raise ValueError(
                    f"window must lie inside the schedule, got stop={stop}, total_steps={n}"
                )
        buf = check.prepare_out(stop - start, dtype, out)
        idx = np.arange(start, stop, dtype=np.int64)
        fails: _Failures = []
        values = self._values(idx / n, idx, fails)  # fvcore's where = t / n, correctly rounded
        if fails:
            raise min(fails, key=lambda f: f[0])[1]
        if values.size:  # fvcore's arithmetic may overflow: refused before out= is touched
            check.fits(*check.extremes(values), buf.dtype)
        buf[...] = values
        sink = _plan._recorded.get()
        if sink is not None:  # the phases, for schedarray.spec and write_npy's length
            sink.append(self._phase_plan(n))
        return buf

    def _phase_plan(self, n: int) -> Plan:
        """A plan that records the phases (never rendered: its pieces have no parameters).

        Each run of one leaf scheduler, and of one value of a step scheduler, is a
        piece; a binary search per run finds them, so this costs no per-step work.
        """
        builder = Builder()
        for kind, u, v in self._phases(0, n, lambda t: t / n):
            builder.add(kind, v - u, ())
        return builder.plan()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._args().items())
        return f"{type(self).__name__}({args})"

    def _args(self) -> dict[str, Any]:
        return {}


def _outside(name: str, where: float, closed: bool = True) -> ScheduleRuntimeError:
    interval = "[0, 1]" if closed else "[0, 1)"
    return ScheduleRuntimeError(
        f"{name} is defined for where in {interval} (fvcore raises RuntimeError), "
        f"got where={where!r}"
    )


class ConstantParamScheduler(ParamScheduler):
    """The fvcore ``ConstantParamScheduler``."""

    def __init__(self, value: float) -> None:
        self.value = check.real(value, "value")

    def _args(self) -> dict[str, Any]:
        return {"value": self.value}

    def __call__(self, where: float) -> float:
        if where >= 1.0:
            raise _outside("ConstantParamScheduler", where, closed=False)
        return self.value

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        _fail(fails, idx, where >= 1.0, lambda k: _outside(
            "ConstantParamScheduler", float(where[k]), closed=False))
        return np.full(where.shape, self.value)


class CosineParamScheduler(ParamScheduler):
    """The fvcore ``CosineParamScheduler``."""

    _KIND = "cosine"

    def __init__(self, start_value: float, end_value: float) -> None:
        self.start_value = check.real(start_value, "start_value")
        self.end_value = check.real(end_value, "end_value")

    def _args(self) -> dict[str, Any]:
        return {"start_value": self.start_value, "end_value": self.end_value}

    def __call__(self, where: float) -> float:
        return self.end_value + 0.5 * (self.start_value - self.end_value) * (
            1 + math.cos(math.pi * where)
        )

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures  # noqa: ARG002
    ) -> NDArray[np.float64]:
        from .._libm import cos_pi_times

        half = 0.5 * (self.start_value - self.end_value)
        return self.end_value + half * (1 + cos_pi_times(where))


class ExponentialParamScheduler(ParamScheduler):
    """The fvcore ``ExponentialParamScheduler``."""

    _KIND = "exponential"

    def __init__(self, start_value: float, decay: float) -> None:
        self.start_value = check.real(start_value, "start_value")
        self.decay = check.positive(decay, "decay")

    def _args(self) -> dict[str, Any]:
        return {"start_value": self.start_value, "decay": self.decay}

    def __call__(self, where: float) -> float:
        return self.start_value * (self.decay**where)

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures  # noqa: ARG002
    ) -> NDArray[np.float64]:
        from .._libm import pow_base

        return self.start_value * pow_base(self.decay, where)


class LinearParamScheduler(ParamScheduler):
    """The fvcore ``LinearParamScheduler``."""

    _KIND = "linear"

    def __init__(self, start_value: float, end_value: float) -> None:
        self.start_value = check.real(start_value, "start_value")
        self.end_value = check.real(end_value, "end_value")

    def _args(self) -> dict[str, Any]:
        return {"start_value": self.start_value, "end_value": self.end_value}

    def __call__(self, where: float) -> float:
        return self.end_value * where + self.start_value * (1 - where)

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures  # noqa: ARG002
    ) -> NDArray[np.float64]:
        return self.end_value * where + self.start_value * (1 - where)


class PolynomialDecayParamScheduler(ParamScheduler):
    """The fvcore ``PolynomialDecayParamScheduler``."""

    _KIND = "polynomial"

    def __init__(self, base_value: float, power: float) -> None:
        self.base_value = check.real(base_value, "base_value")
        self.power = check.nonnegative(power, "power")

    def _args(self) -> dict[str, Any]:
        return {"base_value": self.base_value, "power": self.power}

    def __call__(self, where: float) -> float:
        if where > 1.0 and not self.power.is_integer():
            raise self._complex(where)
        return self.base_value * (1 - where) ** self.power

    def _complex(self, where: float) -> ValueError:
        return ValueError(
            "PolynomialDecayParamScheduler gives a complex number past where=1 "
            f"(fvcore returns it), got where={where!r}, power={self.power!r}"
        )

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        from .._libm import pow_exponent

        if not self.power.is_integer():
            _fail(fails, idx, where > 1.0, lambda k: self._complex(float(where[k])))
            where = np.minimum(where, 1.0)
        return self.base_value * pow_exponent(1 - where, self.power)


class StepParamScheduler(ParamScheduler):
    """The fvcore ``StepParamScheduler``."""

    def __init__(self, num_updates: float, values: Sequence[float]) -> None:
        if check.real(num_updates, "num_updates") <= 0:
            raise ValueError(f"num_updates must be > 0, got num_updates={num_updates!r}")
        self.num_updates = num_updates
        self.values = check.reals(values, "values")
        if not self.values:
            raise ValueError("values must hold at least one value, got values=[]")

    def _args(self) -> dict[str, Any]:
        return {"num_updates": self.num_updates, "values": list(self.values)}

    def _index(self, where: float) -> int:
        ind = int((where + WHERE_EPSILON) * len(self.values))
        if not -len(self.values) <= ind < len(self.values):
            raise self._past_end(ind, where)
        return ind

    def _past_end(self, ind: int, where: float) -> ScheduleIndexError:
        return ScheduleIndexError(
            f"StepParamScheduler has no value {ind} at where={where!r} "
            f"(where + {WHERE_EPSILON} reaches 1; fvcore raises IndexError: sample "
            f"fewer than 10**6 num_steps), "
            f"got {len(self.values)} values"
        )

    def __call__(self, where: float) -> float:
        return self.values[self._index(where)]

    def _phases(self, a: int, b: int, where: Callable[[int], float]) -> list[tuple[str, int, int]]:
        def index(t: int) -> int:
            return int((where(t) + WHERE_EPSILON) * len(self.values))

        return [("constant", u, v) for _, u, v in _runs(index, a, b)]

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        k = len(self.values)
        ind = np.trunc((where + WHERE_EPSILON) * k)  # Python's int() truncates
        bad = (ind >= k) | (ind < -k)
        _fail(fails, idx, bad, lambda j: self._past_end(int(ind[j]), float(where[j])))
        ind = np.where(bad, 0, ind).astype(np.int64)
        ind[ind < 0] += k  # Python's negative indexing
        return np.asarray(self.values, dtype=np.float64)[ind]


class StepWithFixedGammaParamScheduler(StepParamScheduler):
    """The fvcore ``StepWithFixedGammaParamScheduler``."""

    def __init__(self, base_value: float, num_decays: int, gamma: float, num_updates: int):
        base_value = check.positive(base_value, "base_value")
        gamma = check.positive(gamma, "gamma")
        num_decays = check.integer(num_decays, "num_decays", minimum=1)
        num_updates = check.integer(num_updates, "num_updates", minimum=1)
        check.allocatable((num_decays + 1,), np.dtype((np.void, 32)), "Python floats", "num_decays")
        values = [base_value]
        for _ in range(num_decays):
            values.append(values[-1] * gamma)
        if not math.isfinite(values[-1]):
            raise ValueError(
                "base_value * gamma ** num_decays must be finite, got "
                f"base_value={base_value!r}, gamma={gamma!r}, num_decays={num_decays}"
            )
        super().__init__(num_updates, values)
        self.base_value, self.num_decays, self.gamma = base_value, num_decays, gamma

    def _args(self) -> dict[str, Any]:
        return {"base_value": self.base_value, "num_decays": self.num_decays,
                "gamma": self.gamma, "num_updates": self.num_updates}


class MultiStepParamScheduler(ParamScheduler):
    """The fvcore ``MultiStepParamScheduler``."""

    def __init__(
        self,
        values: Sequence[float],
        num_updates: int | None = None,
        milestones: Sequence[int] | None = None,
    ) -> None:
        values = check.reals(values, "values")
        if not values:
            raise ValueError("values must hold at least one value, got values=[]")
        if num_updates is None and milestones is None:
            raise ValueError("num_updates and milestones cannot both be None")
        if num_updates is not None:
            num_updates = check.integer(num_updates, "num_updates")
        if milestones is None:
            width = math.ceil(num_updates / float(len(values)))
            marks = [width * (k + 1) for k in range(len(values) - 1)]
        else:
            marks = list(check.milestones(milestones, "milestones", strict=False))
            want = len(values) - int(num_updates is not None)
            if len(marks) != want:
                raise ValueError(
                    f"milestones must hold {want} values (len(values) - "
                    f"{int(num_updates is not None)}), got milestones={list(marks)!r}"
                )
        if num_updates is None:
            num_updates, marks = marks[-1], marks[:-1]
        if num_updates < len(values):
            raise ValueError(
                "num_updates must be >= len(values), got "
                f"num_updates={num_updates}, len(values)={len(values)}"
            )
        start = 0
        for m in marks:
            if m >= num_updates:
                raise ValueError(
                    "milestones must be < num_updates, got "
                    f"milestone={m}, num_updates={num_updates}"
                )
            if start >= m:
                raise ValueError(
                    f"milestones must be > 0 and strictly increasing, got milestones={marks!r}"
                )
            start = m
        self.values, self.num_updates, self.milestones = values, num_updates, tuple(marks)

    def _args(self) -> dict[str, Any]:
        return {"values": list(self.values), "num_updates": self.num_updates,
                "milestones": list(self.milestones)}

    def _index(self, where: float) -> int:
        if where > 1.0:
            raise _outside("MultiStepParamScheduler", where)
        epoch = int((where + WHERE_EPSILON) * self.num_updates)
        return bisect.bisect_right(self.milestones, epoch)

    def __call__(self, where: float) -> float:
        return self.values[self._index(where)]

    def _phases(self, a: int, b: int, where: Callable[[int], float]) -> list[tuple[str, int, int]]:
        def index(t: int) -> int:
            epoch = int((where(t) + WHERE_EPSILON) * self.num_updates)
            return bisect.bisect_right(self.milestones, epoch)

        return [("constant", u, v) for _, u, v in _runs(index, a, b)]

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        _fail(fails, idx, where > 1.0,
              lambda k: _outside("MultiStepParamScheduler", float(where[k])))
        epoch = np.trunc((where + WHERE_EPSILON) * self.num_updates)
        ind = np.searchsorted(np.asarray(self.milestones, dtype=np.float64), epoch,
                              side="right")  # bisect_right
        return np.asarray(self.values, dtype=np.float64)[ind]


class CompositeParamScheduler(ParamScheduler):
    """The fvcore ``CompositeParamScheduler``."""

    def __init__(
        self,
        schedulers: Sequence[ParamScheduler],
        lengths: Sequence[float],
        interval_scaling: Sequence[str],
    ) -> None:
        if isinstance(schedulers, (str, bytes)) or not isinstance(schedulers, Sequence):
            raise TypeError(f"schedulers must be a sequence, got schedulers={schedulers!r}")
        for k, s in enumerate(schedulers):
            if not isinstance(s, ParamScheduler):
                raise TypeError(
                    "schedulers must be schedarray.compat.fvcore schedulers, "
                    f"got schedulers[{k}]={s!r}"
                )
        lengths = list(check.reals(lengths, "lengths"))
        if len(schedulers) != len(lengths):
            raise ValueError(
                "schedulers and lengths must have the same length, got "
                f"{len(schedulers)} schedulers, lengths={lengths!r}"
            )
        if not schedulers:
            raise ValueError("there must be at least one scheduler, got schedulers=[]")
        if any(x < 0 for x in lengths):
            raise ValueError(f"lengths must be >= 0, got lengths={lengths!r}")
        if abs(sum(lengths) - 1.0) >= 1e-3:
            raise ValueError(f"lengths must sum to 1 (within 1e-3), got lengths={lengths!r}")
        if sum(lengths) != 1.0:
            lengths[-1] = 1.0 - sum(lengths[:-1])
        if not check.is_sequence(interval_scaling):
            raise TypeError(
                f"interval_scaling must be a sequence, got interval_scaling={interval_scaling!r}"
            )
        scaling = [check.choice(s, "interval_scaling", ("rescaled", "fixed"))
                   for s in interval_scaling]
        if len(scaling) != len(schedulers):
            raise ValueError(
                "interval_scaling must have one entry per scheduler, got "
                f"interval_scaling={scaling!r} for {len(schedulers)} schedulers"
            )
        self.schedulers = tuple(schedulers)
        self.lengths = tuple(lengths)
        self.interval_scaling = tuple(scaling)
        # fvcore's running_total after each scheduler, summed in its order.
        totals, running = [], 0.0
        for k, x in enumerate(self.lengths):
            running = x if k == 0 else running + x
            totals.append(running)
        self._totals = np.array(totals, dtype=np.float64)

    def _args(self) -> dict[str, Any]:
        return {"schedulers": list(self.schedulers), "lengths": list(self.lengths),
                "interval_scaling": list(self.interval_scaling)}

    def _segment(self, where: float) -> tuple[int, float]:
        """The scheduler fvcore picks for `where`, and the running total it stops at."""
        i = 0
        total = self.lengths[0]
        while where + WHERE_EPSILON > total and i < len(self.schedulers) - 1:
            i += 1
            total += self.lengths[i]
        return i, total

    def _local(self, i: int, total: float, where: float) -> float:
        if self.interval_scaling[i] != "rescaled":
            return where
        if self.lengths[i] == 0:
            raise self._zero_length(where)
        return (where - (total - self.lengths[i])) / self.lengths[i]

    @staticmethod
    def _zero_length(where: float) -> ScheduleZeroDivisionError:
        return ScheduleZeroDivisionError(
            f"a 'rescaled' scheduler of length 0 is reached at where={where!r} "
            "(fvcore raises ZeroDivisionError)"
        )

    def __call__(self, where: float) -> float:
        i, total = self._segment(where)
        return self.schedulers[i](self._local(i, total, where))

    def _phases(self, a: int, b: int, where: Callable[[int], float]) -> list[tuple[str, int, int]]:
        result = []
        for (i, total), u, v in _runs(lambda t: self._segment(where(t)), a, b):
            inner = where
            if self.interval_scaling[i] == "rescaled":
                if self.lengths[i] == 0:  # fvcore fails here; sample() raises
                    result.append(("constant", u, v))
                    continue

                def inner(t: int, i: int = i, total: float = total) -> float:
                    return self._local(i, total, where(t))

            result += self.schedulers[i]._phases(u, v, inner)
        return result

    def _values(
        self, where: NDArray[np.float64], idx: NDArray[np.int64], fails: _Failures
    ) -> NDArray[np.float64]:
        # fvcore walks i up while where + eps > running_total (and i is not the
        # last): the first i with where + eps <= totals[i], the totals being
        # non-decreasing.
        pick = np.searchsorted(self._totals, where + WHERE_EPSILON, side="left")
        np.minimum(pick, len(self.schedulers) - 1, out=pick)
        out = np.empty(where.shape)
        for i in np.unique(pick).tolist():
            mask = pick == i
            local, steps = where[mask], idx[mask]
            if self.interval_scaling[i] == "rescaled":
                length = self.lengths[i]
                if length == 0:
                    _fail(fails, steps, np.ones(local.shape, dtype=bool),
                          lambda k, local=local: self._zero_length(float(local[k])))
                    out[mask] = 0.0
                    continue
                local = (local - (float(self._totals[i]) - length)) / length
            out[mask] = self.schedulers[i]._values(local, steps, fails)
        return out


class WarmupParamScheduler(CompositeParamScheduler):
    """detectron2's ``WarmupParamScheduler``."""

    def __init__(
        self,
        scheduler: ParamScheduler,
        warmup_factor: float,
        warmup_length: float,
        warmup_method: str = "linear",
        rescale_interval: bool = False,
    ) -> None:
        if not isinstance(scheduler, ParamScheduler):
            raise TypeError(
                "scheduler must be a schedarray.compat.fvcore scheduler, "
                f"got scheduler={scheduler!r}"
            )
        factor = check.real(warmup_factor, "warmup_factor")
        length = check.fraction(warmup_length, "warmup_length")
        method = check.choice(warmup_method, "warmup_method", ("linear", "constant"))
        rescale = check.flag(rescale_interval, "rescale_interval")
        end_value = scheduler(0.0) if rescale else scheduler(length)
        start_value = factor * scheduler(0.0)
        if method == "constant":
            warmup: ParamScheduler = ConstantParamScheduler(start_value)
        else:
            warmup = LinearParamScheduler(start_value, end_value)
        super().__init__(
            [warmup, scheduler],
            lengths=[length, 1 - length],
            interval_scaling=["rescaled", "rescaled" if rescale else "fixed"],
        )
        self.scheduler, self.warmup_factor, self.warmup_length = scheduler, factor, length
        self.warmup_method, self.rescale_interval = method, rescale

    def _args(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler, "warmup_factor": self.warmup_factor,
                "warmup_length": self.warmup_length, "warmup_method": self.warmup_method,
                "rescale_interval": self.rescale_interval}


# --------------------------------------------------------------------------- factories


def constant_param_scheduler(value: float) -> ConstantParamScheduler:
    """The fvcore ``ConstantParamScheduler(value)``: `value` for every ``where < 1``.

    fvcore raises ``RuntimeError`` for ``where >= 1``; so does this
    (`schedarray.errors.ScheduleRuntimeError`, also a `ValueError`).

    Examples
    --------
    >>> constant_param_scheduler(0.1).sample(3)
    array([0.1, 0.1, 0.1])
    """
    return ConstantParamScheduler(value)


def cosine_param_scheduler(start_value: float, end_value: float) -> CosineParamScheduler:
    r"""The fvcore ``CosineParamScheduler``: half a cosine from `start_value` to `end_value`.

    .. math:: e + \tfrac12 (s - e)(1 + \cos \pi w)

    No restarts; with ``start_value < end_value`` it is a cosine warmup.
    `end_value` is reached at ``where = 1``, one step after the last.

    Examples
    --------
    >>> cosine_param_scheduler(1.0, 0.0).sample(4)
    array([1.        , 0.85355339, 0.5       , 0.14644661])
    """
    return CosineParamScheduler(start_value, end_value)


def exponential_param_scheduler(start_value: float, decay: float) -> ExponentialParamScheduler:
    r"""The fvcore ``ExponentialParamScheduler``: ``start_value * decay ** where``.

    `decay` must be > 0 (fvcore's value is complex for a negative one).

    Examples
    --------
    >>> exponential_param_scheduler(2.0, 0.25).sample(2)
    array([2., 1.])
    """
    return ExponentialParamScheduler(start_value, decay)


def linear_param_scheduler(start_value: float, end_value: float) -> LinearParamScheduler:
    r"""The fvcore ``LinearParamScheduler``: ``end_value * where + start_value * (1 - where)``.

    `end_value` is reached at ``where = 1``, one step after the last.

    Examples
    --------
    >>> linear_param_scheduler(0.0, 1.0).sample(4)
    array([0.  , 0.25, 0.5 , 0.75])
    """
    return LinearParamScheduler(start_value, end_value)


def polynomial_decay_param_scheduler(
    base_value: float, power: float
) -> PolynomialDecayParamScheduler:
    r"""The fvcore ``PolynomialDecayParamScheduler``: ``base_value * (1 - where) ** power``.

    Decays to 0 at ``where = 1`` (one step after the last). A negative
    `power` is refused (fvcore's value then grows without bound).

    Examples
    --------
    >>> polynomial_decay_param_scheduler(1.0, 2.0).sample(4)
    array([1.    , 0.5625, 0.25  , 0.0625])
    """
    return PolynomialDecayParamScheduler(base_value, power)


def step_param_scheduler(num_updates: float, values: Sequence[float]) -> StepParamScheduler:
    r"""The fvcore ``StepParamScheduler``: ``values[int((where + 1e-6) * len(values))]``.

    The values share the run equally. `num_updates` is checked (> 0) and
    otherwise unused, as in fvcore. With more than ``10**6`` steps the
    epsilon reaches past the last value at the very end, where fvcore raises
    ``IndexError``; so does building such an array
    (`schedarray.errors.ScheduleIndexError`, also a `ValueError`).

    Examples
    --------
    >>> step_param_scheduler(4, [1.0, 0.1]).sample(4)
    array([1. , 1. , 0.1, 0.1])
    """
    return StepParamScheduler(num_updates, values)


def step_with_fixed_gamma_param_scheduler(
    base_value: float, num_decays: int, gamma: float, num_updates: int
) -> StepWithFixedGammaParamScheduler:
    r"""The fvcore ``StepWithFixedGammaParamScheduler``: steps of ``base_value * gamma ** k``.

    A `step_param_scheduler` over ``base_value * gamma ** k`` for ``k = 0 ..
    num_decays``, computed by repeated multiplication as fvcore does.

    Examples
    --------
    >>> step_with_fixed_gamma_param_scheduler(1.0, 2, 0.5, 6).sample(6)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25, 0.25])
    """
    return StepWithFixedGammaParamScheduler(base_value, num_decays, gamma, num_updates)


def multi_step_param_scheduler(
    values: Sequence[float],
    num_updates: int | None = None,
    milestones: Sequence[int] | None = None,
) -> MultiStepParamScheduler:
    r"""The fvcore ``MultiStepParamScheduler``: ``values[bisect_right(milestones, k)]``.

    ``k = int((where + 1e-6) * num_updates)``: `milestones` and `num_updates`
    are in their own units (the scheduler is scale-invariant), so a
    milestone ``m`` switches at ``where = m / num_updates - 1e-6``. Without
    `milestones` the values share `num_updates` in steps of
    ``ceil(num_updates / len(values))``; without `num_updates` the last
    milestone is the end. Validated as fvcore validates.

    Examples
    --------
    >>> multi_step_param_scheduler([1.0, 0.1, 0.01], num_updates=6, milestones=[2, 4]).sample(6)
    array([1.  , 1.  , 0.1 , 0.1 , 0.01, 0.01])
    """
    return MultiStepParamScheduler(values, num_updates, milestones)


def composite_param_scheduler(
    schedulers: Sequence[ParamScheduler],
    lengths: Sequence[float],
    interval_scaling: Sequence[str],
) -> CompositeParamScheduler:
    r"""The fvcore ``CompositeParamScheduler``: schedulers one after another.

    Scheduler ``i`` runs for the share ``lengths[i]`` of the run (the shares
    must sum to 1 within ``1e-3``; the last is then adjusted so they do). It
    is picked for the first ``i`` with ``where + 1e-6 <= lengths[0] + ... +
    lengths[i]``. With ``'rescaled'`` it sees its own progress ``(where -
    start_i) / lengths[i]``, with ``'fixed'`` the global ``where``.

    Examples
    --------
    >>> warm = linear_param_scheduler(0.0, 1.0)
    >>> decay = cosine_param_scheduler(1.0, 0.0)
    >>> composite_param_scheduler([warm, decay], [0.25, 0.75], ["rescaled", "rescaled"]).sample(8)
    array([0.       , 0.5      , 1.       , 0.9330127, 0.75     , 0.5      ,
           0.25     , 0.0669873])
    """
    return CompositeParamScheduler(schedulers, lengths, interval_scaling)


def warmup_param_scheduler(
    scheduler: ParamScheduler,
    warmup_factor: float,
    warmup_length: float,
    warmup_method: str = "linear",
    rescale_interval: bool = False,
) -> WarmupParamScheduler:
    r"""detectron2's ``WarmupParamScheduler``: a warmup in front of `scheduler`.

    The composite of a warmup over the first `warmup_length` of the run
    (``'rescaled'``) and `scheduler` (``'fixed'``, or ``'rescaled'`` with
    `rescale_interval`). The warmup starts at ``warmup_factor *
    scheduler(0)`` and is either constant or linear up to
    ``scheduler(warmup_length)`` (``scheduler(0)`` with `rescale_interval`),
    a value reached only one step after the warmup. detectron2's config gives
    ``warmup_length = min(WARMUP_ITERS / MAX_ITER, 1)``.

    Examples
    --------
    >>> main = multi_step_param_scheduler([1.0, 0.1], num_updates=8, milestones=[6])
    >>> warmup_param_scheduler(main, 0.001, 2 / 8).sample(8)
    array([0.001 , 0.5005, 1.    , 1.    , 1.    , 1.    , 0.1   , 0.1   ])
    """
    return WarmupParamScheduler(
        scheduler, warmup_factor, warmup_length, warmup_method, rescale_interval
    )


def lr_multiplier(
    base_lr: float | Sequence[float],
    multiplier: ParamScheduler,
    max_iter: int,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""detectron2's ``LRMultiplier``: ``result[t] = base_lr * multiplier(t / max_iter)``.

    ``len(result) == max_iter``: detectron2 trains iterations ``0 ..
    max_iter - 1``, and its ``LRScheduler`` hook calls ``scheduler.step()``
    after each. A sequence of base rates (one per parameter group) gives a
    ``(max_iter, groups)`` array. Resuming (detectron2's ``last_iter``) is
    indexing the result.

    Examples
    --------
    >>> sched = warmup_param_scheduler(cosine_param_scheduler(1.0, 0.0), 0.1, 0.25)
    >>> lr_multiplier(0.02, sched, 4)
    array([0.002     , 0.01707107, 0.01      , 0.00292893])
    """
    if not isinstance(multiplier, ParamScheduler):
        raise TypeError(
            "multiplier must be a schedarray.compat.fvcore scheduler, "
            f"got multiplier={multiplier!r}"
        )
    n = check.integer(max_iter, "max_iter", minimum=1)
    grouped = check.is_sequence(base_lr)
    bases = check.reals(base_lr, "base_lr") if grouped else (check.real(base_lr, "base_lr"),)
    if grouped and not bases:
        raise ValueError("base_lr must hold at least one value, got base_lr=[]")
    check.backend(backend)
    kind = check.store_dtype(dtype, out)
    if not grouped and abs(bases[0]) <= 1 and kind == np.float64:
        # float64 and a product that cannot overflow: scale in place, no second array
        m = multiplier.sample(n, out=out, backend=backend)
        return np.multiply(bases[0], m, out=m)
    m = multiplier.sample(n, backend=backend)
    low, high = check.extremes(m)
    products = [b * v for b in bases for v in (low, high)]  # the extremes of the result
    check.fits(min(products), max(products), kind)
    if not grouped:
        buf = check.prepare_out(m.shape[0], dtype, out)
        return np.multiply(bases[0], m, out=buf, casting="same_kind")
    buf = check.prepare_out((m.shape[0], len(bases)), dtype, out)
    return np.multiply(np.asarray(bases)[None, :], m[:, None], out=buf, casting="same_kind")


_FVCORE = "fvcore.common.param_scheduler"


def from_fvcore(scheduler: Any) -> ParamScheduler:
    """The schedarray version of an fvcore scheduler object (fvcore need not be imported here).

    Accepts instances of fvcore's own classes and of subclasses that do not
    change ``__call__``, such as detectron2's ``WarmupParamScheduler`` (a
    `CompositeParamScheduler`); composites are converted recursively. fvcore's
    ``StepParamScheduler`` does not keep its (unused) ``num_updates``; the
    conversion records 1.

    Examples
    --------
    >>> class CosineParamScheduler:  # stands in for fvcore's class
    ...     __module__ = "fvcore.common.param_scheduler"
    ...     def __init__(self):
    ...         self._start_value, self._end_value = 1.0, 0.0
    ...     def __call__(self, where): ...
    >>> from_fvcore(CosineParamScheduler())
    CosineParamScheduler(start_value=1.0, end_value=0.0)
    """
    if isinstance(scheduler, ParamScheduler):
        return scheduler
    for cls in type(scheduler).__mro__:
        if cls.__module__ == _FVCORE and cls.__name__ in _CONVERT:
            if type(scheduler).__call__ is not cls.__call__:
                break
            return _CONVERT[cls.__name__](scheduler)
    raise TypeError(
        "scheduler must be an fvcore ParamScheduler of a built-in kind (a subclass "
        f"must not change __call__), got scheduler={scheduler!r}"
    )


_CONVERT: dict[str, Callable[[Any], ParamScheduler]] = {
    "ConstantParamScheduler": lambda s: ConstantParamScheduler(s._value),
    "CosineParamScheduler": lambda s: CosineParamScheduler(s._start_value, s._end_value),
    "ExponentialParamScheduler": lambda s: ExponentialParamScheduler(s._start_value, s._decay),
    "LinearParamScheduler": lambda s: LinearParamScheduler(s._start_value, s._end_value),
    "PolynomialDecayParamScheduler": lambda s: PolynomialDecayParamScheduler(
        s._base_value, s._power
    ),
    "StepWithFixedGammaParamScheduler": lambda s: StepWithFixedGammaParamScheduler(
        s.base_value, s.num_decays, s.gamma, s.num_updates
    ),
    "StepParamScheduler": lambda s: StepParamScheduler(1, s._param_schedule),
    "MultiStepParamScheduler": lambda s: MultiStepParamScheduler(
        s._param_schedule, s._num_updates, s._milestones
    ),
    "CompositeParamScheduler": lambda s: CompositeParamScheduler(
        [from_fvcore(x) for x in s._schedulers], list(s._lengths), list(s._interval_scaling)
    ),
}


check.publish(globals())
ParamScheduler.sample = check.api(ParamScheduler.sample)  # type: ignore[method-assign]
