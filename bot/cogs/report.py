"""/report class, student, term and export: what the class did, for the teacher, privately.

The figures come pre-aggregated from storage (bot/storage/reports.py); the chart is /progress's,
drawn for the whole class off the event loop. The export streams: one member's answers are read,
written to a temporary file and dropped before the next member's are read, and Discord uploads the
file from disk, so a big class never sits in memory as a whole file.
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import deck_for, resolve_topic, topic_choices
from bot.cogs.settings import MANAGERS, require_manager
from bot.core.errors import BadInput
from bot.core.export import CsvWriter
from bot.core.report import (
    ANSWER_HEADER,
    STUDENT_HEADER,
    Period,
    Window,
    answer_cells,
    assignment_cell,
    assignment_column,
    class_mastery,
    counted_for,
    leech_terms,
    ranked_wrong,
    since_ms,
    student_cells,
)
from bot.storage.homework import HomeworkStore, progress_from
from bot.storage.leeches import LeechRepo
from bot.storage.reports import ReportStore, class_report, student_report
from bot.ui import report as ui
from bot.ui.chart import Bar, mastery_chart
from bot.ui.messages import clip, member_name, user_errors
from content.model import Deck, Term

log = logging.getLogger(__name__)

PeriodOption = Literal["week", "month", "all"]
DEFAULT_PERIOD = "month"
#: Discord's smallest upload limit for bots; a server may allow more (`guild.filesize_limit`).
UPLOAD_LIMIT = 10 * 1024 * 1024
#: Names an export asks Discord for at most (members who never opened /homework or pressed Start).
NAME_LOOKUPS = 50
CHART_TITLE = "Class mastery per topic"


class Report(commands.Cog):
    report = app_commands.Group(
        name="report",
        description="Class reports: who studied what, the terms the class misses, CSV files",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = ReportStore(bot.db)
        self.homework = HomeworkStore(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ui.ReportPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ui.ReportPageButton)

    # ----------------------------------------------------------------- /report class

    @report.command(name="class", description="Every student and the terms the class misses most, with a chart.")
    @app_commands.describe(
        period="The last 7 days, the last 30 days (default) or all time", topic="Only this topic"
    )
    async def class_(
        self, interaction: discord.Interaction, period: PeriodOption = DEFAULT_PERIOD, topic: str | None = None
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            topic_id = resolve_topic(deck, topic)
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = await self._class_report(interaction.guild_id, Period(period), topic_id, deck)
            leeches = await self._leeches(interaction.guild_id, report, deck, topic_id)
            embeds, view = ui.class_message(
                report, deck, page=0, owner=interaction.user.id, chart=False, leeches=leeches
            )
            await interaction.followup.send(embeds=embeds, ephemeral=True, **({"view": view} if view else {}))
            await self._add_chart(interaction, report, deck, topic_id, leeches)

    async def _add_chart(
        self, interaction: discord.Interaction, report, deck: Deck, topic: str | None, leeches
    ) -> None:
        """The chart follows the figures: its data reads every member's flashcards and drawing it
        takes CPU, so the teacher reads the figures meanwhile. If it fails, the report is whole without it."""
        try:
            png = await self._chart(report.rows, deck, topic)
            embeds, view = ui.class_message(report, deck, page=0, owner=interaction.user.id, leeches=leeches)
            await interaction.edit_original_response(
                embeds=embeds, attachments=[discord.File(io.BytesIO(png), filename=ui.CHART_NAME)], view=view
            )
        except Exception:  # the figures are out; a chart is not worth an error message
            log.warning("the class chart of guild %s was not added", interaction.guild_id, exc_info=True)

    async def turn_page(
        self, interaction: discord.Interaction, page: int, period: Period, topic: str | None
    ) -> None:
        """A page button of /report class (its owner is checked by the button). The chart stays."""
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            if topic is not None and deck.topic(topic) is None:
                raise BadInput("That topic is no longer in this server's decks. Run /report class again.")
            report = await self._class_report(interaction.guild_id, period, topic, deck)
            leeches = await self._leeches(interaction.guild_id, report, deck, topic)
            embeds, view = ui.class_message(report, deck, page=page, owner=interaction.user.id, leeches=leeches)
            await interaction.response.edit_message(embeds=embeds, view=view)

    async def _class_report(self, guild_id: int, period: Period, topic: str | None, deck: Deck):
        topic_terms = [t.id for t in deck.terms_in(topic)] if topic else []
        known = topic_terms or [t.id for t in deck.terms]
        return await class_report(
            self.bot.db, guild_id, period, discord.utils.utcnow(), known_terms=known, topic=topic,
            topic_terms=topic_terms, details=ui.TERMS_SHOWN,
        )  # fmt: skip

    async def _leeches(self, guild_id: int, report, deck: Deck, topic: str | None):
        """The class's leeches among the report's terms (the topic's, or every term of the decks)."""
        found = await LeechRepo(self.bot.db).leeches(guild_id, [row.user_id for row in report.rows])
        known = [t.id for t in deck.terms_in(topic)] if topic else [t.id for t in deck.terms]
        return leech_terms(((x.user_id, x.card_id, x.lapses) for x in found), known)

    async def _chart(self, rows, deck: Deck, topic: str | None) -> bytes:
        """Mastery per topic across the class, drawn as /progress draws a member's."""
        bars = await chart_bars(self.bot.db, rows, deck, topic)
        # Drawing takes about 0.1 s of CPU: off the event loop, so other members' clicks go on.
        return await asyncio.to_thread(mastery_chart, bars, CHART_TITLE)

    @class_.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str):
        return topic_choices(await deck_for(interaction), current)

    # ----------------------------------------------------------------- /report student and term

    @report.command(name="student", description="One student across terms and assignments.")
    @app_commands.describe(member="The student", period="The last 7 days, the last 30 days (default) or all time")
    async def student(
        self, interaction: discord.Interaction, member: discord.User, period: PeriodOption = DEFAULT_PERIOD
    ) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            period = Period(period)
            found = await student_report(
                self.bot.db, interaction.guild_id, member.id, period, discord.utils.utcnow()
            )
            name = member_name(getattr(member, "display_name", member.name))
            leeches = [
                (x.card_id, x.lapses)
                for x in await LeechRepo(self.bot.db).leeches(interaction.guild_id, [member.id])
                if deck.get(x.card_id) is not None
            ]
            embed = ui.student_embed(member.id, name, found, deck, period, leeches)
            await interaction.response.send_message(embed=embed, ephemeral=True)

    @report.command(name="term", description="One term across the class: who missed it, the wrong answers.")
    @app_commands.describe(term="The term", period="The last 7 days, the last 30 days (default) or all time")
    async def term(
        self, interaction: discord.Interaction, term: str, period: PeriodOption = DEFAULT_PERIOD
    ) -> None:
        server = await self.bot.decks.for_guild(interaction.guild_id)
        async with user_errors(interaction):
            require_manager(interaction)
            found = server.deck.get(term.strip()) or server.index.lookup(term.strip()[:100]).match
            if found is None:
                raise BadInput(f"There is no term called **{clip(discord.utils.escape_markdown(term), 60)}** "
                               "in this server's decks. The option suggests terms as you type.")  # fmt: skip
            now, period = discord.utils.utcnow(), Period(period)
            since = since_ms(period, now)
            per_student = await self.store.term_students(interaction.guild_id, found.id, since)
            wrong = (await self.store.wrong_answers(interaction.guild_id, [found.id], since)).get(found.id, [])
            ranked = ranked_wrong(wrong)
            size = await self.store.class_size(interaction.guild_id)
            embed = ui.term_embed(found.id, server.deck, per_student, ranked, size, period)
            await interaction.response.send_message(embed=embed, ephemeral=True)

    @term.autocomplete("term")
    async def term_autocomplete(self, interaction: discord.Interaction, current: str):
        server = await self.bot.decks.for_guild(interaction.guild_id)
        return [app_commands.Choice(name=clip(t.name, 100), value=t.id) for t in server.index.complete(current)][
            :25
        ]

    # ----------------------------------------------------------------- /report export

    @report.command(name="export", description="CSV files: one row per student, and every answer.")
    @app_commands.describe(period="The last 7 days, the last 30 days (default) or all time")
    async def export(self, interaction: discord.Interaction, period: PeriodOption = DEFAULT_PERIOD) -> None:
        deck = await deck_for(interaction)
        async with user_errors(interaction):
            require_manager(interaction)
            await interaction.response.defer(ephemeral=True, thinking=True)
            period, now = Period(period), discord.utils.utcnow()
            guild = interaction.guild
            limit = max(getattr(guild, "filesize_limit", 0) or 0, UPLOAD_LIMIT)
            if await self._fill_names(guild):
                log.debug("guild %s: names of class members looked up for an export", guild.id)
            report = await class_report(
                self.bot.db, interaction.guild_id, period, now, known_terms=[t.id for t in deck.terms], details=0
            )
            with tempfile.TemporaryFile() as students, tempfile.TemporaryFile() as answers:
                await write_students(students, self.bot.db, report, deck, now)
                count = await write_answers(
                    answers, self.bot.db, interaction.guild_id, report, deck, since_ms(period, now)
                )
                files, zipped = _attachments({"students.csv": students, "answers.csv": answers}, limit)
                if files is None:
                    raise BadInput(ui.TOO_BIG)
                text = ui.export_text(period, len(report.rows), len(report.assignments), count, zipped)
                await interaction.followup.send(text, files=files, ephemeral=True)
            log.info("guild %s exported a report (%s, %d answers)", interaction.guild_id, period.value, count)

    async def _fill_names(self, guild: discord.Guild) -> int:
        """Ask Discord for the names of class members the bot has not seen a name for (a member who
        only played quizzes since), at most `NAME_LOOKUPS`, and keep them; returns how many. The bot
        has no member list: one request per member, so only the few it lacks."""
        missing = [uid for uid, name in (await self.store.members(guild.id)).items() if name is None]
        found = 0
        for uid in missing[:NAME_LOOKUPS]:
            try:
                member = await guild.fetch_member(uid)
            except discord.NotFound:  # left the server: the export shows the id alone
                continue
            except discord.HTTPException as exc:  # rate limited or down: the rest stay unnamed this time
                log.info("member names for an export not looked up: %s", exc)
                break
            await self.store.refresh_name(guild.id, uid, member.display_name)
            found += 1
        return found


