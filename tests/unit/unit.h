/* What every unit test program's main does with its suite. */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <check.h>

/* Run every test of s: exit status 0 if all passed, else 1. */
static inline int
unit_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? 0 : 1);
}

#endif
