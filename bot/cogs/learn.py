"""/learn: the guided path from never having seen a term to recalling it (as Quizlet/Knowt "Learn").

The stage machine is `bot.core.learn`; this cog asks its questions, one message per session,
private to the member. Everything a session needs is stored (`bot.storage.learn`), so /learn
continues where the member stopped, also after a restart, and buttons and answer boxes work
from their custom_ids alone.

A click moves the session on only once its answer is stored and the reply reached Discord:
- the answer, the term's stage and the session's next screen are written in one transaction,
  compare-and-set on the session's `seq` (every button carries the `seq` it was drawn for);
- a failed write (busy database) changes nothing: the question is still there to answer;
- a failed reply (5xx, "Unknown interaction") leaves the member's message one screen behind the
  stored session: their next click on it shows the stored screen (the feedback on the answer they
  gave, then the next question) instead of storing a second answer. `delivered` remembers which
  screens Discord took, so a plain double click is told "you already answered".
"""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.server_fsrs import scheduler_for
from bot.core.answers import judge
from bot.core.errors import BadInput
from bot.core.expiring import SESSION_IDLE, Expiring, KeyedLocks
from bot.core.learn import LearnSession, Stage, TermProgress, plan_terms
from bot.core.questions import Kind, Question, make_question
from bot.storage.learn import LearnAnswer, LearnRepo, StoredSession
from bot.ui import learn as ui
from bot.ui.messages import component_errors, reply_error, safe, user_errors
from content.model import Deck

log = logging.getLogger(__name__)

MAX_GOAL = 2000  # as many terms as an imported deck may hold
SPACERS_KEPT = 10  # terms from outside a session that may be asked in between


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _question_data(question: Question) -> dict:
    return {
        "kind": question.kind.value,
        "term_id": question.term_id,
        "prompt": question.prompt,
        "options": list(question.options),
        "answer": question.answer,
        "shown_term_id": question.shown_term_id,
    }


def _question(data: dict) -> Question:
    return Question(
        Kind(data["kind"]), data["term_id"], data["prompt"], tuple(data["options"]), data["answer"],
        data.get("shown_term_id"),
    )  # fmt: skip


