test_carpctl_LIBS := carpctl
