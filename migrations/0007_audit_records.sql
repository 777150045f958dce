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


CREATE TABLE IF NOT EXISTS registry.mt_doc_auditrecord (
    id                  uuid                        NOT NULL,
    data                jsonb                       NOT NULL,
    mt_last_modified    timestamp with time zone    NULL DEFAULT (transaction_timestamp()),
    mt_version          uuid                        NOT NULL DEFAULT (md5(random()::text || clock_timestamp()::text)::uuid),
    mt_dotnet_type      varchar                     NULL,
    at                  timestamp with time zone    NULL,
    patient_id          uuid                        NULL,
    user_id             varchar                     NULL,
CONSTRAINT pkey_mt_doc_auditrecord_id PRIMARY KEY (id)
);

CREATE INDEX mt_doc_auditrecord_idx_at ON registry.mt_doc_auditrecord USING btree (at);

CREATE INDEX mt_doc_auditrecord_idx_patient_id ON registry.mt_doc_auditrecord USING btree (patient_id);

CREATE INDEX mt_doc_auditrecord_idx_user_id ON registry.mt_doc_auditrecord USING btree (user_id);

-- Earlier versions kept each access as a data_accessed event on an audit stream per UTC day;
-- copy those into the table, keeping each event's id, so the audit lists every access once.
INSERT INTO registry.mt_doc_auditrecord (id, data, mt_dotnet_type, at, patient_id, user_id)
SELECT e.id,
       -- the instant as the column keeps it (microseconds), so the document and the column agree
       jsonb_build_object('id', e.id) || jsonb_set(e.data - 'id', '{at}', to_jsonb((e.data ->> 'at')::timestamptz)),
       'Registry.Access.AuditRecord',
       (e.data ->> 'at')::timestamptz,
       (e.data ->> 'patientId')::uuid,
       e.data ->> 'userId'
FROM registry.mt_events e
WHERE e.type = 'data_accessed'
ON CONFLICT (id) DO NOTHING;
