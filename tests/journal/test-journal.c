/* test-journal.c: the SQLite journal: schema, round trips, statistics, failures, crashes
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "journal-test-common.h"
#include "perp-test-support.h"
#include "io/store/perp-journal.h"

#define HOUR   PERP_MS_PER_HOUR
#define MINUTE PERP_MS_PER_MINUTE
#define DAY1   G_GINT64_CONSTANT (1704067200000)  /* 2024-01-01 00:00 UTC */
#define DAY2   (DAY1 + PERP_MS_PER_DAY)
#define EPS    1e-9

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("perp-journal-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "journal.sqlite", NULL);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  g_chmod (path, 0700);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* A plain SQLite connection, to look at the file behind the journal's back. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
raw_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* The query plan's details, one per line. */
static char *
raw_plan (sqlite3    *db,
          const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static PerpJournal *
open_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  PerpJournal *journal = perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (journal);
  return journal;
}

/* A verdict with a passed breaker and one that halves the size (its reasons static). */
static void
adjusting_verdict (PerpBreakerVerdict *verdict)
{
  memset (verdict, 0, sizeof *verdict);
  verdict->action = PERP_BREAKER_ADJUST;
  verdict->size_factor = 0.5;
  verdict->n_results = 2;
  verdict->results[0].breaker = PERP_BREAKER_COOLDOWN;
  verdict->results[0].action = PERP_BREAKER_PASS;
  verdict->results[0].size_factor = 1;
  verdict->results[0].until = -1;
  verdict->results[0].reason = (char *) "no stop-out";
  verdict->results[1].breaker = PERP_BREAKER_WIN_STREAK;
  verdict->results[1].action = PERP_BREAKER_ADJUST;
  verdict->results[1].size_factor = 0.5;
  verdict->results[1].until = -1;
  verdict->results[1].reason = (char *) "5 wins in a row";
}

static gint64
add_simple (PerpJournal      *journal,
            const char       *symbol,
            gint64            time,
            PerpDirection     direction,
            PerpTier          tier,
            const double     *values,
            PerpSignalStatus  status,
            GError          **error)
{
  PerpScore score;
  PerpPlan plan;

  journal_test_score (&score, time, direction, tier, values);
  journal_test_plan (&plan, time, direction, tier);
  return perp_journal_add_signal (journal, symbol, PERP_INTERVAL_1H, &score, &plan, NULL,
                                  status, status == PERP_SIGNAL_TAKEN ? NULL : "test reason", error);
}

/* ------------------------------------------------------------------ schema */

static void
test_create_and_reopen (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *mode = NULL;
  g_autofree char *version = NULL;
  g_autofree char *plan = NULL;
  sqlite3 *db;

  {
    g_autoptr(PerpJournal) journal = open_ok (fixture->path);

    g_assert_cmpstr (perp_journal_get_path (journal), ==, fixture->path);
  }
  /* Reopening an up-to-date journal changes nothing. */
  g_object_unref (open_ok (fixture->path));

  db = raw_open (fixture->path);
  mode = raw_text (db, "PRAGMA journal_mode");
  version = raw_text (db, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (atoi (version), ==, PERP_JOURNAL_SCHEMA_VERSION);
  /* Every table the design names, and the indexes for the list and statistics queries. */
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                                " ('meta', 'signals', 'signal_factors', 'signal_targets',"
                                " 'signal_breakers', 'outcomes', 'exits', 'breaker_events', 'labels')"), ==, 9);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
                                " ('signals_time', 'signals_symbol_time', 'signals_status_time',"
                                " 'outcomes_exit_time', 'signal_factors_factor')"), ==, 5);
  /* The list query uses the time index rather than scanning. */
  plan = raw_plan (db, "SELECT * FROM signals s WHERE s.symbol = 'X' AND s.time >= 5");
  g_test_message ("%s", plan);
  g_assert_nonnull (strstr (plan, "signals_symbol_time"));
  g_clear_pointer (&plan, g_free);
  plan = raw_plan (db, "SELECT * FROM signals s WHERE s.time >= 5 AND s.time < 10");
  g_assert_nonnull (strstr (plan, "signals_time"));
  sqlite3_close (db);
}

/* Two hourly candles after a long signal of journal_test_plan (): the entry fills at
 * the first open, the second candle trails the stop. */
static const double follow_candles[][4] = {
  { 100, 111, 101, 110 },
  { 110, 121, 108, 119 },
};

/* A taken signal with its outcome after @n_candles of follow_candles (-1: no
 * outcome row at all); returns the outcome's state. */
static PerpOutcomeState
add_followed (PerpJournal *journal,
              gint64       time,
              int          n_candles)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  PerpOutcomeParams params;
  PerpScore score;
  PerpPlan plan;
  gint64 id;

  journal_test_score (&score, time, PERP_DIRECTION_LONG, PERP_TIER_MEDIUM, NULL);
  journal_test_plan (&plan, time, PERP_DIRECTION_LONG, PERP_TIER_MEDIUM);
  id = perp_journal_add_signal (journal, "BTCUSDT", PERP_INTERVAL_1H, &score, &plan, NULL,
                                PERP_SIGNAL_TAKEN, NULL, &error);
  g_assert_no_error (error);
  if (n_candles < 0)
    return PERP_N_OUTCOME_STATES;

  perp_outcome_params_init (&params);
  tracker = perp_outcome_tracker_new (&plan, HOUR, &params, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_candles; i++)
    {
      PerpCandle candle;

      perp_candle_init (&candle, time + (i + 1) * HOUR, follow_candles[i][0], follow_candles[i][1],
                        follow_candles[i][2], follow_candles[i][3], 1);
      g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
    }
  g_assert_true (perp_journal_update_outcome (journal, id, perp_outcome_tracker_get (tracker), &error));
  g_assert_no_error (error);
  return perp_outcome_tracker_get (tracker)->state;
}

/* A version 1 journal (before the settled flag) is upgraded in place: its taken
 * signals without an outcome, pending or open stay open, the finished one does not,
 * and the open positions are then read from the partial index. */
static void
test_upgrade_from_1 (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GError) error = NULL;
  PerpJournalHistory *history;
  g_autofree char *plan = NULL;
  g_autofree char *version = NULL;
  g_autofree char *finished = NULL;
  sqlite3 *db;

  {
    g_autoptr(PerpJournal) journal = open_ok (fixture->path);

    g_assert_cmpint (add_followed (journal, DAY1, -1), ==, PERP_N_OUTCOME_STATES);
    g_assert_cmpint (add_followed (journal, DAY1 + HOUR, 0), ==, PERP_OUTCOME_PENDING);
    g_assert_cmpint (add_followed (journal, DAY1 + 2 * HOUR, 1), ==, PERP_OUTCOME_OPEN);
    g_assert_cmpint (add_followed (journal, DAY1 + 3 * HOUR, 2), ==, PERP_OUTCOME_TRAILED);
    add_simple (journal, "BTCUSDT", DAY1 + 4 * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                PERP_SIGNAL_BLOCKED, &error);
    g_assert_no_error (error);
  }

  /* Back to version 1, as an older Perpscope left it. */
  db = raw_open (fixture->path);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX breaker_events_resumed;"
                                     "DROP INDEX signals_unsettled;"
                                     "ALTER TABLE signals DROP COLUMN settled;"
                                     "ALTER TABLE outcomes DROP COLUMN funding_r;"
                                     "ALTER TABLE outcomes DROP COLUMN n_fundings;"
                                     "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  /* Read-only, it cannot be upgraded: refused, with what to do. */
  g_assert_null (perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_READ_ONLY, &error));
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, "version 1"));
  g_assert_nonnull (strstr (error->message, "to upgrade it"));
  g_clear_error (&error);

  {
    g_autoptr(PerpJournal) journal = open_ok (fixture->path);

    open = perp_journal_list_open (journal, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (open->len, ==, 3);
    for (guint i = 0; i < open->len; i++)
      g_assert_cmpint (((PerpJournalSignal *) g_ptr_array_index (open, i))->time, ==, DAY1 + i * HOUR);
    history = perp_journal_get_history (journal, DAY1 + 5 * HOUR, "BTCUSDT", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (history->state.n_open, ==, 3);
    perp_journal_history_free (history);
  }

  db = raw_open (fixture->path);
  version = raw_text (db, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpint (atoi (version), ==, PERP_JOURNAL_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals WHERE settled = 1"), ==, 1);
  /* Outcomes from before funding was counted: none paid. */
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM outcomes"), >, 0);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM outcomes WHERE funding_r <> 0 OR n_fundings <> 0"), ==, 0);
  finished = g_strdup_printf ("SELECT settled FROM signals WHERE time = %" G_GINT64_FORMAT, DAY1 + 3 * HOUR);
  g_assert_cmpint (raw_int (db, finished), ==, 1);
  /* The open-position queries name it (INDEXED BY fails without it): they worked above. */
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                " AND name = 'signals_unsettled'"), ==, 1);
  plan = raw_plan (db, "SELECT s.symbol FROM signals s INDEXED BY signals_unsettled"
                       " WHERE s.status = 'signal' AND s.settled = 0 AND s.time <= 5");
  g_test_message ("%s", plan);
  g_assert_nonnull (strstr (plan, "signals_unsettled"));
  g_free (plan);
  /* The latest resume is an index lookup, not a walk over every event. */
  plan = raw_plan (db, "SELECT max(resumed_at) FROM breaker_events WHERE breaker = 'daily_drawdown'"
                       " AND resumed_at <= 5");
  g_test_message ("%s", plan);
  g_assert_nonnull (strstr (plan, "breaker_events_resumed"));
  sqlite3_close (db);
}

