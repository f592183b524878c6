test_apply_LIBS := carpd
