# carp: CARP election daemon (carpd), conntrack state replicator (syncd)
# and their control tool (carpctl).
#
#   make            build build/carpd build/carpctl build/syncd
#   make check      install deps, build, run every test (unit, ASan/UBSan
#                   unit, golden configs, namespace integration, end to
#                   end, each fuzz target for 10 s, a short benchmark run)
#   make unit       unit tests only (no root needed)
#   make demo       two-firewall lab with a live failover
#   make bench      speed and memory figures, side by side with keepalived
#                   and ucarp (QUICK=1: a reduced set); tables and charts
#                   in build/bench
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (60) each
#   make fuzz-smoke the same for 10 s each, after replaying the regressions
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        build/carp_VERSION_ARCH.deb (debian/; VERSION from
#                   debian/changelog)

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system
DESTDIR	?=

BUILD	?= build
CC	?= cc
PKGS	:= libnetfilter_conntrack libmnl libnftnl libcrypto libevent \
	   libprotobuf-c libnetfilter_queue json-c libcap-ng libseccomp \
	   libsystemd
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare \
	   -Wno-missing-field-initializers
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -Icommon -Iproto \
	   -I$(BUILD)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

PROTOS	:= $(wildcard proto/*.proto)
GEN_C	:= $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H	:= $(GEN_C:.c=.h)

# Sources by role. Each daemon's main lives in its own file so that the
# unit tests can link every other module.
# carpctl's walk over the reply fields is shared: the daemons format their
# metrics-listen answer with it (common/metrics.c), as carpctl metrics does.
CTL_SHARED := carpd/carpctl_field.c
COMMON_SRC := $(wildcard common/*.c) $(wildcard proto/*.c) $(CTL_SHARED)
CARPD_MAIN := carpd/carpd.c
CTL_MAIN   := carpd/carpctl.c
CTL_SRC	   := $(wildcard carpd/carpctl*.c)
CARPD_SRC  := $(filter-out $(CARPD_MAIN) $(CTL_SRC),$(wildcard carpd/*.c))
SYNCD_MAIN := syncd/syncd.c
SYNCD_SRC  := $(filter-out $(SYNCD_MAIN),$(wildcard syncd/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC)) $(GEN_C:.c=.o)
CARPD_OBJ  := $(call obj,$(CARPD_SRC))
SYNCD_OBJ  := $(call obj,$(SYNCD_SRC))
CTL_OBJ	   := $(call obj,$(filter-out $(CTL_MAIN) $(CTL_SHARED),$(CTL_SRC)))

BINS	:= $(BUILD)/carpd $(BUILD)/carpctl
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
ifneq ($(wildcard $(SYNCD_MAIN)),)
BINS	+= $(BUILD)/syncd
endif

.PHONY: all tools deps check unit unit-san golden integ e2e demo bench install \
	clean lint fuzz fuzz-smoke bench-smoke deb
.SECONDARY:

all: $(BINS) $(TOOL_BIN)

deps:
	@sh tests/deps.sh

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# Generated protobuf code is not ours: build it without our warning set.
$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) -std=gnu11 -O2 -g -I$(BUILD)/gen \
	    $(if $(filter 1,$(SANITIZE)),-fsanitize=address$(,)undefined) \
	    -c -o $@ $<
, := ,

$(BUILD)/obj/%.o: %.c $(GEN_H) $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libcarpd.a: $(CARPD_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libsyncd.a: $(SYNCD_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libcarpctl.a: $(CTL_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/carpd: $(call obj,$(CARPD_MAIN)) $(BUILD)/libcarpd.a $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/carpctl: $(call obj,$(CTL_MAIN)) $(BUILD)/libcarpctl.a \
		$(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/syncd: $(call obj,$(SYNCD_MAIN)) $(BUILD)/libsyncd.a $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: tests/unit/test_NAME.c, one Check program each. A test that
# needs daemon modules says which in tests/unit/test_NAME.mk:
#   test_NAME_LIBS := carpd     (or syncd, carpctl, or several)
#   test_NAME_STUBS := tests/unit/stub_ct.c ...
# Stubs link before the libraries, so the archive members they replace
# (the kernel and the network) are never pulled in: the link-time seam.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
-include $(wildcard tests/unit/*.mk)
unitlibs = $(foreach l,$($(1)_LIBS),$(BUILD)/lib$(l).a)
unitstubs = $(call obj,$($(1)_STUBS))

# Each test depends only on the libraries it declares, so one daemon's
# work in progress does not hold up the other's tests.
.SECONDEXPANSION:
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(call unitstubs,$$*) \
		$$(call unitlibs,$$*) $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call unitstubs,$*) $(call unitlibs,$*) \
	    $(BUILD)/libcommon.a $(LDLIBS) $(shell pkg-config --libs check)

# Test and benchmark tools: tests/tools/NAME.c -> $(BUILD)/tools/NAME
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
tools: $(TOOL_BIN)

unit: all $(UNIT_BIN)
	@sh tests/run-unit.sh $(BUILD)/tests

unit-san:
	$(MAKE) SANITIZE=1 BUILD=build/san unit

golden: all
	@sh tests/golden/run.sh $(BUILD)

integ: all
	@sh tests/run-integ.sh tests/integ

e2e: all
	@sh tests/run-integ.sh tests/e2e

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) unit-san
	$(MAKE) golden
	$(MAKE) integ
	@if [ -d tests/e2e ]; then $(MAKE) e2e; fi
	$(MAKE) fuzz-smoke
	$(MAKE) bench-smoke

demo: deps all
	@sh tests/lab/demo.sh

# make bench QUICK=1: the reduced set (under 3 minutes); bench-smoke: one
# short run of the side-by-side harness and its report, for make check.
bench: deps all
	@BUILD=$(BUILD) BENCH_QUICK=$(if $(QUICK),1,0) sh tests/bench/run.sh
	@BUILD=$(BUILD) sh tests/bench/report.sh >$(BUILD)/bench/report.md
	@echo "tables: $(BUILD)/bench/report.md"
	@BUILD=$(BUILD) sh tests/bench/plot.sh $(BUILD)/bench

bench-smoke: all
	@BUILD=$(BUILD) sh tests/bench/smoke.sh

# libFuzzer targets: tests/fuzz/fuzz_NAME.c -> $(FUZZ)/fuzz_NAME, linked
# with the project's modules built again by clang with coverage and
# ASan/UBSan (tests/fuzz/README). Corpora: tests/fuzz/corpus/NAME.
FUZZ	:= $(BUILD)/fuzz
FUZZ_CC	:= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -I. -Icommon -Iproto \
	    -I$(BUILD)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	    $(FUZZ_SAN)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(FUZZ_SRC))
fuzzobj = $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))
# A target links the common modules and one daemon's: syncd's unless
# FUZZ_LIBS_NAME says carpd or carpctl (picked by .SECONDEXPANSION, set above).
FUZZ_LIBS_carpin := carpd
FUZZ_LIBS_ctl	:= carpctl
fuzzlib = $(FUZZ)/libfuzz$(or $(FUZZ_LIBS_$(1)),syncd).a
# FUZZ_STUBS_NAME link before the libraries, as the unit tests' stubs do
# (tests/unit/test_engine.mk): the whole syncd engine without root.
FUZZ_STUBS_rx	:= tests/unit/stub_ct.c tests/unit/stub_link.c \
		   tests/unit/stub_ct_expect.c \
		   tests/unit/stub_defer.c tests/unit/stub_clock.c
# a wall clock that keeps mkseeds' strict counters fresh (stub_clock.c)
FUZZ_STUBS_carpin := tests/unit/stub_clock.c
fuzzstubs = $(call fuzzobj,$(FUZZ_STUBS_$(1)))

$(FUZZ)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -O1 -g -I$(BUILD)/gen $(FUZZ_SAN) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) \
		$(GEN_H) $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ)/obj/%.o: %.c $(GEN_H) $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_XFLAGS) -fsanitize=fuzzer-no-link \
	    -c -o $@ $<
$(FUZZ)/libfuzzcommon.a: $(call fuzzobj,$(COMMON_SRC) $(GEN_C))
	rm -f $@ && ar rcs $@ $^
$(FUZZ)/libfuzzcarpd.a: $(call fuzzobj,$(CARPD_SRC))
	rm -f $@ && ar rcs $@ $^
$(FUZZ)/libfuzzsyncd.a: $(call fuzzobj,$(SYNCD_SRC))
	rm -f $@ && ar rcs $@ $^
$(FUZZ)/libfuzzcarpctl.a: $(call fuzzobj,$(filter-out $(CTL_MAIN) \
		$(CTL_SHARED),$(CTL_SRC)))
	rm -f $@ && ar rcs $@ $^
# the targets' own helpers (tests/fuzz/*.c but the targets and mkseeds)
$(FUZZ)/libfuzzhelp.a: $(call fuzzobj,$(filter-out $(FUZZ_SRC) \
		tests/fuzz/mkseeds.c,$(wildcard tests/fuzz/*.c)))
	rm -f $@ && ar rcs $@ $^
$(FUZZ)/fuzz_%: $(FUZZ)/obj/tests/fuzz/fuzz_%.o $$(call fuzzstubs,$$*) \
		$(FUZZ)/libfuzzhelp.a $$(call fuzzlib,$$*) $(FUZZ)/libfuzzcommon.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
# The seed generator (tests/fuzz/mkseeds.sh runs it): no fuzzer main.
$(FUZZ)/mkseeds: $(FUZZ)/obj/tests/fuzz/mkseeds.o $(FUZZ)/libfuzzhelp.a \
		$(FUZZ)/libfuzzsyncd.a $(FUZZ)/libfuzzcommon.a
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

fuzz-smoke: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ) 10

# Units and init scripts name /usr/local/sbin; they get the real SBINDIR.
DOCDIR	?= $(PREFIX)/share/doc/carp
install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/init.d \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples
	install -d -m 700 $(DESTDIR)$(SYSCONFDIR)/carp
	install -m 755 $(BUILD)/carpd $(BUILD)/carpctl $(BUILD)/syncd \
	    $(DESTDIR)$(SBINDIR)/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	for f in carpd syncd; do \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' rc/$$f.service \
		>$(DESTDIR)$(UNITDIR)/$$f.service && \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' rc/$$f.init \
		>$(DESTDIR)$(SYSCONFDIR)/init.d/$$f && \
	    chmod 755 $(DESTDIR)$(SYSCONFDIR)/init.d/$$f || exit 1; done
	install -m 644 etc/carp.conf etc/carp.conf.fw2 \
	    $(DESTDIR)$(DOCDIR)/examples/
	if [ ! -f $(DESTDIR)$(SYSCONFDIR)/carp.conf ]; then \
	    install -m 600 etc/carp.conf $(DESTDIR)$(SYSCONFDIR)/; fi

# The Debian package, built by dpkg-buildpackage in a copy of the tree
# under $(BUILD)/deb: it writes its results next to the tree it builds,
# and its clean step would remove our build directory. Only the .deb is
# kept, as $(BUILD)/carp_VERSION_ARCH.deb; the log is in $(BUILD)/deb.
# Our make's flags and command-line variables (make exports them) stay
# out of the package's own make, which builds in its tree's build/.
DEB_JOBS ?= 2
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	tar -cf - --exclude=./.git $(addprefix --exclude=./,$(sort build \
	    $(BUILD))) . | tar -xf - -C $(BUILD)/deb/src
	cd $(BUILD)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    -u BUILD -u SANITIZE dpkg-buildpackage -b -us -uc -j$(DEB_JOBS) \
	    >../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && \
	    a=$$(dpkg-architecture -qDEB_HOST_ARCH) && \
	    mv $(BUILD)/deb/carp_$${v}_$$a.deb $(BUILD)/ && \
	    echo "$(BUILD)/carp_$${v}_$$a.deb"

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning -Icommon -Iproto \
	    --include=/usr/include/x86_64-linux-gnu/sys/queue.h \
	    common carpd syncd proto

clean:
	rm -rf build
