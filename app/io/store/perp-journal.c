/* perp-journal.c: the signal journal in SQLite, its outcomes and statistics
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-journal"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "perp-journal.h"

G_DEFINE_QUARK (perp-journal-error-quark, perp_journal_error)

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define APPLICATION_TAG "perpscope-journal"

struct _PerpJournal
{
  GObject      parent_instance;

  char        *path;
  gboolean     read_only;
  gboolean     no_details;  /* PERP_JOURNAL_FLAGS_NO_DETAILS */
  guint        snapshot_holds;  /* perp_journal_hold_snapshot() not yet released */
  GMutex       lock;     /* guards db: the caller's thread and the writer both use it */
  sqlite3     *db;
  GHashTable  *statements; /* SQL text -> its prepared statement, idle; under the lock */
  GThreadPool *writer;   /* one thread: queued writes run in order */
};

G_DEFINE_FINAL_TYPE (PerpJournal, perp_journal, G_TYPE_OBJECT)

/* Set on the writer threads. */
static GPrivate in_writer_thread;

/* ------------------------------------------------------------------ schema */

/* Step i takes the schema from version i to i + 1.  Never edit a released step: add a
 * new one, and bump PERP_JOURNAL_SCHEMA_VERSION. */
static const char * const migrations[PERP_JOURNAL_SCHEMA_VERSION] = {
  /* 0 -> 1 */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL);"
  "CREATE TABLE signals ("
  "  id               INTEGER PRIMARY KEY,"
  "  symbol           TEXT NOT NULL,"
  "  interval         TEXT NOT NULL,"
  "  time             INTEGER NOT NULL,"
  "  direction        INTEGER NOT NULL,"
  "  long_pct         REAL, short_pct REAL, confidence REAL,"
  "  tier             TEXT NOT NULL,"
  "  coverage         REAL, evidence REAL, price REAL, atr REAL,"
  "  status           TEXT NOT NULL CHECK (status IN ('signal', 'blocked', 'below_threshold', 'no_plan', 'neutral')),"
  "  reason           TEXT,"
  "  plan_status      TEXT,"
  "  entry            REAL, stop REAL, stop_anchor TEXT, stop_structure REAL,"
  "  stop_adjusted    INTEGER, risk_per_unit REAL, reward_risk REAL,"
  "  expires_at       INTEGER, break_even_after INTEGER, trail_after INTEGER,"
  "  sizing_status    TEXT, size_entry REAL, size_stop REAL, target_risk REAL,"
  "  ideal_qty REAL, quantity REAL, notional REAL, risk REAL, risk_diff_pct REAL,"
  "  min_valid_risk REAL, heat_pct REAL,"
  "  breaker_action   TEXT, threshold_raise REAL, size_factor REAL);"
  "CREATE INDEX signals_time ON signals (time);"
  "CREATE INDEX signals_symbol_time ON signals (symbol, time);"
  "CREATE INDEX signals_status_time ON signals (status, time);"
  "CREATE TABLE signal_factors ("
  "  signal_id    INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,"
  "  factor       TEXT NOT NULL,"
  "  value        REAL, state TEXT NOT NULL, age_ms INTEGER,"
  "  weight       REAL, contribution REAL, reason TEXT,"
  "  PRIMARY KEY (signal_id, factor)) WITHOUT ROWID;"
  "CREATE INDEX signal_factors_factor ON signal_factors (factor, signal_id);"
  "CREATE TABLE signal_targets ("
  "  signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,"
  "  idx       INTEGER NOT NULL,"
  "  price REAL NOT NULL, r REAL, share REAL, kind TEXT,"
  "  PRIMARY KEY (signal_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE signal_breakers ("
  "  signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,"
  "  breaker   TEXT NOT NULL, action TEXT NOT NULL,"
  "  threshold_raise REAL, size_factor REAL, until INTEGER, reason TEXT,"
  "  PRIMARY KEY (signal_id, breaker)) WITHOUT ROWID;"
  "CREATE TABLE outcomes ("
  "  signal_id      INTEGER PRIMARY KEY REFERENCES signals (id) ON DELETE CASCADE,"
  "  state          TEXT NOT NULL,"
  "  entry_mode     INTEGER, expires_at INTEGER,"
  "  entry_time     INTEGER, entry_price REAL, entry_fill REAL, stop REAL,"
  "  first_hit      INTEGER, first_hit_time INTEGER,"
  "  break_even_time INTEGER, trail_time INTEGER,"
  "  remaining      REAL, exit_time INTEGER, n_candles INTEGER,"
  "  mfe_price REAL, mae_price REAL, mfe_r REAL, mae_r REAL,"
  "  gross_r REAL, fees_r REAL, slippage_r REAL, result_r REAL);"
  "CREATE INDEX outcomes_state ON outcomes (state);"
  "CREATE INDEX outcomes_exit_time ON outcomes (exit_time);"
  "CREATE TABLE exits ("
  "  signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,"
  "  idx       INTEGER NOT NULL,"
  "  kind TEXT NOT NULL, target INTEGER, time INTEGER NOT NULL,"
  "  price REAL, fill REAL, share REAL, r REAL,"
  "  PRIMARY KEY (signal_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE breaker_events ("
  "  id         INTEGER PRIMARY KEY,"
  "  breaker    TEXT NOT NULL,"
  "  action     TEXT NOT NULL,"
  "  symbol     TEXT,"
  "  reason     TEXT,"
  "  time       INTEGER NOT NULL,"
  "  resumed_at INTEGER);"
  "CREATE INDEX breaker_events_time ON breaker_events (breaker, time);"
  "CREATE TABLE labels ("
  "  id         INTEGER PRIMARY KEY,"
  "  symbol     TEXT NOT NULL,"
  "  interval   TEXT NOT NULL,"
  "  object     TEXT NOT NULL,"
  "  direction  INTEGER NOT NULL,"
  "  price_low REAL, price_high REAL,"
  "  first_time INTEGER NOT NULL, last_time INTEGER NOT NULL,"
  "  note       TEXT);"
  "CREATE INDEX labels_symbol_time ON labels (symbol, first_time);"
  "INSERT INTO meta (key, value) VALUES ('application', '" APPLICATION_TAG "');",

  /* 1 -> 2: a taken signal is "settled" once its outcome is neither pending nor open
   * (the trade is over, or never filled).  The breakers read the open positions before
   * every score; without the flag that meant visiting every taken signal's outcome,
   * with it a partial index holds only the unsettled ones. */
  "ALTER TABLE signals ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;"
  "UPDATE signals SET settled = 1"
  "  WHERE id IN (SELECT signal_id FROM outcomes WHERE state NOT IN ('pending', 'open'));"
  "CREATE INDEX signals_unsettled ON signals (time) WHERE status = 'signal' AND settled = 0;",

  /* 2 -> 3: funding paid (or received) while a position was held, in R, and the
   * settlements it was held through.  Outcomes written before knew no funding: 0.
   * (In parentheses: clang takes two literals in a row in an array for a missing
   * comma.) */
  ("ALTER TABLE outcomes ADD COLUMN funding_r REAL NOT NULL DEFAULT 0;"
   "ALTER TABLE outcomes ADD COLUMN n_fundings INTEGER NOT NULL DEFAULT 0;"),

  /* 3 -> 4: the breakers read the latest resume before every score; without an index
   * that walked every daily-drawdown event ever written, a cost per score growing
   * with the journal (about half of a backtest's history queries after a year). */
  "CREATE INDEX breaker_events_resumed ON breaker_events (breaker, resumed_at);",
};

/* ------------------------------------------------------------------ names */

/* Enums are stored by name, so the file stays readable and survives reordering. */
#define DEFINE_FROM_NAME(fn, Type, count, name_fn)                  \
  static Type                                                       \
  fn (const char *name,                                             \
      Type        fallback)                                         \
  {                                                                 \
    for (guint i = 0; name != NULL && i < (guint) (count); i++)     \
      if (strcmp (name, name_fn ((Type) i)) == 0)                   \
        return (Type) i;                                            \
    return fallback;                                                \
  }

DEFINE_FROM_NAME (tier_from_name, PerpTier, PERP_N_TIERS, perp_tier_name)
DEFINE_FROM_NAME (plan_status_from_name, PerpPlanStatus, PERP_PLAN_NO_SIZE + 1, perp_plan_status_name)
DEFINE_FROM_NAME (stop_anchor_from_name, PerpStopAnchor, PERP_STOP_ATR + 1, perp_stop_anchor_name)
DEFINE_FROM_NAME (target_kind_from_name, PerpTargetKind, PERP_TARGET_LIQUIDITY + 1, perp_target_kind_name)
DEFINE_FROM_NAME (sizing_status_from_name, PerpSizingStatus, PERP_SIZING_REJECT_HEAT + 1, perp_sizing_status_name)

/**
 * perp_journal_session_name:
 * @time: Unix ms
 *
 * The trading session of @time, in fixed UTC hours so that the grouping does not shift
 * with daylight saving: asian 00-07, london 07-12, london-ny-overlap 12-16, new-york
 * 16-21, late 21-24.
 *
 * Returns: (transfer none): the session's name
 */
const char *
perp_journal_session_name (gint64 time)
{
  gint64 ms = time % PERP_MS_PER_DAY;
  gint64 hour;

  if (ms < 0)
    ms += PERP_MS_PER_DAY;
  hour = ms / PERP_MS_PER_HOUR;
  if (hour < 7)
    return "asian";
  if (hour < 12)
    return "london";
  if (hour < 16)
    return "london-ny-overlap";
  if (hour < 21)
    return "new-york";
  return "late";
}

/* ------------------------------------------------------------------ errors */

/* Turns an SQLite failure into an error that names the file and says what to do. */
static gboolean
db_fail (PerpJournal  *self,
         int           rc,
         const char   *doing,
         GError      **error)
{
  const char *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_BUSY,
                   "Journal %s is locked by another program (another Perpscope or a "
                   "database tool?) while %s: %s.  Nothing was written; close the "
                   "other program and try again", self->path, doing, detail);
      break;
    case SQLITE_FULL:
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_FULL,
                   "Journal %s is full (the disk has no space left, or the journal "
                   "reached its size limit) while %s: %s.  Nothing was written; free "
                   "some space and try again", self->path, doing, detail);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                   "Journal %s cannot be written while %s: %s.  Make the file and its "
                   "folder writable, or choose another journal file",
                   self->path, doing, detail);
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NOT_JOURNAL,
                   "%s is not a Perpscope journal, or it is damaged (%s while %s).  "
                   "Move it away or choose another journal file",
                   self->path, detail, doing);
      break;
    default:
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_FAILED,
                   "Journal %s: %s failed: %s", self->path, doing, detail);
      break;
    }
  return FALSE;
}

