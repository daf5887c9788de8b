"""The daily term end to end: /daily set|off|now|show, the post at the right local time, restarts,
downtime, daylight saving, and the post's buttons. The simulated clock starts on Thursday
2026-01-01 00:00 UTC; the scheduler ticks every 30 s of simulated time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest
from simcord._clock import Clock

from bot.ui import limits
from tests.e2e.helpers import let_use, rows

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock_start():
    """Where the simulated clock starts; a test parametrizes it to start near a DST change."""
    return None


@pytest.fixture
def simcord_bot(make_bot, clock_start, monkeypatch):
    # simcord's clock always starts on 2026-01-01 and the bot's loop counts from its first tick,
    # so the clock must start elsewhere before the environment exists (ticking 30 s at a time
    # through two months would take minutes). `_epoch` is simcord's start instant.
    if clock_start is not None:
        original = Clock.__init__

        def starts_elsewhere(self) -> None:
            original(self)
            self._epoch = clock_start

        monkeypatch.setattr(Clock, "__init__", starts_elsewhere)
    return make_bot()


def posts(world, channel=None) -> list[discord.Message]:
    """The daily-term posts in the channel, oldest first."""
    history = (channel or world.channel).history()
    return [m for m in history if m.embeds and m.embeds[0].author.name == "Term of the day"]


async def advance_to(world, moment: datetime) -> None:
    """Move the simulated clock to `moment`, a few hours per step (each step must settle in 5 s)."""
    while (left := (moment - world.env.now()).total_seconds()) > 0:
        await world.env.advance_time(min(left, 6 * 3600))


async def bot_down(world) -> None:
    """The scheduler stops, as if the bot were offline (commands still answer)."""
    await world.bot.unload_extension("bot.cogs.scheduler")


async def set_daily(world, time="09:00", zone=None, **options):
    if zone:
        await world.teacher.slash(world.channel, "settings timezone", zone=zone)
    result = await world.teacher.slash(world.channel, "daily set", channel=world.channel, time=time, **options)
    assert result.ephemeral and result.response.content.startswith("📅"), result.response.content
    return result


def field(embed, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name)


def shown_at(moment: datetime) -> str:
    """How every screen shows a moment: one Discord timestamp, in each reader's own zone, and
    how far off it is (bot/ui/times.py)."""
    return f"<t:{int(moment.timestamp())}:f> (<t:{int(moment.timestamp())}:R>)"


async def test_set_show_and_off(world):
    result = await set_daily(world, time="9pm", zone="America/New_York")
    assert "every day at **21:00** (America/New_York)" in result.response.content
    nine_pm = datetime(2026, 1, 1, 2, tzinfo=UTC)  # it is 19:00 on Wednesday in New York: 21:00 comes first
    assert f"Next post: {shown_at(nine_pm)}." in result.response.content

    shown = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    assert f"in <#{world.channel.id}>, from all topics" in shown.description
    # One moment, shown once, in the reader's own zone; the server's 21:00 is labelled with its zone.
    assert field(shown, "Next post") == shown_at(nine_pm)
    assert "every day at **21:00** (America/New_York)" in shown.description
    assert "America/New_York (UTC-05:00)" in shown.footer.text

    off = await world.teacher.slash(world.channel, "daily off")
    assert off.ephemeral and "is off" in off.response.content
    shown = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    assert field(shown, "Status").startswith("Off")
    await advance_to(world, nine_pm + timedelta(hours=1))
    assert posts(world) == [], "nothing is posted while the daily term is off"
    refused = await world.teacher.slash(world.channel, "daily now")
    assert refused.ephemeral and "is off" in refused.response.content


@pytest.mark.parametrize(
    ("typed", "message"),
    [("25:00", "hours go from 0 to 23"), ("9", "could mean 09:00 (9am) or 21:00 (9pm)"), ("tea time", "09:00")],
)
async def test_bad_times_are_refused_clearly(world, typed, message):
    result = await world.teacher.slash(world.channel, "daily set", channel=world.channel, time=typed)
    assert result.ephemeral and result.response.content.startswith("⚠️")
    assert message in result.response.content
    shown = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    assert "not set up" in shown.description


async def test_the_post_arrives_at_nine_in_new_york_not_before(world):
    await set_daily(world, zone="America/New_York")
    nine_am = datetime(2026, 1, 1, 14, tzinfo=UTC)  # 09:00 EST
    await advance_to(world, nine_am - timedelta(seconds=1))
    assert posts(world) == []
    await world.env.advance_time(1)
    [post] = posts(world)
    assert post.created_at == nine_am
    embed = post.embeds[0]
    term = next(t for t in world.bot.deck.terms if embed.title == f"📅 {t.name}")
    assert embed.description == term.definition
    if term.example:
        assert term.example in field(embed, "Example")
    buttons = [c for row in post.components for c in row.children]
    assert [b.label for b in buttons] == ["Quiz me", "Add to my review"]
    assert [b.custom_id for b in buttons] == [f"daily:quiz:{term.id}", f"daily:add:{term.id}"]
    assert rows(world, "SELECT local_date, term_id, status, message_id FROM daily_posts") == [
        ("2026-01-01", term.id, "sent", post.id)
    ]
    await advance_to(world, nine_am + timedelta(hours=23, minutes=59))
    assert len(posts(world)) == 1, "one post per local day"
    await world.env.advance_time(60)
    assert len(posts(world)) == 2 and posts(world)[1].created_at == nine_am + timedelta(days=1)


async def test_daily_now_counts_as_todays_post(world):
    await set_daily(world, time="09:00")
    await advance_to(world, T0 + timedelta(hours=7))
    result = await world.teacher.slash(world.channel, "daily now")
    assert result.ephemeral and "Posted today's term" in result.response.content
    [post] = posts(world)
    assert post.created_at == T0 + timedelta(hours=7)
    assert post.jump_url in result.response.content
    again = await world.teacher.slash(world.channel, "daily now")
    assert "already posted" in again.response.content
    await advance_to(world, T0 + timedelta(hours=23))
    assert len(posts(world)) == 1, "09:00 does not post a second term the same day"
    shown = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    assert field(shown, "Next post") == shown_at(T0 + timedelta(days=1, hours=9))
    assert field(shown, "Last posted") == "Thu 1 Jan 2026"


async def test_terms_do_not_repeat_until_the_topic_is_used_up(world):
    await set_daily(world, topic="ethics-and-rights")
    await bot_down(world)  # /daily now alone drives the days: fast, and the same claim path
    topic = {t.id for t in world.bot.deck.terms_in("ethics-and-rights")}
    shown = []
    for _ in range(len(topic) + 1):
        await world.teacher.slash(world.channel, "daily now")
        shown.append(rows(world, "SELECT term_id FROM daily_posts ORDER BY local_date DESC LIMIT 1")[0][0])
        await world.env.advance_time(86_400)
    first_cycle = shown[: len(topic)]
    assert set(first_cycle) == topic, "every term of the topic once before any repeats"
    assert shown[-1] in topic and shown[-1] != first_cycle[-1], "the new cycle does not start with the last"
    assert len(posts(world)) == len(topic) + 1


async def test_no_duplicate_after_a_restart(world):
    await set_daily(world, time="09:00")
    await advance_to(world, T0 + timedelta(hours=9, minutes=1))
    assert len(posts(world)) == 1
    await world.restart()
    await advance_to(world, T0 + timedelta(hours=20))
    assert len(posts(world)) == 1
    await world.restart()
    await advance_to(world, T0 + timedelta(days=1, hours=9, seconds=30))
    assert [p.created_at for p in posts(world)] == [T0 + timedelta(hours=9), T0 + timedelta(days=1, hours=9)]


async def test_a_bot_back_the_same_day_posts_once(world):
    await set_daily(world, time="09:00")
    await advance_to(world, T0 + timedelta(hours=8))
    await bot_down(world)
    await advance_to(world, T0 + timedelta(hours=11, seconds=10))
    assert posts(world) == []
    await world.restart()
    await world.env.advance_time(30)  # the first tick, on the next half-minute
    [post] = posts(world)
    assert post.created_at == T0 + timedelta(hours=11, seconds=30)
    await advance_to(world, T0 + timedelta(hours=23, minutes=59))
    assert len(posts(world)) == 1


async def test_no_backlog_after_three_days_down(world):
    await set_daily(world, time="09:00")
    await advance_to(world, T0 + timedelta(hours=8))
    await bot_down(world)
    back = T0 + timedelta(days=3, hours=12)  # Sunday noon
    await advance_to(world, back)
    await world.restart()
    await world.env.advance_time(60)
    [post] = posts(world)
    assert post.created_at == back
    assert rows(world, "SELECT local_date FROM daily_posts") == [("2026-01-04",)]
    assert rows(world, "SELECT rotation_pos FROM daily_settings") == [(1,)]
    await advance_to(world, T0 + timedelta(days=4, hours=8))
    assert len(posts(world)) == 1


@pytest.mark.parametrize(
    ("clock_start", "before", "after"),
    [
        # Spring forward on Sunday 2026-03-08: 09:00 is 14:00 UTC on Saturday, 13:00 UTC on Sunday.
        (
            datetime(2026, 3, 7, 12, tzinfo=UTC),
            datetime(2026, 3, 7, 14, tzinfo=UTC),
            datetime(2026, 3, 8, 13, tzinfo=UTC),
        ),
        # Fall back on Sunday 2026-11-01: 09:00 is 13:00 UTC on Saturday, 14:00 UTC on Sunday.
        (
            datetime(2026, 10, 31, 12, tzinfo=UTC),
            datetime(2026, 10, 31, 13, tzinfo=UTC),
            datetime(2026, 11, 1, 14, tzinfo=UTC),
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_nine_am_stays_nine_am_across_daylight_saving(world, clock_start, before, after):
    assert world.env.now() == clock_start
    await set_daily(world, time="09:00", zone="America/New_York")
    await advance_to(world, after - timedelta(hours=1, seconds=1))
    assert [p.created_at for p in posts(world)] == [before]
    await advance_to(world, after + timedelta(seconds=1))
    assert [p.created_at for p in posts(world)] == [before, after]
    local = [p.created_at.astimezone(ZoneInfo("America/New_York")) for p in posts(world)]
    assert [(t.hour, t.minute) for t in local] == [(9, 0), (9, 0)]
    assert local[0].utcoffset() != local[1].utcoffset(), "the two posts are on either side of the change"


def buttons_of(message) -> dict[str, str]:
    """label -> custom_id of a message's buttons (a discord.Message or a simcord response)."""
    rows_ = message.components
    if rows_ and isinstance(rows_[0], dict):
        return {c["label"]: c["custom_id"] for row in rows_ for c in row["components"]}
    return {c.label: c.custom_id for row in rows_ for c in row.children}


