# Empirical scaling harness. `make help` lists the targets.
GO      ?= go
NVCC    ?= nvcc
GOFLAGS ?=
export CGO_ENABLED ?= 0

PKGS    := ./...
BENCH   ?= .
BENCHTIME ?= 1x
# staticcheck, pinned; `make staticcheck` installs it into bin/ with go install.
STATICCHECK_VERSION ?= v0.7.0
STATICCHECK := bin/staticcheck-$(STATICCHECK_VERSION)

.PHONY: help test test-chaos test-slurm test-noasm vet fmt-check tidy-check staticcheck bench bench-peers kernels sweep build clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build every command into bin/
	$(GO) build -o bin/ ./cmd/...

fmt-check: ## fail when a Go file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet every package
	$(GO) vet $(PKGS)

tidy-check: ## fail when go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

$(STATICCHECK):
	GOBIN=$(CURDIR)/bin/.staticcheck $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/.staticcheck/staticcheck $@ && rmdir bin/.staticcheck

staticcheck: $(STATICCHECK) ## staticcheck every package (the pinned version, installed on first use)
	$(STATICCHECK) $(PKGS)

test: fmt-check vet tidy-check staticcheck ## gofmt, go vet, tidy and staticcheck checks, all tests (CPU only), and the pure-Go GEMM path
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -tags noasm ./kernels/cpu/...

test-chaos: ## kill train and experiment -grid smoke with SIGKILL at random moments, rerun, compare bit for bit (CHAOS_SEED=n repeats a kill plan)
	CHAOS=1 $(GO) test -count=1 -v -timeout 20m -run 'TestChaos' ./cmd/internal/chaos/

test-slurm: ## the Slurm integration test (needs a cluster: bash scripts/slurm-cluster.sh up)
	SLURM_TEST=1 $(GO) test -count=1 -run 'TestSlurm' -v ./cmd/experiment/

bench: ## run the Go benchmarks (BENCH=regex BENCHTIME=...)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) $(PKGS)

bench-peers: ## time the same GEMM shapes with OpenBLAS (installs Debian's libopenblas)
	bash scripts/bench-peers.sh

# make kernels checks the PTX by content at parse time (kernels/ptx.mk), so
# a fresh clone succeeds in one line without nvcc, and stale PTX without
# nvcc stops in one line; only stale PTX is handed to kernels/Makefile.
ifneq ($(filter kernels,$(MAKECMDGOALS)),)
KDIR := kernels
include kernels/ptx.mk
endif

kernels: ## rebuild the PTX in kernels/ptx whose sources changed (nvcc needed only then)
	@$(if $(PTX_STALE),$(MAKE) --no-print-directory -C kernels NVCC=$(NVCC),:)

sweep: ## run the main job: the sweep for this machine (tiny on CPU, anchors on a GPU), then the analysis
	$(GO) build -o bin/experiment ./cmd/experiment
	./bin/experiment -grid auto $(SWEEP_FLAGS)

clean: ## remove build outputs
	rm -rf bin .gpu
