// The page cache that knows its highest page. SQLite's default page cache (pcache1) is kept and every call goes
// to it, except one it can skip: at the end of every transaction the pager truncates the cache to the database's
// size (dropping pages past its end), and pcache1 decides how much of its hash table to walk from the highest
// page number it ever held. B-tree rebalancing swaps two pages' numbers through a temporary one far past the end
// (the pending-byte page: 262145 with 4 KiB pages), so after any transaction that split a page that number is
// the highest, and the truncate walks every bucket of the hash table and every page in it, one cache miss after
// another: with a page cache of tens of MiB, that is most of the cost of a commit.
//
// This layer tracks an upper bound of the page numbers the cache can hold: the highest number a fetch found or
// created, plus the numbers pages were renumbered to above it (kept apart, a few at most: rebalancing renumbers a
// page to the temporary number and back within one call). A truncate that can find no page at or past its limit
// is skipped: there is nothing for it to drop. Every other truncate goes through, and the bound then comes down
// to the limit. The bound only errs high (a page the default cache evicts on its own is still counted), and a
// high bound costs only the walk this layer exists to avoid, never a stale page.

#include "sqlite_pcache.h"
#include <pthread.h>
#include <stdlib.h>

enum { maxRenumbered = 8 };

typedef struct WatchedCache {
    sqlite3_pcache *inner;
    // Every page the cache holds has a number <= highest, or one listed in `renumbered`.
    unsigned highest;
    unsigned renumbered[maxRenumbered];
    int renumberedCount;
} WatchedCache;

static sqlite3_pcache_methods2 defaults;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static int installation = SQLITE_ERROR;
static long long skippedTruncates;
static long long passedTruncates;

static WatchedCache *watched(sqlite3_pcache *cache) { return (WatchedCache *)cache; }

static int watchedInit(void *arg) {
    (void)arg;
    return defaults.xInit != NULL ? defaults.xInit(defaults.pArg) : SQLITE_OK;
}

static void watchedShutdown(void *arg) {
    (void)arg;
    if (defaults.xShutdown != NULL) defaults.xShutdown(defaults.pArg);
}

static sqlite3_pcache *watchedCreate(int pageSize, int extraSize, int purgeable) {
    WatchedCache *cache = calloc(1, sizeof(WatchedCache));
    if (cache == NULL) return NULL;
    cache->inner = defaults.xCreate(pageSize, extraSize, purgeable);
    if (cache->inner == NULL) {
        free(cache);
        return NULL;
    }
    return (sqlite3_pcache *)cache;
}

static void watchedCachesize(sqlite3_pcache *cache, int pages) {
    defaults.xCachesize(watched(cache)->inner, pages);
}

static int watchedPagecount(sqlite3_pcache *cache) { return defaults.xPagecount(watched(cache)->inner); }

static sqlite3_pcache_page *watchedFetch(sqlite3_pcache *cache, unsigned key, int create) {
    WatchedCache *w = watched(cache);
    sqlite3_pcache_page *page = defaults.xFetch(w->inner, key, create);
    if (page != NULL && key > w->highest) w->highest = key;
    return page;
}

static void watchedUnpin(sqlite3_pcache *cache, sqlite3_pcache_page *page, int discard) {
    defaults.xUnpin(watched(cache)->inner, page, discard);
}

static void watchedRekey(sqlite3_pcache *cache, sqlite3_pcache_page *page, unsigned oldKey, unsigned newKey) {
    WatchedCache *w = watched(cache);
    defaults.xRekey(w->inner, page, oldKey, newKey);
    // No page holds oldKey any more (a number belongs to one page at most).
    for (int i = 0; i < w->renumberedCount; i++) {
        if (w->renumbered[i] == oldKey) {
            w->renumbered[i] = w->renumbered[--w->renumberedCount];
            break;
        }
    }
    if (newKey <= w->highest) return;
    if (w->renumberedCount < maxRenumbered) {
        w->renumbered[w->renumberedCount++] = newKey;
    } else {
        w->highest = newKey;  // too many to list: the bound rises instead, which is only ever safe
    }
}

static void watchedTruncate(sqlite3_pcache *cache, unsigned limit) {
    WatchedCache *w = watched(cache);
    int reaches = limit == 0 || w->highest >= limit;
    for (int i = 0; i < w->renumberedCount && !reaches; i++) reaches = w->renumbered[i] >= limit;
    if (!reaches) {
        __atomic_add_fetch(&skippedTruncates, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_add_fetch(&passedTruncates, 1, __ATOMIC_RELAXED);
    defaults.xTruncate(w->inner, limit);
    // Every page numbered limit or more is gone.
    if (limit == 0) {
        w->highest = 0;
        w->renumberedCount = 0;
        return;
    }
    if (w->highest >= limit) w->highest = limit - 1;
    for (int i = 0; i < w->renumberedCount;) {
        if (w->renumbered[i] >= limit) {
            w->renumbered[i] = w->renumbered[--w->renumberedCount];
        } else {
            i++;
        }
    }
}

static void watchedDestroy(sqlite3_pcache *cache) {
    defaults.xDestroy(watched(cache)->inner);
    free(cache);
}

static void watchedShrink(sqlite3_pcache *cache) {
    if (defaults.xShrink != NULL) defaults.xShrink(watched(cache)->inner);
}

static void installOnce(void) {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &defaults) != SQLITE_OK || defaults.xCreate == NULL) return;
    static const sqlite3_pcache_methods2 methods = {
        1, NULL, watchedInit, watchedShutdown, watchedCreate, watchedCachesize, watchedPagecount, watchedFetch,
        watchedUnpin, watchedRekey, watchedTruncate, watchedDestroy, watchedShrink,
    };
    installation = sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods);
}

int atende_pcache_install(void) {
    pthread_once(&installed, installOnce);
    return installation;
}

long long atende_pcache_skipped_truncates(void) { return __atomic_load_n(&skippedTruncates, __ATOMIC_RELAXED); }

long long atende_pcache_passed_truncates(void) { return __atomic_load_n(&passedTruncates, __ATOMIC_RELAXED); }
