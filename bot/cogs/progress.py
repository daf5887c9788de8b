"""/progress: a member's study figures and a chart of mastery per topic (ephemeral).

The card figures and the chart count the cards of the decks the server uses (the built-in deck
in DMs); cards a member studied in a deck no longer used stay stored but are not counted here.
"""

from __future__ import annotations

import asyncio
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for
from bot.core.report import Period
from bot.storage.learn import LearnRepo
from bot.storage.quiz import QuizRepo
from bot.storage.reports import student_report
from bot.storage.study import StudyRepo
from bot.ui import progress as ui
from bot.ui.chart import Bar, mastery_chart
from content.model import Term

log = logging.getLogger(__name__)


class Progress(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = StudyRepo(bot.db)
        self.quiz = QuizRepo(bot.db)
        self.learn = LearnRepo(bot.db)

    @staticmethod
    def topic_of(deck) -> dict[str, str]:
        """Card id -> topic, grouped in the deck's topic order (that is the chart's order)."""
        return {card.id: card.topic for card in deck.study_cards() if deck.topic(card.topic) is not None}

    @app_commands.command(name="progress", description="Your study progress: cards, mastery, streak, accuracy.")
    async def progress(self, interaction: discord.Interaction) -> None:
        # Figures plus a chart: acknowledge first, so Discord's 3-second limit never bites.
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id, now = interaction.user.id, discord.utils.utcnow()
        deck = await deck_for(interaction)
        topic_of = self.topic_of(deck)
        answered, correct = await self.quiz.member_totals(user_id)
        figures = await self.repo.progress(
            user_id, now, card_ids=topic_of, quiz_answered=answered, quiz_correct=correct
        )
        mastery = await self.repo.topic_mastery(user_id, topic_of)
        bars = [Bar(deck.topic_name(topic_id), m.total, m.seen, m.mastered) for topic_id, m in mastery.items()]
        # Drawing takes about 0.1 s of CPU: off the event loop, so other members' clicks go on.
        png = await asyncio.to_thread(mastery_chart, bars)
        terms = sum(1 for card_id in topic_of if isinstance(deck.get(card_id), Term))
        learned = await self.learned(user_id, deck)
        homework = None
        if interaction.guild_id is not None:  # what /report student shows a teacher about this member
            homework = (await student_report(self.bot.db, interaction.guild_id, user_id, Period.ALL, now)).homework
        embed = ui.progress_embed(
            figures,
            ui.Cards(terms, len(topic_of) - terms),
            interaction.user.display_name,
            learned,
            homework=homework,
        )
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename=ui.CHART_NAME), ephemeral=True
        )

    async def learned(self, user_id: int, deck) -> list[ui.TopicLearned]:
        """Terms learned in /learn per topic of the deck, in the deck's topic order."""
        learned = await self.learn.learned(user_id)
        counts: dict[str, list[int]] = {topic.id: [0, 0] for topic in deck.topics}
        for term in deck.terms:
            if term.topic in counts:
                counts[term.topic][0] += term.id in learned
                counts[term.topic][1] += 1
        return [ui.TopicLearned(deck.topic_name(t), n, total) for t, (n, total) in counts.items() if total]


async def setup(bot) -> None:
    await bot.add_cog(Progress(bot))
