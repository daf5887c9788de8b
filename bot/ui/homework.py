"""How homework looks: the announcement with its Start button, /homework, /assign list, the
reminder, and the remove confirmation. Every due time is a Discord timestamp (each reader's own
zone, with the time left)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from bot.core.homework import MAX_OPEN, Assignment, Kind, Progress, Status
from bot.ui import limits
from bot.ui.limits import Panel
from bot.ui.messages import clip, reply_error
from bot.ui.times import moment, relative
from content.model import Deck

HOMEWORK_COLOUR = discord.Colour.from_rgb(230, 126, 34)
KIND_NAMES = {Kind.TEST: "Practice test", Kind.REVIEW: "Flashcard review", Kind.LEARN: "Learn"}
STATUS_MARKS = {
    Status.DONE: "✅ done",
    Status.LATE: "⏰ done late",
    Status.MISSING: "❌ missing",
    Status.IN_PROGRESS: "⏳ in progress",
    Status.NOT_STARTED: "▫️ not started",
}
NOT_YOURS = "Only the teacher who asked can confirm this."
GONE = "That assignment was removed. `/homework` shows your assignments."
CLOSED = "Assignment #{number} is closed: work on it no longer counts. `/homework` shows the open ones."
CLASS_NOTE = "Counted from your own /test, /review and /learn work in this server since it was set."


def topic_text(assignment: Assignment, deck: Deck) -> str:
    return clip(deck.topic_name(assignment.topic), 60) if assignment.topic else "every topic"


def task_text(assignment: Assignment, deck: Deck) -> str:
    """ "Practice test on **Metrics**: 80% or more on a 10-question test"."""
    a = assignment
    where = f"**{topic_text(a, deck)}**"
    if a.kind is Kind.TEST:
        return f"Practice test on {where}: score **{a.goal}%** or more on a {a.questions}-question test"
    if a.kind is Kind.REVIEW:
        return f"Flashcard review on {where}: **{a.goal}** reviews"
    return f"Learn on {where}: learn **{a.goal}** terms"


def title_of(assignment: Assignment, deck: Deck) -> str:
    """ "#3 · Practice test · Metrics"."""
    return clip(f"#{assignment.number} · {KIND_NAMES[assignment.kind]} · {topic_text(assignment, deck)}", 100)


def progress_text(assignment: Assignment, progress: Progress) -> str:
    """ "⏳ in progress · 12/20 reviews", "✅ done · best 90%"."""
    mark = STATUS_MARKS[progress.status]
    if assignment.kind is Kind.TEST:
        figure = f"best {progress.value}%" if progress.status is not Status.NOT_STARTED else "no full test yet"
    else:
        word = "reviews" if assignment.kind is Kind.REVIEW else "terms learned"
        figure = f"{min(progress.value, progress.goal)}/{progress.goal} {word}"
    return f"{mark} · {figure}"


def due_text(assignment: Assignment, now: datetime) -> str:
    if assignment.is_due(now):
        return f"was due {moment(assignment.due_at)}; work now counts as late"
    return f"due {moment(assignment.due_at)}"


# --- the announcement and its Start button ----------------------------------------------------


class StartButton(discord.ui.DynamicItem[discord.ui.Button], template=r"hw:start:(?P<id>\d{1,18})"):
    """Start an assignment: opens the member's own private session (/test, /review or /learn on
    its topic). Anyone may press it; it works after a restart."""

    def __init__(self, assignment_id: int, label: str = "Start") -> None:
        self.assignment_id = assignment_id
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                emoji="▶️",
                custom_id=f"hw:start:{assignment_id}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["id"]), item.label or "Start")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.get_cog("Homework").start(interaction, self.assignment_id)


def announcement(assignment: Assignment, deck: Deck) -> tuple[discord.Embed, discord.ui.View]:
    """The message in the channel: the task, the due time and the Start button."""
    embed = Panel(
        title=clip(f"📚 New assignment #{assignment.number}", limits.TITLE),
        description=f"{task_text(assignment, deck)}.\nDue {moment(assignment.due_at)}.",
        colour=HOMEWORK_COLOUR,
    )
    embed.set_footer(
        text="Press Start to begin privately. Work after the due time still counts, as late. "
        "/homework shows how far you are."
    )
    view = discord.ui.View(timeout=None)
    view.add_item(StartButton(assignment.id))
    return embed, view


def ended_announcement(assignment: Assignment, deck: Deck, why: str) -> discord.Embed:
    """The announcement once the assignment is closed or removed (its button is taken away)."""
    embed = Panel(
        title=clip(f"📚 Assignment #{assignment.number} ({why})", limits.TITLE),
        description=f"{task_text(assignment, deck)}.\nWas due {moment(assignment.due_at)}.",
        colour=discord.Colour.light_grey(),
    )
    return embed


def created_text(assignment: Assignment, deck: Deck, channel_id: int, local: str, note: str = "") -> str:
    """What the teacher is told: where it is posted, the due time (also as the server's wall clock,
    to check the date was read as meant) and whether a reminder will follow."""
    remind = (
        "I'll post a reminder there 24 hours before it is due."
        if assignment.reminder is None
        else "It is due within 24 hours, so the announcement is the only reminder."
    )
    return clip(
        f"📚 Assignment **#{assignment.number}** is posted in <#{channel_id}>: {task_text(assignment, deck)}, "
        f"due {moment(assignment.due_at)}; on this server's clock that is {local}. {remind}{note}",
        2000,
    )


# --- /homework --------------------------------------------------------------------------------


def homework_message(
    items: Sequence[tuple[Assignment, Progress]], deck: Deck, now: datetime, name: str
) -> tuple[discord.Embed, discord.ui.View | None]:
    """A student's open assignments (soonest due first), how far they are, and a Start button each."""
    embed = Panel(title=clip(f"📚 Homework · {name}", limits.TITLE), colour=HOMEWORK_COLOUR)
    if not items:
        embed.description = "No open assignments in this server right now. 🎉"
        return embed, None
    for assignment, progress in items[: limits.FIELDS]:
        embed.add_field(
            name=title_of(assignment, deck),
            value=clip(
                f"{task_text(assignment, deck)}\n{progress_text(assignment, progress)} · "
                f"{due_text(assignment, now)}",
                limits.FIELD_VALUE,
            ),
            inline=False,
        )
    embed.set_footer(text=CLASS_NOTE)
    view = discord.ui.View(timeout=None)
    for assignment, _ in items[:MAX_OPEN]:
        view.add_item(StartButton(assignment.id, f"Start #{assignment.number}"))
    return embed, view


