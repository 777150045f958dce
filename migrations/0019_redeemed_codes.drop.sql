DROP TABLE IF EXISTS registry.mt_doc_redeemedcode CASCADE;
