drop index if exists registry.mt_doc_patientrecord_idx_signature_due;
drop index if exists registry.mt_doc_patientrecord_idx_voided;
alter table registry.mt_doc_patientrecord drop column signature_due;
alter table registry.mt_doc_patientrecord drop column voided;
