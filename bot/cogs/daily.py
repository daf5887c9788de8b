"""The daily term: /daily set|off|now|show, posting it (called by the scheduler loop), and its buttons.

Posting follows the recipe of `bot.core.schedule`: the (server, local date) row is claimed and
committed before the send, so a day is never posted twice, even across a crash; a send Discord
refused is recorded and retried later the same local day (1, 5, then 20 minutes; at most 4 sends),
resending the same term; a send Discord did not confirm (a time-out, a 5xx: the term may be in
the channel) is resent with the day's nonce only while Discord still drops a copy; a deleted
channel or a missing permission pauses the daily term with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.scheduler import missing_permissions, pause_reason, post_channel, refused
from bot.cogs.server_fsrs import scheduler_for
from bot.cogs.settings import MANAGERS, require_manager
from bot.core.budget import Priority
from bot.core.errors import BadInput
from bot.core.questions import Kind, make_question
from bot.core.schedule import (
    daily_due,
    daily_nonce,
    daily_retry_at,
    format_time,
    local_date,
    next_daily_run,
    next_term,
    parse_time,
)
from bot.storage.schedules import ScheduleStore
from bot.storage.study import StudyRepo
from bot.ui.daily import (
    DailyAddButton,
    DailyAnswerButton,
    DailyQuizButton,
    check_embed,
    check_view,
    daily_post_embed,
    daily_post_view,
    daily_status_embed,
    result_embed,
    schedule_text,
)
from bot.ui.messages import reply, reply_error, user_errors
from bot.ui.times import moment
from content.model import Term

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DailyOutcome:
    """What one attempt to post today's term did."""

    status: str  # 'sent', 'not-due', 'already', 'taken', 'given-up', 'failed', 'unsure', 'paused'
    term: Term | None = None
    message: discord.Message | None = None
    error: str | None = None


