#!/usr/bin/env python3
"""PELT (the `ruptures` library) for wattson's `regress` benchmark.

Usage: run.py REQUEST.json RESULT.json

REQUEST: {"series": [[float, ...], ...], "repeat": int, "min_size": int}
RESULT:  {"version": str, "indexes": [[int, ...], ...],
          "seconds": [[float, ...], ...]}

Each series goes through PELT with the L2 cost (a change in the mean) and a
BIC-like penalty, 2 σ² ln n, where σ is estimated robustly from the series
itself (the median absolute successive difference, scaled for Gaussian
noise, as R's `changepoint` package does). The L2 cost runs through
`ruptures.KernelCPD(kernel="linear")`, ruptures' C implementation of the
same search: it gives the same breakpoints as `ruptures.Pelt(model="l2")`
and is thousands of times faster (`Pelt` with `jump=1` takes 6 s on one
1,000-point series here). `jump=1`: every index may be a change. Only the
fit and predict are timed. An index is the first point after the change, as
in wattson. Exit status 3 when ruptures is not installed (`pip install
ruptures`).
"""

import json
import math
import sys
import time


def main() -> int:
    try:
        from importlib.metadata import version

        import numpy as np
        import ruptures
    except ImportError as e:
        print(f"ruptures is not installed: {e}", file=sys.stderr)
        return 3

    with open(sys.argv[1]) as f:
        req = json.load(f)
    out = {"version": version("ruptures"), "indexes": [], "seconds": []}
    for series in req["series"]:
        times = []
        cps = []
        for _ in range(max(1, req.get("repeat", 1))):
            signal = np.asarray(series, dtype=float)
            start = time.perf_counter()
            diffs = np.abs(np.diff(signal))
            sigma = np.median(diffs) / (0.6744897501960817 * math.sqrt(2.0))
            penalty = 2.0 * sigma * sigma * math.log(len(signal))
            algo = ruptures.KernelCPD(kernel="linear", min_size=req["min_size"], jump=1)
            cps = algo.fit(signal).predict(pen=penalty)
            times.append(time.perf_counter() - start)
        # ruptures ends the list with the series' length.
        out["indexes"].append(sorted(int(c) for c in cps if int(c) < len(series)))
        out["seconds"].append(times)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
