"""/test: a private practice test, one question at a time, that feeds the member's review schedule.

A test lives in memory (questions, score, misses); only its answers and result are stored. After a
restart its buttons say the test ended. Each answer is stored at once as a review of the term's
card (right = Good, wrong = Again, source 'test'), so an abandoned test still counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.core.answers import judge
from bot.core.errors import BadInput
from bot.core.questions import Mode, Question, make_questions
from bot.storage.study import StudyRepo
from bot.ui import practice as ui
from bot.ui.messages import reply_error, user_errors
from bot.ui.quiz import TypedAnswerModal
from bot.ui.review import b36
from content.model import Deck

log = logging.getLogger(__name__)

ModeOption = Literal["mixed", "multiple_choice", "true_false", "typed"]


@dataclass
class PracticeTest:
    """One member's test in progress. `index` is the question showing now."""

    owner: int
    key: str
    guild_id: int | None
    mode: str
    topic: str | None
    questions: list[Question]
    started_at: datetime
    deck: Deck
    index: int = 0
    correct: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def question(self) -> Question:
        return self.questions[self.index]


class Practice(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = StudyRepo(bot.db)
        self.tests: dict[int, PracticeTest] = {}  # one test per member: a new /test replaces the old one
        self.last_key: dict[int, int] = {}
        self.finished: dict[int, str] = {}  # member -> key of their last finished test

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.TestButton, ui.ReviewMissedButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.TestButton, ui.ReviewMissedButton)

    @app_commands.command(name="test", description="Take a private practice test; mistakes come back in /review.")
    @app_commands.describe(
        questions="How many questions (5-30)", topic="Only terms from this topic", mode="Question types"
    )
    async def test(
        self,
        interaction: discord.Interaction,
        questions: app_commands.Range[int, 5, 30] = 10,
        topic: str | None = None,
        mode: ModeOption = "mixed",
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            topic_id = resolve_topic(deck, topic)
            pool = deck.terms_in(topic_id)
            if not pool:
                raise BadInput("There are no terms to test in that topic.")
            count = min(questions, len(pool))  # never the same term twice in one test
            now = discord.utils.utcnow()
            owner = interaction.user.id
            key = max(int(now.timestamp() * 1000), self.last_key.get(owner, 0) + 1)
            self.last_key[owner] = key
            test = PracticeTest(
                owner=owner,
                key=b36(key),
                guild_id=interaction.guild_id,
                mode=mode,
                topic=topic_id,
                questions=make_questions(deck, count, Mode(mode), self.bot.rng, topic_id),
                started_at=now,
                deck=deck,
            )
            self.tests[owner] = test
            note = None
            if count < questions:
                note = f"**{deck.topic_name(topic_id)}** has {count} terms, so this test has {count} questions."
            await interaction.response.send_message(
                note, embed=self._question_embed(test), view=self._question_view(test), ephemeral=True
            )

    @test.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    def _question_embed(self, test: PracticeTest) -> discord.Embed:
        return ui.question_embed(test.question, test.index + 1, len(test.questions), test.correct)

    def _question_view(self, test: PracticeTest) -> discord.ui.View:
        return ui.question_view(test.owner, test.key, test.index, test.question)

    def _current(self, owner: int, key: str) -> PracticeTest | None:
        test = self.tests.get(owner)
        return test if test is not None and test.key == key else None

    # ----------------------------------------------------------------- answers

    async def on_button(self, interaction: discord.Interaction, owner: int, key: str, index: int, choice: str):
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        test = self._current(owner, key)
        if test is None and self.finished.get(owner) == key:  # e.g. a double click on the last answer
            await reply_error(interaction, ui.FINISHED)
            return
        if test is None:
            await interaction.response.edit_message(content=ui.ENDED, embed=None, view=None)
            return
        if index != test.index:
            await reply_error(interaction, ui.ALREADY_ANSWERED)
            return
        if choice == "end":
            await self.finish(interaction, test, feedback=None)
            return
        question = test.question
        if choice == "typed":
            await interaction.response.send_modal(TypedAnswerModal("test", f"{key}:{index}", index + 1))
            return
        if choice not in question.choice_keys:
            await reply_error(interaction, ui.ALREADY_ANSWERED)
            return
        await self.answer(interaction, test, choice == question.answer, given=question.option_label(choice))

    async def on_typed_answer(self, interaction: discord.Interaction, state: str, text: str) -> None:
        """A typed-answer box was submitted (bot.ui.quiz routes it here); `state` is "<key>:<index>"."""
        key, index = state.split(":")
        await self.on_typed(interaction, interaction.user.id, key, int(index), text)

    async def on_typed(self, interaction: discord.Interaction, owner: int, key: str, index: int, text: str):
        test = self._current(owner, key)
        if test is None or index != test.index:
            gone = ui.FINISHED if self.finished.get(owner) == key else ui.ENDED
            await reply_error(interaction, ui.ALREADY_ANSWERED if test else gone)
            return
        text = text.strip()
        if not text:
            await reply_error(
                interaction, "Your answer was empty. Click ✏️ Type your answer again and type the term."
            )
            return
        deck = test.deck
        verdict = judge(text, deck.get(test.question.term_id), deck)
        shown = f"“{discord.utils.escape_markdown(text[:100])}”"
        await self.answer(interaction, test, verdict.correct, given=shown, reason=verdict.reason)

    async def answer(self, interaction, test: PracticeTest, correct: bool, *, given: str, reason: str = ""):
        question = test.question
        test.index += 1  # before any await: a second click on this question is now refused
        if correct:
            test.correct += 1
        else:
            test.missed.append(question.term_id)
        await self.repo.record_answer(
            test.owner, question.term_id, correct, "test", test.guild_id, discord.utils.utcnow()
        )
        feedback = ui.feedback_embed(question, test.deck, correct, given=given, reason=reason)
        if test.index < len(test.questions):
            await interaction.response.edit_message(
                content=None, embeds=[feedback, self._question_embed(test)], view=self._question_view(test)
            )
        else:
            await self.finish(interaction, test, feedback=feedback)

    async def finish(self, interaction, test: PracticeTest, *, feedback: discord.Embed | None) -> None:
        if self.tests.get(test.owner) is test:
            del self.tests[test.owner]
        self.finished[test.owner] = test.key
        answered = test.index
        if not answered:
            await interaction.response.edit_message(
                content="Test ended before the first answer, so nothing was saved.", embed=None, view=None
            )
            return
        now = discord.utils.utcnow()
        test_id = await self.repo.record_test_result(
            test.owner,
            test.guild_id,
            questions=answered,
            correct=test.correct,
            started_at=test.started_at,
            finished_at=now,
            mode=test.mode,
            topic=test.topic,
            missed=test.missed,
        )
        deck = test.deck
        missed = [t for t in (deck.get(tid) for tid in dict.fromkeys(test.missed)) if t is not None]
        summary = ui.summary_embed(
            correct=test.correct,
            total=answered,
            elapsed=now - test.started_at,
            missed=missed,
            ended_early=answered < len(test.questions),
        )
        embeds = [feedback, summary] if feedback is not None else [summary]
        extra = {"view": ui.summary_view(test.owner, test_id)} if missed else {"view": None}
        await interaction.response.edit_message(content=None, embeds=embeds, **extra)


async def setup(bot) -> None:
    await bot.add_cog(Practice(bot))
