/* perp-signal-journal.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "perp-signal-journal.h"

/* A taken signal whose plan is being followed. */
typedef struct
{
  gint64              id;          /* 0 while its insert is queued */
  char               *symbol;
  gint64              last_fed;    /* open time of the last candle given to the tracker */
  gint64              funding_fed; /* time of the last funding settlement given to it */
  PerpOutcomeTracker *tracker;
  PerpOutcomeState    written_state;
  guint               written_exits;
  guint               written_fundings;
  gboolean            dirty;       /* changed since the last write */
} Open;

struct _PerpSignalJournal
{
  GObject                  parent_instance;

  PerpEngine              *engine;      /* weak: the engine outlives us or disposes us */
  PerpJournal             *journal;
  PerpSignalJournalParams  params;
  GPtrArray               *open;        /* Open* */
  GPtrArray               *settling;    /* Open*: closed, but a settlement they held through may still come */
  GCancellable            *cancellable;
  guint                    n_pending;   /* async writes not yet finished */
  guint                    n_signals;
  GError                  *error;       /* the first failed write, until flush reports it */
  PerpJournalHistory      *history;     /* what the breakers last read; kept alive for them */
  GArray                  *unconfirmed; /* gint64 times of taken signals still queued */
  GHashTable              *tripped;     /* "SYMBOL breaker" -> last action (GINT_TO_POINTER) */
};

G_DEFINE_FINAL_TYPE (PerpSignalJournal, perp_signal_journal, G_TYPE_OBJECT)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
open_free (Open *open)
{
  g_free (open->symbol);
  g_clear_pointer (&open->tracker, perp_outcome_tracker_free);
  g_free (open);
}

void
perp_signal_journal_params_init (PerpSignalJournalParams *params)
{
  params->min_tier = PERP_TIER_LOW;
  perp_outcome_params_init (&params->outcome);
  params->synchronous = FALSE;
}

/* The configuration's journal section (journal.min_tier, the outcome's costs); with
 * @synchronous, writes in place (the command line), else on the writer thread. */
void
perp_signal_journal_params_from_config (PerpSignalJournalParams *params,
                                        const PerpConfig        *config,
                                        gboolean                 synchronous)
{
  perp_signal_journal_params_init (params);
  params->min_tier = config->journal_min_tier;
  params->outcome = config->outcome;
  params->synchronous = synchronous;
}

static void
report_failure (PerpSignalJournal *self,
                const GError      *error)
{
  if (self->error == NULL)
    self->error = g_error_copy (error);
  g_signal_emit (self, signals[FAILED], 0, error);
}

/* ------------------------------------------------------------------ outcomes */

