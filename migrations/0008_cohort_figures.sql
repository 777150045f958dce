-- The cohort figures' table projection: each patient's figure rows (PatientFacts.figures, computed by the
-- facts projection from DOMAIN.md's response rules) flattened into indexed columns, kept in the same
-- transaction as the facts document by triggers, so PostgreSQL aggregates a cohort without reading documents.
-- Written by hand (Marten's db-patch does not know triggers); the store's own schema check ignores it.

CREATE TABLE IF NOT EXISTS registry.cohort_figure_rows (
    patient_id      uuid              NOT NULL,
    disease_code    text              NOT NULL,
    site_id         text              NOT NULL,
    therapy_line    text              NOT NULL,
    measure         text              NOT NULL,
    target_day      integer           NOT NULL,
    value           double precision  NULL,
    responder       boolean           NULL,
    at_target       numeric           NULL
);

CREATE INDEX IF NOT EXISTS cohort_figure_rows_measure ON registry.cohort_figure_rows (measure, target_day, disease_code);
CREATE INDEX IF NOT EXISTS cohort_figure_rows_patient ON registry.cohort_figure_rows (patient_id);
CREATE INDEX IF NOT EXISTS cohort_figure_rows_site ON registry.cohort_figure_rows (site_id, measure, target_day);

CREATE OR REPLACE FUNCTION registry.cohort_figure_rows_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM registry.cohort_figure_rows WHERE patient_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO registry.cohort_figure_rows
            (patient_id, disease_code, site_id, therapy_line, measure, target_day, value, responder, at_target)
        SELECT NEW.id, NEW.data ->> 'diseaseCode', NEW.data ->> 'siteId', lower(NEW.data ->> 'therapyLine'),
               r.measure, r.day, r.value, r.responder, r."atTarget"
        FROM jsonb_to_recordset(coalesce(NEW.data -> 'figures', '[]'::jsonb))
            AS r(measure text, day integer, value double precision, responder boolean, "atTarget" numeric);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION registry.cohort_figure_rows_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE registry.cohort_figure_rows;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS cohort_figure_rows_sync ON registry.mt_doc_patientfacts;
CREATE TRIGGER cohort_figure_rows_sync AFTER INSERT OR UPDATE OR DELETE ON registry.mt_doc_patientfacts
    FOR EACH ROW EXECUTE FUNCTION registry.cohort_figure_rows_sync();

DROP TRIGGER IF EXISTS cohort_figure_rows_truncate ON registry.mt_doc_patientfacts;
CREATE TRIGGER cohort_figure_rows_truncate AFTER TRUNCATE ON registry.mt_doc_patientfacts
    FOR EACH STATEMENT EXECUTE FUNCTION registry.cohort_figure_rows_truncate();
