drop index if exists registry.mt_doc_patientrecord_idx_open_queries;
drop index if exists registry.mt_doc_patientrecord_idx_current_entries;
drop index if exists registry.mt_doc_patientrecord_idx_verified_entries;
alter table registry.mt_doc_patientrecord drop column open_queries;
alter table registry.mt_doc_patientrecord drop column current_entries;
alter table registry.mt_doc_patientrecord drop column verified_entries;
