"""Run every benchmark and print one table: python -m tests.bench [--quick] [--only NAME]."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from datetime import date
from pathlib import Path

# The end-to-end benchmarks (the real bot process over sockets against the stand-in) come first:
# they measure what members feel. Then the lookup against its fair peers and the other figures of
# whole commands or quality; the internal ones come last, every row marked "(internal)": parts of the
# bot without Discord (no interaction, no REST call), kept to find a regression.
END_TO_END = ("interactions", "ready", "lookup")
INTERNAL = ("answers", "engines", "judge", "memory", "report", "review", "scheduler")
INTERNAL_MARK = "(internal)"


def order(name: str) -> tuple:
    if name in END_TO_END:
        return (0, END_TO_END.index(name), name)
    return (2 if name in INTERNAL else 1, name == "startup", name)


# Every tests/bench/bench_NAME.py with a `run(quick: bool) -> list[Row]`.
BENCHMARKS = tuple(
    sorted((p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py")), key=order)
)


def label(module: str, row_name: str) -> str:
    """The row's name as printed: an internal benchmark's rows always say so."""
    if module in INTERNAL and not row_name.startswith(INTERNAL_MARK):
        return f"{INTERNAL_MARK} {row_name}"
    return row_name


def cpu_model() -> str:
    """The processor's name (/proc/cpuinfo on Linux), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """e.g. "2 cores (AMD EPYC), Python 3.11.7, Linux 6.8.0 x86_64 (Debian GNU/Linux 12)"."""
    system = f"{platform.system()} {platform.release()} {platform.machine()}"
    try:
        system += f" ({platform.freedesktop_os_release()['PRETTY_NAME']})"
    except (OSError, AttributeError, KeyError):
        pass
    return f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, {system}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append")
    args = parser.parse_args()
    print(f"Machine: {machine()}, {date.today().isoformat()}")
    print()
    print("| benchmark | measured | target | |")
    print("|---|---|---|---|")
    failed = False
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"tests.bench.bench_{name}")
        for row in module.run(quick=args.quick):
            mark = "" if row.ok is None else ("ok" if row.ok else "MISSED")
            failed |= row.ok is False
            print(f"| {label(name, row.name)} | {row.value} | {row.target} | {mark} |", flush=True)
    if failed:
        print("\nMISSED: at least one target above (exit status 1).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
