-- A pv action (acknowledgement, submission) on an SAE case stamps its patient's cohort slice in
-- registry.cohort_versions, as a change of the patient's facts does: the SAE clocks kept per disease are then
-- read again for that disease only, and the live feed, which watches the stamps, sees the action at once.
-- The slice is the one the patient's facts name; a patient without facts yet has no SAE row either, and the facts'
-- own write will stamp the slice when it comes.
CREATE OR REPLACE FUNCTION registry.sae_case_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    SELECT (f.data ->> 'figureRows')::jsonb INTO r
    FROM registry.mt_doc_patientfacts f
    WHERE f.id = (NEW.data ->> 'patientId')::uuid;
    IF r IS NOT NULL THEN
        INSERT INTO registry.cohort_versions (disease_code, site_id, therapy_line, version)
        VALUES (r ->> 'diseaseCode', r ->> 'siteId', r ->> 'therapyLine', registry.cohort_version_next(r ->> 'diseaseCode'))
        ON CONFLICT (disease_code, site_id, therapy_line)
            DO UPDATE SET version = greatest(registry.cohort_versions.version, excluded.version);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS sae_case_stamp ON registry.mt_doc_saecaserecord;
CREATE TRIGGER sae_case_stamp AFTER INSERT OR UPDATE ON registry.mt_doc_saecaserecord
    FOR EACH ROW EXECUTE FUNCTION registry.sae_case_stamp();
