drop index if exists registry.mt_doc_patientrecord_idx_next_due_on;
drop index if exists registry.mt_doc_patientrecord_idx_subject_code;
drop index if exists registry.mt_doc_patientrecord_idx_has_serious_events;
alter table registry.mt_doc_patientrecord drop column next_due_on;
alter table registry.mt_doc_patientrecord drop column subject_code;
alter table registry.mt_doc_patientrecord drop column has_serious_events;
