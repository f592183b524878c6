test_slot_LIBS := carpd
