test_group_LIBS := carpd
