// Package s3blob keeps media in an S3-compatible object store (AWS S3,
// MinIO, Ceph, versitygw, …) through minio-go. It passes the same suite
// (blobtest) as the local-disk store; objects appear whole or not at all,
// which S3 gives by itself (a single PUT, or a multipart upload that is
// aborted when its reader fails).
package s3blob

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"vigil/internal/blob"
)

// Config says where the bucket is and how to reach it.
type Config struct {
	Endpoint  string // host:port
	Bucket    string
	Prefix    string // keys are stored under this prefix ("" for none)
	Region    string
	Secure    bool // https to the endpoint
	AccessKey string
	SecretKey string
	// PublicEndpoint, when set, is the scheme://host[:port] browsers use to
	// reach the store (signed URLs are made for it).
	PublicEndpoint string
}

// ParseURL reads a blob URL s3://host:port/bucket[/prefix]?region=…&tls=false
// (credentials come from elsewhere: never put secrets in a URL that is
// logged and shown in process lists).
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Config{}, fmt.Errorf("blob-url %q must look like s3://host:port/bucket[/prefix]", raw)
	}
	if u.User != nil {
		return Config{}, errors.New("blob-url: put the S3 keys in VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY, not in the URL")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return Config{}, fmt.Errorf("blob-url %q names no bucket (s3://host:port/bucket)", raw)
	}
	c := Config{Endpoint: u.Host, Bucket: bucket, Region: u.Query().Get("region"), Secure: true,
		PublicEndpoint: u.Query().Get("public")}
	if prefix != "" {
		c.Prefix = prefix + "/"
	}
	if v := u.Query().Get("tls"); v != "" {
		if c.Secure, err = strconv.ParseBool(v); err != nil {
			return Config{}, fmt.Errorf("blob-url: tls=%q must be true or false", v)
		}
	}
	if c.PublicEndpoint != "" {
		if p, err := url.Parse(c.PublicEndpoint); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return Config{}, fmt.Errorf("blob-url: public=%q must be an http(s):// address browsers can reach", c.PublicEndpoint)
		}
	}
	return c, nil
}

// Bucket is an S3 bucket (or a prefix of one).
type Bucket struct {
	client    *minio.Client
	transport *http.Transport
	signer    *minio.Client // for signed URLs on the public endpoint
	cfg       Config
}

var _ blob.Bucket = (*Bucket)(nil)

// partSize is the size of each part of an upload of unknown length; it is
// also what one upload holds in memory at a time.
const partSize = 8 << 20

// Open connects to the store and checks that the bucket exists.
func Open(ctx context.Context, cfg Config) (*Bucket, error) {
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	transport := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
		ResponseHeaderTimeout: time.Minute}
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.Secure, Region: cfg.Region, Transport: transport})
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	b := &Bucket{client: client, transport: transport, signer: client, cfg: cfg}
	if cfg.PublicEndpoint != "" {
		pub, _ := url.Parse(cfg.PublicEndpoint)
		region := cmp.Or(cfg.Region, "us-east-1") // a region given avoids a lookup on the public address
		if b.signer, err = minio.New(pub.Host, &minio.Options{Creds: creds, Secure: pub.Scheme == "https", Region: region}); err != nil {
			return nil, fmt.Errorf("s3blob: public endpoint: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	switch {
	case err != nil:
		return nil, fmt.Errorf("s3blob: reach bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	case !ok:
		return nil, fmt.Errorf("s3blob: bucket %q does not exist at %s: create it first", cfg.Bucket, cfg.Endpoint)
	}
	return b, nil
}

func (b *Bucket) name(key string) (string, error) {
	if err := blob.CheckKey(key); err != nil {
		return "", err
	}
	return b.cfg.Prefix + key, nil
}

// notFound maps S3's "no such key" to blob.ErrNotFound.
func notFound(op, key string, err error) error {
	if err == nil {
		return nil
	}
	code := minio.ToErrorResponse(err).Code
	if code == "NoSuchKey" || code == "NotFound" || minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
		return fmt.Errorf("s3blob: %s %s: %w", op, key, blob.ErrNotFound)
	}
	return fmt.Errorf("s3blob: %s %s: %w", op, key, err)
}

// Put uploads r. Its length is unknown, so minio-go uploads in parts of
// partSize when it is large; an error aborts the upload and leaves no
// object (and an object already there untouched).
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	name, err := b.name(key)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// A known length (uploads arrive whole in memory) is one plain PUT;
	// an unknown one is uploaded in parts, partSize held in memory.
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	info, err := b.client.PutObject(ctx, b.cfg.Bucket, name, r, size, minio.PutObjectOptions{PartSize: partSize,
		ContentType: "application/octet-stream", DisableContentSha256: b.cfg.Secure})
	if err != nil {
		// A store that says it is full (HTTP 507, MinIO's code for it).
		if r := minio.ToErrorResponse(err); r.StatusCode == http.StatusInsufficientStorage || r.Code == "XMinioStorageFull" {
			err = fmt.Errorf("%w: %w", blob.ErrStorageFull, err)
		}
		return 0, fmt.Errorf("s3blob: put %s: %w", key, err)
	}
	return info.Size, nil
}

