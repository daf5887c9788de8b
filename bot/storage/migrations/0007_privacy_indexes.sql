-- /privacy export, counts and forget find a member's rows by these columns: without an index each
-- lookup (and forget's UPDATE) scanned the whole table. The member's own tables are indexed by
-- user_id already.

CREATE INDEX IF NOT EXISTS quiz_rounds_started_by ON quiz_rounds (started_by);
CREATE INDEX IF NOT EXISTS quiz_schedules_created_by ON quiz_schedules (created_by);
CREATE INDEX IF NOT EXISTS server_decks_created_by ON server_decks (created_by);
