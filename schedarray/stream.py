"""Streaming a schedule to a ``.npy`` file, and writing any output file safely.

`write_npy` computes the schedule window by window (`schedarray.window`)
into one reused buffer and appends each window to the file, so memory stays
bounded by the buffer whatever the length (2·10^9 float32 steps is an 8 GB
file written with ~32 MB of buffers). Every window equals the same slice of
the whole schedule bit for bit, so the file equals the in-memory array.

Every file the library or the CLI writes goes through `write_atomic`: the
data go to a fresh temporary file beside the target (``tempfile.mkstemp``,
never a predictable name, so no link planted there is followed), which is
renamed over the target only when complete. A target that is a symbolic link
is replaced by the new file, as ``mv`` replaces it: the file the link points
to is never opened. On any exception, SIGINT or SIGTERM the temporary is
deleted and a file already at the target stays as it was.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from . import _check as check
from ._plan import recording, window

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_atomic", "write_npy"]

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
    Written through `write_atomic`: a temporary file beside `path`, renamed
    over it once complete and deleted on any error, SIGINT or SIGTERM; a
    `path` that is a symbolic link is replaced (as ``mv`` does), never
    written through.

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

    buffer = np.empty(min(chunk, n), dtype=file_dtype)
    header = {
        "descr": np.lib.format.dtype_to_descr(file_dtype),
        "fortran_order": False,
        "shape": (n,),
    }

    def write(f: IO[bytes]) -> None:
        np.lib.format.write_array_header_1_0(f, header)
        for a in range(0, n, chunk):
            b = min(a + chunk, n)
            part = window(schedule, a, b, *args, out=buffer[: b - a], **kwargs)
            f.write(memoryview(np.ascontiguousarray(part, dtype=file_dtype)).cast("B"))
            if meter is not None:
                meter.update(b)

    meter = _Progress(target.name, n) if show else None
    try:
        write_atomic(target, write)
    finally:
        if meter is not None:
            meter.close()
    return target


class _Signalled(BaseException):
    """A signal whose default action ends the process arrived during a write."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into exceptions inside the block (main thread only).

    A signal whose handler is the default one raises `_Signalled`; it is
    delivered again with the previous handler after the block, so the process
    still ends as it would have. A Python handler (SIGINT's usual one raises
    `KeyboardInterrupt`) is called, and what it raises propagates through the
    block. An ignored signal stays ignored. The handlers in place before are
    restored on leaving the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals and may set handlers
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        before = previous[signum]
        if callable(before):
            before(signum, frame)
        else:
            raise _Signalled(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        before = signal.getsignal(signum)
        if before in (signal.SIG_IGN, None):
            continue
        previous[signum] = before
        signal.signal(signum, handler)
    try:
        yield
    except _Signalled as exc:
        for signum, before in previous.items():
            signal.signal(signum, before)
        previous.clear()
        os.kill(os.getpid(), exc.signum)  # the default action: the process ends here
        raise SystemExit(128 + exc.signum) from None
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[IO[bytes]], None],
    *,
    overwrite: bool = True,
) -> None:
    """Create `path` with the bytes ``write(file)`` writes, all or nothing.

    `write` writes to a fresh temporary file in the directory of `path`
    (made by `tempfile.mkstemp`, mode ``0o666`` less the umask once complete),
    which is flushed to disk and renamed to `path`. Nothing is ever written
    through a symbolic link: a `path` that is one is replaced by the new file
    (as ``mv`` does) and the file it points to is left as it was. On any
    exception, SIGINT or SIGTERM during the write, the temporary file is
    deleted and whatever was at `path` stays; the signal handlers in place
    before are restored (see the module docstring).

    Parameters
    ----------
    path : str or PathLike
        The file to create (its directory must exist).
    write : callable
        Called once with the open binary file.
    overwrite : bool, optional
        Replace an existing `path`. If False and something (a file or a link)
        is at `path` when the data are complete, `FileExistsError` is raised
        and nothing changes.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> write_atomic(path, lambda f: f.write(b"abc"))
    >>> path.read_bytes()
    b'abc'
    """
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
    with _signals_raise():
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
                os.fchmod(file.fileno(), 0o666 & ~_umask())
            if overwrite:
                os.replace(temporary, target)  # replaces a link itself, as mv does
            else:
                try:
                    os.link(temporary, target)  # fails if anything is at the target
                except FileExistsError:
                    raise
                except OSError:  # no hard links on this file system
                    if os.path.lexists(target):
                        raise FileExistsError(17, "File exists", target) from None
                    os.replace(temporary, target)
                else:
                    os.unlink(temporary)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


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
