/* perp-engine.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "perp-engine.h"

/* Keep history bounded: a live session runs for days.  Trimming happens in steps so
 * it is rare; the analyses are rebuilt from the kept tail. */
#define MAX_CANDLES       20000
#define TRIM_TO_CANDLES   15000
/* A bulk block at least this long is turned into an analysis off the main thread. */
#define THREADED_MIN_CANDLES 500
/* Book metrics older than this at scoring time count as no book. */
#define BOOK_MAX_AGE_MS   5000

/*
 * One timeframe of one symbol.  It is fed either directly by a feed (the feed
 * delivers candles of this interval) or by aggregating the symbol's finest direct
 * series, so a recording of 5m candles still gives a 15m and 1h chart and a 15m
 * signal timeframe.
 */
typedef struct
{
  PerpInterval  interval;
  gint64        interval_ms;
  gboolean      wanted;       /* a chart timeframe or the signal one */
  gboolean      direct;
  gboolean      scoring;      /* the signal timeframe */
  PerpAnalysis *analysis;     /* NULL until the first candle */
  PerpCandleFields fields;

  /* Aggregation from a finer series: the bucket being filled. */
  gboolean      agg_open;
  PerpCandle    agg;
  gint64        agg_covered_ms;

  /* Bulk loading in a worker thread: closes that arrive meanwhile wait here. */
  gboolean      loading;
  GArray       *pending;       /* PerpCandle */
} Series;

typedef struct
{
  PerpEngine       *engine;
  char             *name;
  Series            series[PERP_N_INTERVALS];
  PerpInterval      finest;    /* finest direct interval so far, UNKNOWN before data */

  PerpCandle        forming;
  PerpInterval      forming_interval;
  gboolean          has_forming;

  PerpOrderBook    *book;
  gboolean          resync_asked;
  PerpBookMetrics   metrics_at_close;
  gint64            metrics_close;      /* close time @metrics_at_close is as of, -1: none */
  PerpTradeFlow    *flow;
  PerpOiSeries     *oi;
  PerpLiqMap       *liq_map;
  GArray           *funding;           /* PerpFundingSettlement: settled rates, kept for analyses built later */

  /* Last update, kept for perp_engine_get_last_update(). */
  gboolean          has_update;
  PerpScore         score;
  PerpPlan          plan;
  PerpBreakerVerdict verdict;
  PerpEngineUpdate  update;

  /* What the breakers need when no journal supplies it. */
  gint64            last_signal_time;
} Symbol;

struct _PerpEngine
{
  GObject            parent_instance;

  PerpConfig        *config;        /* a private copy (see perp_engine_new) */
  PerpExchangeInfo  *exchange_info; /* borrowed; may be NULL */
  GPtrArray         *feeds;
  GPtrArray         *symbols;       /* Symbol*, in watch order */
  GPtrArray         *symbol_names;  /* NULL-terminated view for get_symbols */
  GHashTable        *by_name;       /* name -> Symbol* */
  GCancellable      *cancellable;
  gint64             now;
  gboolean           score_every_event;
  gboolean           threaded_loading;
  gboolean           watch_all;
  guint              generation;    /* bumped by reset: loads from before it are void */
  PerpBreakerHistoryFunc history_func;
  gpointer           history_data;
  GDestroyNotify     history_destroy;
  GArray            *signal_times;  /* gint64: taken signals, for the rate breaker */
};

G_DEFINE_FINAL_TYPE (PerpEngine, perp_engine, G_TYPE_OBJECT)

