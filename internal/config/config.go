// Package config reads Vigil's settings from flags and VIGIL_* environment
// variables (a flag wins over its variable) and validates them at start, so
// a mistake is reported in one clear message instead of surfacing later.
// It only parses and checks values: what the settings open (the S3 bucket,
// the mail sender, the models) and the checks that need those packages
// live with the wiring in internal/cli.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config is everything a Vigil process is told from outside.
type Config struct {
	Addr            string        // VIGIL_ADDR: where the HTTP server listens
	DataDir         string        // VIGIL_DATA_DIR: SQLite file and media folder live here by default
	DatabaseURL     string        // VIGIL_DATABASE_URL: sqlite:///path/vigil.db
	BlobURL         string        // VIGIL_BLOB_URL: file:///path/media
	BaseURL         string        // VIGIL_BASE_URL: how users reach Vigil (links in mail and CLI output)
	ONNXRuntimeLib  string        // VIGIL_ONNXRUNTIME_LIB (unset: the cli fills in onnxrt's default)
	VoiceModel      string        // VIGIL_VAD_MODEL: Silero VAD v5 (unset: the cli fills in voice's default)
	HelpURL         string        // VIGIL_HELP_URL: the institution's help desk
	LogLevel        string        // VIGIL_LOG_LEVEL: debug, info, warn, error
	LogFormat       string        // VIGIL_LOG_FORMAT: text or json
	Workers         int           // VIGIL_WORKERS: analysis jobs at once
	ShutdownTimeout time.Duration // VIGIL_SHUTDOWN_TIMEOUT: how long in-flight uploads may take to finish

	// The identity checks' face-embedding model (VIGIL_FACE_EMBEDDING_MODEL;
	// unset: the cli fills in the stand-in's path), how it wants its pixels
	// (VIGIL_FACE_EMBEDDING_INPUT: centered or raw) and the similarity from
	// which two faces are one person (VIGIL_FACE_MATCH_THRESHOLD; 0: the
	// stand-in's measured threshold, filled in by the cli).
	FaceEmbeddingModel string
	FaceEmbeddingInput string
	FaceMatchThreshold float64

	// Mail. Without an SMTP host, mail stays in Vigil's outbox (admin page).
	// MediaDirect: the dashboard reads media straight from the store by
	// signed URLs (S3 only) (VIGIL_MEDIA_DIRECT).
	MediaDirect bool

	// S3 keys, from the environment only (never in a URL or a flag).
	S3AccessKey string // VIGIL_S3_ACCESS_KEY
	S3SecretKey string // VIGIL_S3_SECRET_KEY

	SMTPHost         string        // VIGIL_SMTP_HOST
	SMTPPort         int           // VIGIL_SMTP_PORT: 0 means the security mode's usual port
	SMTPSecurity     string        // VIGIL_SMTP_SECURITY: starttls, tls or none
	SMTPUser         string        // VIGIL_SMTP_USER
	SMTPPassword     string        // VIGIL_SMTP_PASSWORD (environment only: flags show in ps)
	SMTPPasswordFile string        // VIGIL_SMTP_PASSWORD_FILE: or read it from this file
	MailFrom         string        // VIGIL_MAIL_FROM: the From address
	ExportLinkTTL    time.Duration // VIGIL_EXPORT_LINK_TTL: how long export download links (and files) last

	// TrustedProxies: addresses (CIDR) of load balancers whose
	// X-Forwarded-For names the client (VIGIL_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix

	// GlobalAdmins names LMS users who administer all of Vigil (e-mail
	// addresses or ISSUER#SUB, comma-separated; VIGIL_GLOBAL_ADMINS). An
	// LMS's own administrators administer only that LMS's courses.
	GlobalAdmins string
	// AssistantsChange gives teaching assistants and content developers
	// an instructor's rights (VIGIL_ASSISTANTS_CHANGE); by default they
	// review, read-only.
	AssistantsChange bool
	// MetricsToken: /metrics answers only requests with this bearer
	// token; empty (the default) turns /metrics off (VIGIL_METRICS_TOKEN).
	MetricsToken string

	// MinFreeMB is the free space (MiB) kept on the local disks Vigil
	// writes: below it uploads are refused with 507 and /readyz fails
	// (VIGIL_MIN_FREE_MB; 0 turns the floor off).
	MinFreeMB int

	JobTimeout  time.Duration // VIGIL_JOB_TIMEOUT: one run of a background job
	RescueAfter time.Duration // VIGIL_JOB_RESCUE_AFTER: when a job a dead process left running runs again
}

