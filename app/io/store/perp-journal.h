/* perp-journal.h: the signal journal in SQLite, its outcomes and statistics
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "core/perp-breakers.h"
#include "core/perp-interval.h"
#include "core/perp-outcome.h"
#include "core/perp-plan.h"
#include "core/perp-score.h"
#include "core/perp-signal.h"

G_BEGIN_DECLS

/*
 * Every scored signal (taken, blocked or discarded, with the reason), its plan, its
 * factors, its outcome and partial exits, the circuit breakers' events and the
 * analyst's manual labels, in one SQLite file.
 *
 * Durability: WAL mode with synchronous=FULL, so a write that returned is in the WAL
 * and fsynced: it survives the process being killed (NORMAL would already give that)
 * and also a power cut (NORMAL would not: it syncs the WAL only at checkpoints).  One
 * fsync per signal is nothing at a few signals a minute.
 *
 * Threads: one connection behind a mutex.  The synchronous calls (CLI, tests) take the
 * mutex; the _async ones copy their arguments and queue them to a single writer thread,
 * so the main loop never waits for the disk and writes stay in the order they were
 * asked for.  Every write is one transaction (BEGIN IMMEDIATE ... COMMIT): it is either
 * wholly there or not at all.
 *
 * Failures are never silent: a locked, read-only or full journal returns a
 * #PERP_JOURNAL_ERROR naming the file and what to do, and nothing of that write is
 * stored; the caller still holds the data and can retry.
 *
 * Times are Unix milliseconds, UTC.
 */

#define PERP_JOURNAL_SCHEMA_VERSION 4
/* The oldest schema whose tables this version reads as they are (later steps only
 * added indexes): a read-only open takes it without the upgrade it cannot make. */
#define PERP_JOURNAL_SCHEMA_READABLE_FROM 3

#define PERP_JOURNAL_ERROR (perp_journal_error_quark ())

typedef enum
{
  PERP_JOURNAL_ERROR_OPEN,         /* the file cannot be opened or created */
  PERP_JOURNAL_ERROR_READ_ONLY,    /* the file or its folder is not writable */
  PERP_JOURNAL_ERROR_NEWER,        /* written by a newer Perpscope: refused, left untouched */
  PERP_JOURNAL_ERROR_NOT_JOURNAL,  /* some other SQLite file, or not SQLite at all */
  PERP_JOURNAL_ERROR_BUSY,         /* locked by another connection past the busy timeout */
  PERP_JOURNAL_ERROR_FULL,         /* the disk is full or the size limit was reached */
  PERP_JOURNAL_ERROR_INVALID,      /* an argument the journal cannot store (unknown id ...) */
  PERP_JOURNAL_ERROR_FAILED,       /* any other SQLite error; the message has SQLite's text */
} PerpJournalError;

typedef enum
{
  PERP_JOURNAL_FLAGS_NONE      = 0,
  /* Open for reading only (reports on a journal another process writes). */
  PERP_JOURNAL_FLAGS_READ_ONLY = 1 << 0,
  /* A journal for one run (a backtest's), in memory: the path only names it in
   * messages.  Nothing of it outlives the object, which a run that can be repeated
   * does not need, and it costs no disk writes. */
  PERP_JOURNAL_FLAGS_SCRATCH   = 1 << 1,
  /* With SCRATCH only: each signal keeps its own row (score, plan, sizing, status)
   * and its outcome, but not its factors, targets and breaker results, whose 25 rows
   * and rendered reasons were most of a backtest's time.  For a run that only sums
   * up its trades; the breakers read nothing of what is left out, and statistics by
   * factor have no rows. */
  PERP_JOURNAL_FLAGS_NO_DETAILS = 1 << 2,
} PerpJournalFlags;

/* A signal's status is the core's PerpSignalStatus (core/perp-signal.h): taken, blocked
 * by a breaker, or discarded (neutral, under the threshold, no valid plan). */

/**
 * PerpJournalSignal:
 *
 * One journaled signal, for lists, exports and for resuming the tracking of open
 * signals after a restart (@plan is rebuilt from the stored fields, sizing included).
 *
 * @has_plan: a plan was stored (the fields of @plan are zero otherwise)
 * @has_outcome: an outcome was stored; the outcome fields are meaningful only then
 */
