-- Companions (docs/COMPANIONS.md): the translation of SQLite's 0007.
-- Event batches are numbered per source; tokens are scoped to a source;
-- pairing codes join a companion to a live session.

ALTER TABLE events DROP CONSTRAINT events_session_id_batch_fkey;
ALTER TABLE event_batches ADD COLUMN source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE event_batches DROP CONSTRAINT event_batches_pkey;
ALTER TABLE event_batches ADD PRIMARY KEY (session_id, source, batch);

-- batch_source is the source of the batch an event came in; source is
-- the event's own.
ALTER TABLE events ADD COLUMN batch_source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE events ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD FOREIGN KEY (session_id, batch_source, batch) REFERENCES event_batches (session_id, source, batch);

ALTER TABLE session_tokens ADD COLUMN source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE session_tokens ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX session_tokens_session ON session_tokens (session_id, source);

CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    source     TEXT NOT NULL CHECK (source IN ('agent', 'extension')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pairing_codes_session ON pairing_codes (session_id);
