-- /learn (issue 14): each member's stage per term, their open session, the answers waiting to go
-- into /review; and each server's own FSRS parameters.

-- A member's stage per term, whatever session or topic taught it, so a later /learn (of any topic)
-- knows what is learned and continues terms already under way.
CREATE TABLE learn_terms (
    user_id    INTEGER NOT NULL,
    term_id    TEXT NOT NULL,
    stage      INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 3),  -- 0 choice, 1 recall, 2 recall again, 3 learned
    misses     INTEGER NOT NULL DEFAULT 0 CHECK (misses >= 0),
    updated_at INTEGER NOT NULL,                                -- epoch ms
    PRIMARY KEY (user_id, term_id)
) WITHOUT ROWID;

-- Answers given in /learn to terms the member does not study in /review yet. "Add to /review"
-- replays them into the new card (right = Good, wrong = Again), as if they had gone in live.
CREATE TABLE learn_answers (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    term_id     TEXT NOT NULL,
    guild_id    INTEGER,                                        -- NULL in DMs
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at INTEGER NOT NULL                                -- epoch ms
);
CREATE INDEX learn_answers_user_term ON learn_answers (user_id, term_id, answered_at);

-- The member's session: the one under way, or the last one finished. One per member.
CREATE TABLE learn_sessions (
    user_id    INTEGER PRIMARY KEY,
    sid        INTEGER NOT NULL,                                -- start in epoch ms, increasing per member
    guild_id   INTEGER,
    topic      TEXT,                                            -- NULL = every topic
    seq        INTEGER NOT NULL CHECK (seq >= 0),               -- +1 per answer and per new round
    screen     TEXT NOT NULL CHECK (screen IN ('question', 'round', 'done')),
    state      TEXT NOT NULL,                                   -- JSON: the session, its question, the last answer
    started_at INTEGER NOT NULL,                                -- epoch ms
    updated_at INTEGER NOT NULL                                 -- epoch ms
);

-- FSRS-6 parameters fitted to a server's review log; no row (or NULL parameters) = the defaults.
CREATE TABLE fsrs_params (
    guild_id        INTEGER PRIMARY KEY,
    parameters      TEXT,                                       -- JSON list of 21 weights in use; NULL = defaults
    checked_at      INTEGER NOT NULL,                           -- epoch ms of the last fit (at most one a day)
    adopted_at      INTEGER,                                    -- epoch ms when `parameters` were adopted
    outcome         TEXT NOT NULL CHECK (outcome IN ('adopted', 'kept', 'too_few')),
    reviews         INTEGER NOT NULL,                           -- reviews the last check read
    held_out        INTEGER NOT NULL,                           -- long-term reviews it scored
    current_loss    REAL,                                       -- log loss / RMSE(bins) on those: in use ...
    current_rmse    REAL,
    fitted_loss     REAL,                                       -- ... and newly fitted
    fitted_rmse     REAL
);