typedef struct
{
  gint64           id;
  char            *symbol;
  PerpInterval     interval;
  gint64           time;
  PerpDirection    direction;
  double           long_pct;
  double           short_pct;
  double           confidence;
  double           coverage;
  PerpTier         tier;
  PerpSignalStatus status;
  char            *reason;
  gboolean         has_plan;
  PerpPlan         plan;
  gboolean         has_outcome;
  PerpOutcomeState outcome_state;
  gint64           entry_time;
  gint64           exit_time;
  double           result_r;
  double           gross_r;
  double           fees_r;
  double           funding_r;
  double           mfe_r;
  double           mae_r;
} PerpJournalSignal;

/**
 * PerpJournalQuery:
 * @from/@to: signal time range [@from, @to); -1 for open ends
 * @symbol: (nullable): only this symbol
 * @status: only this status, or -1 for all
 * @limit: at most this many rows, newest first (0: all)
 *
 * perp_journal_query_init() sets no filter at all.
 */
typedef struct
{
  gint64      from;
  gint64      to;
  const char *symbol;
  int         status;
  guint       limit;
} PerpJournalQuery;

/**
 * PerpLabel:
 *
 * A manual label the analyst drew on the chart.
 *
 * @object: what it marks ("fvg", "order_block", "bos", "choch", ...)
 * @direction: bullish (long) or bearish (short), or none
 * @price_low/@price_high: its price bounds (equal for a line)
 * @first_time/@last_time: open times of its first and last candle
 */
typedef struct
{
  gint64         id;
  char          *symbol;
  PerpInterval   interval;
  char          *object;
  PerpDirection  direction;
  double         price_low;
  double         price_high;
  gint64         first_time;
  gint64         last_time;
  char          *note;
} PerpLabel;

/**
 * PerpJournalStats:
 *
 * Over closed trades (not-filled ones excluded), in exit order.
 *
 * @n_trades: wins + losses + scratches (result exactly 0 R)
 * @win_rate: wins / trades, in [0, 1] (NAN without trades)
 * @profit_factor: Σ winning R / |Σ losing R| (INFINITY with wins and no loss, NAN
 *   with neither)
 * @expectancy_r: win rate × average win + loss rate × average loss, in R per trade
 * @avg_r: mean result in R (equal to the expectancy; both are kept for the reports)
 * @max_drawdown_r: the largest fall of the cumulative R from a running peak that starts
 *   at 0, as a positive number
 * @longest_losing_streak: losing trades in a row (a win or a scratch ends a streak)
 * @sharpe_r: per trade, not annualised: the mean result over the sample standard
 *   deviation of the results (NAN with fewer than two trades or no spread)
 * @sortino_r: per trade: the mean result over the downside deviation, the root mean
 *   square of the losses counted over every trade (NAN without a loss)
 */
typedef struct
{
  guint  n_trades;
  guint  n_wins;
  guint  n_losses;
  guint  n_scratches;
  double win_rate;
  double profit_factor;
  double expectancy_r;
  double avg_r;
  double avg_win_r;
  double avg_loss_r;
  double total_r;
  double max_drawdown_r;
  guint  longest_losing_streak;
  double sharpe_r;
  double sortino_r;
} PerpJournalStats;

typedef enum
{
  PERP_JOURNAL_GROUP_NONE,     /* one row, key "all" */
  PERP_JOURNAL_GROUP_SYMBOL,
  PERP_JOURNAL_GROUP_TIER,     /* perp_tier_name() */
  PERP_JOURNAL_GROUP_SESSION,  /* perp_journal_session_name() of the signal time */
  PERP_JOURNAL_GROUP_DAY,      /* UTC day of the exit, "YYYY-MM-DD": the daily summary */
  PERP_JOURNAL_GROUP_FACTOR,   /* "agree", "disagree", "neutral": the factor's value vs the direction */
} PerpJournalGroup;

typedef struct
{
  char            *key;
  PerpJournalStats stats;
} PerpJournalStatsRow;

/**
 * PerpJournalHistory:
 * @state: what the breakers read; its pointers point into this struct.  The caller
 *   fills the candidate's own fields (@confidence, @atr ...) as before.
 */
typedef struct
{
  PerpBreakerState state;
  /*< private >*/
  char             *symbol;
  GArray           *open;      /* PerpOpenPosition */
  GPtrArray        *strings;
} PerpJournalHistory;

#define PERP_TYPE_JOURNAL (perp_journal_get_type ())
G_DECLARE_FINAL_TYPE (PerpJournal, perp_journal, PERP, JOURNAL, GObject)

GQuark               perp_journal_error_quark      (void);

