-- PostgreSQL twin of ../0010_retention_leeches.sql: the same tables and columns, BIGINT for ids
-- and epoch times, DOUBLE PRECISION for REAL.
-- Scheduling quality (issue 14): each server's desired retention, and leeches.

-- /settings retention: the share of cards FSRS aims to have members recall when they come due.
-- No row = 0.90. Per server; a member's card follows the server where it is rated.
CREATE TABLE server_retention (
    guild_id  BIGINT PRIMARY KEY,
    retention DOUBLE PRECISION NOT NULL CHECK (retention BETWEEN 0.8 AND 0.95),
    set_at    BIGINT NOT NULL                                -- epoch ms
);

-- Lapses: how often a card was forgotten (rated Again) at least a day after its previous review
-- (bot.core.srs.ReviewOutcome.lapsed); 8 make a leech. studied_lapses: the lapses count when the
-- member last went through the card's "study it again" view in /review.
ALTER TABLE study_cards ADD COLUMN lapses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_cards ADD COLUMN studied_lapses INTEGER NOT NULL DEFAULT 0;

-- Existing cards get their lapses from the review log, by the same rule the live path counts with.
-- Counted once into a scratch table: a count per card straight from study_cards would scan each
-- member's whole log once per card.
CREATE TABLE lapse_counts AS
    SELECT user_id, card_id, COUNT(*) AS n FROM study_reviews
    WHERE rating = 1 AND elapsed_s >= 86400 GROUP BY user_id, card_id;
CREATE UNIQUE INDEX lapse_counts_card ON lapse_counts (user_id, card_id);
UPDATE study_cards SET lapses = (
    SELECT l.n FROM lapse_counts AS l WHERE l.user_id = study_cards.user_id AND l.card_id = study_cards.card_id
) WHERE EXISTS (
    SELECT 1 FROM lapse_counts AS l WHERE l.user_id = study_cards.user_id AND l.card_id = study_cards.card_id
);
DROP TABLE lapse_counts;

-- A class's leeches for teachers (StudyRepo.leeches): few rows, found without a scan.
CREATE INDEX study_cards_leeches ON study_cards (user_id, card_id, lapses) WHERE lapses >= 8;
