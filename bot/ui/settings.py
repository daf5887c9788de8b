"""How server settings look: the time zone and retention confirmations and /settings show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.core.retention import Workload, percent
from bot.core.schedule import MAX_QUIZ_SCHEDULES, DailySettings, QuizSchedule
from bot.core.srs import DESIRED_RETENTION
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


def workload_note(workload: Workload) -> str:
    """One line on what a desired retention costs, against the default 0.90."""
    per_card = f"{workload.reviews:.1f} reviews per new card in its first year"
    change = workload.ratio - 1
    if abs(change) < 0.005:
        return f"about {per_card}"
    more = "more" if change > 0 else "fewer"
    return f"about {abs(change):.0%} {more} reviews than at {percent(DESIRED_RETENTION)} ({per_card})"


def retention_set_text(workload: Workload) -> str:
    """The reply to /settings retention."""
    shown = percent(workload.retention)
    return (
        f"🎯 Reviews in this server now aim for **{shown}** recall: a card comes back when members are "
        f"expected to still recall {shown} of it. Workload: {workload_note(workload)}. Cards change "
        "course at their next rating."
    )


def retention_text(workload: Workload, fitted: bool) -> str:
    """/settings show's line on how reviews are scheduled."""
    default = " (default)" if workload.retention == DESIRED_RETENTION else ""
    model = "FSRS-6 fitted to this server's reviews" if fitted else "FSRS-6 default parameters"
    return f"{percent(workload.retention)}{default} · {workload_note(workload)} · {model} · /settings retention"


def settings_embed(
    zone: ZoneInfo,
    now: datetime,
    daily: DailySettings | None,
    schedules: list[QuizSchedule],
    deck: Deck,
    *,
    workload: Workload,
    fitted: bool,
) -> discord.Embed:
    """/settings show: the zone, a one-line summary of each scheduled feature, and the review
    retention with its workload and whether FSRS's parameters are this server's own."""
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
    embed.add_field(name="Review retention", value=retention_text(workload, fitted)[:1024], inline=False)
    if zone.key == "UTC":
        embed.set_footer(text="Times are in UTC. Set your school's zone with /settings timezone.")
    return embed
