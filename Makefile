# Smartsheet -> Cloud App Security connector test kit.
#
#   make                    build every program into $(BUILD)/bin
#   make check              install missing packages, build, run every test
#                           (JUnit XML per test program in $(BUILD)/reports/unit/)
#   make doc-test           check every shell example of README.md and docs/ (docs/doctest.md)
#   make conformance        run the conformance suite on the default fixtures
#   make bench              run the benchmarks (docs/benchmarks.md has figures)
#   make mutation           mutation score of the suite (docs/mutation.md)
#   make install            PREFIX=/usr/local DESTDIR=  (docs/install.md); make uninstall
#   make deb                a Debian package; make deb-test judges it extracted
#   make SANITIZE=address,undefined check
#   make V=1                show full commands
#
# Each program is a folder with a main.c; every .c beside it is one of its
# modules, and so is every .c of the folders named in <program>_PARTS (parts
# of a program in their own room, without a main.c).  common/ is a static
# library linked into every program.  Tests live in <folder>/tests/test_*.c,
# one cmocka binary each, linked with the folder's modules (all but main.c)
# and the common library.

PROGRAMS := mock-smartsheet mock-cas connector conformance fixture-gen recorder
# The CAS portal's pages (cas-portal/README.md) are built into mock-cas.
mock-cas_PARTS := cas-portal

# The kit's version (VERSION) and the contract's (the first line of
# conformance/CONTRACT.md: "# The connector contract, version X.Y").
KIT_VERSION      := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CONTRACT_VERSION := $(shell sed -n '1s/.*version \([0-9][0-9.]*\).*/\1/p' conformance/CONTRACT.md)

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SANITIZE ?=

ifeq ($(SANITIZE),)
BUILD   ?= build
else
BUILD   ?= build/sanitize
endif

PKGS    := libmicrohttpd gnutls libcurl libcjson openssl sqlite3 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wno-missing-field-initializers -fno-strict-aliasing \
           -Icommon $(PKG_CFLAGS) -MMD -MP
CFLAGS  += -DKIT_SOURCE_FIXTURES=\"$(CURDIR)/fixtures\" \
           -DKIT_VERSION=\"$(KIT_VERSION)\" -DKIT_CONTRACT_VERSION=\"$(CONTRACT_VERSION)\"
LDLIBS  += $(PKG_LIBS) -lpthread -lm
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

OBJ := $(BUILD)/obj
BIN := $(BUILD)/bin
TESTBIN := $(BUILD)/tests

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o)
LIBKIT     := $(BUILD)/libkit.a

.PHONY: all check unit-tests conformance bench install clean deps serve browser-test
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:
all: $(foreach p,$(PROGRAMS),$(if $(wildcard $(p)/main.c),$(BIN)/$(p)))

# A test in X/tests/ includes X's headers as if it sat beside them.
srcdir_of = $(patsubst %/tests,%,$(patsubst %/,%,$(dir $(1))))
$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS) -I$(call srcdir_of,$<) -c -o $@ $<

# The version strings are compiled in: a new VERSION or contract version rebuilds them.
# (Every file that names KIT_VERSION, KIT_CONTRACT_VERSION or CT_CONTRACT_VERSION.)
$(OBJ)/common/kitpaths.o $(OBJ)/common/tests/test_kitpaths.o $(OBJ)/conformance/runmeta.o \
$(OBJ)/conformance/tests/test_catalogue.o $(OBJ)/conformance/tests/test_reports.o: \
    VERSION conformance/CONTRACT.md
$(OBJ)/connector/http_client.o $(OBJ)/defects/connector/http_client.o: VERSION

$(LIBKIT): $(COMMON_OBJ)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

