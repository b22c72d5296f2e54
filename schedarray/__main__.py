"""``python -m schedarray`` and the ``schedarray`` console script: the command line.

See `schedarray.cli`; ``schedarray show example`` shows a built-in schedule.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``schedarray`` command line (`schedarray.cli.main`); return the exit status."""
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