enum {
  SCORE_CHANGED,
  SYMBOL_CHANGED,
  FEED_STATE_CHANGED,
  PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void score_symbol (Symbol *sym, gboolean on_close);

/* ------------------------------------------------------------------ helpers */

/* Funding history outlives analyses: an analysis built later (history loaded in a
 * worker thread, a trim, a reset) gets it again.  A few hundred settlements are more
 * than the funding factor reads. */
#define MAX_FUNDING_ROWS 500

static void G_GNUC_PRINTF (3, 4)
report_problem (PerpEngine *self,
                const char *symbol,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_signal_emit (self, signals[PROBLEM], 0, symbol, message);
}

static void
advance_now (PerpEngine *self,
             gint64      time_ms)
{
  if (time_ms > self->now)
    self->now = time_ms;
}

static Symbol *
lookup (PerpEngine *self,
        const char *name)
{
  return name != NULL ? g_hash_table_lookup (self->by_name, name) : NULL;
}

/* The symbol a feed message is about: watched ones, or any when watching all. */
static Symbol *
symbol_for_data (PerpEngine *self,
                 const char *name)
{
  Symbol *sym = lookup (self, name);
  g_autoptr(GError) error = NULL;

  if (sym == NULL && self->watch_all && name != NULL)
    {
      if (!perp_engine_watch (self, name, &error))
        report_problem (self, name, "%s", error->message);
      sym = lookup (self, name);
    }
  return sym;
}

static gboolean
interval_divides (PerpInterval fine,
                  PerpInterval coarse)
{
  gint64 f = perp_interval_to_ms (fine);
  gint64 c = perp_interval_to_ms (coarse);

  /* Weeks start on Monday, not on a multiple of the week since the epoch: they are
   * not built by aggregation. */
  return f > 0 && c > f && c % f == 0 && coarse != PERP_INTERVAL_1W;
}

static gboolean
interval_wanted (PerpEngine   *self,
                 PerpInterval  interval)
{
  if (interval == self->config->signal_interval)
    return TRUE;
  for (guint i = 0; i < self->config->n_chart_intervals; i++)
    if (self->config->chart_intervals[i] == interval)
      return TRUE;
  return FALSE;
}

static void
series_clear (Series *series)
{
  g_clear_pointer (&series->analysis, perp_analysis_free);
  g_clear_pointer (&series->pending, g_array_unref);
}

static void
symbol_free (Symbol *sym)
{
  for (guint i = 0; i < PERP_N_INTERVALS; i++)
    series_clear (&sym->series[i]);
  g_clear_pointer (&sym->book, perp_order_book_free);
  g_clear_pointer (&sym->flow, perp_trade_flow_free);
  g_clear_pointer (&sym->oi, perp_oi_series_unref);
  g_clear_pointer (&sym->liq_map, perp_liq_map_unref);
  g_clear_pointer (&sym->funding, g_array_unref);
  perp_breaker_verdict_clear (&sym->verdict);
  g_free (sym->name);
  g_free (sym);
}

static PerpAnalysis *
new_analysis (PerpEngine        *self,
              const char        *symbol,
              const Series      *series,
              PerpCandleFields   fields,
              GError           **error)
{
  PerpAnalysisHtf htf = PERP_ANALYSIS_HTF_NONE;

  /* Only the signal timeframe is scored, so only it needs the higher timeframe. */
  if (series->scoring && self->config->htf_interval != PERP_INTERVAL_UNKNOWN)
    htf = PERP_ANALYSIS_HTF_RESAMPLE;
  return perp_analysis_new (symbol, series->interval, fields, htf, &self->config->structure,
                            &self->config->score, error);
}

/* Gives the signal timeframe's new analysis the funding history known so far. */
static void
apply_funding (Symbol       *sym,
               PerpAnalysis *analysis)
{
  for (guint i = 0; i < sym->funding->len; i++)
    {
      const PerpFundingSettlement *row = &g_array_index (sym->funding, PerpFundingSettlement, i);

      perp_analysis_push_funding (analysis, row->time, row->rate, NULL);
    }
}

/* ------------------------------------------------------------------ candles */

static void series_push (Symbol *sym, Series *series, const PerpCandle *candle);

/* Feeds the coarser aggregated series from a candle of the finest direct one.  A
 * bucket is emitted when its last sub-candle has closed; a bucket with missing
 * sub-candles (a gap the feed could not refill) is emitted at its end all the same,
 * because a chart with a hole is worse than one thin candle, and said so. */
static void
aggregate_from (Symbol           *sym,
                PerpInterval      fine,
                const PerpCandle *candle)
{
  gint64 fine_ms = perp_interval_to_ms (fine);

  for (guint i = 0; i < PERP_N_INTERVALS; i++)
    {
      Series *series = &sym->series[i];
      gint64 bucket;

      if (series->direct || !series->wanted || !interval_divides (fine, series->interval))
        continue;
      bucket = perp_interval_bucket_start (series->interval, candle->open_time);

      if (series->agg_open && series->agg.open_time != bucket)
        {
          /* The bucket ended without its last sub-candle. */
          if (series->agg_covered_ms < series->interval_ms)
            report_problem (sym->engine, sym->name, "%s candle at %" G_GINT64_FORMAT " built from %"
                            G_GINT64_FORMAT " of %" G_GINT64_FORMAT " minutes of %s candles",
                            perp_interval_to_string (series->interval), series->agg.open_time,
                            series->agg_covered_ms / 60000, series->interval_ms / 60000,
                            perp_interval_to_string (fine));
          series_push (sym, series, &series->agg);
          series->agg_open = FALSE;
        }
      if (!series->agg_open)
        {
          series->agg = *candle;
          series->agg.open_time = bucket;
          series->agg_covered_ms = 0;
          series->agg_open = TRUE;
        }
      else
        {
          series->agg.high = MAX (series->agg.high, candle->high);
          series->agg.low = MIN (series->agg.low, candle->low);
          series->agg.close = candle->close;
          series->agg.volume += candle->volume;
          series->agg.quote_volume += candle->quote_volume;
          series->agg.taker_buy_volume += candle->taker_buy_volume;
          series->agg.trade_count += candle->trade_count;
        }
      series->agg_covered_ms += fine_ms;
      if (candle->open_time + fine_ms >= bucket + series->interval_ms)
        {
          series_push (sym, series, &series->agg);
          series->agg_open = FALSE;
        }
    }
}

static void
trim_series (Symbol *sym,
             Series *series)
{
  const PerpCandles *candles = perp_analysis_get_candles (series->analysis);
  guint n = perp_candles_get_length (candles);
  g_autoptr(GError) error = NULL;

  if (n <= MAX_CANDLES)
    return;
  {
    /* Rebuilt from a copy of the tail: the structure and indicators then start where
     * the kept history starts, as they would after a restart. */
    g_autoptr(PerpCandles) copy = perp_candles_new (series->interval, series->fields);
    PerpCandle c;

    for (guint i = n - TRIM_TO_CANDLES; i < n; i++)
      {
        perp_candles_get_candle (candles, i, &c);
        perp_candles_append (copy, &c, NULL);
      }
    perp_analysis_free (series->analysis);
    series->analysis = new_analysis (sym->engine, sym->name, series, series->fields, &error);
    if (series->analysis == NULL
        || !perp_analysis_push_candles (series->analysis, copy, 0, perp_candles_get_length (copy), &error))
      report_problem (sym->engine, sym->name, "%s", error->message);
    else if (series->scoring)
      apply_funding (sym, series->analysis);
  }
}

/* Commits one closed candle to a series (and the series it aggregates into). */
static void
series_push (Symbol           *sym,
             Series           *series,
             const PerpCandle *candle)
{
  PerpEngine *self = sym->engine;
  g_autoptr(GError) error = NULL;
  gint64 last_open = G_MININT64;

  if (series->loading)
    {
      g_array_append_val (series->pending, *candle);
      return;
    }
  if (series->analysis == NULL)
    {
      series->analysis = new_analysis (self, sym->name, series, series->fields, &error);
      if (series->analysis == NULL)
        {
          report_problem (self, sym->name, "%s", error->message);
          return;
        }
      if (series->scoring)
        apply_funding (sym, series->analysis);
    }
  {
    const PerpCandles *candles = perp_analysis_get_candles (series->analysis);
    guint n = perp_candles_get_length (candles);

    if (n > 0)
      last_open = perp_candles_get_open_time (candles)[n - 1];
  }
  /* Duplicates and candles older than the last one are the feed's business to avoid;
   * if one gets here anyway it is dropped, never committed twice. */
  if (candle->open_time <= last_open)
    return;
  if (!perp_analysis_push_candle (series->analysis, candle, &error))
    {
      report_problem (self, sym->name, "%s %s: %s", sym->name, perp_interval_to_string (series->interval),
                      error->message);
      return;
    }
  trim_series (sym, series);

  if (series->scoring)
    {
      /* The modelled liquidation map grows with the signal timeframe's candles. */
      if (sym->liq_map != NULL)
        {
          double delta = 0.0;

          if (sym->oi != NULL)
            perp_oi_series_candle_deltas (sym->oi, &candle->open_time, 1, series->interval_ms, &delta);
          if (!isfinite (delta))
            delta = 0.0;
          if (!perp_liq_map_add_candle (sym->liq_map, candle, delta, NULL, &error))
            {
              report_problem (self, sym->name, "%s: liquidation map: %s", sym->name, error->message);
              g_clear_error (&error);
            }
        }
    }
  if (series->direct && series->interval == sym->finest)
    aggregate_from (sym, series->interval, candle);
}

static void
note_direct (Symbol           *sym,
             PerpInterval      interval,
             PerpCandleFields  fields)
{
  Series *series = &sym->series[interval];

  if (!series->direct)
    {
      series->direct = TRUE;
      series->fields = fields;
      /* A series that was being aggregated is now fed by the feed itself. */
      series->agg_open = FALSE;
      if (series->analysis != NULL)
        perp_analysis_reset (series->analysis);
    }
  if (sym->finest == PERP_INTERVAL_UNKNOWN
      || perp_interval_to_ms (interval) < perp_interval_to_ms (sym->finest))
    {
      sym->finest = interval;
      /* Aggregated series take the finest series' fields. */
      for (guint i = 0; i < PERP_N_INTERVALS; i++)
        if (!sym->series[i].direct && sym->series[i].analysis == NULL)
          sym->series[i].fields = fields;
    }
}

/* The optional columns a single candle carries: a kline message has them all, a
 * candle replayed from a 6-column file none. */
static PerpCandleFields
fields_of (const PerpCandle *candle)
{
  PerpCandleFields fields = PERP_CANDLE_FIELD_NONE;

  if (isfinite (candle->quote_volume))
    fields |= PERP_CANDLE_FIELD_QUOTE_VOLUME;
  if (candle->trade_count >= 0)
    fields |= PERP_CANDLE_FIELD_TRADE_COUNT;
  if (isfinite (candle->taker_buy_volume))
    fields |= PERP_CANDLE_FIELD_TAKER_BUY_VOLUME;
  return fields;
}

/* Candles in the signal timeframe's series: a close or a block that grows it is scored. */
static guint
signal_length (Symbol *sym)
{
  Series *signal = &sym->series[sym->engine->config->signal_interval];

  return signal->analysis != NULL ? perp_candles_get_length (perp_analysis_get_candles (signal->analysis)) : 0;
}

static void
candle_closed (Symbol           *sym,
               PerpInterval      interval,
               const PerpCandle *candle)
{
  Series *series = &sym->series[interval];
  Series *signal = &sym->series[sym->engine->config->signal_interval];
  guint before = signal_length (sym);
  gboolean grew;

  advance_now (sym->engine, candle->open_time + perp_interval_to_ms (interval));
  series_push (sym, series, candle);
  if (sym->has_forming && sym->forming_interval == interval && sym->forming.open_time <= candle->open_time)
    sym->has_forming = FALSE;

  grew = signal_length (sym) > before;
  g_signal_emit (sym->engine, signals[SYMBOL_CHANGED], 0, sym->name, PERP_ENGINE_CHANGE_CANDLES);
  if (grew && !signal->loading)
    score_symbol (sym, TRUE);
}

/* ------------------------------------------------------------- bulk loading */

typedef struct
{
  PerpEngine      *engine;
  char            *symbol;
  PerpInterval     interval;
  Series           proto;      /* settings of the series, no pointers */
  PerpCandles     *candles;    /* the merged history, a private copy */
  PerpAnalysis    *analysis;   /* built in the thread */
  GError          *error;
  guint            generation;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->engine);
  g_free (job->symbol);
  g_clear_pointer (&job->candles, perp_candles_unref);
  g_clear_pointer (&job->analysis, perp_analysis_free);
  g_clear_error (&job->error);
  g_free (job);
}