static void
test_default_path (void)
{
  g_autofree char *path = perp_journal_default_path ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "perpscope", "journal.sqlite", NULL);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_newer_version_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  gsize n_before, n_after;
  sqlite3 *db = raw_open (fixture->path);
  PerpJournal *journal;

  /* A journal from a future Perpscope, at schema version 99. */
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                     "INSERT INTO meta VALUES ('application', 'perpscope-journal');"
                                     "INSERT INTO meta VALUES ('schema_version', '99');"
                                     "CREATE TABLE signals (id INTEGER PRIMARY KEY, future BLOB);"
                                     "INSERT INTO signals (future) VALUES (x'00ff');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (fixture->path, &before, &n_before, NULL));

  journal = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_NONE, &error);
  g_assert_null (journal);
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NEWER);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "99"));

  /* Never altered: same bytes, not switched to WAL. */
  g_assert_true (g_file_get_contents (fixture->path, &after, &n_after, NULL));
  g_assert_cmpmem (before, n_before, after, n_after);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_not_a_journal (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = g_build_filename (fixture->dir, "other.sqlite", NULL);
  g_autofree char *text = g_build_filename (fixture->dir, "notes.txt", NULL);
  sqlite3 *db = raw_open (other);

  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_null (perp_journal_open (other, PERP_JOURNAL_FLAGS_NONE, &error));
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NOT_JOURNAL);
  g_assert_nonnull (strstr (error->message, other));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (text, "these are not the droids you are looking for\n"
                                      "and this is not an SQLite file either, at all.\n", -1, NULL));
  g_assert_null (perp_journal_open (text, PERP_JOURNAL_FLAGS_NONE, &error));
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_NOT_JOURNAL);
  g_assert_nonnull (strstr (error->message, text));
}

/* Opened read-only (to show or export it), a missing journal is said to be missing,
 * not unwritable, and the open creates nothing. */
static void
test_missing_read_only (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_READ_ONLY, &error));
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_null (strstr (error->message, "writable"));
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Once created, the same read-only open works. */
  g_object_unref (open_ok (fixture->path));
  {
    g_autoptr(PerpJournal) journal = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);

    g_assert_no_error (error);
    g_assert_nonnull (journal);
  }
}

/* ------------------------------------------------------------------ round trips */

static void
test_signal_round_trip (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  PerpScore score;
  PerpPlan plan;
  PerpBreakerVerdict verdict;
  PerpJournalSignal *s;
  PerpJournalQuery query;
  gint64 id, blocked;
  sqlite3 *db;

  journal_test_score (&score, DAY1 + HOUR, PERP_DIRECTION_SHORT, PERP_TIER_HIGH, NULL);
  journal_test_plan (&plan, score.time, PERP_DIRECTION_SHORT, PERP_TIER_HIGH);
  adjusting_verdict (&verdict);

  id = perp_journal_add_signal (journal, "ETHUSDT", PERP_INTERVAL_15M, &score, &plan, &verdict,
                                PERP_SIGNAL_TAKEN, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  blocked = add_simple (journal, "BTCUSDT", DAY1 + 2 * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW,
                        NULL, PERP_SIGNAL_BLOCKED, &error);
  g_assert_no_error (error);
  g_assert_cmpint (blocked, >, id);

  perp_journal_query_init (&query);
  query.symbol = "ETHUSDT";
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  s = g_ptr_array_index (rows, 0);
  g_assert_cmpint (s->id, ==, id);
  g_assert_cmpstr (s->symbol, ==, "ETHUSDT");
  g_assert_cmpint (s->interval, ==, PERP_INTERVAL_15M);
  g_assert_cmpint (s->time, ==, DAY1 + HOUR);
  g_assert_cmpint (s->direction, ==, PERP_DIRECTION_SHORT);
  g_assert_cmpint (s->tier, ==, PERP_TIER_HIGH);
  g_assert_cmpint (s->status, ==, PERP_SIGNAL_TAKEN);
  g_assert_cmpfloat (s->long_pct, ==, 30);
  g_assert_true (s->has_plan);
  g_assert_false (s->has_outcome);
  g_assert_cmpfloat (s->plan.entry, ==, 100);
  g_assert_cmpfloat (s->plan.stop, ==, 110);
  g_assert_cmpint (s->plan.stop_anchor, ==, PERP_STOP_SWING);
  g_assert_cmpint (s->plan.expires_at, ==, plan.expires_at);
  g_assert_cmpuint (s->plan.n_targets, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (s->plan.targets[i].price, ==, plan.targets[i].price);
      g_assert_cmpfloat (s->plan.targets[i].share, ==, plan.targets[i].share);
      g_assert_cmpint (s->plan.targets[i].kind, ==, plan.targets[i].kind);
    }
  g_assert_cmpuint (s->plan.break_even_after, ==, 1);
  g_assert_cmpuint (s->plan.trail_after, ==, 2);
  g_assert_cmpint (s->plan.sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (s->plan.sizing.quantity, ==, 0.1);
  g_assert_cmpfloat (s->plan.sizing.risk, ==, 1);
  g_assert_true (isnan (s->plan.sizing.heat_pct));
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Status filter and time range. */
  perp_journal_query_init (&query);
  query.status = PERP_SIGNAL_BLOCKED;
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  s = g_ptr_array_index (rows, 0);
  g_assert_cmpint (s->id, ==, blocked);
  g_assert_cmpstr (s->reason, ==, "test reason");
  g_clear_pointer (&rows, g_ptr_array_unref);
  perp_journal_query_init (&query);
  query.from = DAY1 + HOUR + 1;
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  perp_journal_query_init (&query);
  query.to = DAY1 + 2 * HOUR;
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Factors, with their rendered reasons, and the breaker results. */
  db = raw_open (fixture->path);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_factors WHERE signal_id = 1"), ==, PERP_N_FACTORS);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_factors WHERE signal_id = 1"
                                " AND factor = 'liquidity_pools' AND state = 'fresh' AND reason <> ''"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_breakers WHERE signal_id = 1"
                                " AND breaker = 'win_streak' AND action = 'adjust'"
                                " AND reason = '5 wins in a row'"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals WHERE id = 1 AND breaker_action = 'adjust'"
                                " AND size_factor = 0.5"), ==, 1);
  sqlite3_close (db);
}

