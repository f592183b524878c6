test_fsmsplit_LIBS := carpd
test_fsmsplit_STUBS := tests/unit/stub_clock.c
