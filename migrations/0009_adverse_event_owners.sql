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


CREATE TABLE IF NOT EXISTS registry.mt_doc_adverseeventowner (
    id                  uuid                        NOT NULL,
    data                jsonb                       NOT NULL,
    mt_last_modified    timestamp with time zone    NULL DEFAULT (transaction_timestamp()),
    mt_version          uuid                        NOT NULL DEFAULT (md5(random()::text || clock_timestamp()::text)::uuid),
    mt_dotnet_type      varchar                     NULL,
CONSTRAINT pkey_mt_doc_adverseeventowner_id PRIMARY KEY (id)
);

-- Upgrade: the owners of adverse events recorded before this projection existed (hand-written).
INSERT INTO registry.mt_doc_adverseeventowner (id, data, mt_dotnet_type)
SELECT (e.data ->> 'entryId')::uuid, jsonb_build_object('id', e.data ->> 'entryId', 'patientId', e.stream_id),
       'Registry.Patients.AdverseEventOwner'
FROM registry.mt_events e
WHERE e.type = 'adverse_event_recorded'
ON CONFLICT (id) DO NOTHING;
