"""How the daily term looks: the post, its "Quiz me" / "Add to my review" buttons, and /daily show."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.questions import Kind, Question
from bot.core.schedule import NONCE_WINDOW, DailyPost, DailySettings
from bot.ui import limits
from bot.ui.limits import Panel
from bot.ui.messages import clip
from bot.ui.terms import term_embed
from bot.ui.times import calendar_date, clock, describe_zone, moment, zone_label
from content.model import Deck, Term

DAILY_COLOUR = discord.Colour.from_rgb(241, 143, 1)
RIGHT_COLOUR = discord.Colour.green()
WRONG_COLOUR = discord.Colour.red()
# The term id is the last part of every custom_id below; Discord allows 100 characters in all.
_TERM = r"(?P<term>[a-z0-9-]{1,80})"
_KEY = r"(?:[A-D]|true|false)"


# --- the post ---------------------------------------------------------------------------------


def daily_post_embed(term: Term, deck: Deck) -> discord.Embed:
    """The term card with a "term of the day" heading."""
    embed = term_embed(term, deck, title_prefix="📅 ")
    embed.colour = DAILY_COLOUR
    embed.set_author(name="Term of the day")
    embed.set_footer(text="Test yourself with Quiz me, or add the term to your /review cards.")
    return embed


class DailyQuizButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"daily:quiz:{_TERM}"):
    """ "Quiz me" under a daily post: one private question for whoever clicks. Works after restarts."""

    def __init__(self, term_id: str) -> None:
        self.term_id = term_id
        super().__init__(
            discord.ui.Button(
                label="Quiz me", emoji="❓", style=discord.ButtonStyle.primary, custom_id=f"daily:quiz:{term_id}"
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["term"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.get_cog("DailyTerm").quiz_me(interaction, self.term_id)


class DailyAddButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"daily:add:{_TERM}"):
    """ "Add to my review" under a daily post. Works after restarts."""

    def __init__(self, term_id: str) -> None:
        self.term_id = term_id
        super().__init__(
            discord.ui.Button(
                label="Add to my review",
                emoji="➕",
                style=discord.ButtonStyle.secondary,
                custom_id=f"daily:add:{term_id}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["term"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.get_cog("DailyTerm").add_to_review(interaction, self.term_id)


def daily_post_view(term: Term) -> discord.ui.View | None:
    """The two buttons, or None for a term id too long for a custom_id (the post still goes out)."""
    if len(term.id) > 80:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(DailyQuizButton(term.id))
    view.add_item(DailyAddButton(term.id))
    return view


# --- "Quiz me": one private question ----------------------------------------------------------


class DailyAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"daily:ans:(?P<answer>{_KEY}):(?P<choice>{_KEY}):{_TERM}"
):
    """An answer to a "Quiz me" question. The right answer rides in the custom_id: the question is
    a private self-check, so there is no one to cheat but oneself, and no state to lose on a restart."""

    def __init__(self, term_id: str, answer: str, choice: str, label: str) -> None:
        self.term_id, self.answer, self.choice = term_id, answer, choice
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"daily:ans:{answer}:{choice}:{term_id}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["term"], match["answer"], match["choice"], item.label or match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("DailyTerm")
        await cog.answer(interaction, self.term_id, self.choice, self.answer)


def check_embed(question: Question) -> discord.Embed:
    """The question card of "Quiz me"."""
    embed = Panel(title="❓ Quick check", description=clip(question.prompt, 4096), colour=DAILY_COLOUR)
    if question.kind in (Kind.DEFINITION, Kind.TERM):
        for key, text in zip(question.choice_keys, question.options, strict=True):
            embed.add_field(name=key, value=clip(text, 1024), inline=False)
    embed.set_footer(text="Only you can see this. Pick an answer below.")
    return embed


def check_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for key in question.choice_keys:
        label = question.option_label(key) if question.kind is not Kind.DEFINITION else key
        view.add_item(DailyAnswerButton(question.term_id, question.answer, key, label))
    return view


def result_embed(term: Term, *, correct: bool, choice: str, answer: str, recorded: bool) -> discord.Embed:
    """Right or wrong, the right answer, and the definition to remember."""
    shown = {"true": "True", "false": "False"}
    if correct:
        embed = Panel(title="✅ Right!", colour=RIGHT_COLOUR)
    else:
        embed = Panel(
            title="❌ Not quite",
            description=f"You picked **{shown.get(choice, choice)}**; the answer is **{shown.get(answer, answer)}**.",
            colour=WRONG_COLOUR,
        )
    embed.add_field(name=clip(term.name, 256), value=clip(term.definition, 1024), inline=False)
    if recorded:
        embed.set_footer(text="Counted in your /review schedule for this card.")
    else:
        embed.set_footer(text='Want to remember it? Click "Add to my review" on the post.')
    return embed


# --- /daily show ------------------------------------------------------------------------------


def schedule_text(settings: DailySettings, deck: Deck) -> str:
    """ "every day at **09:00** (America/New_York) in #class, from Metrics"."""
    topic = f"**{deck.topic_name(settings.topic)}**" if settings.topic else "all topics"
    when = f"**{clock(settings.post_time)}** ({zone_label(settings.zone)})"
    return f"every day at {when} in <#{settings.channel_id}>, from {topic}"


def today_post_text(post: DailyPost, settings: DailySettings, now: datetime) -> str | None:
    """Why today's term is not (known to be) in the channel, or None when nothing went wrong."""
    tries = f"{post.attempts} attempt{'s' if post.attempts != 1 else ''}"
    if post.status == "failed":
        return f"Not sent yet ({tries}): {post.last_error}"
    if not post.unconfirmed:
        return None
    said = f"Discord didn't confirm it ({tries}; {post.last_error}), so it may be in <#{settings.channel_id}> already."
    until = post.claimed_at + NONCE_WINDOW
    if now < until:
        return f"{said} Sent again only until {moment(until)}, while Discord drops a copy, so never twice."
    return f"{said} Not sent again today, so it never appears twice."


def daily_status_embed(
    settings: DailySettings | None, deck: Deck, now: datetime, today_post: DailyPost | None = None
) -> discord.Embed:
    """What /daily show says: where and when, the next post, and why it is paused if it is."""
    embed = Panel(title="📅 Daily term", colour=DAILY_COLOUR)
    if settings is None:
        embed.description = "The daily term is not set up. Use `/daily set channel: time:` to start it."
        return embed
    embed.description = f"Posts {schedule_text(settings, deck)}."
    if settings.paused_reason:
        embed.add_field(
            name="⏸️ Paused",
            value=clip(f"{settings.paused_reason}. Fix it, then run /daily set again to resume.", 1024),
            inline=False,
        )
    elif not settings.enabled:
        embed.add_field(name="Status", value="Off. Run /daily set to turn it back on.", inline=False)
    else:
        nxt = max(settings.next_run_at, now)
        embed.add_field(name="Next post", value=moment(nxt), inline=False)
    if settings.last_posted_date is not None:
        embed.add_field(name="Last posted", value=calendar_date(settings.last_posted_date), inline=True)
    if today_post is not None and settings.active and (problem := today_post_text(today_post, settings, now)):
        embed.add_field(name="⚠️ Today's post", value=clip(problem, limits.FIELD_VALUE), inline=False)
    done = len(settings.rotation_order) and settings.rotation_pos
    if done:
        embed.add_field(
            name="This cycle", value=f"{done} of {len(settings.rotation_order)} terms posted", inline=True
        )
    embed.set_footer(text=f"Time zone: {describe_zone(settings.zone, now)} · /settings timezone to change it")
    return embed
