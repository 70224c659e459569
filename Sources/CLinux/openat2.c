#include "CLinux.h"

#if defined(__linux__)
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture (asm-generic) */
#endif

int pvd_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    /* openat2 rejects a mode without O_CREAT or O_TMPFILE (EINVAL), unlike openat. */
    how.mode = (uint64_t)(unsigned int)mode;
    how.resolve = resolve;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : (int)fd;
}

#else
#include <errno.h>
int pvd_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) { return -ENOSYS; }
#endif
