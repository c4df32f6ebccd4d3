-- Vigil schema, version 3: a recording resumed after a reload or a crash
-- starts a new WebM file (a new MediaRecorder), so a stream's chunks form
-- one or more segments, each opened by a chunk that carries the header.

ALTER TABLE video_chunks ADD COLUMN opens_segment {{.Bool}} NOT NULL DEFAULT {{.False}};
UPDATE video_chunks SET opens_segment = {{.True}} WHERE seq = 0;
