test_rel_LIBS := syncd
