"""Progress of long work when no progress bar is shown: a line now and then on stderr.

tqdm's bars (``disable=None``) show only on a terminal; in a log file long runs would be
silent. :class:`ProgressLines` is a callback for the solvers' ``callback`` hooks that
prints one line every ``every`` seconds (and never returns ``True``, so it never stops
the work).

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> report = ProgressLines("tdvp", total=4, unit="step", every=0.0, stream=out)
>>> report(2, 1.0, -0.5)
False
>>> out.getvalue().startswith("tdvp: step 2/4 (50%)")
True
"""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressLines", "interactive"]


def interactive(stream=None) -> bool:
    """Whether ``stream`` (default ``sys.stderr``) is a terminal, where tqdm bars show.

    Examples
    --------
    >>> import io
    >>> interactive(io.StringIO())
    False
    """
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ProgressLines:
    """Callback printing ``"<label>: <unit> k/total (p%), T s elapsed, ~R s left"`` at most
    every ``every`` seconds (the first after ``every`` seconds, and at the last step).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> cb = ProgressLines("fit", total=2, unit="iteration", every=1e9, stream=out)
    >>> cb(1), cb(2), out.getvalue().split(",")[0]
    (False, False, 'fit: iteration 2/2 (100%)')
    """

    def __init__(self, label: str, total: int, *, unit: str = "step", every: float = 30.0,
                 stream=None):
        self.label, self.total, self.unit = str(label), int(total), str(unit)
        self.every = float(every)
        self.stream = stream
        self.start = time.perf_counter()
        self.last = self.start
        self.count = 0

    def __call__(self, *args) -> bool:
        self.count += 1
        k = int(args[0]) if args and isinstance(args[0], int) else self.count
        now = time.perf_counter()
        if now - self.last >= self.every or k >= self.total:
            self.last = now
            spent = now - self.start
            left = spent * (self.total - k) / k if k else float("nan")
            print(f"{self.label}: {self.unit} {k}/{self.total} ({100 * k / self.total:.0f}%), "
                  f"{spent:.0f} s elapsed, ~{left:.0f} s left",
                  file=self.stream or sys.stderr, flush=True)
        return False
