-- PostgreSQL twin of ../0013_missed_terms_indexes.sql: the same indexes.
-- /quiz start source:missed counts, per term, the answers a server's members gave in a period in
-- quiz rounds and practice tests (QuizRepo.missed_terms). Without these it scanned both tables:
-- quiz_answers was indexed by user only, study_reviews by (user_id, reviewed_at).
-- Both cover every column the query reads, so it never visits the rows themselves.
CREATE INDEX IF NOT EXISTS quiz_answers_guild_time ON quiz_answers (guild_id, answered_at, card_id, correct);
-- Only practice-test answers: flashcard reviews and quiz rows cost nothing more to write. `source`
-- is in it too, or SQLite reads each row to check the WHERE again.
CREATE INDEX IF NOT EXISTS study_reviews_test_guild_time
    ON study_reviews (guild_id, reviewed_at, card_id, rating, source) WHERE source = 'test';
