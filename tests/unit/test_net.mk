test_net_LIBS := carpd
