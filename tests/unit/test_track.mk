test_track_LIBS := carpd
