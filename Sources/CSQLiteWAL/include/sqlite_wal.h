// The "atende-wal" VFS: SQLite's default VFS, except that a WAL file gathers a transaction's frames in memory and
// writes them with one pwrite when the commit frame is complete, instead of two writes per frame (see wal.c).
#ifndef ATENDE_SQLITE_WAL_H
#define ATENDE_SQLITE_WAL_H

#include <sqlite3.h>

/// The VFS's name, for sqlite3_open_v2.
#define ATENDE_WAL_VFS "atende-wal"

/// Registers the VFS (not as the default) once per process; later calls do nothing. SQLITE_OK or SQLite's error.
int atende_wal_vfs_register(void);

/// After a commit: writes whatever the WAL file of `db`'s main database still holds in memory. Returns the number
/// of bytes it had to write (0 when the commit frame already sent everything, as it always should), or -1 when that
/// write, or any write of the file since the last settle or discard, failed: SQLite may count as committed what
/// the file does not hold. Connections not opened through the VFS, or not in WAL mode, return 0.
long long atende_wal_settle(sqlite3 *db);

/// Before a rollback: drops the frames the WAL file holds in memory (they belong to the transaction being rolled
/// back) and forgets failed writes.
void atende_wal_discard(sqlite3 *db);

/// Tests: the next `count` writes of the WAL file to the disk fail with SQLITE_IOERR_WRITE, writing nothing.
void atende_wal_fail_writes_for_tests(sqlite3 *db, int count);

/// How many writes (gathered runs, and writes passed straight through) the WAL file of `db`'s main database has
/// handed to the default VFS since it was opened (-1 when it is not one of this VFS's WAL files). For tests.
long long atende_wal_write_count(sqlite3 *db);

#endif
