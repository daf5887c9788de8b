-- Homework and class reports (issue 13): assignments and each student's progress on them, and the
-- class figures /report reads. Triggers keep the figures up to date in the same transaction as the
-- answer, review, test or learn step that changes them, so a report reads a few hundred rows
-- however many answers a server has, and no cog on a hot path writes anything more.

-- What a member gave, for the "wrong answer chosen most often" and the answer export:
-- quiz_answers.given is the option's text (choice keeps its letter) or the typed answer;
-- study_reviews.given is the same for a /test answer. NULL in rows written before this migration.
ALTER TABLE quiz_answers ADD COLUMN given TEXT;
ALTER TABLE study_reviews ADD COLUMN given TEXT;
-- Practice-test answers are the review-log rows of source 'test' that carry `given`: /learn logs
-- source 'test' too, without it. Older rows cannot tell the two apart: they count as tests (as
-- they did for missed-term rounds), with an empty answer text.
UPDATE study_reviews SET given = '' WHERE source = 'test';

-- An assignment: one kind of work on a topic (or the whole deck) by a due time.
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY,               -- global; Start buttons carry it
    guild_id      INTEGER NOT NULL,
    number        INTEGER NOT NULL,                  -- per server, shown to teachers (#1, #2 ...), never reused
    kind          TEXT NOT NULL CHECK (kind IN ('test', 'review', 'learn')),
    goal          INTEGER NOT NULL CHECK (goal > 0), -- test: percent; review: reviews; learn: terms learned
    topic         TEXT,                              -- NULL = every topic
    questions     INTEGER,                           -- test: how many questions the Start button's test has
    channel_id    INTEGER NOT NULL,                  -- where the announcement and the reminder go
    message_id    INTEGER,                           -- the announcement
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,                  -- epoch ms: work before it does not count
    due_at        INTEGER NOT NULL,                  -- epoch ms: work after it is late
    closed_at     INTEGER,                           -- epoch ms; NULL = open (work still counts)
    remind_at     INTEGER,                           -- epoch ms, 24 h before due_at
    reminder      TEXT CHECK (reminder IN ('none', 'pending', 'sent', 'failed', 'skipped')),  -- NULL = to send
    reminder_note TEXT,                              -- why a reminder failed or was skipped
    UNIQUE (guild_id, number)
);
-- The triggers below look up a server's open assignments of one kind on every counted step.
CREATE INDEX assignments_open ON assignments (guild_id, kind) WHERE closed_at IS NULL;
-- The reminder loop's due query: only reminders still to send are in it.
CREATE INDEX assignments_reminders ON assignments (remind_at) WHERE reminder IS NULL;
CREATE INDEX assignments_created_by ON assignments (created_by);

