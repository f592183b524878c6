test_auth_LIBS := carpd
