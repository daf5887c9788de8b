"""`python -m bot playground` starts, serves its page and answers slash commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import aiohttp
import pytest

from bot.config import Settings
from bot.playground import open_playground


async def test_playground_serves_the_page_and_answers_define(tmp_path):
    settings = Settings(database_path=tmp_path / "pg.sqlite3")
    async with open_playground(settings) as playground:
        assert playground.url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session, session.get(playground.url.split("#")[0]) as page:
            assert page.status == 200
            assert "<html" in (await page.text()).lower()
        assert "define" in playground.members["alex"].available_commands(playground.channel)
        result = await playground.members["alex"].slash(playground.channel, "define", term="crm")
        assert result.response.embeds[0].title == "Customer Relationship Management"


def test_playground_command_prints_a_working_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "playground"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "http://" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"playground exited: {proc.stderr.read()}")
        url = line[line.index("http://") :].strip()
        import urllib.request

        with urllib.request.urlopen(url.split("#")[0], timeout=10) as page:
            assert page.status == 200
        # Ctrl+C stops it for good: nothing (an open database thread, say) keeps the process alive.
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=20) == 0
        except subprocess.TimeoutExpired:
            pytest.fail("the playground did not exit after Ctrl+C")
        assert "Playground stopped." in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait(timeout=20)