static void
test_outcome_round_trip (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  g_autoptr(GPtrArray) open = NULL;
  PerpOutcomeParams params;
  PerpScore score;
  PerpPlan plan;
  PerpOutcome back;
  const PerpOutcome *o;
  gint64 id;

  journal_test_score (&score, DAY1, PERP_DIRECTION_LONG, PERP_TIER_MEDIUM, NULL);
  journal_test_plan (&plan, DAY1, PERP_DIRECTION_LONG, PERP_TIER_MEDIUM);
  id = perp_journal_add_signal (journal, "BTCUSDT", PERP_INTERVAL_1H, &score, &plan, NULL,
                                PERP_SIGNAL_TAKEN, NULL, &error);
  g_assert_no_error (error);

  open = perp_journal_list_open (journal, &error);
  g_assert_cmpuint (open->len, ==, 1);
  g_clear_pointer (&open, g_ptr_array_unref);

  perp_outcome_params_init (&params);
  tracker = perp_outcome_tracker_new (&plan, HOUR, &params, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (follow_candles); i++)
    {
      PerpCandle candle;

      perp_candle_init (&candle, DAY1 + i * HOUR, follow_candles[i][0], follow_candles[i][1],
                        follow_candles[i][2], follow_candles[i][3], 1);
      g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
      /* Store it as it goes, like the engine will. */
      g_assert_true (perp_journal_update_outcome (journal, id, perp_outcome_tracker_get (tracker), &error));
      g_assert_no_error (error);
    }
  o = perp_outcome_tracker_get (tracker);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_TRAILED);
  /* The settlement at 1 h, given after the trade closed: half was still held then. */
  g_assert_true (perp_outcome_tracker_add_funding (tracker, DAY1 + HOUR, 0.0003, 110, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (o->n_fundings, ==, 1);
  g_assert_cmpfloat (o->funding_r, >, 0);
  g_assert_true (perp_journal_update_outcome (journal, id, o, &error));

  g_assert_true (perp_journal_get_outcome (journal, id, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back.state, ==, o->state);
  g_assert_cmpuint (back.n_exits, ==, o->n_exits);
  for (guint i = 0; i < o->n_exits; i++)
    {
      g_assert_cmpint (back.exits[i].kind, ==, o->exits[i].kind);
      g_assert_cmpuint (back.exits[i].target, ==, o->exits[i].target);
      g_assert_cmpint (back.exits[i].time, ==, o->exits[i].time);
      g_assert_cmpfloat (back.exits[i].price, ==, o->exits[i].price);
      g_assert_cmpfloat (back.exits[i].share, ==, o->exits[i].share);
    }
  g_assert_cmpfloat (back.realised_r, ==, o->realised_r);
  g_assert_cmpfloat (back.mfe_r, ==, o->mfe_r);
  g_assert_cmpfloat (back.mae_r, ==, o->mae_r);
  g_assert_cmpfloat (back.fees_r, ==, o->fees_r);
  g_assert_cmpfloat (back.funding_r, ==, o->funding_r);
  g_assert_cmpuint (back.n_fundings, ==, o->n_fundings);
  g_assert_cmpint (back.exit_time, ==, o->exit_time);
  g_assert_cmpint (back.break_even_time, ==, o->break_even_time);
  g_assert_cmpint (back.target_time[1], ==, o->target_time[1]);

  /* Closed: no longer open. */
  open = perp_journal_list_open (journal, &error);
  g_assert_cmpuint (open->len, ==, 0);

  /* An outcome for a signal that does not exist is refused. */
  g_assert_false (perp_journal_update_outcome (journal, 4242, o, &error));
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID);
}

static void
test_labels (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  PerpLabel label = {
    .symbol = (char *) "BTCUSDT", .interval = PERP_INTERVAL_5M, .object = (char *) "fvg",
    .direction = PERP_DIRECTION_LONG, .price_low = 42000.5, .price_high = 42100,
    .first_time = DAY1, .last_time = DAY1 + 10 * MINUTE, .note = (char *) "clean gap",
  };
  PerpLabel *back;

  g_assert_cmpint (perp_journal_add_label (journal, &label, &error), >, 0);
  label.symbol = (char *) "ETHUSDT";
  label.first_time = DAY1 - HOUR;
  g_assert_cmpint (perp_journal_add_label (journal, &label, &error), >, 0);
  label.price_low = 50000;
  g_assert_cmpint (perp_journal_add_label (journal, &label, &error), ==, -1);
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID);
  g_clear_error (&error);

  labels = perp_journal_list_labels (journal, "BTCUSDT", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (labels->len, ==, 1);
  back = g_ptr_array_index (labels, 0);
  g_assert_cmpstr (back->object, ==, "fvg");
  g_assert_cmpint (back->interval, ==, PERP_INTERVAL_5M);
  g_assert_cmpint (back->direction, ==, PERP_DIRECTION_LONG);
  g_assert_cmpfloat (back->price_low, ==, 42000.5);
  g_assert_cmpfloat (back->price_high, ==, 42100);
  g_assert_cmpint (back->last_time, ==, DAY1 + 10 * MINUTE);
  g_assert_cmpstr (back->note, ==, "clean gap");
  g_clear_pointer (&labels, g_ptr_array_unref);
  labels = perp_journal_list_labels (journal, NULL, &error);
  g_assert_cmpuint (labels->len, ==, 2);
  g_assert_cmpstr (((PerpLabel *) g_ptr_array_index (labels, 0))->symbol, ==, "ETHUSDT");
}

/* ------------------------------------------------------------------ statistics */

typedef struct
{
  const char      *symbol;
  gint64           time;
  PerpTier         tier;
  double           result;
  double           flow;       /* order-flow factor × direction: > 0 agrees */
  PerpSignalStatus status;
  PerpOutcomeState state;      /* PENDING: no outcome stored */
} Trade;

/* Nine taken trades that closed half an hour after their signal, odd ones long, even
 * ones short; then a blocked signal with the result it would have had, a taken one
 * still open, a not-filled one and a taken one without an outcome. */
static const Trade trades[] = {
  { "BTCUSDT", DAY1 +  1 * HOUR, PERP_TIER_HIGH,    2.0,  0.5, PERP_SIGNAL_TAKEN, PERP_OUTCOME_TARGETS },
  { "ETHUSDT", DAY1 +  8 * HOUR, PERP_TIER_MEDIUM, -1.0, -0.4, PERP_SIGNAL_TAKEN, PERP_OUTCOME_STOPPED },
  { "BTCUSDT", DAY1 + 13 * HOUR, PERP_TIER_MEDIUM, -1.0, -0.4, PERP_SIGNAL_TAKEN, PERP_OUTCOME_STOPPED },
  { "BTCUSDT", DAY1 + 17 * HOUR, PERP_TIER_HIGH,    0.5,  0.5, PERP_SIGNAL_TAKEN, PERP_OUTCOME_TRAILED },
  { "ETHUSDT", DAY1 + 22 * HOUR, PERP_TIER_LOW,    -1.0,  0.0, PERP_SIGNAL_TAKEN, PERP_OUTCOME_STOPPED },
  { "BTCUSDT", DAY2 +  2 * HOUR, PERP_TIER_HIGH,   -1.0,  0.0, PERP_SIGNAL_TAKEN, PERP_OUTCOME_STOPPED },
  { "ETHUSDT", DAY2 +  9 * HOUR, PERP_TIER_HIGH,   -1.0,  0.0, PERP_SIGNAL_TAKEN, PERP_OUTCOME_STOPPED },
  { "BTCUSDT", DAY2 + 14 * HOUR, PERP_TIER_MEDIUM,  3.0,  0.5, PERP_SIGNAL_TAKEN, PERP_OUTCOME_TARGETS },
  { "ETHUSDT", DAY2 + 18 * HOUR, PERP_TIER_MEDIUM,  0.0,  0.0, PERP_SIGNAL_TAKEN, PERP_OUTCOME_BREAK_EVEN },
  { "BTCUSDT", DAY2 +  5 * HOUR, PERP_TIER_HIGH,    5.0,  0.5, PERP_SIGNAL_BLOCKED, PERP_OUTCOME_TARGETS },
  { "ETHUSDT", DAY2 + 10 * HOUR, PERP_TIER_HIGH,    0.3,  0.5, PERP_SIGNAL_TAKEN, PERP_OUTCOME_OPEN },
  { "BTCUSDT", DAY2 + 11 * HOUR, PERP_TIER_HIGH,    0.0,  0.5, PERP_SIGNAL_TAKEN, PERP_OUTCOME_NOT_FILLED },
  { "BTCUSDT", DAY2 + 18 * HOUR + 30 * MINUTE, PERP_TIER_LOW, 0.0, 0.0, PERP_SIGNAL_TAKEN, PERP_OUTCOME_PENDING },
};

static void
insert_trades (PerpJournal *journal)
{
  for (guint i = 0; i < G_N_ELEMENTS (trades); i++)
    {
      const Trade *t = &trades[i];
      PerpDirection direction = i % 2 == 0 ? PERP_DIRECTION_LONG : PERP_DIRECTION_SHORT;
      double values[PERP_N_FACTORS] = { 0 };
      g_autoptr(GError) error = NULL;
      PerpOutcome outcome;
      gint64 id;

      values[PERP_FACTOR_ORDER_FLOW] = t->flow * direction;
      id = add_simple (journal, t->symbol, t->time, direction, t->tier, values, t->status, &error);
      g_assert_no_error (error);
      if (t->state == PERP_OUTCOME_PENDING)
        continue;
      memset (&outcome, 0, sizeof outcome);
      outcome.state = t->state;
      outcome.direction = direction;
      outcome.entry_time = t->time;
      outcome.exit_time = perp_outcome_is_closed (&outcome) ? t->time + 30 * MINUTE : -1;
      outcome.first_hit_time = -1;
      outcome.break_even_time = -1;
      outcome.trail_time = -1;
      outcome.realised_r = t->result;
      outcome.gross_r = t->result;
      g_assert_true (perp_journal_update_outcome (journal, id, &outcome, &error));
      g_assert_no_error (error);
    }
}

static const PerpJournalStats *
find_row (GPtrArray  *rows,
          const char *key)
{
  for (guint i = 0; i < rows->len; i++)
    {
      PerpJournalStatsRow *row = g_ptr_array_index (rows, i);

      if (strcmp (row->key, key) == 0)
        return &row->stats;
    }
  g_error ("no statistics row \"%s\"", key);
  return NULL;
}

static void
test_statistics (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const PerpJournalStats *s;
  PerpJournalQuery query;

  insert_trades (journal);

  /* All nine taken and closed trades: +2 -1 -1 +0.5 -1 -1 -1 +3 0.
   * Wins 2, 0.5, 3 (Σ 5.5); losses five of -1 (Σ -5); one scratch.
   * Win rate 3/9; profit factor 5.5 / 5 = 1.1; average 0.5 / 9.
   * Cumulative 2, 1, 0, 0.5, -0.5, -1.5, -2.5, 0.5, 0.5: peak 2, trough -2.5: drawdown 4.5.
   * Losing streaks: 2 (trades 2-3), then 3 (trades 5-7). */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_NONE, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  s = find_row (rows, "all");
  g_assert_cmpuint (s->n_trades, ==, 9);
  g_assert_cmpuint (s->n_wins, ==, 3);
  g_assert_cmpuint (s->n_losses, ==, 5);
  g_assert_cmpuint (s->n_scratches, ==, 1);
  g_assert_cmpfloat_with_epsilon (s->win_rate, 3.0 / 9, EPS);
  g_assert_cmpfloat_with_epsilon (s->profit_factor, 1.1, EPS);
  g_assert_cmpfloat_with_epsilon (s->avg_r, 0.5 / 9, EPS);
  g_assert_cmpfloat_with_epsilon (s->expectancy_r, 3.0 / 9 * (5.5 / 3) + 5.0 / 9 * -1, EPS);
  g_assert_cmpfloat_with_epsilon (s->avg_win_r, 5.5 / 3, EPS);
  g_assert_cmpfloat_with_epsilon (s->avg_loss_r, -1, EPS);
  g_assert_cmpfloat_with_epsilon (s->total_r, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (s->max_drawdown_r, 4.5, EPS);
  g_assert_cmpuint (s->longest_losing_streak, ==, 3);
  /* Σr² = 4 + 1 + 1 + 0.25 + 1 + 1 + 1 + 9 = 18.25, so Σ(r - mean)² = 18.25 - 9 mean² =
   * 18.25 - 0.25 / 9, over n - 1 = 8 for the sample variance.  The losses' squares sum
   * to 5, over all 9 trades for the downside deviation. */
  g_assert_cmpfloat_with_epsilon (s->sharpe_r, (0.5 / 9) / sqrt ((18.25 - 0.25 / 9) / 8), EPS);
  g_assert_cmpfloat_with_epsilon (s->sortino_r, (0.5 / 9) / sqrt (5.0 / 9), EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* By symbol.  BTC: +2 -1 +0.5 -1 +3: PF 5.5 / 2, cumulative 2 1 1.5 0.5 3.5: drawdown
   * 1.5, streak 1.  ETH: -1 -1 -1 0: no win, PF 0, drawdown 3, streak 3. */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_SYMBOL, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((PerpJournalStatsRow *) g_ptr_array_index (rows, 0))->key, ==, "BTCUSDT");
  s = find_row (rows, "BTCUSDT");
  g_assert_cmpuint (s->n_trades, ==, 5);
  g_assert_cmpfloat_with_epsilon (s->win_rate, 0.6, EPS);
  g_assert_cmpfloat_with_epsilon (s->profit_factor, 2.75, EPS);
  g_assert_cmpfloat_with_epsilon (s->total_r, 3.5, EPS);
  g_assert_cmpfloat_with_epsilon (s->max_drawdown_r, 1.5, EPS);
  g_assert_cmpuint (s->longest_losing_streak, ==, 1);
  s = find_row (rows, "ETHUSDT");
  g_assert_cmpuint (s->n_trades, ==, 4);
  g_assert_cmpfloat (s->win_rate, ==, 0);
  g_assert_cmpfloat (s->profit_factor, ==, 0);
  g_assert_true (isnan (s->avg_win_r));
  g_assert_cmpfloat_with_epsilon (s->max_drawdown_r, 3, EPS);
  g_assert_cmpuint (s->longest_losing_streak, ==, 3);
  /* Mean -0.75, deviations 3 x 0.25² + 0.75² = 0.75, variance 0.75 / 3, so a standard
   * deviation of 0.5; downside deviation √(3 / 4). */
  g_assert_cmpfloat_with_epsilon (s->sharpe_r, -1.5, EPS);
  g_assert_cmpfloat_with_epsilon (s->sortino_r, -0.75 / sqrt (0.75), EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* By tier.  High: +2 +0.5 -1 -1: cumulative 2 2.5 1.5 0.5: drawdown 2.  Medium: -1 -1
   * +3 0.  Low: -1 (no win: PF 0). */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_TIER, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  s = find_row (rows, "high");
  g_assert_cmpuint (s->n_trades, ==, 4);
  g_assert_cmpfloat_with_epsilon (s->total_r, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (s->max_drawdown_r, 2, EPS);
  g_assert_cmpuint (s->longest_losing_streak, ==, 2);
  s = find_row (rows, "medium");
  g_assert_cmpuint (s->n_trades, ==, 4);
  g_assert_cmpfloat_with_epsilon (s->total_r, 1, EPS);
  g_assert_cmpfloat_with_epsilon (s->profit_factor, 1.5, EPS);
  s = find_row (rows, "low");
  g_assert_cmpuint (s->n_trades, ==, 1);
  g_assert_cmpfloat_with_epsilon (s->max_drawdown_r, 1, EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* By session of the signal time (UTC): asian 01:00, 02:00 (+2, -1); london 08:00,
   * 09:00 (-1, -1); overlap 13:00, 14:00 (-1, +3); new-york 17:00, 18:00 (+0.5, 0);
   * late 22:00 (-1). */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_SESSION, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "asian")->total_r, 1, EPS);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "london")->total_r, -2, EPS);
  g_assert_cmpuint (find_row (rows, "london")->longest_losing_streak, ==, 2);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "london-ny-overlap")->total_r, 2, EPS);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "new-york")->win_rate, 0.5, EPS);
  g_assert_true (isinf (find_row (rows, "new-york")->profit_factor));
  g_assert_cmpuint (find_row (rows, "late")->n_losses, ==, 1);
  /* One trade has no spread; a session of a win and a scratch has no loss. */
  g_assert_true (isnan (find_row (rows, "late")->sharpe_r));
  g_assert_true (isnan (find_row (rows, "new-york")->sortino_r));
  g_assert_cmpfloat (find_row (rows, "new-york")->sharpe_r, >, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Daily summary by exit day: day 1 +2 -1 -1 +0.5 -1 = -0.5; day 2 -1 -1 +3 0 = 1. */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_DAY, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((PerpJournalStatsRow *) g_ptr_array_index (rows, 0))->key, ==, "2024-01-01");
  g_assert_cmpfloat_with_epsilon (find_row (rows, "2024-01-01")->total_r, -0.5, EPS);
  g_assert_cmpuint (find_row (rows, "2024-01-01")->n_trades, ==, 5);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "2024-01-02")->total_r, 1, EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* By the order-flow factor against the direction: agree on trades 1, 4, 8 (+2, +0.5,
   * +3), disagree on 2, 3 (-1, -1), neutral on the rest (-1, -1, -1, 0). */
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_FACTOR, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  s = find_row (rows, "agree");
  g_assert_cmpuint (s->n_trades, ==, 3);
  g_assert_cmpfloat (s->win_rate, ==, 1);
  g_assert_cmpfloat_with_epsilon (s->total_r, 5.5, EPS);
  s = find_row (rows, "disagree");
  g_assert_cmpuint (s->n_trades, ==, 2);
  g_assert_cmpfloat_with_epsilon (s->total_r, -2, EPS);
  s = find_row (rows, "neutral");
  g_assert_cmpuint (s->n_trades, ==, 4);
  g_assert_cmpuint (s->n_scratches, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Filters: day 2 signals only: -1 -1 +3 0; all statuses adds the blocked +5. */
  perp_journal_query_init (&query);
  query.from = DAY2;
  query.status = PERP_SIGNAL_TAKEN;
  rows = perp_journal_stats (journal, &query, PERP_JOURNAL_GROUP_NONE, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (find_row (rows, "all")->n_trades, ==, 4);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "all")->total_r, 1, EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);
  query.status = -1;
  rows = perp_journal_stats (journal, &query, PERP_JOURNAL_GROUP_NONE, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (find_row (rows, "all")->n_trades, ==, 5);
  g_assert_cmpfloat_with_epsilon (find_row (rows, "all")->total_r, 6, EPS);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Nothing matches: no rows, and an empty sequence has no ratios. */
  query.symbol = "XRPUSDT";
  rows = perp_journal_stats (journal, &query, PERP_JOURNAL_GROUP_NONE, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_cmpuint (rows->len, ==, 0);
  {
    PerpJournalStats empty;

    perp_journal_stats_compute (NULL, 0, &empty);
    g_assert_cmpuint (empty.n_trades, ==, 0);
    g_assert_true (isnan (empty.win_rate));
    g_assert_true (isnan (empty.profit_factor));
    g_assert_cmpfloat (empty.max_drawdown_r, ==, 0);
    g_assert_true (isnan (empty.sharpe_r));
    g_assert_true (isnan (empty.sortino_r));
  }
  /* Results all alike have no spread, though their mean is not exactly them. */
  {
    static const double alike[] = { 0.1, 0.1, 0.1 };
    static const double spread[] = { 0.1, 0.1, 0.3 };
    PerpJournalStats stats;

    perp_journal_stats_compute (alike, G_N_ELEMENTS (alike), &stats);
    g_assert_cmpfloat (stats.avg_r, !=, 0.1);
    g_assert_true (isnan (stats.sharpe_r));
    perp_journal_stats_compute (spread, G_N_ELEMENTS (spread), &stats);
    g_assert_cmpfloat_with_epsilon (stats.sharpe_r, (0.5 / 3) / sqrt (((0.1 - 0.5 / 3) * (0.1 - 0.5 / 3) * 2
                                                                       + (0.3 - 0.5 / 3) * (0.3 - 0.5 / 3)) / 2),
                                    1e-12);
  }
}

/* A scratch journal (a backtest's) lives in memory: it works as any other, and neither
 * its file nor WAL files beside it appear. */
static void
test_scratch (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_SCRATCH, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (perp_journal_get_path (journal), ==, fixture->path);
  insert_trades (journal);
  rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_NONE, PERP_FACTOR_ORDER_FLOW, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (find_row (rows, "all")->n_trades, ==, 9);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

/* A journal of the previous schema, which differs only by an index: read-only it is
 * read as it is; opened for writing it gets the index. */
static void
test_read_compatible (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  sqlite3 *db;

  {
    g_autoptr(PerpJournal) journal = open_ok (fixture->path);

    insert_trades (journal);
    g_assert_cmpint (perp_journal_add_breaker_event (journal, PERP_BREAKER_DAILY_DRAWDOWN, PERP_BREAKER_BLOCK,
                                                     NULL, "-3 R today", DAY1 + 23 * HOUR, &error), >, 0);
    g_assert_true (perp_journal_resume_breaker (journal, PERP_BREAKER_DAILY_DRAWDOWN, DAY2 + HOUR, &error));
  }
  db = raw_open (fixture->path);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX breaker_events_resumed;"
                                     "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  {
    g_autoptr(PerpJournal) journal = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);
    g_autoptr(PerpJournalHistory) history = NULL;
    g_autoptr(GPtrArray) rows = NULL;

    g_assert_no_error (error);
    history = perp_journal_get_history (journal, DAY2 + 14 * HOUR, "BTCUSDT", &error);
    g_assert_no_error (error);
    g_assert_cmpint (history->state.paused_at, ==, DAY1 + 23 * HOUR);
    g_assert_cmpint (history->state.resumed_at, ==, DAY2 + HOUR);
    rows = perp_journal_stats (journal, NULL, PERP_JOURNAL_GROUP_NONE, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (find_row (rows, "all")->n_trades, ==, 9);
  }
  db = raw_open (fixture->path);
  version = raw_text (db, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpint (atoi (version), ==, 3);
  sqlite3_close (db);
  g_clear_pointer (&version, g_free);

  g_object_unref (open_ok (fixture->path));
  db = raw_open (fixture->path);
  version = raw_text (db, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpint (atoi (version), ==, PERP_JOURNAL_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                " AND name = 'breaker_events_resumed'"), ==, 1);
  sqlite3_close (db);
}

/* A reader holding a snapshot (an export) sees one state of the journal while the
 * workstation goes on writing to it; released, it sees the latest. */
static void
test_snapshot (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) writer = open_ok (fixture->path);
  g_autoptr(PerpJournal) reader = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  insert_trades (writer);
  reader = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (perp_journal_get_read_only (reader));
  g_assert_false (perp_journal_get_read_only (writer));

  g_assert_true (perp_journal_hold_snapshot (reader, &error));
  g_assert_true (perp_journal_hold_snapshot (reader, &error));   /* nested: the same one */
  g_assert_cmpint (add_simple (writer, "ETHUSDT", DAY2 + 20 * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                               PERP_SIGNAL_BLOCKED, &error), >, 0);
  g_assert_no_error (error);
  rows = perp_journal_list_signals (reader, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (trades));
  g_clear_pointer (&rows, g_ptr_array_unref);

  perp_journal_release_snapshot (reader);
  rows = perp_journal_list_signals (reader, NULL, &error);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (trades));
  g_clear_pointer (&rows, g_ptr_array_unref);
  perp_journal_release_snapshot (reader);
  rows = perp_journal_list_signals (reader, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (trades) + 1);
}