async def chart_bars(db, rows, deck: Deck, topic: str | None) -> list[Bar]:
    """The class chart's bars: per topic (only `topic` when given), its cards times the members,
    how many of those they study and how many they mastered (flashcards, as /progress counts them)."""
    topic_of = {
        c.id: c.topic for c in deck.study_cards() if deck.topic(c.topic) is not None and topic in (None, c.topic)
    }
    per_card = await ReportStore(db).class_cards([r.user_id for r in rows])
    return [
        Bar(deck.topic_name(t.topic), t.total, t.seen, t.mastered)
        for t in class_mastery(topic_of, per_card, len(rows))
    ]


# --- the export's files: a member's answers at a time, straight to disk (also the benchmark's) ---


async def write_students(out: IO[bytes], db, report, deck: Deck, now: datetime) -> None:
    """students.csv: a row per member of the class, a column per assignment of the report."""
    assignments = report.assignments
    work = await HomeworkStore(db).work([a.id for a in assignments])
    topic = lambda a: deck.topic_name(a.topic) if a.topic else "every topic"  # noqa: E731
    writer = CsvWriter([*STUDENT_HEADER, *(assignment_column(a, topic(a)) for a in assignments)])
    out.write(writer.start().encode("utf-8"))
    for row in report.rows:
        cells = [assignment_cell(a, progress_from(a, work.get((a.id, row.user_id)), now)) for a in assignments]
        out.write(writer.line(student_cells(row, cells)).encode("utf-8"))


