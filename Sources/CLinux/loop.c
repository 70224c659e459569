#include "CLinux.h"

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/loop.h>

/* ioctl sets errno; every wrapper hands it back negated. */
static int neg_errno(int r) { return r < 0 ? -errno : r; }

int pvd_loop_get_free(void) {
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) return -errno;
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    int err = n < 0 ? -errno : n;
    close(ctl);
    return err;
}

int pvd_loop_configure(int loop_fd, int backing_fd, int read_only, int autoclear, uint64_t size_limit) {
    if (loop_fd < 0 || backing_fd < 0) return -EBADF;
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (uint32_t)backing_fd;
    /* block_size 0: the kernel picks 512, as losetup does by default. */
    config.info.lo_sizelimit = size_limit;
    if (read_only) config.info.lo_flags |= LO_FLAGS_READ_ONLY;
    if (autoclear) config.info.lo_flags |= LO_FLAGS_AUTOCLEAR;
    return neg_errno(ioctl(loop_fd, LOOP_CONFIGURE, &config));
}

int pvd_loop_clear(int loop_fd) {
    return neg_errno(ioctl(loop_fd, LOOP_CLR_FD, 0));
}

int pvd_loop_set_capacity(int loop_fd) {
    return neg_errno(ioctl(loop_fd, LOOP_SET_CAPACITY, 0));
}

int pvd_loop_backing(int loop_fd, uint64_t *dev, uint64_t *ino) {
    struct loop_info64 info;
    memset(&info, 0, sizeof info);
    if (ioctl(loop_fd, LOOP_GET_STATUS64, &info) < 0) return -errno;
    if (dev) *dev = info.lo_device;
    if (ino) *ino = info.lo_inode;
    return 0;
}

int pvd_loop_flags(int loop_fd) {
    struct loop_info64 info;
    memset(&info, 0, sizeof info);
    if (ioctl(loop_fd, LOOP_GET_STATUS64, &info) < 0) return -errno;
    return (int)info.lo_flags;
}

int pvd_loop_set_autoclear(int loop_fd) {
    struct loop_info64 info;
    memset(&info, 0, sizeof info);
    if (ioctl(loop_fd, LOOP_GET_STATUS64, &info) < 0) return -errno;
    if (info.lo_flags & LO_FLAGS_AUTOCLEAR) return 0;
    /* The kernel keeps the flags SET_STATUS64 may not change and takes AUTOCLEAR from
       here; offset and size limit are passed back unchanged, so it does not resize. */
    info.lo_flags |= LO_FLAGS_AUTOCLEAR;
    return neg_errno(ioctl(loop_fd, LOOP_SET_STATUS64, &info));
}

#else
#include <errno.h>
int pvd_loop_get_free(void) { return -ENOSYS; }
int pvd_loop_configure(int loop_fd, int backing_fd, int read_only, int autoclear, uint64_t size_limit) { return -ENOSYS; }
int pvd_loop_clear(int loop_fd) { return -ENOSYS; }
int pvd_loop_set_capacity(int loop_fd) { return -ENOSYS; }
int pvd_loop_backing(int loop_fd, uint64_t *dev, uint64_t *ino) { return -ENOSYS; }
int pvd_loop_flags(int loop_fd) { return -ENOSYS; }
int pvd_loop_set_autoclear(int loop_fd) { return -ENOSYS; }
#endif
