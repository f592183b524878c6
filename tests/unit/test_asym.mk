test_asym_LIBS := syncd
test_asym_STUBS := tests/unit/stub_ct.c tests/unit/stub_link.c \
	tests/unit/stub_ct_expect.c \
	tests/unit/stub_defer.c tests/unit/stub_clock.c
