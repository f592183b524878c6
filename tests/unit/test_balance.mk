test_balance_LIBS := carpd
