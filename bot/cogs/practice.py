"""/test: a private practice test, one question at a time, that feeds the member's review schedule.

A test lives in memory (questions, score, misses); only its answers and result are stored. After a
restart, or an hour without an answer, its buttons say the test ended. Each answer is stored at
once as a review of the term's card (right = Good, wrong = Again, source 'test'), so an abandoned
test still counts.

The test moves on only once an answer is stored AND its reply reached Discord: a busy database
leaves the question to answer again, and after a failed reply the member's next click shows the
stored answer's feedback (it is not stored twice).
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
from bot.cogs.server_fsrs import scheduler_for
from bot.core.answers import judge
from bot.core.errors import BadInput
from bot.core.expiring import SESSION_IDLE, Expiring, KeyedLocks
from bot.core.questions import Mode, Question, make_questions
from bot.core.report import given_text
from bot.storage.study import StudyRepo
from bot.ui import practice as ui
from bot.ui.messages import reply_error, user_errors
from bot.ui.quiz import TypedAnswerModal
from bot.ui.review import b36
from content.model import Deck

log = logging.getLogger(__name__)

ModeOption = Literal["mixed", "multiple_choice", "true_false", "typed"]


@dataclass(frozen=True, slots=True)
class Answered:
    """One answer of a test, stored in the review log: what the member gave and whether it was right."""

    term_id: str
    correct: bool
    given: str
    reason: str = ""
    text: str | None = None  # what the member gave, as class reports keep it (the option's text, the typed words)


@dataclass
class PracticeTest:
    """One member's test in progress.

    `answers` are the answers stored in the review log, in question order. `shown` is the
    question whose buttons the member has on screen: it moves on only once Discord took the reply.
    So `len(answers)` is `shown`, or `shown + 1` while the reply to the last answer is not
    confirmed (it failed, or is on its way); a retry then delivers that reply instead of
    storing a second answer. `result_id` is set once the finished test is stored.
    """

    owner: int
    key: str
    guild_id: int | None
    mode: str
    topic: str | None
    questions: list[Question]
    started_at: datetime
    deck: Deck
    answers: list[Answered] = field(default_factory=list)
    shown: int = 0
    ending: bool = False  # the member ended it or answered the last question: only the result is left
    finished_at: datetime | None = None
    result_id: int | None = None

    @property
    def question(self) -> Question:
        return self.questions[self.shown]

    @property
    def correct(self) -> int:
        return sum(a.correct for a in self.answers)

    @property
    def missed(self) -> list[str]:
        return [a.term_id for a in self.answers if not a.correct]

    @property
    def unconfirmed(self) -> bool:
        """The last answer is stored but the member may not have seen its feedback yet."""
        return len(self.answers) > self.shown


class Practice(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = StudyRepo(bot.db)
        clock = discord.utils.utcnow
        # One test per member (a new /test replaces the old one); an abandoned one expires.
        self.tests: Expiring[int, PracticeTest] = Expiring(SESSION_IDLE, clock)
        self.last_key: Expiring[int, int] = Expiring(SESSION_IDLE, clock)
        self.finished: Expiring[int, str] = Expiring(SESSION_IDLE, clock)  # member -> key of their last test
        self.locks: KeyedLocks[int] = KeyedLocks()  # a member's clicks are handled one at a time

    def forget_member(self, user_id: int) -> None:
        """Drop everything held in memory about the member (their test in progress too)."""
        for state in (self.tests, self.last_key, self.finished):
            state.pop(user_id)

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
            note = None
            if count < questions:
                note = f"**{deck.topic_name(topic_id)}** has {count} terms, so this test has {count} questions."
            await interaction.response.send_message(
                note, embed=self._question_embed(test), view=self._question_view(test), ephemeral=True
            )
            self.tests[owner] = test  # only once the member has it: a failed send leaves the old test

    @test.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    def _question_embed(self, test: PracticeTest) -> discord.Embed:
        number = len(test.answers)  # the question after the last stored answer
        return ui.question_embed(test.questions[number], number + 1, len(test.questions), test.correct)

    def _question_view(self, test: PracticeTest) -> discord.ui.View:
        number = len(test.answers)
        return ui.question_view(test.owner, test.key, number, test.questions[number])

    def _current(self, owner: int, key: str) -> PracticeTest | None:
        test = self.tests.get(owner)
        return test if test is not None and test.key == key else None

    # ----------------------------------------------------------------- answers

    async def on_button(self, interaction: discord.Interaction, owner: int, key: str, index: int, choice: str):
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        if choice == "typed" and self._answerable(self._current(owner, key), index):
            # Opening the box changes nothing; the submission is checked like a click (its state is in
            # the box's custom_id, so it is answered even after a restart: see on_typed_answer).
            await interaction.response.send_modal(TypedAnswerModal("test", f"{key}:{index}", index + 1))
            return
        async with self.locks.hold(owner):
            test = await self._test_for_click(interaction, owner, key, index)
            if test is None:
                return
            if test.ending or choice == "end":
                await self.finish(interaction, test)
            elif test.unconfirmed:
                await self.deliver(interaction, test)
            elif choice in test.question.choice_keys:
                question = test.question
                given = question.option_label(choice)
                answered = Answered(
                    question.term_id, choice == question.answer, given, text=given_text(question, choice)
                )
                await self.answer(interaction, test, answered)
            else:
                await reply_error(interaction, ui.ALREADY_ANSWERED)

    async def on_typed_answer(self, interaction: discord.Interaction, state: str, text: str) -> None:
        """A typed-answer box was submitted (bot.ui.quiz routes it here); `state` is "<key>:<index>"."""
        key, index = state.split(":")
        await self.on_typed(interaction, interaction.user.id, key, int(index), text)

    async def on_typed(self, interaction: discord.Interaction, owner: int, key: str, index: int, text: str):
        async with self.locks.hold(owner):
            test = await self._test_for_click(interaction, owner, key, index)
            if test is None:
                return
            if test.ending:
                await self.finish(interaction, test)
                return
            if test.unconfirmed:
                await self.deliver(interaction, test)
                return
            text = text.strip()
            if not text:
                await reply_error(
                    interaction, "Your answer was empty. Click ✏️ Type your answer again and type the term."
                )
                return
            deck, term_id = test.deck, test.question.term_id
            verdict = judge(text, deck.get(term_id), deck)
            shown = f"“{discord.utils.escape_markdown(text[:100])}”"
            await self.answer(
                interaction, test, Answered(term_id, verdict.correct, shown, verdict.reason, text[:100])
            )

    @staticmethod
    def _answerable(test: PracticeTest | None, index: int) -> bool:
        """A typed answer can still be given to question `index` (nothing stored for it yet)."""
        return test is not None and not test.ending and index == len(test.answers)

    async def _test_for_click(self, interaction, owner: int, key: str, index: int) -> PracticeTest | None:
        """The test a click on question `index` acts on, or None after telling the member why not."""
        test = self._current(owner, key)
        if test is None:
            if self.finished.get(owner) == key:  # e.g. a double click on the last answer
                await reply_error(interaction, ui.FINISHED)
            elif interaction.type is discord.InteractionType.modal_submit:
                await reply_error(interaction, ui.ENDED)
            else:
                await interaction.response.edit_message(content=ui.ENDED, embed=None, view=None)
            return None
        if index == test.shown + 1 == len(test.answers):
            # A button of the next question: the reply that Discord reported as failed did arrive.
            test.shown = index
        if index != test.shown:
            await reply_error(interaction, ui.ALREADY_ANSWERED)
            return None
        return test

    async def answer(self, interaction, test: PracticeTest, answered: Answered) -> None:
        """Store the answer in the review log, then show its feedback: the test moves on only when
        both worked, so a failure leaves the question on screen to answer again."""
        await self.repo.record_answer(
            test.owner, answered.term_id, answered.correct, "test", test.guild_id, discord.utils.utcnow(),
            scheduler=await scheduler_for(self.bot, test.guild_id),
            given=answered.text if answered.text is not None else answered.given,
        )  # fmt: skip
        test.answers.append(answered)
        await self.deliver(interaction, test)

    async def deliver(self, interaction, test: PracticeTest) -> None:
        """Show the feedback on the stored answer not confirmed yet, and the next question or the result."""
        answered = test.answers[-1]
        question = test.questions[len(test.answers) - 1]
        feedback = ui.feedback_embed(
            question, test.deck, answered.correct, given=answered.given, reason=answered.reason
        )
        if len(test.answers) == len(test.questions):
            await self.finish(interaction, test, feedback=feedback)
            return
        await interaction.response.edit_message(
            content=None, embeds=[feedback, self._question_embed(test)], view=self._question_view(test)
        )
        test.shown = len(test.answers)

    async def finish(self, interaction, test: PracticeTest, *, feedback: discord.Embed | None = None) -> None:
        """Store the result (once), then show it; the test is dropped only when the member has it."""
        if feedback is None and test.unconfirmed:
            answered = test.answers[-1]
            feedback = ui.feedback_embed(
                test.questions[len(test.answers) - 1], test.deck, answered.correct,
                given=answered.given, reason=answered.reason,
            )  # fmt: skip
        answered_count = len(test.answers)
        if not answered_count:
            await interaction.response.edit_message(
                content="Test ended before the first answer, so nothing was saved.", embed=None, view=None
            )
            self._drop(test)
            return
        if test.result_id is None:
            finished_at = discord.utils.utcnow()
            test.result_id = await self.repo.record_test_result(
                test.owner,
                test.guild_id,
                questions=answered_count,
                correct=test.correct,
                started_at=test.started_at,
                finished_at=finished_at,
                mode=test.mode,
                topic=test.topic,
                missed=test.missed,
            )
            test.finished_at = finished_at
            test.ending = True  # stored: from now on any click of this test shows the result again
        deck = test.deck
        missed = [t for t in (deck.get(tid) for tid in dict.fromkeys(test.missed)) if t is not None]
        summary = ui.summary_embed(
            correct=test.correct,
            total=answered_count,
            elapsed=test.finished_at - test.started_at,
            missed=missed,
            ended_early=answered_count < len(test.questions),
        )
        embeds = [feedback, summary] if feedback is not None else [summary]
        view = ui.summary_view(test.owner, test.result_id) if missed else None
        await interaction.response.edit_message(content=None, embeds=embeds, view=view)
        self._drop(test)

    def _drop(self, test: PracticeTest) -> None:
        if self.tests.get(test.owner) is test:
            self.tests.pop(test.owner)
        self.finished[test.owner] = test.key


async def setup(bot) -> None:
    await bot.add_cog(Practice(bot))