// Bind registers the settings as flags on fs with their built-in defaults;
// their VIGIL_* variables are applied after parsing by ApplyEnv, the one
// mechanism for every flag (env.go). Call Finish after that.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (VIGIL_ADDR)")
	fs.StringVar(&c.DataDir, "data", "vigil-data", "data `folder` for the default database and media (VIGIL_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "database `URL`, default sqlite:///<data>/vigil.db (VIGIL_DATABASE_URL)")
	fs.StringVar(&c.BlobURL, "blob-url", "", "media storage `URL`, default file:///<data>/media (VIGIL_BLOB_URL)")
	fs.StringVar(&c.BaseURL, "base-url", "", "public `URL` of this server, default http://<addr> (VIGIL_BASE_URL)")
	fs.StringVar(&c.ONNXRuntimeLib, "onnxruntime-lib", "", "`path` of libonnxruntime.so (VIGIL_ONNXRUNTIME_LIB)")
	fs.StringVar(&c.VoiceModel, "vad-model", "", "`path` of the Silero VAD model (VIGIL_VAD_MODEL)")
	fs.StringVar(&c.FaceEmbeddingModel, "face-embedding-model", "", "`path` of the face-embedding ONNX model the identity checks use (VIGIL_FACE_EMBEDDING_MODEL)")
	fs.StringVar(&c.FaceEmbeddingInput, "face-embedding-input", "centered", "how the face-embedding model wants its RGB pixels: centered, (x-127)/128, or raw, 0-255 as OpenCV's SFace (VIGIL_FACE_EMBEDDING_INPUT)")
	fs.Float64Var(&c.FaceMatchThreshold, "face-match-threshold", 0, "cosine `similarity` from which two faces count as the same person; 0: the default model's measured 0.40 (VIGIL_FACE_MATCH_THRESHOLD)")
	fs.StringVar(&c.HelpURL, "help-url", "", "the institution's help desk `URL`, linked on every page (VIGIL_HELP_URL)")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer `token` that /metrics requires; empty turns /metrics off; "+
		"prefer the variable, since flags show in ps (VIGIL_METRICS_TOKEN)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error (VIGIL_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json (VIGIL_LOG_FORMAT)")
	fs.IntVar(&c.Workers, "workers", runtime.NumCPU(), "analysis jobs run at once (VIGIL_WORKERS)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take at shutdown (VIGIL_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.SMTPHost, "smtp-host", "", "SMTP server `host`; empty keeps mail in Vigil's outbox (VIGIL_SMTP_HOST)")
	fs.IntVar(&c.SMTPPort, "smtp-port", 0, "SMTP `port`, default 587 for starttls, 465 for tls, 25 for none (VIGIL_SMTP_PORT)")
	fs.StringVar(&c.SMTPSecurity, "smtp-security", "starttls", "starttls, tls or none (VIGIL_SMTP_SECURITY)")
	fs.StringVar(&c.SMTPUser, "smtp-user", "", "SMTP user name (VIGIL_SMTP_USER); the password comes from VIGIL_SMTP_PASSWORD or --smtp-password-file")
	fs.StringVar(&c.SMTPPasswordFile, "smtp-password-file", "", "`file` holding the SMTP password (VIGIL_SMTP_PASSWORD_FILE)")
	fs.StringVar(&c.MailFrom, "mail-from", "", "the From `address` of Vigil's mail (VIGIL_MAIL_FROM)")
	fs.DurationVar(&c.ExportLinkTTL, "export-link-ttl", 7*24*time.Hour, "how long export download links and files last (VIGIL_EXPORT_LINK_TTL)")
	fs.BoolVar(&c.MediaDirect, "media-direct", false, "send browsers to short-lived signed URLs of the S3 store for media, after Vigil authorises each read (VIGIL_MEDIA_DIRECT)")
	fs.IntVar(&c.MinFreeMB, "min-free-mb", 1024, "free `MiB` to keep on the local disks of the database and media: below it uploads are "+
		"refused (507) and /readyz fails; 0 turns it off (VIGIL_MIN_FREE_MB)")
	fs.DurationVar(&c.JobTimeout, "job-timeout", 2*time.Minute, "how long one run of a background job may take (VIGIL_JOB_TIMEOUT)")
	fs.DurationVar(&c.RescueAfter, "job-rescue-after", 3*time.Minute, "when a job left running by a process that died runs again (VIGIL_JOB_RESCUE_AFTER)")
	fs.StringVar(&c.GlobalAdmins, "global-admins", "", "comma-separated LMS users who administer all of Vigil: `e-mail addresses or ISSUER#SUB` (VIGIL_GLOBAL_ADMINS)")
	fs.BoolVar(&c.AssistantsChange, "assistants-change", false, "give LMS teaching assistants and content developers an instructor's rights, not read-only review (VIGIL_ASSISTANTS_CHANGE)")
	fs.Func("trusted-proxies", "comma-separated `CIDRs` of load balancers whose X-Forwarded-For names the client (VIGIL_TRUSTED_PROXIES)",
		c.setTrustedProxies)
	c.SMTPPassword = os.Getenv("VIGIL_SMTP_PASSWORD")
	c.S3AccessKey, c.S3SecretKey = os.Getenv("VIGIL_S3_ACCESS_KEY"), os.Getenv("VIGIL_S3_SECRET_KEY")
}

