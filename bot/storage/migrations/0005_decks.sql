-- Server decks: term lists a teacher imported (CSV, TSV, Quizlet or Anki text). A deck belongs to
-- one server and is visible only there. Which decks a server draws from: the built-in deck
-- (guild_settings.builtin_deck) plus every imported deck with in_use = 1.

ALTER TABLE guild_settings ADD COLUMN builtin_deck INTEGER NOT NULL DEFAULT 1;

CREATE TABLE server_decks (
    id          INTEGER PRIMARY KEY,               -- term ids are 'd<id>-<slug>', so never reused
    guild_id    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,                     -- casefolded name: one deck of a name per server
    term_count  INTEGER NOT NULL,
    in_use      INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,                  -- epoch seconds
    UNIQUE (guild_id, name_key)
);
-- Start-up reads the servers that draw on imported decks; most servers have none.
CREATE INDEX server_decks_in_use ON server_decks (guild_id) WHERE in_use = 1;

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
