DROP TABLE IF EXISTS registry.mt_doc_idempotencyrecord CASCADE;
DROP TABLE IF EXISTS registry.mt_doc_patientstate CASCADE;
