"""The /leaderboard card and its page buttons."""

from __future__ import annotations

from datetime import date

import discord

from bot.core.quiz import week_start
from bot.ui.limits import Panel
from bot.ui.messages import reply_error
from bot.ui.times import calendar_date, zone_label

PAGE_SIZE = 10
SORT_TITLES = {"points": "points", "accuracy": "accuracy", "rounds_won": "rounds won"}


def _period_title(period: str, key: str, zone) -> str:
    if period == "week":
        return f"week of {calendar_date(week_start(key))} ({zone_label(zone)})"
    if period == "month":
        return f"{date.fromisoformat(key[1:] + '-01'):%B %Y}"
    return "all time"


#: How each period is said in a sentence ("No quiz answers yet this week").
_IN_PERIOD = {"week": " this week", "month": " this month", "all": ""}


def _stats(row) -> str:
    """A player's figures, in the podium's words ("points", not "pts")."""
    won = f"{row.rounds_won} round{'' if row.rounds_won == 1 else 's'} won"
    return f"{row.points:,} points · {row.accuracy:.0%} right ({row.correct}/{row.answered}) · {won}"


def _line(rank: int, row) -> str:
    return f"**{rank}.** <@{row.user_id}> · {_stats(row)}"


def leaderboard_message(guild, *, period, sort, key, zone, page, total, rows, mine, owner):
    embed = Panel(
        title=f"🏆 Leaderboard · {_period_title(period, key, zone)}",
        colour=discord.Colour.gold(),
    )
    when = _IN_PERIOD[period]
    if not rows:
        embed.description = f"No quiz answers yet{when}. Start a round with /quiz start!"
    else:
        embed.description = "\n".join(_line(page * PAGE_SIZE + i + 1, r) for i, r in enumerate(rows))
    pages = max(1, -(-total // PAGE_SIZE))
    if mine is not None:
        rank, row = mine
        embed.add_field(name="Your rank", value=f"#{rank} of {total} · {_stats(row)}", inline=False)
    else:
        embed.add_field(name="Your rank", value=f"You haven't answered a quiz question{when} yet.", inline=False)
    embed.set_footer(text=f"Sorted by {SORT_TITLES[sort]} · page {page + 1} of {pages}")
    view = None
    if pages > 1:
        view = discord.ui.View(timeout=None)
        view.add_item(LeaderboardPage(period, sort, page - 1, owner, "◀ Previous", disabled=page == 0))
        view.add_item(LeaderboardPage(period, sort, page + 1, owner, "Next ▶", disabled=page + 1 >= pages))
    return None, embed, view


class LeaderboardPage(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lb:(?P<period>week|month|all):(?P<sort>points|accuracy|rounds_won):(?P<page>-?\d+):(?P<owner>\d+)",
):
    def __init__(self, period: str, sort: str, page: int, owner: int, label: str = "Page", disabled=False):
        self.period, self.sort, self.page, self.owner = period, sort, page, owner
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"lb:{period}:{sort}:{page}:{owner}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["period"], match["sort"], int(match["page"]), int(match["owner"]), item.label or "Page")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(
                interaction, "These buttons belong to whoever ran /leaderboard. Run it yourself to browse."
            )
            return
        cog = interaction.client.get_cog("Quiz")
        content, embed, view = await cog.leaderboard_page(
            interaction, self.period, self.sort, page=max(self.page, 0), owner=self.owner
        )
        await interaction.response.edit_message(content=content, embed=embed, view=view)
