-- Vigil schema, version 19: a batch's media in one object (docs/ARCHITECTURE.md).
--
-- A batch of uploads (POST /api/v1/sessions/{id}/uploads) stores its new
-- frames, audio and video chunks one after another in one object, a pack,
-- instead of one object each: packed says the row's blob_key names a
-- pack, blob_offset where its bytes (size of them) start in it. What was
-- stored before, and what is sent one upload to a request, is an object
-- of its own (offset 0).
ALTER TABLE frames ADD COLUMN packed {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE frames ADD COLUMN blob_offset {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE audio_chunks ADD COLUMN packed {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE audio_chunks ADD COLUMN blob_offset {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE video_chunks ADD COLUMN packed {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE video_chunks ADD COLUMN blob_offset {{.Int}} NOT NULL DEFAULT 0;
