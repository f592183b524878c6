test_seal_LIBS := syncd
