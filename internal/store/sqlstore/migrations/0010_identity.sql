-- Vigil schema, version 10: identity checks (docs/IDENTITY.md). A face or
-- ID photo that passed its check is compared, in the background, with the
-- student's onboarding face photo: identity is '' (not compared), pending,
-- same, different, no_face, no_reference or unreadable; similarity is the
-- score; reference_id the onboarding photo compared with (no foreign key:
-- onboarding photos expire under their own retention period). Sampled
-- webcam frames carry the same result in their signal.
ALTER TABLE photos ADD COLUMN identity TEXT NOT NULL DEFAULT ''
    CHECK (identity IN ('', 'pending', 'same', 'different', 'no_face', 'no_reference', 'unreadable'));
ALTER TABLE photos ADD COLUMN similarity {{.Real}} NOT NULL DEFAULT 0;
ALTER TABLE photos ADD COLUMN reference_id {{.Int}} NOT NULL DEFAULT 0;
CREATE INDEX photos_identity_pending ON photos (session_id) WHERE identity = 'pending';

ALTER TABLE frame_signals ADD COLUMN identity TEXT NOT NULL DEFAULT '';
ALTER TABLE frame_signals ADD COLUMN similarity {{.Real}} NOT NULL DEFAULT 0;

-- Different Person is a new violation type. Exams whose policy fails a
-- session at once for some types now fail it for a different person too,
-- as new exams do; an exam whose instructor cleared that list keeps it clear.
{{if .Postgres -}}
UPDATE exams SET settings = jsonb_set(settings::jsonb, '{policy,fail_at_once}',
        (settings::jsonb #> '{policy,fail_at_once}') || '["different_person"]'::jsonb)::text
WHERE jsonb_typeof(settings::jsonb #> '{policy,fail_at_once}') = 'array'
  AND settings::jsonb #> '{policy,fail_at_once}' <> '[]'::jsonb
  AND NOT (settings::jsonb #> '{policy,fail_at_once}') ? 'different_person';
{{else -}}
UPDATE exams SET settings = json_insert(settings, '$.policy.fail_at_once[#]', 'different_person')
WHERE json_type(settings, '$.policy.fail_at_once') = 'array'
  AND json_array_length(settings, '$.policy.fail_at_once') > 0
  AND NOT EXISTS (SELECT 1 FROM json_each(settings, '$.policy.fail_at_once') WHERE value = 'different_person');
{{end -}}
