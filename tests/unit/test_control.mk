test_control_LIBS := carpd
