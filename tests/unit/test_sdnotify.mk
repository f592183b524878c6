test_sdnotify_LIBS := carpd
