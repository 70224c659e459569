#define _GNU_SOURCE
#include "pvd_birth.h"

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

/* Recovery tells a leftover pvd made after this node was recorded in its store from a volume
   that predates the store: ctime and mtime move with every write, only the birth time does not. */
int pvd_birth_time(int dirfd, const char *path, int64_t *seconds, uint32_t *nanoseconds) {
    struct statx stx;
    int flags = AT_SYMLINK_NOFOLLOW | (path[0] == '\0' ? AT_EMPTY_PATH : 0);
    if (statx(dirfd, path, flags, STATX_BTIME, &stx) != 0) return -errno;
    if (!(stx.stx_mask & STATX_BTIME)) return -ENODATA;
    *seconds = stx.stx_btime.tv_sec;
    *nanoseconds = stx.stx_btime.tv_nsec;
    return 0;
}
#endif
