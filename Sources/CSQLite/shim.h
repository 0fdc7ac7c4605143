// The system SQLite (libsqlite3-dev), for Hookwire's storage.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: tell SQLite to copy
// bound text and blobs.
static inline void (*hw_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
