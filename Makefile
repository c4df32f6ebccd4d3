# Vigil's make targets. `make demo` and `make test` are the two commands of the README.
# go.mod names Go 1.27.3; the machine's go fetches that toolchain from the
# module proxy (once, about 10 s) when GOTOOLCHAIN asks for it.
export GOTOOLCHAIN := go1.27.3
GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin

.PHONY: setup build agents extension demo serve test testdeps testtools lint bench fuzz vulncheck clean

# ONNX Runtime and the models that are fetched, not committed (from npm:
# onnxruntime-node, the Silero VAD model, the face-embedding model).
setup:
	@scripts/setup-onnxruntime
	@scripts/setup-vad
	@scripts/setup-face-embedding

build: setup
	$(GO) build -o bin/vigil ./cmd/vigil

# The desktop agent for every platform students use, from this machine
# (no cgo): bin/vigil-agent-<os>-<arch>[.exe].
agents:
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o bin/vigil-agent-linux-amd64 ./cmd/vigil-agent
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o bin/vigil-agent-windows-amd64.exe ./cmd/vigil-agent
	GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o bin/vigil-agent-darwin-amd64 ./cmd/vigil-agent
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o bin/vigil-agent-darwin-arm64 ./cmd/vigil-agent

# The students' browser extension as a ZIP (bin/vigil-extension.zip).
extension:
	$(GO) run ./cmd/vigil extension pack --out bin/vigil-extension.zip

# A demo course in ./vigil-demo, filled through the real ingest API.
demo: build
	bin/vigil demo

serve: build
	bin/vigil migrate
	bin/vigil serve

# The S3-compatible server the tests run against (built once into GOPATH/bin).
VERSITYGW_VERSION ?= v1.8.0
testtools:
	@command -v versitygw >/dev/null 2>&1 || test -x $(GOBIN)/versitygw || \
		(echo "building versitygw $(VERSITYGW_VERSION) for the S3 tests (once, about two minutes)" && \
		$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION))

# What the tests need beyond Go: on Debian, apt-get installs whichever of
# chromium, xvfb, openbox, wmctrl and x11-utils is missing (`apt-get update`
# once first; root needed, else it stops and names the packages); then
# versitygw is built once (testtools), and axe-core, the accessibility
# checker the browser tests inject, is fetched from npm.
testdeps: testtools
	@scripts/setup-testdeps
	@scripts/setup-axe

# The whole test suite: real SQLite files, HTTP and S3 servers, the real
# face detector, headless Chromium and an X desktop. The PostgreSQL tests
# run when a server answers at 127.0.0.1:5432 (or VIGIL_TEST_POSTGRES_URL)
# and are skipped otherwise; every test skipped for something missing is
# listed at the end (internal/testneeds). -count=1: whether those servers
# answer is no input of go's test cache.
TEST_SKIPS := $(CURDIR)/bin/test-skips.txt
test: setup testdeps
	@mkdir -p bin && rm -f $(TEST_SKIPS)
	@VIGIL_TEST_SKIPS=$(TEST_SKIPS) $(GO) test -count=1 -timeout 40m ./...; status=$$?; \
	if [ -s $(TEST_SKIPS) ]; then \
		echo; echo "!!!!! SOME TESTS WERE SKIPPED, NOT RUN, because something they need is missing:"; \
		sed 's/^/!!!!!   /' $(TEST_SKIPS); \
		echo "!!!!! (CI sets VIGIL_TEST_REQUIRE_<NEED>=1, or CI=true, to fail instead)"; \
	fi; exit $$status

# Every fuzz target (func FuzzXxx in a *_test.go under internal/) for
# FUZZTIME each. A failing input is written to the package's
# testdata/fuzz/FuzzXxx/ and fails the run: commit it with the fix, and
# plain `go test` replays it from then on. Minimising each new input is
# capped so that a slow target (an RSA signature per input) still fuzzes
# within its time rather than minimise for all of it.
FUZZTIME ?= 15s
fuzz: setup
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' internal | xargs -n1 dirname | sort -u); do \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$dir/*_test.go); do \
			echo "fuzz ./$$dir $$name for $(FUZZTIME)"; \
			$(GO) test ./$$dir -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s; \
		done; \
	done

# govulncheck with the Go vulnerability database built here from the
# golang.org/x/vulndb module (its OSV files, indexed by its own indexdb),
# so that it needs only the module proxy (docs/SECURITY.md).
GOVULNCHECK_VERSION ?= v1.9.0
VULNDB_VERSION ?= latest
vulncheck:
	@test -x $(GOBIN)/govulncheck || $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	@set -e; root=$$(pwd); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cd "$$tmp"; \
		ver=$$($(GO) list -m -f '{{.Version}}' golang.org/x/vulndb@$(VULNDB_VERSION)); \
		src=$$($(GO) mod download -json golang.org/x/vulndb@$$ver | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
		echo "vulnerability database: golang.org/x/vulndb $$ver"; \
		$(GO) run golang.org/x/vulndb/cmd/indexdb@$$ver -vulns "$$src/data/osv" -out "$$tmp/db"; \
		cd "$$root"; $(GOBIN)/govulncheck -db "file://$$tmp/db" ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...

# The benchmarks behind docs/BENCHMARKS.md.
bench: setup
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./internal/web/ ./internal/cli/ ./internal/analysis/face/ ./internal/analysis/identity/ ./internal/export/

clean:
	rm -rf bin
