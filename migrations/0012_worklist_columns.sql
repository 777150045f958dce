DO $$
BEGIN      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'registry') THEN
        BEGIN
          EXECUTE 'CREATE SCHEMA IF NOT EXISTS registry';
        EXCEPTION
          WHEN duplicate_schema THEN NULL;
          WHEN unique_violation THEN NULL;
        END;
      END IF;

END
$$;


alter table registry.mt_doc_patientrecord add column next_due_on date NULL;update registry.mt_doc_patientrecord set "next_due_on" = registry.mt_immutable_date(data ->> 'nextDueOn');
alter table registry.mt_doc_patientrecord add column subject_code varchar NULL;update registry.mt_doc_patientrecord set "subject_code" = data ->> 'subjectCode';
alter table registry.mt_doc_patientrecord add column has_serious_events boolean NULL;update registry.mt_doc_patientrecord set "has_serious_events" = CAST(data ->> 'hasSeriousEvents' as boolean);
-- Records written before this version lack hasSeriousEvents: any with an adverse event is marked, so the worklist
-- reads it for its SAE list (which keeps only the serious ones) until PatientRecord is rebuilt.
update registry.mt_doc_patientrecord set has_serious_events = true
where not (data ? 'hasSeriousEvents') and jsonb_typeof(data -> 'adverseEvents') = 'object' and data -> 'adverseEvents' <> '{}'::jsonb;
CREATE INDEX mt_doc_patientrecord_idx_next_due_on ON registry.mt_doc_patientrecord USING btree (next_due_on);
CREATE INDEX mt_doc_patientrecord_idx_subject_code ON registry.mt_doc_patientrecord USING btree (subject_code);
CREATE INDEX mt_doc_patientrecord_idx_has_serious_events ON registry.mt_doc_patientrecord USING btree (has_serious_events);
