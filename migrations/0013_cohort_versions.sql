-- Each slice of a cohort (disease, site, therapy line) gets a new version whenever one of its patients' facts
-- changes: the figure-row trigger stamps it from a sequence in the same transaction. A request's cohort
-- version is the highest stamp among the slices it may see, so whether the figures kept for a cohort (per
-- node, in memory) are current is answered from this small table, without scanning the figure rows.
-- Stamps only grow (a truncation stamps every slice again), so a version never comes back.

CREATE SEQUENCE IF NOT EXISTS registry.cohort_version_seq;

CREATE TABLE IF NOT EXISTS registry.cohort_versions (
    disease_code    text    NOT NULL,
    site_id         text    NOT NULL,
    therapy_line    text    NOT NULL,
    version         bigint  NOT NULL,
    PRIMARY KEY (disease_code, site_id, therapy_line)
);

INSERT INTO registry.cohort_versions (disease_code, site_id, therapy_line, version)
SELECT s.disease_code, s.site_id, s.therapy_line, nextval('registry.cohort_version_seq')
FROM (SELECT DISTINCT disease_code, site_id, therapy_line FROM registry.cohort_figure_rows) s
ON CONFLICT DO NOTHING;

-- A cohort's rows together (a cohort is aggregated alone once its version moves): an index-only scan of its rows.
-- It serves the site and therapy-line filters too (included columns), so 0008's measure-first and site indexes
-- go: every index is written by the trigger on each facts change.
CREATE INDEX IF NOT EXISTS cohort_figure_rows_disease ON registry.cohort_figure_rows (disease_code, measure, target_day)
    INCLUDE (site_id, therapy_line, value, responder, change, at_target);
DROP INDEX IF EXISTS registry.cohort_figure_rows_measure;
DROP INDEX IF EXISTS registry.cohort_figure_rows_site;

-- A new stamp for a disease, taken under a lock on that disease held to the end of the transaction: stamps of one
-- disease then follow the order in which their transactions commit, so a reader who saw a version has seen every
-- change stamped below it (one daemon writes the facts today; a rebuild or a second writer could not break this).
CREATE OR REPLACE FUNCTION registry.cohort_version_next(disease text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(20261216, hashtext(disease));
    RETURN nextval('registry.cohort_version_seq');
END
$$;

-- The figure-row trigger of 0008, stamping the slices it touches. Its statements keep their plans for the session
-- (planning each of them on every call cost as much as running them) and never scan a table whole: a plan made
-- while the tables were nearly empty would otherwise keep a sequential scan as they grow.
CREATE OR REPLACE FUNCTION registry.figure_rows_sync() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
    r jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- The slice the patient leaves (the same one, unless its site or therapy line changed) gets a new version.
        WITH gone AS (DELETE FROM registry.cohort_figure_rows WHERE patient_id = OLD.id
                      RETURNING disease_code, site_id, therapy_line)
        INSERT INTO registry.cohort_versions (disease_code, site_id, therapy_line, version)
        SELECT g.disease_code, g.site_id, g.therapy_line, registry.cohort_version_next(g.disease_code)
        FROM (SELECT DISTINCT disease_code, site_id, therapy_line FROM gone) g
        ON CONFLICT (disease_code, site_id, therapy_line)
            DO UPDATE SET version = greatest(registry.cohort_versions.version, excluded.version);
        DELETE FROM registry.exposure_rows WHERE patient_id = OLD.id;
        DELETE FROM registry.teae_rows WHERE patient_id = OLD.id;
        DELETE FROM registry.sae_rows WHERE patient_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        r := (NEW.data ->> 'figureRows')::jsonb;
    END IF;
    IF r IS NOT NULL THEN
        INSERT INTO registry.cohort_versions (disease_code, site_id, therapy_line, version)
        VALUES (r ->> 'diseaseCode', r ->> 'siteId', r ->> 'therapyLine', registry.cohort_version_next(r ->> 'diseaseCode'))
        ON CONFLICT (disease_code, site_id, therapy_line)
            DO UPDATE SET version = greatest(registry.cohort_versions.version, excluded.version);

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
    UPDATE registry.cohort_versions SET version = nextval('registry.cohort_version_seq');
    RETURN NULL;
END
$$;

ALTER FUNCTION registry.figure_rows_sync() RESET plan_cache_mode;
