"""A long hostile-input run over the public API; prints counts per outcome class.

    PYTHONPATH=. python scripts/fuzz.py --calls 20000 --seed 1

Each call runs in a worker process with an address-space limit (a huge
allocation fails there instead of swapping the machine) and a time limit
(``hang``). The outcome classes are those of `tests.fuzzing`; every call that
is not ``ok`` or ``clean`` is printed with its reason.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import random
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests import fuzzing

BAD = ("data-loss", "hang", "unclean", "non-finite", "wrong")


def _worker(conn, memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    import warnings

    warnings.simplefilter("ignore")
    targets = fuzzing.targets()
    while True:
        job = conn.recv()
        if job is None:
            return
        index, seed = job
        rng = random.Random(seed)
        target = targets[index % len(targets)]
        text = target.name
        try:
            call = fuzzing.generate(target, rng.choice)
            text = call.describe()
            conn.send(("start", "", text))
            result, out = fuzzing.run(call)
            kind, why = fuzzing.verdict(call, result, out)
        except BaseException as exc:  # the harness itself (or a BaseException from the call)
            kind, why = "unclean", f"outside the call: {type(exc).__name__}: {exc}"
        conn.send((kind, why, text))


def say(text: str) -> None:
    """One line of the report, flushed (the run is long)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> None:
    """Run the calls and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--memory", type=int, default=3 << 30, help="bytes per worker")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    targets = fuzzing.targets()
    say(f"{len(targets)} functions with a baseline; without one: "
          f"{fuzzing.missing_baselines() or 'none'}")
    ctx = mp.get_context("fork")
    counts: collections.Counter[str] = collections.Counter()
    per_target: collections.Counter[str] = collections.Counter()
    jobs = list(range(args.calls))
    started = time.perf_counter()

    def spawn():
        here, there = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(there, args.memory), daemon=True)
        proc.start()
        return [proc, here, None, 0.0, ""]

    workers = [spawn() for _ in range(args.workers)]
    next_job = 0
    done = 0
    while done < len(jobs):
        for w in workers:
            proc, conn, job, since, text = w
            if job is None and next_job < len(jobs):
                w[2], w[3] = jobs[next_job], time.perf_counter()
                conn.send((jobs[next_job], args.seed * 1_000_003 + jobs[next_job]))
                next_job += 1
            elif job is not None:
                try:
                    ready = conn.poll(0.001) and conn.recv()
                except EOFError:
                    ready, proc = None, proc
                    proc.join(1)
                if ready and ready[0] == "start":
                    w[4] = ready[2]
                elif ready:
                    kind, why, text = ready
                    counts[kind] += 1
                    per_target[text.split("(")[0]] += 1
                    if kind in BAD:
                        say(f"[{kind}] {text}\n    {why}")
                    w[2] = None
                    done += 1
                elif time.perf_counter() - since > args.timeout or not proc.is_alive():
                    kind = "hang" if proc.is_alive() else "unclean"
                    proc.kill()
                    proc.join()
                    counts[kind] += 1
                    state = "timed out" if kind == "hang" else f"died, exit {proc.exitcode}"
                    say(f"[{kind}] {text}\n    worker {state}")
                    workers[workers.index(w)] = spawn()
                    done += 1
    for proc, conn, *_ in workers:
        conn.send(None)
        proc.join()
    elapsed = time.perf_counter() - started
    say(f"\n{done} calls over {len(targets)} functions in {elapsed:.0f} s (seed {args.seed})")
    for kind in ("data-loss", "hang", "unclean", "non-finite", "wrong", "clean", "ok"):
        say(f"  {kind:10s} {counts[kind]}")


if __name__ == "__main__":
    main()
