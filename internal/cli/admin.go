package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"vigil/internal/auth"
	"vigil/internal/config"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

type adminCommand struct {
	name, summary string
	flags         func(fs *flag.FlagSet) func(ctx context.Context, e env, st database, cfg *config.Config) error
}

func adminCommands() []adminCommand {
	return []adminCommand{
		{"create-user", "add a dashboard user (instructor or admin)", createUserCmd},
		{"signin-link", "print a one-time sign-in link for a user", signInLinkCmd},
		{"create-course", "add a course", createCourseCmd},
		{"add-instructor", "let a user review a course's sessions", addInstructorCmd},
		{"create-exam", "add a proctored quiz to a course", createExamCmd},
		{"add-student", "add a student to a course", addStudentCmd},
		{"session-link", "issue a student's session link for an exam", sessionLinkCmd},
	}
}

func runAdmin(ctx context.Context, e env, args []string) error {
	return runGroup(ctx, e, "admin", adminCommands(), args)
}

// runGroup runs one command of a group ("vigil admin …", "vigil lti …").
func runGroup(ctx context.Context, e env, group string, cmds []adminCommand, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stdout, "Usage: vigil %s <command> [flags]\n\nCommands:\n", group)
		for _, c := range cmds {
			fmt.Fprintf(e.stdout, "  %-15s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(e.stdout, "\nRun `vigil %s <command> --help` for its flags.\n", group)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return runAdminCommand(ctx, e, group, c, args[1:])
		}
	}
	return fmt.Errorf("unknown %s command %q (see `vigil %s --help`)", group, args[0], group)
}

func runAdminCommand(ctx context.Context, e env, group string, c adminCommand, args []string) error {
	var run runFunc
	cfg, err := parseConfig(e, group+" "+c.name, strings.ToUpper(c.summary[:1])+c.summary[1:]+".", args,
		func(fs *flag.FlagSet) { run = c.flags(fs) })
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkSchema(ctx, st); err != nil {
		return err
	}
	return run(ctx, e, st, cfg)
}

// required reports flags left empty, in one error.
func required(pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			missing = append(missing, "--"+pairs[i])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

type runFunc = func(ctx context.Context, e env, st database, cfg *config.Config) error

func createUserCmd(fs *flag.FlagSet) runFunc {
	email := fs.String("email", "", "the user's email address (their sign-in name)")
	name := fs.String("name", "", "the user's full name")
	role := fs.String("role", "instructor", "instructor or admin")
	pwStdin := fs.Bool("password-stdin", false, "read a password from the first line of standard input; without it, print a one-time sign-in link")
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		if err := required("email", *email, "name", *name); err != nil {
			return err
		}
		if !proctor.Role(*role).Valid() {
			return fmt.Errorf("--role must be instructor or admin, not %q", *role)
		}
		hash := ""
		if *pwStdin {
			pw, err := readLine(e.stdin)
			if err != nil {
				return err
			}
			if hash, err = auth.HashPassword(pw); err != nil {
				return err
			}
		}
		u := &proctor.User{Email: *email, Name: *name, Role: proctor.Role(*role)}
		if err := st.CreateUser(ctx, u, hash); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a user with email %s already exists", *email)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
		if hash == "" {
			return printSignInLink(ctx, e, st, cfg, u, 24*time.Hour)
		}
		return nil
	}
}

func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func signInLinkCmd(fs *flag.FlagSet) runFunc {
	email := fs.String("email", "", "the user's email address")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the link stays valid")
	return func(ctx context.Context, e env, st database, cfg *config.Config) error {
		if err := required("email", *email); err != nil {
			return err
		}
		u, _, err := st.GetUserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user with email %s (create one with `vigil admin create-user`)", *email)
		} else if err != nil {
			return err
		}
		return printSignInLink(ctx, e, st, cfg, u, *ttl)
	}
}

// signInLink issues a one-time link and records that it was issued.
func signInLink(ctx context.Context, st store.Store, cfg *config.Config, u *proctor.User, ttl time.Duration) (string, error) {
	accounts := auth.NewAccounts(st, func() time.Time { return time.Now().UTC() }, slog.New(slog.DiscardHandler))
	tok, err := accounts.IssueLink(ctx, u, ttl, "cli", hostname())
	if tok == "" {
		return "", err
	}
	return cfg.BaseURL + "/signin/link/" + tok, err
}

