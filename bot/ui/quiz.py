"""How a channel quiz looks: question cards, answer buttons, the typed-answer modal, reveals, podium."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.core.missed import PERIOD_WORDS
from bot.core.questions import Kind, Mode, Question
from bot.core.quiz import (
    ACCURACY_POINTS,
    MAX_POINTS,
    MIN_POINTS,
    Player,
    Reveal,
    RoundSettings,
    Scoring,
    places,
    ranked_places,
)
from bot.core.teams import TEAM_BADGES, TeamStanding
from bot.ui.limits import Panel
from bot.ui.messages import clip, component_errors, member_name, reply_error
from content.model import Deck

QUIZ_COLOUR = discord.Colour.from_rgb(88, 101, 242)
CLOSED_COLOUR = discord.Colour.dark_grey()
MEDALS = ("🥇", "🥈", "🥉")
KIND_TITLES = {
    Kind.DEFINITION: "Pick the definition",
    Kind.TERM: "Pick the term",
    Kind.TRUE_FALSE: "True or false",
    Kind.TYPED: "Type the term",
}


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def add_option_fields(embed: discord.Embed, question: Question) -> None:
    """One field per option (A-D) for the multiple-choice kinds; nothing for the others."""
    if question.kind in (Kind.DEFINITION, Kind.TERM):
        for key, text in zip(question.choice_keys, question.options, strict=True):
            embed.add_field(name=key, value=clip(text, 1024), inline=False)


def scoring_text(scoring: Scoring) -> str:
    if scoring is Scoring.ACCURACY:
        return f"Every right answer earns {ACCURACY_POINTS:,} points, however long you take."
    return (
        f"Right answers earn {MAX_POINTS:,} points if instant, {MIN_POINTS} at the deadline, plus a streak bonus."
    )


def question_embed(
    question: Question,
    number: int,
    total: int,
    deadline: datetime,
    answered: int,
    scoring: Scoring = Scoring.SPEED,
) -> discord.Embed:
    embed = Panel(
        title=f"Question {number}/{total} · {KIND_TITLES[question.kind]}",
        description=clip(question.prompt, 4096),
        colour=QUIZ_COLOUR,
    )
    add_option_fields(embed, question)
    ts = int(deadline.timestamp())
    embed.add_field(name="Closes", value=f"<t:{ts}:R> (<t:{ts}:T>)", inline=True)
    embed.add_field(name="Answers", value=str(answered), inline=True)
    embed.set_footer(text=scoring_text(scoring))
    return embed


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"quiz:(?P<round>\d+):(?P<q>\d+):(?P<choice>[A-D]|true|false|typed)",
):
    """An answer button. Its state is in the custom_id, so a click after a restart still reaches the bot."""

    def __init__(self, round_id: int, number: int, choice: str, label: str, style=discord.ButtonStyle.primary):
        self.round_id, self.number, self.choice = round_id, number, choice
        super().__init__(
            discord.ui.Button(label=clip(label, 80), style=style, custom_id=f"quiz:{round_id}:{number}:{choice}")
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["round"]), int(match["q"]), match["choice"], item.label or match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Quiz")
        async with component_errors(interaction, f"quiz button {self.choice} of round {self.round_id}"):
            await cog.on_choice(interaction, self.round_id, self.number, self.choice)


def question_view(round_id: int, number: int, question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if question.kind is Kind.TRUE_FALSE:
        view.add_item(ChoiceButton(round_id, number, "true", "True", discord.ButtonStyle.success))
        view.add_item(ChoiceButton(round_id, number, "false", "False", discord.ButtonStyle.danger))
    elif question.kind is Kind.TYPED:
        view.add_item(ChoiceButton(round_id, number, "typed", "✏️ Answer"))
    else:
        for key, text in zip(question.choice_keys, question.options, strict=True):
            label = f"{key}: {text}" if question.kind is Kind.TERM else key
            view.add_item(ChoiceButton(round_id, number, key, label))
    return view


def start_text(
    member: discord.abc.User, settings: RoundSettings, count: int, deck: Deck, *, missed: str | None
) -> str:
    """The announcement of a round: who started it, what it asks, how it scores. `missed` is the
    period of a missed-terms round."""
    where = f" on **{deck.topic_name(settings.topic)}**" if settings.topic else ""
    source = f" on the terms this server missed most {PERIOD_WORDS[missed]}" if missed else ""
    lines = [
        f"🎯 {member.mention} started a quiz{source}{where}: {count} question{'s' if count != 1 else ''}, "
        f"{settings.seconds} seconds each."
    ]
    if missed and count < settings.questions:
        lines.append(f"Only {count} terms were missed, so the round is shorter.")
    if settings.teams:
        lines.append(f"It is played in {settings.teams} teams: pick yours on the next message.")
    if settings.scoring is Scoring.ACCURACY:
        lines.append(f"Every right answer earns {ACCURACY_POINTS:,} points, however long you take.")
    else:
        lines.append("Answer with the buttons; the faster you are, the more points you get!")
    if settings.anonymous:
        lines.append("Results are anonymous: the reveals and the podium name nobody.")
    return " ".join(lines)


_MODE_CODES = {Mode.MIXED: "x", Mode.MULTIPLE_CHOICE: "c", Mode.TRUE_FALSE: "b", Mode.TYPED: "t"}
_CODE_MODES = {code: mode for mode, code in _MODE_CODES.items()}


_NORMAL_ID = (
    r"quiznormal:(?P<q>\d{1,2}):(?P<mode>[xcbt]):(?P<s>\d{1,3}):(?P<scoring>[sa]):(?P<teams>[0-4])"
    r":(?P<reveal>[na]):(?P<topic>[A-Za-z0-9_-]{0,60})"
)


class NormalRoundButton(discord.ui.DynamicItem[discord.ui.Button], template=_NORMAL_ID):
    """Start a normal round with the options of a missed-terms round that lacked history. The
    options ride in the custom_id (a click after a restart works); whoever clicks starts it, as
    with /quiz start (the button sits on a private reply, so that is the member who asked)."""

    def __init__(self, settings: RoundSettings) -> None:
        self.settings = settings
        s = settings
        custom_id = (
            f"quiznormal:{s.questions}:{_MODE_CODES[s.mode]}:{s.seconds}:{s.scoring.value[0]}:{s.teams}"
            f":{'a' if s.anonymous else 'n'}:{s.topic or ''}"
        )
        super().__init__(
            discord.ui.Button(label="Start a normal round", style=discord.ButtonStyle.primary, custom_id=custom_id)
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(
            RoundSettings(
                questions=int(match["q"]),
                topic=match["topic"] or None,
                mode=_CODE_MODES[match["mode"]],
                seconds=int(match["s"]),
                scoring=Scoring.ACCURACY if match["scoring"] == "a" else Scoring.SPEED,
                teams=int(match["teams"]),
                anonymous=match["reveal"] == "a",
            )
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Quiz")
        async with component_errors(interaction, "normal-round button"):
            await cog.on_normal_round(interaction, self.settings)


def normal_round_view(settings: RoundSettings) -> discord.ui.View | None:
    """The "Start a normal round" button, or None when the options do not fit in a custom_id."""
    button = NormalRoundButton(settings)
    if not re.fullmatch(_NORMAL_ID, button.custom_id):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(button)
    return view


#: Which cog answers the typed-answer boxes of each feature (`typed:<feature>:<state>`).
TYPED_ANSWER_COGS = {"quiz": "Quiz", "test": "Practice"}
_TYPED_ID = re.compile(r"typed:(?P<feature>[a-z]+):(?P<state>[A-Za-z0-9:]{1,80})")
BOX_EXPIRED = "This answer box has expired. Click the answer button again."


class TypedAnswerModal(discord.ui.Modal):
    """The box for a typed answer, in a quiz or a practice test.

    Its state is in its custom_id (`typed:<feature>:<state>`, like ChoiceButton's), and discord.py
    never keeps it in memory: answer_typed_submission() answers every submission, also one sent
    after a restart or after the box sat open for a long time. Boxes of one question share a
    custom_id, which is harmless because nothing is kept per box.
    """

    answer = discord.ui.TextInput(
        label="Your answer", placeholder="The term, e.g. Customer Loyalty", max_length=100, custom_id="answer"
    )

    def __init__(self, feature: str, state: str, number: int) -> None:
        super().__init__(title=f"Question {number}: type the term", custom_id=f"typed:{feature}:{state}")

    def is_finished(self) -> bool:
        return True  # so send_modal does not store it: submissions go to answer_typed_submission


def _submitted_value(components: list, custom_id: str) -> str:
    """The value of one text input in a modal submission's components (rows or labels)."""
    for component in components:
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        if inner:
            found = _submitted_value(inner, custom_id)
            if found:
                return found
        elif component.get("custom_id") == custom_id:
            return component.get("value") or ""
    return ""


async def answer_typed_submission(interaction: discord.Interaction) -> bool:
    """Answer a submitted typed-answer box from its custom_id: the feature's cog gets
    `on_typed_answer(interaction, state, text)`. False when the interaction is not such a box."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    match = _TYPED_ID.fullmatch((interaction.data or {}).get("custom_id", ""))
    if match is None:
        return False
    feature = match["feature"]
    async with component_errors(interaction, f"typed answer ({feature})"):
        cog = interaction.client.get_cog(TYPED_ANSWER_COGS.get(feature, ""))
        if cog is None:
            await reply_error(interaction, BOX_EXPIRED)
        else:
            text = _submitted_value((interaction.data or {}).get("components") or [], "answer")
            await cog.on_typed_answer(interaction, match["state"], text)
    return True


def answer_text(question: Question, deck: Deck) -> str:
    """The right answer and its definition, each said once."""
    term = deck.get(question.term_id)
    definition = f"> {clip(term.definition, 1500)}"
    if question.kind is Kind.DEFINITION:
        return f"✅ **{question.answer}** · **{term.name}** means:\n{definition}"
    if question.kind is Kind.TERM:
        return f"✅ **{question.option_label(question.answer)}**\n{definition}"
    if question.kind is Kind.TRUE_FALSE:
        if question.answer == "true":
            return f"✅ **True**: **{term.name}** means:\n{definition}"
        shown = deck.get(question.shown_term_id)
        return f"✅ **False**: that was the definition of **{shown.name}**. **{term.name}** means:\n{definition}"
    return f"✅ **{term.name}**\n{definition}"


def reveal_embed(
    reveal: Reveal,
    total: int,
    deck: Deck,
    names: dict[int, str],
    *,
    anonymous: bool = False,
    teams: Sequence[TeamStanding] = (),
) -> discord.Embed:
    """The closed question: the right answer once, how many chose each option, who was right and
    the fastest (not in an anonymous round), and the team standings in a team round."""
    q = reveal.question
    embed = Panel(
        title=f"Question {reveal.question_no}/{total} · closed",
        description=answer_text(q, deck),
        colour=CLOSED_COLOUR,
    )

    def name(user_id: int) -> str:
        return member_name(names[user_id]) if user_id in names else mention(user_id)

    if q.options:
        split = "  ".join(
            f"**{key if q.kind is not Kind.TRUE_FALSE else key.title()}** {count}"
            for key, count in reveal.split.items()
        )
    else:
        split = f"right {reveal.split['right']} · wrong {reveal.split['wrong']}"
    embed.add_field(name="Answers", value=split or "none", inline=False)
    if not anonymous:
        right = ", ".join(name(uid) for uid in reveal.right[:20])
        more = len(reveal.right) - 20
        embed.add_field(
            name="Right",
            value=clip(right + (f" and {more} more" if more > 0 else ""), 1024) or "nobody",
            inline=False,
        )
        if reveal.fastest:
            fast = reveal.fastest
            embed.add_field(
                name="⚡ Fastest",
                value=f"{name(fast.user_id)} in {fast.elapsed_ms / 1000:.1f} s (+{fast.points} points)",
                inline=False,
            )
    if teams:
        embed.add_field(name="Teams", value=team_lines(teams), inline=False)
    return embed


def team_lines(teams: Sequence[TeamStanding]) -> str:
    """One line per team, best average first; equal averages share a place."""
    lines = []
    for place, team in zip(ranked_places([t.average for t in teams]), teams, strict=True):
        badge = MEDALS[place - 1] if place <= 3 and team.points > 0 else f"{place}."
        players = f"{team.players} player{'s' if team.players != 1 else ''}" if team.players else "nobody played"
        lines.append(f"{badge} **{team.label}** · {round(team.average):,} points average ({players})")
    return "\n".join(lines)


def standings_lines(players: Sequence[Player], limit: int = 25, teams: dict[int, int] | None = None) -> str:
    """One line per player; equal points share a place (and a medal: the first three places that scored).
    In a team round each name carries its team's badge."""
    lines = []
    for place, p in zip(places(list(players[:limit])), players[:limit], strict=True):
        badge = MEDALS[place - 1] if place <= 3 and p.points > 0 else f"{place}."  # no medal for 0 points
        team = f" {TEAM_BADGES[teams[p.user_id]]}" if teams and p.user_id in teams else ""
        lines.append(
            f"{badge} **{member_name(p.name)}**{team} · {p.points:,} points ({p.correct}/{p.answered} right)"
        )
    if len(players) > limit:
        lines.append(f"… and {len(players) - limit} more")
    return "\n".join(lines)


def class_line(players: int, correct: int, answered: int) -> str:
    """An anonymous round's result: how many played and the class's accuracy, no names."""
    share = f" ({correct / answered:.0%})" if answered else ""
    return (
        f"{players} member{'s' if players != 1 else ''} played. The class got {correct:,} of "
        f"{answered:,} answers right{share}."
    )


def podium_embed(
    players: Sequence[Player],
    *,
    title: str,
    note: str = "",
    teams: Sequence[TeamStanding] = (),
    team_of: dict[int, int] | None = None,
    anonymous: bool = False,
) -> discord.Embed:
    """The end of a round: the standings, once, with medals for the first three places. A team round
    shows the team standings first; an anonymous round names nobody (how many played and the
    class's accuracy instead)."""
    embed = Panel(title=title, colour=discord.Colour.gold())
    if not players:
        embed.description = note or "Nobody answered, so there is no podium this time."
        return embed
    parts = [note] if note else []
    if teams:
        parts.append("**Teams** (the average of their players' points)\n" + team_lines(teams))
    if anonymous:
        correct, answered = sum(p.correct for p in players), sum(p.answered for p in players)
        parts.append(class_line(len(players), correct, answered))
    else:
        parts.append(("**Players**\n" if teams else "") + standings_lines(players, teams=team_of))
    embed.description = clip("\n\n".join(parts), 4096)
    tie = not anonymous and len(set(places(list(players)))) < len(players)
    footer = "Equal points share a place. " if tie else ""
    footer += "Points are saved to /leaderboard."
    embed.set_footer(text=footer)
    return embed
