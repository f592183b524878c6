test_kif_LIBS := carpd
