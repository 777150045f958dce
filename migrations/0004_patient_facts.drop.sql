DROP TABLE IF EXISTS registry.mt_doc_patientfacts CASCADE;
