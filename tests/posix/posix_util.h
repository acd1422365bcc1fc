/* Helpers shared by the POSIX port's tests: scratch directories, and a
 * multicast group and port of their own for each test run, so parallel
 * runs on one CI machine do not hear each other. */
#ifndef BM_TEST_POSIX_UTIL_H
#define BM_TEST_POSIX_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); its path goes to out.
 * Returns 0 or -1. */
int posix_tmpdir(char *out, size_t cap);
/* Removes dir and everything below it. */
void posix_rmtree(const char *dir);
/* A port and a group derived from the pid and salt (one per test). */
uint16_t posix_test_port(unsigned salt);
void posix_test_group(char *out, size_t cap, unsigned salt);

#endif
