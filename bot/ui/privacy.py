"""How /privacy looks: the export file, the forget confirmation and its result."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping
from datetime import datetime

import discord

from bot.ui.limits import Panel
from bot.ui.messages import reply_error

PRIVACY_COLOUR = discord.Colour.dark_teal()
#: Discord refuses bigger uploads from bots in most servers; a bigger export is sent gzipped.
MAX_PLAIN_BYTES = 8 * 1024 * 1024

#: What each table means to a member, in the order the summaries list them.
KINDS = {
    "quiz_answers": "Quiz answers",
    "quiz_totals": "Leaderboard totals (per server and period)",
    "study_cards": "Flashcards in your reviews",
    "study_reviews": "Review log (flashcard ratings, quiz and test answers)",
    "study_tests": "Practice test results",
    "study_matches": "Matching game times",
    "learn_terms": "Terms in /learn and their stage",
    "learn_answers": "/learn answers waiting to go into your reviews",
    "learn_sessions": "Your /learn session",
    "report_students": "Your figures in each server's class report",
    "report_days": "Your figures per day in each server's class report",
    "report_term_students": "The terms you answered or reviewed in each server: how often, how many right, and when you last answered",
    "assignment_work": "Your progress on assignments",
    "quiz_rounds": "Quiz rounds you started",
    "quiz_schedules": "Scheduled quizzes you created",
    "server_decks": "Decks you imported",
    "assignments": "Assignments you set",
    "class_assignments": "Assignments in your classes (what reports count your work against)",
}
#: Shared rows: forget keeps them for the class and removes only the member's name.
KEPT = {"quiz_rounds", "quiz_schedules", "server_decks", "assignments"}
#: Exported for context only: not about the member, never deleted or changed (storage CONTEXT).
CONTEXT = {"class_assignments"}

NOT_YOURS = "This button belongs to the member who ran /privacy forget. Run it yourself to delete your data."
CANCELLED = "👍 Cancelled: nothing was deleted."
NOTHING_STORED = "I don't store anything about you: there is nothing to export or delete."
NOTES = (
    "Times ending in _at, due and last_review are Unix times: milliseconds for answers, reviews, "
    "tests, games and rounds, seconds for flashcards, schedules and decks.",
    "guild_id is the server the row belongs to (null for direct messages).",
)


def _kind(table: str) -> str:
    return KINDS.get(table, table.replace("_", " ").capitalize())


def _lines(counts: Mapping[str, int]) -> list[str]:
    """One line per kind that has rows, in `KINDS` order."""
    order = [t for t in KINDS if t in counts] + [t for t in counts if t not in KINDS]
    return [f"• {_kind(t)}: {counts[t]:,}" for t in order if counts[t]]


def export_file(export: Mapping[str, list[dict]], user_id: int, now: datetime) -> discord.File:
    """The export as a JSON file (gzipped when too big to upload plain)."""
    document = {
        "bot": "Customer Relations study bot",
        "user_id": user_id,
        "exported_at": now.isoformat(timespec="seconds"),
        "notes": list(NOTES),
        "tables": dict(export),
    }
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    name = f"studybot-data-{user_id}.json"
    if len(data) > MAX_PLAIN_BYTES:
        return discord.File(io.BytesIO(gzip.compress(data)), filename=name + ".gz")
    return discord.File(io.BytesIO(data), filename=name)


def export_text(export: Mapping[str, list[dict]]) -> str:
    counts = {table: len(rows) for table, rows in export.items()}
    if not any(counts.values()):
        return "📦 Here is your data: I don't store anything about you right now, so the file is empty."
    return "📦 Here is everything I store about you, in every server:\n" + "\n".join(_lines(counts))


def forget_prompt(counts: Mapping[str, int], owner: int) -> tuple[discord.Embed, discord.ui.View]:
    """The confirmation: what will be deleted, with Delete and Cancel buttons for `owner` only."""
    deleted = {t: n for t, n in counts.items() if t not in KEPT}
    kept = {t: n for t, n in counts.items() if t in KEPT}
    embed = Panel(
        title="🗑️ Delete everything I store about you?",
        description="In every server and in direct messages:\n" + ("\n".join(_lines(deleted)) or "• nothing"),
        colour=discord.Colour.red(),
    )
    if any(kept.values()):
        embed.add_field(
            name="Kept for the class, without your name",
            value="\n".join(_lines(kept)),
            inline=False,
        )
    embed.set_footer(text="You leave every leaderboard. This cannot be undone.")
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton("forget", owner))
    view.add_item(ForgetButton("cancel", owner))
    return embed, view


def forgotten_embed(counts: Mapping[str, int]) -> discord.Embed:
    deleted = {t: n for t, n in counts.items() if t not in KEPT}
    kept = {t: n for t, n in counts.items() if t in KEPT}
    lines = _lines(deleted)
    embed = Panel(
        title="✅ Your data is deleted",
        description=("Deleted:\n" + "\n".join(lines)) if lines else "There was nothing left to delete.",
        colour=PRIVACY_COLOUR,
    )
    if any(kept.values()):
        embed.add_field(name="Your name removed from", value="\n".join(_lines(kept)), inline=False)
    embed.set_footer(text="You no longer appear on any leaderboard. Playing again starts afresh.")
    return embed


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"privacy:(?P<action>forget|cancel):(?P<owner>\d{1,20})",
):
    """Delete or Cancel on a /privacy forget prompt. Works after a restart; only for its owner."""

    def __init__(self, action: str, owner: int) -> None:
        self.action, self.owner = action, owner
        forget = action == "forget"
        super().__init__(
            discord.ui.Button(
                label="Delete my data" if forget else "Cancel",
                style=discord.ButtonStyle.danger if forget else discord.ButtonStyle.secondary,
                custom_id=f"privacy:{action}:{owner}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["action"], int(match["owner"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, NOT_YOURS)
            return
        await interaction.client.get_cog("Privacy").on_choice(interaction, confirmed=self.action == "forget")
