#ifndef PVD_QUOTA_H
#define PVD_QUOTA_H

#include <stdint.h>
#include <stddef.h>

/* Project quotas and the few file calls around them. Each returns 0 (or a length) on success
   and -errno on failure. */

/* Reads a file's project id and whether FS_XFLAG_PROJINHERIT is set (FS_IOC_FSGETXATTR). */
int pvd_get_projid(int fd, uint32_t *projid, int *inherit);

/* Sets a directory's project id and FS_XFLAG_PROJINHERIT, so what is made inside inherits
   the id (FS_IOC_FSGETXATTR, then FS_IOC_FSSETXATTR). */
int pvd_set_projid(int fd, uint32_t projid);

/* One project's quota: the block hard limit in 1 KiB blocks, the space in use in bytes and the
   inode count (quotactl Q_GETQUOTA for PRJQUOTA). `fd` is any file on the filesystem and is
   used with quotactl_fd(2) (Linux 5.14); `device` (may be NULL) is the fallback for older
   kernels, given to quotactl(2). */
int pvd_quota_get(int fd, const char *device, uint32_t projid,
                  uint64_t *hard_kib, uint64_t *space_bytes, uint64_t *inodes);

/* Sets one project's block hard limit in 1 KiB blocks (0: no limit), soft limit 0
   (quotactl Q_SETQUOTA with QIF_BLIMITS for PRJQUOTA), like pvd_quota_get. */
int pvd_quota_set(int fd, const char *device, uint32_t projid, uint64_t hard_kib);

/* The id of the mount `fd` is on (statx STATX_MNT_ID, Linux 5.8): the first field of
   /proc/self/mountinfo, which is how pvd finds a path's filesystem without guessing. */
int pvd_mount_id(int fd, uint64_t *mount_id);

/* fgetxattr(2)/fsetxattr(2): sys/xattr.h is not part of Swift's Glibc module. */
long pvd_fgetxattr(int fd, const char *name, void *value, size_t size);
int pvd_fsetxattr(int fd, const char *name, const void *value, size_t size);
int pvd_fremovexattr(int fd, const char *name);

#endif
