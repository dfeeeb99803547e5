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
    every ``every`` seconds (the first after ``every`` seconds, and at the last step);
    without a ``total`` (``None``), ``"<label>: <unit> k, T s elapsed"``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> cb = ProgressLines("fit", total=2, unit="iteration", every=1e9, stream=out)
    >>> cb(1), cb(2), out.getvalue().split(",")[0]
    (False, False, 'fit: iteration 2/2 (100%)')
    """

    def __init__(self, label: str, total: int | None, *, unit: str = "step",
                 every: float = 30.0, stream=None):
        self.label, self.unit = str(label), str(unit)
        self.total = None if total is None else int(total)
        self.every = float(every)
        self.stream = stream
        self.start = time.perf_counter()
        self.last = self.start
        self.count = 0

    def __call__(self, *args) -> bool:
        self.count += 1
        k = int(args[0]) if args and isinstance(args[0], int) else self.count
        now = time.perf_counter()
        last_step = self.total is not None and k >= self.total
        if now - self.last >= self.every or last_step:
            self.last = now
            spent = now - self.start
            if self.total is None:
                text = f"{self.label}: {self.unit} {k}, {spent:.0f} s elapsed"
            else:
                left = spent * (self.total - k) / k if k else float("nan")
                text = (f"{self.label}: {self.unit} {k}/{self.total} "
                        f"({100 * k / self.total:.0f}%), {spent:.0f} s elapsed, "
                        f"~{left:.0f} s left")
            print(text, file=self.stream or sys.stderr, flush=True)
        return False
