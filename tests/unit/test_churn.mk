test_churn_LIBS := syncd
test_churn_STUBS := tests/unit/stub_ct.c tests/unit/stub_link.c \
	tests/unit/stub_defer.c tests/unit/stub_clock.c
