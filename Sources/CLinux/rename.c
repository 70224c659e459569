#include "pvd_rename.h"

#if defined(__linux__)
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

/* The raw syscall rather than glibc's wrapper: the wrapper is hidden behind _GNU_SOURCE. */
int pvd_rename_noreplace(int fromfd, const char *from, int tofd, const char *to) {
#if defined(SYS_renameat2)
    long rc;
    do {
        rc = syscall(SYS_renameat2, fromfd, from, tofd, to, RENAME_NOREPLACE);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
#else
    (void)fromfd; (void)from; (void)tofd; (void)to;
    return -ENOSYS;
#endif
}
#endif
