#ifndef PVD_OPENAT2_H
#define PVD_OPENAT2_H

#include <stdint.h>

/* The RESOLVE_* flags of openat2(2) (linux/openat2.h), spelled out so Swift sees them as
   plain constants even where the kernel headers are older than Linux 5.6. */
#define PVD_RESOLVE_NO_XDEV       0x01
#define PVD_RESOLVE_NO_MAGICLINKS 0x02
#define PVD_RESOLVE_NO_SYMLINKS   0x04
#define PVD_RESOLVE_BENEATH       0x08

/* O_PATH and AT_EMPTY_PATH: glibc defines them only under _GNU_SOURCE, so Swift's Glibc
   module has neither. Values from the kernel's generic fcntl.h (x86-64 and arm64). */
#define PVD_O_PATH        010000000
#define PVD_AT_EMPTY_PATH 0x1000

/* openat2(2) with struct open_how {flags, mode, resolve}. glibc has no wrapper, so this is the
   raw syscall. Returns the new fd, or -errno (ENOSYS before Linux 5.6). */
int pvd_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve);

#endif
