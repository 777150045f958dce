-- The worklist's part of each record (0017) leaves out the verification marks too (a mark per verified entry grows
-- with the record; the coverage reads the record's columns). Queries stay: the query lists read them from here.
CREATE OR REPLACE FUNCTION registry.worklist_rows_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM registry.worklist_rows WHERE id = OLD.id;
        RETURN NULL;
    END IF;
    INSERT INTO registry.worklist_rows (id, worklist)
    VALUES (NEW.id, NEW.data - ARRAY['entries', 'history', 'adverseEvents', 'followUps', 'voidedFollowUps', 'aeHistory', 'verified'])
    ON CONFLICT (id) DO UPDATE SET worklist = excluded.worklist;
    RETURN NULL;
END
$$;

UPDATE registry.worklist_rows SET worklist = worklist - 'verified' WHERE worklist ? 'verified';
