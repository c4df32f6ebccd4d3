package cli_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/cli"
	"vigil/internal/proctor"
	"vigil/internal/testwait"
)

// run runs the command line in-process and returns exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"demo", "--help"}, {"admin", "--help"}, {"admin", "create-user", "--help"}} {
		code, out, _ := run(t, "", args...)
		if code != 0 || !strings.Contains(out, "Usage: vigil") {
			t.Errorf("%v: exit %d, output %q", args, code, out)
		}
	}
	if code, _, errOut := run(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, _ := run(t, ""); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
}

func TestConfigurationErrorsAreClear(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"migrate", "--addr", "nonsense"}, nil, "addr \"nonsense\" is not host:port"},
		{[]string{"migrate", "--database-url", "postgres:///vigil"}, nil, "names no host"},
		{[]string{"migrate", "--blob-url", "s3://minio:9000"}, nil, "names no bucket"},
		{[]string{"migrate", "--blob-url", "ftp://x"}, nil, "must look like file:///path/to/media"},
		{[]string{"migrate", "--log-level", "loud"}, nil, "log-level \"loud\""},
		{[]string{"migrate", "--workers", "0"}, nil, "workers 0 must be between 1 and 256"},
		{[]string{"migrate"}, map[string]string{"VIGIL_WORKERS": "many"}, "VIGIL_WORKERS=\"many\" is not a valid --workers"},
		{[]string{"migrate", "--base-url", "localhost:8080"}, nil, "base-url \"localhost:8080\" must be an http:// or https:// URL"},
		{[]string{"migrate", "--smtp-host", "smtp.example.edu"}, nil, "mail settings ("},
		{[]string{"migrate", "--smtp-host", "smtp.example.edu", "--mail-from", "vigil@example.edu", "--smtp-security", "ssl"}, nil, "mail settings ("},
		{[]string{"migrate", "--mail-from", "vigil@example.edu"}, nil, "need --smtp-host"},
		{[]string{"migrate", "--smtp-host", "smtp.example.edu", "--mail-from", "v@example.edu", "--smtp-password-file", "/nonexistent"}, nil, "smtp-password-file"},
		{[]string{"migrate", "--export-link-ttl", "10m"}, nil, "export-link-ttl 10m0s must be between 1h"},
		{[]string{"migrate", "--media-direct"}, nil, "media-direct needs S3 storage"},
		{[]string{"migrate", "--job-timeout", "1m", "--job-rescue-after", "30s"}, nil, "job-rescue-after 30s at least as long"},
		{[]string{"migrate"}, map[string]string{"VIGIL_TRUSTED_PROXIES": "10.0.0.0/33"}, "is not an address or CIDR"},
		{[]string{"work"}, nil, "vigil work needs a PostgreSQL database"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		code, _, errOut := run(t, "", append(c.args, "--data", t.TempDir())...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut, c.want)
		}
		for k := range c.env {
			os.Unsetenv(k)
		}
	}
}

// child runs vigil in a child process (ONNX Runtime loads once per
// process, so a test of a missing runtime needs a fresh one).
func child(t *testing.T, args ...string) (int, string) {
	t.Helper()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "VIGIL_TEST_CHILD=1")
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