-- The last number each server gave an assignment: numbers are never given twice, also after a remove.
CREATE TABLE assignment_numbers (
    guild_id    INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

-- The cards of an assignment's topic when it was made (review: its cards; learn: its terms).
CREATE TABLE assignment_terms (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    term_id       TEXT NOT NULL,
    PRIMARY KEY (assignment_id, term_id)
) WITHOUT ROWID;

-- A student's progress on an assignment, from the work counted so far.
CREATE TABLE assignment_work (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    value         INTEGER NOT NULL,                  -- best test score in percent, or reviews / terms so far
    first_at      INTEGER NOT NULL,                  -- epoch ms of the first counted work
    last_at       INTEGER NOT NULL,                  -- ... and the latest
    done_at       INTEGER,                           -- epoch ms when the goal was first reached
    PRIMARY KEY (assignment_id, user_id)
) WITHOUT ROWID;
CREATE INDEX assignment_work_user ON assignment_work (user_id);

-- The class: every member the bot has seen studying in a server (any answer, review, test or learn
-- step there, assignment work, or /homework), with their all-time totals there. Days are UTC days.
CREATE TABLE report_students (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    name         TEXT,                               -- display name last seen here (for the CSV export)
    first_seen   INTEGER NOT NULL,                   -- epoch ms
    last_seen    INTEGER NOT NULL,                   -- epoch ms
    quiz_answers INTEGER NOT NULL DEFAULT 0,
    quiz_correct INTEGER NOT NULL DEFAULT 0,
    test_answers INTEGER NOT NULL DEFAULT 0,
    test_correct INTEGER NOT NULL DEFAULT 0,
    reviews      INTEGER NOT NULL DEFAULT 0,
    active_days  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE INDEX report_students_user ON report_students (user_id);

-- The same per UTC day (epoch ms / 86,400,000) on which the member did anything here; a period of
-- the last N days reads N days of rows, and a row's existence is an active day.
CREATE TABLE report_days (
    guild_id     INTEGER NOT NULL,
    day          INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    quiz_answers INTEGER NOT NULL DEFAULT 0,
    quiz_correct INTEGER NOT NULL DEFAULT 0,
    test_answers INTEGER NOT NULL DEFAULT 0,
    test_correct INTEGER NOT NULL DEFAULT 0,
    reviews      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, day, user_id)
) WITHOUT ROWID;
CREATE INDEX report_days_user ON report_days (user_id);

-- Quiz and test answers and misses per term: all time, and per UTC day. No member in them: a
-- forgotten member's answers are taken out by the delete triggers. (Who answered a term, below,
-- names the member and is deleted with them.)
CREATE TABLE report_terms (
    guild_id INTEGER NOT NULL,
    term_id  TEXT NOT NULL,
    answers  INTEGER NOT NULL DEFAULT 0,
    misses   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, term_id)
) WITHOUT ROWID;
-- Who answered each term, and when last: "how many tried it" in a period counts the rows whose
-- last answer is in it (a member who answered in the period answered last in it).
CREATE TABLE report_term_students (
    guild_id INTEGER NOT NULL,
    term_id  TEXT NOT NULL,
    user_id  INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,                       -- epoch ms
    PRIMARY KEY (guild_id, term_id, user_id)
) WITHOUT ROWID;
CREATE INDEX report_term_students_user ON report_term_students (user_id);
CREATE TABLE report_term_days (
    guild_id INTEGER NOT NULL,
    day      INTEGER NOT NULL,
    term_id  TEXT NOT NULL,
    answers  INTEGER NOT NULL DEFAULT 0,
    misses   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, day, term_id)
) WITHOUT ROWID;

-- A topic's figures and a term's details read the answers themselves, by term: these keep that
-- to the topic's (or the page's) terms. The term comes first, so a query over a whole server's
-- answers in a period (missed-term rounds) keeps its own (guild, time) index. Partial indexes with
-- the same conditions as the queries.
CREATE INDEX quiz_answers_term ON quiz_answers (card_id, guild_id, answered_at, user_id, correct, given, choice);
CREATE INDEX study_reviews_test_term ON study_reviews (card_id, guild_id, reviewed_at, user_id, rating, given)
    WHERE source = 'test' AND given IS NOT NULL;
CREATE INDEX study_reviews_review_term ON study_reviews (card_id, guild_id, reviewed_at, user_id)
    WHERE source = 'review';

-- ---------------------------------------------------------------------------------------------
-- Triggers. SQLite has one writer at a time, so "is this a new active day" is a plain EXISTS
-- (the PostgreSQL twin inserts the day row first and asks how many rows it inserted).

