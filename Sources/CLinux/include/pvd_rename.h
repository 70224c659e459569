#ifndef PVD_RENAME_H
#define PVD_RENAME_H

/* renameat2(2) with RENAME_NOREPLACE: moves `from` (under `fromfd`) to `to` (under `tofd`) only
   if nothing is at `to`, atomically. Swift's Glibc module does not expose renameat2 (it needs
   _GNU_SOURCE). pvd makes a volume directory under a private name, tags it, then moves it into
   place with this, so a directory that appears at the volume's path is never adopted, and a
   crash never leaves an untagged directory there. Returns 0 or -errno (-EEXIST when `to` exists). */
int pvd_rename_noreplace(int fromfd, const char *from, int tofd, const char *to);

#endif
