test_bulk_LIBS := syncd
