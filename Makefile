# atende: `make run` and `make test` do all the set-up on a fresh Debian machine with Swift.
SWIFT ?= swift
CONFIG ?= config/atende.json
PREFIX ?= /usr/local
DESTDIR ?=
SYSTEM_PACKAGES := libsqlite3-dev libcrypt-dev pkg-config libpq-dev postgresql
# The web panel's browser tests: Debian's chromium, its WebDriver and selenium for the Python runner.
PANEL_PACKAGES := chromium chromium-driver python3-selenium
PANEL_PYTHON ?= /usr/bin/python3
PANEL_TIMEOUT ?= 600
SWIFT_TEST_FLAGS ?=
TEST_TIMEOUT ?= 2400

.PHONY: all deps panel-deps build release run test bench bench-quick install clean

all: build

# Installs the Debian packages of $(1) that are missing (as root), or prints the apt-get line that would.
define install-missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

# The system libraries the package links against, and the PostgreSQL server the store tests start.
deps:
	$(call install-missing,$(SYSTEM_PACKAGES))

# What the panel's browser tests need.
panel-deps:
	$(call install-missing,$(PANEL_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@mkdir -p var
	./.build/release/atended --config $(CONFIG)

# The whole suite, two test processes at a time, with a hard time limit so a hang fails instead of stalling CI;
# then the panel's browser tests against the debug atended (they skip, saying why, while it has no `http`).
# Either failing fails the target; the Swift suite's summary stays the last line. The PostgreSQL tests share one
# throwaway server (.ci/postgres: a temp folder, a Unix socket, no root service), named to them by
# ATENDE_TEST_POSTGRES and stopped afterwards; a second pass runs the end-to-end tests on PostgreSQL.
test: deps panel-deps
	$(SWIFT) build --build-tests
	@rm -f .build/test-results.xml
	@rm -f .build/test-results-postgresql.xml
	pg=$$(.ci/postgres start) && trap '.ci/postgres stop "$$pg"' EXIT && \
	{ ATENDE_TEST_POSTGRES=$$pg timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build --parallel --num-workers 2 \
	  --xunit-output .build/test-results.xml $(SWIFT_TEST_FLAGS) || true; \
	  ATENDE_TEST_POSTGRES=$$pg ATENDE_TEST_STORE=postgresql timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build \
	  --parallel --num-workers 2 --filter AtendeServerTests --xunit-output .build/test-results-postgresql.xml \
	  $(SWIFT_TEST_FLAGS) || true; }
	@panel=0; timeout $(PANEL_TIMEOUT) $(PANEL_PYTHON) Tests/panel/run_panel_tests.py || panel=$$?; \
	  echo "end-to-end tests on PostgreSQL:"; .ci/test-summary .build/test-results-postgresql.xml || panel=1; \
	  .ci/test-summary .build/test-results.xml && exit $$panel

bench: deps
	benchmarks/run

bench-quick: deps
	benchmarks/run --quick

# Installs the binaries, the systemd units (their paths pointing at PREFIX), the protocol and panel docs (the units'
# Documentation= is the protocol's), and a system config to the standard places.
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/atende $(DESTDIR)/lib/systemd/system \
	  $(DESTDIR)/usr/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/doc/atende
	install -m 0755 .build/release/atended .build/release/atendectl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/protocol.md docs/panel.md $(DESTDIR)$(PREFIX)/share/doc/atende/
	# The web panel's files: atended finds them in share/atende/panel beside its bin folder.
	install -d $(DESTDIR)$(PREFIX)/share/atende/panel
	cp -R Sources/AtendeServer/Panel/. $(DESTDIR)$(PREFIX)/share/atende/panel/
	rm -f $(DESTDIR)$(PREFIX)/share/atende/panel/.gitkeep
	test -e $(DESTDIR)/etc/atende/atende.json || install -m 0640 config/atende.system.json $(DESTDIR)/etc/atende/atende.json
	for unit in atende.service atende-postgres.service; do \
	  sed 's|/usr/local/|$(PREFIX)/|' config/$$unit > $(DESTDIR)/lib/systemd/system/$$unit && \
	  chmod 0644 $(DESTDIR)/lib/systemd/system/$$unit || exit 1; \
	done
	if [ -f config/atendectl.bash ]; then install -m 0644 config/atendectl.bash \
	  $(DESTDIR)/usr/share/bash-completion/completions/atendectl; fi

clean:
	rm -rf .build
