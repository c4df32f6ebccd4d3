package eval

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Media is a media root made of several folders: a scenario's path is read
// from the first that has it. The repository's own synthetic media
// (testdata/media) sit beside the shared media this way, under the same
// audio/ paths.
type Media []fs.FS

// Open opens name in the first root that has it.
func (m Media) Open(name string) (fs.File, error) {
	err := error(&fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist})
	for _, root := range m {
		f, e := root.Open(name)
		if e == nil {
			return f, nil
		}
		if !errors.Is(e, fs.ErrNotExist) {
			return nil, e
		}
	}
	return nil, err
}

// MediaDirs opens a list of folders separated by the system's list
// separator (":" on Unix), as `vigil eval --media` takes it.
func MediaDirs(list string) (Media, error) {
	var m Media
	for _, dir := range filepath.SplitList(list) {
		if dir = strings.TrimSpace(dir); dir == "" {
			continue
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("media folder %s not found", dir)
		}
		m = append(m, os.DirFS(dir))
	}
	if len(m) == 0 {
		return nil, errors.New("no media folder given")
	}
	return m, nil
}
