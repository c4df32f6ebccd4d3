// Package media embeds the test and demo media: real photos and webcam
// frames that nobody on this project made, each with its source and licence
// in SOURCES.md beside it. The demo plays them through the ingest API.
package media

import "embed"

// FS holds webcam320/, frames/ and audio/ with the same paths as the shared
// media folder, so scenarios written for one work with the other, and
// video/ (a WebM the load generator cuts into the capture client's chunks).
//
//go:embed webcam320 frames audio video
var FS embed.FS