/* A backtest's journal without details: the same statistics (except by factor, which
 * it cannot know) and the same breakers' history as a whole one, from the same input,
 * and no factors, targets or breaker results. */
static void
test_no_details (Fixture       *fixture,
                 gconstpointer  data)
{
  static const PerpJournalGroup groups[] = {
    PERP_JOURNAL_GROUP_NONE, PERP_JOURNAL_GROUP_SYMBOL, PERP_JOURNAL_GROUP_TIER,
    PERP_JOURNAL_GROUP_SESSION, PERP_JOURNAL_GROUP_DAY,
  };
  g_autoptr(GError) error = NULL;
  PerpJournal *journals[2];
  PerpJournalHistory *histories[2];
  GPtrArray *signals[2];
  PerpScore score;
  PerpPlan plan;
  PerpBreakerVerdict verdict;
  gint64 now = DAY2 + 14 * HOUR + 45 * MINUTE;

  journal_test_score (&score, DAY2 + 13 * HOUR, PERP_DIRECTION_SHORT, PERP_TIER_HIGH, NULL);
  journal_test_plan (&plan, score.time, PERP_DIRECTION_SHORT, PERP_TIER_HIGH);
  g_assert_cmpuint (plan.n_targets, >, 0);
  adjusting_verdict (&verdict);

  for (guint j = 0; j < 2; j++)
    {
      journals[j] = perp_journal_open (fixture->path, PERP_JOURNAL_FLAGS_SCRATCH
                                       | (j == 1 ? PERP_JOURNAL_FLAGS_NO_DETAILS : 0), &error);
      g_assert_no_error (error);
      insert_trades (journals[j]);
      g_assert_cmpint (perp_journal_add_signal (journals[j], "ETHUSDT", PERP_INTERVAL_15M, &score, &plan,
                                                &verdict, PERP_SIGNAL_TAKEN, NULL, &error), >, 0);
      g_assert_no_error (error);
      g_assert_cmpint (perp_journal_add_breaker_event (journals[j], PERP_BREAKER_DAILY_DRAWDOWN,
                                                       PERP_BREAKER_BLOCK, NULL, "-3 R today",
                                                       DAY1 + 23 * HOUR, &error), >, 0);
      g_assert_no_error (error);
      histories[j] = perp_journal_get_history (journals[j], now, "BTCUSDT", &error);
      g_assert_no_error (error);
      signals[j] = perp_journal_list_signals (journals[j], NULL, &error);
      g_assert_no_error (error);
    }

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      g_autoptr(GPtrArray) whole = perp_journal_stats (journals[0], NULL, groups[g], 0, &error);
      g_autoptr(GPtrArray) lean = perp_journal_stats (journals[1], NULL, groups[g], 0, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (whole->len, >, 0);
      g_assert_cmpuint (lean->len, ==, whole->len);
      for (guint i = 0; i < whole->len; i++)
        {
          const PerpJournalStatsRow *a = g_ptr_array_index (whole, i);
          const PerpJournalStatsRow *b = g_ptr_array_index (lean, i);

          g_assert_cmpstr (b->key, ==, a->key);
          g_assert_cmpuint (b->stats.n_trades, ==, a->stats.n_trades);
          g_assert_cmpfloat (b->stats.total_r, ==, a->stats.total_r);
          g_assert_cmpfloat (b->stats.max_drawdown_r, ==, a->stats.max_drawdown_r);
        }
    }
  {
    g_autoptr(GPtrArray) whole = perp_journal_stats (journals[0], NULL, PERP_JOURNAL_GROUP_FACTOR,
                                                     PERP_FACTOR_ORDER_FLOW, &error);
    g_autoptr(GPtrArray) lean = perp_journal_stats (journals[1], NULL, PERP_JOURNAL_GROUP_FACTOR,
                                                    PERP_FACTOR_ORDER_FLOW, &error);

    g_assert_no_error (error);
    g_assert_nonnull (find_row (whole, "agree"));
    g_assert_cmpuint (lean->len, ==, 0);
  }

  g_assert_cmpint (histories[1]->state.last_stop_out, ==, histories[0]->state.last_stop_out);
  g_assert_cmpuint (histories[1]->state.signals_last_hour, ==, histories[0]->state.signals_last_hour);
  g_assert_cmpfloat (histories[1]->state.today_r, ==, histories[0]->state.today_r);
  g_assert_cmpint (histories[1]->state.paused_at, ==, histories[0]->state.paused_at);
  g_assert_cmpuint (histories[1]->state.n_open, ==, histories[0]->state.n_open);
  g_assert_cmpuint (histories[1]->state.win_streak, ==, histories[0]->state.win_streak);
  g_assert_cmpint (histories[0]->state.paused_at, ==, DAY1 + 23 * HOUR);

  /* The signal's own row is whole; its targets are not there. */
  g_assert_cmpuint (signals[1]->len, ==, signals[0]->len);
  for (guint i = 0; i < signals[0]->len; i++)
    {
      const PerpJournalSignal *a = g_ptr_array_index (signals[0], i);
      const PerpJournalSignal *b = g_ptr_array_index (signals[1], i);

      g_assert_cmpint (b->time, ==, a->time);
      g_assert_cmpint (b->status, ==, a->status);
      g_assert_cmpint (b->has_plan, ==, a->has_plan);
      g_assert_cmpfloat (b->plan.stop, ==, a->plan.stop);
      g_assert_cmpint (b->has_outcome, ==, a->has_outcome);
      if (a->has_outcome)
        g_assert_cmpfloat (b->result_r, ==, a->result_r);
      if (a->time == score.time)
        {
          g_assert_cmpuint (a->plan.n_targets, ==, plan.n_targets);
          g_assert_cmpuint (b->plan.n_targets, ==, 0);
        }
    }

  for (guint j = 0; j < 2; j++)
    {
      g_ptr_array_unref (signals[j]);
      perp_journal_history_free (histories[j]);
      g_object_unref (journals[j]);
    }
}

