package cli

import (
	"context"
	"flag"
	"fmt"

	"vigil/internal/config"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var cfg config.Config
	cfg.Bind(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: vigil migrate [flags]\n\nCreates the database, or brings its schema up to this version. Safe to run again.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	return migrate(ctx, e, &cfg)
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
	return nil
}
