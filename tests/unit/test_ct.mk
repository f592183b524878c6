test_ct_LIBS := syncd