# program_template(folder): the program, its module objects and its tests.
define program_template
$(1)_SRC  := $$(wildcard $(1)/*.c $$(addsuffix /*.c,$$($(1)_PARTS)))
$(1)_MODS := $$(filter-out $(OBJ)/$(1)/main.o,$$($(1)_SRC:%.c=$(OBJ)/%.o))
$(1)_TESTS := $$(patsubst $(1)/tests/%.c,$(TESTBIN)/$(1)/%,$$(wildcard $(1)/tests/test_*.c))
$(1)_TEST_SUPPORT := $$(patsubst %.c,$(OBJ)/%.o,$$(filter-out $(1)/tests/test_%.c,$$(wildcard $(1)/tests/*.c)))

$(BIN)/$(1): $(OBJ)/$(1)/main.o $$($(1)_MODS) $(LIBKIT)
	@mkdir -p $$(dir $$@)
	$$(call say,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)

$(TESTBIN)/$(1)/%: $(OBJ)/$(1)/tests/%.o $$($(1)_MODS) $$($(1)_TEST_SUPPORT) $(LIBKIT)
	@mkdir -p $$(dir $$@)
	$$(call say,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $$(LDLIBS)

ALL_TESTS += $$($(1)_TESTS)
endef

COMMON_TESTS := $(patsubst common/tests/%.c,$(TESTBIN)/common/%,$(wildcard common/tests/test_*.c))
$(TESTBIN)/common/%: $(OBJ)/common/tests/%.o $(LIBKIT)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)
ALL_TESTS := $(COMMON_TESTS)

$(foreach p,$(PROGRAMS),$(eval $(call program_template,$(p))))

# The conformance runner is itself a cmocka program.
$(BIN)/conformance: LDLIBS += $(CMOCKA_LIBS)

# The conformance self-test runs a connector with one defect switched on at a
# time (KIT_DEFECT=<name>); that build exists only among the test programs.
DEFECT_OBJ := $(patsubst %.c,$(OBJ)/defects/%.o,$(wildcard connector/*.c))
DEFECTIVE  := $(if $(wildcard connector/main.c),$(TESTBIN)/connector-defective)
$(OBJ)/defects/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$< [defects])$(CC) $(CFLAGS) -DKIT_DEFECTS -c -o $@ $<
$(TESTBIN)/connector-defective: $(DEFECT_OBJ) $(LIBKIT)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Mutation testing of the suite (docs/mutation.md): mutagen is built only by
# `make mutation`, its self-test runs with the other tests.
MUTAGEN      := $(BUILD)/mutation/mutagen
MUTAGEN_MODS := $(OBJ)/conformance/mutation/mutagen.o
$(MUTAGEN): $(OBJ)/conformance/mutation/main.o $(MUTAGEN_MODS) $(LIBKIT)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(TESTBIN)/conformance/mutation/%: $(OBJ)/conformance/mutation/tests/%.o $(MUTAGEN_MODS) $(LIBKIT)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)
ALL_TESTS += $(patsubst conformance/mutation/tests/%.c,$(TESTBIN)/conformance/mutation/%,\
               $(wildcard conformance/mutation/tests/test_*.c))
.PHONY: mutation
mutation: deps
	@$(MAKE) --no-print-directory all $(MUTAGEN)
	@$(TEST_ENV) MUTATION_BUILD='$(BUILD)' MUTATION_CC='$(CC)' MUTATION_CFLAGS='$(CFLAGS)' \
	    MUTATION_LDFLAGS='$(LDFLAGS)' MUTATION_LDLIBS='$(LDLIBS)' \
	    MUTATION_FILES='$(MUTATION_FILES)' MUTATION_OPS='$(MUTATION_OPS)' \
	    MUTATION_SAMPLE='$(MUTATION_SAMPLE)' MUTATION_SEED='$(MUTATION_SEED)' \
	    MUTATION_JOBS='$(MUTATION_JOBS)' MUTATION_TIMEOUT='$(MUTATION_TIMEOUT)' \
	    MUTATION_IDS='$(MUTATION_IDS)' sh mk/mutation.sh

deps:
	@sh mk/ensure-deps.sh

# Tests find the programs and fixtures through the environment, so the same
# binaries also run from an installed tree.
TEST_ENV := KIT_BIN_DIR=$(CURDIR)/$(BIN) KIT_FIXTURES=$(CURDIR)/fixtures \
            KIT_TEST_BIN_DIR=$(CURDIR)/$(TESTBIN) \
            KIT_REPORT_DIR=$(CURDIR)/$(BUILD)/reports
ifneq ($(SANITIZE),)
TEST_ENV += ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
endif

# The inner builds of check and conformance run in parallel: with the
# caller's jobserver when make was given -j, else with one job per core
# (a plain `make conformance` on a fresh clone would otherwise build serially).
NPROC := $(shell nproc 2>/dev/null || echo 1)
JOBS   = $(if $(findstring jobserver,$(MAKEFLAGS)),,$(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC)))

# After the unit tests, the browser, install, CI-template and doc tests run
# side by side (-O: each one's output together, when it ends); they share
# nothing but the built programs and man pages, made first.
check: deps
	+@$(MAKE) --no-print-directory $(JOBS) all $(ALL_TESTS) $(DEFECTIVE) $(if $(SANITIZE),,man)
	@$(MAKE) --no-print-directory unit-tests
	+@$(MAKE) --no-print-directory $(JOBS) -O browser-test \
	    $(if $(SANITIZE),,install-test ci-test doc-test)

# The test programs run in lanes side by side (the self-test split among
# them, mk/run-tests.sh): one more than the cores, since the self-test's
# suites mostly wait (on 2 CPUs: make check 198 s with 2 lanes, 177 s with
# 3); the sanitizer build, several times heavier, one a core.  TEST_JOBS=1
# runs them one after another.
TEST_JOBS ?= $(if $(SANITIZE),$(NPROC),$(shell echo $$(($(NPROC) + 1))))
unit-tests: all $(ALL_TESTS) $(DEFECTIVE)
	@mkdir -p $(BUILD)/reports
	@$(TEST_ENV) UNIT_REPORT_DIR=$(BUILD)/reports/unit TEST_JOBS=$(TEST_JOBS) \
	    sh mk/run-tests.sh $(ALL_TESTS)

# The runner exits 0 (pass), 1 (a MUST failed or was not judged) or 2
# (usage); make turns any failure into its own exit 2: CI jobs that need the
# difference run $(BIN)/conformance directly (docs/conformance.md).
CONNECTOR ?= $(CURDIR)/$(BIN)/connector
conformance: deps
	+@$(MAKE) --no-print-directory $(JOBS) all
	@$(TEST_ENV) $(BIN)/conformance --connector "$(CONNECTOR)" --report-dir $(BUILD)/reports; \
	rc=$$?; [ $$rc -eq 0 ] || echo "make conformance: the runner exited $$rc (1: a MUST failed" \
	    "or was not judged, 2: usage or report folder); make reports it as 2"; exit $$rc

# Every shell example of README.md and docs/*.md: run, or shown only for a
# known reason (docs/doctest.md), against freshly started doubles. First the
# runner's self-test: it must fail the two wrong examples and refuse the four
# unmarked or badly marked ones of mk/doctest/selftest.md.
.PHONY: doc-test
DOCTEST_SELF := FAIL mk/doctest/selftest.md
doc-test: all $(MUTAGEN)
	@out=$$(sh mk/doctest.sh $(CURDIR) $(BIN) mk/doctest/selftest.md 2>&1); rc=$$?; \
	    case $$rc:$$out in 1:*"$(DOCTEST_SELF):60: unmarked"*"$(DOCTEST_SELF):64: unknown reason"*\
	"$(DOCTEST_SELF):68: indented"*"$(DOCTEST_SELF):70: unmarked"*"$(DOCTEST_SELF):49 "*"$(DOCTEST_SELF):54 "*\
	"doc examples: 4 run, 2 passed, 1 shown only (reasons: syntax 1)"*"doctest: 4 shell example(s) not marked"*) ;; \
	    *) printf '%s\n' "$$out"; echo "doc-test: the runner's self-test (mk/doctest/selftest.md) failed" >&2; exit 1 ;; esac
	@sh mk/doctest.sh $(CURDIR) $(BIN)

# The documented set-up clicked through in Chromium (docs/portal.md);
# screenshots in $(BUILD)/reports/screenshots.
browser-test: all
	@mkdir -p $(BUILD)/reports
	@$(TEST_ENV) sh mk/browser-test.sh

# The documented set-up in a browser: docs/portal.md.
serve: deps all
	@sh mk/serve.sh $(CURDIR)/$(BIN)

bench: deps all
	@$(TEST_ENV) bash bench/run.sh $(BUILD)

# ---- installation (docs/install.md) ----------------------------------------
# FHS layout under PREFIX; installed programs are named sscas-<program> so
# they cannot collide in /usr/bin.  Each finds its data relative to its own
# executable (../share/sscas-kit/fixtures), so the tree can be moved.
KIT_PKG    := sscas-kit
KIT_PFX    := sscas-
INSTALLED  := $(foreach p,$(PROGRAMS),$(if $(wildcard $(p)/main.c),$(p)))
MANPAGES   := $(INSTALLED:%=$(BUILD)/man/$(KIT_PFX)%.1)
INST_BIN   := $(DESTDIR)$(PREFIX)/bin
INST_DATA  := $(DESTDIR)$(PREFIX)/share/$(KIT_PKG)
INST_DOC   := $(DESTDIR)$(PREFIX)/share/doc/$(KIT_PKG)
INST_MAN1  := $(DESTDIR)$(PREFIX)/share/man/man1
DOC_FILES  := $(wildcard docs/*.md)

.PHONY: man install-test
man: $(MANPAGES)
# help2man runs the program by its installed name (a symbolic link), so the
# page and its --version line say sscas-<program>.
$(BUILD)/man/$(KIT_PFX)%.1: $(BIN)/% man/%.h2m VERSION conformance/CONTRACT.md
	@mkdir -p $(BUILD)/man/bin
	@command -v help2man >/dev/null || { echo "help2man is missing: apt-get install help2man" >&2; exit 1; }
	$(call say,MAN,$@)ln -sf $(CURDIR)/$(BIN)/$* $(BUILD)/man/bin/$(KIT_PFX)$* && \
	    SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) help2man --no-info --no-discard-stderr --include=man/$*.h2m \
	        --output=$@.tmp $(BUILD)/man/bin/$(KIT_PFX)$* && \
	    sed -i 's/^\.B $*$$/.B $(KIT_PFX)$*/' $@.tmp && mv $@.tmp $@

install: all man
	install -d $(INST_BIN) $(INST_DATA) $(INST_DOC)/conformance $(INST_DOC)/docs $(INST_DOC)/ci \
	    $(INST_MAN1)
	for p in $(INSTALLED); do install -m 0755 $(BIN)/$$p $(INST_BIN)/$(KIT_PFX)$$p || exit 1; done
	cp -R fixtures $(INST_DATA)/
	chmod -R u+rwX,go+rX,go-w $(INST_DATA)/fixtures
	install -m 0644 README.md $(INST_DOC)/
	install -m 0644 conformance/CONTRACT.md conformance/requirements.md conformance/junit.xsd \
	    $(INST_DOC)/conformance/
	install -m 0644 $(DOC_FILES) $(INST_DOC)/docs/
	install -d $(INST_DOC)/docs/images
	install -m 0644 $(wildcard docs/images/*.png) $(INST_DOC)/docs/images/
	install -m 0644 ci/github-actions.yml ci/gitlab-ci.yml $(INST_DOC)/ci/
	install -m 0644 $(MANPAGES) $(INST_MAN1)/

# Removes what install put there (same PREFIX and DESTDIR).
.PHONY: uninstall
uninstall:
	rm -f $(INSTALLED:%=$(INST_BIN)/$(KIT_PFX)%) $(INSTALLED:%=$(INST_MAN1)/$(KIT_PFX)%.1)
	rm -rf $(INST_DATA) $(INST_DOC)

# A Debian package of the kit (docs/install.md): $(BUILD)/sscas-kit_<version>_<arch>.deb,
# checked by lintian.  deb-test extracts it into a temporary root and runs
# the packaged suite on the packaged connector.
.PHONY: deb deb-test
deb: all man
	@KIT_EXTRA_PACKAGES="lintian" sh mk/ensure-deps.sh
	+@MAKE='$(MAKE)' sh mk/deb.sh $(CURDIR) $(BUILD)
deb-test: deb
	+@MAKE='$(MAKE)' sh mk/install-test.sh $(CURDIR) --deb $(BUILD)/sscas-kit_$(KIT_VERSION)_$$(dpkg --print-architecture).deb

# The shell steps of the CI templates in ci/, run here on a package of the
# kit (not linted: deb-test does that) against the packaged connector.
.PHONY: ci-test
ci-test: all man
	+@DEB_LINTIAN=0 MAKE='$(MAKE)' sh mk/deb.sh $(CURDIR) $(BUILD)/ci-test >/dev/null
	@sh mk/ci-test.sh $(CURDIR) $(BUILD)/ci-test/sscas-kit_$(KIT_VERSION)_$$(dpkg --print-architecture).deb

# Installs into a temporary DESTDIR, copies the installed tree to another
# folder and runs the suite from there (mk/install-test.sh).
install-test: all man
	+@MAKE='$(MAKE)' sh mk/install-test.sh $(CURDIR)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
# The fuzz build's objects have their header dependencies too: a header that
# changed (a struct grew) must rebuild every object that includes it.
-include $(shell find build/fuzz/obj -name '*.d' 2>/dev/null)

# ---- fuzzing (docs/fuzzing.md) ---------------------------------------------
# libFuzzer harnesses in fuzz/, built with clang into $(FUZZ_BUILD); each
# links the modules it reads (fuzz_<name>_MODS) and the common code.
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Icommon $(PKG_CFLAGS) \
                -DKIT_SOURCE_FIXTURES=\"$(CURDIR)/fixtures\" -DKIT_VERSION=\"fuzz\" \
                -Wall -Wextra -Werror -Wno-missing-field-initializers -MMD -MP
FUZZERS := jstrict config callback mapping faults form cas_handler ss_handler scenario
fuzz_conn_mods := $(filter-out connector/main.c,$(wildcard connector/*.c))
fuzz_cas_mods  := $(filter-out mock-cas/main.c,$(wildcard mock-cas/*.c cas-portal/*.c))
fuzz_jstrict_MODS     := connector/jscan.c mock-cas/jspan.c
fuzz_config_MODS      := $(fuzz_conn_mods)
fuzz_callback_MODS    := $(fuzz_conn_mods)
fuzz_mapping_MODS     := $(fuzz_conn_mods) mock-cas/mapping.c
fuzz_faults_MODS      :=
fuzz_form_MODS        :=
fuzz_cas_handler_MODS := $(fuzz_cas_mods)
fuzz_ss_mods   := $(filter-out mock-smartsheet/main.c,$(wildcard mock-smartsheet/*.c))
fuzz_ss_handler_MODS  := $(fuzz_ss_mods)
fuzz_scenario_MODS    := $(fuzz_ss_mods)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$< [fuzz])$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -I$(call srcdir_of,$<) -c -o $@ $<

define fuzz_template
$(FUZZ_BUILD)/fuzz_$(1): $(FUZZ_BUILD)/obj/fuzz/fuzz_$(1).o \
        $$(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$$(fuzz_$(1)_MODS) $(COMMON_SRC))
	$$(call say,LD,$$@)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $(LDLIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_template,$(f))))

.PHONY: fuzz-deps fuzz-build fuzz-smoke fuzz
fuzz-deps:
	@KIT_EXTRA_PACKAGES="clang libclang-rt-dev" sh mk/ensure-deps.sh
fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(foreach f,$(FUZZERS),$(FUZZ_BUILD)/fuzz_$(f))
# Each harness for FUZZ_SMOKE_SECONDS on its seed corpus (CI).
fuzz-smoke: fuzz-build
	@sh mk/fuzz-run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZERS)
# Each harness for FUZZ_SECONDS, one at a time, at low priority.
fuzz: fuzz-build
	@nice -n 19 sh mk/fuzz-run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZERS)
