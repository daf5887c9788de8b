-- Class reports by topic (issue 13): each member's figures per term (see the SQLite migration of
-- the same number). last_at stays the time of the last quiz or test answer (0: reviews only).
ALTER TABLE report_term_students
    ADD COLUMN quiz_answers BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN quiz_correct BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN test_answers BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN test_correct BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reviews BIGINT NOT NULL DEFAULT 0;

DELETE FROM report_term_students;
INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, quiz_answers, quiz_correct, test_answers,
    test_correct, reviews)
SELECT guild_id, term_id, user_id, MAX(at), SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM (
    SELECT guild_id, card_id AS term_id, user_id, answered_at AS at, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc, 0 AS rv
    FROM quiz_answers
    UNION ALL
    SELECT guild_id, card_id, user_id, CASE WHEN source = 'test' THEN reviewed_at ELSE 0 END, 0, 0,
        (source = 'test')::int, (source = 'test' AND rating > 1)::int, (source = 'review')::int
    FROM study_reviews WHERE guild_id IS NOT NULL AND (source = 'review' OR (source = 'test' AND given IS NOT NULL))
) AS answered GROUP BY guild_id, term_id, user_id;

-- One answer of member `u` (or, with n = -1, one answer fewer) to a term: all time and on its day,
-- when `u` last answered it (a deleted answer leaves that) and their own figures on it, in quizzes
-- (quiz) or practice tests.
DROP FUNCTION report_term(BIGINT, BIGINT, TEXT, BIGINT, BIGINT, BIGINT);
CREATE FUNCTION report_term(g BIGINT, u BIGINT, term TEXT, ms BIGINT, n BIGINT, missed BIGINT, quiz BOOLEAN)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    qa BIGINT := CASE WHEN quiz THEN n ELSE 0 END;
    ta BIGINT := CASE WHEN quiz THEN 0 ELSE n END;
BEGIN
    INSERT INTO report_terms (guild_id, term_id, answers, misses) VALUES (g, term, n, missed)
    ON CONFLICT (guild_id, term_id) DO UPDATE SET answers = report_terms.answers + n,
        misses = report_terms.misses + missed;
    INSERT INTO report_term_days (guild_id, day, term_id, answers, misses) VALUES (g, ms / 86400000, term, n, missed)
    ON CONFLICT (guild_id, day, term_id) DO UPDATE SET answers = report_term_days.answers + n,
        misses = report_term_days.misses + missed;
    IF n > 0 THEN
        INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, quiz_answers, quiz_correct,
            test_answers, test_correct)
        VALUES (g, term, u, ms, qa, CASE WHEN quiz THEN n - missed ELSE 0 END, ta,
            CASE WHEN quiz THEN 0 ELSE n - missed END)
        ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET
            last_at = GREATEST(report_term_students.last_at, excluded.last_at),
            quiz_answers = report_term_students.quiz_answers + excluded.quiz_answers,
            quiz_correct = report_term_students.quiz_correct + excluded.quiz_correct,
            test_answers = report_term_students.test_answers + excluded.test_answers,
            test_correct = report_term_students.test_correct + excluded.test_correct;
    ELSE
        UPDATE report_term_students SET quiz_answers = report_term_students.quiz_answers + qa,
            quiz_correct = report_term_students.quiz_correct + CASE WHEN quiz THEN n - missed ELSE 0 END,
            test_answers = report_term_students.test_answers + ta,
            test_correct = report_term_students.test_correct + CASE WHEN quiz THEN 0 ELSE n - missed END
        WHERE guild_id = g AND term_id = term AND user_id = u;
    END IF;
END $$;

-- One flashcard review of a term by `u` (n = -1: one fewer).
CREATE FUNCTION report_term_review(g BIGINT, u BIGINT, term TEXT, n BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n > 0 THEN
        INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, reviews) VALUES (g, term, u, 0, n)
        ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET reviews = report_term_students.reviews + n;
    ELSE
        UPDATE report_term_students SET reviews = report_term_students.reviews + n
        WHERE guild_id = g AND term_id = term AND user_id = u;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION quiz_answers_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_count(NEW.guild_id, NEW.user_id, NEW.answered_at, 1, NEW.correct, 0, 0, 0);
        PERFORM report_term(NEW.guild_id, NEW.user_id, NEW.card_id, NEW.answered_at, 1, 1 - NEW.correct, true);
    ELSE
        PERFORM report_uncount(OLD.guild_id, OLD.user_id, OLD.answered_at, 1, OLD.correct, 0, 0, 0);
        PERFORM report_term(OLD.guild_id, OLD.user_id, OLD.card_id, OLD.answered_at, -1, -(1 - OLD.correct), true);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION study_reviews_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r study_reviews%ROWTYPE;
    direction BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; direction := 1; ELSE r := OLD; direction := -1; END IF;
    IF r.guild_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF r.source = 'review' THEN
        IF direction = 1 THEN
            PERFORM report_count(r.guild_id, r.user_id, r.reviewed_at, 0, 0, 0, 0, 1);
            PERFORM assignment_step(r.guild_id, r.user_id, 'review', r.card_id, r.reviewed_at);
        ELSE
            PERFORM report_uncount(r.guild_id, r.user_id, r.reviewed_at, 0, 0, 0, 0, 1);
        END IF;
        PERFORM report_term_review(r.guild_id, r.user_id, r.card_id, direction);
    ELSIF r.source = 'test' AND r.given IS NOT NULL THEN
        IF direction = 1 THEN
            PERFORM report_count(r.guild_id, r.user_id, r.reviewed_at, 0, 0, 1, (r.rating > 1)::int, 0);
        ELSE
            PERFORM report_uncount(r.guild_id, r.user_id, r.reviewed_at, 0, 0, 1, (r.rating > 1)::int, 0);
        END IF;
        PERFORM report_term(r.guild_id, r.user_id, r.card_id, r.reviewed_at, direction,
            direction * (r.rating = 1)::int, false);
    END IF;
    RETURN NULL;
END $$;
