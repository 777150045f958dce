DROP TRIGGER IF EXISTS figure_rows_truncate ON registry.mt_doc_patientfacts;
DROP TRIGGER IF EXISTS figure_rows_sync ON registry.mt_doc_patientfacts;
DROP FUNCTION IF EXISTS registry.figure_rows_truncate();
DROP FUNCTION IF EXISTS registry.figure_rows_sync();
DROP TABLE IF EXISTS registry.sae_rows;
DROP TABLE IF EXISTS registry.teae_rows;
DROP TABLE IF EXISTS registry.exposure_rows;
DROP TABLE IF EXISTS registry.cohort_figure_rows;
