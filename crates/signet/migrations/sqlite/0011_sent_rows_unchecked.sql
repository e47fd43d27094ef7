-- PostgreSQL drops the foreign keys of the rows a sent document writes (see its 0011). SQLite
-- keeps them: a check is an in-process index probe here, and with every test run on both
-- databases they catch a write that would break one.
SELECT 1;
