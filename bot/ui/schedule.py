"""How scheduled class quizzes look: /schedule list, confirmations and the channel notices."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.schedule import MAX_QUIZ_SCHEDULES, QuizSchedule, describe_zone, format_days, format_time
from bot.ui.daily import local_text, timestamp
from bot.ui.limits import Panel
from bot.ui.messages import clip
from content.model import Deck

SCHEDULE_COLOUR = discord.Colour.from_rgb(88, 101, 242)
MODE_NAMES = {
    "mixed": "mixed",
    "multiple_choice": "multiple choice",
    "true_false": "true/false",
    "typed": "typed answers",
}


def when_text(schedule: QuizSchedule) -> str:
    """ "Mon, Wed, Fri at 09:00"."""
    return f"{format_days(schedule.days)} at {format_time(schedule.local_time)}"


def quiz_text(schedule: QuizSchedule, deck: Deck) -> str:
    """ "10 questions on Metrics, mixed, 20 s each"."""
    plural = "s" if schedule.questions != 1 else ""
    topic = f" on {clip(deck.topic_name(schedule.topic), 40)}" if schedule.topic else ""
    mode = MODE_NAMES.get(schedule.mode, schedule.mode)
    return f"{schedule.questions} question{plural}{topic}, {mode}, {schedule.seconds} s each"


def status_text(schedule: QuizSchedule, now: datetime) -> str:
    if schedule.paused:
        why = f": {schedule.paused_reason}" if schedule.paused_reason else " by a teacher"
        return clip(f"⏸️ Paused{why}. /schedule resume {schedule.number} starts it again.", 300)
    nxt = max(schedule.next_run_at, now)
    return f"Next: {local_text(nxt, schedule.zone)} · {timestamp(nxt)}"


def schedule_list_embed(schedules: list[QuizSchedule], deck: Deck, now: datetime, zone) -> discord.Embed:
    """Every quiz schedule of the server (at most 25 fields, well within 6,000 characters)."""
    embed = Panel(title="🗓️ Scheduled quizzes", colour=SCHEDULE_COLOUR)
    if not schedules:
        embed.description = "No scheduled quizzes yet. Add one with `/schedule add`."
    for schedule in schedules[:MAX_QUIZ_SCHEDULES]:
        embed.add_field(
            name=f"#{schedule.number} · {when_text(schedule)}",
            value=f"in <#{schedule.channel_id}> · {quiz_text(schedule, deck)}\n{status_text(schedule, now)}",
            inline=False,
        )
    embed.set_footer(
        text=f"{len(schedules)} of {MAX_QUIZ_SCHEDULES} · times in {describe_zone(zone, now)} · "
        "the notice goes out at the time, the quiz starts 1 minute later"
    )
    return embed


def added_text(schedule: QuizSchedule, deck: Deck) -> str:
    return (
        f"🗓️ Scheduled quiz **#{schedule.number}**: {when_text(schedule)} ({schedule.timezone}) in "
        f"<#{schedule.channel_id}>, {quiz_text(schedule, deck)}.\nFirst one: {timestamp(schedule.next_run_at)}. "
        "I'll post a notice at that time and start the quiz one minute later."
    )


def number_label(schedule: QuizSchedule, channel_name: str | None) -> str:
    """An autocomplete choice: "#2 · Mon, Wed at 09:00 · #class (paused)"."""
    where = f" · #{channel_name}" if channel_name else ""
    paused = " (paused)" if schedule.paused else ""
    return clip(f"#{schedule.number} · {when_text(schedule)}{where}{paused}", 100)


def notice_text(schedule: QuizSchedule, deck: Deck, starts_at: datetime) -> str:
    """The "Quiz starts in 1 minute" notice posted in the channel at the scheduled time."""
    return (
        f"⏰ **Quiz starts in 1 minute!** ({discord.utils.format_dt(starts_at, 'R')})\n"
        f"Scheduled quiz #{schedule.number}: {quiz_text(schedule, deck)}. "
        "Answer with the buttons; the faster you are, the more points you get."
    )


def skipped_text(schedule: QuizSchedule, why: str) -> str:
    """Said in the channel when the scheduled round cannot start (a round is already running...)."""
    return clip(f"⏭️ Scheduled quiz #{schedule.number} was skipped: {why}", 2000)
