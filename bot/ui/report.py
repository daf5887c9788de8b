"""How class reports look: /report class (pages of students, the weakest terms, the class chart),
/report student, /report term, and the export's message. Members are shown as mentions, which
Discord draws as their current names without pinging anyone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.core.homework import Counts
from bot.core.report import (
    PERIOD_WORDS,
    ClassReport,
    Figures,
    LeechTerm,
    Period,
    StudentReport,
    StudentRow,
    TermFigures,
)
from bot.core.srs import LEECH_LAPSES
from bot.ui import limits
from bot.ui.homework import progress_text, title_of
from bot.ui.limits import Panel
from bot.ui.messages import clip, reply_error, safe
from content.model import Deck

REPORT_COLOUR = discord.Colour.from_rgb(52, 152, 219)
CHART_NAME = "class.png"
STUDENTS_PER_PAGE = 15
TERMS_SHOWN = 10
LINE = 190  # characters per student or term line: two full embeds stay under Discord's 6,000
PERIOD_CODES = {Period.WEEK: "w", Period.MONTH: "m", Period.ALL: "a"}
CLASS_NOTE = (
    "The class = members I've seen study here: a quiz or test answer, a review, /learn, assignment work or "
    "/homework in this server (I can't see the member list)."
)
NOT_YOURS = "These buttons belong to whoever ran /report class. Run it yourself."


def pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def homework_text(counts: Counts) -> str:
    """ "✅ 2 ⏰ 1 ❌ 0 ⏳ 1": done, late, missing, still to do."""
    text = f"✅ {counts.done} ⏰ {counts.late} ❌ {counts.missing}"
    return text + (f" ⏳ {counts.pending}" if counts.pending else "")


def figures_text(f: Figures, period: Period) -> str:
    if not f.active:
        return f"no activity in {PERIOD_WORDS[period]}"
    parts = []
    if f.quiz_answers:
        parts.append(f"quiz {f.quiz_answers} ({pct(f.quiz_accuracy)})")
    if f.test_answers:
        parts.append(f"test {f.test_answers} ({pct(f.test_accuracy)})")
    if f.reviews:
        parts.append(_plural(f.reviews, "review"))
    parts.append(_plural(f.active_days, "day"))
    return " · ".join(parts)


def student_line(row: StudentRow, period: Period, with_homework: bool) -> str:
    text = f"<@{row.user_id}> — {figures_text(row.figures, period)}"
    if with_homework and row.homework.total:
        text += f" · {homework_text(row.homework)}"
    return clip(text, LINE)


def term_name(deck: Deck, term_id: str) -> str:
    term = deck.get(term_id)
    return clip(term.name, 60) if term is not None else term_id


def wrong_text(term: TermFigures) -> str:
    if term.wrong is None:
        return ""
    return f" · most chosen wrong: “{safe(term.wrong, 50)}” ({term.wrong_count}×)"


def term_line(term: TermFigures, deck: Deck) -> str:
    tried = "" if term.tried is None else f" · tried by {term.tried}"
    return clip(
        f"**{term_name(deck, term.term_id)}** — missed {pct(term.miss_rate)} ({term.misses}/{term.answers})"
        f"{tried}{wrong_text(term)}",
        LINE,
    )


def _scope(period: Period, topic: str | None, deck: Deck) -> str:
    where = f" · {clip(deck.topic_name(topic), 50)}" if topic else ""
    return f"{PERIOD_WORDS[period]}{where}"


LEECHES_SHOWN = 5  # lines of about 100 characters: the two embeds of /report class stay under 6,000
LEECHES_TITLE = f"Leeches: forgotten {LEECH_LAPSES} times or more"


def leeches_text(leeches: Sequence[LeechTerm], deck: Deck) -> str:
    """The class's leeches, one line per term: how many students keep forgetting it."""
    lines = [
        f"**{term_name(deck, t.term_id)}** — {_plural(t.students, 'student')} (up to {t.most_lapses} times)"
        for t in leeches[:LEECHES_SHOWN]
    ]
    more = len(leeches) - LEECHES_SHOWN
    return clip("\n".join(lines) + (f"\n…and {more} more" if more > 0 else ""), limits.FIELD_VALUE)


