-- Class reports by topic (issue 13): each member's figures per term, kept by the triggers like the
-- rest of the report tables, so /report class for a topic over all time sums one row per member
-- and term of the topic instead of every answer to those terms.
--
-- report_term_students (one row per server, term and member who answered or reviewed it) gains
-- the member's quiz answers, right quiz answers, test answers, right test answers and flashcard
-- reviews of the term. last_at stays the time of their last quiz or test answer to it (0 when they
-- only reviewed it): "how many tried it" counts rows with answers whose last answer is in the period.
ALTER TABLE report_term_students ADD COLUMN quiz_answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_term_students ADD COLUMN quiz_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_term_students ADD COLUMN test_answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_term_students ADD COLUMN test_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_term_students ADD COLUMN reviews INTEGER NOT NULL DEFAULT 0;

-- What a database already holds, summed once (the rows are rebuilt from the answers and reviews).
DELETE FROM report_term_students;
INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, quiz_answers, quiz_correct, test_answers,
    test_correct, reviews)
SELECT guild_id, term_id, user_id, MAX(at), SUM(qa), SUM(qc), SUM(ta), SUM(tc), SUM(rv) FROM (
    SELECT guild_id, card_id AS term_id, user_id, answered_at AS at, 1 AS qa, correct AS qc, 0 AS ta, 0 AS tc, 0 AS rv
    FROM quiz_answers
    UNION ALL
    SELECT guild_id, card_id, user_id, CASE WHEN source = 'test' THEN reviewed_at ELSE 0 END, 0, 0,
        source = 'test', source = 'test' AND rating > 1, source = 'review'
    FROM study_reviews WHERE guild_id IS NOT NULL AND (source = 'review' OR (source = 'test' AND given IS NOT NULL))
) AS answered GROUP BY guild_id, term_id, user_id;

-- ---------------------------------------------------------------------------------------------
-- The triggers of migration 0011, with the per-term figures added.

DROP TRIGGER quiz_answers_report;
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
    INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, quiz_answers, quiz_correct)
    VALUES (NEW.guild_id, NEW.card_id, NEW.user_id, NEW.answered_at, 1, NEW.correct)
    ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET
        last_at = CASE WHEN excluded.last_at > last_at THEN excluded.last_at ELSE last_at END,
        quiz_answers = quiz_answers + 1, quiz_correct = quiz_correct + excluded.quiz_correct;
END;

DROP TRIGGER quiz_answers_report_delete;
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
    UPDATE report_term_students SET quiz_answers = quiz_answers - 1, quiz_correct = quiz_correct - OLD.correct
        WHERE guild_id = OLD.guild_id AND term_id = OLD.card_id AND user_id = OLD.user_id;
END;

DROP TRIGGER study_reviews_report_review;
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
    INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, reviews)
    VALUES (NEW.guild_id, NEW.card_id, NEW.user_id, 0, 1)
    ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET reviews = reviews + 1;
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

DROP TRIGGER study_reviews_report_test;
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
    INSERT INTO report_term_students (guild_id, term_id, user_id, last_at, test_answers, test_correct)
    VALUES (NEW.guild_id, NEW.card_id, NEW.user_id, NEW.reviewed_at, 1, NEW.rating > 1)
    ON CONFLICT (guild_id, term_id, user_id) DO UPDATE SET
        last_at = CASE WHEN excluded.last_at > last_at THEN excluded.last_at ELSE last_at END,
        test_answers = test_answers + 1, test_correct = test_correct + excluded.test_correct;
END;

DROP TRIGGER study_reviews_report_delete;
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
    UPDATE report_term_students SET reviews = reviews - (OLD.source = 'review'),
        test_answers = test_answers - (OLD.source = 'test'), test_correct = test_correct - (OLD.source = 'test' AND OLD.rating > 1)
        WHERE guild_id = OLD.guild_id AND term_id = OLD.card_id AND user_id = OLD.user_id;
END;
