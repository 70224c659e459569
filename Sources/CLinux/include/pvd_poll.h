#ifndef PVD_POLL_H
#define PVD_POLL_H

#include <poll.h>
#include <stdint.h>

/* poll(2) with a timeout in nanoseconds (ppoll, no signal mask change): the store's change
   wake-up pauses for a fraction of a millisecond, which poll's milliseconds cannot say.
   Swift's Glibc module does not expose ppoll (it needs _GNU_SOURCE). Returns what ppoll does,
   with errno set on -1. */
int pvd_ppoll(struct pollfd *fds, nfds_t count, int64_t timeout_nanoseconds);

#endif
