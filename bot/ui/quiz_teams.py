"""How team play looks: the "Pick your team" message before a team round's first question, and its
buttons. Their state is in their custom_id, so a click after a restart still gets an answer."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.teams import TEAM_BADGES, TEAM_NAMES, Teams, team_label
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors, member_name

TEAMS_COLOUR = discord.Colour.from_rgb(88, 101, 242)
AVERAGE_NOTE = "A team scores the **average** of its players' points, so a small team can beat a big one."


class TeamButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quizteam:(?P<round>\d+):(?P<team>[0-3])"):
    """Join a team of a round. Anyone in the channel may press it."""

    def __init__(self, round_id: int, team: int) -> None:
        self.round_id, self.team = round_id, team
        super().__init__(
            discord.ui.Button(
                label=f"Join {TEAM_NAMES[team]}",
                emoji=TEAM_BADGES[team],
                style=discord.ButtonStyle.secondary,
                custom_id=f"quizteam:{round_id}:{team}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["round"]), int(match["team"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Quiz")
        async with component_errors(interaction, f"team button {self.team} of round {self.round_id}"):
            await cog.on_team(interaction, self.round_id, self.team)


class StartNowButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quizgo:(?P<round>\d+)"):
    """End the joining phase early: for the member who started the round, or a moderator."""

    def __init__(self, round_id: int) -> None:
        self.round_id = round_id
        super().__init__(
            discord.ui.Button(
                label="▶️ Start now", style=discord.ButtonStyle.success, custom_id=f"quizgo:{round_id}"
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Quiz")
        async with component_errors(interaction, f"start-now button of round {self.round_id}"):
            await cog.on_start_now(interaction, self.round_id)


def teams_view(round_id: int, count: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for team in range(count):
        view.add_item(TeamButton(round_id, team))
    view.add_item(StartNowButton(round_id))
    return view


def teams_embed(teams: Teams, starts_at: datetime, *, anonymous: bool) -> discord.Embed:
    """Who is on which team: while members join (with the time the first question comes), and once
    the teams are set. An anonymous round shows how many, never who."""
    if teams.joining:
        ts = int(starts_at.timestamp())
        embed = Panel(
            title="Pick your team",
            description=(
                f"Press a button to join a team; you can switch until the first question, which comes "
                f"<t:{ts}:R> or when the quiz's starter presses ▶️ Start now.\n"
                f"Answer without joining and I'll put you on the smallest team. {AVERAGE_NOTE}"
            ),
            colour=TEAMS_COLOUR,
        )
    else:
        embed = Panel(
            title="Teams are set",
            description=f"Members who answer without a team join the smallest one. {AVERAGE_NOTE}",
            colour=TEAMS_COLOUR,
        )
    for team in range(teams.count):
        roster = teams.roster(team)
        count = f"{len(roster)} member{'s' if len(roster) != 1 else ''}" if roster else "nobody yet"
        if anonymous or not roster:
            value = count
        else:
            value = clip(", ".join(member_name(teams.names.get(uid, "")) or f"<@{uid}>" for uid in roster), 1024)
        embed.add_field(name=f"{team_label(team)} · {len(roster)}", value=value, inline=True)
    return embed
