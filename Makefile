# PMS background services.
#
#   make run     install missing system packages, build, then start a local broker, database
#                (with demo data) and every service; Ctrl-C stops them all
#   make test    install missing system packages, build with tests, run the tests serially
#   make bench   release build of pms-bench, then the benchmarks on a throw-away broker and database
#
# SWIFT_FLAGS are passed to every swift build/test, e.g. make test SWIFT_FLAGS="--scratch-path /tmp/b".
# PMS_SKIP_DEPS=1 skips the system package check.

SHELL := /bin/bash
SWIFT ?= swift
SWIFT_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help deps build test run bench clean

help:
	@echo "make run     start mosquitto, PostgreSQL (demo data) and all services locally; Ctrl-C stops"
	@echo "make test    build with tests and run them (serially); needs no running services"
	@echo "make bench   benchmarks (release build, throw-away broker and database); BENCH=\"notifications --events 50000\""
	@echo "make build   swift build (debug)"
	@echo "make deps    install missing system packages (Debian 12) and the deploy validators (.build-venv)"
	@echo "make clean   swift package clean (./run, the local state of make run, is kept)"

deps:
	@echo "==> checking system packages (scripts/install-deps.sh)"
	@scripts/install-deps.sh
	@scripts/install-python-tools.sh

build: deps
	@echo "==> $(SWIFT) build $(SWIFT_FLAGS)"
	$(SWIFT) build $(SWIFT_FLAGS)

test: deps
	@SWIFT="$(SWIFT)" scripts/test.sh $(SWIFT_FLAGS)

run: build
	@echo "==> scripts/run-local.sh"
	@PMS_BIN_DIR="$${PMS_BIN_DIR:-$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)}" scripts/run-local.sh

# Benchmarks are not part of `make test`: release build, throw-away broker and database (scripts/bench.sh).
BENCH ?= notifications
bench: deps
	@echo "==> $(SWIFT) build -c release --product pms-bench $(SWIFT_FLAGS)"
	$(SWIFT) build -c release --product pms-bench $(SWIFT_FLAGS)
	@PMS_BIN_DIR="$${PMS_BIN_DIR:-$$($(SWIFT) build -c release $(SWIFT_FLAGS) --show-bin-path)}" scripts/bench.sh $(BENCH)

clean:
	$(SWIFT) package clean $(SWIFT_FLAGS)
