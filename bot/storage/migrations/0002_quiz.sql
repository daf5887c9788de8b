-- Channel quiz rounds, every recorded answer, and running totals for the leaderboards.
CREATE TABLE quiz_rounds (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    started_by     INTEGER NOT NULL,
    topic          TEXT,
    mode           TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    seconds        INTEGER NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active',  -- active, finished, stopped, abandoned, interrupted
    started_at     INTEGER NOT NULL,                -- epoch ms
    ended_at       INTEGER,
    message_id     INTEGER,                         -- the message of the current question
    schedule_id    INTEGER
);
-- One active round per channel, enforced by the database as well as by the bot.
CREATE UNIQUE INDEX quiz_rounds_one_active ON quiz_rounds (channel_id) WHERE status = 'active';

CREATE TABLE quiz_answers (
    round_id    INTEGER NOT NULL REFERENCES quiz_rounds (id) ON DELETE CASCADE,
    question_no INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    card_id     TEXT NOT NULL,
    choice      TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    elapsed_ms  INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,                   -- epoch ms
    PRIMARY KEY (round_id, question_no, user_id)
) WITHOUT ROWID;
CREATE INDEX quiz_answers_user ON quiz_answers (user_id);

-- Running totals per member and period ('all', 'w2026-01-05' = week starting that Monday in the
-- server's time zone, 'm2026-01'), so a leaderboard reads a few rows instead of scanning answers.
CREATE TABLE quiz_totals (
    guild_id      INTEGER NOT NULL,
    period        TEXT NOT NULL,
    user_id       INTEGER NOT NULL,
    points        INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    answered      INTEGER NOT NULL DEFAULT 0,
    rounds_played INTEGER NOT NULL DEFAULT 0,
    rounds_won    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, period, user_id)
) WITHOUT ROWID;
CREATE INDEX quiz_totals_points ON quiz_totals (guild_id, period, points DESC);
CREATE INDEX quiz_totals_user ON quiz_totals (user_id);