static void
test_breaker_history (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournalHistory) history = NULL;
  g_autoptr(GPtrArray) open = NULL;
  const PerpBreakerState *state;
  gint64 now = DAY2 + 14 * HOUR + 45 * MINUTE;

  insert_trades (journal);
  g_assert_cmpint (perp_journal_add_breaker_event (journal, PERP_BREAKER_DAILY_DRAWDOWN, PERP_BREAKER_BLOCK,
                                                   NULL, "-3 R today", DAY1 + 23 * HOUR, &error), >, 0);
  g_assert_true (perp_journal_resume_breaker (journal, PERP_BREAKER_DAILY_DRAWDOWN, DAY2 + HOUR, &error));
  g_assert_cmpint (perp_journal_add_breaker_event (journal, PERP_BREAKER_DAILY_DRAWDOWN, PERP_BREAKER_BLOCK,
                                                   NULL, "again", DAY2 + 20 * HOUR, &error), >, 0);
  g_assert_cmpint (perp_journal_add_breaker_event (journal, PERP_BREAKER_COOLDOWN, PERP_BREAKER_BLOCK,
                                                   "BTCUSDT", "stop-out", DAY2 + 3 * HOUR, &error), >, 0);
  g_assert_no_error (error);

  /* At day 2, 14:45 UTC:
   * - last BTC stop-out: trade 6 (signal 02:00, exit 02:30); trade 3 (day 1) is older
   * - taken signals in (13:45, 14:45]: trade 8 at 14:00 (the blocked 05:00 one is not
   *   in the hour and would not count anyway)
   * - today: exits 02:30 (-1), 09:30 (-1), 14:30 (+3): +1 R; the blocked +5 never traded
   * - paused day 1 23:00, resumed day 2 01:00; the 20:00 block is in the future
   * - open: trade 11 (ETH, long: index 10 is even; state open); trade 13 comes later,
   *   trade 12 never filled
   * - win streak: trade 8 won, trade 7 before it lost: 1 */
  history = perp_journal_get_history (journal, now, "BTCUSDT", &error);
  g_assert_no_error (error);
  state = &history->state;
  g_assert_cmpint (state->now, ==, now);
  g_assert_cmpstr (state->symbol, ==, "BTCUSDT");
  g_assert_cmpint (state->last_stop_out, ==, DAY2 + 2 * HOUR + 30 * MINUTE);
  g_assert_cmpuint (state->signals_last_hour, ==, 1);
  g_assert_cmpfloat_with_epsilon (state->today_r, 1, EPS);
  g_assert_cmpint (state->paused_at, ==, DAY1 + 23 * HOUR);
  g_assert_cmpint (state->resumed_at, ==, DAY2 + HOUR);
  g_assert_cmpuint (state->n_open, ==, 1);
  g_assert_cmpstr (state->open[0].symbol, ==, "ETHUSDT");
  g_assert_cmpint (state->open[0].direction, ==, PERP_DIRECTION_LONG);
  g_assert_cmpfloat (state->open[0].risk, ==, 1);
  g_assert_true (isnan (state->open[0].correlation));
  g_assert_cmpuint (state->win_streak, ==, 1);
  g_clear_pointer (&history, perp_journal_history_free);

  /* ETH never stopped out on day 2 before trade 7's exit at 09:30; at 14:45 it has. */
  history = perp_journal_get_history (journal, now, "ETHUSDT", &error);
  g_assert_cmpint (history->state.last_stop_out, ==, DAY2 + 9 * HOUR + 30 * MINUTE);
  g_clear_pointer (&history, perp_journal_history_free);

  /* A day later at 21:00: paused again at 20:00 and not resumed; a fresh day, so no
   * result; both open trades, trade 13 included; trade 9's scratch ends the streak. */
  history = perp_journal_get_history (journal, DAY2 + 21 * HOUR, "XRPUSDT", &error);
  state = &history->state;
  g_assert_cmpint (state->paused_at, ==, DAY2 + 20 * HOUR);
  g_assert_cmpint (state->resumed_at, ==, DAY2 + HOUR);
  g_assert_cmpint (state->last_stop_out, ==, -1);
  g_assert_cmpuint (state->n_open, ==, 2);
  g_assert_cmpuint (state->win_streak, ==, 0);
  g_assert_cmpfloat_with_epsilon (state->today_r, 1, EPS);

  open = perp_journal_list_open (journal, &error);
  g_assert_cmpuint (open->len, ==, 2);
  g_assert_cmpint (((PerpJournalSignal *) g_ptr_array_index (open, 0))->time, ==, DAY2 + 10 * HOUR);
  g_assert_cmpuint (((PerpJournalSignal *) g_ptr_array_index (open, 1))->plan.n_targets, ==, 3);
}