static void
load_job_run (LoadJob *job)
{
  job->analysis = new_analysis (job->engine, job->symbol, &job->proto, job->proto.fields, &job->error);
  if (job->analysis != NULL
      && !perp_analysis_push_candles (job->analysis, job->candles, 0, perp_candles_get_length (job->candles),
                                      &job->error))
    g_clear_pointer (&job->analysis, perp_analysis_free);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  load_job_run (task_data);
  g_task_return_boolean (task, TRUE);
}

/* Installs a built analysis, then the closes that arrived while it was built. */
static void
load_job_finish (LoadJob *job)
{
  PerpEngine *self = job->engine;
  Symbol *sym = lookup (self, job->symbol);
  Series *series;
  g_autoptr(GArray) pending = NULL;

  if (sym == NULL || job->generation != self->generation)
    return;
  series = &sym->series[job->interval];
  series->loading = FALSE;
  pending = g_steal_pointer (&series->pending);
  if (job->analysis == NULL)
    report_problem (self, sym->name, "%s %s: %s", sym->name, perp_interval_to_string (job->interval),
                    job->error->message);
  else
    {
      g_clear_pointer (&series->analysis, perp_analysis_free);
      series->analysis = g_steal_pointer (&job->analysis);
      if (series->scoring)
        apply_funding (sym, series->analysis);
    }
  if (pending != NULL)
    for (guint i = 0; i < pending->len; i++)
      series_push (sym, series, &g_array_index (pending, PerpCandle, i));
  g_signal_emit (self, signals[SYMBOL_CHANGED], 0, sym->name, PERP_ENGINE_CHANGE_CANDLES);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = G_TASK (result);

  if (g_task_propagate_boolean (task, NULL))
    {
      LoadJob *job = g_task_get_task_data (task);
      Symbol *sym = lookup (job->engine, job->symbol);
      Series *series = sym != NULL ? &sym->series[job->interval] : NULL;

      if (job->generation != job->engine->generation)
        return;
      load_job_finish (job);
      if (series != NULL && series->scoring && series->analysis != NULL)
        score_symbol (sym, FALSE);
    }
}