async def test_quiz_me_asks_the_clicker_privately(world):
    await set_daily(world)
    await world.teacher.slash(world.channel, "daily now")
    [post] = posts(world)
    term_id = buttons_of(post)["Quiz me"].rsplit(":", 1)[1]
    term = world.bot.deck.get(term_id)

    asked = await world.alice.click(post, label="Quiz me")
    assert asked.ephemeral
    card = asked.response.embeds[0]
    assert card.title == "❓ Quick check" and term.name in card.description
    assert [f.name for f in card.fields] == ["A", "B", "C", "D"]
    choices = buttons_of(asked.response)
    answer = next(iter(choices.values())).split(":")[2]
    assert choices[answer] == f"daily:ans:{answer}:{answer}:{term_id}"
    await world.alice.click(asked.response, custom_id=choices[answer])
    result = asked.response.embeds[0]
    assert result.title == "✅ Right!" and field(result, term.name) == term.definition
    assert not asked.response.components, "answered: the buttons are gone"
    assert rows(world, "SELECT COUNT(*) FROM study_reviews") == [(0,)], "not in alice's reviews: not recorded"

    await world.bob.click(post, label="Add to my review")
    await world.restart()  # the post's buttons and the answer buttons work after a restart
    asked = await world.bob.click(post, label="Quiz me")
    choices = buttons_of(asked.response)
    answer = next(iter(choices.values())).split(":")[2]
    wrong = next(key for key in choices if key != answer)
    await world.bob.click(asked.response, custom_id=choices[wrong])
    result = asked.response.embeds[0]
    assert result.title == "❌ Not quite"
    assert f"You picked **{wrong}**; the answer is **{answer}**" in result.description
    assert rows(world, "SELECT user_id, card_id, source, rating FROM study_reviews") == [
        (world.bob.id, term_id, "daily", 1)
    ]


