test_msg_LIBS := syncd
