package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrShortObject: a part reaches past the end of its object.
var ErrShortObject = errors.New("blob: object is shorter than the part read")

// OpenPart reads size bytes of the object at key from offset as an object
// of their own, which can seek (for HTTP range requests): one frame of a
// pack, the object a batch of frames is stored in. Info describes the
// part (its size, the object's key and time).
func OpenPart(ctx context.Context, b Bucket, key string, offset, size int64) (Object, error) {
	o, err := b.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	info := o.Info()
	if offset < 0 || size < 0 || offset+size > info.Size {
		o.Close()
		return nil, fmt.Errorf("%w: %s holds %d bytes, not %d from %d", ErrShortObject, key, info.Size, size, offset)
	}
	if _, err := o.Seek(offset, io.SeekStart); err != nil {
		o.Close()
		return nil, err
	}
	info.Size = size
	return &part{o: o, offset: offset, info: info}, nil
}

// part is a stretch of an open object; pos is relative to its start.
type part struct {
	o      Object
	offset int64
	pos    int64
	info   Info
}

func (p *part) Info() Info { return p.info }

func (p *part) Read(buf []byte) (int, error) {
	left := p.info.Size - p.pos
	if left <= 0 {
		return 0, io.EOF
	}
	if int64(len(buf)) > left {
		buf = buf[:left]
	}
	n, err := p.o.Read(buf)
	p.pos += int64(n)
	if err == io.EOF && p.pos < p.info.Size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (p *part) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += p.pos
	case io.SeekEnd:
		offset += p.info.Size
	}
	if offset < 0 {
		return 0, errors.New("blob: seek before the start")
	}
	if _, err := p.o.Seek(p.offset+offset, io.SeekStart); err != nil {
		return 0, err
	}
	p.pos = offset
	return offset, nil
}

func (p *part) Close() error { return p.o.Close() }
