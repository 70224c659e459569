#include "pvd_openat2.h"

#if defined(__linux__)
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

/* glibc provides no openat2 wrapper; the kernel resolves the path under the RESOLVE_* rules,
   which is what lets pvd refuse symlinks and mount crossings without a check-then-use race. */
int pvd_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) {
#if defined(SYS_openat2)
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    how.mode = (uint64_t)(unsigned int)mode;
    how.resolve = resolve;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : (int)fd;
#else
    (void)dirfd; (void)path; (void)flags; (void)mode; (void)resolve;
    return -ENOSYS;
#endif
}
#endif
