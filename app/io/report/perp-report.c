/* perp-report.c: reading the journal for a report, the CSV export, chart data
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "io/perp-candle-csv.h"
#include "io/perp-data-path.h"
#include "perp-report-private.h"

G_DEFINE_QUARK (perp-report-error-quark, perp_report_error)

/* Candles shown before the signal candle, and at most in all. */
#define SNAPSHOT_BEFORE 60
#define SNAPSHOT_MAX    140
/* Candles shown after the signal when the trade has not closed (or has no outcome). */
#define SNAPSHOT_AFTER_OPEN 30
/* Candles shown after the exit. */
#define SNAPSHOT_AFTER_EXIT 5
/* Structure objects drawn per snapshot, the nearest to the entry first. */
#define SNAPSHOT_MAX_OBJECTS 6

static void
candle_file_free (PerpReportCandleFile *file)
{
  g_free (file->path);
  g_free (file->symbol);
  g_free (file);
}

static void
snapshot_free (PerpReportSnapshot *snapshot)
{
  g_clear_pointer (&snapshot->candles, g_array_unref);
  g_clear_pointer (&snapshot->objects, g_array_unref);
  g_free (snapshot->missing);
  g_free (snapshot->source);
  g_free (snapshot);
}

static void
stats_rows_free (GPtrArray *rows)
{
  if (rows != NULL)
    g_ptr_array_unref (rows);
}

void
perp_report_free (PerpReport *self)
{
  if (self == NULL)
    return;
  if (self->snapshot_held)
    perp_journal_release_snapshot (self->journal);
  g_clear_object (&self->journal);
  g_free (self->journal_path);
  g_free (self->symbol);
  g_clear_pointer (&self->signals, g_ptr_array_unref);
  stats_rows_free (self->by_symbol);
  stats_rows_free (self->by_tier);
  stats_rows_free (self->by_session);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    stats_rows_free (self->by_factor[f]);
  g_clear_pointer (&self->equity_time, g_array_unref);
  g_clear_pointer (&self->equity_r, g_array_unref);
  g_free (self->candles_path);
  g_clear_pointer (&self->candle_files, g_ptr_array_unref);
  g_clear_pointer (&self->snapshots, g_ptr_array_unref);
  g_free (self);
}

/* Charts are for the trades: the taken signals, whose plan was valid and which the
 * outcome tracker followed. */
gboolean
perp_report_wants_snapshot (const PerpJournalSignal *signal)
{
  return signal->status == PERP_SIGNAL_TAKEN && signal->has_plan;
}

