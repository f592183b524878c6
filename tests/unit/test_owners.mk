test_owners_LIBS := syncd
test_owners_STUBS := tests/unit/engine_test.c tests/unit/stub_ct.c \
	tests/unit/stub_link.c tests/unit/stub_ct_expect.c \
	tests/unit/stub_defer.c tests/unit/stub_clock.c
