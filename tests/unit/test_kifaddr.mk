test_kifaddr_LIBS := carpd
