-- Imported deck ids are never reused. Term ids are 'd<deck id>-<slug>' and members' flashcards,
-- review log, quiz answers and daily posts keep them after a deck is removed; with a plain
-- INTEGER PRIMARY KEY the next deck (in any server) could get the freed id, and a member's old
-- cards would attach to its terms of the same names. AUTOINCREMENT never hands out an id twice.
--
-- SQLite cannot change a column to AUTOINCREMENT in place, so both tables are rebuilt, keeping
-- every row. Dropping a parent table would cascade-delete its terms (foreign keys are on and
-- cannot be turned off inside the migration's transaction), so the old tables are renamed
-- first, copied, and dropped child first.

ALTER TABLE server_deck_terms RENAME TO server_deck_terms_0005;
ALTER TABLE server_decks RENAME TO server_decks_0005;
DROP INDEX server_decks_in_use;

CREATE TABLE server_decks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- term ids are 'd<id>-<slug>': never reused
    guild_id    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,                     -- casefolded name: one deck of a name per server
    term_count  INTEGER NOT NULL,
    in_use      INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,                  -- epoch seconds
    UNIQUE (guild_id, name_key)
);
CREATE INDEX server_decks_in_use ON server_decks (guild_id) WHERE in_use = 1;
INSERT INTO server_decks (id, guild_id, name, name_key, term_count, in_use, created_by, created_at)
    SELECT id, guild_id, name, name_key, term_count, in_use, created_by, created_at FROM server_decks_0005;

CREATE TABLE server_deck_terms (
    deck_id    INTEGER NOT NULL REFERENCES server_decks (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,                   -- order in the file
    line       INTEGER NOT NULL,                   -- line in the file, for messages
    name       TEXT NOT NULL,
    definition TEXT NOT NULL,
    aliases    TEXT NOT NULL DEFAULT '[]',         -- JSON list
    topic      TEXT,
    example    TEXT,
    PRIMARY KEY (deck_id, position)
) WITHOUT ROWID;
INSERT INTO server_deck_terms (deck_id, position, line, name, definition, aliases, topic, example)
    SELECT deck_id, position, line, name, definition, aliases, topic, example FROM server_deck_terms_0005;

DROP TABLE server_deck_terms_0005;
DROP TABLE server_decks_0005;

-- Ids of decks removed before this migration are known only from the data that still names
-- their terms or topics ('d<id>-...'): the counter starts above every one of them.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'server_decks', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'server_decks');
UPDATE sqlite_sequence SET seq = MAX(seq, (
    SELECT COALESCE(MAX(CAST(substr(ref, 2, instr(ref, '-') - 2) AS INTEGER)), 0)
    FROM (
        SELECT card_id AS ref FROM study_cards WHERE card_id GLOB 'd[0-9]*-*'
        UNION ALL SELECT card_id FROM study_reviews WHERE card_id GLOB 'd[0-9]*-*'
        UNION ALL SELECT card_id FROM quiz_answers WHERE card_id GLOB 'd[0-9]*-*'
        UNION ALL SELECT term_id FROM daily_posts WHERE term_id GLOB 'd[0-9]*-*'
        UNION ALL SELECT topic FROM daily_settings WHERE topic GLOB 'd[0-9]*-*'
        UNION ALL SELECT topic FROM quiz_schedules WHERE topic GLOB 'd[0-9]*-*'
        UNION ALL SELECT topic FROM quiz_rounds WHERE topic GLOB 'd[0-9]*-*'
        UNION ALL SELECT topic FROM study_tests WHERE topic GLOB 'd[0-9]*-*'
        UNION ALL SELECT j.value FROM study_tests AS t,
            json_each(CASE WHEN json_valid(t.missed) THEN t.missed END) AS j WHERE j.value GLOB 'd[0-9]*-*'
        UNION ALL SELECT j.value FROM daily_settings AS s,
            json_each(CASE WHEN json_valid(s.rotation_order) THEN s.rotation_order END) AS j
            WHERE j.value GLOB 'd[0-9]*-*'
    )
    WHERE substr(ref, 2, instr(ref, '-') - 2) NOT GLOB '*[^0-9]*'
)) WHERE name = 'server_decks';