// Open opens an object for reading with seeks (ranged GETs).
func (b *Bucket) Open(ctx context.Context, key string) (blob.Object, error) {
	name, err := b.name(key)
	if err != nil {
		return nil, err
	}
	obj, err := b.client.GetObject(ctx, b.cfg.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound("open", key, err)
	}
	st, err := obj.Stat() // GetObject is lazy: this is where a missing key shows
	if err != nil {
		obj.Close()
		return nil, notFound("open", key, err)
	}
	return &object{Object: obj, info: blob.Info{Key: key, Size: st.Size, ModTime: st.LastModified}}, nil
}

type object struct {
	*minio.Object
	info blob.Info
}

func (o *object) Info() blob.Info { return o.info }

// Stat describes an object.
func (b *Bucket) Stat(ctx context.Context, key string) (blob.Info, error) {
	name, err := b.name(key)
	if err != nil {
		return blob.Info{}, err
	}
	st, err := b.client.StatObject(ctx, b.cfg.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return blob.Info{}, notFound("stat", key, err)
	}
	return blob.Info{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete removes an object; a missing one is not an error (S3 agrees).
func (b *Bucket) Delete(ctx context.Context, key string) error {
	name, err := b.name(key)
	if err != nil {
		return err
	}
	err = b.client.RemoveObject(ctx, b.cfg.Bucket, name, minio.RemoveObjectOptions{})
	if errors.Is(notFound("delete", key, err), blob.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("s3blob: delete %s: %w", key, err)
	}
	return nil
}

// List yields the objects under prefix.
func (b *Bucket) List(ctx context.Context, prefix string) iter.Seq2[blob.Info, error] {
	return func(yield func(blob.Info, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops the listing when the caller stops early
		for o := range b.client.ListObjects(ctx, b.cfg.Bucket, minio.ListObjectsOptions{Prefix: b.cfg.Prefix + prefix, Recursive: true}) {
			if o.Err != nil {
				yield(blob.Info{}, fmt.Errorf("s3blob: list %s: %w", prefix, o.Err))
				return
			}
			if !yield(blob.Info{Key: strings.TrimPrefix(o.Key, b.cfg.Prefix), Size: o.Size, ModTime: o.LastModified}, nil) {
				return
			}
		}
	}
}

// SignedURL is a GET link valid for expiry, on the public endpoint when
// one is configured.
func (b *Bucket) SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error) {
	name, err := b.name(key)
	if err != nil {
		return "", err
	}
	u, err := b.signer.PresignedGetObject(ctx, b.cfg.Bucket, name, expiry, nil)
	if err != nil {
		return "", fmt.Errorf("s3blob: sign %s: %w", key, err)
	}
	return u.String(), nil
}

// PublicOrigin is the scheme://host browsers fetch signed URLs from.
func (b *Bucket) PublicOrigin() string {
	if b.cfg.PublicEndpoint != "" {
		return strings.TrimRight(b.cfg.PublicEndpoint, "/")
	}
	scheme := "http"
	if b.cfg.Secure {
		scheme = "https"
	}
	return scheme + "://" + b.cfg.Endpoint
}

// Close releases idle connections.
func (b *Bucket) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}