CREATE TRIGGER quiz_answers_report AFTER INSERT ON quiz_answers
BEGIN
    INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, quiz_answers, quiz_correct, active_days)
    VALUES (NEW.guild_id, NEW.user_id, NEW.answered_at, NEW.answered_at, 1, NEW.correct, 1)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        quiz_answers = quiz_answers + 1, quiz_correct = quiz_correct + excluded.quiz_correct,
        last_seen = CASE WHEN excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END,
        active_days = active_days + NOT EXISTS (SELECT 1 FROM report_days AS d WHERE d.guild_id = NEW.guild_id
            AND d.day = NEW.answered_at / 86400000 AND d.user_id = NEW.user_id);
    INSERT INTO report_days (guild_id, day, user_id, quiz_answers, quiz_correct)
    VALUES (NEW.guild_id, NEW.answered_at / 86400000, NEW.user_id, 1, NEW.correct)
    ON CONFLICT (guild_id, day, user_id) DO UPDATE SET
        quiz_answers = quiz_answers + 1, quiz_correct = quiz_correct + excluded.quiz_correct;
    INSERT INTO report_terms (guild_id, term_id, answers, misses) VALUES (NEW.guild_id, NEW.card_id, 1, 1 - NEW.correct)
    ON CONFLICT (guild_id, term_id) DO UPDATE SET answers = answers + 1, misses = misses + excluded.misses;
    INSERT INTO report_term_days (guild_id, day, term_id, answers, misses)
    VALUES (NEW.guild_id, NEW.answered_at / 86400000, NEW.card_id, 1, 1 - NEW.correct)
    ON CONFLICT (guild_id, day, term_id) DO UPDATE SET answers = answers + 1, misses = misses + excluded.misses;
    INSERT INTO report_term_students (guild_id, term_id, user_id, last_at) VALUES (NEW.guild_id, NEW.card_id, NEW.user_id, NEW.answered_at)
    ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET
        last_at = CASE WHEN excluded.last_at > last_at THEN excluded.last_at ELSE last_at END;
END;

CREATE TRIGGER quiz_answers_report_delete AFTER DELETE ON quiz_answers
BEGIN
    UPDATE report_students SET quiz_answers = quiz_answers - 1, quiz_correct = quiz_correct - OLD.correct
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    UPDATE report_days SET quiz_answers = quiz_answers - 1, quiz_correct = quiz_correct - OLD.correct
        WHERE guild_id = OLD.guild_id AND day = OLD.answered_at / 86400000 AND user_id = OLD.user_id;
    UPDATE report_terms SET answers = answers - 1, misses = misses - (1 - OLD.correct)
        WHERE guild_id = OLD.guild_id AND term_id = OLD.card_id;
    UPDATE report_term_days SET answers = answers - 1, misses = misses - (1 - OLD.correct)
        WHERE guild_id = OLD.guild_id AND day = OLD.answered_at / 86400000 AND term_id = OLD.card_id;
END;

CREATE TRIGGER study_reviews_report_review AFTER INSERT ON study_reviews
WHEN NEW.guild_id IS NOT NULL AND NEW.source = 'review'
BEGIN
    INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, reviews, active_days)
    VALUES (NEW.guild_id, NEW.user_id, NEW.reviewed_at, NEW.reviewed_at, 1, 1)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET reviews = reviews + 1,
        last_seen = CASE WHEN excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END,
        active_days = active_days + NOT EXISTS (SELECT 1 FROM report_days AS d WHERE d.guild_id = NEW.guild_id
            AND d.day = NEW.reviewed_at / 86400000 AND d.user_id = NEW.user_id);
    INSERT INTO report_days (guild_id, day, user_id, reviews) VALUES (NEW.guild_id, NEW.reviewed_at / 86400000, NEW.user_id, 1)
    ON CONFLICT (guild_id, day, user_id) DO UPDATE SET reviews = reviews + 1;
    -- Review assignments of this server that count this card.
    INSERT INTO assignment_work (assignment_id, user_id, value, first_at, last_at, done_at)
    SELECT a.id, NEW.user_id, 1, NEW.reviewed_at, NEW.reviewed_at, CASE WHEN a.goal <= 1 THEN NEW.reviewed_at END
    FROM assignments AS a
    WHERE a.guild_id = NEW.guild_id AND a.kind = 'review' AND a.closed_at IS NULL AND a.created_at <= NEW.reviewed_at
        AND (a.topic IS NULL OR EXISTS (SELECT 1 FROM assignment_terms AS t WHERE t.assignment_id = a.id AND t.term_id = NEW.card_id))
    ON CONFLICT (assignment_id, user_id) DO UPDATE SET value = value + 1, last_at = excluded.last_at,
        done_at = COALESCE(done_at, CASE WHEN value + 1 >= (SELECT g.goal FROM assignments AS g WHERE g.id = assignment_work.assignment_id)
            THEN excluded.last_at END);
