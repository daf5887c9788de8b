"""Team play, accuracy scoring and the round's settings, as pure rules with a fixed clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.questions import Mode, make_questions
from bot.core.quiz import ACCURACY_POINTS, QuizRound, RoundSettings, Scoring, check_seconds, ranked_places
from bot.core.teams import Teams, TeamsClosed, team_label

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answer(round_: QuizRound, user_id: int, name: str, correct: bool, seconds: float):
    round_.prepare(user_id, name, round_.question.answer if correct else "x", correct, at(seconds))
    return round_.confirm(user_id)


def a_round(deck, **options) -> QuizRound:
    questions = make_questions(deck, 3, Mode.TRUE_FALSE, random.Random(5))
    return QuizRound(questions, seconds=20, started_by=1, round_id=7, **options)


def test_members_join_switch_and_the_joining_closes():
    teams = Teams(2)
    assert teams.join(11, 0, "alice") is None
    assert teams.join(11, 1, "alice") == 0, "switching says where they came from"
    assert teams.team_of(11) == 1 and teams.sizes() == [0, 1]
    teams.close_joining()
    with pytest.raises(TeamsClosed):
        teams.join(12, 0, "bob")
    assert teams.team_of(12) is None
    with pytest.raises(ValueError):
        Teams(5)
    assert team_label(0) == "🔴 Red" and team_label(3) == "🟡 Yellow"


def test_a_join_nobody_was_told_about_is_undone():
    teams = Teams(3)
    teams.join(11, 0, "alice")
    previous = teams.join(11, 2, "alice")
    teams.undo_join(11, previous)
    assert teams.team_of(11) == 0
    teams.undo_join(12, teams.join(12, 1, "bob"))
    assert teams.team_of(12) is None and 12 not in teams.names


def test_members_who_did_not_join_go_to_the_smallest_team():
    teams = Teams(3)
    for uid, team in [(1, 0), (2, 0), (3, 1)]:
        teams.join(uid, team)
    teams.close_joining()
    assert teams.place(4) == 2, "the empty team"
    assert teams.place(5) == 1, "then the first of the smallest (1 and 2 have one each)"
    assert teams.place(1) == 0, "a member with a team keeps it"
    assert teams.sizes() == [2, 2, 1]


def test_a_small_team_beats_a_big_one_on_average(deck):
    round_ = a_round(deck, teams=Teams(2))
    teams = round_.teams
    teams.join(1, 0, "solo")
    for uid in (2, 3, 4):
        teams.join(uid, 1)
    teams.join(5, 1, "idle")  # joins, never answers: does not pull the team down
    teams.close_joining()
    round_.open_question(at(0))
    answer(round_, 1, "solo", True, 10)  # 750
    answer(round_, 2, "b", True, 0)  # 1000
    answer(round_, 3, "c", True, 0)  # 1000
    answer(round_, 4, "d", False, 0)  # 0
    round_.close_question()
    red, blue = sorted(round_.team_standings(), key=lambda s: s.team)
    assert (red.members, red.players, red.points) == (1, 1, 750)
    assert (blue.members, blue.players, blue.points) == (4, 3, 2000)
    assert blue.average < red.average, "666.7 on average against 750"
    assert [s.team for s in round_.team_standings()] == [0, 1]
    assert round_.winners() == {2, 3}, "the personal podium is unchanged"


def test_an_answer_without_a_team_places_the_member_and_forget_removes_them(deck):
    round_ = a_round(deck, teams=Teams(2))
    round_.teams.join(1, 0, "alice")
    round_.teams.close_joining()
    round_.open_question(at(0))
    held = round_.prepare(2, "bob", round_.question.answer, True, at(1))
    assert round_.teams.team_of(2) is None, "nothing before the answer is stored"
    round_.release(2)
    assert round_.teams.team_of(2) is None
    answer(round_, 2, "bob", True, 1)
    assert held is not None and round_.teams.team_of(2) == 1
    round_.forget(2)
    assert round_.teams.team_of(2) is None
    assert [s.players for s in sorted(round_.team_standings(), key=lambda s: s.team)] == [0, 0]


def test_teams_nobody_played_for_share_the_last_place(deck):
    round_ = a_round(deck, teams=Teams(3))
    round_.teams.close_joining()
    round_.open_question(at(0))
    answer(round_, 1, "alice", True, 0)
    table = round_.team_standings()
    assert [s.team for s in table] == [0, 1, 2]
    assert ranked_places([s.average for s in table]) == [1, 2, 2]
    assert a_round(deck).team_standings() == []


def test_accuracy_scoring_pays_right_answers_only_with_no_speed_or_streak_bonus(deck):
    round_ = a_round(deck, scoring=Scoring.ACCURACY)
    for n in range(3):
        round_.open_question(at(30 * n))
        assert answer(round_, 1, "slow", True, 30 * n + 19.9).points == ACCURACY_POINTS
        assert answer(round_, 2, "fast", True, 30 * n).points == ACCURACY_POINTS
        assert answer(round_, 3, "wrong", False, 30 * n).points == 0
        round_.close_question()
    assert round_.players[1].points == round_.players[2].points == 3 * ACCURACY_POINTS
    assert round_.players[1].best_streak == 3, "streaks are still counted, just not paid"
    speed = a_round(deck)
    speed.open_question(at(0))
    assert answer(speed, 1, "slow", True, 19.9).points < ACCURACY_POINTS


@pytest.mark.parametrize(
    ("scoring", "seconds", "allowed"),
    [
        (Scoring.SPEED, 10, True),
        (Scoring.SPEED, 120, True),
        (Scoring.SPEED, 121, False),
        (Scoring.SPEED, 200, False),
        (Scoring.ACCURACY, 200, True),
        (Scoring.ACCURACY, 300, True),
        (Scoring.ACCURACY, 301, False),
        (Scoring.ACCURACY, 9, False),
    ],
)
def test_time_limits_depend_on_the_scoring(scoring, seconds, allowed):
    if allowed:
        check_seconds(scoring, seconds)
        RoundSettings(seconds=seconds, scoring=scoring).check()
        return
    with pytest.raises(BadInput) as refused:
        RoundSettings(seconds=seconds, scoring=scoring).check()
    if scoring is Scoring.SPEED and seconds <= 300:
        assert "scoring:accuracy" in str(refused.value), "the way out is named"
