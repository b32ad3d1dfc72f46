#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ranges.py BENCH RUNS [CASE...]

Run the host benchmark RUNS times (with the named cases only, if any) and
print, for every figure and ratio it prints, the range over the runs: the
lowest, the median and the highest value, with the load average recorded
before and after each run. A figure from one run says little on a shared
machine; the range over several, with the load beside it, is what
docs/performance.md reports. Exits 1 if any run of the benchmark failed
(a wrong result voids its figures).

  python3 bench/ranges.py build/bench/sv39-bench 5 map4k clone protect harvest
"""
import re
import statistics
import subprocess
import sys

FIGURE = re.compile(r"^  (op\S*|\(\w'?\))\s+(.*?)\s+([\d.e+-]+) ns \[min\s+([\d.e+-]+)\]")
RATIO = re.compile(r"([\w()'-]+/[\w()'-]+) = ([\d.]+)")
MINIMA = re.compile(r"minima ([\d.]+)")


def parse(out, values):
    """Add this run's figures and ratios to values: {(case, name): [v...]}."""
    case = None
    for line in out.splitlines():
        if line and not line.startswith(" ") and not re.match(
                r"(sv39-bench|method|ops|targets|load average|library built)", line):
            case = line.rstrip()
            continue
        if case is None:
            continue
        m = FIGURE.match(line)
        if m:
            values.setdefault((case, "%s ns (median)" % m.group(1)), []).append(float(m.group(3)))
            continue
        for m in RATIO.finditer(line):
            values.setdefault((case, m.group(1)), []).append(float(m.group(2)))
            # a target printed after this ratio: count the runs that met it
            verdict = re.match(r" \(target [<>]= [\d.]+: (met|MISSED)", line[m.end():])
            if verdict:
                values.setdefault((case, m.group(1) + " target met"), []).append(
                    1.0 if verdict.group(1) == "met" else 0.0)
        m = MINIMA.search(line)
        if m:
            # the minima belong to the ratio printed just before them
            before = [r for r in RATIO.finditer(line) if r.start() < m.start()]
            if before:
                values.setdefault((case, before[-1].group(1) + " of the minima"),
                                  []).append(float(m.group(1)))


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    bench, runs, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    values, loads, status = {}, [], 0
    for _ in range(runs):
        run = subprocess.run([bench] + cases, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout)
            status = 1
        loads += [l for l in run.stdout.splitlines() if l.startswith("load average")]
        parse(run.stdout, values)
    print("%s %s, %d runs" % (bench, " ".join(cases), runs))
    for l in loads:
        print("  " + l)
    last_case = None
    for (case, name), v in values.items():
        if case != last_case:
            print("\n" + case)
            last_case = case
        if name.endswith(" target met"):
            print("  %-28s in %d of %d runs" % (name, sum(v), len(v)))
            continue
        print("  %-28s %9.4g .. %9.4g .. %9.4g   (lowest, median, highest)"
              % (name, min(v), statistics.median(v), max(v)))
    return status


if __name__ == "__main__":
    sys.exit(main())
