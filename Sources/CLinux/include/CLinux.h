#ifndef PVD_CLINUX_H
#define PVD_CLINUX_H

/* Linux calls Swift cannot make directly. Each function returns 0 (or a non-negative
   result) on success and -errno on failure, so Swift never reads the global errno after
   the fact. */

#include <stdint.h>

/* Loop devices (linux/loop.h). The ioctl request numbers and struct loop_config /
   struct loop_info64 do not come through Glibc's Swift module, and ioctl is variadic,
   which Swift cannot call; these wrappers take plain integers instead. */

/* Asks /dev/loop-control for a free loop device (LOOP_CTL_GET_FREE); the kernel creates
   one if none is free. Returns its number. The number is only a hint: another process may
   bind it before we do, so callers retry pvd_loop_configure on -EBUSY. */
int pvd_loop_get_free(void);

/* Binds `backing_fd` to the loop device open at `loop_fd` in one step (LOOP_CONFIGURE,
   Linux >= 5.8), with LO_FLAGS_READ_ONLY and LO_FLAGS_AUTOCLEAR as asked. `size_limit`
   caps the device in bytes; 0 means the whole file. Returns -EBUSY when the device is
   already bound. */
int pvd_loop_configure(int loop_fd, int backing_fd, int read_only, int autoclear, uint64_t size_limit);

/* Unbinds the loop device open at `loop_fd` (LOOP_CLR_FD). The kernel defers the unbind
   to the last close when others still hold the device open. Returns -ENXIO when the
   device is not bound. */
int pvd_loop_clear(int loop_fd);

/* Makes the loop device re-read its backing file's size (LOOP_SET_CAPACITY). */
int pvd_loop_set_capacity(int loop_fd);

/* The backing file of the loop device open at `loop_fd`, by device and inode numbers
   (LOOP_GET_STATUS64: lo_device, lo_inode). Returns -ENXIO when the device is not bound. */
int pvd_loop_backing(int loop_fd, uint64_t *dev, uint64_t *ino);

/* The LO_FLAGS_* of the loop device open at `loop_fd` (LOOP_GET_STATUS64: lo_flags). */
int pvd_loop_flags(int loop_fd);

/* Turns LO_FLAGS_AUTOCLEAR on for a bound device (LOOP_GET_STATUS64, then
   LOOP_SET_STATUS64 with the same status plus the flag). With it the kernel unbinds the
   device at its last close: a device that a mount holds open goes away when the mount
   does. Setting it on a device nobody holds open unbinds it at the next open+close. */
int pvd_loop_set_autoclear(int loop_fd);

/* openat2 and its RESOLVE_* bits are in pvd_openat2.h; project quotas in pvd_quota.h. */

/* LO_FLAGS_* as returned by pvd_loop_flags (linux/loop.h). */
#define PVD_LO_FLAGS_READ_ONLY 1
#define PVD_LO_FLAGS_AUTOCLEAR 4

#include "pvd_openat2.h"
#include "pvd_quota.h"
#include "pvd_birth.h"
#include "pvd_rename.h"
#include "pvd_poll.h"

#endif