/* A block of history: merged with what the series has (the block may overlap it),
 * and the analysis rebuilt from the merge.  Aggregated series are rebuilt by running
 * the merged finest candles through the aggregation again. */
static void
load_block (Symbol            *sym,
            PerpInterval       interval,
            const PerpCandles *block)
{
  PerpEngine *self = sym->engine;
  Series *series = &sym->series[interval];
  guint n_block = perp_candles_get_length (block);
  const PerpCandles *have = series->analysis != NULL ? perp_analysis_get_candles (series->analysis) : NULL;
  guint n_have = have != NULL ? perp_candles_get_length (have) : 0;
  g_autoptr(PerpCandles) merged = perp_candles_new (interval, series->fields);
  const gint64 *have_time = have != NULL ? perp_candles_get_open_time (have) : NULL;
  const gint64 *block_time = perp_candles_get_open_time (block);
  guint i = 0, j = 0;
  gboolean appended_only;
  gint64 have_last;
  PerpCandle c;

  if (n_block == 0)
    return;
  /* Kept by value: the rebuild below frees the analysis @have points into. */
  have_last = n_have > 0 ? have_time[n_have - 1] : G_MININT64;
  advance_now (self, block_time[n_block - 1] + perp_interval_to_ms (interval));

  /* A block that only extends the series is pushed like closes (cheap, and it keeps
   * the aggregated series going); one that reaches back rebuilds. */
  appended_only = n_have == 0 || block_time[0] > have_time[n_have - 1];
  if (!appended_only && block_time[0] >= have_time[0])
    {
      /* An overlapping block adds nothing in the overlap when both hold the same
       * number of candles there (open times are increasing and unique in both). */
      guint have_from = perp_candles_lower_bound (have, block_time[0]);
      guint block_to = perp_candles_lower_bound (block, have_time[n_have - 1] + 1);

      appended_only = n_have - have_from == block_to;
    }
  if (appended_only && !(n_have == 0 && n_block >= THREADED_MIN_CANDLES && self->threaded_loading))
    {
      guint first = n_have == 0 ? 0 : perp_candles_lower_bound (block, have_time[n_have - 1] + 1);

      for (guint k = first; k < n_block; k++)
        {
          perp_candles_get_candle (block, k, &c);
          series_push (sym, series, &c);
        }
      g_signal_emit (self, signals[SYMBOL_CHANGED], 0, sym->name, PERP_ENGINE_CHANGE_CANDLES);
      if (series->scoring && n_block > first)
        score_symbol (sym, FALSE);
      return;
    }

  /* Merge by open time; the block wins where both have a candle (it is the refill). */
  while (i < n_have || j < n_block)
    {
      if (j >= n_block || (i < n_have && have_time[i] < block_time[j]))
        perp_candles_get_candle (have, i++, &c);
      else
        {
          if (i < n_have && have_time[i] == block_time[j])
            i++;
          perp_candles_get_candle (block, j++, &c);
        }
      perp_candles_append (merged, &c, NULL);
    }

  {
    LoadJob *job = g_new0 (LoadJob, 1);
    guint n_merged = perp_candles_get_length (merged);

    job->engine = g_object_ref (self);
    job->generation = self->generation;
    job->symbol = g_strdup (sym->name);
    job->interval = interval;
    job->proto.interval = series->interval;
    job->proto.interval_ms = series->interval_ms;
    job->proto.scoring = series->scoring;
    job->proto.fields = series->fields;
    job->candles = g_steal_pointer (&merged);
    series->loading = TRUE;
    series->pending = g_array_new (FALSE, FALSE, sizeof (PerpCandle));

    if (self->threaded_loading && n_merged >= THREADED_MIN_CANDLES)
      {
        g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, load_done, NULL);

        g_task_set_source_tag (task, load_block);
        g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
        g_task_run_in_thread (task, load_thread);
      }
    else
      {
        load_job_run (job);
        load_job_finish (job);
        if (series->scoring && series->analysis != NULL)
          score_symbol (sym, FALSE);
        load_job_free (job);
      }
  }

  /* The aggregated series follow the finest one: feed them the block's candles that
   * are newer than what they have (older history stays as it was built). */
  if (interval == sym->finest)
    for (guint k = 0; k < n_block; k++)
      {
        perp_candles_get_candle (block, k, &c);
        if (c.open_time > have_last)
          aggregate_from (sym, interval, &c);
      }
}

/* A block of the signal timeframe is scored once loaded (load_block ()); a block of a
 * finer one that the signal series aggregates from is scored too, as the signal
 * series it grew: history of 5m candles gives a 15m score as 15m history would. */
static void
candles_loaded (Symbol            *sym,
                PerpInterval       interval,
                const PerpCandles *block)
{
  guint before = signal_length (sym);

  load_block (sym, interval, block);
  if (interval != sym->engine->config->signal_interval && signal_length (sym) > before)
    score_symbol (sym, FALSE);
}

/* ------------------------------------------------------------------- scoring */

static void
fill_breaker_state (PerpEngine       *self,
                    Symbol           *sym,
                    PerpAnalysis     *analysis,
                    PerpBreakerState *state)
{
  Symbol *btc = lookup (self, "BTCUSDT");
  PerpAnalysis *btc_analysis = NULL;

  perp_breaker_state_init (state);
  if (self->history_func != NULL)
    self->history_func (sym->name, perp_analysis_get_now (analysis), state, self->history_data);
  else
    {
      /* Without a journal the breakers see the signals of this run only. */
      for (guint i = 0; i < self->signal_times->len; i++)
        if (g_array_index (self->signal_times, gint64, i) > perp_analysis_get_now (analysis) - 3600 * 1000)
          state->signals_last_hour++;
    }
  perp_analysis_fill_breaker_state (analysis, state);
  if (btc != NULL)
    btc_analysis = btc->series[self->config->signal_interval].analysis;
  if (btc_analysis != NULL && btc != sym)
    state->btc_change_1h_pct = perp_analysis_change_pct (btc_analysis, 3600 * 1000);
}