/* ------------------------------------------------------------------ async */

typedef struct
{
  GMainLoop *loop;
  GArray    *ids;
  GError    *error;
  guint      pending;
} AsyncState;

static void
signal_added_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = perp_journal_add_signal_finish (PERP_JOURNAL (object), result, &error);

  if (error != NULL && state->error == NULL)
    state->error = g_steal_pointer (&error);
  g_array_append_val (state->ids, id);
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
outcome_updated_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!perp_journal_update_outcome_finish (PERP_JOURNAL (object), result, &error) && state->error == NULL)
    state->error = g_steal_pointer (&error);
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  AsyncState state = { 0 };
  sqlite3 *db;

  state.loop = g_main_loop_new (NULL, FALSE);
  state.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < 20; i++)
    {
      PerpScore score;
      PerpPlan plan;
      g_autofree char *symbol = g_strdup_printf ("SYM%uUSDT", i);

      journal_test_score (&score, DAY1 + i * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL);
      journal_test_plan (&plan, score.time, PERP_DIRECTION_LONG, PERP_TIER_LOW);
      state.pending++;
      /* The arguments go out of scope at once: the journal must have copied them. */
      perp_journal_add_signal_async (journal, symbol, PERP_INTERVAL_1H, &score, &plan, NULL,
                                     PERP_SIGNAL_BELOW_THRESHOLD, "below the threshold", NULL,
                                     signal_added_cb, &state);
    }
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_cmpuint (state.ids->len, ==, 20);
  /* One writer thread: done in the order asked. */
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (g_array_index (state.ids, gint64, i), ==, i + 1);

  /* An outcome through the writer thread too. */
  {
    PerpOutcome outcome, back;
    g_autoptr(GError) error = NULL;

    memset (&outcome, 0, sizeof outcome);
    outcome.state = PERP_OUTCOME_EXPIRED;
    outcome.exit_time = DAY1 + 5 * HOUR;
    outcome.realised_r = 0.25;
    outcome.n_exits = 1;
    outcome.exits[0].kind = PERP_EXIT_TIME;
    outcome.exits[0].time = outcome.exit_time;
    outcome.exits[0].share = 1;
    state.pending = 1;
    perp_journal_update_outcome_async (journal, 3, &outcome, NULL, outcome_updated_cb, &state);
    memset (&outcome, 0xff, sizeof outcome);   /* copied: scribbling on it changes nothing */
    g_main_loop_run (state.loop);
    g_assert_no_error (state.error);
    g_assert_true (perp_journal_get_outcome (journal, 3, &back, &error));
    g_assert_no_error (error);
    g_assert_cmpint (back.state, ==, PERP_OUTCOME_EXPIRED);
    g_assert_cmpfloat (back.realised_r, ==, 0.25);
    g_assert_cmpint (back.exits[0].kind, ==, PERP_EXIT_TIME);
  }

  db = raw_open (fixture->path);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals WHERE status = 'below_threshold'"
                                " AND reason = 'below the threshold' AND symbol LIKE 'SYM%USDT'"), ==, 20);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals WHERE id = 20 AND symbol = 'SYM19USDT'"), ==, 1);
  sqlite3_close (db);
  g_array_unref (state.ids);
  g_main_loop_unref (state.loop);
}

