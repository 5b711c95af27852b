// The "atende-wal" VFS. SQLite appends a transaction to the WAL as frames, each a 24-byte header and a page, and
// writes each part with its own pwrite: a commit of 12 pages costs 24 system calls, each taking the inode lock,
// looking up the page-cache folio and updating the file times, on the loop's thread. This VFS is the default one except for WAL files, which gather appended frames in memory and hand
// them to the default VFS in one write when the commit frame's page arrives (a frame header whose "database size
// after commit" field is not zero marks the commit frame).
//
// Only appended frames are gathered: a 24-byte header that starts a run or continues it (but not one written
// where the last read began: SQLite rewrites a header in place right after reading its frame, when it recomputes
// checksums), and the page right after a gathered header. Every other write (the WAL header, a page overwritten in place, a rewritten
// header, a write SQLite split at a sync point) goes straight through, after the run. Any other use of the file
// (a read, its size, a sync, a truncation, a file control, closing it) writes the run first. So what is gathered
// is always the tail of a transaction that has not committed yet: SQLite updates the wal-index (where readers
// learn of new frames) only after the commit frame's write returns, and no reader can meet a frame still in
// memory. A failed write returns SQLite's I/O error from the call that caused it, as the default VFS would have
// from the write itself, and SQLite fails the transaction.
// After each commit `atende_wal_settle` writes whatever is still gathered (nothing, unless SQLite changes how it
// writes frames) and reports any failed write since the last commit or rollback, which only an error SQLite did
// not pass on can leave behind; `atende_wal_discard` drops the gathered frames of a transaction rolled back.

#include "sqlite_wal.h"
#include <pthread.h>
#include <string.h>

// A WAL file, or any other file passed through untouched; the default VFS's file follows it in memory.
typedef struct GatheringFile {
    sqlite3_file base;
    sqlite3_file *real;
    int isWAL;
    // The gathered run: `used` bytes meant for file offset `start`.
    unsigned char *buffer;
    int used;
    int capacity;
    sqlite3_int64 start;
    // The last write gathered was a frame header (2 when it was the commit frame's: its page ends the run).
    int headerGathered;
    // Where the last read began, until the next write (-1 for none): a header written there is rewritten.
    sqlite3_int64 readAt;
    // A write to the default VFS failed since the last settle or discard.
    int writeFailed;
    // Writes handed to the default VFS: runs, and writes passed straight through (for tests).
    long long writes;
    // Tests: this many writes to the default VFS fail (SQLITE_IOERR_WRITE) without writing.
    int failWrites;
} GatheringFile;

enum {
    frameHeaderSize = 24,
    walHeaderSize = 32,
    firstCapacity = 64 * 1024,
    // A run never grows past this: a larger transaction (thousands of pages) goes out in runs of this size.
    maxCapacity = 4 * 1024 * 1024,
    maxPiece = 64 * 1024,
};

static sqlite3_vfs *parent;
static sqlite3_vfs gatheringVFS;
static const sqlite3_io_methods gatheringMethods;

static sqlite3_file *realFile(sqlite3_file *file) { return ((GatheringFile *)file)->real; }

// Hands a write to the default VFS (or fails it, when a test asked), remembering a failure.
static int writeReal(GatheringFile *f, const void *data, int amount, sqlite3_int64 offset) {
    int rc = SQLITE_IOERR_WRITE;
    if (f->failWrites > 0) {
        f->failWrites -= 1;
    } else {
        rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    if (rc != SQLITE_OK) f->writeFailed = 1;
    return rc;
}

// Writes the gathered run, if any, in pieces the default VFS takes whole (its writes keep only the low 17 bits of
// the length: 128 KiB or more would be cut short).
static int writeRun(GatheringFile *f) {
    int done = 0;
    int rc = SQLITE_OK;
    if (f->used > 0) f->writes += 1;
    while (done < f->used && rc == SQLITE_OK) {
        int piece = f->used - done < maxPiece ? f->used - done : maxPiece;
        rc = writeReal(f, f->buffer + done, piece, f->start + done);
        done += piece;
    }
    f->used = 0;
    f->headerGathered = 0;
    return rc;
}

// Writes straight through to the default VFS.
static int writeThrough(GatheringFile *f, const void *data, int amount, sqlite3_int64 offset) {
    f->writes += 1;
    return writeReal(f, data, amount, offset);
}

static int gatheringClose(sqlite3_file *file) {
    GatheringFile *f = (GatheringFile *)file;
    int rc = writeRun(f);
    int closed = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->buffer);
    f->buffer = NULL;
    f->capacity = 0;
    return rc != SQLITE_OK ? rc : closed;
}