async def test_add_to_my_review(world):
    await set_daily(world)
    await world.teacher.slash(world.channel, "daily now")
    [post] = posts(world)
    term_id = buttons_of(post)["Add to my review"].rsplit(":", 1)[1]
    added = await world.carol.click(post, label="Add to my review")
    assert added.ephemeral and "is in your review cards now" in added.response.content
    again = await world.carol.click(post, label="Add to my review")
    assert again.ephemeral and "already in your review cards" in again.response.content
    assert rows(world, "SELECT user_id, card_id, state, introduced_via FROM study_cards") == [
        (world.carol.id, term_id, 1, "daily")
    ]


async def test_students_are_refused(world):
    let_use(world, "daily", world.alice)
    for command, options in (("daily set", {"channel": world.channel, "time": "09:00"}), ("daily now", {})):
        refused = await world.alice.slash(world.channel, command, **options)
        assert refused.ephemeral and "Manage Server" in refused.response.content
    assert rows(world, "SELECT COUNT(*) FROM daily_settings") == [(0,)]


async def test_a_long_pause_reason_is_shown_whole_on_both_screens(world):
    # /daily show and /settings show must fit Discord's limits by themselves: the shared Panel
    # would otherwise cut the reason short (and say "Some lines were left out").
    said = "Missing Permissions: " + "the class channel is locked for the exam week, ask the office. " * 12
    await set_daily(world)
    world.env.inject_error("POST", "/channels/*/messages", status=403, code=50013, message=said.strip())
    await advance_to(world, T0 + timedelta(hours=9, seconds=30))
    shown = (await world.teacher.slash(world.channel, "daily show")).response.embeds[0]
    assert said.strip() in field(shown, "⏸️ Paused") and limits.SHORTENED not in shown.footer.text
    summary = (await world.teacher.slash(world.channel, "settings show")).response.embeds[0]
    assert said.strip() in field(summary, "Daily term")
    assert limits.SHORTENED not in (summary.footer.text or "")


async def test_set_refuses_a_channel_the_bot_cannot_post_in(world):
    locked = world.guild.create_text_channel(
        "locked", overwrites={world.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    result = await world.teacher.slash(world.channel, "daily set", channel=locked, time="09:00")
    assert result.ephemeral and "missing the Send Messages" in result.response.content
    assert rows(world, "SELECT COUNT(*) FROM daily_settings") == [(0,)]