static int
compare_signals (gconstpointer a,
                 gconstpointer b)
{
  const PerpJournalSignal *x = *(const PerpJournalSignal *const *) a;
  const PerpJournalSignal *y = *(const PerpJournalSignal *const *) b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The journal's "closed" outcomes: the statistics count these, not an open trade nor a
 * limit entry that never filled. */
static gboolean
outcome_counts (const PerpJournalSignal *s)
{
  if (!s->has_outcome || s->status != PERP_SIGNAL_TAKEN || !isfinite (s->result_r))
    return FALSE;

  switch (s->outcome_state)
    {
    case PERP_OUTCOME_STOPPED:
    case PERP_OUTCOME_BREAK_EVEN:
    case PERP_OUTCOME_TRAILED:
    case PERP_OUTCOME_TARGETS:
    case PERP_OUTCOME_EXPIRED:
      return TRUE;
    case PERP_OUTCOME_PENDING:
    case PERP_OUTCOME_OPEN:
    case PERP_OUTCOME_NOT_FILLED:
    case PERP_N_OUTCOME_STATES:
    default:
      return FALSE;
    }
}

static int
compare_by_exit (gconstpointer a,
                 gconstpointer b)
{
  const PerpJournalSignal *x = *(const PerpJournalSignal *const *) a;
  const PerpJournalSignal *y = *(const PerpJournalSignal *const *) b;

  if (x->exit_time != y->exit_time)
    return x->exit_time < y->exit_time ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Whether a higher stated confidence came with better results: Pearson's correlation
 * of the closed trades' confidence with their result in R (NAN with fewer than three
 * trades, or when either does not vary).  Deviations from the means in a second pass,
 * for the same reason as the journal's statistics. */
static double
confidence_r_correlation (const GPtrArray *closed)
{
  double mean_c = 0.0, mean_r = 0.0;
  double cc = 0.0, rr = 0.0, cr = 0.0;

  if (closed->len < 3)
    return NAN;
  for (guint i = 0; i < closed->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (closed, i);

      mean_c += s->confidence / closed->len;
      mean_r += s->result_r / closed->len;
    }
  for (guint i = 0; i < closed->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (closed, i);
      double dc = s->confidence - mean_c;
      double dr = s->result_r - mean_r;

      cc += dc * dc;
      rr += dr * dr;
      cr += dc * dr;
    }
  return cc > 0.0 && rr > 0.0 ? cr / sqrt (cc * rr) : NAN;
}

/* The equity curve in exit order (as the journal's statistics read the trades) and the
 * calibration buckets. */
static void
compute_curves (PerpReport *self)
{
  static const double edges[PERP_REPORT_N_BUCKETS + 1] = { 50, 55, 65, 80, 100 };
  g_autoptr(GPtrArray) closed = g_ptr_array_new ();
  double cumulative = 0.0;

  for (guint b = 0; b < PERP_REPORT_N_BUCKETS; b++)
    {
      memset (&self->buckets[b], 0, sizeof self->buckets[b]);
      self->buckets[b].low = edges[b];
      self->buckets[b].high = edges[b + 1];
    }

  for (guint i = 0; i < self->signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (self->signals, i);

      if (outcome_counts (s))
        g_ptr_array_add (closed, (gpointer) s);
    }
  g_ptr_array_sort (closed, compare_by_exit);

  self->equity_time = g_array_sized_new (FALSE, FALSE, sizeof (gint64), closed->len);
  self->equity_r = g_array_sized_new (FALSE, FALSE, sizeof (double), closed->len);
  for (guint i = 0; i < closed->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (closed, i);
      guint b;

      cumulative += s->result_r;
      self->gross_r += s->gross_r;
      self->funding_r += s->funding_r;
      g_array_append_val (self->equity_time, s->exit_time);
      g_array_append_val (self->equity_r, cumulative);

      /* The last bucket is closed above: a 100 % signal belongs in it. */
      for (b = 0; b + 1 < PERP_REPORT_N_BUCKETS && s->confidence >= edges[b + 1]; b++)
        ;
      if (!(s->confidence >= edges[0]) || s->confidence > edges[PERP_REPORT_N_BUCKETS])
        continue;
      self->buckets[b].n_trades++;
      if (s->result_r > 0.0)
        self->buckets[b].n_wins++;
      self->buckets[b].sum_confidence += s->confidence;
      self->buckets[b].sum_r += s->result_r;
    }
  self->confidence_r_correlation = confidence_r_correlation (closed);
}

/**
 * perp_report_new:
 * @journal: an open journal (read-only is enough)
 * @query: (nullable): the signals to report on (time range, symbol); its @status and
 *   @limit are ignored: the report lists every signal and counts the taken ones
 *
 * Reads the signals and the statistics.  A read-only journal is read as it is now
 * until the report is freed, whatever another process writes meanwhile (see
 * perp_journal_hold_snapshot()).  Errors are the journal's.
 */
PerpReport *
perp_report_new (PerpJournal             *journal,
                 const PerpJournalQuery  *query,
                 GError                 **error)
{
  g_autoptr(PerpReport) self = g_new0 (PerpReport, 1);
  g_autoptr(GPtrArray) overall = NULL;
  PerpJournalQuery taken;

  g_return_val_if_fail (PERP_IS_JOURNAL (journal), NULL);

  self->journal = g_object_ref (journal);
  self->journal_path = g_strdup (perp_journal_get_path (journal));
  /* Another process (the workstation, live) may be writing to it: the list, the
   * statistics and the charts' outcomes are all read from one state of it. */
  if (perp_journal_get_read_only (journal))
    {
      if (!perp_journal_hold_snapshot (journal, error))
        return NULL;
      self->snapshot_held = TRUE;
    }
  perp_journal_query_init (&self->query);
  if (query != NULL)
    {
      self->query.from = query->from;
      self->query.to = query->to;
      self->symbol = g_strdup (query->symbol);
      self->query.symbol = self->symbol;
    }
  self->max_snapshots = PERP_REPORT_DEFAULT_SNAPSHOTS;
  self->generated_at = g_get_real_time () / 1000;

  self->signals = perp_journal_list_signals (journal, &self->query, error);
  if (self->signals == NULL)
    return NULL;
  g_ptr_array_sort (self->signals, compare_signals);
  for (guint i = 0; i < self->signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (self->signals, i);

      if ((guint) s->status < PERP_N_SIGNAL_STATUSES)
        self->n_by_status[s->status]++;
      if (perp_report_wants_snapshot (s))
        self->n_with_plan++;
    }

  taken = self->query;
  taken.status = PERP_SIGNAL_TAKEN;
  overall = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_NONE, 0, error);
  if (overall == NULL)
    return NULL;
  if (overall->len > 0)
    self->overall = ((PerpJournalStatsRow *) g_ptr_array_index (overall, 0))->stats;
  else
    perp_journal_stats_compute (NULL, 0, &self->overall);

  if ((self->by_symbol = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_SYMBOL, 0, error)) == NULL
      || (self->by_tier = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_TIER, 0, error)) == NULL
      || (self->by_session = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_SESSION, 0, error)) == NULL)
    return NULL;
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    if ((self->by_factor[f] = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_FACTOR,
                                                  (PerpFactor) f, error)) == NULL)
      return NULL;

  compute_curves (self);
  self->candle_files = g_ptr_array_new_with_free_func ((GDestroyNotify) candle_file_free);

  return g_steal_pointer (&self);
}

const GPtrArray *
perp_report_get_signals (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->signals;
}

/* How many of the signals have @status. */
guint
perp_report_get_n_status (const PerpReport *self,
                          PerpSignalStatus  status)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) status < PERP_N_SIGNAL_STATUSES, 0);

  return self->n_by_status[status];
}

/* The statistics of the taken signals' closed trades. */
const PerpJournalStats *
perp_report_get_overall (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->overall;
}

/**
 * perp_report_get_stats:
 * @group: %PERP_JOURNAL_GROUP_SYMBOL, %PERP_JOURNAL_GROUP_TIER or
 *   %PERP_JOURNAL_GROUP_SESSION (the groupings a report reads)
 *
 * Returns: (transfer none) (element-type PerpJournalStatsRow): the taken signals'
 *   statistics by @group, or %NULL for a grouping the report does not read
 */
