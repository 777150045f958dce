DROP TABLE IF EXISTS registry.mt_doc_useraccount CASCADE;