// Backend kinds.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
	File     = "file"
	S3       = "s3"
)

// DatabaseKind is SQLite or Postgres, from the database URL.
func (c *Config) DatabaseKind() string {
	if u, err := url.Parse(c.DatabaseURL); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return Postgres
	}
	return SQLite
}

// BlobKind is File or S3, from the blob URL.
func (c *Config) BlobKind() string {
	if u, err := url.Parse(c.BlobURL); err == nil && u.Scheme == "s3" {
		return S3
	}
	return File
}

// Finish fills the defaults that depend on other settings and validates.
// The error lists every problem found, one per line.
func (c *Config) Finish() error {
	var errs []error
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.ToSlash(filepath.Join(absOrSame(c.DataDir), "vigil.db"))
	}
	if c.BlobURL == "" {
		c.BlobURL = "file://" + filepath.ToSlash(filepath.Join(absOrSame(c.DataDir), "media"))
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	errs = append(errs, c.validate()...)
	return errors.Join(errs...)
}

func absOrSame(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (c *Config) validate() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q is not host:port (for example 127.0.0.1:8080)", c.Addr))
	}
	if c.DatabaseKind() == SQLite {
		if _, err := c.SQLitePath(); err != nil {
			errs = append(errs, err)
		}
	} else if u, _ := url.Parse(c.DatabaseURL); u.Host == "" && u.Query().Get("host") == "" {
		errs = append(errs, fmt.Errorf("database-url %q names no host (postgres://user@host:5432/db)", redactURL(c.DatabaseURL)))
	}
	if c.BlobKind() == File {
		if _, err := c.BlobDir(); err != nil {
			errs = append(errs, err)
		}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base-url %q must be an http:// or https:// URL", c.BaseURL))
	}
	if c.HelpURL != "" {
		if u, err := url.Parse(c.HelpURL); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
			errs = append(errs, fmt.Errorf("help-url %q must be an http(s):// or mailto: URL", c.HelpURL))
		}
	}
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format %q must be text or json", c.LogFormat))
	}
	if c.FaceEmbeddingInput != "centered" && c.FaceEmbeddingInput != "raw" {
		errs = append(errs, fmt.Errorf("face-embedding-input %q must be centered or raw", c.FaceEmbeddingInput))
	}
	if c.FaceMatchThreshold < 0 || c.FaceMatchThreshold >= 1 {
		errs = append(errs, fmt.Errorf("face-match-threshold %v must be at least 0 and below 1 (0: the default)", c.FaceMatchThreshold))
	}
	if c.Workers < 1 || c.Workers > 256 {
		errs = append(errs, fmt.Errorf("workers %d must be between 1 and 256", c.Workers))
	}
	if c.MinFreeMB < 0 {
		errs = append(errs, fmt.Errorf("min-free-mb %d must be 0 or more", c.MinFreeMB))
	}
	if c.ShutdownTimeout < time.Second {
		errs = append(errs, fmt.Errorf("shutdown-timeout %s must be at least 1s", c.ShutdownTimeout))
	}
	if c.ExportLinkTTL < time.Hour || c.ExportLinkTTL > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("export-link-ttl %s must be between 1h and 2160h (90 days)", c.ExportLinkTTL))
	}
	if c.MediaDirect && c.BlobKind() != S3 {
		errs = append(errs, errors.New("media-direct needs S3 storage (--blob-url s3://…): a folder has no signed URLs"))
	}
	if c.JobTimeout < 4*time.Second || c.RescueAfter < c.JobTimeout {
		errs = append(errs, fmt.Errorf("job-timeout %s must be at least 4s, and job-rescue-after %s at least as long", c.JobTimeout, c.RescueAfter))
	}
	errs = append(errs, c.readSMTPPassword()...)
	if c.SMTPHost == "" && (c.MailFrom != "" || c.SMTPUser != "") {
		errs = append(errs, errors.New("mail settings: --mail-from and --smtp-user need --smtp-host (without it mail stays in Vigil's outbox)"))
	}
	return errs
}

