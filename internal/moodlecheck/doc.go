// Package moodlecheck walks Vigil's Moodle guide (docs/MOODLE.md) through a
// real Moodle in headless Chromium. Its test is built only with
// -tags moodlecheck and run by scripts/moodle-check, which installs and
// starts Moodle and Vigil: CI has no Moodle.
package moodlecheck
