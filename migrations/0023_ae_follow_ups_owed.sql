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


alter table registry.mt_doc_patientrecord add column unresolved_news_on date NULL;update registry.mt_doc_patientrecord set "unresolved_news_on" = registry.mt_immutable_date(data ->> 'unresolvedNewsOn');
CREATE INDEX IF NOT EXISTS mt_doc_patientrecord_idx_unresolved_news_on ON registry.mt_doc_patientrecord USING btree (unresolved_news_on);
