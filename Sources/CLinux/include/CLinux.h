#ifndef PVD_CLINUX_H
#define PVD_CLINUX_H

/* Linux calls Swift cannot make directly. Each function returns 0 (or a non-negative
   result) on success and -errno on failure. */

#endif
