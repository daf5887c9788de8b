"""Team play in a quiz round: who is on which team, placing late-comers, and team standings.

A team's score is the average of its players' points, so a small team is not outvoted by a big
one. Pure: the round (bot.core.quiz.QuizRound) holds a Teams and calls it; nothing here knows
about Discord or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from bot.core.errors import StudyBotError

MIN_TEAMS = 2
MAX_TEAMS = 4
TEAM_NAMES = ("Red", "Blue", "Green", "Yellow")
TEAM_BADGES = ("🔴", "🔵", "🟢", "🟡")


class TeamsClosed(StudyBotError):
    def __init__(self) -> None:
        super().__init__(
            "The teams are set: the quiz has started. Answer a question and I'll put you on the smallest team."
        )


def team_label(team: int) -> str:
    """What a team is called in messages: "🔴 Red"."""
    return f"{TEAM_BADGES[team]} {TEAM_NAMES[team]}"


@dataclass(frozen=True, slots=True)
class TeamStanding:
    team: int
    members: int  # on the team (joined or placed)
    players: int  # members who answered at least one question: the average is over them
    points: int  # the players' points together

    @property
    def average(self) -> Fraction:
        """The team's score: its players' average points (0 for a team nobody played for)."""
        return Fraction(self.points, self.players) if self.players else Fraction(0)

    @property
    def label(self) -> str:
        return team_label(self.team)


@dataclass
class Teams:
    """The teams of one round. Members join while `joining`; afterwards a member who answers
    without a team is placed on the smallest one."""

    count: int
    members: dict[int, int] = field(default_factory=dict)  # user id -> team number (0-based)
    names: dict[int, str] = field(default_factory=dict)  # display names of members who joined
    joining: bool = True

    def __post_init__(self) -> None:
        if not MIN_TEAMS <= self.count <= MAX_TEAMS:
            raise ValueError(f"a round has {MIN_TEAMS}-{MAX_TEAMS} teams, not {self.count}")

    def join(self, user_id: int, team: int, name: str = "") -> int | None:
        """Put a member on `team` (moving them from another). Returns their previous team, if any.
        Raises TeamsClosed once the joining phase is over."""
        if not 0 <= team < self.count:
            raise ValueError(f"no team {team} in a round of {self.count}")
        if not self.joining:
            raise TeamsClosed()
        previous = self.members.get(user_id)
        self.members[user_id] = team
        self.names[user_id] = name
        return previous

    def undo_join(self, user_id: int, previous: int | None) -> None:
        """Take back a join the member was never told about (its reply failed): back to `previous`."""
        if previous is None:
            self.forget(user_id)
        else:
            self.members[user_id] = previous

    def close_joining(self) -> None:
        self.joining = False

    def team_of(self, user_id: int) -> int | None:
        return self.members.get(user_id)

    def sizes(self) -> list[int]:
        sizes = [0] * self.count
        for team in self.members.values():
            sizes[team] += 1
        return sizes

    def smallest(self) -> int:
        """The team with the fewest members; on a tie, the first of them."""
        sizes = self.sizes()
        return sizes.index(min(sizes))

    def place(self, user_id: int) -> int:
        """The member's team, placing them on the smallest team when they have none yet."""
        team = self.members.get(user_id)
        if team is None:
            team = self.members[user_id] = self.smallest()
        return team

    def roster(self, team: int) -> list[int]:
        """The members of one team, in the order they joined."""
        return [uid for uid, t in self.members.items() if t == team]

    def forget(self, user_id: int) -> None:
        self.members.pop(user_id, None)
        self.names.pop(user_id, None)

    def standings(self, points: dict[int, int]) -> list[TeamStanding]:
        """Teams by average points, best first (equal averages: team order). `points` holds each
        player's points in the round; members who never answered are not in it and do not count,
        so joining and then idling cannot pull a team down."""
        table = []
        for team in range(self.count):
            roster = self.roster(team)
            playing = [uid for uid in roster if uid in points]
            table.append(TeamStanding(team, len(roster), len(playing), sum(points[uid] for uid in playing)))
        return sorted(table, key=lambda s: (-s.average, s.team))