/* The book as of the close being scored: metrics taken when the first depth event
 * after the close arrived, or the book itself when nothing newer has been applied. */
static const PerpBookMetrics *
book_at (Symbol *sym,
         gint64  now)
{
  PerpBookMetricsParams params;

  if (sym->metrics_close == now)
    return &sym->metrics_at_close;
  if (sym->book != NULL && perp_order_book_get_state (sym->book) == PERP_BOOK_STATE_LIVE)
    {
      perp_book_metrics_params_init (&params);
      if (perp_book_metrics_compute (sym->book, &params, now, BOOK_MAX_AGE_MS, &sym->metrics_at_close)
          && sym->metrics_at_close.event_time <= now)
        {
          sym->metrics_close = now;
          return &sym->metrics_at_close;
        }
      sym->metrics_close = -1;
    }
  return NULL;
}

static void
score_symbol (Symbol   *sym,
              gboolean  on_close)
{
  PerpEngine *self = sym->engine;
  Series *series = &sym->series[self->config->signal_interval];
  PerpAnalysis *analysis = series->analysis;
  g_autoptr(GError) error = NULL;
  PerpBreakerState state;
  PerpScoreInputs inputs;
  const PerpSymbolRules *rules = NULL;
  gint64 now;

  if (analysis == NULL || series->loading || perp_candles_get_length (perp_analysis_get_candles (analysis)) == 0)
    return;
  /* A close is scored as of its close time; anything else as of the data's now,
   * with the book and flow as they are. */
  now = perp_analysis_get_now (analysis);
  if (!on_close)
    now = MAX (now, self->now);

  perp_analysis_set_book (analysis, book_at (sym, now));
  perp_analysis_set_flow (analysis, sym->flow);
  perp_analysis_set_open_interest (analysis, sym->oi);
  perp_analysis_set_liquidation_map (analysis, sym->liq_map);

  if (!perp_analysis_score_at (analysis, now, &sym->score, &error))
    {
      report_problem (self, sym->name, "%s: %s", sym->name, error->message);
      return;
    }

  perp_breaker_verdict_clear (&sym->verdict);
  fill_breaker_state (self, sym, analysis, &state);
  state.direction = sym->score.direction;
  state.confidence = sym->score.confidence;
  perp_breakers_check (&self->config->breakers, &state, &sym->verdict);

  if (self->exchange_info != NULL)
    rules = perp_exchange_info_lookup (self->exchange_info, sym->name);
  perp_analysis_get_inputs (analysis, &inputs);
  perp_plan_build (&self->config->plan, &self->config->sizing, rules, &sym->score, &inputs,
                   sym->verdict.size_factor, 0.0, &sym->plan);

  sym->update.symbol = sym->name;
  sym->update.interval = self->config->signal_interval;
  sym->update.time = now;
  sym->update.on_close = on_close;
  sym->update.score = &sym->score;
  sym->update.plan = &sym->plan;
  sym->update.verdict = &sym->verdict;
  sym->update.status = perp_signal_decide (&self->config->score, &sym->score, &sym->verdict, &sym->plan,
                                           &sym->update.required_confidence);
  sym->has_update = TRUE;

  if (sym->update.status == PERP_SIGNAL_TAKEN && on_close)
    {
      sym->last_signal_time = now;
      g_array_append_val (self->signal_times, now);
      /* The rate breaker looks back an hour; older entries are of no use. */
      while (self->signal_times->len > 0 && g_array_index (self->signal_times, gint64, 0) <= now - 3600 * 1000)
        g_array_remove_index (self->signal_times, 0);
    }

  g_signal_emit (self, signals[SCORE_CHANGED], 0, &sym->update);
}

/* ------------------------------------------------------------ feed handlers */

static void
on_candle_updated (PerpFeed         *feed,
                   const char       *symbol,
                   guint             interval,
                   const PerpCandle *candle,
                   PerpEngine       *self)
{
  Symbol *sym = symbol_for_data (self, symbol);

  if (sym == NULL || interval <= PERP_INTERVAL_UNKNOWN || interval >= PERP_N_INTERVALS)
    return;
  /* The finest forming candle is the freshest price; coarser ones add nothing. */
  if (sym->has_forming && sym->forming_interval != interval
      && perp_interval_to_ms (interval) > perp_interval_to_ms (sym->forming_interval))
    return;
  sym->forming = *candle;
  sym->forming_interval = interval;
  sym->has_forming = TRUE;
  g_signal_emit (self, signals[SYMBOL_CHANGED], 0, sym->name, PERP_ENGINE_CHANGE_FORMING);
}

/* The symbol whose @interval candles (with @fields) these are, or NULL when they are
 * not to be kept: an unknown symbol or interval, or a timeframe nobody shows that is
 * not the finest (the others are built from that one). */
static Symbol *
symbol_keeping (PerpEngine      *self,
                const char      *symbol,
                guint            interval,
                PerpCandleFields fields)
{
  Symbol *sym = symbol_for_data (self, symbol);

  if (sym == NULL || interval <= PERP_INTERVAL_UNKNOWN || interval >= PERP_N_INTERVALS)
    return NULL;
  note_direct (sym, interval, fields);
  if (!sym->series[interval].wanted && interval != sym->finest)
    return NULL;
  return sym;
}

static void
on_candle_closed (PerpFeed         *feed,
                  const char       *symbol,
                  guint             interval,
                  const PerpCandle *candle,
                  PerpEngine       *self)
{
  Symbol *sym = symbol_keeping (self, symbol, interval, fields_of (candle));

  if (sym != NULL)
    candle_closed (sym, interval, candle);
}

static void
on_candles_loaded (PerpFeed          *feed,
                   const char        *symbol,
                   guint              interval,
                   const PerpCandles *candles,
                   PerpEngine        *self)
{
  Symbol *sym = symbol_keeping (self, symbol, interval, perp_candles_get_fields (candles));

  if (sym != NULL)
    candles_loaded (sym, interval, candles);
}

