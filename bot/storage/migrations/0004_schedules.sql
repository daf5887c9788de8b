-- Schedules: the daily term of each server and scheduled class quizzes. Times are wall-clock
-- 'HH:MM' in the server's zone (guild_settings.timezone); next_run_at is the UTC epoch second of
-- the next slot, kept up to date by the bot, so one loop for all servers reads only due rows.

CREATE TABLE daily_settings (
    guild_id         INTEGER PRIMARY KEY,
    channel_id       INTEGER NOT NULL,
    post_time        TEXT NOT NULL,                 -- 'HH:MM' local
    topic            TEXT,                          -- NULL = every topic
    enabled          INTEGER NOT NULL DEFAULT 1,    -- a teacher's on/off
    paused_reason    TEXT,                          -- set by the bot: 'channel deleted', ...
    next_run_at      INTEGER NOT NULL,              -- epoch seconds UTC
    last_posted_date TEXT,                          -- 'YYYY-MM-DD' local, of the last sent post
    rotation_order   TEXT NOT NULL DEFAULT '[]',    -- JSON list of term ids, this cycle's order
    rotation_pos     INTEGER NOT NULL DEFAULT 0,    -- how many of rotation_order were posted
    updated_at       INTEGER NOT NULL
);
-- The loop's due query reads this partial index only: it holds the active servers alone, in
-- next-run order, so "nothing due" is one index probe however many servers there are.
CREATE INDEX daily_settings_due ON daily_settings (next_run_at) WHERE enabled = 1 AND paused_reason IS NULL;

-- One row per server and local date, inserted before the post is sent: never two posts a day.
CREATE TABLE daily_posts (
    guild_id   INTEGER NOT NULL,
    local_date TEXT NOT NULL,                       -- 'YYYY-MM-DD' in the server's zone
    term_id    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    message_id INTEGER,
    created_at INTEGER NOT NULL,                    -- epoch seconds
    claimed_at INTEGER NOT NULL,                    -- epoch seconds of the latest attempt
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 1,
    last_error TEXT,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;

CREATE TABLE quiz_schedules (
    id            INTEGER PRIMARY KEY,              -- global; used by quiz_rounds.schedule_id
    guild_id      INTEGER NOT NULL,
    number        INTEGER NOT NULL,                 -- per-server number shown to teachers (#1, #2 ...)
    channel_id    INTEGER NOT NULL,
    days          INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),  -- bit 0 = Monday
    time          TEXT NOT NULL,                    -- 'HH:MM' local
    questions     INTEGER NOT NULL,
    topic         TEXT,
    mode          TEXT NOT NULL,
    seconds       INTEGER NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,                             -- why the bot paused it; NULL if a teacher did
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    next_run_at   INTEGER NOT NULL,                 -- epoch seconds UTC
    last_run_at   INTEGER,                          -- the slot last taken (run or skipped)
    UNIQUE (guild_id, number)
);
CREATE INDEX quiz_schedules_due ON quiz_schedules (next_run_at) WHERE paused = 0;
CREATE INDEX quiz_schedules_channel ON quiz_schedules (channel_id);
