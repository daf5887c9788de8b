-- Personal study: flashcard states (FSRS), the review log, practice tests and matching games.
-- A member's study is personal across servers: cards are keyed by user, not by guild.
CREATE TABLE study_cards (
    user_id        INTEGER NOT NULL,
    card_id        TEXT NOT NULL,                  -- deck term / indicator / list question id
    state          INTEGER NOT NULL CHECK (state IN (1, 2, 3)),  -- fsrs: 1 learning, 2 review, 3 relearning
    step           INTEGER,
    stability      REAL,                           -- days
    difficulty     REAL,                           -- 1 .. 10
    due            INTEGER NOT NULL,               -- epoch seconds
    last_review    INTEGER,                        -- epoch seconds
    introduced_at  INTEGER NOT NULL,               -- epoch seconds of the first review
    introduced_via TEXT NOT NULL,                  -- source of the first review
    PRIMARY KEY (user_id, card_id)
) WITHOUT ROWID;
-- "Due cards of a member", oldest due first.
CREATE INDEX study_cards_due ON study_cards (user_id, due);

-- Every rating, enough to replay a card's history with other parameters.
CREATE TABLE study_reviews (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    card_id     TEXT NOT NULL,
    guild_id    INTEGER,                           -- NULL in DMs
    raw_rating  INTEGER CHECK (raw_rating BETWEEN 1 AND 5),  -- NULL for quiz / test answers
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),  -- fsrs Again .. Easy
    source      TEXT NOT NULL CHECK (source IN ('review', 'test', 'quiz', 'daily')),
    reviewed_at INTEGER NOT NULL,                  -- epoch ms
    elapsed_s   INTEGER,                           -- since the card's previous review; NULL when new
    duration_ms INTEGER                            -- time taken to answer, when known
);
-- "Reviews of a member today", the day streak, and a member's log in order.
CREATE INDEX study_reviews_user_time ON study_reviews (user_id, reviewed_at);

CREATE TABLE study_tests (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER,
    topic       TEXT,                              -- NULL = all topics
    mode        TEXT NOT NULL,
    questions   INTEGER NOT NULL CHECK (questions >= 0),
    correct     INTEGER NOT NULL CHECK (correct BETWEEN 0 AND questions),
    started_at  INTEGER NOT NULL,                  -- epoch ms
    finished_at INTEGER NOT NULL,                  -- epoch ms
    missed      TEXT NOT NULL DEFAULT '[]'         -- JSON list of missed card ids
);
CREATE INDEX study_tests_user ON study_tests (user_id, finished_at);

CREATE TABLE study_matches (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER,
    elapsed_ms  INTEGER NOT NULL CHECK (elapsed_ms >= 0),  -- including penalties
    penalties   INTEGER NOT NULL DEFAULT 0 CHECK (penalties >= 0),
    finished_at INTEGER NOT NULL                   -- epoch ms
);
CREATE INDEX study_matches_user ON study_matches (user_id, elapsed_ms);
CREATE INDEX study_matches_guild ON study_matches (guild_id, elapsed_ms);