static void
check_book (PerpEngine *self,
            PerpFeed   *feed,
            Symbol     *sym)
{
  if (perp_order_book_get_state (sym->book) == PERP_BOOK_STATE_NEEDS_RESYNC && !sym->resync_asked)
    {
      sym->resync_asked = TRUE;
      report_problem (self, sym->name, "%s: order book sequence gap; asking the feed for a new snapshot",
                      sym->name);
      perp_feed_resync (feed, sym->name);
    }
}

static void
on_depth_snapshot (PerpFeed                *feed,
                   const char              *symbol,
                   const PerpDepthSnapshot *snapshot,
                   PerpEngine              *self)
{
  Symbol *sym = symbol_for_data (self, symbol);
  g_autoptr(GError) error = NULL;

  if (sym == NULL)
    return;
  if (!perp_order_book_apply_snapshot (sym->book, snapshot, &error))
    report_problem (self, sym->name, "%s: depth snapshot: %s", sym->name, error->message);
  sym->resync_asked = FALSE;
  check_book (self, feed, sym);
  g_signal_emit (self, signals[SYMBOL_CHANGED], 0, sym->name, PERP_ENGINE_CHANGE_BOOK);
}

static void
on_depth (PerpFeed             *feed,
          const char           *symbol,
          const PerpDepthEvent *event,
          PerpEngine           *self)
{
  Symbol *sym = symbol_for_data (self, symbol);
  gint64 interval_ms;

  if (sym == NULL)
    return;
  interval_ms = perp_interval_to_ms (self->config->signal_interval);
  /* Crossing a candle boundary: keep the book as it was at the close, for the score of
   * that candle (its kline arrives after this event). */
  if (perp_order_book_get_state (sym->book) == PERP_BOOK_STATE_LIVE)
    {
      PerpBookMetrics previous;
      gint64 boundary = perp_floor_div (event->event_time, interval_ms) * interval_ms;

      previous.event_time = G_MININT64;
      if (sym->metrics_close != boundary)
        {
          PerpBookMetricsParams params;

          perp_book_metrics_params_init (&params);
          if (perp_book_metrics_compute (sym->book, &params, boundary, BOOK_MAX_AGE_MS, &previous)
              && previous.event_time <= boundary)
            {
              sym->metrics_at_close = previous;
              sym->metrics_close = boundary;
            }
        }
    }
  perp_order_book_apply_depth (sym->book, event, NULL);
  advance_now (self, event->event_time);
  check_book (self, feed, sym);
  if (self->score_every_event)
    score_symbol (sym, FALSE);
}

static void
on_trade (PerpFeed        *feed,
          const char      *symbol,
          const PerpTrade *trade,
          PerpEngine      *self)
{
  Symbol *sym = symbol_for_data (self, symbol);

  if (sym == NULL)
    return;
  perp_trade_flow_add (sym->flow, trade);
  advance_now (self, trade->trade_time);
  if (self->score_every_event)
    score_symbol (sym, FALSE);
}

static void
on_funding_rate (PerpFeed   *feed,
                 const char *symbol,
                 gint64      funding_time,
                 double      rate,
                 PerpEngine *self)
{
  Symbol *sym = symbol_for_data (self, symbol);
  Series *series;
  PerpFundingSettlement row = { funding_time, rate };
  g_autoptr(GError) error = NULL;

  if (sym == NULL)
    return;
  /* History fetched again (after a settlement, a reconnect) repeats known rows. */
  if (sym->funding->len > 0 && funding_time <= g_array_index (sym->funding, PerpFundingSettlement, sym->funding->len - 1).time)
    return;
  if (!isfinite (rate))
    {
      report_problem (self, sym->name, "%s: funding rate at %" G_GINT64_FORMAT " is not a number",
                      sym->name, funding_time);
      return;
    }
  g_array_append_val (sym->funding, row);
  if (sym->funding->len > MAX_FUNDING_ROWS)
    g_array_remove_range (sym->funding, 0, sym->funding->len - MAX_FUNDING_ROWS);

  series = &sym->series[self->config->signal_interval];
  if (series->analysis != NULL && !series->loading
      && !perp_analysis_push_funding (series->analysis, funding_time, rate, &error))
    report_problem (self, sym->name, "%s: funding: %s", sym->name, error->message);
}

static void
ensure_liq_map (PerpEngine *self,
                Symbol     *sym)
{
  PerpAnalysis *analysis = sym->series[self->config->signal_interval].analysis;
  const PerpCandles *candles;
  PerpLiqMapParams params;
  g_autoptr(GError) error = NULL;
  guint n;

  if (sym->liq_map != NULL || analysis == NULL)
    return;
  candles = perp_analysis_get_candles (analysis);
  if ((n = perp_candles_get_length (candles)) == 0)
    return;
  perp_liq_map_params_init_default (&params, perp_candles_get_close (candles)[n - 1]);
  sym->liq_map = perp_liq_map_new (&params, perp_interval_to_ms (self->config->signal_interval), &error);
  if (sym->liq_map == NULL)
    report_problem (self, sym->name, "%s: liquidation map: %s", sym->name, error->message);
}

static void
on_open_interest (PerpFeed   *feed,
                  const char *symbol,
                  gint64      time,
                  double      open_interest,
                  PerpEngine *self)
{
  Symbol *sym = symbol_for_data (self, symbol);
  PerpAnalysis *analysis;
  g_autoptr(GError) error = NULL;
  double price = NAN;
  guint n;

  if (sym == NULL)
    return;
  analysis = sym->series[self->config->signal_interval].analysis;
  if (analysis != NULL && (n = perp_candles_get_length (perp_analysis_get_candles (analysis))) > 0)
    price = perp_candles_get_close (perp_analysis_get_candles (analysis))[n - 1];
  if (sym->has_forming)
    price = sym->forming.close;
  if (sym->oi == NULL)
    sym->oi = perp_oi_series_new ();
  if (perp_oi_series_get_length (sym->oi) > 0
      && time <= perp_oi_series_get_time (sym->oi)[perp_oi_series_get_length (sym->oi) - 1])
    return;  /* a poll that returned the same sample again */
  if (!perp_oi_series_append (sym->oi, time, open_interest, NAN, price, &error))
    report_problem (self, sym->name, "%s: open interest: %s", sym->name, error->message);
  ensure_liq_map (self, sym);
}

