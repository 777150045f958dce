-- Undoes 0014: pv actions no longer stamp their cohort.
DROP TRIGGER IF EXISTS sae_case_stamp ON registry.mt_doc_saecaserecord;
DROP FUNCTION IF EXISTS registry.sae_case_stamp();