const GPtrArray *
perp_report_get_stats (const PerpReport *self,
                       PerpJournalGroup  group)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (group)
    {
    case PERP_JOURNAL_GROUP_SYMBOL:
      return self->by_symbol;
    case PERP_JOURNAL_GROUP_TIER:
      return self->by_tier;
    case PERP_JOURNAL_GROUP_SESSION:
      return self->by_session;
    case PERP_JOURNAL_GROUP_NONE:
    case PERP_JOURNAL_GROUP_DAY:
    case PERP_JOURNAL_GROUP_FACTOR:
    default:
      return NULL;
    }
}

/* The closed taken trades' results before costs, summed (in R): what the costs took
 * is this less the overall total. */
double
perp_report_get_gross_r (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->gross_r;
}

/* The funding the closed taken trades paid, summed (in R; negative when they
 * received more than they paid): one of the costs, beside fees and slippage. */
double
perp_report_get_funding_r (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->funding_r;
}

/* Pearson's correlation of the closed trades' stated confidence with their result in
 * R: the honesty of the confidence in one number (NAN when it cannot be computed). */
double
perp_report_get_confidence_correlation (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->confidence_r_correlation;
}

/* What the calibration table shows, with the correlation when there is one. */
char *
perp_report_calibration_note (const PerpReport *self)
{
  double correlation = self->confidence_r_correlation;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (correlation))
    return g_strdup ("Stated confidence of the closed taken trades against how often they won "
                     "(a result above 0 R).");
  return g_strdup_printf ("Stated confidence of the closed taken trades against how often they won "
                          "(a result above 0 R). The correlation of the confidence with the result "
                          "in R is %s (+1: results rose with the confidence in step; 0: no linear relation).",
                          g_ascii_formatd (buf, sizeof buf, "%.2f", correlation));
}

/* The calibration table: PERP_REPORT_N_BUCKETS buckets, lowest first. */
const PerpReportBucket *
perp_report_get_calibration (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->buckets;
}

/**
 * perp_report_set_max_snapshots:
 *
 * At most this many per-signal charts (the latest taken signals), so that a
 * journal of many thousands of signals still gives a report of reasonable size.
 */
void
perp_report_set_max_snapshots (PerpReport *self,
                               guint       max_snapshots)
{
  g_return_if_fail (self != NULL);

  self->max_snapshots = max_snapshots;
  g_clear_pointer (&self->snapshots, g_ptr_array_unref);
}

/* The "generated" time printed in the report (tests pin it). */
void
perp_report_set_generated_at (PerpReport *self,
                              gint64      time)
{
  g_return_if_fail (self != NULL);

  self->generated_at = time;
}

guint
perp_report_get_n_snapshots (const PerpReport *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return MIN (self->n_with_plan, self->max_snapshots);
}

/* ------------------------------------------------------------------ candles */

/* "BTCUSDT_5m_2023-01-01_2024-03-31.csv": the symbol, then the interval. */
static gboolean
parse_candle_name (const char    *path,
                   char         **symbol,
                   PerpInterval  *interval)
{
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_suffix (base, ".csv"))
    return FALSE;
  parts = g_strsplit (base, "_", 3);
  if (g_strv_length (parts) < 3 || parts[0][0] == '\0')
    return FALSE;
  *interval = perp_interval_from_string (parts[1]);
  if (*interval == PERP_INTERVAL_UNKNOWN)
    return FALSE;
  *symbol = g_strdup (parts[0]);
  return TRUE;
}

static void
add_candle_file (PerpReport *self,
                 const char *path)
{
  PerpReportCandleFile *file = g_new0 (PerpReportCandleFile, 1);

  if (!parse_candle_name (path, &file->symbol, &file->interval))
    {
      g_free (file);
      return;
    }
  file->path = g_strdup (path);
  g_ptr_array_add (self->candle_files, file);
}

static int
compare_candle_files (gconstpointer a,
                      gconstpointer b)
{
  const PerpReportCandleFile *x = *(const PerpReportCandleFile *const *) a;
  const PerpReportCandleFile *y = *(const PerpReportCandleFile *const *) b;

  return strcmp (x->path, y->path);
}

/**
 * perp_report_set_candles:
 * @path: a candle CSV named SYMBOL_INTERVAL_*.csv, or a folder of them
 *
 * Where the snapshots' candles come from, in place of any given before.  Fails with
 * %PERP_REPORT_ERROR_CANDLES when @path does not exist or names no such file; files
 * are read only when a snapshot needs them.
 */
gboolean
perp_report_set_candles (PerpReport  *self,
                         const char  *path,
                         GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_ptr_array_set_size (self->candle_files, 0);
  g_clear_pointer (&self->candles_path, g_free);

  return perp_report_add_candles (self, path, error);
}

/**
 * perp_report_add_candles:
 * @path: a candle CSV named SYMBOL_INTERVAL_*.csv, or a folder of them
 *
 * As perp_report_set_candles(), but besides the candles given before (a backtest of
 * several recordings).  On failure the candles given before stay.
 */
