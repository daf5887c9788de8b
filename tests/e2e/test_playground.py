"""`python -m bot playground`: it starts, serves its page, plays live and keeps real time.

The live tests go through the page's own HTTP protocol (tests/e2e/preview_page.py), as a browser
does, and never ask the preview to refresh: what they see is what appears by itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.config import Settings
from bot.playground import BOT_NAME, open_playground
from bot.ui.limits import Panel
from tests.e2e.preview_page import PageClient, buttons, rendered_text, titles


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_path=tmp_path / "pg.sqlite3")


async def test_playground_serves_the_page_and_answers_define(settings):
    async with open_playground(settings) as playground:
        assert playground.url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session, session.get(playground.url.split("#")[0]) as page:
            assert page.status == 200
            assert "<html" in (await page.text()).lower()
        assert "define" in playground.members["alex"].available_commands(playground.channel)
        async with playground.turn():
            result = await playground.members["alex"].slash(playground.channel, "define", term="crm")
        assert result.response.embeds[0].title == "Customer Relationship Management"


async def test_the_bot_is_named_and_posts_the_welcome_itself(settings):
    async with open_playground(settings) as playground, aiohttp.ClientSession() as http:
        page = PageClient(http, playground.url)
        await page.open()
        welcome = page.messages()[0]
        assert welcome["author"]["name"] == BOT_NAME  # not simcord's "TestBot"
        assert welcome["author"]["bot"] is True  # not the teacher's account
        assert "Welcome to the playground" in welcome["content"]


async def test_the_clock_starts_now_and_follows_real_time(settings):
    async with open_playground(settings) as playground:
        started = playground.env.now()
        assert abs(started - datetime.now(UTC)) < timedelta(minutes=5)
        await asyncio.sleep(1.0)
        async with playground.turn():
            # at least the real second has passed for the bot (no upper bound: the machine may be slow)
            assert playground.env.now() - started >= timedelta(seconds=1.0)


async def _wait_for(page: PageClient, found, what: str, within: float = 60.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await page.state()
        hit = found(page)
        if hit:
            return hit
        await asyncio.sleep(0.25)
    pytest.fail(f"the page never showed {what} by itself; last messages: {[titles(m) for m in page.messages()]}")


def _question(page: PageClient):
    return next((m for m in page.messages() if any(b["custom_id"].startswith("quiz:") for b in buttons(m))), None)


async def test_a_quiz_plays_live_and_answer_times_are_real(settings):
    """A question answered 1.5 s after it was posted scores as 1.5 s, and the reveal and the podium
    appear on the page by themselves at the deadline (nobody clicks "Refresh preview")."""
    async with open_playground(settings) as playground, aiohttp.ClientSession() as http:
        page = PageClient(http, playground.url)
        await page.open()
        await page.view_as("alex")
        await asyncio.sleep(2)  # nothing happens meanwhile: no refresh moves the page's clock
        receipt = await page.slash("quiz start", questions="1", seconds="10", mode="multiple_choice")
        assert not receipt["rejected"], receipt["diagnostics"]
        question = await _wait_for(page, _question, "the question")
        # The page draws "closes in N seconds" against its presentation time: the whole 10 s,
        # not more (a presentation time left behind at the last refresh would say "in 14 s").
        closes = int(re.search(r"<t:(\d+):R>", str(question["embeds"])).group(1))
        shown_at = datetime.fromisoformat(page.snap["profile"]["presentationTime"])
        assert closes - shown_at.timestamp() <= 10.5
        await asyncio.sleep(1.5)
        receipt = await page.click(question, "A")
        assert not receipt["rejected"], receipt["diagnostics"]
        seen = page.snap["publishedRevision"]

        def revealed_then_podium_in_view(page):
            # The reveal replaces the question's buttons; the podium is a new message after it,
            # and the page brings it into view as a chat does (not the reply to the last click,
            # with the podium waiting below "New messages · jump to latest").
            shown = {m["id"]: m for m in page.messages()}
            later = [m for m in page.messages() if int(m["id"]) > int(question["id"]) and m["embeds"]]
            revealed = question["id"] in shown and not buttons(shown[question["id"]])
            return revealed and later and page.snap["targetId"] == later[-1]["id"]

        await _wait_for(page, revealed_then_podium_in_view, "the reveal and the podium in view")
        assert page.snap["publishedRevision"] > seen
        assert page.snap["publication"]["reason"] == "refresh"  # published by the playground itself

    with sqlite3.connect(settings.database_path) as conn:
        ((elapsed_ms, points, correct),) = conn.execute("SELECT elapsed_ms, points, correct FROM quiz_answers")
    assert elapsed_ms >= 1500  # simcord's own clock would have stood still: 0 ms
    if correct:
        assert points <= round(1000 - 500 * 1.5 / 10)


async def test_a_click_right_after_the_bot_edited_the_page_still_counts(settings):
    """The page republishes whenever the bot edits; a click made on the revision shown just before
    reaches the bot anyway, as a click on Discord does (the bot decides what it means)."""
    async with open_playground(settings) as playground, aiohttp.ClientSession() as http:
        page = PageClient(http, playground.url)
        await page.open()
        await page.view_as("sam")
        await page.slash("quiz start", questions="1", seconds="30", mode="multiple_choice")
        question = await _wait_for(page, _question, "the question")
        shown = page.snap["publishedRevision"]
        async with playground.turn():
            await playground.bot_channel.send("(the bot edits or posts meanwhile)")
            await playground.live.publish_if_changed()
        receipt = await page.click(question, "B", revision=shown)
        assert not receipt["rejected"], receipt["diagnostics"]
        assert receipt["dispatched"]


async def test_mentions_in_embeds_read_as_names(settings):
    async with open_playground(settings) as playground, aiohttp.ClientSession() as http:
        alex, channel = playground.members["alex"], playground.channel
        async with playground.turn():
            embed = Panel(title="Standings", description=f"**1.** <@{alex.id}> · 1,000 points")
            embed.add_field(name="Where", value=f"in <#{channel.id}>")
            await playground.bot_channel.send(embed=embed)
        page = PageClient(http, playground.url)
        await page.open()
        embed = page.messages()[-1]["embeds"][0]
        assert rendered_text(embed["description_tokens"]) == "1. @alex · 1,000 points"
        assert rendered_text(embed["fields"][0]["value_tokens"]) == "in #class"


def test_playground_command_prints_a_working_url_and_no_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "LOG_LEVEL")}
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
        with urllib.request.urlopen(url.split("#")[0], timeout=10) as page:
            assert page.status == 200
        # Ctrl+C stops it for good: nothing (an open database thread, say) keeps the process alive.
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=20) == 0
        except subprocess.TimeoutExpired:
            pytest.fail("the playground did not exit after Ctrl+C")
        stderr = proc.stderr.read()
        assert "Playground stopped." in stderr
        # Nothing a newcomer cannot act on: no intents probe warning, no voice libraries notes.
        assert "WARNING" not in stderr, stderr
    finally:
        proc.kill()
        proc.wait(timeout=20)
