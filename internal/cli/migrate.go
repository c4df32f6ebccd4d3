package cli

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/config"
	"vigil/internal/review"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	cfg, err := parseConfig(e, "migrate", "Creates the database, or brings its schema up to this version. Safe to run again.", args, nil)
	if err != nil {
		return err
	}
	return migrate(ctx, e, cfg)
}

func migrate(ctx context.Context, e env, cfg *config.Config) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	_, want, _ := st.SchemaVersion(ctx)
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "database schema is up to date (version %d)\n", want)
	} else {
		fmt.Fprintf(e.stdout, "applied migrations %v; database schema is at version %d\n", applied, want)
	}
	// Exams merged by the migration (one LMS assessment, one exam) have
	// their sessions decided again; a merge not yet queued (an earlier run
	// stopped) is queued now.
	merged, err := review.New(st, func() time.Time { return time.Now().UTC() }).RedecideMerged(ctx)
	if err != nil {
		return err
	}
	if merged > 0 {
		fmt.Fprintf(e.stdout, "%d exam(s) took in duplicates of the same LMS assessment; their sessions will be decided again by the worker\n", merged)
	}
	return nil
}