static gboolean
db_exec (PerpJournal  *self,
         const char   *sql,
         const char   *doing,
         GError      **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return db_fail (self, rc, doing, error);
  return TRUE;
}

/* Most statements run on every journaled score (a replay journals thousands a
 * minute), and compiling the SQL cost more than running it: a statement is prepared
 * once and kept for its next use.  One taken out of the cache is not in it, so a query
 * used inside its own row loop gets a second statement. */
#define MAX_CACHED_STATEMENTS 64

/* The cache's key: the SQL texts are a few dozen, some hundreds of bytes long, and
 * hashing all of each on every use cost 7 % of a backtest.  Their length and last
 * bytes (where the column and parameter lists differ) tell them apart; a collision
 * costs a comparison of the texts. */
static guint
sql_hash (gconstpointer key)
{
  const char *sql = key;
  gsize n = strlen (sql);
  guint hash = (guint) n;

  for (gsize i = n > 24 ? n - 24 : 0; i < n; i++)
    hash = hash * 31 + (guchar) sql[i];
  return hash;
}

static sqlite3_stmt *
db_prepare (PerpJournal  *self,
            const char   *sql,
            const char   *doing,
            GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* (The entry's key is the statement's own text: nothing to free.) */
  if (g_hash_table_steal_extended (self->statements, sql, NULL, (gpointer *) &stmt))
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      db_fail (self, rc, doing, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Done with a statement from db_prepare (): back to the cache, reset and unbound. */
static void
db_release (PerpJournal  *self,
            sqlite3_stmt *stmt)
{
  const char *sql;

  if (stmt == NULL)  /* a prepare that failed */
    return;
  sql = sqlite3_sql (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  /* Keyed by the statement's own copy of its SQL, which lives as long as it does: a
   * second statement of the same SQL replaces the first (key and all), which is
   * finalized.  That keeps one hash of the text per use and no copy of it. */
  if (g_hash_table_size (self->statements) >= MAX_CACHED_STATEMENTS
      && !g_hash_table_contains (self->statements, sql))
    sqlite3_finalize (stmt);
  else
    g_hash_table_replace (self->statements, (gpointer) sql, stmt);
}

/* Runs a statement that returns no rows, then releases it. */
static gboolean
db_step_done (PerpJournal   *self,
              sqlite3_stmt  *stmt,
              const char    *doing,
              GError       **error)
{
  int rc = sqlite3_step (stmt);

  db_release (self, stmt);
  if (rc != SQLITE_DONE)
    return db_fail (self, rc, doing, error);
  return TRUE;
}

static gboolean
db_begin (PerpJournal  *self,
          const char   *doing,
          GError      **error)
{
  if (self->read_only)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                   "Journal %s was opened read-only; cannot %s", self->path, doing);
      return FALSE;
    }
  /* IMMEDIATE takes the write lock up front, so a busy journal fails here, before
   * anything was written, rather than half-way. */
  return db_exec (self, "BEGIN IMMEDIATE", doing, error);
}

static gboolean
db_commit (PerpJournal  *self,
           const char   *doing,
           GError      **error)
{
  int rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      db_fail (self, rc, doing, error);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
db_rollback (PerpJournal *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
bind_double (sqlite3_stmt *stmt,
             int           index,
             double        value)
{
  /* SQLite stores NAN as NULL anyway; say so explicitly. */
  if (isnan (value))
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_double (stmt, index, value);
}

static void
bind_time (sqlite3_stmt *stmt,
           int           index,
           gint64        value)
{
  if (value < 0)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_int64 (stmt, index, value);
}

static double
column_double (sqlite3_stmt *stmt,
               int           index)
{
  return sqlite3_column_type (stmt, index) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, index);
}

static gint64
column_time (sqlite3_stmt *stmt,
             int           index)
{
  return sqlite3_column_type (stmt, index) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, index);
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return (const char *) sqlite3_column_text (stmt, index);
}

/* ------------------------------------------------------------------ object */

static void
statement_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
perp_journal_finalize (GObject *object)
{
  PerpJournal *self = PERP_JOURNAL (object);

  /* Waits for every queued write: a write the caller asked for is never dropped.  (Each
   * queued write holds a reference, so none is queued here; but the last reference may
   * be dropped by the writer thread itself, which must not wait for itself.) */
  if (self->writer != NULL)
    g_thread_pool_free (self->writer, FALSE, g_private_get (&in_writer_thread) == NULL);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_mutex_clear (&self->lock);
  g_free (self->path);

  G_OBJECT_CLASS (perp_journal_parent_class)->finalize (object);
}

static void
perp_journal_class_init (PerpJournalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = perp_journal_finalize;
}

static void
perp_journal_init (PerpJournal *self)
{
  g_mutex_init (&self->lock);
  self->statements = g_hash_table_new_full (sql_hash, g_str_equal, NULL, statement_free);
}

/**
 * perp_journal_default_path:
 *
 * Returns: (transfer full): $XDG_DATA_HOME/perpscope/journal.sqlite
 */
char *
perp_journal_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "perpscope", "journal.sqlite", NULL);
}

static void writer_run (gpointer data,
                        gpointer user_data);

/* The schema version, 0 for an empty file; refuses files that are not journals. */
static gboolean
read_version (PerpJournal  *self,
              int          *version,
              GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;
  int n_tables;
  gboolean has_meta;
  g_autofree char *application = NULL;
  g_autofree char *version_text = NULL;

  stmt = db_prepare (self, "SELECT count(*), sum(name = 'meta') FROM sqlite_master WHERE type = 'table'",
                     "reading the schema", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      db_release (self, stmt);
      return db_fail (self, rc, "reading the schema", error);
    }
  n_tables = sqlite3_column_int (stmt, 0);
  has_meta = sqlite3_column_int (stmt, 1) > 0;
  db_release (self, stmt);

  if (n_tables == 0)
    {
      *version = 0;
      return TRUE;
    }
  if (has_meta)
    {
      stmt = db_prepare (self, "SELECT (SELECT value FROM meta WHERE key = 'application'),"
                               " (SELECT value FROM meta WHERE key = 'schema_version')",
                         "reading the schema version", error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          application = g_strdup (column_text (stmt, 0));
          version_text = g_strdup (column_text (stmt, 1));
        }
      db_release (self, stmt);
    }
  if (g_strcmp0 (application, APPLICATION_TAG) != 0 || version_text == NULL)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NOT_JOURNAL,
                   "%s is an SQLite database but not a Perpscope journal; it was left "
                   "untouched.  Choose another journal file", self->path);
      return FALSE;
    }
  {
    gint64 v;

    if (!g_ascii_string_to_signed (version_text, 10, 1, G_MAXINT, &v, NULL))
      {
        g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NOT_JOURNAL,
                     "Journal %s has a damaged schema version \"%s\"; it was left untouched",
                     self->path, version_text);
        return FALSE;
      }
    *version = (int) v;
  }
  return TRUE;
}

static gboolean
refuse_newer (PerpJournal  *self,
              int           version,
              GError      **error)
{
  g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NEWER,
               "Journal %s has schema version %d, but this Perpscope knows only up to "
               "version %d.  It was left untouched: use a newer Perpscope, or choose "
               "another journal file", self->path, version, PERP_JOURNAL_SCHEMA_VERSION);
  return FALSE;
}

static gboolean
migrate (PerpJournal  *self,
         GError      **error)
{
  int version;
  sqlite3_stmt *stmt;

  if (!db_begin (self, "upgrading the schema", error))
    return FALSE;
  /* Again inside the write lock: another process may have migrated meanwhile. */
  if (!read_version (self, &version, error))
    goto fail;
  if (version > PERP_JOURNAL_SCHEMA_VERSION)
    {
      refuse_newer (self, version, error);
      goto fail;
    }
  if (version == PERP_JOURNAL_SCHEMA_VERSION)
    {
      db_rollback (self);
      return TRUE;
    }

  for (int v = version; v < PERP_JOURNAL_SCHEMA_VERSION; v++)
    {
      g_autofree char *doing = g_strdup_printf ("upgrading the schema from version %d to %d", v, v + 1);

      if (!db_exec (self, migrations[v], doing, error))
        goto fail;
    }
  stmt = db_prepare (self, "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                     "writing the schema version", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int (stmt, 1, PERP_JOURNAL_SCHEMA_VERSION);
  if (!db_step_done (self, stmt, "writing the schema version", error))
    goto fail;
  return db_commit (self, "upgrading the schema", error);

fail:
  db_rollback (self);
  return FALSE;
}

/* WAL mode, which lets a report read while the engine writes.  It lives in the file, so
 * it needs a file system that supports it (not a network one). */
static gboolean
switch_to_wal (PerpJournal  *self,
               GError      **error)
{
  sqlite3_stmt *stmt = db_prepare (self, "PRAGMA journal_mode = WAL", "switching to WAL mode", error);
  gboolean wal;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  wal = rc == SQLITE_ROW && g_ascii_strcasecmp (column_text (stmt, 0), "wal") == 0;
  db_release (self, stmt);
  if (rc != SQLITE_ROW)
    {
      db_fail (self, rc, "switching to WAL mode", error);
      return FALSE;
    }
  if (!wal)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_OPEN,
                   "Journal %s cannot use WAL mode (a network file system?); choose a "
                   "journal file on a local disk", self->path);
      return FALSE;
    }
  return TRUE;
}

/**
 * perp_journal_open:
 * @path: (nullable): the file; %NULL for perp_journal_default_path().  Its folder is
 *   created when missing.
 *
 * Opens the journal, creating it or upgrading its schema.  A journal with a newer
 * schema than this build knows, or a file that is not a journal, is refused and left
 * exactly as it was.
 *
 * Returns: (transfer full) (nullable): the journal
 */
