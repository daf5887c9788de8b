"""The README's Quick start works on a stock machine, and CI runs exactly its commands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quick start has no bash block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_install_command_needs_no_python_command_and_no_system_pip():
    install_and_run, _tests = quick_start_commands()
    steps = [step.strip() for step in install_and_run.split("&&")]
    # Stock Debian has python3 but no `python`, and refuses pip into the system Python
    # ("externally-managed-environment"): create and activate a virtual environment first.
    assert shlex.split(steps[0])[:4] == ["python3", "-m", "venv", ".venv"]
    assert steps[1] == ". .venv/bin/activate"
    assert all(not step.startswith("python3") for step in steps[2:])
    assert steps[-1] == "python -m bot"
    assert ".venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_ci_runs_the_quick_start_commands_as_written():
    install_and_run, tests = quick_start_commands()
    install = install_and_run.removesuffix(" && python -m bot")
    assert install != install_and_run
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert install in ci  # without starting the bot: with no token it would stop
    assert ci.index(tests) > ci.index(install)
