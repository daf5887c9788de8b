-- PostgreSQL twin of ../0006_deck_ids_never_reused.sql. SQLite reused the id of a deleted deck
-- (INTEGER PRIMARY KEY without AUTOINCREMENT) and needed a rebuild; here server_decks.id is an
-- identity column from 0005, whose sequence never hands out an id twice. Nothing to change.
SELECT 1;
