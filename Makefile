# Kompeten. `make test` installs what the tests need (a pinned MinIO server,
# Debian's chromium) and runs them all.
GO          ?= go
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.10.0
# The vulnerability database, built from the golang.org/x/vulndb module at
# this version (scripts/vulndb): vuln.go.dev may be out of reach where the
# module proxy is not. Move it forward to learn of newer advisories.
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
CACHE       ?= $(HOME)/.cache/kompeten
# The Go release go.mod's toolchain line names, with the standard library's
# security fixes. The release build and the vulnerability scan use it even
# where the machine's go env says GOTOOLCHAIN=local; PINNED_GO=local opts out.
PINNED_GO   ?= $(shell sed -n 's/^toolchain //p' go.mod)
MINIO_DIR   := $(CACHE)/minio-$(MINIO_VERSION)
MINIO       := $(MINIO_DIR)/minio
# axe-core, the accessibility checker the browser tests run in each page.
AXE_VERSION := 4.14.1
AXE_DIR     := $(CACHE)/axe-core-$(AXE_VERSION)
AXE         := $(AXE_DIR)/node_modules/axe-core/axe.min.js
VULNDB      := $(CACHE)/vulndb-$(VULNDB_VERSION)
# mailpit, the SMTP server the mail tests send to (its HTTP API shows what
# arrived), built from source at a pinned version and cached like MinIO.
MAILPIT_VERSION := v1.33.1
MAILPIT_DIR := $(CACHE)/mailpit-$(MAILPIT_VERSION)
MAILPIT     := $(MAILPIT_DIR)/mailpit

export KOMPETEN_TEST_MINIO_BIN := $(MINIO)
export KOMPETEN_TEST_AXE := $(AXE)
export KOMPETEN_TEST_MAILPIT_BIN := $(MAILPIT)

.PHONY: run build test unit vet lint bench fleet tools minio chromium axe fuzz clean mailpit

run:
	$(GO) run ./cmd/kompeten

build:
	GOTOOLCHAIN=$(PINNED_GO) CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/kompeten ./cmd/kompeten

# Everything: vet, every unit and conformance suite with -race against the
# real servers (SQLite, FerretDB in-process, MinIO, Bleve), browser tests.
# The app package's browser tests spend half their time waiting on
# Chromium, so they run as a second `go test` beside the rest rather than
# after it: on two cores that takes minutes off the run. The first command
# builds every test binary once, so the two runs do not compile the same
# packages at the same time.
test: tools vet
	$(GO) test -race -count=1 -run '^$$' ./...
	@$(GO) test -race -count=1 -timeout 30m -run '^TestBrowser' ./app/ > $(CACHE)/browser-tests.log 2>&1 & browser=$$!; \
	$(GO) test -race -count=1 -timeout 30m -skip '^TestBrowser' ./...; rest=$$?; \
	wait $$browser; b=$$?; echo "--- browser tests (./app/ -run '^TestBrowser'):"; cat $(CACHE)/browser-tests.log; \
	exit $$(( rest || b ))

# The two-instance test alone (fleet/README.md); `test` runs it too.
fleet: minio mailpit
	$(GO) test -race -count=1 -timeout 15m -v ./fleet/

unit:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

# What govulncheck scans: every package but the FerretDB servers that only
# the tests and benchmarks start (fleet/ferretd, bench/ferretserve). They link
# FerretDB 1.24 and its old OpenTelemetry, gRPC and pgx, with advisories the
# shipped binary does not carry.
SHIPPED = $$($(GO) list ./... | grep -v -e '/fleet/ferretd$$' -e '/bench/ferretserve$$')

lint: vet $(VULNDB)/index/db.json
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	GOTOOLCHAIN=$(PINNED_GO) $(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) -db file://$(VULNDB) $(SHIPPED)

# govulncheck reads the database built here, once per VULNDB_VERSION.
$(VULNDB)/index/db.json:
	mkdir -p $(CACHE)
	$(GO) run ./scripts/vulndb -version $(VULNDB_VERSION) -out $(VULNDB)

# Store micro-benchmarks, then the end-to-end ones (bench/README.md): the
# built binary as a subprocess beside MinIO; 1 GiB upload and reads, range
# reads and pages under 200 clients. Each runs once; needs ~4 GiB in $TMPDIR.
# The document store side by side on 10,000 documents: SQLite at 2000
# iterations, FerretDB (which scans every document per query) at 20.
bench: tools
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./storage/docs/sqlite/
	KOMPETEN_BENCH_FERRETDB=1 $(GO) test -run '^$$' -bench . -benchtime 20x -timeout 30m ./storage/docs/mongo/
	$(GO) test -run '^$$' -bench . -benchtime 1000x ./search/bleve/
	GO=$(GO) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/

tools: minio chromium axe mailpit

# MinIO is built from source at a pinned version and cached: a cold build
# takes about 9 minutes, a warm check none.
minio: $(MINIO)
$(MINIO):
	@echo "Building MinIO $(MINIO_VERSION) (cold: about 9 minutes, cached afterwards in $(MINIO_DIR))"
	mkdir -p $(MINIO_DIR)
	GOBIN=$(MINIO_DIR) CGO_ENABLED=0 $(GO) install github.com/minio/minio@$(MINIO_VERSION)

chromium:
	@sh scripts/ensure-chromium.sh

# axe-core from the npm registry at a pinned version, cached like MinIO.
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "The accessibility tests need npm (apt-get install npm) for axe-core $(AXE_VERSION)" >&2; exit 1; }
	npm install --no-audit --no-fund --silent --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

mailpit: $(MAILPIT)
$(MAILPIT):
	@echo "Building mailpit $(MAILPIT_VERSION) (cached afterwards in $(MAILPIT_DIR))"
	mkdir -p $(MAILPIT_DIR)
	GOBIN=$(MAILPIT_DIR) CGO_ENABLED=0 $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

clean:
	rm -rf bin