gboolean
perp_report_add_candles (PerpReport  *self,
                         const char  *path,
                         GError     **error)
{
  guint before;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_clear_pointer (&self->snapshots, g_ptr_array_unref);
  before = self->candle_files->len;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(GDir) dir = g_dir_open (path, 0, &local);
      const char *name;

      if (dir == NULL)
        {
          g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES,
                       "Cannot read the candles folder %s: %s", path, local->message);
          return FALSE;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *full = g_build_filename (path, name, NULL);

          if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
            add_candle_file (self, full);
        }
      if (self->candle_files->len == before)
        {
          g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES,
                       "The candles folder %s has no candle file named like "
                       "SYMBOL_INTERVAL_*.csv (BTCUSDT_5m_2024-01-01.csv)", path);
          return FALSE;
        }
    }
  else if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES,
                   "The candles path %s does not exist", path);
      return FALSE;
    }
  else
    {
      add_candle_file (self, path);
      if (self->candle_files->len == before)
        {
          g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES,
                       "The candle file %s is not named like SYMBOL_INTERVAL_*.csv "
                       "(BTCUSDT_5m_2024-01-01.csv): its symbol and interval are unknown", path);
          return FALSE;
        }
    }

  g_ptr_array_sort (self->candle_files, compare_candle_files);
  if (self->candles_path == NULL)
    self->candles_path = g_strdup (path);
  else
    {
      char *both = g_strdup_printf ("%s, %s", self->candles_path, path);

      g_free (self->candles_path);
      self->candles_path = both;
    }
  return TRUE;
}

/* Index of the last candle closed at @time (open + interval <= time), or -1. */
static gint64
last_closed_index (const PerpCandles *candles,
                   gint64             interval_ms,
                   gint64             time)
{
  const gint64 *open_time = perp_candles_get_open_time (candles);
  guint lo = 0, hi = perp_candles_get_length (candles);

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (open_time[mid] + interval_ms <= time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (gint64) lo - 1;
}

typedef struct
{
  double               distance;
  PerpStructureObject  object;
} NearObject;

static int
compare_near (gconstpointer a,
              gconstpointer b)
{
  const NearObject *x = a, *y = b;

  return x->distance < y->distance ? -1 : x->distance > y->distance;
}

/* Fills @snapshot from one candle file's series and its structure run.  The engine is
 * causal (perp-structure.h): the objects known and active at the signal candle, as of
 * that candle, are what a run stopped there would hold, so one run serves every
 * signal of the file. */
static void
fill_snapshot (PerpReportSnapshot  *snapshot,
               const PerpCandles   *candles,
               const PerpStructure *structure,
               guint                signal_index)
{
  const PerpJournalSignal *s = snapshot->signal;
  gint64 interval_ms = perp_interval_to_ms (s->interval);
  guint n = perp_candles_get_length (candles);
  guint begin = signal_index >= SNAPSHOT_BEFORE ? signal_index - SNAPSHOT_BEFORE : 0;
  guint end = MIN (n, signal_index + 1 + SNAPSHOT_AFTER_OPEN);
  gint64 signal_open = perp_candles_get_open_time (candles)[signal_index];
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (NearObject));
  guint n_objects;
  const PerpStructureObject *objects = perp_structure_get_objects (structure, &n_objects);
  double low = INFINITY, high = -INFINITY;

  if (s->has_outcome && s->exit_time >= 0)
    {
      gint64 exit_index = last_closed_index (candles, interval_ms, s->exit_time + interval_ms);

      if (exit_index >= (gint64) signal_index)
        end = MIN (n, (guint) exit_index + 1 + SNAPSHOT_AFTER_EXIT);
    }
  if (end - begin > SNAPSHOT_MAX)
    end = begin + SNAPSHOT_MAX;

  snapshot->candles = g_array_sized_new (FALSE, FALSE, sizeof (PerpCandle), end - begin);
  for (guint i = begin; i < end; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      g_array_append_val (snapshot->candles, c);
      low = MIN (low, c.low);
      high = MAX (high, c.high);
    }
  snapshot->signal_index = signal_index - begin;

  /* Only zones near the chart's price range matter to the reader; the nearest to the
   * entry first, a handful at most. */
  ids = perp_structure_query_active (structure, signal_open,
                                     PERP_STRUCTURE_KIND_MASK (PERP_STRUCTURE_FVG)
                                     | PERP_STRUCTURE_KIND_MASK (PERP_STRUCTURE_ORDER_BLOCK)
                                     | PERP_STRUCTURE_KIND_MASK (PERP_STRUCTURE_BREAKER));
  for (guint k = 0; k < ids->len; k++)
    {
      guint id = g_array_index (ids, guint, k);
      NearObject o;
      double ref = s->has_plan ? s->plan.entry : perp_candles_get_close (candles)[signal_index];

      if (id >= n_objects)
        continue;
      perp_structure_object_as_of (&objects[id], signal_open, &o.object);
      if (o.object.formed_at > signal_open || o.object.bottom > high || o.object.top < low)
        continue;
      o.distance = ref > o.object.top ? ref - o.object.top : ref < o.object.bottom ? o.object.bottom - ref : 0.0;
      g_array_append_val (near, o);
    }
  g_array_sort (near, compare_near);
  snapshot->objects = g_array_new (FALSE, FALSE, sizeof (PerpStructureObject));
  for (guint k = 0; k < near->len && k < SNAPSHOT_MAX_OBJECTS; k++)
    g_array_append_val (snapshot->objects, g_array_index (near, NearObject, k).object);
}

