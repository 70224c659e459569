#ifndef PVD_BIRTH_H
#define PVD_BIRTH_H

#include <stdint.h>

/* The birth time of `path` relative to `dirfd` (statx(2) with STATX_BTIME, not following a final
   symlink; an empty path means dirfd itself), in seconds and nanoseconds since the epoch.
   Swift's Glibc module does not expose statx (it needs _GNU_SOURCE). Returns 0, -errno, or
   -ENODATA when the filesystem does not record birth times. */
int pvd_birth_time(int dirfd, const char *path, int64_t *seconds, uint32_t *nanoseconds);

#endif
