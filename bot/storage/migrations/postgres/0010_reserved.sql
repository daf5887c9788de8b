-- PLACEHOLDER, NOT FOR MAIN: PostgreSQL twin of ../0010_reserved.sql (see there): drop on merge.
SELECT 1;