/* ------------------------------------------------------------------ failures */

static void
test_locked (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  AsyncState state = { 0 };
  gint64 start, elapsed;
  PerpScore score;
  sqlite3 *db;

  g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                               PERP_SIGNAL_TAKEN, &error), ==, 1);
  perp_journal_set_busy_timeout (journal, 200);

  /* Another program holds the write lock past the busy timeout. */
  db = raw_open (fixture->path);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  start = g_get_monotonic_time ();
  g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1 + HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW,
                               NULL, PERP_SIGNAL_TAKEN, &error), ==, -1);
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_BUSY);
  g_test_message ("%s (after %" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "try again"));
  g_assert_cmpint (elapsed, >=, 150 * 1000);
  g_clear_error (&error);

  /* The async path reports it too, rather than dropping the write. */
  state.loop = g_main_loop_new (NULL, FALSE);
  state.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  state.pending = 1;
  journal_test_score (&score, DAY1 + 2 * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL);
  perp_journal_add_signal_async (journal, "BTCUSDT", PERP_INTERVAL_1H, &score, NULL, NULL,
                                 PERP_SIGNAL_TAKEN, NULL, NULL, signal_added_cb, &state);
  g_main_loop_run (state.loop);
  g_assert_error (state.error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_BUSY);
  g_assert_cmpint (g_array_index (state.ids, gint64, 0), ==, -1);
  g_clear_error (&state.error);
  g_array_unref (state.ids);
  g_main_loop_unref (state.loop);

  /* Released: the retry goes through, and nothing half-written is left over. */
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1 + HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW,
                               NULL, PERP_SIGNAL_TAKEN, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals"), ==, 2);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_factors"), ==, 2 * PERP_N_FACTORS);
  sqlite3_close (db);
}

