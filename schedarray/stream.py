"""Streaming a schedule to a ``.npy`` file, for schedules larger than memory.

`write_npy` computes the schedule window by window (`schedarray.window`)
into one reused buffer and appends each window to the file, so memory stays
bounded by the buffer whatever the length (2·10^9 float32 steps is an 8 GB
file written with ~32 MB of buffers). The file is written under a temporary
name beside the target and renamed only when complete, so an error or an
interrupt never leaves a partial file behind. Every window equals the same
slice of the whole schedule bit for bit, so the file equals the in-memory
array.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from . import _check as check
from ._plan import recording, window

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_npy"]

#: Steps computed and written per window by default (32 MB of float64).
CHUNK_STEPS = 1 << 22


def write_npy(
    path: str | os.PathLike[str],
    schedule: Callable[..., Any],
    /,
    *args: Any,
    dtype: DTypeLike = np.float64,
    chunk_steps: int = CHUNK_STEPS,
    progress: bool | None = None,
    **kwargs: Any,
) -> Path:
    """Write ``schedule(*args, dtype=dtype, **kwargs)`` to the ``.npy`` file `path`.

    The array is never held in memory: it is computed `chunk_steps` steps at
    a time and appended to the file, which `numpy.load` reads back (use
    ``mmap_mode="r"`` for files larger than memory). The result is
    bit-identical to the in-memory schedule.

    Parameters
    ----------
    path : str or PathLike
        The file to create or replace, used exactly as given (no ``.npy`` is
        appended). Its directory must exist.
    schedule : callable
        A schedarray schedule function that renders one plan: every native
        schedule (`schedarray.warmup_cosine`, ...) and the `schedarray.compat`
        functions built the same way. `args` and `kwargs` are its arguments;
        ``backend`` is passed on, ``out`` cannot be given. Compositions of
        whole arrays (``join`` of arrays, torch's ``sequential_lr``) are
        refused: each window would recompute them whole.
    dtype : {float64, float32}, optional
        dtype of the file.
    chunk_steps : int, optional
        Steps per window; memory use is about ``chunk_steps`` times the item
        size (plus 16k float64 of scratch on the NumPy path).
    progress : bool, optional
        Show a progress line on stderr; by default only when stderr is a
        terminal.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    TypeError, ValueError
        For invalid schedule arguments, before any file is created.

    Notes
    -----
    The data go to ``.<name>.<pid>.tmp`` in the target directory, which is
    renamed to `path` (`os.replace`) once complete and deleted on any error,
    including `KeyboardInterrupt`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import schedarray as sa
    >>> path = os.path.join(tempfile.mkdtemp(), "lr.npy")
    >>> _ = sa.write_npy(path, sa.linear, 5, start=1.0, chunk_steps=2)
    >>> np.load(path)
    array([1.  , 0.75, 0.5 , 0.25, 0.  ])
    """
    from pathlib import Path  # not at import: pathlib costs ~3 ms of `import schedarray`

    target = Path(os.fspath(path))
    if not callable(schedule):
        raise TypeError(f"schedule must be callable, got schedule={schedule!r}")
    if "out" in kwargs:
        raise TypeError("write_npy writes the file itself, got an out= argument")
    chunk = check.integer(chunk_steps, "chunk_steps", minimum=1)
    file_dtype = check.prepare_out(0, dtype, None).dtype
    show = sys.stderr.isatty() if progress is None else check.flag(progress, "progress")
    kwargs["dtype"] = file_dtype

    # Validate the arguments and learn the length from an empty window.
    with recording() as plans:
        window(schedule, 0, 0, *args, **kwargs)
    if len(plans) != 1:
        name = getattr(schedule, "__name__", schedule)
        raise TypeError(
            "write_npy streams schedules rendered from one plan (every native schedule "
            f"and most compat functions); schedule={name!r} rendered {len(plans)}, "
            "so compute it in memory and np.save it instead"
        )
    n = plans[0].length

    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    buffer = np.empty(min(chunk, n), dtype=file_dtype)
    header = {
        "descr": np.lib.format.dtype_to_descr(file_dtype),
        "fortran_order": False,
        "shape": (n,),
    }
    meter = _Progress(target.name, n) if show else None
    try:
        with open(temporary, "wb") as f:
            np.lib.format.write_array_header_1_0(f, header)
            for a in range(0, n, chunk):
                b = min(a + chunk, n)
                part = window(schedule, a, b, *args, out=buffer[: b - a], **kwargs)
                f.write(memoryview(np.ascontiguousarray(part, dtype=file_dtype)).cast("B"))
                if meter is not None:
                    meter.update(b)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if meter is not None:
            meter.close()
    return target


class _Progress:
    """A one-line progress report on stderr, redrawn at most ten times a second."""

    def __init__(self, name: str, total: int) -> None:
        self.name, self.total = name, total
        self.started = self.shown = time.perf_counter()

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.shown < 0.1 and done < self.total:
            return
        self.shown = now
        rate = done / max(now - self.started, 1e-9)
        bar = "#" * (30 * done // self.total)
        sys.stderr.write(
            f"\r{self.name} [{bar:<30}] {100 * done / self.total:5.1f}% "
            f"{done:,}/{self.total:,} steps, {rate / 1e6:.0f} M steps/s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()
