-- ROLLBACK OF THE INITIAL SCHEMA: this drops every table of the registry, events included.
-- Never applied by the registry's migrator; run by hand only on a database whose data may be lost.
DO LANGUAGE plpgsql $tran$
BEGIN

DROP TABLE IF EXISTS registry.wolverine_outgoing_envelopes CASCADE;
DROP TABLE IF EXISTS registry.wolverine_incoming_envelopes CASCADE;
DROP TABLE IF EXISTS registry.wolverine_dead_letters CASCADE;
DROP TABLE IF EXISTS registry.wolverine_dead_letter_history CASCADE;
DROP TABLE IF EXISTS registry.wolverine_nodes CASCADE;
DROP TABLE IF EXISTS registry.wolverine_node_assignments CASCADE;
DROP TABLE IF EXISTS registry.wolverine_control_queue CASCADE;
DROP TABLE IF EXISTS registry.wolverine_node_records CASCADE;
DROP TABLE IF EXISTS registry.wolverine_agent_restrictions CASCADE;

END;
$tran$;
