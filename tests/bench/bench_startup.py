"""Start-up: `python -m bot check` (content load + validation + migration) wall time and peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from tests.bench.common import Row


def run(quick: bool = False) -> list[Row]:
    runs = 3 if quick else 7
    times, rss = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, DATABASE_PATH=os.path.join(tmp, "bot.sqlite3"))
            start = time.perf_counter()
            # A fresh child per run so ru_maxrss is this process's peak alone.
            code = (
                "import resource, subprocess, sys;"
                "p = subprocess.run([sys.executable, '-m', 'bot', 'check'], capture_output=True);"
                "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
            )
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp)
            elapsed = (time.perf_counter() - start) * 1000
            status, kib = out.stdout.split()
            if status != "0":
                raise RuntimeError(f"python -m bot check failed: {out.stderr}")
            times.append(elapsed)
            rss.append(int(kib) / 1024)
    best = sorted(times)[len(times) // 2]
    peak = max(rss)
    return [
        Row(
            "`python -m bot check` wall time (median, incl. interpreter)",
            f"{best:.0f} ms",
            "<= 300 ms",
            best <= 300,
        ),
        Row("`python -m bot check` peak RSS", f"{peak:.0f} MB", "<= 80 MB", peak <= 80),
    ]
