test_link_LIBS := syncd
