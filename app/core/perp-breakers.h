/* perp-breakers.h: circuit breakers, pure checks over journal and portfolio state
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-score.h"

G_BEGIN_DECLS

/*
 * Each breaker looks at a snapshot of the journal and the portfolio that the caller
 * passes in (the journal, issue 8, fills it live and in replay alike) and returns pass,
 * adjust (raise the threshold, shrink the size) or block, with a reason.  Nothing here
 * reads the clock or keeps state: the daily-drawdown pause stays on because the journal
 * says it was tripped and nobody has resumed it.
 *
 * A breaker whose input is unknown (NAN ATR, BTC move or correlation) passes and says
 * the data is unknown: it cannot justify a block with data it does not have, and the
 * scorer already lowers its confidence for missing data.
 */

typedef enum
{
  PERP_BREAKER_COOLDOWN,          /* a stop-out on this symbol too recently */
  PERP_BREAKER_SIGNAL_RATE,       /* too many signals in the last hour */
  PERP_BREAKER_DAILY_DRAWDOWN,    /* today's loss over the limit: paused until resumed */
  PERP_BREAKER_MAX_OPEN,          /* too many open positions */
  PERP_BREAKER_CORRELATION,       /* correlated with an open position of the same direction */
  PERP_BREAKER_VOLATILITY,        /* ATR over k times its average */
  PERP_BREAKER_MARKET_DANGER,     /* BTC moved over x % in the last hour */
  PERP_BREAKER_LOW_ACTIVITY,      /* low-activity hours: the threshold goes up */
  PERP_BREAKER_WIN_STREAK,        /* a long win streak: the size goes down */
  PERP_N_BREAKERS
} PerpBreaker;

typedef enum
{
  PERP_BREAKER_PASS,
  PERP_BREAKER_ADJUST,
  PERP_BREAKER_BLOCK,
} PerpBreakerAction;

/* How the daily-drawdown pause ends. */
typedef enum
{
  PERP_RESUME_BY_HAND,  /* when a person resumes (perpscope-cli resume, Resume Trading) */
  PERP_RESUME_NEXT_DAY, /* at the next UTC midnight: unattended runs and replays */
} PerpResumeMode;

/**
 * PerpBreakerParams:
 * @enabled: per breaker
 * @cooldown_ms: after a stop-out on the same symbol (default 2 h)
 * @max_signals_per_hour: across all symbols (default 6)
 * @daily_drawdown_r: today's realised result at or below -this (in R) pauses (default 3)
 * @daily_drawdown_resume: when that pause ends (default by hand)
 * @max_open_positions: (default 3)
 * @max_correlation: |correlation| of returns with an open same-direction position at or
 *   above this blocks (default 0.8)
 * @volatility_factor: ATR over this times its average blocks (default 2.5)
 * @market_danger_pct: |BTC move over the last hour| at or above this blocks (default 3)
 * @low_activity_hours: bit h set = UTC hour h is low-activity (default 03:00-06:59 UTC,
 *   hours 3..6: the quietest four hours of BTCUSDT volume in 2023-2024; figures in the .c)
 * @low_activity_raise: points added to the confidence a signal needs then (default 10)
 * @win_streak: wins in a row from which the size shrinks (default 5)
 * @win_streak_size: the size factor then (default 0.5)
 */
typedef struct
{
  gboolean enabled[PERP_N_BREAKERS];
  gint64   cooldown_ms;
  guint    max_signals_per_hour;
  double   daily_drawdown_r;
  PerpResumeMode daily_drawdown_resume;
  guint    max_open_positions;
  double   max_correlation;
  double   volatility_factor;
  double   market_danger_pct;
  guint32  low_activity_hours;
  double   low_activity_raise;
  guint    win_streak;
  double   win_streak_size;
} PerpBreakerParams;

/**
 * PerpOpenPosition:
 * @correlation: correlation of the candidate's returns with this position's symbol's
 *   returns, computed by the caller (perp_returns_correlation()); NAN when unknown
 */
typedef struct
{
  const char    *symbol;
  PerpDirection  direction;
  double         risk;
  double         correlation;
} PerpOpenPosition;

/**
 * PerpBreakerState:
 *
 * The snapshot the breakers read.  Times are Unix ms; -1 means "never" / unknown.
 *
 * @now: the candidate signal's time
 * @symbol/@direction/@confidence: the candidate
 * @last_stop_out: the last stop-out on @symbol
 * @signals_last_hour: signals journaled in (@now - 1 h, @now], the candidate not included
 * @today_r: today's (UTC) realised result in R
 * @paused_at: when the daily-drawdown pause was tripped, -1 if never
 * @resumed_at: when a person last resumed, -1 if never; the pause holds while
 *   @paused_at > @resumed_at (and, when it ends at the next day, while @now is on the
 *   UTC day of @paused_at).  A resume clears the pause but not the limit: while
 *   @today_r is still at or below -daily_drawdown_r the breaker trips again
 * @open/@n_open: open positions
 * @atr/@atr_average: the candidate's ATR and its long average (NAN when unknown)
 * @btc_change_1h_pct: BTC's move over the last hour in percent (NAN when unknown)
 * @win_streak: consecutive wins up to now
 */
typedef struct
{
  gint64                  now;
  const char             *symbol;
  PerpDirection           direction;
  double                  confidence;
  gint64                  last_stop_out;
  guint                   signals_last_hour;
  double                  today_r;
  gint64                  paused_at;
  gint64                  resumed_at;
  const PerpOpenPosition *open;
  gsize                   n_open;
  double                  atr;
  double                  atr_average;
  double                  btc_change_1h_pct;
  guint                   win_streak;
} PerpBreakerState;

/**
 * PerpBreakerResult:
 * @threshold_raise: confidence points a signal now needs on top of its tier's
 * @size_factor: multiply the size by this (1 = unchanged)
 * @until: when a block lifts by itself (-1: not by itself, or not blocking)
 * @reason: rendered, with the numbers (newly allocated)
 */
typedef struct
{
  PerpBreaker       breaker;
  PerpBreakerAction action;
  double            threshold_raise;
  double            size_factor;
  gint64            until;
  char             *reason;
} PerpBreakerResult;

/**
 * PerpBreakerVerdict:
 * @action: the strongest action of all results
 * @threshold_raise: the sum of the raises
 * @size_factor: the product of the size factors
 * @results: one per enabled breaker, in #PerpBreaker order
 */
typedef struct
{
  PerpBreakerAction action;
  double            threshold_raise;
  double            size_factor;
  guint             n_results;
  PerpBreakerResult results[PERP_N_BREAKERS];
} PerpBreakerVerdict;

void        perp_breaker_params_init    (PerpBreakerParams       *params);
gboolean    perp_breaker_params_check   (const PerpBreakerParams *params,
                                         GError                 **error);
void        perp_breakers_check         (const PerpBreakerParams *params,
                                         const PerpBreakerState  *state,
                                         PerpBreakerVerdict      *verdict);
void        perp_breaker_verdict_clear  (PerpBreakerVerdict      *verdict);
void        perp_breaker_state_init     (PerpBreakerState        *state);

double      perp_returns_correlation    (const double            *close_a,
                                         const double            *close_b,
                                         gsize                    n);

const char *perp_breaker_name           (PerpBreaker              breaker);
PerpBreaker perp_breaker_from_name      (const char              *name);
const char *perp_breaker_action_name    (PerpBreakerAction        action);

G_END_DECLS