func printSignInLink(ctx context.Context, e env, st store.Store, cfg *config.Config, u *proctor.User, ttl time.Duration) error {
	link, err := signInLink(ctx, st, cfg, u, ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "one-time sign-in link for %s (valid %s):\n%s\n", u.Email, ttl, link)
	return nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func createCourseCmd(fs *flag.FlagSet) runFunc {
	code := fs.String("code", "", "short course code, e.g. BIO-101")
	title := fs.String("title", "", "course title")
	return func(ctx context.Context, e env, st database, _ *config.Config) error {
		if err := required("code", *code, "title", *title); err != nil {
			return err
		}
		c := &proctor.Course{Code: *code, Title: *title, Enabled: true}
		if err := st.CreateCourse(ctx, c); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a course with code %s already exists", *code)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created course %s (id %d)\n", c.Code, c.ID)
		return nil
	}
}

func courseByCode(ctx context.Context, st store.Store, code string) (*proctor.Course, error) {
	c, err := st.GetCourseByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no course with code %s", code)
	}
	return c, err
}

func addInstructorCmd(fs *flag.FlagSet) runFunc {
	code := fs.String("course", "", "course code")
	email := fs.String("email", "", "the instructor's email address")
	return func(ctx context.Context, e env, st database, _ *config.Config) error {
		if err := required("course", *code, "email", *email); err != nil {
			return err
		}
		c, err := courseByCode(ctx, st, *code)
		if err != nil {
			return err
		}
		u, _, err := st.GetUserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user with email %s", *email)
		} else if err != nil {
			return err
		}
		if err := st.AddCourseMember(ctx, c.ID, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s can now review %s\n", u.Email, c.Code)
		return nil
	}
}

func createExamCmd(fs *flag.FlagSet) runFunc {
	code := fs.String("course", "", "course code")
	title := fs.String("title", "", "the quiz's title")
	settingsFile := fs.String("settings", "", "a JSON `file` of proctoring settings (docs/SETTINGS.md); absent fields keep their defaults")
	opens := fs.String("opens", "", "when the quiz opens (RFC 3339), for the dashboard")
	return func(ctx context.Context, e env, st database, _ *config.Config) error {
		if err := required("course", *code, "title", *title); err != nil {
			return err
		}
		c, err := courseByCode(ctx, st, *code)
		if err != nil {
			return err
		}
		ex := &proctor.Exam{CourseID: c.ID, Title: *title, Settings: proctor.DefaultSettings()}
		if *settingsFile != "" {
			data, err := os.ReadFile(*settingsFile)
			if err != nil {
				return err
			}
			if ex.Settings, err = proctor.ParseSettings(data); err != nil {
				return err
			}
		}
		if *opens != "" {
			if ex.OpensAt, err = time.Parse(time.RFC3339, *opens); err != nil {
				return fmt.Errorf("--opens must be an RFC 3339 time such as 2026-12-01T09:00:00Z")
			}
		}
		if err := st.CreateExam(ctx, ex); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created exam %q in %s (id %d)\n", ex.Title, c.Code, ex.ID)
		return nil
	}
}

func addStudentCmd(fs *flag.FlagSet) runFunc {
	code := fs.String("course", "", "course code")
	first := fs.String("first", "", "first name")
	last := fs.String("last", "", "last name")
	email := fs.String("email", "", "email address (optional)")
	return func(ctx context.Context, e env, st database, _ *config.Config) error {
		if err := required("course", *code, "first", *first, "last", *last); err != nil {
			return err
		}
		c, err := courseByCode(ctx, st, *code)
		if err != nil {
			return err
		}
		s := &proctor.Student{CourseID: c.ID, FirstName: *first, LastName: *last, Email: *email}
		if err := st.CreateStudent(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added student %s to %s (id %d)\n", s.FullName(), c.Code, s.ID)
		return nil
	}
}

func sessionLinkCmd(fs *flag.FlagSet) runFunc {
	examID := fs.Int64("exam", 0, "exam id")
	studentID := fs.Int64("student", 0, "student id")
	ttl := fs.Duration("ttl", 7*24*time.Hour, "how long the link may start sessions")
	return func(ctx context.Context, e env, st database, _ *config.Config) error {
		tok, err := ingest.IssueLink(ctx, st, ingest.LinkRequest{ExamID: *examID, StudentID: *studentID, TTL: *ttl, Actor: "cli", Remote: hostname()})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "session link token (give it to the student's capture client; docs/API.md):\n%s\n", tok)
		return nil
	}
}