/* Reads one candle file and fills the snapshots of its symbol and interval that it
 * covers; the series and the engine are freed before the next file, so memory stays at
 * one file's worth whatever the folder holds. */
static void
snapshots_from_file (PerpReport                 *self,
                     const PerpReportCandleFile *file,
                     GPtrArray                  *pending)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpStructure) structure = NULL;
  PerpStructureConfig config;
  PerpCsvReport csv_report = { 0 };
  g_autofree char *base = g_path_get_basename (file->path);
  gint64 interval_ms = perp_interval_to_ms (file->interval);
  gboolean wanted = FALSE;

  for (guint i = 0; i < pending->len && !wanted; i++)
    {
      PerpReportSnapshot *snap = g_ptr_array_index (pending, i);

      wanted = snap->candles == NULL && snap->missing == NULL
               && snap->signal->interval == file->interval
               && g_strcmp0 (snap->signal->symbol, file->symbol) == 0;
    }
  if (!wanted)
    return;

  candles = perp_candle_csv_load (file->path, PERP_CSV_FLAGS_LENIENT, &csv_report, &error);
  perp_csv_report_clear (&csv_report);
  if (candles == NULL)
    {
      /* Every snapshot this file was meant for says why it has no chart. */
      for (guint i = 0; i < pending->len; i++)
        {
          PerpReportSnapshot *snap = g_ptr_array_index (pending, i);

          if (snap->candles == NULL && snap->missing == NULL
              && snap->signal->interval == file->interval
              && g_strcmp0 (snap->signal->symbol, file->symbol) == 0)
            snap->missing = g_strdup_printf ("The candle file %s cannot be read: %s", base, error->message);
        }
      return;
    }
  perp_candles_set_interval (candles, file->interval);

  perp_structure_config_init (&config);
  structure = perp_structure_new (&config, file->interval, &error);
  if (structure == NULL
      || !perp_structure_push_candles (structure, candles, 0, perp_candles_get_length (candles), &error))
    {
      for (guint i = 0; i < pending->len; i++)
        {
          PerpReportSnapshot *snap = g_ptr_array_index (pending, i);

          if (snap->candles == NULL && snap->missing == NULL
              && snap->signal->interval == file->interval
              && g_strcmp0 (snap->signal->symbol, file->symbol) == 0)
            snap->missing = g_strdup_printf ("The structure of %s could not be computed: %s", base, error->message);
        }
      return;
    }

  for (guint i = 0; i < pending->len; i++)
    {
      PerpReportSnapshot *snap = g_ptr_array_index (pending, i);
      gint64 index;

      if (snap->candles != NULL || snap->missing != NULL
          || snap->signal->interval != file->interval
          || g_strcmp0 (snap->signal->symbol, file->symbol) != 0)
        continue;
      index = last_closed_index (candles, interval_ms, snap->signal->time);
      /* The file must hold the signal candle itself, not only older history. */
      if (index < 0 || perp_candles_get_open_time (candles)[index] + 2 * interval_ms <= snap->signal->time)
        continue;
      fill_snapshot (snap, candles, structure, (guint) index);
      snap->source = g_strdup (base);
    }
}

/* The snapshots of the latest taken signals, newest first. */
gboolean
perp_report_build_snapshots (PerpReport  *self,
                             GError     **error)
{
  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) snapshot_free);

  if (self->snapshots != NULL)
    return TRUE;

  for (guint i = self->signals->len; i > 0 && snapshots->len < self->max_snapshots; i--)
    {
      const PerpJournalSignal *s = g_ptr_array_index (self->signals, i - 1);
      PerpReportSnapshot *snap;

      if (!perp_report_wants_snapshot (s))
        continue;
      snap = g_new0 (PerpReportSnapshot, 1);
      snap->signal = s;
      if (s->has_outcome)
        {
          g_autoptr(GError) local = NULL;

          if (!perp_journal_get_outcome (self->journal, s->id, &snap->outcome, &local))
            {
              /* A journal that fails now (locked, removed) fails the report. */
              if (!g_error_matches (local, PERP_JOURNAL_ERROR, PERP_JOURNAL_ERROR_INVALID))
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  snapshot_free (snap);
                  return FALSE;
                }
              snap->outcome.n_exits = 0;
            }
        }
      g_ptr_array_add (snapshots, snap);
    }

  for (guint f = 0; f < self->candle_files->len; f++)
    snapshots_from_file (self, g_ptr_array_index (self->candle_files, f), snapshots);

  for (guint i = 0; i < snapshots->len; i++)
    {
      PerpReportSnapshot *snap = g_ptr_array_index (snapshots, i);
      g_autofree char *when = NULL;

      if (snap->candles != NULL || snap->missing != NULL)
        continue;
      when = perp_report_format_time (snap->signal->time);
      if (self->candles_path == NULL)
        snap->missing = g_strdup ("No candles were given (--candles): no chart.");
      else
        snap->missing = g_strdup_printf ("No candles for %s %s at %s in %s: no chart.",
                                         snap->signal->symbol,
                                         perp_interval_to_string (snap->signal->interval),
                                         when, self->candles_path);
    }

  self->snapshots = g_steal_pointer (&snapshots);
  return TRUE;
}

