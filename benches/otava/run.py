#!/usr/bin/env python3
"""Apache Otava's change-point detection for wattson's `regress` benchmark.

Usage: run.py REQUEST.json RESULT.json

REQUEST: {"series": [[float, ...], ...], "repeat": int,
          "window_len": int, "max_pvalue": float, "min_magnitude": float}
RESULT:  {"version": str, "indexes": [[int, ...], ...],
          "seconds": [[float, ...], ...]}

Each series goes through `otava.analysis.compute_change_points` (the Hunter
algorithm behind `otava analyze`: E-divisive on sliding windows, then a
t-test merge) `repeat` times; only that call is timed. An index is the
first point after the change, as in wattson. Exit status 3 when Otava is not
installed (`pip install apache-otava`).
"""

import json
import sys
import time


def main() -> int:
    try:
        from importlib.metadata import version

        from otava.analysis import compute_change_points
    except ImportError as e:
        print(f"apache-otava is not installed: {e}", file=sys.stderr)
        return 3

    with open(sys.argv[1]) as f:
        req = json.load(f)
    out = {"version": version("apache-otava"), "indexes": [], "seconds": []}
    for series in req["series"]:
        times = []
        cps = []
        for _ in range(max(1, req.get("repeat", 1))):
            # A fresh list each time: Otava takes a Python list, as `otava analyze` does.
            values = [float(v) for v in series]
            start = time.perf_counter()
            cps, _weak = compute_change_points(
                values,
                window_len=req["window_len"],
                max_pvalue=req["max_pvalue"],
                min_magnitude=req["min_magnitude"],
            )
            times.append(time.perf_counter() - start)
        out["indexes"].append(sorted(int(c.index) for c in cps))
        out["seconds"].append(times)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
