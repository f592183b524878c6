test_defer_ring_LIBS := syncd