END;

CREATE TRIGGER study_reviews_report_test AFTER INSERT ON study_reviews
WHEN NEW.guild_id IS NOT NULL AND NEW.source = 'test' AND NEW.given IS NOT NULL
BEGIN
    INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, test_answers, test_correct, active_days)
    VALUES (NEW.guild_id, NEW.user_id, NEW.reviewed_at, NEW.reviewed_at, 1, NEW.rating > 1, 1)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        test_answers = test_answers + 1, test_correct = test_correct + excluded.test_correct,
        last_seen = CASE WHEN excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END,
        active_days = active_days + NOT EXISTS (SELECT 1 FROM report_days AS d WHERE d.guild_id = NEW.guild_id
            AND d.day = NEW.reviewed_at / 86400000 AND d.user_id = NEW.user_id);
    INSERT INTO report_days (guild_id, day, user_id, test_answers, test_correct)
    VALUES (NEW.guild_id, NEW.reviewed_at / 86400000, NEW.user_id, 1, NEW.rating > 1)
    ON CONFLICT (guild_id, day, user_id) DO UPDATE SET
        test_answers = test_answers + 1, test_correct = test_correct + excluded.test_correct;
    INSERT INTO report_terms (guild_id, term_id, answers, misses) VALUES (NEW.guild_id, NEW.card_id, 1, NEW.rating = 1)
    ON CONFLICT (guild_id, term_id) DO UPDATE SET answers = answers + 1, misses = misses + excluded.misses;
    INSERT INTO report_term_days (guild_id, day, term_id, answers, misses)
    VALUES (NEW.guild_id, NEW.reviewed_at / 86400000, NEW.card_id, 1, NEW.rating = 1)
    ON CONFLICT (guild_id, day, term_id) DO UPDATE SET answers = answers + 1, misses = misses + excluded.misses;
    INSERT INTO report_term_students (guild_id, term_id, user_id, last_at) VALUES (NEW.guild_id, NEW.card_id, NEW.user_id, NEW.reviewed_at)
    ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET
        last_at = CASE WHEN excluded.last_at > last_at THEN excluded.last_at ELSE last_at END;
END;

CREATE TRIGGER study_reviews_report_delete AFTER DELETE ON study_reviews
WHEN OLD.guild_id IS NOT NULL AND (OLD.source = 'review' OR (OLD.source = 'test' AND OLD.given IS NOT NULL))
BEGIN
    UPDATE report_students SET reviews = reviews - (OLD.source = 'review'),
        test_answers = test_answers - (OLD.source = 'test'), test_correct = test_correct - (OLD.source = 'test' AND OLD.rating > 1)
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    UPDATE report_days SET reviews = reviews - (OLD.source = 'review'),
        test_answers = test_answers - (OLD.source = 'test'), test_correct = test_correct - (OLD.source = 'test' AND OLD.rating > 1)
        WHERE guild_id = OLD.guild_id AND day = OLD.reviewed_at / 86400000 AND user_id = OLD.user_id;
    UPDATE report_terms SET answers = answers - 1, misses = misses - (OLD.rating = 1)
        WHERE OLD.source = 'test' AND guild_id = OLD.guild_id AND term_id = OLD.card_id;
    UPDATE report_term_days SET answers = answers - 1, misses = misses - (OLD.rating = 1)
        WHERE OLD.source = 'test' AND guild_id = OLD.guild_id AND day = OLD.reviewed_at / 86400000 AND term_id = OLD.card_id;
END;