func TestServeRefusesWhatItCannotRun(t *testing.T) {
	dir := t.TempDir()
	code, out := child(t, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(out, "run `vigil migrate` first") {
		t.Fatalf("serve on an empty folder: exit %d, %q", code, out)
	}
	code, out = child(t, "serve", "--data", dir, "--onnxruntime-lib", filepath.Join(dir, "nope.so"))
	if code != 1 || !strings.Contains(out, "ONNX Runtime library not found") || !strings.Contains(out, "make setup") {
		t.Fatalf("serve without the runtime: exit %d, %q", code, out)
	}
}

func TestOneServerPerDatabase(t *testing.T) {
	dir := t.TempDir()
	setUp(t, dir, 0)
	first := &server{t: t, dir: dir, addr: freeAddr(t), log: devNull(t)}
	first.start()
	defer first.kill()
	waitUp(t, first.addr)
	code, out := child(t, "serve", "--data", dir, "--addr", freeAddr(t))
	if code != 1 || !strings.Contains(out, "another vigil") {
		t.Fatalf("a second server on the same database: exit %d, output %s", code, out)
	}
}

func devNull(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func waitUp(t *testing.T, addr string) {
	t.Helper()
	testwait.Until(t, "the server at "+addr+" to answer /healthz", 10*time.Second, func() bool {
		res, err := httpGet("http://" + addr + "/healthz")
		return err == nil && res == 200
	})
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"admin", "create-course", "--code", "BIO-1", "--title", "Biology"}, "created course BIO-1"},
		{"a good long password\n", []string{"admin", "create-user", "--email", "t@example.edu", "--name", "T", "--password-stdin"}, "created instructor t@example.edu"},
		{"", []string{"admin", "create-user", "--email", "a@example.edu", "--name", "A", "--role", "admin"}, "/signin/link/"},
		{"", []string{"admin", "add-instructor", "--course", "BIO-1", "--email", "t@example.edu"}, "can now review BIO-1"},
		{"", []string{"admin", "create-exam", "--course", "BIO-1", "--title", "Quiz"}, "created exam \"Quiz\""},
		{"", []string{"admin", "add-student", "--course", "BIO-1", "--first", "Sam", "--last", "Lee"}, "added student Sam Lee"},
		{"", []string{"admin", "session-link", "--exam", "1", "--student", "1"}, "session link token"},
		{"", []string{"admin", "signin-link", "--email", "t@example.edu"}, "/signin/link/"},
	}
	for _, s := range steps {
		code, out, errOut := run(t, s.stdin, append(s.args, "--data", dir)...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d, out %q, err %q", s.args, code, out, errOut)
		}
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"admin", "create-course", "--code", "BIO-1", "--title", "Again"}, "already exists"},
		{[]string{"admin", "create-user", "--email", "x@example.edu"}, "missing --name"},
		{[]string{"admin", "create-user", "--email", "x@example.edu", "--name", "X", "--role", "god"}, "--role must be"},
		{[]string{"admin", "add-instructor", "--course", "NOPE", "--email", "t@example.edu"}, "no course with code NOPE"},
		{[]string{"admin", "signin-link", "--email", "ghost@example.edu"}, "no user with email"},
		{[]string{"admin", "session-link", "--exam", "9", "--student", "1"}, "exam 9"},
		{[]string{"admin", "reboot"}, "unknown admin command"},
	}
	for _, b := range bad {
		code, _, errOut := run(t, "", append(b.args, "--data", dir)...)
		if code == 0 || !strings.Contains(errOut, b.want) {
			t.Errorf("%v: exit %d, %q; want %q", b.args, code, errOut, b.want)
		}
	}
	if code, _, errOut := run(t, "short\n", "admin", "create-user", "--email", "s@example.edu", "--name", "S", "--password-stdin", "--data", dir); code == 0 || !strings.Contains(errOut, "at least 10 characters") {
		t.Errorf("short password: exit %d, %q", code, errOut)
	}
}

