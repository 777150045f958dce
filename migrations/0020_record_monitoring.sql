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


alter table registry.mt_doc_patientrecord add column open_queries integer NULL;update registry.mt_doc_patientrecord set "open_queries" = CAST(data ->> 'openQueries' as integer);
alter table registry.mt_doc_patientrecord add column current_entries integer NULL;update registry.mt_doc_patientrecord set "current_entries" = CAST(data ->> 'currentEntries' as integer);
alter table registry.mt_doc_patientrecord add column verified_entries integer NULL;update registry.mt_doc_patientrecord set "verified_entries" = CAST(data ->> 'verifiedEntries' as integer);
CREATE INDEX mt_doc_patientrecord_idx_open_queries ON registry.mt_doc_patientrecord USING btree (open_queries);
CREATE INDEX mt_doc_patientrecord_idx_current_entries ON registry.mt_doc_patientrecord USING btree (current_entries);
CREATE INDEX mt_doc_patientrecord_idx_verified_entries ON registry.mt_doc_patientrecord USING btree (verified_entries);
