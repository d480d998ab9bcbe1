/* perp-outcome.h: what became of a trade plan, candle by candle
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-candles.h"
#include "perp-plan.h"

G_BEGIN_DECLS

/*
 * The tracker follows one plan through the closed candles after its signal, the way a
 * trader following the plan would have fared, and says so in R.  The rules:
 *
 * - Entry (%PERP_ENTRY_NEXT_OPEN, the default): a market order at the open of the first
 *   candle after the signal.  The score is only known at the signal candle's close, so
 *   that open is the first price anyone could trade at.  %PERP_ENTRY_LIMIT instead rests
 *   a limit order at the plan's entry: it fills at the open when the open is already at
 *   or through the entry, else at the entry when the range touches it; it expires
 *   unfilled at the time stop (%PERP_OUTCOME_NOT_FILLED).
 * - R is the plan's risk per unit, |plan entry - plan stop|, so 1 R is the money the
 *   sizing put at risk; every exit's R is measured from the actual entry fill.
 * - Inside a candle the order of the high and the low is unknown.  The tracker always
 *   assumes the path that is worse for the trade: the stop is checked before the
 *   targets (a candle whose range holds both the stop and a target is a stop-out), and a
 *   stop that moves after a target (break-even, trailing) is checked against the same
 *   candle right away, before the next target.  On a candle that stops the trade out,
 *   the favourable excursion counts only the open (the high may have come after the
 *   stop).  On a limit-entry candle filled inside its range, only the stop is checked
 *   and the favourable excursion counts only the close.
 * - Gaps: a candle opening beyond the stop exits at the open (worse than the stop); one
 *   opening beyond targets fills them at the open (a resting limit order would).
 * - Break-even: after target @break_even_after is hit the stop moves to the entry fill
 *   (never backwards).  Trailing: after each target k >= @trail_after is hit the stop
 *   moves to the previous target's price (the entry fill for k = 1), never backwards;
 *   with the default ladder that is "stop to TP1 after TP2".
 * - Time stop: the position still open at the close of the candle that closes at or
 *   after the plan's @expires_at (or after @max_candles candles) exits at that close.
 * - Costs: @taker_fee per side on the notional of each fill (entry and every exit, all
 *   counted as taker: conservative for limit take-profits), and @slippage_bps against
 *   the trade on every market fill (market entry, stop and time exits; limit fills have
 *   none).  Costs are reported in R next to the gross result.
 * - Funding (perpetuals): a settlement charges the position held at its time, rate x
 *   notional at the settlement's price, longs paying a positive rate and shorts
 *   receiving it (a negative rate the other way round).  "Held at its time" at candle
 *   resolution: entered on a candle opening before the settlement, and not closed on
 *   one opening before it; the share held is what was still open then.  Settlement
 *   times are floored to whole seconds, as exchanges report them a few milliseconds
 *   late.  Funding is a cost in R like the others, but signed (a credit is negative).
 * - Excursions: MFE and MAE are the best and worst prices reached between the entry fill
 *   and the final exit, relative to the fill (MFE >= 0 >= MAE), in price and in R; so
 *   mae_r <= gross_r <= mfe_r always holds.
 *
 * The tracker reads no clock: time is the candles' open times.
 */

#define PERP_OUTCOME_ERROR (perp_outcome_error_quark ())

typedef enum
{
  PERP_OUTCOME_ERROR_PLAN,    /* a plan that cannot be traded (no direction, no risk) */
  PERP_OUTCOME_ERROR_PARAMS,  /* a cost parameter out of range */
  PERP_OUTCOME_ERROR_CANDLE,  /* a candle that is invalid, out of order or before the signal */
  PERP_OUTCOME_ERROR_FUNDING, /* a funding settlement that is invalid, repeated or too early */
} PerpOutcomeError;

typedef enum
{
  PERP_ENTRY_NEXT_OPEN,
  PERP_ENTRY_LIMIT,
} PerpEntryMode;

typedef enum
{
  PERP_OUTCOME_PENDING,     /* waiting for the entry fill */
  PERP_OUTCOME_OPEN,        /* filled, some of the position still open */
  PERP_OUTCOME_STOPPED,     /* the rest closed at the initial stop */
  PERP_OUTCOME_BREAK_EVEN,  /* the rest closed at the break-even stop */
  PERP_OUTCOME_TRAILED,     /* the rest closed at a trailed stop */
  PERP_OUTCOME_TARGETS,     /* every target hit */
  PERP_OUTCOME_EXPIRED,     /* the rest closed at the time stop */
  PERP_OUTCOME_NOT_FILLED,  /* a limit entry that never filled before the time stop */
  PERP_N_OUTCOME_STATES
} PerpOutcomeState;

typedef enum
{
  PERP_EXIT_TARGET,
  PERP_EXIT_STOP,
  PERP_EXIT_BREAK_EVEN,
  PERP_EXIT_TRAIL,
  PERP_EXIT_TIME,
  PERP_N_EXIT_KINDS
} PerpExitKind;

