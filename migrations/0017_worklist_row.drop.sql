-- Undoes 0017.
DROP TRIGGER IF EXISTS worklist_rows_sync ON registry.mt_doc_patientrecord;
DROP TRIGGER IF EXISTS worklist_rows_truncate ON registry.mt_doc_patientrecord;
DROP FUNCTION IF EXISTS registry.worklist_rows_sync();
DROP FUNCTION IF EXISTS registry.worklist_rows_truncate();
DROP TABLE IF EXISTS registry.worklist_rows;
