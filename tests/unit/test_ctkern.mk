test_ctkern_LIBS := syncd
