package cli

import (
	"cmp"
	"errors"
	"fmt"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/analysis/voice"
	"vigil/internal/blob/s3blob"
	"vigil/internal/config"
	"vigil/internal/mail"
	"vigil/internal/onnxrt"
)

// finishWiring fills and checks the settings that need the packages they
// configure, which package config does not import: where the models are
// found by default, the S3 URL and the mail server settings. Its problems
// are reported with config's own, in one message at start.
func finishWiring(cfg *config.Config) error {
	cfg.ONNXRuntimeLib = cmp.Or(cfg.ONNXRuntimeLib, onnxrt.DefaultLibPath())
	cfg.VoiceModel = cmp.Or(cfg.VoiceModel, voice.DefaultModelPath())
	cfg.FaceEmbeddingModel = cmp.Or(cfg.FaceEmbeddingModel, identity.DefaultModelPath())
	cfg.FaceMatchThreshold = cmp.Or(cfg.FaceMatchThreshold, analysis.DefaultMatchThreshold)
	var errs []error
	if cfg.BlobKind() == config.S3 {
		if _, err := s3blob.ParseURL(cfg.BlobURL); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.SMTPHost != "" {
		if err := smtpConfig(cfg).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("mail settings (--smtp-host, --smtp-port, --smtp-security, --smtp-user, VIGIL_SMTP_PASSWORD, --mail-from): %w", err))
		}
	}
	return errors.Join(errs...)
}

// smtpConfig is the mail server configuration (when SMTPHost is set).
func smtpConfig(cfg *config.Config) mail.SMTPConfig {
	return mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Security: cfg.SMTPSecurity, Username: cfg.SMTPUser,
		Password: cfg.SMTPPassword, From: cfg.MailFrom}
}
