-- The worklist's part of each patient record, kept by a trigger in a table of its own: the record without its
-- timeline (entries, versions, adverse events and their histories). A worklist page and the site's SAE list read
-- this small value instead of the whole document, which is large and stored compressed out of line (reading any
-- key of it means decompressing all of it: the 93 serious records of a large site cost 17 ms at 1M events).
CREATE TABLE IF NOT EXISTS registry.worklist_rows (
    id          uuid    PRIMARY KEY,
    worklist    jsonb   NOT NULL
);

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

CREATE OR REPLACE FUNCTION registry.worklist_rows_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE registry.worklist_rows;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS worklist_rows_sync ON registry.mt_doc_patientrecord;
CREATE TRIGGER worklist_rows_sync AFTER INSERT OR UPDATE OR DELETE ON registry.mt_doc_patientrecord
    FOR EACH ROW EXECUTE FUNCTION registry.worklist_rows_sync();
DROP TRIGGER IF EXISTS worklist_rows_truncate ON registry.mt_doc_patientrecord;
CREATE TRIGGER worklist_rows_truncate AFTER TRUNCATE ON registry.mt_doc_patientrecord
    FOR EACH STATEMENT EXECUTE FUNCTION registry.worklist_rows_truncate();

INSERT INTO registry.worklist_rows (id, worklist)
SELECT id, data - ARRAY['entries', 'history', 'adverseEvents', 'followUps', 'voidedFollowUps', 'aeHistory']
FROM registry.mt_doc_patientrecord
ON CONFLICT (id) DO NOTHING;
