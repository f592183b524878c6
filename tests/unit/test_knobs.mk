test_knobs_LIBS := carpd
