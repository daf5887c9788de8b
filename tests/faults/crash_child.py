"""The process that test_crash_safety kills: the bot's storage under a steady stream of work.

    python -m tests.faults.crash_child DATABASE SEED

It uses the bot's own storage classes on the database the test prepared (servers with a daily
term and quiz schedules) and, until it is killed, runs at once:
- quiz rounds in several channels: every member answers every question through one AnswerWriter
  (group commit), then the round is finished and the next one starts;
- flashcard ratings through StudyRepo.record_review;
- today's daily post for each server: the claim row, then "sent".

A line goes to stdout (flushed) only after the write it names returned, i.e. was committed:
    ready                               set-up done
    S round channel                     round created (active)
    A round question user               answer stored
    F round                             round finished
    R user card at_ms                   rating stored
    D guild date                        daily post claimed
    P guild date                        daily post marked sent
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import srs
from bot.core.quiz import period_keys
from bot.core.schedule import local_date, next_daily_run
from bot.storage.database import Database
from bot.storage.quiz import AnswerRow, AnswerWriter, QuizRepo
from bot.storage.schedules import ScheduleStore
from bot.storage.study import StudyRepo

#: The simulated Discord of the restart check starts at this instant, so "today" matches.
NOW = datetime(2026, 1, 1, tzinfo=UTC)
GUILD = 1
CHANNELS = (101, 102, 103, 104)
MEMBERS = tuple(range(1000, 1024))
QUESTIONS = 3
REVIEWERS = (2000, 2001, 2002, 2003)
DAILY_GUILDS = tuple(range(10, 70))  # the test sets these servers' daily term up
UTC_ZONE = ZoneInfo("UTC")


def say(*parts) -> None:
    # One write per line: a kill leaves at most a partial last line, which the test ignores.
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


async def answer(
    writer: AnswerWriter, rng: random.Random, round_id: int, question: int, user: int, started
) -> None:
    elapsed = rng.randrange(20_000)
    correct = rng.random() < 0.6
    at = started + timedelta(seconds=25 * question, milliseconds=elapsed)
    points = 1000 - elapsed // 40 if correct else 0
    row = AnswerRow(
        round_id, question, user, GUILD, f"term-{question}", "A", correct, points, elapsed,
        int(at.timestamp() * 1000), period_keys(at, UTC_ZONE),
    )  # fmt: skip
    await writer.record(row)
    say("A", round_id, question, user)


async def channel_rounds(quiz: QuizRepo, writer: AnswerWriter, channel: int, rng: random.Random) -> None:
    for n in itertools.count():
        started = NOW + timedelta(minutes=n)
        round_id = await quiz.create_round(
            guild_id=GUILD,
            channel_id=channel,
            started_by=MEMBERS[0],
            topic=None,
            mode="mixed",
            question_count=QUESTIONS,
            seconds=20,
            started_at_ms=int(started.timestamp() * 1000),
        )
        say("S", round_id, channel)
        for question in range(1, QUESTIONS + 1):
            # Every member at once: the writer groups them into a few transactions.
            await asyncio.gather(*(answer(writer, rng, round_id, question, user, started) for user in MEMBERS))
        ended = started + timedelta(seconds=25 * QUESTIONS + 20)
        players = [(user, user == MEMBERS[0]) for user in MEMBERS]
        await quiz.finish_round(
            round_id, "finished", int(ended.timestamp() * 1000), GUILD, players, period_keys(ended, UTC_ZONE)
        )
        say("F", round_id)


async def reviews(study: StudyRepo, user: int, rng: random.Random) -> None:
    for n in itertools.count():
        card = f"card-{rng.randrange(40)}"
        at = NOW + timedelta(minutes=n, milliseconds=user)  # strictly later for every rating of a card
        await study.record_review(
            user, card, rng.randint(1, 5), "review", GUILD, at, scheduler=srs.DEFAULT_SCHEDULER
        )
        say("R", user, card, int(at.timestamp() * 1000))


async def daily_posts(store: ScheduleStore) -> None:
    today = local_date(NOW, UTC_ZONE)
    for guild in DAILY_GUILDS:
        if await store.claim_daily_post(guild, today, "customer-loyalty", NOW):
            say("D", guild, today)
            nxt = next_daily_run(NOW, UTC_ZONE, time(9, 0), today)
            await store.mark_sent(guild, today, 900_000 + guild, NOW, nxt)
            say("P", guild, today)
        await asyncio.sleep(0.003)  # spread the posts over the window in which the kill comes


async def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    db = await Database.open(path)
    await db.migrate()
    quiz, writer, study, store = QuizRepo(db), AnswerWriter(db), StudyRepo(db), ScheduleStore(db)
    say("ready")
    await asyncio.gather(
        *(channel_rounds(quiz, writer, channel, random.Random(rng.random())) for channel in CHANNELS),
        *(reviews(study, user, random.Random(rng.random())) for user in REVIEWERS),
        daily_posts(store),
    )  # never returns: the rounds and ratings go on until the kill


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