static void
on_liquidation (PerpFeed           *feed,
                const char         *symbol,
                const PerpLiqPrint *print,
                PerpEngine         *self)
{
  Symbol *sym = symbol_for_data (self, symbol);
  g_autoptr(GError) error = NULL;

  if (sym == NULL)
    return;
  ensure_liq_map (self, sym);
  if (sym->liq_map != NULL && !perp_liq_map_add_print (sym->liq_map, print, &error))
    report_problem (self, sym->name, "%s: liquidation print: %s", sym->name, error->message);
}

static void
on_clock (PerpFeed   *feed,
          gint64      time_ms,
          PerpEngine *self)
{
  advance_now (self, time_ms);
}

static void
on_state_changed (PerpFeed             *feed,
                  const PerpFeedStatus *status,
                  PerpEngine           *self)
{
  g_signal_emit (self, signals[FEED_STATE_CHANGED], 0, status);
}

/* ------------------------------------------------------------------ GObject */

static void
perp_engine_dispose (GObject *object)
{
  PerpEngine *self = PERP_ENGINE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->feeds != NULL)
    for (guint i = 0; i < self->feeds->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->feeds, i), self);
  g_clear_pointer (&self->feeds, g_ptr_array_unref);
  perp_engine_set_breaker_history_func (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (perp_engine_parent_class)->dispose (object);
}

static void
perp_engine_finalize (GObject *object)
{
  PerpEngine *self = PERP_ENGINE (object);

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->symbols, g_ptr_array_unref);
  g_clear_pointer (&self->symbol_names, g_ptr_array_unref);
  g_clear_pointer (&self->config, perp_config_free);
  g_clear_pointer (&self->signal_times, g_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (perp_engine_parent_class)->finalize (object);
}

static void
perp_engine_class_init (PerpEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_engine_dispose;
  object_class->finalize = perp_engine_finalize;

  signals[SCORE_CHANGED] =
    g_signal_new ("score-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SYMBOL_CHANGED] =
    g_signal_new ("symbol-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[FEED_STATE_CHANGED] =
    g_signal_new ("feed-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
perp_engine_init (PerpEngine *self)
{
  self->feeds = g_ptr_array_new_with_free_func (g_object_unref);
  self->symbols = g_ptr_array_new_with_free_func ((GDestroyNotify) symbol_free);
  self->symbol_names = g_ptr_array_new ();
  g_ptr_array_add (self->symbol_names, NULL);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->cancellable = g_cancellable_new ();
  self->signal_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->threaded_loading = TRUE;
  self->now = G_MININT64;
}

/**
 * perp_engine_new:
 * @config: copied (the engine keeps its own)
 * @exchange_info: (nullable): symbol rules for sizing; must outlive the engine
 */
PerpEngine *
perp_engine_new (const PerpConfig  *config,
                 PerpExchangeInfo  *exchange_info,
                 GError           **error)
{
  g_autoptr(PerpEngine) self = g_object_new (PERP_TYPE_ENGINE, NULL);

  g_return_val_if_fail (config != NULL, NULL);

  self->config = perp_config_copy (config);
  if (perp_interval_to_ms (self->config->signal_interval) <= 0)
    {
      g_set_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_VALUE,
                   _("the signal timeframe is not set"));
      return NULL;
    }
  self->exchange_info = exchange_info;
  for (guint i = 0; self->config->symbols != NULL && self->config->symbols[i] != NULL; i++)
    if (!perp_engine_watch (self, self->config->symbols[i], error))
      return NULL;
  return g_steal_pointer (&self);
}

void
perp_engine_add_feed (PerpEngine *self,
                      PerpFeed   *feed)
{
  g_return_if_fail (PERP_IS_ENGINE (self));
  g_return_if_fail (PERP_IS_FEED (feed));

  g_ptr_array_add (self->feeds, g_object_ref (feed));
  g_signal_connect_object (feed, "candle-updated", G_CALLBACK (on_candle_updated), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "candle-closed", G_CALLBACK (on_candle_closed), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "candles-loaded", G_CALLBACK (on_candles_loaded), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "depth-snapshot", G_CALLBACK (on_depth_snapshot), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "depth", G_CALLBACK (on_depth), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "trade", G_CALLBACK (on_trade), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "funding-rate", G_CALLBACK (on_funding_rate), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "open-interest", G_CALLBACK (on_open_interest), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "liquidation", G_CALLBACK (on_liquidation), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "clock", G_CALLBACK (on_clock), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (feed, "state-changed", G_CALLBACK (on_state_changed), self, G_CONNECT_DEFAULT);
}

gboolean
perp_engine_watch (PerpEngine  *self,
                   const char  *symbol,
                   GError     **error)
{
  PerpTradeFlowParams flow_params;
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), FALSE);

  if (symbol == NULL || *symbol == '\0')
    {
      g_set_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_VALUE, _("empty symbol name"));
      return FALSE;
    }
  if (lookup (self, symbol) != NULL)
    return TRUE;

  sym = g_new0 (Symbol, 1);
  sym->engine = self;
  sym->name = g_ascii_strup (symbol, -1);
  sym->finest = PERP_INTERVAL_UNKNOWN;
  sym->metrics_close = -1;
  sym->last_signal_time = -1;
  for (guint i = 0; i < PERP_N_INTERVALS; i++)
    {
      sym->series[i].interval = i;
      sym->series[i].interval_ms = perp_interval_to_ms (i);
      sym->series[i].wanted = interval_wanted (self, i);
      sym->series[i].scoring = i == self->config->signal_interval;
      sym->series[i].fields = PERP_CANDLE_FIELD_NONE;
    }
  sym->book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  sym->funding = g_array_new (FALSE, FALSE, sizeof (PerpFundingSettlement));
  perp_trade_flow_params_init (&flow_params);
  flow_params.bar_ms = perp_interval_to_ms (self->config->signal_interval);
  sym->flow = perp_trade_flow_new (&flow_params);

  g_ptr_array_add (self->symbols, sym);
  g_hash_table_insert (self->by_name, sym->name, sym);
  g_ptr_array_insert (self->symbol_names, self->symbol_names->len - 1, sym->name);
  return TRUE;
}

const char * const *
perp_engine_get_symbols (PerpEngine *self)
{
  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  return (const char * const *) self->symbol_names->pdata;
}

PerpInterval
perp_engine_get_interval (PerpEngine *self)
{
  g_return_val_if_fail (PERP_IS_ENGINE (self), PERP_INTERVAL_UNKNOWN);
  return self->config->signal_interval;
}

gint64
perp_engine_get_now (PerpEngine *self)
{
  g_return_val_if_fail (PERP_IS_ENGINE (self), 0);
  return self->now;
}

PerpAnalysis *
perp_engine_get_analysis (PerpEngine *self,
                          const char *symbol)
{
  return perp_engine_get_chart_analysis (self, symbol, perp_engine_get_interval (self));
}

PerpAnalysis *
perp_engine_get_chart_analysis (PerpEngine   *self,
                                const char   *symbol,
                                PerpInterval  interval)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  if ((sym = lookup (self, symbol)) == NULL || interval >= PERP_N_INTERVALS)
    return NULL;
  return sym->series[interval].analysis;
}