class DailyTerm(commands.Cog):
    daily = app_commands.Group(
        name="daily",
        description="A term of the day posted in a channel",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = ScheduleStore(bot.db)
        self.study = StudyRepo(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DailyQuizButton, DailyAddButton, DailyAnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DailyQuizButton, DailyAddButton, DailyAnswerButton)

    # ----------------------------------------------------------------- commands

    @daily.command(name="set", description="Post a term every day in a channel at a local time.")
    @app_commands.describe(
        channel="Where to post", time="Local time, e.g. 09:00, 14:30 or 9am", topic="Only terms from this topic"
    )
    async def set_daily(
        self, interaction: discord.Interaction, channel: discord.TextChannel, time: str, topic: str | None = None
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            at = parse_time(time)
            topic_id = resolve_topic(deck, topic)
            problem = missing_permissions(channel)
            if problem:
                raise BadInput(f"{problem}. Give me those permissions there, or pick another channel.")
            now = discord.utils.utcnow()
            settings = await self.store.set_daily(interaction.guild_id, channel.id, at, topic_id, now)
            log.info("guild %s daily term set: %s %s", interaction.guild_id, channel.id, format_time(at))
            text = (
                f"📅 The term of the day will be posted {schedule_text(settings, deck)}.\n"
                f"Next post: {moment(settings.next_run_at)}. `/daily now` posts today's term right away."
            )
            if settings.timezone == "UTC":
                text += "\nTimes are in UTC: set your school's zone with `/settings timezone`."
            await interaction.response.send_message(text, ephemeral=True)

    @set_daily.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    @daily.command(name="off", description="Stop posting the daily term.")
    async def off(self, interaction: discord.Interaction) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            if not await self.store.disable_daily(interaction.guild_id, discord.utils.utcnow()):
                raise BadInput("The daily term is not set up, so there is nothing to turn off.")
            await interaction.response.send_message(
                "📅 The daily term is off. `/daily set` turns it back on.", ephemeral=True
            )

    @daily.command(name="show", description="Where and when the daily term is posted, and the next post.")
    async def show(self, interaction: discord.Interaction) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            now = discord.utils.utcnow()
            settings = await self.store.get_daily(interaction.guild_id)
            today = None
            if settings is not None:
                today = await self.store.unsent_today(interaction.guild_id, local_date(now, settings.zone))
            embed = daily_status_embed(settings, deck, now, today)
            await interaction.response.send_message(embed=embed, ephemeral=True)

    @daily.command(name="now", description="Post today's term now (it counts as today's post).")
    async def post_now(self, interaction: discord.Interaction) -> None:
        async with user_errors(interaction):
            require_manager(interaction)
            settings = await self.store.get_daily(interaction.guild_id)
            if settings is None:
                raise BadInput("The daily term is not set up yet. Use `/daily set channel: time:` first.")
            if settings.paused_reason:
                raise BadInput(
                    f"The daily term is paused: {settings.paused_reason}. Fix that, then use /daily set."
                )
            if not settings.enabled:
                raise BadInput("The daily term is off. Turn it on with `/daily set` first.")
            await interaction.response.defer(ephemeral=True, thinking=True)
            outcome = await self.post_today(settings, discord.utils.utcnow(), manual=True)
            await reply(interaction, self._now_text(outcome, settings.channel_id), ephemeral=True)

    @staticmethod
    def _now_text(outcome: DailyOutcome, channel_id: int) -> str:
        if outcome.status == "sent":
            return (
                f"📅 Posted today's term, **{outcome.term.name}**: {outcome.message.jump_url}\n"
                "It counts as today's post, so it won't be posted again today."
            )
        if outcome.status == "already":
            return f"⚠️ Today's term was already posted in <#{channel_id}>. The next one comes tomorrow."
        if outcome.status == "given-up":
            return (
                f"⚠️ Discord didn't confirm today's post ({outcome.error}), so it may be in <#{channel_id}> "
                "already. To never post it twice, it isn't sent again today; the next one comes tomorrow."
            )
        if outcome.status == "taken":
            return "⚠️ Today's term is being posted right now, or I gave up on it after several failed tries."
        if outcome.status == "paused":
            return f"⚠️ I couldn't post: {outcome.error}. The daily term is paused until you run /daily set again."
        if outcome.status == "unsure":
            return (
                f"⚠️ Discord didn't confirm the post ({outcome.error}), so it may be in <#{channel_id}> already. "
                "I'll send it again only while Discord still drops a copy (a minute or two), never twice."
            )
        return f"⚠️ Discord didn't take the post ({outcome.error}). I'll try again in a few minutes."

    # ----------------------------------------------------------------- posting

    async def post_today(self, settings, now: datetime, *, manual: bool = False) -> DailyOutcome:
        """Post today's term for one server if it is owed (`manual`: /daily now, even before the
        post time). Called by the scheduler for each due row; see the module notes."""
        deck = (await self.bot.decks.for_guild(settings.guild_id)).deck
        guild_id, zone, at = settings.guild_id, settings.zone, settings.post_time
        if not manual and not daily_due(now, zone, at, settings.last_posted_date):
            await self.store.reschedule_daily(
                guild_id, next_daily_run(now, zone, at, settings.last_posted_date), now
            )
            return DailyOutcome("not-due")
        today = local_date(now, zone)
        if settings.last_posted_date is not None and settings.last_posted_date >= today:
            return DailyOutcome("already")
        channel = post_channel(self.bot, guild_id, settings.channel_id)
        problem = missing_permissions(channel)
        if problem:
            return await self._pause(settings, problem, now)
        old = await self.store.unsent_today(guild_id, today)
        retry = old is not None and (old.status == "failed" or old.unconfirmed)
        pick = None
        if retry and deck.get(old.term_id) is not None:
            term_id = old.term_id  # a retry sends the same term
        else:
            pool = [t.id for t in deck.terms_in(settings.topic)]
            try:
                pick = next_term(settings.rotation_order, settings.rotation_pos, pool, self.bot.rng)
            except BadInput as exc:  # the topic lost its terms in a deck update
                return await self._pause(settings, str(exc).rstrip("."), now)
            term_id = pick.term_id
        if not await self.store.claim_daily_post(guild_id, today, term_id, now, rotation=pick):
            if not manual:
                await self.store.reschedule_daily(guild_id, next_daily_run(now, zone, at, today), now)
            unconfirmed = old is not None and old.unconfirmed
            return DailyOutcome(
                "given-up" if unconfirmed else "taken", error=old.last_error if unconfirmed else None
            )
        attempts = old.attempts + 1 if retry else 1
        # Since when the term may already be in the channel: the first unconfirmed send of today.
        unsure_since = old.claimed_at if retry and old.unconfirmed else None
        term = deck.get(term_id)
        view = daily_post_view(term)
        try:
            # Within this process's share of Discord's budget, after quiz messages and notices.
            await self.bot.process.outbox.turn(Priority.POST, settings.channel_id)
            # The day's nonce: if an earlier send did post, Discord returns that message instead
            # of a second one (for a few minutes: see bot.core.schedule).
            message = await channel.send(
                embed=daily_post_embed(term, deck),
                nonce=daily_nonce(guild_id, today),
                **({"view": view} if view else {}),
            )
        except Exception as exc:
            if unsure_since is None and not refused(exc):
                unsure_since = now  # this send may have reached the channel
            return await self._failed(settings, today, term, exc, attempts, unsure_since)
        sent = discord.utils.utcnow()
        await self.store.mark_sent(guild_id, today, message.id, sent, next_daily_run(sent, zone, at, today))
        log.info("daily term %s posted in guild %s (%s)", term.id, guild_id, today)
        return DailyOutcome("sent", term, message)

    async def _pause(self, settings, reason: str, now: datetime) -> DailyOutcome:
        await self.store.pause_daily(settings.guild_id, reason, now)
        log.warning("daily term of guild %s paused: %s", settings.guild_id, reason)
        return DailyOutcome("paused", error=reason)

    async def _failed(
        self, settings, today, term: Term, exc: Exception, attempts: int, unsure_since: datetime | None
    ) -> DailyOutcome:
        now = discord.utils.utcnow()
        reason = pause_reason(exc, settings.channel_id)
        retry = daily_retry_at(now, settings.zone, settings.post_time, attempts, unsure_since)
        error = f"{type(exc).__name__}: {exc}"
        unsure = unsure_since is not None
        await self.store.mark_failed(
            settings.guild_id, today, error, now, retry, pause_reason=reason, unsure=unsure
        )
        if reason:
            log.warning("daily term of guild %s paused: %s (%s)", settings.guild_id, reason, error)
            return DailyOutcome("paused", term, error=reason)
        logger = log.warning if isinstance(exc, discord.HTTPException | TimeoutError) else log.exception
        logger(
            "daily term of guild %s not %s (attempt %d): %s; next try %s",
            settings.guild_id,
            "confirmed" if unsure else "sent",
            attempts,
            error,
            retry,
        )
        return DailyOutcome("unsure" if unsure else "failed", term, error=error)

    # ----------------------------------------------------------------- buttons

    async def quiz_me(self, interaction: discord.Interaction, term_id: str) -> None:
        deck = await deck_for(interaction)
        term = deck.get(term_id)
        if term is None:
            await reply_error(interaction, "That term is no longer in the deck.")
            return
        question = make_question(deck, term, Kind.DEFINITION, self.bot.rng)
        await interaction.response.send_message(
            embed=check_embed(question), view=check_view(question), ephemeral=True
        )

    async def answer(self, interaction: discord.Interaction, term_id: str, choice: str, answer: str) -> None:
        deck = await deck_for(interaction)
        term = deck.get(term_id)
        if term is None:
            await reply_error(interaction, "That term is no longer in the deck.")
            return
        correct = choice == answer
        recorded = False
        # Only cards the member already studies are updated: a quick check should not quietly
        # fill someone's review queue ("Add to my review" does that on purpose).
        if await self.study.get_cards(interaction.user.id, [term_id]):
            await self.study.record_answer(
                interaction.user.id, term_id, correct, "daily", interaction.guild_id, discord.utils.utcnow(),
                scheduler=await scheduler_for(self.bot, interaction.guild_id),
            )  # fmt: skip
            recorded = True
        embed = result_embed(term, correct=correct, choice=choice, answer=answer, recorded=recorded)
        await interaction.response.edit_message(embed=embed, view=None)

    async def add_to_review(self, interaction: discord.Interaction, term_id: str) -> None:
        deck = await deck_for(interaction)
        term = deck.get(term_id)
        if term is None:
            await reply_error(interaction, "That term is no longer in the deck.")
            return
        now = discord.utils.utcnow()
        if await self.study.add_card(interaction.user.id, term_id, now):
            text = f"➕ **{term.name}** is in your review cards now. Study it with `/review`."
        else:
            card = (await self.study.get_cards(interaction.user.id, [term_id]))[term_id]
            text = f"**{term.name}** is already in your review cards (next review {moment(card.due)})."
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot) -> None:
    await bot.add_cog(DailyTerm(bot))