async def write_answers(out: IO[bytes], db, guild_id: int, report, deck: Deck, since: int | None) -> int:
    """answers.csv: every answer and review of the class, a member at a time (storage streams them
    from one snapshot); returns how many rows were written."""
    names = {row.user_id: row.name for row in report.rows}
    windows = [
        Window(
            a.number, a.kind.value, _ms(a.created_at), None if a.closed_at is None else _ms(a.closed_at), a.topic
        )
        for a in await HomeworkStore(db).all_in(guild_id)
    ]
    cards = {card.id: card for card in deck.study_cards()}
    writer = CsvWriter(ANSWER_HEADER)
    out.write(writer.start().encode("utf-8"))
    count = 0
    async for record in ReportStore(db).answers(guild_id, list(names), since):
        card = cards.get(record.term_id)
        name = card.name if isinstance(card, Term) else getattr(card, "prompt", record.term_id)
        topic = card.topic if card is not None else None
        cells = answer_cells(
            record, names.get(record.user_id), name, deck.topic_name(topic) if topic else "",
            counted_for(record, topic, windows),
        )  # fmt: skip
        out.write(writer.line(cells).encode("utf-8"))
        count += 1
    return count


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _attachments(files: dict[str, IO[bytes]], limit: int) -> tuple[list[discord.File] | None, bool]:
    """The files as attachments, each rewound; zipped together when one is over `limit` (CSV packs
    several times smaller); None when even the zip is over it."""
    sizes = {name: fp.seek(0, io.SEEK_END) for name, fp in files.items()}
    if max(sizes.values()) <= limit and sum(sizes.values()) <= limit:
        for fp in files.values():
            fp.seek(0)
        return [discord.File(fp, filename=name) for name, fp in files.items()], False
    packed = tempfile.TemporaryFile()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, fp in files.items():
            fp.seek(0)
            with archive.open(name, "w") as member:
                while chunk := fp.read(1 << 20):
                    member.write(chunk)
    if packed.seek(0, io.SEEK_END) > limit:
        packed.close()
        return None, True
    packed.seek(0)
    return [discord.File(packed, filename="class-report.zip")], True


async def setup(bot) -> None:
    await bot.add_cog(Report(bot))