PerpJournal *
perp_journal_open (const char        *path,
                   PerpJournalFlags   flags,
                   GError           **error)
{
  g_autoptr(PerpJournal) self = NULL;
  g_autofree char *dir = NULL;
  int version;
  int rc;
  int open_flags;
  gboolean scratch;

  self = g_object_new (PERP_TYPE_JOURNAL, NULL);
  self->path = path != NULL ? g_strdup (path) : perp_journal_default_path ();
  self->read_only = (flags & PERP_JOURNAL_FLAGS_READ_ONLY) != 0;

  scratch = (flags & PERP_JOURNAL_FLAGS_SCRATCH) != 0;
  self->no_details = (flags & PERP_JOURNAL_FLAGS_NO_DETAILS) != 0;
  g_return_val_if_fail (!(scratch && self->read_only), NULL);
  /* A journal anyone else reads must be whole. */
  g_return_val_if_fail (!self->no_details || scratch, NULL);

  dir = g_path_get_dirname (self->path);
  if (!self->read_only && !scratch && g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, PERP_JOURNAL_ERROR,
                   saved_errno == EACCES || saved_errno == EROFS || saved_errno == EPERM
                   ? PERP_JOURNAL_ERROR_READ_ONLY : PERP_JOURNAL_ERROR_OPEN,
                   "Cannot create the folder %s for the journal %s: %s.  Choose another "
                   "journal file or fix the folder's permissions",
                   dir, self->path, g_strerror (saved_errno));
      return NULL;
    }

  /* SQLite's read-only open reports a missing file as "unable to open database file",
   * which reads like a permissions problem. */
  if (self->read_only && !g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_OPEN,
                   "Journal %s does not exist: there is nothing to read.  Check the path, "
                   "or let Perpscope create it by journaling signals first", self->path);
      return NULL;
    }

  open_flags = self->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  rc = sqlite3_open_v2 (scratch ? ":memory:" : self->path, &self->db, open_flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      if (self->db != NULL)
        {
          g_autoptr(GError) local = NULL;

          db_fail (self, rc, "opening", &local);
          sqlite3_close (self->db);
          self->db = NULL;
          if (local->code == PERP_JOURNAL_ERROR_FAILED)
            local->code = PERP_JOURNAL_ERROR_OPEN;
          g_propagate_error (error, g_steal_pointer (&local));
        }
      else
        g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_OPEN,
                     "Cannot open the journal %s: %s", self->path, sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, DEFAULT_BUSY_TIMEOUT_MS);

  /* SQLite silently falls back to read-only when the file is not writable; a journal
   * that drops every write would be worse than one that does not open. */
  if (!self->read_only && sqlite3_db_readonly (self->db, "main") == 1)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                   "Journal %s is read-only.  Make the file writable, or choose another "
                   "journal file", self->path);
      return NULL;
    }

  /* Look before changing anything: a newer or foreign file must stay untouched, and
   * even switching to WAL writes to it. */
  if (!read_version (self, &version, error))
    return NULL;
  if (version > PERP_JOURNAL_SCHEMA_VERSION)
    {
      refuse_newer (self, version, error);
      return NULL;
    }
  if (self->read_only)
    {
      if (version < PERP_JOURNAL_SCHEMA_READABLE_FROM)
        {
          g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                       "Journal %s has schema version %d and needs an upgrade to %d, "
                       "which a read-only open cannot do: open it once in the workstation "
                       "(perpscope --journal FILE) to upgrade it", self->path, version,
                       PERP_JOURNAL_SCHEMA_VERSION);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  /* (A database in memory has no file to share, nor a WAL.) */
  if (!scratch && !switch_to_wal (self, error))
    return NULL;
  if (!db_exec (self, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
                "setting up the connection", error))
    return NULL;
  if (!migrate (self, error))
    return NULL;

  self->writer = g_thread_pool_new (writer_run, NULL, 1, FALSE, NULL);
  return g_steal_pointer (&self);
}

/**
 * perp_journal_get_path:
 *
 * Returns: (transfer none): the file
 */
const char *
perp_journal_get_path (PerpJournal *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);

  return self->path;
}

/**
 * perp_journal_get_read_only:
 *
 * Returns: whether the journal was opened with %PERP_JOURNAL_FLAGS_READ_ONLY
 */
gboolean
perp_journal_get_read_only (PerpJournal *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);

  return self->read_only;
}

/**
 * perp_journal_hold_snapshot:
 *
 * Until perp_journal_release_snapshot(), every read sees the journal as it is now,
 * whatever another process writes to it meanwhile: a report's list, statistics and
 * charts then agree with each other.  Holds nest: the snapshot is the first one's,
 * and lasts until the last is released.  Only for a read-only journal (a writable
 * one's writer thread shares the connection); other processes' writes are not held
 * up.  Reads that make a transaction of their own (perp_journal_get_history()) fail
 * meanwhile.
 *
 * Returns: %TRUE when held; %FALSE with @error if the journal could not be read
 */
gboolean
perp_journal_hold_snapshot (PerpJournal  *self,
                            GError      **error)
{
  gboolean ok;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->read_only, FALSE);

  g_mutex_lock (&self->lock);
  /* A deferred transaction takes its snapshot at its first read. */
  ok = self->snapshot_holds > 0
       || db_exec (self, "BEGIN; SELECT count(*) FROM meta", "reading a snapshot of the journal", error);
  if (ok)
    self->snapshot_holds++;
  else
    db_rollback (self);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * perp_journal_release_snapshot:
 *
 * Lets reads see the journal's latest state again (see perp_journal_hold_snapshot()).
 */
void
perp_journal_release_snapshot (PerpJournal *self)
{
  g_return_if_fail (PERP_IS_JOURNAL (self));
  g_return_if_fail (self->snapshot_holds > 0);

  g_mutex_lock (&self->lock);
  if (--self->snapshot_holds == 0)
    db_rollback (self);
  g_mutex_unlock (&self->lock);
}

/**
 * perp_journal_set_busy_timeout:
 *
 * How long a write waits for another connection's lock before failing with
 * %PERP_JOURNAL_ERROR_BUSY (default 5 s).
 */
void
perp_journal_set_busy_timeout (PerpJournal *self,
                               guint        timeout_ms)
{
  g_return_if_fail (PERP_IS_JOURNAL (self));

  g_mutex_lock (&self->lock);
  sqlite3_busy_timeout (self->db, (int) MIN (timeout_ms, (guint) G_MAXINT));
  g_mutex_unlock (&self->lock);
}

/**
 * perp_journal_set_power_safe:
 * @power_safe: TRUE (the default): every write is on the disk when it returns, even
 *   across a power cut (SQLite's synchronous=FULL).  FALSE: a write survives the
 *   process being killed but the last ones may be lost to a power cut
 *   (synchronous=NORMAL), about a hundred times faster, for bulk replays that can be
 *   run again.
 */
void
perp_journal_set_power_safe (PerpJournal *self,
                             gboolean     power_safe)
{
  g_return_if_fail (PERP_IS_JOURNAL (self));

  g_mutex_lock (&self->lock);
  sqlite3_exec (self->db, power_safe ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                NULL, NULL, NULL);
  g_mutex_unlock (&self->lock);
}

/**
 * perp_journal_set_size_limit:
 * @max_bytes: the largest the journal may grow, 0 for no limit
 *
 * Past the limit writes fail with %PERP_JOURNAL_ERROR_FULL, as on a full disk.
 */
