-- Undoes 0021: the function as 0017 made it.
CREATE OR REPLACE FUNCTION registry.worklist_rows_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM registry.worklist_rows WHERE id = OLD.id;
        RETURN NULL;
    END IF;
    INSERT INTO registry.worklist_rows (id, worklist)
    VALUES (NEW.id, NEW.data - ARRAY['entries', 'history', 'adverseEvents', 'followUps', 'voidedFollowUps', 'aeHistory'])
    ON CONFLICT (id) DO UPDATE SET worklist = excluded.worklist;
    RETURN NULL;
END
$$;
