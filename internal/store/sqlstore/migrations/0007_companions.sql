-- Companions (docs/COMPANIONS.md): the desktop agent and the browser
-- extension upload their own event batches, numbered per source so they
-- never clash with the proctoring window's; tokens are scoped to a source;
-- pairing codes join a companion to a live session.
--
-- 0005 and 0006 are taken by other branches; the runner allows the gap.

-- Event batches are keyed by their source too. batch_source is the source
-- of the batch an event came in; source is the event's own (a browser
-- batch may carry events it names "agent", as the simulated clients do).
-- SQLite cannot change a table's primary key or foreign keys, so it builds
-- both tables anew; PostgreSQL alters them in place (its new columns come
-- last).
{{if .Postgres -}}
ALTER TABLE events DROP CONSTRAINT events_session_id_batch_fkey;
ALTER TABLE event_batches ADD COLUMN source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE event_batches DROP CONSTRAINT event_batches_pkey;
ALTER TABLE event_batches ADD PRIMARY KEY (session_id, source, batch);
ALTER TABLE events ADD COLUMN batch_source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE events ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD FOREIGN KEY (session_id, batch_source, batch) REFERENCES event_batches (session_id, source, batch);
{{else -}}
CREATE TABLE event_batches_new (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    source      TEXT NOT NULL DEFAULT 'browser',
    batch       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, source, batch)
) WITHOUT ROWID;
INSERT INTO event_batches_new (session_id, source, batch, sha256, received_at)
    SELECT session_id, 'browser', batch, sha256, received_at FROM event_batches;

CREATE TABLE events_new (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL,
    batch_source TEXT NOT NULL DEFAULT 'browser',
    batch        INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    combo        TEXT NOT NULL DEFAULT '',
    surface      TEXT NOT NULL DEFAULT '',
    count        INTEGER NOT NULL DEFAULT 0,
    name         TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    app_state    TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT 'browser',
    received_at  INTEGER NOT NULL,
    FOREIGN KEY (session_id, batch_source, batch) REFERENCES event_batches_new (session_id, source, batch)
);
INSERT INTO events_new (id, session_id, batch_source, batch, kind, at, combo, surface, count, name, app_state, url, source, received_at)
    SELECT id, session_id, 'browser', batch, kind, at, combo, surface, count, name, app_state, url, source, received_at FROM events;

DROP TABLE events;
DROP TABLE event_batches;
ALTER TABLE event_batches_new RENAME TO event_batches;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_session ON events (session_id, at);
{{end -}}

-- A token opens one session for one source: the proctoring window
-- ("browser"), the desktop agent or the browser extension.
ALTER TABLE session_tokens ADD COLUMN source TEXT NOT NULL DEFAULT 'browser';
ALTER TABLE session_tokens ADD COLUMN created_at {{.Int}} NOT NULL DEFAULT 0;
CREATE INDEX session_tokens_session ON session_tokens (session_id, source);

-- Short single-use codes the proctoring window shows; only their hash is kept.
CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,
    session_id {{.Int}} NOT NULL REFERENCES sessions (id),
    source     TEXT NOT NULL CHECK (source IN ('agent', 'extension')),
    created_at {{.Int}} NOT NULL,
    expires_at {{.Int}} NOT NULL,
    used_at    {{.Int}} NOT NULL DEFAULT 0
){{.WithoutRowID}};
CREATE INDEX pairing_codes_session ON pairing_codes (session_id);
