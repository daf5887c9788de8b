-- Per-server settings. Later migrations add columns and tables; never edit an applied file.
CREATE TABLE guild_settings (
    guild_id   INTEGER PRIMARY KEY,
    timezone   TEXT NOT NULL DEFAULT 'UTC',
    updated_at INTEGER NOT NULL
);
