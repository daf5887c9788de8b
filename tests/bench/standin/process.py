"""A bot process under test: started as a subprocess against a stand-in, its CPU time and memory read
from /proc (Linux), stopped with SIGINT like Ctrl-C (so discord.py and the database close cleanly)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from tests.bench.standin.server import TOKEN, StandIn

REPO = Path(__file__).resolve().parents[3]
_TICKS = os.sysconf("SC_CLK_TCK")


class BotProcess:
    """`kind` is "bot" (the real `python -m bot run`) or "floor" (floor_bot.py).

    `env` adds settings (DATABASE_URL, SHARD_COUNT, SHARD_IDS ...); `url` is the stand-in door it
    talks to (another process of the same bot gets another door: `StandIn.open_door`); `name`
    names its log file (`NAME.log`) and its SQLite file.
    """

    def __init__(
        self,
        kind: str,
        standin: StandIn,
        workdir: Path,
        *,
        profile: Path | None = None,
        env: dict[str, str] | None = None,
        url: str | None = None,
        name: str | None = None,
    ) -> None:
        self.kind = kind
        self.extra_env = dict(env or {})  # settings for this process (e.g. SQLITE_SYNCHRONOUS=FULL)
        self.standin = standin
        self.workdir = workdir
        self.profile = profile
        self.url = url
        self.name = name or kind
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0  # time.monotonic() just before the spawn
        self.ready_at: float | None = None  # the process's own clock when on_ready ran
        self._ready = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self.log_path = workdir / f"{self.name}.log"

    async def start(self) -> None:
        # The bench measures SQLite at its default durability unless `env` says otherwise: a DATABASE_URL
        # or SQLITE_SYNCHRONOUS of the caller's shell must not change what a row means.
        # The same for the shard settings: only what this process is given.
        skip = ("DEV_GUILD_ID", "APPLICATION_ID", "BENCH_PROFILE", "DATABASE_URL", "SQLITE_SYNCHRONOUS")
        skip += ("SHARD_COUNT", "SHARD_IDS", "PROCESS_COUNT")
        env = {k: v for k, v in os.environ.items() if k not in skip}
        env.update(
            BENCH_STANDIN_URL=self.url or self.standin.url,
            DISCORD_TOKEN=TOKEN,
            DATABASE_PATH=str(self.workdir / f"{self.name}.sqlite3"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            LOG_LEVEL=env.get("LOG_LEVEL", "INFO"),
        )
        env.update(self.extra_env)
        if self.profile is not None:
            env["BENCH_PROFILE"] = str(self.profile)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._ready.clear()
        self.ready_at = None
        with open(self.log_path, "ab") as log:  # noqa: ASYNC230 (once, before the process starts; a restart appends)
            self.started_at = time.monotonic()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.bench.standin.launch",
                self.kind,
                cwd=self.workdir,  # no stray .env from the checkout
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        self._reader = asyncio.create_task(self._read_stdout())

    async def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            if line.startswith(b"BENCH-READY "):
                self.ready_at = float(line.split()[1])
                self._ready.set()

    async def wait_ready(self, within: float = 120.0) -> float:
        """Seconds from spawn to discord.py's on_ready."""
        waiter = asyncio.create_task(self._ready.wait())
        died = asyncio.create_task(self.proc.wait())
        await asyncio.wait({waiter, died}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiter, died):
            task.cancel()
        if not self._ready.is_set():
            raise RuntimeError(f"the {self.kind} process did not get ready ({self.tail_log()})")
        return self.ready_at - self.started_at

    def tail_log(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "no log"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of every thread so far: nanosecond schedstat where the kernel keeps
        it, else /proc/PID/stat in clock ticks (10 ms)."""
        total_ns = 0
        try:
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{tid}/schedstat") as f:
                    total_ns += int(f.read().split()[0])
            return total_ns / 1e9
        except (OSError, ValueError, IndexError):
            pass
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def user_system_seconds(self) -> tuple[float, float]:
        """(user, system) CPU seconds of the whole process, in clock ticks (10 ms): system time is
        the kernel's share (socket syscalls, and on loopback the receiving side's network stack too)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / _TICKS, int(fields[12]) / _TICKS

    def memory_mb(self) -> tuple[float, float]:
        """(RSS now, peak RSS) in MB."""
        values = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line.split(":")[0]] = int(line.split()[1]) / 1024
        return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)

    async def stop(self, within: float = 20.0) -> int | None:
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
        return self.proc.returncode
