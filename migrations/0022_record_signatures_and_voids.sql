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


alter table registry.mt_doc_patientrecord add column signature_due boolean NULL;update registry.mt_doc_patientrecord set "signature_due" = CAST(data ->> 'signatureDue' as boolean);
alter table registry.mt_doc_patientrecord add column voided boolean NULL;update registry.mt_doc_patientrecord set "voided" = CAST(data ->> 'voided' as boolean);
CREATE INDEX IF NOT EXISTS mt_doc_patientrecord_idx_signature_due ON registry.mt_doc_patientrecord USING btree (signature_due);
CREATE INDEX IF NOT EXISTS mt_doc_patientrecord_idx_voided ON registry.mt_doc_patientrecord USING btree (voided);
