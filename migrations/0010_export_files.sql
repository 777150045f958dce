-- Export files in the database (hand-written): any node serves any download (ExportFileStore).
CREATE TABLE IF NOT EXISTS registry.export_file_chunks (
    export_id   uuid      NOT NULL,
    name        text      NOT NULL,
    chunk       integer   NOT NULL,
    data        bytea     NOT NULL,
    PRIMARY KEY (export_id, name, chunk)
);