static void
outcome_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpSignalJournal) self = user_data;

  self->n_pending--;
  if (!perp_journal_update_outcome_finish (PERP_JOURNAL (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    report_failure (self, error);
}

static void
write_outcome (PerpSignalJournal *self,
               Open              *open,
               gboolean           synchronous)
{
  const PerpOutcome *outcome = perp_outcome_tracker_get (open->tracker);
  g_autoptr(GError) error = NULL;

  if (open->id == 0)
    return;  /* written once the insert returns its id */
  open->written_state = outcome->state;
  open->written_exits = outcome->n_exits;
  open->written_fundings = outcome->n_fundings;
  open->dirty = FALSE;
  if (synchronous)
    {
      if (!perp_journal_update_outcome (self->journal, open->id, outcome, &error))
        {
          open->dirty = TRUE;
          report_failure (self, error);
        }
      return;
    }
  self->n_pending++;
  perp_journal_update_outcome_async (self->journal, open->id, outcome, self->cancellable, outcome_written,
                                     g_object_ref (self));
}

/* Gives @open's tracker the funding settlements up to the candle opening at @until it
 * was just given (the tracker needs that candle to know whether the position was held;
 * one arriving after it is still charged right, see perp_outcome_tracker_add_funding,
 * also once the trade has closed: see follow_settling ()).
 * A settlement is valued at the close of the candle that ends at it. */
static void
follow_funding (Open                        *open,
                const PerpFundingSettlement *settlements,
                guint                        n_settlements,
                const PerpCandles           *candles,
                gint64                       until)
{
  guint lo = 0;
  guint hi = n_settlements;

  /* The first one not given yet: they are in time order. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (settlements[mid].time <= open->funding_fed)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (guint i = lo; i < n_settlements; i++)
    {
      const PerpFundingSettlement *s = &settlements[i];
      gint64 t = perp_outcome_settlement_time (s->time);
      g_autoptr(GError) error = NULL;
      guint before;
      double price;

      if (t > until)
        break;
      open->funding_fed = s->time;
      before = perp_candles_lower_bound (candles, t);
      price = before > 0 ? perp_candles_get_close (candles)[before - 1] : perp_candles_get_open (candles)[0];
      if (!perp_outcome_tracker_add_funding (open->tracker, s->time, s->rate, price, &error))
        g_debug ("%s: outcome: %s", open->symbol, error->message);
    }
}

/* How long after a closed trade's last candle a settlement it held through may still
 * arrive.  Live, the feed fetches a settled rate over REST once the mark-price stream's
 * next funding time has moved on; Binance settles every 8 hours at the most (some
 * symbols every 4 or 1), and the extra hour covers a slow or retried fetch. */
#define FUNDING_WAIT_MS (9 * 3600 * G_GINT64_CONSTANT (1000))

/* Whether every settlement up to @open's last candle has arrived: one after it is known
 * (they come in time order), or none came for longer than any settles (no funding data
 * for the symbol, as in a replay of candles alone). */
static gboolean
funding_complete (const Open                  *open,
                  const PerpFundingSettlement *settlements,
                  guint                        n_settlements,
                  gint64                       newest_open)
{
  return (n_settlements > 0 && perp_outcome_settlement_time (settlements[n_settlements - 1].time) > open->last_fed)
         || newest_open - open->last_fed > FUNDING_WAIT_MS;
}

/* Closed trades waiting for settlements they held through: live, the settled rate is
 * fetched after the settlement, so it can arrive after the trade's exit was written.
 * Each is charged as it comes and the outcome written again. */
static void
follow_settling (PerpSignalJournal           *self,
                 const char                  *symbol,
                 const PerpFundingSettlement *settlements,
                 guint                        n_settlements,
                 const PerpCandles           *candles)
{
  guint n = perp_candles_get_length (candles);
  gint64 newest_open = n > 0 ? perp_candles_get_open_time (candles)[n - 1] : G_MININT64;

  for (guint i = 0; i < self->settling->len; )
    {
      Open *open = g_ptr_array_index (self->settling, i);

      if (g_strcmp0 (open->symbol, symbol) != 0)
        {
          i++;
          continue;
        }
      follow_funding (open, settlements, n_settlements, candles, open->last_fed);
      if (perp_outcome_tracker_get (open->tracker)->n_fundings != open->written_fundings)
        write_outcome (self, open, self->params.synchronous);
      if (!open->dirty && funding_complete (open, settlements, n_settlements, newest_open))
        g_ptr_array_remove_index (self->settling, i);
      else
        i++;
    }
}

/* Feeds the closes after each open signal to its tracker, with the funding settled on
 * the way.  Outcomes are written when they change state, exit part of the position or
 * pay funding, and when they close: the journal holds every event without a write per
 * candle. */
static void
follow_candles (PerpSignalJournal *self,
                const char        *symbol)
{
  PerpAnalysis *analysis = perp_engine_get_analysis (self->engine, symbol);
  const PerpFundingSettlement *settlements;
  const PerpCandles *candles;
  guint n_settlements;
  guint n;

  if (analysis == NULL)
    return;
  candles = perp_analysis_get_candles (analysis);
  n = perp_candles_get_length (candles);
  settlements = perp_engine_get_funding (self->engine, symbol, &n_settlements);

  for (guint i = 0; i < self->open->len; )
    {
      Open *open = g_ptr_array_index (self->open, i);
      const PerpOutcome *outcome;
      guint first;

      if (g_strcmp0 (open->symbol, symbol) != 0)
        {
          i++;
          continue;
        }
      first = perp_candles_lower_bound (candles, open->last_fed + 1);
      for (guint c = first; c < n; c++)
        {
          PerpCandle candle;
          g_autoptr(GError) error = NULL;

          perp_candles_get_candle (candles, c, &candle);
          open->last_fed = candle.open_time;
          if (!perp_outcome_tracker_add (open->tracker, &candle, &error))
            {
              /* A candle the tracker cannot take (before the signal after a reset) is
               * the engine's history, not a trade event. */
              g_debug ("%s: outcome: %s", symbol, error->message);
              continue;
            }
          follow_funding (open, settlements, n_settlements, candles, candle.open_time);
          outcome = perp_outcome_tracker_get (open->tracker);
          if (outcome->state != open->written_state || outcome->n_exits != open->written_exits
              || outcome->n_fundings != open->written_fundings)
            open->dirty = TRUE;
          if (perp_outcome_is_closed (outcome))
            break;
        }
      outcome = perp_outcome_tracker_get (open->tracker);
      if (open->dirty)
        write_outcome (self, open, self->params.synchronous);
      if (perp_outcome_is_closed (outcome) && !open->dirty && open->id != 0)
        g_ptr_array_add (self->settling, g_ptr_array_steal_index (self->open, i));
      else
        i++;
    }

  follow_settling (self, symbol, settlements, n_settlements, candles);
}

/* ------------------------------------------------------------------ signals */

typedef struct
{
  PerpSignalJournal *self;
  Open              *open;   /* NULL for a signal that is only journaled */
  gint64             time;
} Insert;

static void
signal_inserted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Insert *insert = user_data;
  g_autoptr(PerpSignalJournal) self = insert->self;
  g_autoptr(GError) error = NULL;
  gint64 id = perp_journal_add_signal_finish (PERP_JOURNAL (source), result, &error);

  self->n_pending--;
  for (guint i = 0; i < self->unconfirmed->len; i++)
    if (g_array_index (self->unconfirmed, gint64, i) == insert->time)
      {
        g_array_remove_index (self->unconfirmed, i);
        break;
      }
  if (id <= 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        report_failure (self, error);
      if (insert->open != NULL)
        g_ptr_array_remove (self->open, insert->open);
      g_free (insert);
      return;
    }
  if (insert->open != NULL && g_ptr_array_find (self->open, insert->open, NULL))
    {
      insert->open->id = id;
      if (insert->open->dirty)
        write_outcome (self, insert->open, self->params.synchronous);
    }
  g_free (insert);
}

static const char *
status_reason (const PerpEngineUpdate *update)
{
  switch (update->status)
    {
    case PERP_SIGNAL_BLOCKED:
      for (guint i = 0; i < update->verdict->n_results; i++)
        if (update->verdict->results[i].action == PERP_BREAKER_BLOCK)
          return update->verdict->results[i].reason;
      return NULL;
    case PERP_SIGNAL_BELOW_THRESHOLD:
      return "confidence under the required threshold";
    case PERP_SIGNAL_NO_PLAN:
      return perp_plan_status_name (update->plan->status);
    case PERP_SIGNAL_NEUTRAL:
      return "no direction";
    case PERP_SIGNAL_TAKEN:
    case PERP_N_SIGNAL_STATUSES:
    default:
      return NULL;
    }
}

/* A breaker event is written when a breaker trips on a symbol (pass -> adjust or
 * block, or adjust -> block), not at every close it stays tripped; the daily-drawdown
 * block written here is the pause the breakers then read back until resumed. */
static void
record_breaker_events (PerpSignalJournal      *self,
                       const PerpEngineUpdate *update)
{
  for (guint i = 0; i < update->verdict->n_results; i++)
    {
      const PerpBreakerResult *result = &update->verdict->results[i];
      g_autofree char *key = g_strdup_printf ("%s %s", update->symbol, perp_breaker_name (result->breaker));
      PerpBreakerAction last = GPOINTER_TO_INT (g_hash_table_lookup (self->tripped, key));
      g_autoptr(GError) error = NULL;

      if (result->action > last
          && perp_journal_add_breaker_event (self->journal, result->breaker, result->action, update->symbol,
                                             result->reason, update->time, &error) < 0)
        report_failure (self, error);
      g_hash_table_replace (self->tripped, g_steal_pointer (&key), GINT_TO_POINTER (result->action));
    }
}

static void
on_score_changed (PerpEngine             *engine,
                  const PerpEngineUpdate *update,
                  PerpSignalJournal      *self)
{
  g_autoptr(GError) error = NULL;
  const char *reason;
  Open *open = NULL;

  if (!update->on_close)
    return;
  record_breaker_events (self, update);
  if (update->score->tier < self->params.min_tier || update->score->tier == PERP_TIER_NEUTRAL)
    return;

  if (update->status == PERP_SIGNAL_TAKEN)
    {
      open = g_new0 (Open, 1);
      open->symbol = g_strdup (update->symbol);
      open->last_fed = update->time - perp_interval_to_ms (update->interval);
      open->funding_fed = update->time;  /* earlier settlements were before the trade */
      open->written_state = PERP_N_OUTCOME_STATES;
      open->tracker = perp_outcome_tracker_new (update->plan, perp_interval_to_ms (update->interval),
                                                &self->params.outcome, &error);
      if (open->tracker == NULL)
        {
          g_warning ("%s: cannot follow the plan: %s", update->symbol, error->message);
          g_clear_error (&error);
          g_clear_pointer (&open, open_free);
        }
      else
        g_ptr_array_add (self->open, open);
    }

  reason = status_reason (update);
  self->n_signals++;
  if (self->params.synchronous)
    {
      gint64 id = perp_journal_add_signal (self->journal, update->symbol, update->interval, update->score,
                                           update->plan, update->verdict, update->status, reason, &error);

      if (id <= 0)
        {
          report_failure (self, error);
          if (open != NULL)
            g_ptr_array_remove (self->open, open);
        }
      else if (open != NULL)
        open->id = id;
      return;
    }

  {
    Insert *insert = g_new0 (Insert, 1);

    insert->self = g_object_ref (self);
    insert->open = open;
    insert->time = update->time;
    if (update->status == PERP_SIGNAL_TAKEN)
      g_array_append_val (self->unconfirmed, insert->time);
    self->n_pending++;
    perp_journal_add_signal_async (self->journal, update->symbol, update->interval, update->score, update->plan,
                                   update->verdict, update->status, reason, self->cancellable,
                                   signal_inserted, insert);
  }
}

static void
on_symbol_changed (PerpEngine        *engine,
                   const char        *symbol,
                   guint              what,
                   PerpSignalJournal *self)
{
  if (what & PERP_ENGINE_CHANGE_CANDLES)
    follow_candles (self, symbol);
}

/* The breakers read the journal: what it holds plus the signals still on their way
 * to it. */
static void
fill_history (const char       *symbol,
              gint64            now,
              PerpBreakerState *state,
              gpointer          user_data)
{
  PerpSignalJournal *self = user_data;
  g_autoptr(GError) error = NULL;
  PerpJournalHistory *history = perp_journal_get_history (self->journal, now, symbol, &error);

  if (history == NULL)
    {
      report_failure (self, error);
      return;
    }
  g_clear_pointer (&self->history, perp_journal_history_free);
  self->history = history;
  *state = history->state;
  for (guint i = 0; i < self->unconfirmed->len; i++)
    if (g_array_index (self->unconfirmed, gint64, i) > now - 3600 * 1000)
      state->signals_last_hour++;
}

/* ------------------------------------------------------------------ GObject */

static void
perp_signal_journal_dispose (GObject *object)
{
  PerpSignalJournal *self = PERP_SIGNAL_JOURNAL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      perp_engine_set_breaker_history_func (self->engine, NULL, NULL, NULL);
      g_object_remove_weak_pointer (G_OBJECT (self->engine), (gpointer *) &self->engine);
      self->engine = NULL;
    }
  G_OBJECT_CLASS (perp_signal_journal_parent_class)->dispose (object);
}

static void
perp_signal_journal_finalize (GObject *object)
{
  PerpSignalJournal *self = PERP_SIGNAL_JOURNAL (object);

  g_clear_pointer (&self->open, g_ptr_array_unref);
  g_clear_pointer (&self->settling, g_ptr_array_unref);
  g_clear_pointer (&self->history, perp_journal_history_free);
  g_clear_pointer (&self->unconfirmed, g_array_unref);
  g_clear_pointer (&self->tripped, g_hash_table_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->journal);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (perp_signal_journal_parent_class)->finalize (object);
}

static void
perp_signal_journal_class_init (PerpSignalJournalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_signal_journal_dispose;
  object_class->finalize = perp_signal_journal_finalize;

  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
perp_signal_journal_init (PerpSignalJournal *self)
{
  self->open = g_ptr_array_new_with_free_func ((GDestroyNotify) open_free);
  self->settling = g_ptr_array_new_with_free_func ((GDestroyNotify) open_free);
  self->cancellable = g_cancellable_new ();
  self->unconfirmed = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->tripped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

PerpSignalJournal *
perp_signal_journal_new (PerpEngine                    *engine,
                         PerpJournal                   *journal,
                         const PerpSignalJournalParams *params)
{
  PerpSignalJournal *self;

  g_return_val_if_fail (PERP_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (PERP_IS_JOURNAL (journal), NULL);

  self = g_object_new (PERP_TYPE_SIGNAL_JOURNAL, NULL);
  self->engine = engine;
  g_object_add_weak_pointer (G_OBJECT (engine), (gpointer *) &self->engine);
  self->journal = g_object_ref (journal);
  if (params != NULL)
    self->params = *params;
  else
    perp_signal_journal_params_init (&self->params);

  /* Connected before anyone else who prints: a signal is journaled when it is shown. */
  g_signal_connect (engine, "score-changed", G_CALLBACK (on_score_changed), self);
  g_signal_connect (engine, "symbol-changed", G_CALLBACK (on_symbol_changed), self);
  perp_engine_set_breaker_history_func (engine, fill_history, self, NULL);
  return self;
}

gboolean
perp_signal_journal_flush (PerpSignalJournal  *self,
                           GError            **error)
{
  g_return_val_if_fail (PERP_IS_SIGNAL_JOURNAL (self), FALSE);

  while (self->n_pending > 0)
    g_main_context_iteration (NULL, TRUE);
  /* Open signals: their MFE/MAE and candles so far. */
  for (guint i = 0; i < self->open->len; i++)
    {
      /* In place: the caller is about to close the journal. */
      write_outcome (self, g_ptr_array_index (self->open, i), TRUE);
    }
  for (guint i = 0; i < self->settling->len; i++)
    if (((Open *) g_ptr_array_index (self->settling, i))->dirty)
      write_outcome (self, g_ptr_array_index (self->settling, i), TRUE);
  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }
  return TRUE;
}

guint
perp_signal_journal_get_n_signals (PerpSignalJournal *self)
{
  g_return_val_if_fail (PERP_IS_SIGNAL_JOURNAL (self), 0);
  return self->n_signals;
}

guint
perp_signal_journal_get_n_open (PerpSignalJournal *self)
{
  g_return_val_if_fail (PERP_IS_SIGNAL_JOURNAL (self), 0);
  return self->open->len;
}
