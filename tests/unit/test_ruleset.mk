test_ruleset_LIBS := syncd
