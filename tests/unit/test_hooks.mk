test_hooks_LIBS := carpd
