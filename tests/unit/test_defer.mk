test_defer_LIBS := syncd