gboolean
perp_journal_set_size_limit (PerpJournal  *self,
                             gint64        max_bytes,
                             GError      **error)
{
  g_autofree char *sql = NULL;
  gboolean ok;
  sqlite3_stmt *stmt;
  gint64 page_size = 4096;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (max_bytes >= 0, FALSE);

  g_mutex_lock (&self->lock);
  stmt = db_prepare (self, "PRAGMA page_size", "reading the page size", error);
  ok = stmt != NULL;
  if (ok && sqlite3_step (stmt) == SQLITE_ROW)
    page_size = MAX (sqlite3_column_int64 (stmt, 0), 512);
  db_release (self, stmt);
  if (ok)
    {
      /* 4294967294 pages is SQLite's own maximum: "no limit". */
      sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                             max_bytes > 0 ? MAX (max_bytes / page_size, 1) : G_GINT64_CONSTANT (4294967294));
      ok = db_exec (self, sql, "setting the size limit", error);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

/* ------------------------------------------------------------------ signals */

/* A signal as it will be stored: copies of everything, so that it can wait in the
 * writer's queue after the engine's update is gone. */
typedef struct
{
  char              *symbol;
  PerpInterval       interval;
  PerpScore          score;
  char              *factor_reasons[PERP_N_FACTORS];
  gboolean           has_plan;
  PerpPlan           plan;
  gboolean           has_verdict;
  PerpBreakerVerdict verdict;
  PerpSignalStatus   status;
  char              *reason;
  gboolean           details;  /* factors, targets and breaker results are stored too */
} SignalRecord;

static void
signal_record_free (SignalRecord *record)
{
  g_free (record->symbol);
  for (guint i = 0; i < PERP_N_FACTORS; i++)
    g_free (record->factor_reasons[i]);
  if (record->has_verdict)
    perp_breaker_verdict_clear (&record->verdict);
  g_free (record->reason);
  g_free (record);
}

/* Without @details (PERP_JOURNAL_FLAGS_NO_DETAILS) the record has no factor reasons
 * and no breaker results: what insert_signal_locked() would not store. */
static SignalRecord *
signal_record_new (const char               *symbol,
                   PerpInterval              interval,
                   const PerpScore          *score,
                   const PerpPlan           *plan,
                   const PerpBreakerVerdict *verdict,
                   PerpSignalStatus          status,
                   const char               *reason,
                   gboolean                  details)
{
  SignalRecord *record = g_new0 (SignalRecord, 1);

  record->symbol = g_strdup (symbol);
  record->interval = interval;
  record->score = *score;
  record->details = details;
  /* Rendered now: reason texts may point at strings that do not outlive the update. */
  for (guint i = 0; i < PERP_N_FACTORS; i++)
    {
      record->factor_reasons[i] = details ? perp_reason_format (&score->factors[i].reason) : NULL;
      record->score.factors[i].reason.text = NULL;
    }
  if (plan != NULL)
    {
      record->has_plan = TRUE;
      record->plan = *plan;
    }
  if (verdict != NULL)
    {
      record->has_verdict = TRUE;
      record->verdict = *verdict;
      record->verdict.n_results = details ? MIN (verdict->n_results, (guint) PERP_N_BREAKERS) : 0;
      for (guint i = 0; i < record->verdict.n_results; i++)
        record->verdict.results[i].reason = g_strdup (verdict->results[i].reason);
    }
  record->status = status;
  record->reason = g_strdup (reason);
  return record;
}

static const char signal_insert_sql[] =
  "INSERT INTO signals (symbol, interval, time, direction, long_pct, short_pct, confidence,"
  " tier, coverage, evidence, price, atr, status, reason,"
  " plan_status, entry, stop, stop_anchor, stop_structure, stop_adjusted, risk_per_unit,"
  " reward_risk, expires_at, break_even_after, trail_after,"
  " sizing_status, size_entry, size_stop, target_risk, ideal_qty, quantity, notional, risk,"
  " risk_diff_pct, min_valid_risk, heat_pct,"
  " breaker_action, threshold_raise, size_factor)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
  " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
  " ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)";

static gint64
insert_signal_locked (PerpJournal         *self,
                      const SignalRecord  *r,
                      GError             **error)
{
  const char *doing = "adding a signal";
  const PerpScore *s = &r->score;
  sqlite3_stmt *stmt;
  gint64 id;

  if (!db_begin (self, doing, error))
    return -1;

  stmt = db_prepare (self, signal_insert_sql, doing, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, r->symbol, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, perp_interval_to_string (r->interval), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, s->time);
  sqlite3_bind_int (stmt, 4, s->direction);
  bind_double (stmt, 5, s->long_pct);
  bind_double (stmt, 6, s->short_pct);
  bind_double (stmt, 7, s->confidence);
  sqlite3_bind_text (stmt, 8, perp_tier_name (s->tier), -1, SQLITE_STATIC);
  bind_double (stmt, 9, s->coverage);
  bind_double (stmt, 10, s->evidence);
  bind_double (stmt, 11, s->price);
  bind_double (stmt, 12, s->atr);
  sqlite3_bind_text (stmt, 13, perp_signal_status_name (r->status), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 14, r->reason, -1, SQLITE_STATIC);
  if (r->has_plan)
    {
      const PerpPlan *p = &r->plan;
      const PerpSizing *z = &p->sizing;

      sqlite3_bind_text (stmt, 15, perp_plan_status_name (p->status), -1, SQLITE_STATIC);
      bind_double (stmt, 16, p->entry);
      bind_double (stmt, 17, p->stop);
      sqlite3_bind_text (stmt, 18, perp_stop_anchor_name (p->stop_anchor), -1, SQLITE_STATIC);
      bind_double (stmt, 19, p->stop_structure);
      sqlite3_bind_int (stmt, 20, p->stop_adjusted);
      bind_double (stmt, 21, p->risk_per_unit);
      bind_double (stmt, 22, p->reward_risk);
      bind_time (stmt, 23, p->expires_at);
      sqlite3_bind_int (stmt, 24, (int) p->break_even_after);
      sqlite3_bind_int (stmt, 25, (int) p->trail_after);
      sqlite3_bind_text (stmt, 26, perp_sizing_status_name (z->status), -1, SQLITE_STATIC);
      bind_double (stmt, 27, z->entry);
      bind_double (stmt, 28, z->stop);
      bind_double (stmt, 29, z->target_risk);
      bind_double (stmt, 30, z->ideal_qty);
      bind_double (stmt, 31, z->quantity);
      bind_double (stmt, 32, z->notional);
      bind_double (stmt, 33, z->risk);
      bind_double (stmt, 34, z->risk_diff_pct);
      bind_double (stmt, 35, z->min_valid_risk);
      bind_double (stmt, 36, z->heat_pct);
    }
  if (r->has_verdict)
    {
      sqlite3_bind_text (stmt, 37, perp_breaker_action_name (r->verdict.action), -1, SQLITE_STATIC);
      bind_double (stmt, 38, r->verdict.threshold_raise);
      bind_double (stmt, 39, r->verdict.size_factor);
    }
  if (!db_step_done (self, stmt, doing, error))
    goto fail;
  id = sqlite3_last_insert_rowid (self->db);

  for (guint i = 0; r->details && i < PERP_N_FACTORS; i++)
    {
      const PerpFactorScore *f = &s->factors[i];

      stmt = db_prepare (self, "INSERT INTO signal_factors (signal_id, factor, value, state, age_ms,"
                               " weight, contribution, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         doing, error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_text (stmt, 2, perp_factor_name ((PerpFactor) i), -1, SQLITE_STATIC);
      bind_double (stmt, 3, f->value);
      sqlite3_bind_text (stmt, 4, perp_data_state_name (f->state), -1, SQLITE_STATIC);
      bind_time (stmt, 5, f->age_ms);
      bind_double (stmt, 6, f->weight);
      bind_double (stmt, 7, f->contribution);
      sqlite3_bind_text (stmt, 8, r->factor_reasons[i], -1, SQLITE_STATIC);
      if (!db_step_done (self, stmt, doing, error))
        goto fail;
    }

  for (guint i = 0; r->details && r->has_plan && i < MIN (r->plan.n_targets, (guint) PERP_PLAN_MAX_TARGETS); i++)
    {
      const PerpTarget *t = &r->plan.targets[i];

      stmt = db_prepare (self, "INSERT INTO signal_targets (signal_id, idx, price, r, share, kind)"
                               " VALUES (?, ?, ?, ?, ?, ?)", doing, error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int (stmt, 2, (int) i);
      bind_double (stmt, 3, t->price);
      bind_double (stmt, 4, t->r);
      bind_double (stmt, 5, t->share);
      sqlite3_bind_text (stmt, 6, perp_target_kind_name (t->kind), -1, SQLITE_STATIC);
      if (!db_step_done (self, stmt, doing, error))
        goto fail;
    }

  for (guint i = 0; r->has_verdict && i < r->verdict.n_results; i++)
    {
      const PerpBreakerResult *b = &r->verdict.results[i];

      stmt = db_prepare (self, "INSERT OR REPLACE INTO signal_breakers (signal_id, breaker, action,"
                               " threshold_raise, size_factor, until, reason)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", doing, error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_text (stmt, 2, perp_breaker_name (b->breaker), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, perp_breaker_action_name (b->action), -1, SQLITE_STATIC);
      bind_double (stmt, 4, b->threshold_raise);
      bind_double (stmt, 5, b->size_factor);
      bind_time (stmt, 6, b->until);
      sqlite3_bind_text (stmt, 7, b->reason, -1, SQLITE_STATIC);
      if (!db_step_done (self, stmt, doing, error))
        goto fail;
    }

  if (!db_commit (self, doing, error))
    return -1;
  return id;

fail:
  db_rollback (self);
  return -1;
}

static gboolean
check_signal_args (const char       *symbol,
                   const PerpScore  *score,
                   PerpSignalStatus  status,
                   GError          **error)
{
  if (symbol == NULL || *symbol == '\0' || score == NULL || (guint) status >= PERP_N_SIGNAL_STATUSES)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID,
                   "A signal needs a symbol, a score and a status");
      return FALSE;
    }
  return TRUE;
}

/**
 * perp_journal_add_signal:
 * @plan: (nullable): the plan, when one was built
 * @verdict: (nullable): the breakers' verdict
 * @reason: (nullable): why it was blocked or discarded
 *
 * Stores a signal with its factors, plan, targets and breaker results in one
 * transaction (in a journal opened with %PERP_JOURNAL_FLAGS_NO_DETAILS, the signal's
 * row alone).
 *
 * Returns: the signal's id (> 0), or -1 with @error
 */
gint64
perp_journal_add_signal (PerpJournal               *self,
                         const char                *symbol,
                         PerpInterval               interval,
                         const PerpScore           *score,
                         const PerpPlan            *plan,
                         const PerpBreakerVerdict  *verdict,
                         PerpSignalStatus           status,
                         const char                *reason,
                         GError                   **error)
{
  SignalRecord *record;
  gint64 id;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), -1);

  if (!check_signal_args (symbol, score, status, error))
    return -1;
  record = signal_record_new (symbol, interval, score, plan, verdict, status, reason, !self->no_details);
  g_mutex_lock (&self->lock);
  id = insert_signal_locked (self, record, error);
  g_mutex_unlock (&self->lock);
  signal_record_free (record);
  return id;
}

/* ------------------------------------------------------------------ writer thread */

typedef enum
{
  JOB_SIGNAL,
  JOB_OUTCOME,
} JobKind;

typedef struct
{
  JobKind       kind;
  SignalRecord *signal;
  gint64        signal_id;
  PerpOutcome   outcome;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->signal, signal_record_free);
  g_free (job);
}

static gboolean update_outcome_locked (PerpJournal        *self,
                                       gint64              signal_id,
                                       const PerpOutcome  *outcome,
                                       GError            **error);

static void
writer_run (gpointer data,
            gpointer user_data)
{
  GTask *task = data;
  PerpJournal *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  GError *error = NULL;

  g_private_set (&in_writer_thread, GINT_TO_POINTER (1));

  /* A write already queued is done even if cancelled meanwhile: cancelling only means
   * the caller no longer wants to hear back, and dropping the data would lose it. */
  g_mutex_lock (&self->lock);
  switch (job->kind)
    {
    case JOB_SIGNAL:
      {
        gint64 id = insert_signal_locked (self, job->signal, &error);

        g_mutex_unlock (&self->lock);
        if (id < 0)
          g_task_return_error (task, error);
        else
          g_task_return_int (task, id);
      }
      break;
    case JOB_OUTCOME:
    default:
      {
        gboolean ok = update_outcome_locked (self, job->signal_id, &job->outcome, &error);

        g_mutex_unlock (&self->lock);
        if (!ok)
          g_task_return_error (task, error);
        else
          g_task_return_boolean (task, TRUE);
      }
      break;
    }
  g_object_unref (task);
}

static void
queue_job (PerpJournal         *self,
           Job                 *job,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_thread_pool_push (self->writer, task, NULL);
}

/**
 * perp_journal_add_signal_async:
 *
 * perp_journal_add_signal() on the writer thread.  Everything is copied before this
 * returns, so the arguments may go away at once.
 */
