"""How server settings look: the time zone confirmation and /settings show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.core.schedule import MAX_QUIZ_SCHEDULES, DailySettings, QuizSchedule
from bot.core.zones import fixed_offset
from bot.ui.daily import schedule_text
from bot.ui.limits import Panel
from bot.ui.times import describe_zone, zone_label, zone_now
from content.model import Deck

SETTINGS_COLOUR = discord.Colour.blurple()


def zone_set_text(zone: ZoneInfo, now: datetime) -> str:
    text = (
        f"🕒 This server's time zone is now **{describe_zone(zone, now)}**; it is {zone_now(now, zone)} there. "
        "The daily term, scheduled quizzes and weekly leaderboards follow it"
    )
    minutes = fixed_offset(zone)
    if minutes is None:
        return text + ", summer time included."
    return (
        f"{text}. {zone_label(zone)} never changes for summer time: if your clocks do, set your city's zone "
        f"instead (type UTC{minutes // 60:+d} in the zone option to see the cities at this offset)."
    )


def settings_embed(
    zone: ZoneInfo, now: datetime, daily: DailySettings | None, schedules: list[QuizSchedule], deck: Deck
) -> discord.Embed:
    """/settings show: the zone and a one-line summary of each scheduled feature."""
    embed = Panel(title="⚙️ Server settings", colour=SETTINGS_COLOUR)
    embed.add_field(
        name="Time zone", value=f"{describe_zone(zone, now)} · now {zone_now(now, zone)} there", inline=False
    )
    if daily is None:
        daily_text = "Not set up · /daily set"
    elif daily.paused_reason:
        daily_text = f"⏸️ Paused: {daily.paused_reason} · /daily show"
    elif not daily.enabled:
        daily_text = "Off · /daily set to turn it on"
    else:
        daily_text = f"On: {schedule_text(daily, deck)}"
    embed.add_field(name="Daily term", value=daily_text[:1024], inline=False)
    active = sum(not s.paused for s in schedules)
    embed.add_field(
        name="Scheduled quizzes",
        value=f"{len(schedules)} of {MAX_QUIZ_SCHEDULES} ({active} active) · /schedule list",
        inline=False,
    )
    if zone.key == "UTC":
        embed.set_footer(text="Times are in UTC. Set your school's zone with /settings timezone.")
    return embed