-- A finished practice test counts for the server's open test assignments of its topic (any test
-- for an assignment on every topic) when it has at least the assignment's questions: the best counts.
CREATE TRIGGER study_tests_assignments AFTER INSERT ON study_tests
WHEN NEW.guild_id IS NOT NULL AND NEW.questions > 0
BEGIN
    INSERT INTO assignment_work (assignment_id, user_id, value, first_at, last_at, done_at)
    SELECT a.id, NEW.user_id, NEW.correct * 100 / NEW.questions, NEW.finished_at, NEW.finished_at,
        CASE WHEN NEW.correct * 100 >= a.goal * NEW.questions THEN NEW.finished_at END
    FROM assignments AS a
    WHERE a.guild_id = NEW.guild_id AND a.kind = 'test' AND a.closed_at IS NULL AND a.created_at <= NEW.finished_at
        AND (a.topic IS NULL OR a.topic = NEW.topic) AND NEW.questions >= COALESCE(a.questions, 0)
    ON CONFLICT (assignment_id, user_id) DO UPDATE SET
        value = CASE WHEN excluded.value > value THEN excluded.value ELSE value END,
        last_at = excluded.last_at, done_at = COALESCE(done_at, excluded.done_at);
END;

-- A term learned in /learn (stage 3) counts for the open learn assignments of the server the
-- member's session runs in.
CREATE TRIGGER learn_terms_assignments AFTER INSERT ON learn_terms
WHEN NEW.stage = 3
BEGIN
    INSERT INTO assignment_work (assignment_id, user_id, value, first_at, last_at, done_at)
    SELECT a.id, NEW.user_id, 1, NEW.updated_at, NEW.updated_at, CASE WHEN a.goal <= 1 THEN NEW.updated_at END
    FROM learn_sessions AS s JOIN assignments AS a ON a.guild_id = s.guild_id
    WHERE s.user_id = NEW.user_id AND a.kind = 'learn' AND a.closed_at IS NULL AND a.created_at <= NEW.updated_at
        AND (a.topic IS NULL OR EXISTS (SELECT 1 FROM assignment_terms AS t WHERE t.assignment_id = a.id AND t.term_id = NEW.term_id))
    ON CONFLICT (assignment_id, user_id) DO UPDATE SET value = value + 1, last_at = excluded.last_at,
        done_at = COALESCE(done_at, CASE WHEN value + 1 >= (SELECT g.goal FROM assignments AS g WHERE g.id = assignment_work.assignment_id)
            THEN excluded.last_at END);
END;

CREATE TRIGGER learn_terms_assignments_update AFTER UPDATE OF stage ON learn_terms
WHEN NEW.stage = 3 AND OLD.stage <> 3
BEGIN
    INSERT INTO assignment_work (assignment_id, user_id, value, first_at, last_at, done_at)
    SELECT a.id, NEW.user_id, 1, NEW.updated_at, NEW.updated_at, CASE WHEN a.goal <= 1 THEN NEW.updated_at END
    FROM learn_sessions AS s JOIN assignments AS a ON a.guild_id = s.guild_id
    WHERE s.user_id = NEW.user_id AND a.kind = 'learn' AND a.closed_at IS NULL AND a.created_at <= NEW.updated_at
        AND (a.topic IS NULL OR EXISTS (SELECT 1 FROM assignment_terms AS t WHERE t.assignment_id = a.id AND t.term_id = NEW.term_id))
    ON CONFLICT (assignment_id, user_id) DO UPDATE SET value = value + 1, last_at = excluded.last_at,
        done_at = COALESCE(done_at, CASE WHEN value + 1 >= (SELECT g.goal FROM assignments AS g WHERE g.id = assignment_work.assignment_id)
            THEN excluded.last_at END);
END;