static int gatheringRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    GatheringFile *f = (GatheringFile *)file;
    int rc = writeRun(f);
    if (rc != SQLITE_OK) return rc;
    f->readAt = offset;
    sqlite3_file *real = realFile(file);
    return real->pMethods->xRead(real, data, amount, offset);
}

// Makes room for `amount` more bytes; false when the run may not grow that far (or memory is short).
static int reserve(GatheringFile *f, int amount) {
    if ((sqlite3_int64)f->used + amount <= f->capacity) return 1;
    sqlite3_int64 wanted = f->capacity > 0 ? f->capacity : firstCapacity;
    while (wanted < (sqlite3_int64)f->used + amount) wanted *= 2;
    if (wanted > maxCapacity) return 0;
    unsigned char *grown = sqlite3_realloc64(f->buffer, (sqlite3_uint64)wanted);
    if (grown == NULL) return 0;
    f->buffer = grown;
    f->capacity = (int)wanted;
    return 1;
}

static int gatheringWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    GatheringFile *f = (GatheringFile *)file;
    if (!f->isWAL) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    int rewrite = offset == f->readAt;
    f->readAt = -1;
    int continues = f->used > 0 && offset == f->start + f->used;
    // Frame headers are the only 24-byte writes past the WAL header; bytes 4-7 hold the database size in pages
    // after a commit, zero in every frame but a transaction's last.
    int header = amount == frameHeaderSize && offset >= walHeaderSize && !rewrite && (continues || f->used == 0);
    int page = !header && continues && f->headerGathered;
    int rc;
    if (!(header || page) || !reserve(f, amount)) {
        if ((rc = writeRun(f)) != SQLITE_OK) return rc;
        return writeThrough(f, data, amount, offset);
    }
    int endsCommit = page && f->headerGathered == 2;
    if (f->used == 0) f->start = offset;
    memcpy(f->buffer + f->used, data, (size_t)amount);
    f->used += amount;
    if (header) {
        const unsigned char *bytes = data;
        f->headerGathered = (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0 ? 2 : 1;
    } else {
        f->headerGathered = 0;
    }
    return endsCommit ? writeRun(f) : SQLITE_OK;
}

static int gatheringTruncate(sqlite3_file *file, sqlite3_int64 size) {
    int rc = writeRun((GatheringFile *)file);
    if (rc != SQLITE_OK) return rc;
    sqlite3_file *real = realFile(file);
    return real->pMethods->xTruncate(real, size);
}

static int gatheringSync(sqlite3_file *file, int flags) {
    int rc = writeRun((GatheringFile *)file);
    if (rc != SQLITE_OK) return rc;
    sqlite3_file *real = realFile(file);
    return real->pMethods->xSync(real, flags);
}

static int gatheringFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    int rc = writeRun((GatheringFile *)file);
    if (rc != SQLITE_OK) return rc;
    sqlite3_file *real = realFile(file);
    return real->pMethods->xFileSize(real, size);
}

static int gatheringLock(sqlite3_file *file, int level) {
    sqlite3_file *real = realFile(file);
    return real->pMethods->xLock(real, level);
}

static int gatheringUnlock(sqlite3_file *file, int level) {
    sqlite3_file *real = realFile(file);
    return real->pMethods->xUnlock(real, level);
}

static int gatheringCheckReservedLock(sqlite3_file *file, int *out) {
    sqlite3_file *real = realFile(file);
    return real->pMethods->xCheckReservedLock(real, out);
}

static int gatheringFileControl(sqlite3_file *file, int op, void *argument) {
    int rc = writeRun((GatheringFile *)file);
    if (rc != SQLITE_OK) return rc;
    sqlite3_file *real = realFile(file);
    return real->pMethods->xFileControl(real, op, argument);
}

static int gatheringSectorSize(sqlite3_file *file) {
    sqlite3_file *real = realFile(file);
    return real->pMethods->xSectorSize(real);
}

