package blob

import (
	"context"
	"errors"
	"io"
)

// Concat reads stored objects, or parts of them, one after another as one
// stream that can seek (for HTTP range requests), opening one at a time: a
// recording kept as many chunks streams without being assembled in
// memory or on disk.
type Concat struct {
	ctx   context.Context
	b     Bucket
	parts []Part
	size  int64
	pos   int64
	cur   Object
}

// Part names Size bytes from Offset of the object at Key: a whole object
// (Offset 0, Size its size), or an upload kept in a pack (OpenPart).
type Part struct {
	Key          string
	Offset, Size int64
}

// NewConcat reads parts of b in order.
func NewConcat(ctx context.Context, b Bucket, parts []Part) *Concat {
	c := &Concat{ctx: ctx, b: b, parts: parts}
	for _, p := range parts {
		c.size += p.Size
	}
	return c
}

// Size is the length of the whole stream.
func (c *Concat) Size() int64 { return c.size }

// Seek moves to offset; the next Read opens the part holding it.
func (c *Concat) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.pos
	case io.SeekEnd:
		offset += c.size
	}
	if offset < 0 {
		return 0, errors.New("blob: seek before the start")
	}
	c.Close()
	c.pos = offset
	return offset, nil
}

func (c *Concat) Read(p []byte) (int, error) {
	if c.pos >= c.size {
		c.Close()
		return 0, io.EOF
	}
	if c.cur == nil {
		if err := c.open(); err != nil {
			return 0, err
		}
	}
	n, err := c.cur.Read(p)
	c.pos += int64(n)
	if err == io.EOF {
		c.Close()
		err = nil
	}
	return n, err
}

// open opens the part holding c.pos, positioned at it.
func (c *Concat) open() error {
	start := int64(0)
	for _, p := range c.parts {
		if c.pos < start+p.Size {
			o, err := OpenPart(c.ctx, c.b, p.Key, p.Offset, p.Size)
			if err != nil {
				return err
			}
			if _, err := o.Seek(c.pos-start, io.SeekStart); err != nil {
				o.Close()
				return err
			}
			c.cur = o
			return nil
		}
		start += p.Size
	}
	return io.EOF
}

// Close releases the part open, if any.
func (c *Concat) Close() error {
	if c.cur == nil {
		return nil
	}
	err := c.cur.Close()
	c.cur = nil
	return err
}
