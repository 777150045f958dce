DROP TABLE IF EXISTS registry.export_file_chunks;