/* ------------------------------------------------------------------ text */

char *
perp_report_format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (perp_floor_div (ms, 1000));

  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, ms);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");
}

/* An ISO 8601 UTC time with milliseconds when it has any. */
static char *
format_iso (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (perp_floor_div (ms, 1000));
  gint64 frac = ms - perp_floor_div (ms, 1000) * 1000;
  g_autofree char *base = NULL;

  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, ms);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  if (frac != 0)
    return g_strdup_printf ("%s.%03dZ", base, (int) frac);
  return g_strdup_printf ("%sZ", base);
}

char *
perp_report_format_price (double price)
{
  if (!isfinite (price))
    return g_strdup ("–");
  return perp_format_price (price);
}

/* "+1.25 R"; a dash for no value. */
char *
perp_report_format_r (double r)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (r))
    return g_strdup ("–");
  g_ascii_formatd (buf, sizeof buf, "%+.2f", r);
  return g_strdup_printf ("%s R", buf);
}

/* A profit factor: "1.85", "∞" with wins and no loss, a dash without trades. */
char *
perp_report_format_ratio (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isinf (value) && value > 0)
    return g_strdup ("∞");
  if (!isfinite (value))
    return g_strdup ("–");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", value));
}

/* A fraction in [0, 1] as "41.7 %". */
char *
perp_report_format_percent (double fraction)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (fraction))
    return g_strdup ("–");
  g_ascii_formatd (buf, sizeof buf, "%.1f", fraction * 100.0);
  return g_strdup_printf ("%s %%", buf);
}

const char *const perp_report_stats_headers[PERP_REPORT_N_STATS_COLUMNS] = {
  "", "Trades", "W / L / S", "Win rate", "Profit factor", "Expectancy", "Average R",
  "Total R", "Max drawdown", "Losing streak",
};

/* The cells of one statistics row (each newly allocated). */
void
perp_report_stats_cells (const char             *key,
                         const PerpJournalStats *stats,
                         char                  **cells)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  cells[0] = g_strdup (key);
  cells[1] = g_strdup_printf ("%u", stats->n_trades);
  cells[2] = g_strdup_printf ("%u / %u / %u", stats->n_wins, stats->n_losses, stats->n_scratches);
  cells[3] = perp_report_format_percent (stats->win_rate);
  cells[4] = perp_report_format_ratio (stats->profit_factor);
  cells[5] = perp_report_format_r (stats->expectancy_r);
  cells[6] = perp_report_format_r (stats->avg_r);
  cells[7] = perp_report_format_r (stats->total_r);
  cells[8] = g_strdup_printf ("%s R", g_ascii_formatd (buf, sizeof buf, "%.2f", stats->max_drawdown_r));
  cells[9] = g_strdup_printf ("%u", stats->longest_losing_streak);
}

const char *
perp_report_outcome_title (PerpOutcomeState state)
{
  switch (state)
    {
    case PERP_OUTCOME_PENDING: return "waiting for the entry";
    case PERP_OUTCOME_OPEN: return "open";
    case PERP_OUTCOME_STOPPED: return "stopped out";
    case PERP_OUTCOME_BREAK_EVEN: return "closed at break-even";
    case PERP_OUTCOME_TRAILED: return "closed at the trailed stop";
    case PERP_OUTCOME_TARGETS: return "all targets hit";
    case PERP_OUTCOME_EXPIRED: return "closed at the time stop";
    case PERP_OUTCOME_NOT_FILLED: return "entry never filled";
    case PERP_N_OUTCOME_STATES:
    default: return "unknown";
    }
}

/* "2023-03-09 00:00 UTC to 2023-03-16 00:00 UTC, ETHUSDT only". */
char *
perp_report_scope_text (const PerpReport *self)
{
  GString *text = g_string_new (NULL);

  if (self->query.from < 0 && self->query.to < 0)
    g_string_append (text, "All signals");
  else
    {
      g_autofree char *from = self->query.from >= 0 ? perp_report_format_time (self->query.from) : NULL;
      g_autofree char *to = self->query.to >= 0 ? perp_report_format_time (self->query.to) : NULL;

      if (from != NULL && to != NULL)
        g_string_append_printf (text, "Signals from %s to %s", from, to);
      else if (from != NULL)
        g_string_append_printf (text, "Signals from %s on", from);
      else
        g_string_append_printf (text, "Signals before %s", to);
    }
  if (self->symbol != NULL)
    g_string_append_printf (text, ", %s only", self->symbol);
  return g_string_free (text, FALSE);
}

/* "120 signals: 14 taken, 3 blocked, 80 under the threshold, 20 neutral, 3 without a plan". */
char *
perp_report_counts_text (const PerpReport *self)
{
  return g_strdup_printf ("%u signal%s: %u taken, %u blocked by a breaker, %u under the threshold, "
                          "%u neutral, %u without a valid plan",
                          self->signals->len, self->signals->len == 1 ? "" : "s",
                          self->n_by_status[PERP_SIGNAL_TAKEN], self->n_by_status[PERP_SIGNAL_BLOCKED],
                          self->n_by_status[PERP_SIGNAL_BELOW_THRESHOLD],
                          self->n_by_status[PERP_SIGNAL_NEUTRAL], self->n_by_status[PERP_SIGNAL_NO_PLAN]);
}