func TestEvalCommand(t *testing.T) {
	code, out, errOut := run(t, "", "eval", "--json", "--media", "../../../shared/media", "../../../shared/scenarios/06-browser-and-apps.json")
	if code != 0 {
		t.Fatalf("vigil eval: exit %d: %s", code, errOut)
	}
	var rep struct {
		Types []struct {
			Type      string  `json:"type"`
			TP        int     `json:"tp"`
			FP        int     `json:"fp"`
			FN        int     `json:"fn"`
			Precision float64 `json:"precision"`
			Recall    float64 `json:"recall"`
		} `json:"types"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Types) != len(proctor.ViolationTypes) {
		t.Fatalf("vigil eval --json printed %q (err %v)", out, err)
	}
	for _, tr := range rep.Types {
		if tr.Type == "keystrokes" && (tr.TP != 2 || tr.FP != 0 || tr.FN != 0 || tr.Precision != 1 || tr.Recall != 1) {
			t.Fatalf("keystrokes: %+v", tr)
		}
	}
	// What it misses is listed with its times, and the faces frame by
	// frame: a video call on a second screen is taken for a second person.
	code, out, _ = run(t, "", "eval", "--media", "../../../shared/media:../../testdata/media", "../../testdata/scenarios/faces/41-judge-screen-video.json")
	if code != 1 || !strings.Contains(out, "multiple_people false: judge-screen-video 0.0–60.0 s") ||
		!strings.Contains(out, "faces, frame by frame: 60 expected in 60 frames, 0 missed, 60 extra") {
		t.Fatalf("vigil eval on a scenario with a known miss: exit %d, printed:\n%s", code, out)
	}
	code, _, errOut = run(t, "", "eval", "--media", "/nonexistent", "../../../shared/scenarios/06-browser-and-apps.json")
	if code != 1 || !strings.Contains(errOut, "media folder /nonexistent not found") {
		t.Fatalf("eval without media: exit %d, %q", code, errOut)
	}
}

// TestEvalIdentity runs `vigil eval --identity only` on the shared media's
// people and a small FairFace folder of four faces in two groups: it
// prints the rates per group with the server's threshold, and refuses a
// folder without labels.
func TestEvalIdentity(t *testing.T) {
	dir := t.TempDir()
	labels := "file,race,gender,age,source_repo,source_path\n"
	for _, f := range []string{"Black/Female_20-29_V1_Black_Female_20s.jpg", "Black/Male_30-39_V1_Black_Male_30s.jpg",
		"White/Female_20-29_V1_White_Female_20s.jpg", "White/Male_30-39_V1_White_Male_30s.jpg"} {
		data, err := os.ReadFile(filepath.Join("../../../shared/fairface", f))
		if err != nil {
			t.Fatalf("the shared FairFace sample must be beside the repository: %v", err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
		labels += f + "," + filepath.Dir(f) + ",x,x,x,x\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "LABELS.csv"), []byte(labels), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "eval", "--identity", "only", "--json", "--media", "../../../shared/media", "--fairface", dir)
	if code != 0 {
		t.Fatalf("vigil eval --identity only: exit %d: %s", code, errOut)
	}
	var rep struct {
		Types    []any `json:"types"`
		Identity struct {
			Threshold float64 `json:"threshold"`
			Groups    []struct {
				Group          string `json:"group"`
				WebcamPairs    int    `json:"webcam_pairs"`
				DifferentPairs int    `json:"different_pairs"`
			} `json:"groups"`
			SamePerson struct {
				Pairs int `json:"pairs"`
			} `json:"same_person"`
			DifferentPeople struct {
				Pairs int `json:"pairs"`
			} `json:"different_people"`
		} `json:"identity"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("vigil eval --identity only --json printed %q (err %v)", out, err)
	}
	id := rep.Identity
	if len(rep.Types) != 0 || id.Threshold != 0.4 || id.SamePerson.Pairs < 100 || id.DifferentPeople.Pairs != 6 {
		t.Fatalf("identity report %+v (types %v): want the default threshold, the media's pairs and 6 FairFace pairs", id, rep.Types)
	}
	groups := map[string]int{}
	for _, g := range id.Groups {
		groups[g.Group] = g.WebcamPairs*10 + g.DifferentPairs
	}
	if groups["Black"] != 21 || groups["White"] != 21 {
		t.Errorf("groups %+v: want 2 webcam pairs and 1 pair of different people in each", id.Groups)
	}
	code, out, _ = run(t, "", "eval", "--identity", "only", "--media", "../../../shared/media", "--fairface", dir)
	if code != 0 || !strings.Contains(out, "same person from similarity 0.40") || !strings.Contains(out, "Black") {
		t.Errorf("the table: exit %d, %q", code, out)
	}
	if code, _, errOut := run(t, "", "eval", "--identity", "only", "--fairface", t.TempDir()); code != 1 || !strings.Contains(errOut, "no LABELS.csv") {
		t.Errorf("a folder without labels: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "eval", "--identity", "maybe"); code != 1 || !strings.Contains(errOut, "want auto, on, off or only") {
		t.Errorf("--identity maybe: exit %d, %q", code, errOut)
	}
}

// TestLTICommands registers an LMS, lists it, refuses a bad registration,
// prints Vigil's addresses and rotates the keys.
func TestLTICommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	add := []string{"lti", "add-platform", "--name", "College Canvas", "--issuer", "https://canvas.instructure.com",
		"--client-id", "10000000000042", "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
		"--token-url", "https://sso.canvaslms.com/login/oauth2/token", "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
		"--deployment", "12:abc", "--canvas-url", "https://college.instructure.com", "--canvas-token-stdin", "--data", dir}
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"lti", "info", "--data", dir, "--base-url", "https://vigil.college.edu"}, "https://vigil.college.edu/lti/jwks"},
		{"s3cret-token\n", add, "registered College Canvas"},
		{"", []string{"lti", "platforms", "--data", dir}, "issuer https://canvas.instructure.com  client id 10000000000042  deployments 12:abc"},
		{"", []string{"lti", "rotate-keys", "--force", "--data", dir}, "now signs"},
		{"", []string{"lti", "registration-url", "--data", dir, "--base-url", "https://vigil.college.edu"}, "https://vigil.college.edu/lti/register/"},
	}
	for _, s := range steps {
		code, out, errOut := run(t, s.stdin, s.args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d, out %q, err %q", s.args, code, out, errOut)
		}
		if strings.Contains(out, "s3cret-token") {
			t.Fatal("a secret was printed")
		}
	}
	// Everything an LMS admin pastes, and the public key is a real RSA key.
	_, info, _ := run(t, "", "lti", "info", "--data", dir, "--base-url", "https://10.1.2.3:8443")
	for _, want := range []string{"https://10.1.2.3:8443/lti/exam", "/lti/login", "/lti/launch", "/lti/deep-link", "/lti/jwks",
		"vigil lti registration-url", "Accept grades from the tool: Never", "cURL allowed ports list", "cURL blocked hosts list"} {
		if !strings.Contains(info, want) {
			t.Fatalf("lti info does not say %q:\n%s", want, info)
		}
	}
	_, key, _ := strings.Cut(info, "public key (PEM")
	block, _ := pem.Decode([]byte(key[strings.Index(key, "\n")+1:]))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("lti info prints no PEM public key:\n%s", info)
	}
	if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		t.Fatalf("lti info's public key: %v", err)
	} else if _, ok := pub.(*rsa.PublicKey); !ok {
		t.Fatalf("lti info's public key is a %T, want RSA", pub)
	}
	if code, _, errOut := run(t, "tok\n", add...); code == 0 || !strings.Contains(errOut, "registered already") {
		t.Fatalf("second registration: exit %d, %q", code, errOut)
	}
	bad := []string{"lti", "add-platform", "--name", "X", "--issuer", "ftp://x", "--client-id", "1", "--data", dir}
	if code, _, errOut := run(t, "", bad...); code == 0 || !strings.Contains(errOut, "the issuer as an https URL") || !strings.Contains(errOut, "at least one deployment id") {
		t.Fatalf("bad registration: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "lti", "rotate-keys", "--data", dir); code == 0 || !strings.Contains(errOut, "published long enough") {
		t.Fatalf("early rotation: exit %d, %q", code, errOut)
	}
	// A second registration of the same LMS, joined to the first.
	second := []string{"lti", "add-platform", "--name", "College Canvas 2", "--issuer", "https://canvas.instructure.com",
		"--client-id", "10000000000043", "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
		"--token-url", "https://sso.canvaslms.com/login/oauth2/token", "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
		"--deployment", "13:abc", "--data", dir}
	if code, _, errOut := run(t, "", second...); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := run(t, "", "lti", "join-platform", "--platform", "2", "--into", "1", "--data", dir); code != 0 || !strings.Contains(out, "joined") {
		t.Fatalf("join: exit %d %q %q", code, out, errOut)
	}
	if _, out, _ := run(t, "", "lti", "platforms", "--data", dir); !strings.Contains(out, "same LMS as 1") {
		t.Fatalf("platforms after the join:\n%s", out)
	}
	if code, _, errOut := run(t, "", "lti", "join-platform", "--platform", "2", "--into", "1", "--data", dir); code == 0 || !strings.Contains(errOut, "one LMS already") {
		t.Fatalf("joining again: exit %d %q", code, errOut)
	}
}