void
perp_journal_add_signal_async (PerpJournal              *self,
                               const char               *symbol,
                               PerpInterval              interval,
                               const PerpScore          *score,
                               const PerpPlan           *plan,
                               const PerpBreakerVerdict *verdict,
                               PerpSignalStatus          status,
                               const char               *reason,
                               GCancellable             *cancellable,
                               GAsyncReadyCallback       callback,
                               gpointer                  user_data)
{
  g_autoptr(GError) error = NULL;
  Job *job;

  g_return_if_fail (PERP_IS_JOURNAL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (!check_signal_args (symbol, score, status, &error) || self->writer == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, perp_journal_add_signal_async);
      if (error == NULL)
        g_set_error (&error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                     "Journal %s was opened read-only; cannot add a signal", self->path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job = g_new0 (Job, 1);
  job->kind = JOB_SIGNAL;
  job->signal = signal_record_new (symbol, interval, score, plan, verdict, status, reason, !self->no_details);
  queue_job (self, job, perp_journal_add_signal_async, cancellable, callback, user_data);
}

/**
 * perp_journal_add_signal_finish:
 *
 * Returns: the signal's id, or -1 with @error
 */
gint64
perp_journal_add_signal_finish (PerpJournal   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (PERP_IS_JOURNAL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ------------------------------------------------------------------ outcomes */

static gboolean
update_outcome_locked (PerpJournal        *self,
                       gint64              signal_id,
                       const PerpOutcome  *o,
                       GError            **error)
{
  const char *doing = "updating an outcome";
  sqlite3_stmt *stmt;

  if (!db_begin (self, doing, error))
    return FALSE;

  stmt = db_prepare (self, "SELECT 1 FROM signals WHERE id = ?", doing, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, signal_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      db_release (self, stmt);
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID,
                   "Journal %s has no signal %" G_GINT64_FORMAT " to attach an outcome to",
                   self->path, signal_id);
      goto fail;
    }
  db_release (self, stmt);

  stmt = db_prepare (self,
                     "INSERT OR REPLACE INTO outcomes (signal_id, state, entry_mode, expires_at,"
                     " entry_time, entry_price, entry_fill, stop, first_hit, first_hit_time,"
                     " break_even_time, trail_time, remaining, exit_time, n_candles,"
                     " mfe_price, mae_price, mfe_r, mae_r, gross_r, fees_r, slippage_r, result_r,"
                     " funding_r, n_fundings)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                     " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)", doing, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, signal_id);
  sqlite3_bind_text (stmt, 2, perp_outcome_state_name (o->state), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, o->entry_mode);
  bind_time (stmt, 4, o->expires_at);
  bind_time (stmt, 5, o->entry_time);
  bind_double (stmt, 6, o->entry_price);
  bind_double (stmt, 7, o->entry_fill);
  bind_double (stmt, 8, o->stop);
  sqlite3_bind_int (stmt, 9, o->first_hit);
  bind_time (stmt, 10, o->first_hit_time);
  bind_time (stmt, 11, o->break_even_time);
  bind_time (stmt, 12, o->trail_time);
  bind_double (stmt, 13, o->remaining);
  bind_time (stmt, 14, o->exit_time);
  sqlite3_bind_int (stmt, 15, (int) o->n_candles);
  bind_double (stmt, 16, o->mfe_price);
  bind_double (stmt, 17, o->mae_price);
  bind_double (stmt, 18, o->mfe_r);
  bind_double (stmt, 19, o->mae_r);
  bind_double (stmt, 20, o->gross_r);
  bind_double (stmt, 21, o->fees_r);
  bind_double (stmt, 22, o->slippage_r);
  bind_double (stmt, 23, o->realised_r);
  sqlite3_bind_double (stmt, 24, o->funding_r);
  sqlite3_bind_int (stmt, 25, (int) o->n_fundings);
  if (!db_step_done (self, stmt, doing, error))
    goto fail;

  stmt = db_prepare (self, "UPDATE signals SET settled = ? WHERE id = ?", doing, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int (stmt, 1, perp_outcome_is_closed (o));
  sqlite3_bind_int64 (stmt, 2, signal_id);
  if (!db_step_done (self, stmt, doing, error))
    goto fail;

  stmt = db_prepare (self, "DELETE FROM exits WHERE signal_id = ?", doing, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, signal_id);
  if (!db_step_done (self, stmt, doing, error))
    goto fail;
  for (guint i = 0; i < MIN (o->n_exits, (guint) PERP_OUTCOME_MAX_EXITS); i++)
    {
      const PerpExit *e = &o->exits[i];

      stmt = db_prepare (self, "INSERT INTO exits (signal_id, idx, kind, target, time, price, fill,"
                               " share, r) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", doing, error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, signal_id);
      sqlite3_bind_int (stmt, 2, (int) i);
      sqlite3_bind_text (stmt, 3, perp_exit_kind_name (e->kind), -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, (int) e->target);
      sqlite3_bind_int64 (stmt, 5, e->time);
      bind_double (stmt, 6, e->price);
      bind_double (stmt, 7, e->fill);
      bind_double (stmt, 8, e->share);
      bind_double (stmt, 9, e->r);
      if (!db_step_done (self, stmt, doing, error))
        goto fail;
    }
  return db_commit (self, doing, error);

fail:
  db_rollback (self);
  return FALSE;
}

/**
 * perp_journal_update_outcome:
 *
 * Stores (or replaces) the outcome of signal @signal_id and its exits.
 */
gboolean
perp_journal_update_outcome (PerpJournal        *self,
                             gint64              signal_id,
                             const PerpOutcome  *outcome,
                             GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (outcome != NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = update_outcome_locked (self, signal_id, outcome, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

void
perp_journal_update_outcome_async (PerpJournal         *self,
                                   gint64               signal_id,
                                   const PerpOutcome   *outcome,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job;

  g_return_if_fail (PERP_IS_JOURNAL (self));
  g_return_if_fail (outcome != NULL);

  if (self->writer == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, perp_journal_update_outcome_async);
      g_task_return_new_error (task, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY,
                               "Journal %s was opened read-only; cannot update an outcome",
                               self->path);
      return;
    }
  job = g_new0 (Job, 1);
  job->kind = JOB_OUTCOME;
  job->signal_id = signal_id;
  job->outcome = *outcome;
  queue_job (self, job, perp_journal_update_outcome_async, cancellable, callback, user_data);
}

gboolean
perp_journal_update_outcome_finish (PerpJournal   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * perp_journal_get_outcome:
 *
 * Reads back the stored outcome of @signal_id, exits included.  Returns %FALSE with
 * %PERP_JOURNAL_ERROR_INVALID when it has none.
 */
gboolean
perp_journal_get_outcome (PerpJournal  *self,
                          gint64        signal_id,
                          PerpOutcome  *o,
                          GError      **error)
{
  const char *doing = "reading an outcome";
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (o != NULL, FALSE);

  memset (o, 0, sizeof *o);
  g_mutex_lock (&self->lock);
  stmt = db_prepare (self,
                     "SELECT o.state, o.entry_mode, o.expires_at, o.entry_time, o.entry_price,"
                     " o.entry_fill, o.stop, o.first_hit, o.first_hit_time, o.break_even_time,"
                     " o.trail_time, o.remaining, o.exit_time, o.n_candles, o.mfe_price,"
                     " o.mae_price, o.mfe_r, o.mae_r, o.gross_r, o.fees_r, o.slippage_r,"
                     " o.result_r, s.time, s.direction, s.entry, s.stop, s.risk_per_unit,"
                     " (SELECT count(*) FROM signal_targets t WHERE t.signal_id = s.id),"
                     " o.funding_r, o.n_fundings"
                     " FROM outcomes o JOIN signals s ON s.id = o.signal_id WHERE o.signal_id = ?",
                     doing, error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, signal_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID,
                   "Journal %s has no outcome for signal %" G_GINT64_FORMAT, self->path, signal_id);
      db_release (self, stmt);
      goto out;
    }
  if (rc != SQLITE_ROW)
    {
      db_release (self, stmt);
      db_fail (self, rc, doing, error);
      goto out;
    }
  o->state = perp_outcome_state_from_name (column_text (stmt, 0));
  o->entry_mode = (PerpEntryMode) sqlite3_column_int (stmt, 1);
  o->expires_at = column_time (stmt, 2);
  o->entry_time = column_time (stmt, 3);
  o->entry_price = column_double (stmt, 4);
  o->entry_fill = column_double (stmt, 5);
  o->stop = column_double (stmt, 6);
  o->first_hit = sqlite3_column_int (stmt, 7);
  o->first_hit_time = column_time (stmt, 8);
  o->break_even_time = column_time (stmt, 9);
  o->trail_time = column_time (stmt, 10);
  o->remaining = column_double (stmt, 11);
  o->exit_time = column_time (stmt, 12);
  o->n_candles = (guint) sqlite3_column_int (stmt, 13);
  o->mfe_price = column_double (stmt, 14);
  o->mae_price = column_double (stmt, 15);
  o->mfe_r = column_double (stmt, 16);
  o->mae_r = column_double (stmt, 17);
  o->gross_r = column_double (stmt, 18);
  o->fees_r = column_double (stmt, 19);
  o->slippage_r = column_double (stmt, 20);
  o->realised_r = column_double (stmt, 21);
  o->signal_time = sqlite3_column_int64 (stmt, 22);
  o->direction = (PerpDirection) sqlite3_column_int (stmt, 23);
  o->plan_entry = column_double (stmt, 24);
  o->initial_stop = column_double (stmt, 25);
  o->risk_per_unit = column_double (stmt, 26);
  o->n_targets = MIN ((guint) sqlite3_column_int (stmt, 27), (guint) PERP_PLAN_MAX_TARGETS);
  o->funding_r = sqlite3_column_double (stmt, 28);
  o->n_fundings = (guint) sqlite3_column_int (stmt, 29);
  db_release (self, stmt);
  for (guint i = 0; i < PERP_PLAN_MAX_TARGETS; i++)
    o->target_time[i] = -1;

  stmt = db_prepare (self, "SELECT kind, target, time, price, fill, share, r FROM exits"
                           " WHERE signal_id = ? ORDER BY idx", doing, error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, signal_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && o->n_exits < PERP_OUTCOME_MAX_EXITS)
    {
      PerpExit *e = &o->exits[o->n_exits++];

      e->kind = perp_exit_kind_from_name (column_text (stmt, 0));
      e->target = (guint) sqlite3_column_int (stmt, 1);
      e->time = sqlite3_column_int64 (stmt, 2);
      e->price = column_double (stmt, 3);
      e->fill = column_double (stmt, 4);
      e->share = column_double (stmt, 5);
      e->r = column_double (stmt, 6);
      if (e->kind == PERP_EXIT_TARGET && e->target >= 1 && e->target <= PERP_PLAN_MAX_TARGETS)
        o->target_time[e->target - 1] = e->time;
    }
  db_release (self, stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      db_fail (self, rc, doing, error);
      goto out;
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->lock);
  return ok;
}

/* A write of one statement, in a transaction of its own, under the lock: begin,
 * then bind the statement write_one_begin() returns and hand it to write_one_end().
 * On failure both release the lock and roll back; write_one_end() returns the new
 * row's id (an UPDATE's is meaningless), or -1. */
static sqlite3_stmt *
write_one_begin (PerpJournal  *self,
                 const char   *sql,
                 const char   *doing,
                 GError      **error)
{
  sqlite3_stmt *stmt;

  g_mutex_lock (&self->lock);
  if (!db_begin (self, doing, error))
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  stmt = db_prepare (self, sql, doing, error);
  if (stmt == NULL)
    {
      db_rollback (self);
      g_mutex_unlock (&self->lock);
    }
  return stmt;
}

static gint64
write_one_end (PerpJournal   *self,
               sqlite3_stmt  *stmt,
               const char    *doing,
               GError       **error)
{
  gint64 id = -1;

  if (!db_step_done (self, stmt, doing, error))
    db_rollback (self);
  else
    {
      id = sqlite3_last_insert_rowid (self->db);
      if (!db_commit (self, doing, error))
        id = -1;
    }
  g_mutex_unlock (&self->lock);
  return id;
}

/* ------------------------------------------------------------------ breaker events */

/**
 * perp_journal_add_breaker_event:
 * @symbol: (nullable): the symbol it concerned, if any
 *
 * Records a breaker tripping (adjust or block).  A daily-drawdown block is the pause
 * perp_journal_get_history() reports until perp_journal_resume_breaker().
 *
 * Returns: the event's id, or -1 with @error
 */
gint64
perp_journal_add_breaker_event (PerpJournal        *self,
                                PerpBreaker         breaker,
                                PerpBreakerAction   action,
                                const char         *symbol,
                                const char         *reason,
                                gint64              time,
                                GError            **error)
{
  const char *doing = "adding a breaker event";
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), -1);

  if ((guint) breaker >= PERP_N_BREAKERS || time < 0)
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID,
                   "A breaker event needs a known breaker and a time");
      return -1;
    }
  stmt = write_one_begin (self, "INSERT INTO breaker_events (breaker, action, symbol, reason, time)"
                                 " VALUES (?, ?, ?, ?, ?)", doing, error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, perp_breaker_name (breaker), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, perp_breaker_action_name (action), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, symbol, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, time);
  return write_one_end (self, stmt, doing, error);
}

/**
 * perp_journal_resume_breaker:
 *
 * A person resumed @breaker at @time: every block of it not yet resumed gets
 * @time as its resumed_at.
 */
gboolean
perp_journal_resume_breaker (PerpJournal  *self,
                             PerpBreaker   breaker,
                             gint64        time,
                             GError      **error)
{
  const char *doing = "resuming a breaker";
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail ((guint) breaker < PERP_N_BREAKERS, FALSE);

  stmt = write_one_begin (self, "UPDATE breaker_events SET resumed_at = ?"
                                 " WHERE breaker = ? AND action = 'block' AND resumed_at IS NULL"
                                 " AND time <= ?", doing, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, time);
  sqlite3_bind_text (stmt, 2, perp_breaker_name (breaker), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, time);
  return write_one_end (self, stmt, doing, error) >= 0;
}

/* ------------------------------------------------------------------ labels */

void
perp_label_free (PerpLabel *label)
{
  if (label == NULL)
    return;
  g_free (label->symbol);
  g_free (label->object);
  g_free (label->note);
  g_free (label);
}

/**
 * perp_journal_add_label:
 *
 * Returns: the label's id, or -1 with @error
 */
gint64
perp_journal_add_label (PerpJournal      *self,
                        const PerpLabel  *label,
                        GError          **error)
{
  const char *doing = "adding a label";
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), -1);
  g_return_val_if_fail (label != NULL, -1);

  if (label->symbol == NULL || label->object == NULL || label->first_time < 0
      || label->last_time < label->first_time || !(label->price_low <= label->price_high))
    {
      g_set_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID,
                   "A label needs a symbol, an object, first <= last time and low <= high price");
      return -1;
    }
  stmt = write_one_begin (self, "INSERT INTO labels (symbol, interval, object, direction, price_low,"
                                 " price_high, first_time, last_time, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          doing, error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, label->symbol, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, perp_interval_to_string (label->interval), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, label->object, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, label->direction);
  bind_double (stmt, 5, label->price_low);
  bind_double (stmt, 6, label->price_high);
  sqlite3_bind_int64 (stmt, 7, label->first_time);
  sqlite3_bind_int64 (stmt, 8, label->last_time);
  sqlite3_bind_text (stmt, 9, label->note, -1, SQLITE_STATIC);
  return write_one_end (self, stmt, doing, error);
}

