// A page cache over SQLite's default one that skips the end-of-transaction truncates that can drop nothing
// (see pcache.c).
#ifndef ATENDE_SQLITE_PCACHE_H
#define ATENDE_SQLITE_PCACHE_H

#include <sqlite3.h>

/// Installs the page cache once per process; later calls do nothing. It must run before SQLite initializes (before
/// any connection opens or VFS registers): afterwards SQLite refuses the change (SQLITE_MISUSE, returned here) and
/// keeps its default cache. SQLITE_OK when installed.
int atende_pcache_install(void);

/// How many truncates the page cache has skipped since the process started, all connections together. For tests.
long long atende_pcache_skipped_truncates(void);

/// How many truncates the page cache has passed on to SQLite's default cache. For tests.
long long atende_pcache_passed_truncates(void);

#endif