// readSMTPPassword takes the password from its file when one is named.
func (c *Config) readSMTPPassword() []error {
	if c.SMTPPasswordFile == "" {
		return nil
	}
	data, err := os.ReadFile(c.SMTPPasswordFile)
	if err != nil {
		return []error{fmt.Errorf("smtp-password-file: %w", err)}
	}
	c.SMTPPassword = strings.TrimRight(string(data), "\r\n")
	return nil
}

// SQLitePath returns the database file of a sqlite:// URL.
func (c *Config) SQLitePath() (string, error) {
	u, err := url.Parse(c.DatabaseURL)
	switch {
	case err != nil:
		return "", fmt.Errorf("database-url %q is not a URL", c.DatabaseURL)
	case u.Scheme != "sqlite" || u.Path == "":
		return "", fmt.Errorf("database-url %q must look like sqlite:///path/to/vigil.db or postgres://user@host:5432/db", redactURL(c.DatabaseURL))
	}
	return filepath.FromSlash(u.Path), nil
}

// BlobDir returns the folder of a file:// media URL.
func (c *Config) BlobDir() (string, error) {
	u, err := url.Parse(c.BlobURL)
	switch {
	case err != nil:
		return "", fmt.Errorf("blob-url %q is not a URL", c.BlobURL)
	case u.Scheme != "file" || u.Path == "":
		return "", fmt.Errorf("blob-url %q must look like file:///path/to/media or s3://host:port/bucket", c.BlobURL)
	}
	return filepath.FromSlash(u.Path), nil
}

// SlogLevel parses LogLevel.
func (c *Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log-level %q must be debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Logger builds the process logger.
func (c *Config) Logger() *slog.Logger {
	level, _ := c.SlogLevel()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// redactURL hides a password in a database URL, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// setTrustedProxies parses a comma-separated list of CIDRs or addresses.
func (c *Config) setTrustedProxies(v string) error {
	c.TrustedProxies = nil
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR", part)
			}
			part = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR", part)
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}
