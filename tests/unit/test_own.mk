test_own_LIBS := syncd