class Learn(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.repo = LearnRepo(bot.db)
        self.locks: KeyedLocks[int] = KeyedLocks()  # a member's clicks are handled one at a time
        # member -> (sid, seq) of the last screen Discord took; forgetting it only means a double
        # click shows the current screen again instead of "you already answered".
        self.delivered: Expiring[int, tuple[int, int]] = Expiring(SESSION_IDLE, discord.utils.utcnow)

    def forget_member(self, user_id: int) -> None:
        """Drop what is held in memory about the member (their session itself is stored)."""
        self.delivered.pop(user_id)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.LearnButton, ui.AddToReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.LearnButton, ui.AddToReviewButton)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Answer boxes are not kept by discord.py (see ui.TypedAnswerBox): every submission is
        # answered here from its custom_id, also one sent after a restart.
        submission = ui.typed_submission(interaction)
        if submission is not None:
            async with component_errors(interaction, "learn typed answer"):
                await self.on_typed(interaction, submission)

    # ----------------------------------------------------------------- the command

    @app_commands.command(name="learn", description="Learn terms step by step: pick, then type them from memory.")
    @app_commands.describe(
        topic="Only terms from this topic", goal="How many terms to learn this time (default: all not learned yet)"
    )
    async def learn(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        goal: app_commands.Range[int, 1, MAX_GOAL] | None = None,
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            topic_id = resolve_topic(deck, topic)
            if goal is not None and not 1 <= goal <= MAX_GOAL:  # Discord checks the range; so do we
                raise BadInput(f"The goal is a number of terms, from 1 to {MAX_GOAL}.")
            owner = interaction.user.id
            async with self.locks.hold(owner):
                stored = await self.repo.session(owner)
                if (
                    stored is not None
                    and stored.screen != "done"
                    and goal is None
                    and (stored.topic, stored.guild_id) == (topic_id, interaction.guild_id)
                ):
                    await self._send(interaction, stored, deck, note="Welcome back: here is where you stopped.")
                    return
                await self._start(interaction, deck, topic_id, goal, stored)

    @learn.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    async def _start(
        self, interaction, deck: Deck, topic_id: str | None, goal: int | None, previous: StoredSession | None
    ) -> None:
        owner, now = interaction.user.id, discord.utils.utcnow()
        where = f"**{deck.topic_name(topic_id)}**" if topic_id else "the deck"
        terms = [t.id for t in deck.terms_in(topic_id)]
        if not terms:
            raise BadInput(f"There are no terms to learn in {where}.")
        records = await self.repo.stages(owner, terms)
        stages = {t: r.stage for t, r in records.items()}
        pending, wanted = plan_terms(terms, stages, goal)
        if not pending:
            raise BadInput(
                f"🎓 You have learned all {len(terms)} terms of {where} already. "
                "Keep them fresh with /review, or pick another topic."
            )
        if goal is not None and goal > len(pending):
            raise BadInput(
                f"{where[0].upper()}{where[1:]} has {len(pending)} term"
                f"{'s' if len(pending) != 1 else ''} left to learn: choose a goal from 1 to {len(pending)}, "
                "or leave it out to learn them all."
            )
        progress = {
            t: TermProgress(records[t].stage, records[t].misses, records[t].seen) for t in pending if t in records
        }
        learned_before = [t for t in terms if stages.get(t) is Stage.LEARNED]
        outside = set(pending)
        spacers = learned_before or [t.id for t in deck.terms if t.id not in outside]
        session = LearnSession(pending, wanted, progress, spacers[:SPACERS_KEPT])
        session.start_round(self.bot.rng)
        state = {"session": session.to_data(), "question": self._next_question(deck, session), "last": None,
                 "before": len(learned_before)}  # fmt: skip
        sid = max(_ms(now), previous.sid + 1 if previous is not None else 0)
        stored = await self.repo.start(owner, sid, interaction.guild_id, topic_id, "question", state, now)
        note = None
        if previous is not None and previous.screen != "done":
            note = "Your previous /learn session was set aside; everything you learned there is kept."
        await self._send(interaction, stored, deck, note=note)

    async def _send(self, interaction, stored: StoredSession, deck: Deck, *, note: str | None) -> None:
        message = ui.render(self._screen(stored, deck, feedback=False), deck)
        message["content"] = note
        await interaction.response.send_message(**message, ephemeral=True)
        self.delivered[stored.user_id] = (stored.sid, stored.seq)

    # ----------------------------------------------------------------- clicks

    async def on_button(self, interaction: discord.Interaction, owner: int, sid: int, seq: int, action: str):
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        deck = await deck_for(interaction)
        async with self.locks.hold(owner):
            stored = await self._current(interaction, deck, owner, sid, seq)
            if stored is None:
                return
            question = _question(stored.state["question"]) if stored.screen == "question" else None
            if question is not None and action == "typed" and question.kind is Kind.TYPED:
                await interaction.response.send_modal(ui.TypedAnswerBox(owner, sid, seq))
            elif question is not None and action == "skip":
                await self._answer(interaction, stored, deck, False, given="Don't know")
            elif question is not None and question.kind is not Kind.TYPED and action in question.choice_keys:
                right = action == question.answer
                await self._answer(interaction, stored, deck, right, given=question.option_label(action))
            elif stored.screen == "round" and action == "next":
                await self._next_round(interaction, stored, deck)
            else:
                await reply_error(interaction, ui.ALREADY_ANSWERED)

    async def on_typed(self, interaction: discord.Interaction, submission: ui.TypedSubmission) -> None:
        owner = submission.owner
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        deck = await deck_for(interaction)
        async with self.locks.hold(owner):
            stored = await self._current(interaction, deck, owner, submission.sid, submission.seq)
            if stored is None:
                return
            question = _question(stored.state["question"]) if stored.screen == "question" else None
            if question is None or question.kind is not Kind.TYPED:
                await reply_error(interaction, ui.ALREADY_ANSWERED)
                return
            text = submission.text.strip()
            if not text:
                await reply_error(interaction, ui.EMPTY_ANSWER)
                return
            term = deck.get(question.term_id)
            verdict = judge(text, term, deck) if term is not None else None
            correct = verdict is not None and verdict.correct
            reason = verdict.reason if verdict is not None else ""
            await self._answer(interaction, stored, deck, correct, given=f"“{safe(text, 100)}”", reason=reason)

    async def _current(self, interaction, deck: Deck, owner: int, sid: int, seq: int) -> StoredSession | None:
        """The stored session a click on screen (`sid`, `seq`) acts on, or None after telling the
        member why not (or after showing them the screen their last click stored)."""
        stored = await self.repo.session(owner)
        if stored is None or stored.sid != sid:
            await interaction.response.edit_message(
                content=ui.REPLACED if stored is not None else ui.OVER, embeds=[], view=None
            )
            return None
        if seq == stored.seq:
            return stored
        if seq == stored.seq - 1 and self.delivered.get(owner) != (sid, stored.seq):
            # The reply to the member's last click did not reach them: show what it stored.
            await self._edit(interaction, stored, deck)
            return None
        await reply_error(interaction, ui.ALREADY_ANSWERED if stored.screen != "done" else ui.OVER)
        return None

    async def _edit(self, interaction, stored: StoredSession, deck: Deck) -> None:
        await interaction.response.edit_message(**ui.render(self._screen(stored, deck, feedback=True), deck))
        self.delivered[stored.user_id] = (stored.sid, stored.seq)

    async def _answer(
        self, interaction, stored: StoredSession, deck: Deck, correct: bool, *, given: str, reason: str = ""
    ) -> None:
        session = self._session(stored, deck)
        asked = stored.state["question"]
        step = session.next_step()
        if step is None or step.term_id != asked["term_id"]:
            # The deck changed under the session (the term was removed): ask the next question.
            await self._store_and_show(interaction, stored, deck, session, last=None)
            return
        outcome = session.answer(step.term_id, correct)
        entry = session.progress.get(step.term_id)
        answer = LearnAnswer(
            stored.user_id,
            step.term_id,
            correct,
            interaction.guild_id,
            stage=None if step.review else outcome.after,
            misses=None if step.review or entry is None else entry.misses,
        )
        last = {"question": asked, "correct": correct, "given": given, "reason": reason,
                "before": int(outcome.before), "after": int(outcome.after), "review": step.review}  # fmt: skip
        await self._store_and_show(interaction, stored, deck, session, last=last, answer=answer)

    async def _next_round(self, interaction, stored: StoredSession, deck: Deck) -> None:
        session = self._session(stored, deck)
        session.start_round(self.bot.rng)
        await self._store_and_show(interaction, stored, deck, session, last=None)

    async def _store_and_show(
        self, interaction, stored, deck, session: LearnSession, *, last: dict | None, answer=None
    ) -> None:
        """Write the session's next screen (with the answer, if any), then show it."""
        if session.done:
            screen, question = "done", None
        elif session.round_over:
            screen, question = "round", None
        else:
            screen, question = "question", self._next_question(deck, session)
        state = {**stored.state, "session": session.to_data(), "question": question, "last": last}
        now = discord.utils.utcnow()
        if answer is None:
            new = await self.repo.advance(stored, screen, state, now)
        else:
            scheduler = await scheduler_for(self.bot, answer.guild_id)
            new, _ = await self.repo.answer(stored, answer, screen, state, now, scheduler=scheduler)
        await self._edit(interaction, new, deck)

    # ----------------------------------------------------------------- into /review

    async def on_add(self, interaction: discord.Interaction, owner: int) -> None:
        if interaction.user.id != owner:
            await reply_error(interaction, ui.NOT_YOURS)
            return
        deck = await deck_for(interaction)
        async with self.locks.hold(owner):
            learned = await self.repo.learned(owner)
            terms = [t.id for t in deck.terms if t.id in learned]
            if not terms:
                await reply_error(interaction, "You have not learned any terms here yet: run /learn first.")
                return
            scheduler = await scheduler_for(self.bot, interaction.guild_id)
            result = await self.repo.add_to_review(owner, terms, discord.utils.utcnow(), scheduler=scheduler)
        added = [term for term in map(deck.get, result.added) if term is not None]
        await interaction.response.edit_message(content=ui.added_text(added, len(result.already)), view=None)

    # ----------------------------------------------------------------- state <-> screen

    def _session(self, stored: StoredSession, deck: Deck) -> LearnSession:
        return LearnSession.from_data(stored.state["session"], known={t.id for t in deck.terms})

    def _next_question(self, deck: Deck, session: LearnSession) -> dict | None:
        """The question for the session's next step: multiple choice for the first stage and for a
        question in between, typed for the two recall stages."""
        step = session.next_step()
        if step is None:
            return None
        kind = Kind.TERM if step.review or step.stage is Stage.CHOICE else Kind.TYPED
        question = make_question(deck, deck.get(step.term_id), kind, self.bot.rng)
        return {**_question_data(question), "stage": int(step.stage), "review": step.review}

    def _screen(self, stored: StoredSession, deck: Deck, *, feedback: bool) -> ui.Screen:
        state = stored.state
        session = self._session(stored, deck)
        tally = session.tally()
        counts = ui.Counts(state["before"] + tally.learned, tally.in_progress, tally.not_started)
        asked, last = state.get("question"), state.get("last")
        shown = None
        if feedback and last is not None and deck.get(last["question"]["term_id"]) is not None:
            shown = ui.Feedback(
                _question(last["question"]), last["correct"], last["given"], last["reason"],
                Stage(last["before"]), Stage(last["after"]), last["review"],
            )  # fmt: skip
        return ui.Screen(
            owner=stored.user_id,
            sid=stored.sid,
            seq=stored.seq,
            kind=stored.screen,
            topic_name=deck.topic_name(stored.topic) if stored.topic else "All topics",
            round_number=session.round_number,
            goal=session.goal,
            learned_now=len(session.learned_in_session),
            counts=counts,
            question=_question(asked) if asked else None,
            stage=Stage(asked["stage"]) if asked else None,
            review=bool(asked and asked["review"]),
            feedback=shown,
            missed=[t for t in map(deck.get, session.missed) if t is not None],
            learned_terms=[t for t in map(deck.get, session.learned_in_session) if t is not None],
        )


async def setup(bot) -> None:
    await bot.add_cog(Learn(bot))
