# make run   — install what is missing, build, serve /retrieve-data on 127.0.0.1:$(PORT);
#              ARGS="--source command --command ./my-script" passes more options (README)
# make test  — install what is missing, build, run every test
# make bench — Punctual against nginx, a libfcgi C responder and FastAPI (Benchmarks/README.md);
#              pinned and unpinned tables, medians of 3 rounds; QUICK=1 for a three-minute smoke run
PORT ?= 8080
TIMEOUT ?= 5
DELAY ?= 10

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build bench deps clean lint format screenshot

run: deps
	swift build -c release --product punctual
	nginx/run-dev .build/release/punctual $(PORT) $(TIMEOUT) $(DELAY) $(ARGS)

test: deps lint
	swift build --build-tests
	PUNCTUAL_BIN_PATH="$$(swift build --show-bin-path)" swift test --skip-build --no-parallel

bench: deps
	swift build -c release --product punctual-engine-bench
	.build/release/punctual-engine-bench $(if $(QUICK),--quick)
	Benchmarks/run $(if $(QUICK),--quick)

# The README's picture of the status page: headless Chromium on it, through nginx.
screenshot: deps
	swift build --build-tests
	PUNCTUAL_BIN_PATH="$$(swift build --show-bin-path)" PUNCTUAL_SCREENSHOT_PATH="$(CURDIR)/deploy/status-page.png" \
		swift test --skip-build --filter StatusPageInBrowserTests

# One format for everyone (.swift-format); `make format` rewrites files to it.
lint:
	swift format lint --strict --recursive Sources Tests Benchmarks Package.swift

format:
	swift format format --in-place --recursive Sources Tests Benchmarks Package.swift

build: deps
	swift build -c release --product punctual

# Debian packages: libfcgi and SQLite (and pkg-config to find them) to build, nginx to run and test,
# apache2, lighttpd, caddy and h2o for the tests behind other web servers, chromium for the
# status page's test, systemd for systemd-analyze verify (nothing is started). A temporary
# policy-rc.d keeps the packages from starting their system services.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	pkg-config --exists fcgi 2>/dev/null || missing="$$missing libfcgi-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	[ -x /usr/sbin/apache2 ] || missing="$$missing apache2"; \
	[ -x /usr/sbin/lighttpd ] || missing="$$missing lighttpd"; \
	[ -x /usr/bin/caddy ] || missing="$$missing caddy"; \
	[ -x /usr/bin/h2o ] || missing="$$missing h2o"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/bin/systemd-analyze ] || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			trap '$(SUDO) rm -f /usr/sbin/policy-rc.d' EXIT; \
			printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null; \
			$(SUDO) chmod 755 /usr/sbin/policy-rc.d; \
		fi; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf .build
