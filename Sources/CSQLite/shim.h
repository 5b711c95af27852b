#include <sqlite3.h>

/// Turns off SQLite's memory statistics (sqlite3_config is variadic, so Swift cannot call it directly). With them
/// on, every allocation SQLite makes takes a process-wide mutex to count itself; atende never reads the counts.
/// Must run before SQLite initializes (the first open); afterwards it returns SQLITE_MISUSE and changes nothing.
static inline int atende_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
