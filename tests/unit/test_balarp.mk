test_balarp_LIBS := carpd
