-- Vigil schema, version 19: a batch's frames in one object (docs/ARCHITECTURE.md).
--
-- A batch of uploads (POST /api/v1/sessions/{id}/uploads) stores its
-- frames one after another in one object, a pack, instead of one object
-- each: packed says the frame's blob_key names a pack, blob_offset where
-- its JPEG (size bytes) starts in it. Frames stored before, and frames
-- sent one to a request, are an object of their own (offset 0).
ALTER TABLE frames ADD COLUMN packed {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE frames ADD COLUMN blob_offset {{.Int}} NOT NULL DEFAULT 0;
