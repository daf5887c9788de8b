"""How scheduled class quizzes look: /schedule list (in pages), confirmations and the channel notices."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.schedule import MAX_QUIZ_SCHEDULES, QuizSchedule, format_days
from bot.ui import limits
from bot.ui.limits import Panel
from bot.ui.messages import clip, reply_error
from bot.ui.times import clock, describe_zone, moment, relative, wall_time
from content.model import Deck

SCHEDULE_COLOUR = discord.Colour.from_rgb(88, 101, 242)
MODE_NAMES = {
    "mixed": "mixed",
    "multiple_choice": "multiple choice",
    "true_false": "true/false",
    "typed": "typed answers",
}
LIST_TITLE = "🗓️ Scheduled quizzes"
_LIST_FOOTER = "{count} of {limit} · the notice goes out at the time, the quiz starts 1 minute later"
_PAGE = " · page {page} of {pages}"


def when_text(schedule: QuizSchedule) -> str:
    """ "Mon, Wed, Fri at 09:00" (in the server's zone, which the screen names once)."""
    return f"{format_days(schedule.days)} at {clock(schedule.local_time)}"


def zoned_when_text(schedule: QuizSchedule) -> str:
    """ "Mon, Wed, Fri at 09:00 (America/New_York)": for a line that stands alone."""
    return f"{format_days(schedule.days)} at {wall_time(schedule.local_time, schedule.zone)}"


def quiz_text(schedule: QuizSchedule, deck: Deck) -> str:
    """ "10 questions on Metrics, mixed, 20 s each"."""
    plural = "s" if schedule.questions != 1 else ""
    topic = f" on {clip(deck.topic_name(schedule.topic), 40)}" if schedule.topic else ""
    mode = MODE_NAMES.get(schedule.mode, schedule.mode)
    return f"{schedule.questions} question{plural}{topic}, {mode}, {schedule.seconds} s each"


def status_text(schedule: QuizSchedule, now: datetime) -> str:
    """Why it is paused (the whole reason), or when it runs next."""
    if schedule.paused:
        why = f": {schedule.paused_reason}" if schedule.paused_reason else " by a teacher"
        return f"⏸️ Paused{why}. /schedule resume {schedule.number} starts it again."
    return f"Next: {moment(max(schedule.next_run_at, now))}"


# --- /schedule list ---------------------------------------------------------------------------


def _field(schedule: QuizSchedule, deck: Deck, now: datetime) -> tuple[str, str]:
    value = f"in <#{schedule.channel_id}> · {quiz_text(schedule, deck)}\n{status_text(schedule, now)}"
    return f"#{schedule.number} · {when_text(schedule)}", clip(value, limits.FIELD_VALUE)


def _list_description(zone, now: datetime) -> str:
    return f"Days and times are in **{describe_zone(zone, now)}**, this server's zone; each *Next* is in your own."


def _footer(count: int, page: int, pages: int) -> str:
    text = _LIST_FOOTER.format(count=count, limit=MAX_QUIZ_SCHEDULES)
    return text + (_PAGE.format(page=page + 1, pages=pages) if pages > 1 else "")


def list_pages(schedules: list[QuizSchedule], deck: Deck, now: datetime, zone) -> list[list[tuple[str, str]]]:
    """The fields of /schedule list cut into pages, in order, each page one embed within Discord's
    limits (25 fields, 6,000 characters with title, description and footer): nothing is left out
    however long the pause reasons are. Always at least one (maybe empty) page."""
    fixed = len(LIST_TITLE) + len(_list_description(zone, now)) + len(_footer(99, 98, 99))
    budget = limits.TOTAL - fixed
    pages: list[list[tuple[str, str]]] = [[]]
    used = 0
    for name, value in (_field(s, deck, now) for s in schedules):
        size = len(name) + len(value)
        if pages[-1] and (len(pages[-1]) >= limits.FIELDS or used + size > budget):
            pages.append([])
            used = 0
        pages[-1].append((name, value))
        used += size
    return pages


def schedule_list_message(
    schedules: list[QuizSchedule], deck: Deck, now: datetime, zone, *, page: int, owner: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Page `page` (clamped) of /schedule list, with page buttons for `owner` when there are more."""
    pages = list_pages(schedules, deck, now, zone)
    page = max(0, min(page, len(pages) - 1))
    embed = Panel(title=LIST_TITLE, colour=SCHEDULE_COLOUR)
    if schedules:
        embed.description = _list_description(zone, now)
    else:
        embed.description = "No scheduled quizzes yet. Add one with `/schedule add`."
    for name, value in pages[page]:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=_footer(len(schedules), page, len(pages)))
    if len(pages) == 1:
        return embed, None
    view = discord.ui.View(timeout=None)
    view.add_item(SchedulePageButton(owner, page - 1, "◀ Previous", disabled=page == 0))
    view.add_item(SchedulePageButton(owner, page + 1, "Next ▶", disabled=page + 1 >= len(pages)))
    return embed, view


class SchedulePageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"sched:list:(?P<owner>\d{1,20}):(?P<page>\d{1,3})"
):
    """A page button of /schedule list. The page is drawn again from the database on each click,
    so the buttons work after a restart; only whoever ran the command may turn the pages."""

    def __init__(self, owner: int, page: int, label: str, disabled: bool = False) -> None:
        self.owner, self.page = owner, max(page, 0)
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"sched:list:{owner}:{self.page}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]), int(match["page"]), item.label or "Page")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, "These buttons belong to whoever ran /schedule list. Run it yourself.")
            return
        await interaction.client.get_cog("QuizSchedules").turn_list_page(interaction, self.page)


# --- confirmations and notices ----------------------------------------------------------------


def added_text(schedule: QuizSchedule, deck: Deck) -> str:
    return (
        f"🗓️ Scheduled quiz **#{schedule.number}**: {zoned_when_text(schedule)} in "
        f"<#{schedule.channel_id}>, {quiz_text(schedule, deck)}.\nFirst one: {moment(schedule.next_run_at)}. "
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
        f"⏰ **Quiz starts in 1 minute!** ({relative(starts_at)})\n"
        f"Scheduled quiz #{schedule.number}: {quiz_text(schedule, deck)}. "
        "Answer with the buttons; the faster you are, the more points you get."
    )


def skipped_text(schedule: QuizSchedule, why: str) -> str:
    """Said in the channel when the scheduled round cannot start (a round is already running...)."""
    return clip(f"⏭️ Scheduled quiz #{schedule.number} was skipped: {why}", 2000)
