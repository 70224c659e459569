#ifndef PVD_CLINUX_H
#define PVD_CLINUX_H

/* Linux calls Swift cannot make directly. Each function returns 0 (or a non-negative
   result) on success and -errno on failure. */

#include "pvd_openat2.h"
#include "pvd_quota.h"

#endif