const PerpCandle *
perp_engine_get_forming (PerpEngine *self,
                         const char *symbol)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  sym = lookup (self, symbol);
  return sym != NULL && sym->has_forming ? &sym->forming : NULL;
}

PerpLiqMap *
perp_engine_get_liq_map (PerpEngine *self,
                         const char *symbol)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  sym = lookup (self, symbol);
  return sym != NULL ? sym->liq_map : NULL;
}

const PerpFundingSettlement *
perp_engine_get_funding (PerpEngine *self,
                         const char *symbol,
                         guint      *n_settlements)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  g_return_val_if_fail (n_settlements != NULL, NULL);

  sym = lookup (self, symbol);
  *n_settlements = sym != NULL ? sym->funding->len : 0;
  return sym != NULL ? (const PerpFundingSettlement *) (gpointer) sym->funding->data : NULL;
}

const PerpOrderBook *
perp_engine_get_book (PerpEngine *self,
                      const char *symbol)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  sym = lookup (self, symbol);
  return sym != NULL ? sym->book : NULL;
}

const PerpEngineUpdate *
perp_engine_get_last_update (PerpEngine *self,
                             const char *symbol)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), NULL);
  sym = lookup (self, symbol);
  return sym != NULL && sym->has_update ? &sym->update : NULL;
}

gboolean
perp_engine_score_now (PerpEngine  *self,
                       const char  *symbol,
                       GError     **error)
{
  Symbol *sym;

  g_return_val_if_fail (PERP_IS_ENGINE (self), FALSE);
  if ((sym = lookup (self, symbol)) == NULL)
    {
      g_set_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_VALUE, _("%s is not watched"), symbol);
      return FALSE;
    }
  if (sym->series[self->config->signal_interval].analysis == NULL)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS, _("%s: no %s candles yet"),
                   sym->name, perp_interval_to_string (self->config->signal_interval));
      return FALSE;
    }
  score_symbol (sym, FALSE);
  return TRUE;
}

void
perp_engine_set_score_every_event (PerpEngine *self,
                                   gboolean    enabled)
{
  g_return_if_fail (PERP_IS_ENGINE (self));
  self->score_every_event = enabled;
}

void
perp_engine_set_threaded_loading (PerpEngine *self,
                                  gboolean    threaded)
{
  g_return_if_fail (PERP_IS_ENGINE (self));
  self->threaded_loading = threaded;
}

/**
 * perp_engine_set_watch_all:
 *
 * Watches every symbol the feeds bring data for (a replay of files whose symbols
 * the caller does not know in advance).
 */
void
perp_engine_set_watch_all (PerpEngine *self,
                           gboolean    watch_all)
{
  g_return_if_fail (PERP_IS_ENGINE (self));
  self->watch_all = watch_all;
}

/**
 * perp_engine_reset:
 *
 * Forgets every symbol's data (candles, structure, book, flow, positioning, last
 * score) and the data clock, keeping the watched symbols and the feeds.  A replay
 * that seeks backwards calls it first: history from before the target must not meet
 * candles from after it.
 */
void
perp_engine_reset (PerpEngine *self)
{
  PerpTradeFlowParams flow_params;

  g_return_if_fail (PERP_IS_ENGINE (self));

  perp_trade_flow_params_init (&flow_params);
  flow_params.bar_ms = perp_interval_to_ms (self->config->signal_interval);
  for (guint s = 0; s < self->symbols->len; s++)
    {
      Symbol *sym = g_ptr_array_index (self->symbols, s);

      for (guint i = 0; i < PERP_N_INTERVALS; i++)
        {
          Series *series = &sym->series[i];

          /* A load in flight finishes into a series that no longer wants it. */
          series_clear (series);
          series->loading = FALSE;
          series->agg_open = FALSE;
          series->direct = FALSE;
        }
      sym->finest = PERP_INTERVAL_UNKNOWN;
      sym->has_forming = FALSE;
      perp_order_book_reset (sym->book);
      sym->resync_asked = FALSE;
      sym->metrics_close = -1;
      perp_trade_flow_free (sym->flow);
      sym->flow = perp_trade_flow_new (&flow_params);
      g_clear_pointer (&sym->oi, perp_oi_series_unref);
      g_clear_pointer (&sym->liq_map, perp_liq_map_unref);
      g_array_set_size (sym->funding, 0);
      sym->has_update = FALSE;
      perp_breaker_verdict_clear (&sym->verdict);
      sym->last_signal_time = -1;
    }
  g_array_set_size (self->signal_times, 0);
  self->now = G_MININT64;
  self->generation++;
}

void
perp_engine_set_breaker_history_func (PerpEngine             *self,
                                      PerpBreakerHistoryFunc  func,
                                      gpointer                user_data,
                                      GDestroyNotify          destroy)
{
  g_return_if_fail (PERP_IS_ENGINE (self));

  if (self->history_destroy != NULL)
    self->history_destroy (self->history_data);
  self->history_func = func;
  self->history_data = user_data;
  self->history_destroy = destroy;
}
