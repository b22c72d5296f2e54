"""``python -m schedarray``: print a built-in example schedule."""

from __future__ import annotations

import numpy as np

from .composites import warmup_cosine


def main(argv: list[str] | None = None) -> int:  # noqa: ARG001 - the CLI issue extends this
    """Print the example ``warmup_cosine(1000, peak=1e-3, warmup_steps=100)``."""
    lr = warmup_cosine(1000, peak=1e-3, warmup_steps=100)
    print("warmup_cosine(1000, peak=1e-3, warmup_steps=100)")
    print(f"length {len(lr)}; lr[0]={lr[0]:g} lr[100]={lr[100]:g} lr[-1]={lr[-1]:g}")
    with np.printoptions(precision=6, threshold=20, edgeitems=5):
        print(lr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
