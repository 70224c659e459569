#define _GNU_SOURCE
#include "pvd_poll.h"

#if defined(__linux__)
#include <time.h>

int pvd_ppoll(struct pollfd *fds, nfds_t count, int64_t timeout_nanoseconds) {
    if (timeout_nanoseconds < 0) timeout_nanoseconds = 0;
    struct timespec limit = {
        .tv_sec = (time_t)(timeout_nanoseconds / 1000000000),
        .tv_nsec = (long)(timeout_nanoseconds % 1000000000),
    };
    return ppoll(fds, count, &limit, NULL);
}
#endif
