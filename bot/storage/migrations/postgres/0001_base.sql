-- PostgreSQL twin of ../0001_base.sql: the same tables, BIGINT for Discord ids and epoch times.
-- Per-server settings. Later migrations add columns and tables; never edit an applied file.
CREATE TABLE guild_settings (
    guild_id   BIGINT PRIMARY KEY,
    timezone   TEXT NOT NULL DEFAULT 'UTC',
    updated_at BIGINT NOT NULL
);