static int gatheringDeviceCharacteristics(sqlite3_file *file) {
    sqlite3_file *real = realFile(file);
    return real->pMethods->xDeviceCharacteristics(real);
}

// Shared memory (the wal-index) and memory mapping belong to the database file, which is passed through.
static int gatheringShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return real->pMethods->xShmMap(real, region, size, extend, out);
}

static int gatheringShmLock(sqlite3_file *file, int offset, int count, int flags) {
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return real->pMethods->xShmLock(real, offset, count, flags);
}

static void gatheringShmBarrier(sqlite3_file *file) {
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion >= 2) real->pMethods->xShmBarrier(real);
}

static int gatheringShmUnmap(sqlite3_file *file, int deleteFlag) {
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion < 2) return SQLITE_OK;
    return real->pMethods->xShmUnmap(real, deleteFlag);
}

static int gatheringFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    *out = NULL;
    int rc = writeRun((GatheringFile *)file);
    if (rc != SQLITE_OK) return rc;
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion < 3) return SQLITE_OK;
    return real->pMethods->xFetch(real, offset, amount, out);
}

static int gatheringUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    sqlite3_file *real = realFile(file);
    if (real->pMethods->iVersion < 3) return SQLITE_OK;
    return real->pMethods->xUnfetch(real, offset, page);
}

static const sqlite3_io_methods gatheringMethods = {
    3,
    gatheringClose,
    gatheringRead,
    gatheringWrite,
    gatheringTruncate,
    gatheringSync,
    gatheringFileSize,
    gatheringLock,
    gatheringUnlock,
    gatheringCheckReservedLock,
    gatheringFileControl,
    gatheringSectorSize,
    gatheringDeviceCharacteristics,
    gatheringShmMap,
    gatheringShmLock,
    gatheringShmBarrier,
    gatheringShmUnmap,
    gatheringFetch,
    gatheringUnfetch,
};

static int gatheringOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    GatheringFile *f = (GatheringFile *)file;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)&f[1];
    f->readAt = -1;
    int rc = parent->xOpen(parent, name, f->real, flags, outFlags);
    // SQLite calls xClose only on a file whose pMethods is set, failed open or not.
    f->base.pMethods = f->real->pMethods != NULL ? &gatheringMethods : NULL;
    f->isWAL = (flags & SQLITE_OPEN_WAL) != 0;
    return rc;
}

static int registration = SQLITE_ERROR;
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void registerOnce(void) {
    parent = sqlite3_vfs_find(NULL);
    if (parent == NULL) return;
    // Everything but opening files is the default VFS's own (its functions find their state through pAppData,
    // which the copy keeps).
    gatheringVFS = *parent;
    gatheringVFS.zName = ATENDE_WAL_VFS;
    gatheringVFS.pNext = NULL;
    gatheringVFS.szOsFile = (int)sizeof(GatheringFile) + parent->szOsFile;
    gatheringVFS.xOpen = gatheringOpen;
    registration = sqlite3_vfs_register(&gatheringVFS, 0);
}

int atende_wal_vfs_register(void) {
    pthread_once(&registered, registerOnce);
    return registration;
}

// The main database's WAL file when it is one of ours.
static GatheringFile *walOf(sqlite3 *db) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK || file == NULL
        || file->pMethods != &gatheringMethods || !((GatheringFile *)file)->isWAL) {
        return NULL;
    }
    return (GatheringFile *)file;
}

long long atende_wal_write_count(sqlite3 *db) {
    GatheringFile *f = walOf(db);
    return f != NULL ? f->writes : -1;
}

long long atende_wal_settle(sqlite3 *db) {
    GatheringFile *f = walOf(db);
    if (f == NULL) return 0;
    long long left = f->used;
    int rc = writeRun(f);
    int failed = f->writeFailed || rc != SQLITE_OK;
    f->writeFailed = 0;
    return failed ? -1 : left;
}

void atende_wal_discard(sqlite3 *db) {
    GatheringFile *f = walOf(db);
    if (f == NULL) return;
    f->used = 0;
    f->headerGathered = 0;
    f->writeFailed = 0;
}

void atende_wal_fail_writes_for_tests(sqlite3 *db, int count) {
    GatheringFile *f = walOf(db);
    if (f != NULL) f->failWrites = count;
}