# --- /assign list -----------------------------------------------------------------------------


def reminder_status(assignment: Assignment) -> str:
    if assignment.reminder is None:
        return "reminder 24 h before"
    if assignment.reminder == "sent":
        return "reminder sent"
    if assignment.reminder == "none":
        return "no reminder (set less than 24 h ahead)"
    if assignment.reminder == "pending":
        return "reminder being sent"
    note = f": {assignment.reminder_note}" if assignment.reminder_note else ""
    word = "⚠️ reminder not sent" if assignment.reminder == "failed" else "reminder skipped"
    return f"{word}{note}"


def list_embed(
    assignments: Sequence[Assignment], finished: Mapping[int, int], class_size: int, deck: Deck, now: datetime
) -> discord.Embed:
    """The server's open assignments with how many have finished each (counts, never names)."""
    embed = Panel(title="📚 Open assignments", colour=HOMEWORK_COLOUR)
    if not assignments:
        embed.description = "No open assignments. Create one with `/assign create`."
    for a in assignments:
        done = finished.get(a.id, 0)
        embed.add_field(
            name=title_of(a, deck),
            value=clip(
                f"{task_text(a, deck)} · in <#{a.channel_id}>\n{due_text(a, now)}\n"
                f"**{done}** of {class_size} finished · {reminder_status(a)}",
                limits.FIELD_VALUE,
            ),
            inline=False,
        )
    embed.set_footer(
        text=f"{len(assignments)} of {MAX_OPEN} open · the class = members I've seen study here "
        "· /report class shows who"
    )
    return embed


def number_label(assignment: Assignment, deck: Deck) -> str:
    """An autocomplete choice: "#3 · Practice test · Metrics (closed)"."""
    closed = " (closed)" if assignment.closed_at is not None else ""
    return clip(title_of(assignment, deck) + closed, 100)


# --- the reminder -----------------------------------------------------------------------------


def reminder_text(assignment: Assignment, deck: Deck, finished: int, class_size: int) -> str:
    """The channel reminder 24 hours before the due time: a count of who finished, never names."""
    who = f"**{finished}** of {class_size}" if class_size else f"**{finished}**"
    return clip(
        f"⏰ **Reminder:** assignment #{assignment.number} is due {relative(assignment.due_at)}: "
        f"{task_text(assignment, deck)}. {who} finished so far. "
        "Press Start on the announcement, or use /homework.",
        2000,
    )


# --- /assign remove ---------------------------------------------------------------------------


class RemoveAssignmentButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"hwrm:(?P<owner>\d{1,20}):(?P<id>\d{1,18}):(?P<ok>[yn])",
):
    """Confirm or cancel /assign remove. Only the teacher who asked may answer; it survives restarts."""

    def __init__(self, owner: int, assignment_id: int, confirm: bool) -> None:
        self.owner, self.assignment_id, self.confirm = owner, assignment_id, confirm
        super().__init__(
            discord.ui.Button(
                label="Remove it" if confirm else "Keep it",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"hwrm:{owner}:{assignment_id}:{'y' if confirm else 'n'}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]), int(match["id"]), match["ok"] == "y")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, NOT_YOURS)
            return
        await interaction.client.get_cog("Assign").on_remove_answer(interaction, self.assignment_id, self.confirm)


def remove_confirm(owner: int, assignment: Assignment, deck: Deck, started: int) -> tuple[str, discord.ui.View]:
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveAssignmentButton(owner, assignment.id, True))
    view.add_item(RemoveAssignmentButton(owner, assignment.id, False))
    text = (
        f"Remove assignment **{title_of(assignment, deck)}**? Its progress ({started} student"
        f"{'' if started == 1 else 's'} started) goes with it and it leaves every report; the students' own "
        "answers and reviews stay in their study. To stop it counting but keep it in reports, use "
        "`/assign close` instead. This cannot be undone."
    )
    return text, view