static const char *
status_title (PerpSignalStatus status)
{
  switch (status)
    {
    case PERP_SIGNAL_TAKEN: return "taken";
    case PERP_SIGNAL_BLOCKED: return "blocked by a breaker";
    case PERP_SIGNAL_BELOW_THRESHOLD: return "under the threshold";
    case PERP_SIGNAL_NEUTRAL: return "neutral";
    case PERP_SIGNAL_NO_PLAN: return "no valid plan";
    case PERP_N_SIGNAL_STATUSES:
    default: return "unknown";
    }
}

char *
perp_report_snapshot_title (const PerpReportSnapshot *snapshot)
{
  const PerpJournalSignal *s = snapshot->signal;
  g_autofree char *when = perp_report_format_time (s->time);
  char pct[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (pct, sizeof pct, "%.1f", s->direction == PERP_DIRECTION_SHORT ? s->short_pct : s->long_pct);
  return g_strdup_printf ("#%" G_GINT64_FORMAT " %s %s %s %s %%, %s tier · %s · %s", s->id, s->symbol,
                          perp_interval_to_string (s->interval), perp_direction_name (s->direction),
                          pct, perp_tier_name (s->tier), when, status_title (s->status));
}

char *
perp_report_snapshot_plan_text (const PerpReportSnapshot *snapshot)
{
  const PerpPlan *plan = &snapshot->signal->plan;
  GString *text = g_string_new (NULL);
  g_autofree char *entry = perp_report_format_price (plan->entry);
  g_autofree char *stop = perp_report_format_price (plan->stop);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (text, "Entry %s, stop %s", entry, stop);
  for (guint t = 0; t < plan->n_targets && t < PERP_PLAN_MAX_TARGETS; t++)
    {
      g_autofree char *price = perp_report_format_price (plan->targets[t].price);

      g_string_append_printf (text, ", TP%u %s (%s R)", t + 1, price,
                              g_ascii_formatd (buf, sizeof buf, "%.1f", plan->targets[t].r));
    }
  if (plan->sizing.quantity > 0)
    {
      char qty[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (qty, sizeof qty, "%.6g", plan->sizing.quantity);
      g_string_append_printf (text, "; size %s, risk %s USDT", qty,
                              g_ascii_formatd (buf, sizeof buf, "%.2f", plan->sizing.risk));
    }
  return g_string_free (text, FALSE);
}

char *
perp_report_snapshot_outcome_text (const PerpReportSnapshot *snapshot)
{
  const PerpJournalSignal *s = snapshot->signal;
  g_autofree char *result = NULL, *gross = NULL, *fees = NULL, *mfe = NULL, *mae = NULL;
  g_autofree char *funding = NULL;
  g_autofree char *exit_time = NULL;

  if (!s->has_outcome)
    return g_strdup ("No outcome tracked.");
  if (s->outcome_state == PERP_OUTCOME_PENDING || s->outcome_state == PERP_OUTCOME_NOT_FILLED)
    return g_strdup_printf ("Outcome: %s.", perp_report_outcome_title (s->outcome_state));

  result = perp_report_format_r (s->result_r);
  gross = perp_report_format_r (s->gross_r);
  /* Fees and slippage together: what separates the net result from the gross, less
   * the funding, which is said apart when there was any. */
  fees = perp_report_format_r (s->result_r - s->gross_r + s->funding_r);
  if (s->funding_r != 0.0)
    funding = perp_report_format_r (-s->funding_r);
  mfe = perp_report_format_r (s->mfe_r);
  mae = perp_report_format_r (s->mae_r);
  if (s->exit_time >= 0)
    exit_time = perp_report_format_time (s->exit_time);
  return g_strdup_printf ("Outcome: %s%s%s; %s net (gross %s, fees and slippage %s%s%s); MFE %s, MAE %s.",
                          perp_report_outcome_title (s->outcome_state),
                          exit_time != NULL ? " at " : "", exit_time != NULL ? exit_time : "",
                          result, gross, fees, funding != NULL ? ", funding " : "",
                          funding != NULL ? funding : "", mfe, mae);
}

/* ------------------------------------------------------------------ CSV */

static const char *const csv_header[] = {
  "id", "time", "symbol", "interval", "direction", "long_pct", "tier", "status", "reason",
  "entry", "stop", "tp1", "tp2", "tp3", "tp4", "size", "risk", "outcome", "exit_time",
  "realised_r", "gross_r", "mfe_r", "mae_r", "fees_r", "funding_r",
};

/* RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
static void
csv_field (GString    *out,
           const char *value,
           gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The shortest decimal that reads back as the same double; empty for no value. */
static void
csv_number (GString *out,
            double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ',');
  if (!isfinite (value))
    return;
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (digits == 17 || g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

static gboolean
flush (GOutputStream  *out,
       GString        *buffer,
       gsize           threshold,
       GError        **error)
{
  if (buffer->len < threshold)
    return TRUE;
  if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, NULL, error))
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

gboolean
perp_report_write_csv (PerpReport     *self,
                       GOutputStream  *out,
                       GError        **error)
{
  g_autoptr(GString) buffer = g_string_sized_new (1 << 16);

  for (guint c = 0; c < G_N_ELEMENTS (csv_header); c++)
    csv_field (buffer, csv_header[c], c == 0);
  g_string_append (buffer, "\r\n");

  for (guint i = 0; i < self->signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (self->signals, i);
      const PerpPlan *p = &s->plan;
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, s->id);
      g_autofree char *time = format_iso (s->time);
      g_autofree char *exit_time = s->has_outcome && s->exit_time >= 0 ? format_iso (s->exit_time) : NULL;

      csv_field (buffer, id, TRUE);
      csv_field (buffer, time, FALSE);
      csv_field (buffer, s->symbol, FALSE);
      csv_field (buffer, perp_interval_to_string (s->interval), FALSE);
      csv_field (buffer, perp_direction_name (s->direction), FALSE);
      csv_number (buffer, s->long_pct);
      csv_field (buffer, perp_tier_name (s->tier), FALSE);
      csv_field (buffer, perp_signal_status_name (s->status), FALSE);
      csv_field (buffer, s->reason, FALSE);
      csv_number (buffer, s->has_plan ? p->entry : NAN);
      csv_number (buffer, s->has_plan ? p->stop : NAN);
      for (guint t = 0; t < PERP_PLAN_MAX_TARGETS; t++)
        csv_number (buffer, s->has_plan && t < p->n_targets ? p->targets[t].price : NAN);
      csv_number (buffer, s->has_plan ? p->sizing.quantity : NAN);
      csv_number (buffer, s->has_plan ? p->sizing.risk : NAN);
      csv_field (buffer, s->has_outcome ? perp_outcome_state_name (s->outcome_state) : NULL, FALSE);
      csv_field (buffer, exit_time, FALSE);
      csv_number (buffer, s->has_outcome ? s->result_r : NAN);
      csv_number (buffer, s->has_outcome ? s->gross_r : NAN);
      csv_number (buffer, s->has_outcome ? s->mfe_r : NAN);
      csv_number (buffer, s->has_outcome ? s->mae_r : NAN);
      csv_number (buffer, s->has_outcome ? s->fees_r : NAN);
      csv_number (buffer, s->has_outcome ? s->funding_r : NAN);
      g_string_append (buffer, "\r\n");
      if (!flush (out, buffer, 1 << 16, error))
        return FALSE;
    }
  return flush (out, buffer, 0, error);
}

/* ------------------------------------------------------------------ writing */

gboolean
perp_report_format_from_name (const char       *name,
                              PerpReportFormat *format)
{
  if (g_strcmp0 (name, "csv") == 0)
    *format = PERP_REPORT_FORMAT_CSV;
  else if (g_strcmp0 (name, "html") == 0)
    *format = PERP_REPORT_FORMAT_HTML;
  else if (g_strcmp0 (name, "pdf") == 0)
    *format = PERP_REPORT_FORMAT_PDF;
  else
    return FALSE;
  return TRUE;
}

/**
 * perp_report_write:
 * @n_pages: (out) (optional): the PDF's page count (0 for the other formats)
 *
 * Writes the report to @path, replacing it only once the whole report is written (a
 * failed export leaves no half file).  Errors name @path.
 */
gboolean
perp_report_write (PerpReport        *self,
                   PerpReportFormat   format,
                   const char        *path,
                   guint             *n_pages,
                   GError           **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) local = NULL;
  gboolean ok = FALSE;
  gboolean existed;
  guint pages = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Whoever asks (export, a backtest, the workstation's file chooser), the report is
   * never written over the journal it reads. */
  if (perp_path_same_file (path, self->journal_path))
    {
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE,
                   "Cannot write the report to %s: it is the journal itself; choose another file", path);
      return FALSE;
    }

  if (format != PERP_REPORT_FORMAT_CSV && !perp_report_build_snapshots (self, error))
    return FALSE;

  file = g_file_new_for_path (path);
  /* g_file_replace() writes a new file in place (only an existing one gets a
   * temporary beside it), so a failure must remove what it wrote. */
  existed = g_file_query_exists (file, NULL);
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local);
  if (stream == NULL)
    {
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE,
                   "Cannot write the report to %s: %s", path, local->message);
      return FALSE;
    }

  switch (format)
    {
    case PERP_REPORT_FORMAT_CSV:
      ok = perp_report_write_csv (self, G_OUTPUT_STREAM (stream), &local);
      break;
    case PERP_REPORT_FORMAT_HTML:
      ok = perp_report_write_html (self, G_OUTPUT_STREAM (stream), &local);
      break;
    case PERP_REPORT_FORMAT_PDF:
      ok = perp_report_write_pdf (self, G_OUTPUT_STREAM (stream), &pages, &local);
      break;
    default:
      g_set_error (&local, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE, "unknown format %d", (int) format);
      break;
    }

  if (!ok)
    {
      g_autoptr(GCancellable) cancel = g_cancellable_new ();

      /* Closing with a cancelled cancellable drops the temporary file: the old report,
       * if any, stays as it was. */
      g_cancellable_cancel (cancel);
      g_output_stream_close (G_OUTPUT_STREAM (stream), cancel, NULL);
      if (!existed)
        g_file_delete (file, NULL, NULL);
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE,
                   "Cannot write the report to %s: %s", path, local->message);
      return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &local))
    {
      if (!existed)
        g_file_delete (file, NULL, NULL);
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE,
                   "Cannot write the report to %s: %s", path, local->message);
      return FALSE;
    }

  if (n_pages != NULL)
    *n_pages = pages;
  return TRUE;
}