def page_count(report: ClassReport) -> int:
    return max(1, -(-len(report.rows) // STUDENTS_PER_PAGE))


def class_message(
    report: ClassReport,
    deck: Deck,
    *,
    page: int,
    owner: int,
    chart: bool = True,
    leeches: Sequence[LeechTerm] = (),
) -> tuple[list[discord.Embed], discord.ui.View | None]:
    """Page `page` (clamped) of /report class: the students (active first), then the weakest terms
    and the class's leeches, with the class chart (`chart`: the message has it attached). Page
    buttons for `owner` when the class needs more than one page."""
    pages = page_count(report)
    page = max(0, min(page, pages - 1))
    rows = report.rows[page * STUDENTS_PER_PAGE : (page + 1) * STUDENTS_PER_PAGE]
    size, active = len(report.rows), report.active
    summary = [f"**{size}** in the class, **{active}** active in {PERIOD_WORDS[report.period]}."]
    if report.assignments:
        summary.append(
            f"Assignments counted: {len(report.assignments)} (due in the period or still open) · "
            f"{homework_text(report.homework)} (done · late · missing · to do)"
        )
    lines = [student_line(r, report.period, bool(report.assignments)) for r in rows]
    students = Panel(
        title=clip(f"📋 Class report · {_scope(report.period, report.topic, deck)}", limits.TITLE),
        description="\n".join([*summary, "", *lines]) if lines else "\n".join([*summary, "", "Nobody yet."]),
        colour=REPORT_COLOUR,
    )
    footer = "Quiz and test: answers (share right) · days: days active (UTC)" + (
        ", on any topic" if report.topic else ""
    )
    students.set_footer(text=footer + (f" · page {page + 1} of {pages}" if pages > 1 else ""))
    shown = report.terms[:TERMS_SHOWN]
    terms = Panel(
        title="Terms, weakest first",
        description="\n".join(term_line(t, deck) for t in shown) or "No quiz or test answers in this period yet.",
        colour=REPORT_COLOUR,
    )
    if leeches:
        terms.add_field(name=LEECHES_TITLE, value=leeches_text(leeches, deck), inline=False)
    if chart:
        terms.set_image(url=f"attachment://{CHART_NAME}")
    terms.set_footer(
        text=clip(f"{CLASS_NOTE} Details: /report student, /report term; files: /report export.", 2048)
    )
    if pages == 1:
        return [students, terms], None
    view = discord.ui.View(timeout=None)
    code, topic = PERIOD_CODES[report.period], report.topic or ""
    view.add_item(ReportPageButton(owner, page - 1, code, topic, "◀ Previous", disabled=page == 0))
    view.add_item(ReportPageButton(owner, page + 1, code, topic, "Next ▶", disabled=page + 1 >= pages))
    return [students, terms], view


class ReportPageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"rpt:(?P<owner>\d{1,20}):(?P<page>\d{1,4}):(?P<period>[wma]):(?P<topic>[^:]{0,70})",
):
    """A page button of /report class. The page is read again from the database on each click, so
    it works after a restart; only whoever ran the command may turn the pages."""

    def __init__(self, owner: int, page: int, period: str, topic: str, label: str, disabled: bool = False) -> None:
        self.owner, self.page, self.period, self.topic = owner, max(page, 0), period, topic
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"rpt:{owner}:{self.page}:{period}:{topic}",
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["owner"]), int(match["page"]), match["period"], match["topic"], item.label or "Page")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply_error(interaction, NOT_YOURS)
            return
        period = next(p for p, code in PERIOD_CODES.items() if code == self.period)
        await interaction.client.get_cog("Report").turn_page(interaction, self.page, period, self.topic or None)


# --- /report student --------------------------------------------------------------------------


