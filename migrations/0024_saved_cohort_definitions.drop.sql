drop index if exists registry.mt_doc_exportrecord_idx_requested_by;
DROP TABLE IF EXISTS registry.mt_doc_savedcohort CASCADE;
