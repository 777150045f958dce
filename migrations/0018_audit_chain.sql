-- The audit made tamper-evident (Access/AuditChain.cs). Each new audit entry is queued by a trigger in
-- audit_pending, in the same transaction as the entry; a node's sealer then gives it the next position in
-- audit_chain with hash = SHA-256(previous hash || the entry's canonical form). Requests never wait for the chain.
CREATE TABLE IF NOT EXISTS registry.audit_pending (
    id          uuid    PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS registry.audit_chain (
    position    bigint                      PRIMARY KEY,
    id          uuid                        NOT NULL UNIQUE,
    hash        bytea                       NOT NULL,
    sealed_at   timestamp with time zone    NOT NULL
);

CREATE OR REPLACE FUNCTION registry.audit_pending_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO registry.audit_pending (id) VALUES (NEW.id) ON CONFLICT (id) DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS audit_pending_add ON registry.mt_doc_auditrecord;
CREATE TRIGGER audit_pending_add AFTER INSERT ON registry.mt_doc_auditrecord
    FOR EACH ROW EXECUTE FUNCTION registry.audit_pending_add();

-- Append-only: the registry never changes or deletes an audit entry or a link of the chain. (Whoever owns the
-- tables can drop these triggers; the chain then shows what they changed.)
CREATE OR REPLACE FUNCTION registry.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END
$$;

DROP TRIGGER IF EXISTS audit_append_only ON registry.mt_doc_auditrecord;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON registry.mt_doc_auditrecord
    FOR EACH ROW EXECUTE FUNCTION registry.audit_append_only();

DROP TRIGGER IF EXISTS audit_append_only ON registry.audit_chain;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON registry.audit_chain
    FOR EACH ROW EXECUTE FUNCTION registry.audit_append_only();

-- Nor emptied at once (a store's "clear all data" truncates tables).
DROP TRIGGER IF EXISTS audit_no_truncate ON registry.mt_doc_auditrecord;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON registry.mt_doc_auditrecord
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_append_only();

DROP TRIGGER IF EXISTS audit_no_truncate ON registry.audit_chain;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON registry.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_append_only();

-- The entries recorded before this patch are sealed first, in the order they were recorded.
INSERT INTO registry.audit_pending (id)
SELECT id FROM registry.mt_doc_auditrecord
ON CONFLICT (id) DO NOTHING;