def student_embed(
    user_id: int,
    name: str,
    report: StudentReport,
    deck: Deck,
    period: Period,
    leeches: Sequence[tuple[str, int]] = (),
) -> discord.Embed:
    """One student across terms: their figures, each assignment's status, the terms they missed most
    and their leeches ((term id, lapses), most forgotten first), or that they are not in the class:
    never seen studying here."""
    figures, homework, terms = report.figures, report.homework, report.terms
    embed = Panel(title=clip(f"📋 {name} · {PERIOD_WORDS[period]}", limits.TITLE), colour=REPORT_COLOUR)
    if figures is None:
        embed.description = (
            f"I haven't seen <@{user_id}> study in this server: no answers, reviews or homework here."
        )
        return embed
    f = figures
    embed.description = f"<@{user_id}> — {figures_text(f, period)}"
    embed.add_field(name="Quizzes", value=f"{f.quiz_answers} answers · {pct(f.quiz_accuracy)} right", inline=True)
    embed.add_field(
        name="Practice tests", value=f"{f.test_answers} answers · {pct(f.test_accuracy)} right", inline=True
    )
    embed.add_field(name="Reviews · days active", value=f"{f.reviews} · {f.active_days}", inline=True)
    if homework:
        lines = [f"{title_of(a, deck)}: {progress_text(a, p)}" for a, p in homework]
        embed.add_field(name="Homework", value=clip("\n".join(lines), limits.FIELD_VALUE), inline=False)
    missed = [t for t in terms if t.misses][:TERMS_SHOWN]
    if missed:
        lines = [f"{term_name(deck, t.term_id)} — missed {t.misses} of {t.answers}" for t in missed]
        embed.add_field(name="Terms missed most", value=clip("\n".join(lines), limits.FIELD_VALUE), inline=False)
    if leeches:
        lines = [
            f"{term_name(deck, term_id)} — forgotten {lapses} times" for term_id, lapses in leeches[:LEECHES_SHOWN]
        ]
        embed.add_field(name=LEECHES_TITLE, value=clip("\n".join(lines), limits.FIELD_VALUE), inline=False)
    embed.set_footer(text="Counted in this server; days are UTC days.")
    return embed


# --- /report term -----------------------------------------------------------------------------


def term_embed(
    term_id: str,
    deck: Deck,
    per_student: Mapping[int, tuple[int, int]],
    wrong: Sequence[tuple[str, int]],
    class_size: int,
    period: Period,
) -> discord.Embed:
    """One term across students: who answered it, who missed it, the wrong answers chosen most."""
    answers = sum(n for n, _ in per_student.values())
    misses = sum(m for _, m in per_student.values())
    embed = Panel(
        title=clip(f"📋 {term_name(deck, term_id)} · {PERIOD_WORDS[period]}", limits.TITLE), colour=REPORT_COLOUR
    )
    if not answers:
        embed.description = "Nobody answered this term in a quiz or test here in this period."
        return embed
    share = misses / answers
    embed.description = (
        f"Answered **{answers}** times by **{len(per_student)}** of {class_size} in the class · "
        f"missed **{share:.0%}** ({misses}/{answers})."
    )
    if wrong:
        lines = [f"“{safe(text, 60)}” — {times}×" for text, times in wrong[:5]]
        embed.add_field(name="Wrong answers chosen most", value="\n".join(lines), inline=False)
    missed = sorted(
        ((uid, n, m) for uid, (n, m) in per_student.items() if m), key=lambda r: (-r[2] / r[1], -r[2], r[0])
    )
    if missed:
        lines = [f"<@{uid}> missed {m} of {n}" for uid, n, m in missed[:STUDENTS_PER_PAGE]]
        more = len(missed) - STUDENTS_PER_PAGE
        value = "\n".join(lines) + (f"\n…and {more} more" if more > 0 else "")
        embed.add_field(name="Who missed it", value=clip(value, limits.FIELD_VALUE), inline=False)
    right = sum(1 for n, m in per_student.values() if not m)
    embed.add_field(name="Right every time", value=str(right), inline=True)
    embed.add_field(name="Not tried", value=str(max(class_size - len(per_student), 0)), inline=True)
    embed.set_footer(text="Quiz and practice-test answers in this server.")
    return embed


# --- /report export ---------------------------------------------------------------------------


def export_text(period: Period, students: int, assignments: int, answers: int, zipped: bool) -> str:
    packed = " They were too big to attach as they are, so they come zipped." if zipped else ""
    return (
        f"📎 The class report for {PERIOD_WORDS[period]}: **students.csv** ({_plural(students, 'student')}, "
        f"{_plural(assignments, 'assignment')}) and **answers.csv** ({_plural(answers, 'answer')} and review"
        f"{'' if answers == 1 else 's'}). UTF-8 CSV for any spreadsheet; times are UTC; a cell that a "
        f"spreadsheet would run as a formula starts with an apostrophe.{packed}"
    )


TOO_BIG = (
    "The export is bigger than Discord lets me attach here, even zipped. Pick a shorter period "
    "(`period: week` or `month`)."
)