char                *perp_journal_default_path     (void);
PerpJournal         *perp_journal_open             (const char               *path,
                                                    PerpJournalFlags          flags,
                                                    GError                  **error);
const char          *perp_journal_get_path         (PerpJournal              *self);
gboolean             perp_journal_get_read_only    (PerpJournal              *self);
gboolean             perp_journal_hold_snapshot    (PerpJournal              *self,
                                                    GError                  **error);
void                 perp_journal_release_snapshot (PerpJournal              *self);
void                 perp_journal_set_busy_timeout (PerpJournal              *self,
                                                    guint                     timeout_ms);
void                 perp_journal_set_power_safe   (PerpJournal              *self,
                                                    gboolean                  power_safe);
gboolean             perp_journal_set_size_limit   (PerpJournal              *self,
                                                    gint64                    max_bytes,
                                                    GError                  **error);

gint64               perp_journal_add_signal       (PerpJournal              *self,
                                                    const char               *symbol,
                                                    PerpInterval              interval,
                                                    const PerpScore          *score,
                                                    const PerpPlan           *plan,
                                                    const PerpBreakerVerdict *verdict,
                                                    PerpSignalStatus          status,
                                                    const char               *reason,
                                                    GError                  **error);
void                 perp_journal_add_signal_async (PerpJournal              *self,
                                                    const char               *symbol,
                                                    PerpInterval              interval,
                                                    const PerpScore          *score,
                                                    const PerpPlan           *plan,
                                                    const PerpBreakerVerdict *verdict,
                                                    PerpSignalStatus          status,
                                                    const char               *reason,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
gint64               perp_journal_add_signal_finish (PerpJournal             *self,
                                                    GAsyncResult             *result,
                                                    GError                  **error);

gboolean             perp_journal_update_outcome   (PerpJournal              *self,
                                                    gint64                    signal_id,
                                                    const PerpOutcome        *outcome,
                                                    GError                  **error);
void                 perp_journal_update_outcome_async (PerpJournal          *self,
                                                    gint64                    signal_id,
                                                    const PerpOutcome        *outcome,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
gboolean             perp_journal_update_outcome_finish (PerpJournal         *self,
                                                    GAsyncResult             *result,
                                                    GError                  **error);
gboolean             perp_journal_get_outcome      (PerpJournal              *self,
                                                    gint64                    signal_id,
                                                    PerpOutcome              *outcome,
                                                    GError                  **error);

gint64               perp_journal_add_breaker_event (PerpJournal             *self,
                                                    PerpBreaker               breaker,
                                                    PerpBreakerAction         action,
                                                    const char               *symbol,
                                                    const char               *reason,
                                                    gint64                    time,
                                                    GError                  **error);
gboolean             perp_journal_resume_breaker   (PerpJournal              *self,
                                                    PerpBreaker               breaker,
                                                    gint64                    time,
                                                    GError                  **error);

gint64               perp_journal_add_label        (PerpJournal              *self,
                                                    const PerpLabel          *label,
                                                    GError                  **error);
GPtrArray           *perp_journal_list_labels      (PerpJournal              *self,
                                                    const char               *symbol,
                                                    GError                  **error);
void                 perp_label_free               (PerpLabel                *label);

void                 perp_journal_query_init       (PerpJournalQuery         *query);
GPtrArray           *perp_journal_list_signals     (PerpJournal              *self,
                                                    const PerpJournalQuery   *query,
                                                    GError                  **error);
GPtrArray           *perp_journal_list_open        (PerpJournal              *self,
                                                    GError                  **error);
void                 perp_journal_signal_free      (PerpJournalSignal        *signal);

GPtrArray           *perp_journal_stats            (PerpJournal              *self,
                                                    const PerpJournalQuery   *filter,
                                                    PerpJournalGroup          group,
                                                    PerpFactor                factor,
                                                    GError                  **error);
void                 perp_journal_stats_row_free   (PerpJournalStatsRow      *row);
void                 perp_journal_stats_compute    (const double             *results_r,
                                                    gsize                     n,
                                                    PerpJournalStats         *stats);

PerpJournalHistory  *perp_journal_get_history      (PerpJournal              *self,
                                                    gint64                    now,
                                                    const char               *symbol,
                                                    GError                  **error);
void                 perp_journal_history_free     (PerpJournalHistory       *history);

const char          *perp_journal_session_name     (gint64                    time);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpJournalSignal, perp_journal_signal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpJournalStatsRow, perp_journal_stats_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpJournalHistory, perp_journal_history_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpLabel, perp_label_free)

G_END_DECLS
