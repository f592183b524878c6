test_rulestate_LIBS := syncd
test_rulestate_STUBS := tests/unit/stub_ct.c tests/unit/stub_link.c \
	tests/unit/stub_ct_expect.c tests/unit/stub_defer.c \
	tests/unit/stub_clock.c tests/unit/stub_ruleset_kern.c
