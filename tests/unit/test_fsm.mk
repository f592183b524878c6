test_fsm_LIBS := carpd
