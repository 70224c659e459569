/* statx and the xattr calls are GNU extensions; this must come before any system header. */
#define _GNU_SOURCE 1
#include "pvd_quota.h"

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/quota.h>

int pvd_get_projid(int fd, uint32_t *projid, int *inherit) {
    struct fsxattr fa;
    memset(&fa, 0, sizeof fa);
    if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0) return -errno;
    *projid = fa.fsx_projid;
    *inherit = (fa.fsx_xflags & FS_XFLAG_PROJINHERIT) ? 1 : 0;
    return 0;
}

/* Get first, then set: FSSETXATTR replaces every field, so the others must be written back
   as they were. */
int pvd_set_projid(int fd, uint32_t projid) {
    struct fsxattr fa;
    memset(&fa, 0, sizeof fa);
    if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0) return -errno;
    fa.fsx_projid = projid;
    fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
    if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0) return -errno;
    return 0;
}

/* glibc has no quotactl_fd wrapper, and its sys/quota.h is not always installed; the generic
   VFS interface (struct if_dqblk) works for ext4 and XFS alike. */
static int quotactl_any(int fd, const char *device, int cmd, uint32_t id, void *addr) {
    long rc = -1;
    errno = ENOSYS;
#if defined(SYS_quotactl_fd)
    rc = syscall(SYS_quotactl_fd, fd, (unsigned int)cmd, (int)id, addr);
#endif
    if (rc < 0 && errno == ENOSYS && device != NULL) {
        rc = syscall(SYS_quotactl, cmd, device, (int)id, addr);
    }
    return rc < 0 ? -errno : 0;
}

int pvd_quota_get(int fd, const char *device, uint32_t projid,
                  uint64_t *hard_kib, uint64_t *space_bytes, uint64_t *inodes) {
    struct if_dqblk q;
    memset(&q, 0, sizeof q);
    int rc = quotactl_any(fd, device, QCMD(Q_GETQUOTA, PRJQUOTA), projid, &q);
    if (rc < 0) return rc;
    *hard_kib = q.dqb_bhardlimit;
    *space_bytes = q.dqb_curspace;
    *inodes = q.dqb_curinodes;
    return 0;
}

int pvd_quota_set(int fd, const char *device, uint32_t projid, uint64_t hard_kib) {
    struct if_dqblk q;
    memset(&q, 0, sizeof q);
    q.dqb_bhardlimit = hard_kib;
    q.dqb_bsoftlimit = 0;
    q.dqb_valid = QIF_BLIMITS;
    return quotactl_any(fd, device, QCMD(Q_SETQUOTA, PRJQUOTA), projid, &q);
}

int pvd_mount_id(int fd, uint64_t *mount_id) {
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0) return -errno;
    if (!(sx.stx_mask & STATX_MNT_ID)) return -ENOSYS;
    *mount_id = sx.stx_mnt_id;
    return 0;
}

long pvd_fgetxattr(int fd, const char *name, void *value, size_t size) {
    ssize_t n = fgetxattr(fd, name, value, size);
    return n < 0 ? -errno : (long)n;
}

int pvd_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0) < 0 ? -errno : 0;
}

int pvd_fremovexattr(int fd, const char *name) {
    return fremovexattr(fd, name) < 0 ? -errno : 0;
}
#endif
