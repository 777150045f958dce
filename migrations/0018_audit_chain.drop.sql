-- Undoes 0018.
DROP TRIGGER IF EXISTS audit_pending_add ON registry.mt_doc_auditrecord;
DROP TRIGGER IF EXISTS audit_append_only ON registry.mt_doc_auditrecord;
DROP TRIGGER IF EXISTS audit_append_only ON registry.audit_chain;
DROP TRIGGER IF EXISTS audit_no_truncate ON registry.mt_doc_auditrecord;
DROP TRIGGER IF EXISTS audit_no_truncate ON registry.audit_chain;
DROP FUNCTION IF EXISTS registry.audit_pending_add();
DROP FUNCTION IF EXISTS registry.audit_append_only();
DROP TABLE IF EXISTS registry.audit_chain;
DROP TABLE IF EXISTS registry.audit_pending;