-- A /learn step in a server is activity there (a member of the class, an active day).
CREATE TRIGGER learn_sessions_report AFTER INSERT ON learn_sessions
WHEN NEW.guild_id IS NOT NULL
BEGIN
    INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, active_days)
    VALUES (NEW.guild_id, NEW.user_id, NEW.updated_at, NEW.updated_at, 1)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        last_seen = CASE WHEN excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END,
        active_days = active_days + NOT EXISTS (SELECT 1 FROM report_days AS d WHERE d.guild_id = NEW.guild_id
            AND d.day = NEW.updated_at / 86400000 AND d.user_id = NEW.user_id);
    INSERT INTO report_days (guild_id, day, user_id) VALUES (NEW.guild_id, NEW.updated_at / 86400000, NEW.user_id)
    ON CONFLICT (guild_id, day, user_id) DO NOTHING;
END;

CREATE TRIGGER learn_sessions_report_update AFTER UPDATE OF updated_at ON learn_sessions
WHEN NEW.guild_id IS NOT NULL
BEGIN
    INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, active_days)
    VALUES (NEW.guild_id, NEW.user_id, NEW.updated_at, NEW.updated_at, 1)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        last_seen = CASE WHEN excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END,
        active_days = active_days + NOT EXISTS (SELECT 1 FROM report_days AS d WHERE d.guild_id = NEW.guild_id
            AND d.day = NEW.updated_at / 86400000 AND d.user_id = NEW.user_id);
    INSERT INTO report_days (guild_id, day, user_id) VALUES (NEW.guild_id, NEW.updated_at / 86400000, NEW.user_id)
    ON CONFLICT (guild_id, day, user_id) DO NOTHING;
END;

-- ---------------------------------------------------------------------------------------------
-- What a database already holds, summed once.

INSERT INTO report_days (guild_id, day, user_id, quiz_answers, quiz_correct, test_answers, test_correct, reviews)
SELECT guild_id, day, user_id, SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM (
    SELECT guild_id, answered_at / 86400000 AS day, user_id, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc, 0 AS rv
    FROM quiz_answers
    UNION ALL
    SELECT guild_id, reviewed_at / 86400000, user_id, 0, 0, source = 'test', source = 'test' AND rating > 1,
        source = 'review'
    FROM study_reviews WHERE guild_id IS NOT NULL AND (source = 'review' OR (source = 'test' AND given IS NOT NULL))
    UNION ALL
    SELECT guild_id, updated_at / 86400000, user_id, 0, 0, 0, 0, 0 FROM learn_sessions WHERE guild_id IS NOT NULL
) AS activity GROUP BY guild_id, day, user_id;

INSERT INTO report_students (guild_id, user_id, first_seen, last_seen, quiz_answers, quiz_correct, test_answers,
    test_correct, reviews, active_days)
SELECT guild_id, user_id, MIN(day) * 86400000, MAX(day) * 86400000, SUM(quiz_answers), SUM(quiz_correct),
    SUM(test_answers), SUM(test_correct), SUM(reviews), COUNT(*)
FROM report_days GROUP BY guild_id, user_id;

INSERT INTO report_term_days (guild_id, day, term_id, answers, misses)
SELECT guild_id, day, term_id, COUNT(*), SUM(miss) FROM (
    SELECT guild_id, answered_at / 86400000 AS day, card_id AS term_id, 1 - correct AS miss FROM quiz_answers
    UNION ALL
    SELECT guild_id, reviewed_at / 86400000, card_id, rating = 1 FROM study_reviews
    WHERE guild_id IS NOT NULL AND source = 'test' AND given IS NOT NULL
) AS answered GROUP BY guild_id, day, term_id;

INSERT INTO report_terms (guild_id, term_id, answers, misses)
SELECT guild_id, term_id, SUM(answers), SUM(misses) FROM report_term_days GROUP BY guild_id, term_id;

INSERT INTO report_term_students (guild_id, term_id, user_id, last_at)
SELECT guild_id, term_id, user_id, MAX(at) FROM (
    SELECT guild_id, card_id AS term_id, user_id, answered_at AS at FROM quiz_answers
    UNION ALL
    SELECT guild_id, card_id, user_id, reviewed_at FROM study_reviews
    WHERE guild_id IS NOT NULL AND source = 'test' AND given IS NOT NULL
) AS answered GROUP BY guild_id, term_id, user_id;