/**
 * perp_journal_list_labels:
 * @symbol: (nullable): only this symbol's
 *
 * Returns: (transfer full) (element-type PerpLabel): by first time
 */
GPtrArray *
perp_journal_list_labels (PerpJournal  *self,
                          const char   *symbol,
                          GError      **error)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func ((GDestroyNotify) perp_label_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);

  g_mutex_lock (&self->lock);
  stmt = db_prepare (self, "SELECT id, symbol, interval, object, direction, price_low, price_high,"
                           " first_time, last_time, note FROM labels"
                           " WHERE ?1 IS NULL OR symbol = ?1 ORDER BY first_time, id",
                     "listing labels", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, symbol, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PerpLabel *label = g_new0 (PerpLabel, 1);

      label->id = sqlite3_column_int64 (stmt, 0);
      label->symbol = g_strdup (column_text (stmt, 1));
      label->interval = perp_interval_from_string (column_text (stmt, 2) ? column_text (stmt, 2) : "");
      label->object = g_strdup (column_text (stmt, 3));
      label->direction = (PerpDirection) sqlite3_column_int (stmt, 4);
      label->price_low = column_double (stmt, 5);
      label->price_high = column_double (stmt, 6);
      label->first_time = sqlite3_column_int64 (stmt, 7);
      label->last_time = sqlite3_column_int64 (stmt, 8);
      label->note = g_strdup (column_text (stmt, 9));
      g_ptr_array_add (labels, label);
    }
  db_release (self, stmt);
  if (rc != SQLITE_DONE)
    {
      db_fail (self, rc, "listing labels", error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  g_mutex_unlock (&self->lock);
  return g_steal_pointer (&labels);
}

/* ------------------------------------------------------------------ signal lists */

void
perp_journal_query_init (PerpJournalQuery *query)
{
  g_return_if_fail (query != NULL);

  query->from = -1;
  query->to = -1;
  query->symbol = NULL;
  query->status = -1;
  query->limit = 0;
}

void
perp_journal_signal_free (PerpJournalSignal *signal)
{
  if (signal == NULL)
    return;
  g_free (signal->symbol);
  g_free (signal->reason);
  g_free (signal);
}

#define SIGNAL_COLUMNS \
  "s.id, s.symbol, s.interval, s.time, s.direction, s.long_pct, s.short_pct, s.confidence," \
  " s.coverage, s.tier, s.status, s.reason, s.plan_status, s.entry, s.stop, s.stop_anchor," \
  " s.stop_structure, s.stop_adjusted, s.risk_per_unit, s.reward_risk, s.expires_at," \
  " s.break_even_after, s.trail_after, s.sizing_status, s.size_entry, s.size_stop," \
  " s.target_risk, s.ideal_qty, s.quantity, s.notional, s.risk, s.risk_diff_pct," \
  " s.min_valid_risk, s.heat_pct, o.state, o.entry_time, o.exit_time, o.result_r," \
  " o.gross_r, o.fees_r, o.mfe_r, o.mae_r, o.funding_r"

/* Reads the rows of a statement selecting SIGNAL_COLUMNS, then their targets. */
static GPtrArray *
read_signals (PerpJournal   *self,
              sqlite3_stmt  *stmt,
              GError       **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) perp_journal_signal_free);
  sqlite3_stmt *targets;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PerpJournalSignal *s = g_new0 (PerpJournalSignal, 1);
      PerpPlan *p = &s->plan;
      const char *interval = column_text (stmt, 2);

      s->id = sqlite3_column_int64 (stmt, 0);
      s->symbol = g_strdup (column_text (stmt, 1));
      s->interval = perp_interval_from_string (interval != NULL ? interval : "");
      s->time = sqlite3_column_int64 (stmt, 3);
      s->direction = (PerpDirection) sqlite3_column_int (stmt, 4);
      s->long_pct = column_double (stmt, 5);
      s->short_pct = column_double (stmt, 6);
      s->confidence = column_double (stmt, 7);
      s->coverage = column_double (stmt, 8);
      s->tier = tier_from_name (column_text (stmt, 9), PERP_TIER_NEUTRAL);
      s->status = perp_signal_status_from_name (column_text (stmt, 10));
      s->reason = g_strdup (column_text (stmt, 11));
      s->has_plan = sqlite3_column_type (stmt, 12) != SQLITE_NULL;
      if (s->has_plan)
        {
          p->status = plan_status_from_name (column_text (stmt, 12), PERP_PLAN_OK);
          p->direction = s->direction;
          p->tier = s->tier;
          p->time = s->time;
          p->entry = column_double (stmt, 13);
          p->stop = column_double (stmt, 14);
          p->stop_anchor = stop_anchor_from_name (column_text (stmt, 15), PERP_STOP_ATR);
          p->stop_structure = column_double (stmt, 16);
          p->stop_adjusted = sqlite3_column_int (stmt, 17);
          p->risk_per_unit = column_double (stmt, 18);
          p->reward_risk = column_double (stmt, 19);
          p->expires_at = column_time (stmt, 20);
          p->break_even_after = (guint) sqlite3_column_int (stmt, 21);
          p->trail_after = (guint) sqlite3_column_int (stmt, 22);
          p->sizing.status = sizing_status_from_name (column_text (stmt, 23), PERP_SIZING_OK);
          p->sizing.entry = column_double (stmt, 24);
          p->sizing.stop = column_double (stmt, 25);
          p->sizing.target_risk = column_double (stmt, 26);
          p->sizing.ideal_qty = column_double (stmt, 27);
          p->sizing.quantity = column_double (stmt, 28);
          p->sizing.notional = column_double (stmt, 29);
          p->sizing.risk = column_double (stmt, 30);
          p->sizing.risk_diff_pct = column_double (stmt, 31);
          p->sizing.min_valid_risk = column_double (stmt, 32);
          p->sizing.heat_pct = column_double (stmt, 33);
        }
      s->has_outcome = sqlite3_column_type (stmt, 34) != SQLITE_NULL;
      s->outcome_state = s->has_outcome ? perp_outcome_state_from_name (column_text (stmt, 34))
                                        : PERP_OUTCOME_PENDING;
      s->entry_time = column_time (stmt, 35);
      s->exit_time = column_time (stmt, 36);
      s->result_r = column_double (stmt, 37);
      s->gross_r = column_double (stmt, 38);
      s->fees_r = column_double (stmt, 39);
      s->mfe_r = column_double (stmt, 40);
      s->mae_r = column_double (stmt, 41);
      s->funding_r = column_double (stmt, 42);
      g_ptr_array_add (rows, s);
    }
  db_release (self, stmt);
  if (rc != SQLITE_DONE)
    {
      db_fail (self, rc, "listing signals", error);
      return NULL;
    }

  targets = db_prepare (self, "SELECT idx, price, r, share, kind FROM signal_targets"
                              " WHERE signal_id = ? ORDER BY idx", "listing targets", error);
  if (targets == NULL)
    return NULL;
  for (guint i = 0; i < rows->len; i++)
    {
      PerpJournalSignal *s = g_ptr_array_index (rows, i);

      if (!s->has_plan)
        continue;
      sqlite3_reset (targets);
      sqlite3_bind_int64 (targets, 1, s->id);
      while ((rc = sqlite3_step (targets)) == SQLITE_ROW)
        {
          int idx = sqlite3_column_int (targets, 0);
          PerpTarget *t;

          if (idx < 0 || idx >= PERP_PLAN_MAX_TARGETS)
            continue;
          t = &s->plan.targets[idx];
          t->price = column_double (targets, 1);
          t->r = column_double (targets, 2);
          t->share = column_double (targets, 3);
          t->kind = target_kind_from_name (column_text (targets, 4), PERP_TARGET_R_MULTIPLE);
          s->plan.n_targets = MAX (s->plan.n_targets, (guint) idx + 1);
        }
      if (rc != SQLITE_DONE)
        {
          db_release (self, targets);
          db_fail (self, rc, "listing targets", error);
          return NULL;
        }
    }
  db_release (self, targets);
  return g_steal_pointer (&rows);
}