/**
 * PerpOutcomeParams:
 * @entry_mode: see #PerpEntryMode (default %PERP_ENTRY_NEXT_OPEN)
 * @taker_fee: fee rate per side, a fraction of notional (default 0.0005, Binance USDT-M
 *   regular taker 0.05 %)
 * @slippage_bps: slippage of market fills in basis points of price (default 2)
 * @max_candles: close at the close of this many candles after the signal even when the
 *   plan has no time stop, or an earlier one than it (0: the plan's @expires_at only)
 */
typedef struct
{
  PerpEntryMode entry_mode;
  double        taker_fee;
  double        slippage_bps;
  guint         max_candles;
} PerpOutcomeParams;

/**
 * PerpExit:
 * @target: 1-based target number for %PERP_EXIT_TARGET, else 0
 * @time: open time of the candle it happened in
 * @price: the trigger price (target, stop, open on a gap, close at the time stop)
 * @fill: the price after slippage
 * @share: the fraction of the position closed
 * @r: gross R of this slice, share × direction × (@price - entry) / R unit
 */
typedef struct
{
  PerpExitKind kind;
  guint        target;
  gint64       time;
  double       price;
  double       fill;
  double       share;
  double       r;
} PerpExit;

#define PERP_OUTCOME_MAX_EXITS (PERP_PLAN_MAX_TARGETS + 1)

/**
 * PerpOutcome:
 * @signal_time: the plan's time (close of the signal candle)
 * @risk_per_unit: the R unit, |plan entry - plan stop|
 * @entry_time/@entry_price/@entry_fill: the entry candle's open time, the trigger price
 *   and the price after slippage (-1 / NAN while pending)
 * @stop: the current stop (moves with break-even and trailing)
 * @first_hit: what was hit first: k (1-based) for target k, -1 for a stop, 0 nothing yet
 * @first_hit_time: its candle's open time, -1 before
 * @target_time: per target, the open time of the candle that hit it, or -1
 * @break_even_time/@trail_time: when the stop moved to break-even / first trailed, or -1
 * @remaining: the fraction of the position still open
 * @exit_time: open time of the candle of the last exit, -1 while open
 * @n_candles: candles seen after the signal
 * @mfe_price/@mae_price: maximum favourable / adverse excursion, signed (>= 0 / <= 0)
 * @gross_r: Σ exit R before costs
 * @fees_r/@slippage_r: costs in R (>= 0)
 * @funding_r: funding paid in R (negative when the position received more than it paid)
 * @n_fundings: the settlements the position was held through
 * @realised_r: @gross_r - @fees_r - @slippage_r - @funding_r
 */
typedef struct
{
  PerpOutcomeState state;
  PerpDirection    direction;
  PerpEntryMode    entry_mode;
  gint64           signal_time;
  gint64           expires_at;
  double           plan_entry;
  double           initial_stop;
  double           risk_per_unit;
  gint64           entry_time;
  double           entry_price;
  double           entry_fill;
  double           stop;
  int              first_hit;
  gint64           first_hit_time;
  guint            n_targets;
  gint64           target_time[PERP_PLAN_MAX_TARGETS];
  gint64           break_even_time;
  gint64           trail_time;
  double           remaining;
  guint            n_exits;
  PerpExit         exits[PERP_OUTCOME_MAX_EXITS];
  gint64           exit_time;
  guint            n_candles;
  double           mfe_price;
  double           mae_price;
  double           mfe_r;
  double           mae_r;
  double           gross_r;
  double           fees_r;
  double           slippage_r;
  double           funding_r;
  guint            n_fundings;
  double           realised_r;
} PerpOutcome;

typedef struct _PerpOutcomeTracker PerpOutcomeTracker;

GQuark              perp_outcome_error_quark      (void);

void                perp_outcome_params_init      (PerpOutcomeParams        *params);
gboolean            perp_outcome_params_check     (const PerpOutcomeParams  *params,
                                                   GError                  **error);

PerpOutcomeTracker *perp_outcome_tracker_new      (const PerpPlan           *plan,
                                                   gint64                    interval_ms,
                                                   const PerpOutcomeParams  *params,
                                                   GError                  **error);
void                perp_outcome_tracker_free     (PerpOutcomeTracker       *self);
gboolean            perp_outcome_tracker_add      (PerpOutcomeTracker       *self,
                                                   const PerpCandle         *candle,
                                                   GError                  **error);
gint64              perp_outcome_settlement_time  (gint64                    funding_time);
gboolean            perp_outcome_tracker_add_funding (PerpOutcomeTracker    *self,
                                                   gint64                    funding_time,
                                                   double                    rate,
                                                   double                    price,
                                                   GError                  **error);
const PerpOutcome  *perp_outcome_tracker_get      (const PerpOutcomeTracker *self);

gboolean            perp_outcome_is_closed        (const PerpOutcome        *outcome);
const char         *perp_outcome_state_name       (PerpOutcomeState          state);
PerpOutcomeState    perp_outcome_state_from_name  (const char               *name);
const char         *perp_exit_kind_name           (PerpExitKind              kind);
PerpExitKind        perp_exit_kind_from_name      (const char               *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpOutcomeTracker, perp_outcome_tracker_free)

G_END_DECLS
