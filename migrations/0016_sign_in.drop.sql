DROP TABLE IF EXISTS registry.mt_doc_browsersession CASCADE;
DROP TABLE IF EXISTS registry.mt_doc_issuerkey CASCADE;
DROP TABLE IF EXISTS registry.mt_doc_usercredential CASCADE;