static void
test_full (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PerpJournal) journal = open_ok (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *check = NULL;
  struct stat st;
  gint64 written = 0;
  sqlite3 *db;

  g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                               PERP_SIGNAL_TAKEN, &error), ==, 1);
  written = 1;
  /* A full disk, simulated by SQLite's page limit: a few pages more than now. */
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_true (perp_journal_set_size_limit (journal, 256 * 1024, &error));
  for (guint i = 1; i < 100000; i++)
    {
      gint64 id = add_simple (journal, "BTCUSDT", DAY1 + i * MINUTE, PERP_DIRECTION_LONG, PERP_TIER_LOW,
                              NULL, PERP_SIGNAL_TAKEN, &error);
      if (id < 0)
        break;
      g_assert_cmpint (id, ==, written + 1);
      written++;
    }
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_FULL);
  g_test_message ("%s (after %" G_GINT64_FORMAT " signals)", error->message, written);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "free"));
  g_clear_error (&error);
  g_assert_cmpint (written, >, 10);

  db = raw_open (fixture->path);
  check = raw_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  /* Every write that returned an id is there, whole; the failed one left nothing. */
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals"), ==, written);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_factors"), ==, written * PERP_N_FACTORS);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signal_targets"), ==, written * 3);

  /* Space freed: writing works again. */
  g_assert_true (perp_journal_set_size_limit (journal, 0, &error));
  g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY2, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                               PERP_SIGNAL_TAKEN, &error), ==, written + 1);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals"), ==, written + 1);
  sqlite3_close (db);
}

static gint64
count_signals (const char *path)
{
  sqlite3 *db = raw_open (path);
  gint64 n = raw_int (db, "SELECT count(*) FROM signals");

  sqlite3_close (db);
  return n;
}

/* Run in a subprocess: as root, permissions do not bind, so it drops to nobody first. */
static void
read_only_body (const char *base)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (base, "ro", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.sqlite", NULL);
  g_autofree char *fresh = g_build_filename (dir, "fresh.sqlite", NULL);
  g_autofree char *nested = g_build_filename (dir, "sub", "journal.sqlite", NULL);

  if (getuid () == 0)
    {
      if (setgid (65534) != 0 || setuid (65534) != 0)
        g_error ("cannot drop to nobody: %s", g_strerror (errno));
    }
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  {
    g_autoptr(PerpJournal) journal = open_ok (path);

    g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                                 PERP_SIGNAL_TAKEN, &error), ==, 1);
  }

  /* A read-only folder: no new journal in it, none under it, and the existing one
   * cannot get its WAL files. */
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  g_assert_null (perp_journal_open (fresh, PERP_JOURNAL_FLAGS_NONE, &error));
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY)
                 || g_error_matches (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_OPEN));
  g_assert_nonnull (strstr (error->message, fresh));
  g_clear_error (&error);
  g_assert_null (perp_journal_open (nested, PERP_JOURNAL_FLAGS_NONE, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, nested));
  g_clear_error (&error);
  g_assert_null (perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* Resolved: everything is still there and writable. */
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  {
    g_autoptr(PerpJournal) journal = open_ok (path);

    g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1 + HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW, NULL,
                                 PERP_SIGNAL_TAKEN, &error), ==, 2);
  }

  /* A read-only file. */
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  g_assert_null (perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "writable"));
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  {
    g_autoptr(PerpJournal) journal = open_ok (path);

    g_assert_cmpint (add_simple (journal, "BTCUSDT", DAY1 + 2 * HOUR, PERP_DIRECTION_LONG, PERP_TIER_LOW,
                                 NULL, PERP_SIGNAL_TAKEN, &error), ==, 3);
  }
  g_assert_cmpint (count_signals (path), ==, 3);
}

static void
test_read_only (void)
{
  if (g_test_subprocess ())
    {
      read_only_body (g_getenv ("PERP_JOURNAL_TEST_DIR"));
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* ------------------------------------------------------------------ crash safety */

static void
test_crash (Fixture       *fixture,
            gconstpointer  data)
{
  const char *writer = g_getenv ("PERP_JOURNAL_WRITER");
  g_autoptr(GHashTable) printed = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  gint64 start = g_get_monotonic_time ();
  guint kills = 0;

  if (writer == NULL)
    {
      g_test_skip ("PERP_JOURNAL_WRITER is not set (run through meson test)");
      return;
    }

  for (guint round = 0; round < 60; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GDataInputStream) out = NULL;
      guint wanted = g_rand_int_range (rand, 0, 25);
      char *line;
      sqlite3 *db;
      g_autofree char *check = NULL;

      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, writer, fixture->path, NULL);
      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

      /* Let it write a random number of signals, then kill it a random moment later:
       * mostly in the middle of the next write. */
      for (guint i = 0; i < wanted; i++)
        {
          line = g_data_input_stream_read_line (out, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (line);
          g_array_append_vals (all, &(gint64) { g_ascii_strtoll (line, NULL, 10) }, 1);
          g_free (line);
        }
      g_usleep (g_rand_int_range (rand, 0, 3000));
      g_subprocess_send_signal (child, SIGKILL);
      /* Ids printed before it died are in the pipe still: they count too. */
      while ((line = g_data_input_stream_read_line (out, NULL, NULL, NULL)) != NULL)
        {
          g_array_append_vals (all, &(gint64) { g_ascii_strtoll (line, NULL, 10) }, 1);
          g_free (line);
        }
      g_assert_true (g_subprocess_wait (child, NULL, &error));
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
      kills++;

      /* The journal opens (recovering the WAL), is intact and holds every id printed. */
      g_object_unref (open_ok (fixture->path));
      db = raw_open (fixture->path);
      check = raw_text (db, "PRAGMA integrity_check");
      g_assert_cmpstr (check, ==, "ok");
      for (guint i = 0; i < all->len; i++)
        {
          gint64 id = g_array_index (all, gint64, i);
          g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM signals WHERE id = %" G_GINT64_FORMAT
                                                  " AND symbol = 'BTCUSDT'", id);

          g_assert_cmpint (id, >, 0);
          if (g_hash_table_contains (printed, &g_array_index (all, gint64, i)))
            continue;
          g_assert_cmpint (raw_int (db, sql), ==, 1);
          g_hash_table_add (printed, &g_array_index (all, gint64, i));
        }
      /* No signal without its factors: each write is all or nothing. */
      g_assert_cmpint (raw_int (db, "SELECT count(*) FROM signals s WHERE (SELECT count(*) FROM"
                                    " signal_factors f WHERE f.signal_id = s.id) <> 10"), ==, 0);
      sqlite3_close (db);
      /* The hash keys point into the array: rebuild after it may have moved. */
      g_hash_table_remove_all (printed);
      for (guint i = 0; i < all->len; i++)
        g_hash_table_add (printed, &g_array_index (all, gint64, i));

      if (kills >= 50 && g_get_monotonic_time () - start > 20 * G_USEC_PER_SEC)
        break;
    }
  g_test_message ("%u kills, %u ids printed and found, %.1f s", kills, all->len,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (kills, >=, 50);
  g_assert_cmpuint (all->len, >, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *shared_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The read-only test's child may run as nobody: it works in a world-writable folder
   * that the parent makes here, before any thread exists (setenv is not thread-safe),
   * and removes at the end. */
  if (!g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      shared_dir = g_dir_make_tmp ("perp-journal-ro-XXXXXX", &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_chmod (shared_dir, 0777), ==, 0);
      g_setenv ("PERP_JOURNAL_TEST_DIR", shared_dir, TRUE);
    }

#define ADD(path, fn) g_test_add ("/io/journal/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/io/journal/default-path", test_default_path);
  ADD ("create-and-reopen", test_create_and_reopen);
  ADD ("newer-version-refused", test_newer_version_refused);
  ADD ("upgrade-from-1", test_upgrade_from_1);
  ADD ("read-compatible", test_read_compatible);
  ADD ("not-a-journal", test_not_a_journal);
  ADD ("missing-read-only", test_missing_read_only);
  ADD ("signal-round-trip", test_signal_round_trip);
  ADD ("outcome-round-trip", test_outcome_round_trip);
  ADD ("labels", test_labels);
  ADD ("statistics", test_statistics);
  ADD ("scratch", test_scratch);
  ADD ("no-details", test_no_details);
  ADD ("snapshot", test_snapshot);
  ADD ("breaker-history", test_breaker_history);
  ADD ("async", test_async);
  ADD ("locked", test_locked);
  ADD ("full", test_full);
  g_test_add_func ("/io/journal/read-only", test_read_only);
  ADD ("crash", test_crash);
#undef ADD

  status = g_test_run ();
  if (shared_dir != NULL)
    remove_tree (shared_dir);
  return status;
}
