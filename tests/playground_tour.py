"""A guided tour of `python -m bot playground` in headless Chromium, with a screenshot per screen.

Run by hand (not collected by pytest):

    python -m pip install playwright          # the Python package only; never `playwright install`
    python -m tests.playground_tour [--out DIR] [--chromium /usr/bin/chromium]

It starts the playground as a user would, opens the page four times (the teacher ms_rivera and
the students alex and sam, each in their own tab, and the student jordan on a phone-sized screen),
plays a two-question quiz (alex answers right twice, sam a few seconds later, nobody clicks
"Refresh preview") and then visits every other screen. The screenshots go to DIR (default:
playground-tour/ in the working folder); look at them.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone's screen, to see what wraps and what fits


class Tab:
    """One browser tab on the playground, viewing as one member."""

    def __init__(self, page, out: Path, who: str) -> None:
        self.page, self.out, self.who = page, out, who

    async def open(self, url: str) -> Tab:
        await self.page.goto(url)
        await self.page.wait_for_selector("#channel-composer-input")
        await self.page.select_option("#viewer-picker", label=self.who)
        await self.page.wait_for_timeout(800)
        return self

    async def shot(self, name: str) -> None:
        path = self.out / f"{name}.png"
        await self.page.screenshot(path=str(path))
        print(f"  {path}")

    async def slash(self, command: str, **options: str) -> None:
        """Type a slash command as a visitor does: pick it, fill each option, press Enter."""
        page = self.page
        await page.locator("#channel-composer-input").click()
        await page.keyboard.type("/" + command)
        await page.wait_for_timeout(400)
        await page.keyboard.press("Enter")
        await page.wait_for_timeout(300)
        for name, value in options.items():
            field = page.locator(f'.command-option-input[data-option="{name}"]')
            if not await field.count():
                await page.locator(".command-ghost").click()
                await page.locator(".command-popup [role=option]", has_text=name).first.click()
                await page.wait_for_timeout(200)
            await field.click()
            await page.keyboard.type(value)
            await page.wait_for_timeout(600)  # autocomplete and choices show up
            await page.keyboard.press("Escape")
        await page.locator("#send-message").click()
        await page.wait_for_timeout(1500)

    async def click_button(self, label: str, *, last: bool = True) -> None:
        """Click a message button labelled `label`, `label: ...` or `label · ...` (the newest one by default)."""
        name = re.compile(rf"^\W*?{re.escape(label)}(:| ·|\s*$)")  # after an emoji, if any
        buttons = self.page.locator("#channel-message-list").get_by_role("button", name=name)
        await (buttons.last if last else buttons.first).click()
        await self.page.wait_for_timeout(1200)

    async def wait_for_text(self, text: str, within: float = 60.0) -> None:
        await self.page.locator("#channel-message-list", has_text=text).wait_for(timeout=within * 1000)

    async def right_choice(self, deck) -> str:
        """The letter of the right answer to the multiple-choice question showing now, read off the
        page and looked up in the deck as a student who knows the course would (so that the tour
        shows right answers, the fastest and a streak, not only "nobody")."""
        card = self.page.locator("#channel-message-list .embed-card").last
        title = await card.locator(".embed-title").inner_text()
        prompt = await card.locator(".embed-description").inner_text()
        labels = await self.page.locator("#channel-message-list").get_by_role("button").all_inner_texts()
        options = [label.strip() for label in labels if re.match(r"\s*[A-D](:|\s*$)", label)][-4:]

        def closeness(a: str, b: str) -> float:
            return difflib.SequenceMatcher(None, " ".join(a.split()), " ".join(b.split())).ratio()

        if "Pick the definition" in title:
            name = prompt.split("What does", 1)[1].rsplit("mean?", 1)[0].strip()
            term = next(t for t in deck.terms if t.name == name)
            fields = card.locator(".embed-field")
            texts = {}
            for i in range(await fields.count()):
                key = (await fields.nth(i).locator(".embed-field-name").inner_text()).strip()
                if key in "ABCD":
                    texts[key] = await fields.nth(i).locator(".embed-field-value").inner_text()
            return max(texts, key=lambda k: closeness(texts[k], term.definition))
        quote = prompt.split("\n", 1)[1]
        by_name = {t.name: t for t in deck.terms}

        def fit(label: str) -> float:
            term = by_name.get(label.split(": ", 1)[-1])
            return closeness(term.definition, quote) if term else 0.0

        return max(options, key=fit).split(":", 1)[0]


def start_playground(port: int | None) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "bot", "playground"] + (["--port", str(port)] if port else [])
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    line = ""
    while "http://" not in line:
        line = proc.stdout.readline()
        if (not line and proc.poll() is not None) or time.monotonic() > deadline:
            raise SystemExit(f"the playground did not start: {proc.stderr.read()}")
    return proc, line[line.index("http://") :].strip()


async def tour(url: str, out: Path, chromium: str) -> None:
    from playwright.async_api import async_playwright

    from content import load_deck

    deck = load_deck()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            tabs = []
            for who, viewport in (
                ("ms_rivera", VIEWPORT),
                ("alex", VIEWPORT),
                ("sam", VIEWPORT),
                ("jordan", PHONE),
            ):
                context = await browser.new_context(viewport=viewport)
                tabs.append(await Tab(await context.new_page(), out, who).open(url))
            teacher, alex, sam, phone = tabs
            await teacher.shot("00_welcome")

            print("Look up")
            await teacher.slash("about")
            await teacher.shot("01_about")
            await alex.slash("define", term="clv")
            await alex.shot("02_define_clv")
            await alex.slash("define", term="emphaty")
            await alex.shot("03_define_did_you_mean")
            await alex.slash("term")
            await alex.shot("04_term")

            print("A quiz: the students answer a few seconds apart, nobody refreshes")
            await teacher.slash("quiz start", questions="2", seconds="15", mode="multiple_choice")
            await teacher.wait_for_text("Question 1/2")
            await alex.wait_for_text("Question 1/2")
            await alex.shot("10_question_1_as_alex")
            await phone.wait_for_text("Question 1/2")
            await phone.shot("10_question_1_on_a_phone")
            right = await alex.right_choice(deck)
            wrong = next(key for key in "ABCD" if key != right)
            await asyncio.sleep(3)
            await alex.click_button(right)  # alex knows it
            await alex.shot("11_alex_answered")
            await asyncio.sleep(4)
            await sam.click_button(wrong)  # sam does not
            await teacher.wait_for_text("closed", within=30)
            await teacher.shot("12_reveal_1_as_teacher")
            await alex.wait_for_text("Question 2/2", within=30)
            await alex.shot("13_question_2_as_alex")
            await phone.wait_for_text("Question 2/2", within=30)
            await phone.shot("13_question_2_on_a_phone")
            right = await alex.right_choice(deck)
            await alex.click_button(right)  # a second right answer in a row: a streak bonus
            await sam.click_button(right)
            await teacher.wait_for_text("Question 2/2 · closed", within=30)
            await teacher.page.wait_for_timeout(1500)
            await teacher.shot("14_reveal_2_and_podium")
            await phone.shot("14_podium_on_a_phone")
            await teacher.slash("leaderboard")
            await teacher.shot("15_leaderboard")

            print("A team round: two teams, the teacher starts it early")
            await teacher.slash("quiz start", questions="1", seconds="15", mode="true_false", teams="2")
            await alex.wait_for_text("Pick your team")
            await alex.click_button("Join Red")
            await sam.click_button("Join Blue")
            await teacher.shot("16_teams_joining")
            await teacher.click_button("▶️ Start now")
            await alex.wait_for_text("Question 1/1", within=30)
            await alex.click_button("True")
            await sam.click_button("False")
            await teacher.wait_for_text("Question 1/1 · closed", within=30)
            await teacher.page.wait_for_timeout(1500)
            await teacher.shot("17_team_reveal_and_podium")

            print("Studying alone")
            await alex.slash("review")
            await alex.shot("20_review_front")
            await alex.click_button("Show answer")
            await alex.shot("21_review_back")
            await phone.slash("review")
            await phone.click_button("Show answer")
            await phone.shot("21_review_back_on_a_phone")
            await alex.click_button("4 Good")
            await alex.shot("21_review_next_card")
            await alex.click_button("Stop")
            await alex.shot("21_review_stopped")
            await alex.slash("test", questions="5", mode="multiple_choice")
            await alex.shot("22_test")
            await alex.click_button(await alex.right_choice(deck))
            await alex.shot("22_test_feedback_and_question_2")
            await alex.click_button("End test")
            await alex.shot("22_test_ended")
            await phone.slash("test", questions="5", mode="multiple_choice")
            await phone.shot("22_test_on_a_phone")
            await alex.slash("match play")
            await alex.shot("23_match")
            await alex.slash("progress")
            await alex.shot("24_progress")
            await phone.slash("progress")
            await phone.shot("24_progress_on_a_phone")
            await teacher.slash("match best")
            await teacher.shot("25_match_best")

            print("The teacher's set-up")
            await teacher.slash("settings show")
            await teacher.shot("30_settings")
            await teacher.slash("daily show")
            await teacher.shot("31_daily_show")
            await teacher.slash("schedule list")
            await teacher.shot("32_schedule_list")
            await teacher.slash("deck list")
            await teacher.shot("33_deck_list")
            await teacher.slash("quiz stop")
            await teacher.shot("34_quiz_stop_nothing_running")

            print("Homework and the class report")
            await teacher.slash("assign create", kind="review", due="tomorrow 9am", goal="5")
            await teacher.shot("40_assign_create")
            await alex.slash("homework")
            await alex.shot("41_homework")
            await teacher.slash("report class", period="week")
            await teacher.wait_for_text("Class report")
            await teacher.shot("42_report_class")
            await teacher.slash("assign list")
            await teacher.shot("43_assign_list")
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.playground_tour", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("playground-tour"), help="folder for the screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--port", type=int, help="the playground's port (default: a free one)")
    args = parser.parse_args(argv)
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("error: needs the playwright package: python -m pip install playwright", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"error: no Chromium at {args.chromium} (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    proc, url = start_playground(args.port)
    try:
        asyncio.run(tour(url, args.out, args.chromium))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"Screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
