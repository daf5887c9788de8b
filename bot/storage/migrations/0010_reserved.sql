-- PLACEHOLDER, NOT FOR MAIN: migration 0010 belongs to the classroom work (another branch).
-- It exists on the `sched2` branch only so that 0011 follows without a gap there; when merging,
-- drop this file and its PostgreSQL twin and keep the real 0010.
SELECT 1;
