"""`python -m tests.bench`: end-to-end rows first, internal rows marked, a missed target fails the run."""

from __future__ import annotations

import sys
import types

import pytest

from tests.bench import __main__ as runner
from tests.bench.common import Row


def fake_benchmarks(monkeypatch, rows: dict[str, list[Row]]) -> None:
    modules = {
        f"tests.bench.bench_{name}": types.SimpleNamespace(run=lambda quick, r=r: r) for name, r in rows.items()
    }
    monkeypatch.setattr(runner.importlib, "import_module", modules.__getitem__)


def run(monkeypatch, *names: str) -> int:
    monkeypatch.setattr(sys, "argv", ["tests.bench", *(arg for name in names for arg in ("--only", name))])
    return runner.main()


def test_the_end_to_end_benchmarks_come_first_and_the_internal_ones_last():
    order = runner.BENCHMARKS
    assert order[: len(runner.END_TO_END)] == runner.END_TO_END
    internal = [name for name in order if name in runner.INTERNAL]
    assert internal and order[-len(internal) :] == tuple(internal)


def test_a_missed_target_exits_non_zero_and_says_so(monkeypatch, capsys):
    fake_benchmarks(monkeypatch, {"interactions": [Row("click", "2.0x", "<= 1.5x", False), Row("define", "1.2x")]})
    assert run(monkeypatch, "interactions") == 1
    out = capsys.readouterr().out
    assert "| click | 2.0x | <= 1.5x | MISSED |" in out
    assert "MISSED: at least one target above" in out


def test_targets_met_exit_zero(monkeypatch, capsys):
    fake_benchmarks(monkeypatch, {"interactions": [Row("click", "1.2x", "<= 1.5x", True)]})
    assert run(monkeypatch, "interactions") == 0
    assert "| click | 1.2x | <= 1.5x | ok |" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["(internal) judge p99", "both engines: answer record"])
def test_every_row_of_an_internal_benchmark_is_marked_once(monkeypatch, capsys, name):
    fake_benchmarks(monkeypatch, {"engines": [Row(name, "1 ms")]})
    assert run(monkeypatch, "engines") == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "1 ms" in line]
    assert line.startswith("| (internal) ") and line.count("(internal)") == 1