/* Binds a query's filter to ?1 .. ?4 of the WHERE clause below. */
#define QUERY_WHERE \
  " WHERE (?1 < 0 OR s.time >= ?1) AND (?2 < 0 OR s.time < ?2)" \
  " AND (?3 IS NULL OR s.symbol = ?3) AND (?4 IS NULL OR s.status = ?4)"

static void
bind_query (sqlite3_stmt           *stmt,
            const PerpJournalQuery *query)
{
  PerpJournalQuery all;

  if (query == NULL)
    {
      perp_journal_query_init (&all);
      query = &all;
    }
  sqlite3_bind_int64 (stmt, 1, query->from);
  sqlite3_bind_int64 (stmt, 2, query->to);
  sqlite3_bind_text (stmt, 3, query->symbol, -1, SQLITE_TRANSIENT);
  if (query->status >= 0 && query->status < PERP_N_SIGNAL_STATUSES)
    sqlite3_bind_text (stmt, 4, perp_signal_status_name ((PerpSignalStatus) query->status), -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 4);
}

/**
 * perp_journal_list_signals:
 * @query: (nullable): the filter; %NULL for all
 *
 * Returns: (transfer full) (element-type PerpJournalSignal): newest first
 */
GPtrArray *
perp_journal_list_signals (PerpJournal             *self,
                           const PerpJournalQuery  *query,
                           GError                 **error)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  GPtrArray *rows;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);

  sql = g_strdup_printf ("SELECT " SIGNAL_COLUMNS " FROM signals s"
                         " LEFT JOIN outcomes o ON o.signal_id = s.id" QUERY_WHERE
                         " ORDER BY s.time DESC, s.id DESC LIMIT %d",
                         query != NULL && query->limit > 0 ? (int) MIN (query->limit, (guint) G_MAXINT) : -1);
  g_mutex_lock (&self->lock);
  stmt = db_prepare (self, sql, "listing signals", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  bind_query (stmt, query);
  rows = read_signals (self, stmt, error);
  g_mutex_unlock (&self->lock);
  return rows;
}

/* Taken signals whose trade is not over: no outcome yet, or pending or open.  The
 * partial index signals_unsettled holds exactly these; without statistics SQLite
 * would rather walk every taken signal on signals_status_time, so it is named. */
#define OPEN_SIGNALS " signals s INDEXED BY signals_unsettled"
#define OPEN_CONDITION " s.status = 'signal' AND s.settled = 0"

/**
 * perp_journal_list_open:
 *
 * The taken signals whose trade is not over (no outcome yet, pending or open), oldest
 * first, with their plans: what to keep tracking after a restart.
 *
 * Returns: (transfer full) (element-type PerpJournalSignal):
 */
GPtrArray *
perp_journal_list_open (PerpJournal  *self,
                        GError      **error)
{
  sqlite3_stmt *stmt;
  GPtrArray *rows;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);

  g_mutex_lock (&self->lock);
  stmt = db_prepare (self, "SELECT " SIGNAL_COLUMNS " FROM" OPEN_SIGNALS
                           " LEFT JOIN outcomes o ON o.signal_id = s.id WHERE" OPEN_CONDITION
                           " ORDER BY s.time, s.id", "listing open signals", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  rows = read_signals (self, stmt, error);
  g_mutex_unlock (&self->lock);
  return rows;
}

/* ------------------------------------------------------------------ statistics */

/* Outcomes that are trades with a result; not-filled limit entries never traded. */
#define CLOSED_STATES "('stopped', 'break_even', 'trailed', 'targets', 'expired')"

/**
 * perp_journal_stats_compute:
 * @results_r: (array length=n): results in R, in exit order
 *
 * The statistics of a sequence of trade results.
 */
void
perp_journal_stats_compute (const double     *results_r,
                            gsize             n,
                            PerpJournalStats *stats)
{
  double sum_win = 0.0;
  double sum_loss = 0.0;
  double cumulative = 0.0;
  double peak = 0.0;
  double sum_squared_loss = 0.0;
  double sum_squared_deviation = 0.0;
  gboolean all_alike = TRUE;
  guint streak = 0;

  g_return_if_fail (stats != NULL);
  g_return_if_fail (n == 0 || results_r != NULL);

  memset (stats, 0, sizeof *stats);
  stats->n_trades = (guint) n;
  for (gsize i = 0; i < n; i++)
    {
      double r = results_r[i];

      if (r > 0.0)
        {
          stats->n_wins++;
          sum_win += r;
          streak = 0;
        }
      else if (r < 0.0)
        {
          stats->n_losses++;
          sum_loss += r;
          sum_squared_loss += r * r;
          streak++;
          stats->longest_losing_streak = MAX (stats->longest_losing_streak, streak);
        }
      else
        {
          stats->n_scratches++;
          streak = 0;
        }
      cumulative += r;
      peak = MAX (peak, cumulative);
      stats->max_drawdown_r = MAX (stats->max_drawdown_r, peak - cumulative);
    }
  stats->total_r = sum_win + sum_loss;
  if (n == 0)
    {
      stats->win_rate = stats->expectancy_r = stats->avg_r = NAN;
      stats->avg_win_r = stats->avg_loss_r = stats->profit_factor = NAN;
      stats->sharpe_r = stats->sortino_r = NAN;
      return;
    }
  stats->win_rate = (double) stats->n_wins / (double) n;
  stats->avg_win_r = stats->n_wins > 0 ? sum_win / stats->n_wins : NAN;
  stats->avg_loss_r = stats->n_losses > 0 ? sum_loss / stats->n_losses : NAN;
  stats->expectancy_r = (stats->n_wins > 0 ? stats->win_rate * stats->avg_win_r : 0.0)
                        + (stats->n_losses > 0 ? (double) stats->n_losses / (double) n * stats->avg_loss_r : 0.0);
  stats->avg_r = stats->total_r / (double) n;
  if (sum_loss < 0.0)
    stats->profit_factor = sum_win / -sum_loss;
  else
    stats->profit_factor = sum_win > 0.0 ? INFINITY : NAN;

  /* Deviations from the mean in a second pass: summing squares first and subtracting
   * the squared mean loses the spread of results that are nearly all alike.  Results
   * all the same have none, though their mean may not be exactly them (0.1 R three
   * times averages 0.10000000000000002), which would leave a spread of 1e-34. */
  for (gsize i = 0; i < n; i++)
    {
      sum_squared_deviation += (results_r[i] - stats->avg_r) * (results_r[i] - stats->avg_r);
      all_alike = all_alike && results_r[i] == results_r[0];
    }
  stats->sharpe_r = n >= 2 && !all_alike && sum_squared_deviation > 0.0
                    ? stats->avg_r / sqrt (sum_squared_deviation / (double) (n - 1)) : NAN;
  stats->sortino_r = stats->n_losses > 0 ? stats->avg_r / sqrt (sum_squared_loss / (double) n) : NAN;
}

void
perp_journal_stats_row_free (PerpJournalStatsRow *row)
{
  if (row == NULL)
    return;
  g_free (row->key);
  g_free (row);
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const PerpJournalStatsRow *ra = *(PerpJournalStatsRow * const *) a;
  const PerpJournalStatsRow *rb = *(PerpJournalStatsRow * const *) b;

  return strcmp (ra->key, rb->key);
}

