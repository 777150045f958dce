-- Undoes 0013: the figure-row functions as 0008 made them, then the versions.
CREATE OR REPLACE FUNCTION registry.figure_rows_sync() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    r jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM registry.cohort_figure_rows WHERE patient_id = OLD.id;
        DELETE FROM registry.exposure_rows WHERE patient_id = OLD.id;
        DELETE FROM registry.teae_rows WHERE patient_id = OLD.id;
        DELETE FROM registry.sae_rows WHERE patient_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        r := (NEW.data ->> 'figureRows')::jsonb;
    END IF;
    IF r IS NOT NULL THEN
        INSERT INTO registry.cohort_figure_rows
            (patient_id, disease_code, site_id, therapy_line, measure, target_day, value, responder, at_target, change, last_sequence)
        SELECT NEW.id, r ->> 'diseaseCode', r ->> 'siteId', r ->> 'therapyLine',
               f.measure, f.day, f.value, f.responder, f."atTarget", f.change, (r ->> 'lastSequence')::bigint
        FROM jsonb_to_recordset(r -> 'figures')
            AS f(measure text, day integer, value double precision, responder boolean, "atTarget" numeric, change numeric);

        IF jsonb_typeof(r -> 'exposure') = 'object' THEN
            INSERT INTO registry.exposure_rows (patient_id, disease_code, site_id, from_on, until_on, died, discontinued)
            SELECT NEW.id, r ->> 'diseaseCode', r ->> 'siteId', x."from", x.until, x.died, x."discontinuedForAe"
            FROM jsonb_to_record(r -> 'exposure') AS x("from" date, until date, died boolean, "discontinuedForAe" boolean);

            INSERT INTO registry.teae_rows (patient_id, adverse_event_id, disease_code, site_id, until_on, onset_on, soc_key,
                pt_code, term_key, term, worst_grade, serious, onset_day)
            SELECT NEW.id, t."adverseEventId", r ->> 'diseaseCode', r ->> 'siteId', (r -> 'exposure' ->> 'until')::date,
                   t."onsetOn", t."socKey", t."ptCode", t."termKey", t.term, t."worstGrade", t.serious, t."onsetDay"
            FROM jsonb_to_recordset(r -> 'teaes')
                AS t("adverseEventId" uuid, "onsetOn" date, "socKey" text, "ptCode" text, "termKey" text, term text,
                     "worstGrade" integer, serious boolean, "onsetDay" integer);
        END IF;

        INSERT INTO registry.sae_rows (adverse_event_id, patient_id, disease_code, site_id, data)
        SELECT (s ->> 'adverseEventId')::uuid, NEW.id, r ->> 'diseaseCode', r ->> 'siteId', s
        FROM jsonb_array_elements(r -> 'saes') AS s;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION registry.figure_rows_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE registry.cohort_figure_rows, registry.exposure_rows, registry.teae_rows, registry.sae_rows;
    RETURN NULL;
END
$$;

CREATE INDEX IF NOT EXISTS cohort_figure_rows_measure ON registry.cohort_figure_rows (measure, target_day, disease_code)
    INCLUDE (site_id, therapy_line, value, responder, change, last_sequence);
CREATE INDEX IF NOT EXISTS cohort_figure_rows_site ON registry.cohort_figure_rows (site_id, measure, target_day);
DROP INDEX IF EXISTS registry.cohort_figure_rows_disease;
DROP TABLE IF EXISTS registry.cohort_versions;
DROP FUNCTION IF EXISTS registry.cohort_version_next(text);
DROP SEQUENCE IF EXISTS registry.cohort_version_seq;