static char *
group_key (PerpJournalGroup  group,
           sqlite3_stmt     *stmt)
{
  switch (group)
    {
    case PERP_JOURNAL_GROUP_SYMBOL:
      return g_strdup (column_text (stmt, 0) != NULL ? column_text (stmt, 0) : "");
    case PERP_JOURNAL_GROUP_TIER:
      return g_strdup (column_text (stmt, 1) != NULL ? column_text (stmt, 1) : "");
    case PERP_JOURNAL_GROUP_SESSION:
      return g_strdup (perp_journal_session_name (sqlite3_column_int64 (stmt, 2)));
    case PERP_JOURNAL_GROUP_DAY:
      {
        g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, 5) / 1000);

        return day != NULL ? g_date_time_format (day, "%Y-%m-%d") : g_strdup ("?");
      }
    case PERP_JOURNAL_GROUP_FACTOR:
      {
        double agreement = sqlite3_column_int (stmt, 3) * column_double (stmt, 6);
        const char *state = column_text (stmt, 7);

        if (state == NULL || strcmp (state, perp_data_state_name (PERP_DATA_MISSING)) == 0
            || isnan (agreement) || agreement == 0.0)
          return g_strdup ("neutral");
        return g_strdup (agreement > 0.0 ? "agree" : "disagree");
      }
    case PERP_JOURNAL_GROUP_NONE:
    default:
      return g_strdup ("all");
    }
}

/**
 * perp_journal_stats:
 * @filter: (nullable): which signals (by signal time, symbol, status); %NULL for the
 *   taken ones
 * @group: how to split them
 * @factor: for %PERP_JOURNAL_GROUP_FACTOR, the factor compared with the direction
 *
 * Returns: (transfer full) (element-type PerpJournalStatsRow): one row per group, by
 *   key (no rows when no trade matched, nor by factor in a journal without details)
 */
GPtrArray *
perp_journal_stats (PerpJournal             *self,
                    const PerpJournalQuery  *filter,
                    PerpJournalGroup         group,
                    PerpFactor               factor,
                    GError                 **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) perp_journal_stats_row_free);
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  PerpJournalQuery taken;
  sqlite3_stmt *stmt;
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);

  /* Without the factors every trade would look "neutral": say nothing instead. */
  if (group == PERP_JOURNAL_GROUP_FACTOR && self->no_details)
    return g_steal_pointer (&rows);

  if (filter == NULL)
    {
      perp_journal_query_init (&taken);
      taken.status = PERP_SIGNAL_TAKEN;
      filter = &taken;
    }

  g_mutex_lock (&self->lock);
  stmt = db_prepare (self, "SELECT s.symbol, s.tier, s.time, s.direction, o.result_r, o.exit_time,"
                           " f.value, f.state FROM signals s"
                           " JOIN outcomes o ON o.signal_id = s.id"
                           " LEFT JOIN signal_factors f ON f.signal_id = s.id AND f.factor = ?5"
                           QUERY_WHERE " AND o.state IN " CLOSED_STATES
                           " AND o.result_r IS NOT NULL"
                           " ORDER BY o.exit_time, s.id", "computing statistics", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  bind_query (stmt, filter);
  sqlite3_bind_text (stmt, 5, (guint) factor < PERP_N_FACTORS ? perp_factor_name (factor) : "",
                     -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char *k = group_key (group, stmt);
      GArray *results = g_hash_table_lookup (groups, k);
      double r = sqlite3_column_double (stmt, 4);

      if (results == NULL)
        {
          results = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (groups, k, results);
        }
      else
        g_free (k);
      g_array_append_val (results, r);
    }
  db_release (self, stmt);
  if (rc != SQLITE_DONE)
    {
      db_fail (self, rc, "computing statistics", error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  g_mutex_unlock (&self->lock);

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *results = value;
      PerpJournalStatsRow *row = g_new0 (PerpJournalStatsRow, 1);

      row->key = g_strdup (key);
      perp_journal_stats_compute ((const double *) (gpointer) results->data, results->len, &row->stats);
      g_ptr_array_add (rows, row);
    }
  g_ptr_array_sort (rows, compare_rows);
  return g_steal_pointer (&rows);
}

/* ------------------------------------------------------------------ breaker history */

void
perp_journal_history_free (PerpJournalHistory *history)
{
  if (history == NULL)
    return;
  g_free (history->symbol);
  g_clear_pointer (&history->open, g_array_unref);
  g_clear_pointer (&history->strings, g_ptr_array_unref);
  g_free (history);
}

/* One number from a one-row query with ?1 = now and ?2 = the symbol; @fallback when
 * the result is NULL. */
static gboolean
query_number (PerpJournal  *self,
              const char   *sql,
              gint64        now,
              gint64        other,
              const char   *symbol,
              double        fallback,
              double       *value,
              GError      **error)
{
  sqlite3_stmt *stmt = db_prepare (self, sql, "reading the breakers' history", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_text (stmt, 2, symbol, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, other);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      db_release (self, stmt);
      return db_fail (self, rc, "reading the breakers' history", error);
    }
  *value = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? fallback : sqlite3_column_double (stmt, 0);
  db_release (self, stmt);
  return TRUE;
}

/**
 * perp_journal_get_history:
 * @now: the candidate signal's time
 * @symbol: the candidate's symbol
 *
 * What the circuit breakers need from the journal as of @now:
 * Only taken signals count (blocked and discarded ones may carry the outcome they
 * would have had, for the statistics, but were never traded).
 * - last_stop_out: the latest exit of a @symbol trade that closed at its initial stop
 *   (state "stopped"), by the open time of the exit candle
 * - signals_last_hour: taken signals in (@now - 1 h, @now]; blocked and discarded ones
 *   do not count, or a block would feed itself
 * - today_r: Σ result of the trades that closed since 00:00 UTC of @now's day
 * - paused_at/resumed_at: the latest daily-drawdown block event, the latest resume
 * - open: the taken signals at or before @now still open (correlation NAN: the caller
 *   computes it from prices)
 * - win_streak: winning trades in a row, counted back from the latest exit
 *
 * Returns: (transfer full) (nullable): the history
 */
PerpJournalHistory *
perp_journal_get_history (PerpJournal  *self,
                          gint64        now,
                          const char   *symbol,
                          GError      **error)
{
  g_autoptr(PerpJournalHistory) history = g_new0 (PerpJournalHistory, 1);
  PerpBreakerState *state = &history->state;
  gint64 day_start = now - ((now % PERP_MS_PER_DAY) + PERP_MS_PER_DAY) % PERP_MS_PER_DAY;
  double value;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (PERP_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  history->symbol = g_strdup (symbol);
  history->open = g_array_new (FALSE, TRUE, sizeof (PerpOpenPosition));
  history->strings = g_ptr_array_new_with_free_func (g_free);
  perp_breaker_state_init (state);
  state->now = now;
  state->symbol = history->symbol;

  g_mutex_lock (&self->lock);
  /* One read transaction: every number comes from the same snapshot. */
  if (!db_exec (self, "BEGIN", "reading the breakers' history", error))
    goto fail;

  /* These run on every score.  The unary + keep SQLite on the exit-time index, so they
   * read the latest exits, not every signal of the symbol or every taken one. */
  if (!query_number (self, "SELECT (SELECT o.exit_time FROM outcomes o JOIN signals s ON s.id = o.signal_id"
                           " WHERE +s.symbol = ?2 AND +s.status = 'signal' AND +o.state = 'stopped'"
                           " AND o.exit_time <= ?1 ORDER BY o.exit_time DESC LIMIT 1)",
                     now, 0, symbol, -1, &value, error))
    goto fail;
  state->last_stop_out = (gint64) value;
  if (!query_number (self, "SELECT count(*) FROM signals WHERE status = 'signal'"
                           " AND time > ?1 - 3600000 AND time <= ?1 AND ?2 IS NOT NULL",
                     now, 0, symbol, 0, &value, error))
    goto fail;
  state->signals_last_hour = (guint) value;
  if (!query_number (self, "SELECT total(o.result_r) FROM outcomes o JOIN signals s ON s.id = o.signal_id"
                           " WHERE +s.status = 'signal' AND +o.state IN " CLOSED_STATES
                           " AND o.exit_time >= ?3 AND o.exit_time <= ?1 AND ?2 IS NOT NULL",
                     now, day_start, symbol, 0.0, &value, error))
    goto fail;
  state->today_r = value;
  if (!query_number (self, "SELECT max(time) FROM breaker_events WHERE breaker = 'daily_drawdown'"
                           " AND action = 'block' AND time <= ?1 AND ?2 IS NOT NULL",
                     now, 0, symbol, -1, &value, error))
    goto fail;
  state->paused_at = (gint64) value;
  if (!query_number (self, "SELECT max(resumed_at) FROM breaker_events WHERE breaker = 'daily_drawdown'"
                           " AND resumed_at <= ?1 AND ?2 IS NOT NULL",
                     now, 0, symbol, -1, &value, error))
    goto fail;
  state->resumed_at = (gint64) value;

  stmt = db_prepare (self, "SELECT s.symbol, s.direction, s.risk FROM" OPEN_SIGNALS " WHERE" OPEN_CONDITION
                           " AND s.time <= ? ORDER BY s.time, s.id", "reading open positions", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PerpOpenPosition position;
      char *name = g_strdup (column_text (stmt, 0));

      g_ptr_array_add (history->strings, name);
      position.symbol = name;
      position.direction = (PerpDirection) sqlite3_column_int (stmt, 1);
      position.risk = column_double (stmt, 2);
      position.correlation = NAN;
      g_array_append_val (history->open, position);
    }
  db_release (self, stmt);
  if (rc != SQLITE_DONE)
    {
      db_fail (self, rc, "reading open positions", error);
      goto fail;
    }

  /* The unary + keeps SQLite from driving this by status (every taken signal, then a
   * sort): walked newest first on the exit-time index, it stops at the first loss. */
  stmt = db_prepare (self, "SELECT o.result_r FROM outcomes o JOIN signals s ON s.id = o.signal_id"
                           " WHERE +s.status = 'signal' AND +o.state IN " CLOSED_STATES
                           " AND o.exit_time <= ? ORDER BY o.exit_time DESC, o.signal_id DESC",
                     "reading the win streak", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && sqlite3_column_double (stmt, 0) > 0.0)
    state->win_streak++;
  db_release (self, stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      db_fail (self, rc, "reading the win streak", error);
      goto fail;
    }

  db_rollback (self);
  g_mutex_unlock (&self->lock);
  state->open = (const PerpOpenPosition *) (gpointer) history->open->data;
  state->n_open = history->open->len;
  return g_steal_pointer (&history);

fail:
  db_rollback (self);
  g_mutex_unlock (&self->lock);
  return NULL;
}
