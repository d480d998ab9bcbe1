/* test-outcome.c: the outcome tracker on hand-built and real candles
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "core/perp-outcome.h"

#define HOUR PERP_MS_PER_HOUR
#define T0   G_GINT64_CONSTANT (1704067200000)  /* 2024-01-01 00:00 UTC: the signal's close */
#define EPS  1e-9

/* Long at 100, stop 90 (R = 10), targets 110 / 120 / 130 (1, 2, 3 R) closing 50 / 30 /
 * 20 %, break-even after TP1, trailing after TP2, time stop after 48 hourly candles. */
static void
long_plan (PerpPlan *plan)
{
  static const double price[] = { 110, 120, 130 };
  static const double share[] = { 0.5, 0.3, 0.2 };

  memset (plan, 0, sizeof *plan);
  plan->status = PERP_PLAN_OK;
  plan->direction = PERP_DIRECTION_LONG;
  plan->time = T0;
  plan->entry = 100;
  plan->stop = 90;
  plan->risk_per_unit = 10;
  plan->n_targets = 3;
  for (guint i = 0; i < 3; i++)
    {
      plan->targets[i].price = price[i];
      plan->targets[i].r = i + 1;
      plan->targets[i].share = share[i];
    }
  plan->reward_risk = 0.5 * 1 + 0.3 * 2 + 0.2 * 3;
  plan->expires_at = T0 + 48 * HOUR;
  plan->break_even_after = 1;
  plan->trail_after = 2;
}

/* The mirror image: short at 100, stop 110, targets 90 / 80 / 70. */
static void
short_plan (PerpPlan *plan)
{
  long_plan (plan);
  plan->direction = PERP_DIRECTION_SHORT;
  plan->stop = 110;
  for (guint i = 0; i < 3; i++)
    plan->targets[i].price = 100 - 10.0 * (i + 1);
}

static void
no_costs (PerpOutcomeParams *params)
{
  perp_outcome_params_init (params);
  params->taker_fee = 0;
  params->slippage_bps = 0;
}

/* Feeds hourly candles {o, h, l, c} opening at T0, T0 + 1 h, ... */
static const PerpOutcome *
feed (PerpOutcomeTracker *tracker,
      const double        ohlc[][4],
      guint               n)
{
  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;
      g_autoptr(GError) error = NULL;

      perp_candle_init (&candle, T0 + i * HOUR, ohlc[i][0], ohlc[i][1], ohlc[i][2], ohlc[i][3], 1.0);
      g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
      g_assert_no_error (error);
    }
  return perp_outcome_tracker_get (tracker);
}

static PerpOutcomeTracker *
new_tracker (const PerpPlan          *plan,
             const PerpOutcomeParams *params)
{
  g_autoptr(GError) error = NULL;
  PerpOutcomeTracker *tracker = perp_outcome_tracker_new (plan, HOUR, params, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tracker);
  return tracker;
}

static void
test_partials_break_even_trail (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* 1: enters at the open, 100; high 105 / low 95: MFE +5, MAE -5, nothing hit.
   * 2: TP1 (110) inside the range, low 101 above the stop: closes 50 % at 110 (+0.5 R);
   *    the stop moves to the entry, 100; the low 101 stays above it.
   * 3: low 108 above the stop 100; TP2 (120) closes 30 % (+0.6 R) and the stop trails to
   *    TP1 = 110.  The low 108 is under 110 and may have come after the high: the
   *    worse path says the last 20 % left at 110 (+0.2 R).  Total 1.3 R; MFE is TP2's
   *    +20 (the 121 high counts for nothing once the path went 120 -> 110). */
  static const double candles[][4] = {
    { 100, 105,  95, 102 },
    { 102, 111, 101, 109 },
    { 109, 121, 108, 119 },
    { 119, 140, 118, 139 },
  };

  long_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, G_N_ELEMENTS (candles));

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_TRAILED);
  g_assert_cmpint (o->entry_time, ==, T0);
  g_assert_cmpfloat (o->entry_price, ==, 100);
  g_assert_cmpint (o->first_hit, ==, 1);
  g_assert_cmpint (o->first_hit_time, ==, T0 + HOUR);
  g_assert_cmpint (o->break_even_time, ==, T0 + HOUR);
  g_assert_cmpint (o->trail_time, ==, T0 + 2 * HOUR);
  g_assert_cmpint (o->target_time[0], ==, T0 + HOUR);
  g_assert_cmpint (o->target_time[1], ==, T0 + 2 * HOUR);
  g_assert_cmpint (o->target_time[2], ==, -1);
  g_assert_cmpuint (o->n_exits, ==, 3);
  g_assert_cmpint (o->exits[0].kind, ==, PERP_EXIT_TARGET);
  g_assert_cmpfloat_with_epsilon (o->exits[0].share, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->exits[1].share, 0.3, EPS);
  g_assert_cmpint (o->exits[2].kind, ==, PERP_EXIT_TRAIL);
  g_assert_cmpfloat (o->exits[2].price, ==, 110);
  g_assert_cmpfloat_with_epsilon (o->exits[2].share, 0.2, EPS);
  g_assert_cmpfloat_with_epsilon (o->gross_r, 1.3, EPS);
  g_assert_cmpfloat_with_epsilon (o->realised_r, 1.3, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 2.0, EPS);
  g_assert_cmpfloat_with_epsilon (o->mae_r, -0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_price, 20, EPS);
  g_assert_cmpint (o->exit_time, ==, T0 + 2 * HOUR);
  /* Closed: the fourth candle changed nothing. */
  g_assert_cmpuint (o->n_candles, ==, 3);
}

static void
test_same_candle_stop_first (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* One candle reaching both the stop (89 <= 90) and TP1 (112 >= 110): which came first
   * is unknown, so it is a stop-out at 90, -1 R, and the high is not credited (MFE 0:
   * only the open, which was the entry). */
  static const double candles[][4] = { { 100, 112, 89, 105 } };

  long_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 1);

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_STOPPED);
  g_assert_cmpint (o->first_hit, ==, -1);
  g_assert_cmpuint (o->n_exits, ==, 1);
  g_assert_cmpint (o->exits[0].kind, ==, PERP_EXIT_STOP);
  g_assert_cmpfloat (o->exits[0].price, ==, 90);
  g_assert_cmpfloat_with_epsilon (o->gross_r, -1.0, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 0.0, EPS);
  g_assert_cmpfloat_with_epsilon (o->mae_r, -1.0, EPS);
  g_assert_cmpint (o->target_time[0], ==, -1);
}

static void
test_break_even_same_candle (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* TP1 at 110 and a low of 99: the low is above the stop (90) so TP1 counts first
   * (+0.5 R); the stop moves to 100 and the low 99 may have come afterwards: the rest
   * leaves at break-even, 0 R.  Total +0.5 R. */
  static const double candles[][4] = { { 100, 135, 99, 133 } };

  long_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 1);

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_BREAK_EVEN);
  g_assert_cmpuint (o->n_exits, ==, 2);
  g_assert_cmpint (o->exits[1].kind, ==, PERP_EXIT_BREAK_EVEN);
  g_assert_cmpfloat (o->exits[1].price, ==, 100);
  g_assert_cmpfloat_with_epsilon (o->exits[1].share, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->gross_r, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 1.0, EPS);
}

static void
test_all_targets (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* One target per candle, each low above the stop of the moment (90, then 100, then
   * 110): 0.5 × 1 + 0.3 × 2 + 0.2 × 3 = 1.7 R, the plan's reward/risk. */
  static const double candles[][4] = {
    { 100, 111, 101, 110 },
    { 110, 121, 111, 120 },
    { 120, 131, 119, 130 },
  };

  long_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, G_N_ELEMENTS (candles));

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_TARGETS);
  g_assert_cmpuint (o->n_exits, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (o->exits[i].kind, ==, PERP_EXIT_TARGET);
      g_assert_cmpuint (o->exits[i].target, ==, i + 1);
      g_assert_cmpint (o->target_time[i], ==, T0 + i * HOUR);
    }
  g_assert_cmpfloat_with_epsilon (o->gross_r, plan.reward_risk, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 3.0, EPS);
  g_assert_cmpfloat_with_epsilon (o->remaining, 0.0, EPS);
  g_assert_cmpint (o->exit_time, ==, T0 + 2 * HOUR);
}

static void
test_time_stop (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* Time stop after 3 candles: the third closes at T0 + 3 h = expires_at, so the whole
   * position leaves at its close, 105: +0.5 R.  MFE 108 (+0.8 R), MAE 96 (-0.4 R). */
  static const double candles[][4] = {
    { 100, 104, 97, 101 },
    { 101, 106, 96, 103 },
    { 103, 108, 99, 105 },
  };

  long_plan (&plan);
  plan.expires_at = T0 + 3 * HOUR;
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 2);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_OPEN);
  g_assert_false (perp_outcome_is_closed (o));
  o = feed (tracker, candles, 0);
  {
    PerpCandle candle;

    perp_candle_init (&candle, T0 + 2 * HOUR, 103, 108, 99, 105, 1);
    g_assert_true (perp_outcome_tracker_add (tracker, &candle, NULL));
  }
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_EXPIRED);
  g_assert_cmpint (o->first_hit, ==, 0);
  g_assert_cmpuint (o->n_exits, ==, 1);
  g_assert_cmpint (o->exits[0].kind, ==, PERP_EXIT_TIME);
  g_assert_cmpfloat (o->exits[0].price, ==, 105);
  g_assert_cmpfloat_with_epsilon (o->gross_r, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 0.8, EPS);
  g_assert_cmpfloat_with_epsilon (o->mae_r, -0.4, EPS);

  /* The params' own cap: 2 candles, earlier than the plan's 3. */
  {
    g_autoptr(PerpOutcomeTracker) capped = NULL;

    params.max_candles = 2;
    capped = new_tracker (&plan, &params);
    o = feed (capped, candles, 2);
    g_assert_cmpint (o->state, ==, PERP_OUTCOME_EXPIRED);
    g_assert_cmpfloat (o->exits[0].price, ==, 103);
  }
}

static void
test_short_gap (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* Short at 100, stop 110.  The second candle opens at 112, through the stop: the
   * stop fills at the open, -(112 - 100) / 10 = -1.2 R, worse than -1. */
  static const double candles[][4] = {
    { 100, 105, 95, 104 },
    { 112, 115, 108, 113 },
  };

  short_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 2);

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_STOPPED);
  g_assert_cmpfloat (o->exits[0].price, ==, 112);
  g_assert_cmpfloat_with_epsilon (o->gross_r, -1.2, EPS);
  g_assert_cmpfloat_with_epsilon (o->mae_r, -1.2, EPS);
  /* The first candle's low 95 was +5 for the short. */
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 0.5, EPS);
}

static void
test_short_target_gap (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  /* Short; the second candle opens at 85, below TP1 (90): the resting take-profit
   * fills at the open, 85: 0.5 × 1.5 = +0.75 R; the stop moves to 100; the high 88
   * stays under it; the low 79 reaches TP2 (80): 0.3 × 2 = +0.6 R and the stop trails
   * to TP1, 90, above the high 88: still open with 20 %. */
  static const double candles[][4] = {
    { 100, 103, 97, 99 },
    { 85, 88, 79, 82 },
  };

  short_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 2);

  g_assert_cmpint (o->state, ==, PERP_OUTCOME_OPEN);
  g_assert_cmpuint (o->n_exits, ==, 2);
  g_assert_cmpfloat (o->exits[0].price, ==, 85);
  g_assert_cmpfloat_with_epsilon (o->exits[0].r, 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (o->exits[1].r, 0.6, EPS);
  g_assert_cmpfloat (o->stop, ==, 90);
  g_assert_cmpfloat_with_epsilon (o->remaining, 0.2, EPS);
  g_assert_cmpfloat_with_epsilon (o->mfe_r, 2.1, EPS);   /* low 79: 21 below the entry */
}

static void
test_costs (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  static const double candles[][4] = { { 100, 101, 89, 95 } };
  double fee = 0.0005, slip = 2e-4;
  double entry_fill = 100 * (1 + slip);   /* a long buys above the price */
  double exit_fill = 90 * (1 - slip);     /* and sells below it */
  double fees_r, slippage_r;

  long_plan (&plan);
  perp_outcome_params_init (&params);
  g_assert_cmpfloat (params.taker_fee, ==, fee);
  g_assert_cmpfloat (params.slippage_bps, ==, 2);
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 1);

  /* Stopped at 90: -1 R gross; fees on both fills' notional, slippage on both. */
  fees_r = (fee * entry_fill + fee * exit_fill) / 10;
  slippage_r = ((entry_fill - 100) + (90 - exit_fill)) / 10;
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_STOPPED);
  g_assert_cmpfloat_with_epsilon (o->entry_fill, entry_fill, EPS);
  g_assert_cmpfloat_with_epsilon (o->exits[0].fill, exit_fill, EPS);
  g_assert_cmpfloat_with_epsilon (o->gross_r, -1, EPS);
  g_assert_cmpfloat_with_epsilon (o->fees_r, fees_r, EPS);
  g_assert_cmpfloat_with_epsilon (o->slippage_r, slippage_r, EPS);
  g_assert_cmpfloat_with_epsilon (o->realised_r, -1 - fees_r - slippage_r, EPS);
  /* The same in money terms: (exit fill - entry fill) / R - fees. */
  g_assert_cmpfloat_with_epsilon (o->realised_r, (exit_fill - entry_fill) / 10 - fees_r, EPS);
}

static void
test_limit_entry (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  g_autoptr(PerpOutcomeTracker) unfilled = NULL;
  const PerpOutcome *o;
  /* Limit buy at 100.  1: low 101, not touched.  2: low 99 touches it: filled at 100
   * inside the range; only the stop is checked there (99 > 90), favourable only the
   * close (101): MFE +1, MAE -1.  3: TP1 at 110 (+0.5 R), stop to 100, low 100.5 holds. */
  static const double candles[][4] = {
    { 103, 104, 101, 102 },
    { 102, 103, 99, 101 },
    { 101, 111, 100.5, 109 },
  };

  long_plan (&plan);
  no_costs (&params);
  params.entry_mode = PERP_ENTRY_LIMIT;
  tracker = new_tracker (&plan, &params);
  o = feed (tracker, candles, 1);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_PENDING);
  o = feed (tracker, candles, 0);
  {
    PerpCandle candle;

    perp_candle_init (&candle, T0 + HOUR, 102, 103, 99, 101, 1);
    g_assert_true (perp_outcome_tracker_add (tracker, &candle, NULL));
    g_assert_cmpint (o->state, ==, PERP_OUTCOME_OPEN);
    g_assert_cmpint (o->entry_time, ==, T0 + HOUR);
    g_assert_cmpfloat (o->entry_fill, ==, 100);
    g_assert_cmpfloat_with_epsilon (o->mfe_r, 0.1, EPS);
    g_assert_cmpfloat_with_epsilon (o->mae_r, -0.1, EPS);
    perp_candle_init (&candle, T0 + 2 * HOUR, 101, 111, 100.5, 109, 1);
    g_assert_true (perp_outcome_tracker_add (tracker, &candle, NULL));
  }
  g_assert_cmpint (o->first_hit, ==, 1);
  g_assert_cmpfloat (o->stop, ==, 100);
  g_assert_cmpfloat_with_epsilon (o->gross_r, 0.5, EPS);

  /* Never touched before the time stop (2 candles): not filled, no result. */
  plan.expires_at = T0 + 2 * HOUR;
  unfilled = new_tracker (&plan, &params);
  o = feed (unfilled, (const double[][4]) { { 103, 104, 101, 102 }, { 102, 105, 100.5, 104 } }, 2);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_NOT_FILLED);
  g_assert_cmpuint (o->n_exits, ==, 0);
  g_assert_cmpfloat (o->realised_r, ==, 0);
}

static void
test_bad_input (void)
{
  PerpPlan plan;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  g_autoptr(GError) error = NULL;
  PerpCandle candle;

  /* A stop on the winning side cannot be tracked. */
  long_plan (&plan);
  plan.stop = 105;
  g_assert_null (perp_outcome_tracker_new (&plan, HOUR, NULL, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PLAN);
  g_clear_error (&error);

  long_plan (&plan);
  plan.direction = PERP_DIRECTION_NONE;
  g_assert_null (perp_outcome_tracker_new (&plan, HOUR, NULL, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PLAN);
  g_clear_error (&error);

  long_plan (&plan);
  tracker = perp_outcome_tracker_new (&plan, HOUR, NULL, &error);
  g_assert_no_error (error);

  /* Before the signal. */
  perp_candle_init (&candle, T0 - HOUR, 100, 101, 99, 100, 1);
  g_assert_false (perp_outcome_tracker_add (tracker, &candle, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE);
  g_clear_error (&error);

  /* High under low. */
  perp_candle_init (&candle, T0, 100, 99, 101, 100, 1);
  g_assert_false (perp_outcome_tracker_add (tracker, &candle, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE);
  g_clear_error (&error);

  /* Out of order. */
  perp_candle_init (&candle, T0 + HOUR, 100, 101, 99, 100, 1);
  g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
  perp_candle_init (&candle, T0, 100, 101, 99, 100, 1);
  g_assert_false (perp_outcome_tracker_add (tracker, &candle, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE);
  g_clear_error (&error);
  g_assert_cmpuint (perp_outcome_tracker_get (tracker)->n_candles, ==, 1);
}

/* Real ETHUSDT 15m candles (the week of 2023-03-09, a volatile one): a long and a short
 * plan from every 5th candle, with stops of 1.5 × the mean range of the last 14 candles.
 * Checks what must hold whatever the prices did. */
static void
test_real_candles (void)
{
  g_autofree char *path = perp_test_fixture_path ("journal/ETHUSDT_15m_2023-03-09_7days.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  const gint64 interval = 15 * PERP_MS_PER_MINUTE;
  const gint64 *t;
  const double *high, *low;
  guint n, n_closed = 0, n_stopped = 0, n_targets = 0, n_checked = 0;
  PerpOutcomeParams params;

  g_assert_no_error (error);
  n = perp_candles_get_length (candles);
  g_assert_cmpuint (n, ==, 672);
  t = perp_candles_get_open_time (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  perp_outcome_params_init (&params);

  for (guint i = 14; i + 1 < n; i += 5)
    for (int side = -1; side <= 1; side += 2)
      {
        PerpCandle c;
        PerpPlan plan;
        g_autoptr(PerpOutcomeTracker) tracker = NULL;
        const PerpOutcome *o;
        double range = 0, share_sum = 0, r_sum = 0;

        for (guint k = i - 13; k <= i; k++)
          range += (high[k] - low[k]) / 14;
        perp_candles_get_candle (candles, i, &c);
        long_plan (&plan);
        plan.direction = side;
        plan.time = t[i] + interval;
        plan.entry = c.close;
        plan.risk_per_unit = 1.5 * range;
        plan.stop = c.close - side * plan.risk_per_unit;
        for (guint k = 0; k < 3; k++)
          plan.targets[k].price = c.close + (double) side * (k + 1) * plan.risk_per_unit;
        plan.expires_at = plan.time + 48 * interval;
        tracker = perp_outcome_tracker_new (&plan, interval, &params, &error);
        g_assert_no_error (error);

        for (guint k = i + 1; k < n; k++)
          {
            perp_candles_get_candle (candles, k, &c);
            g_assert_true (perp_outcome_tracker_add (tracker, &c, &error));
            g_assert_no_error (error);
          }
        o = perp_outcome_tracker_get (tracker);
        g_assert_cmpint (o->entry_time, ==, t[i + 1]);

        /* Excursions bracket the result; costs only lower it. */
        g_assert_cmpfloat (o->mfe_r, >=, 0);
        g_assert_cmpfloat (o->mae_r, <=, 0);
        g_assert_cmpfloat (o->mfe_r, >=, o->gross_r - EPS);
        g_assert_cmpfloat (o->gross_r, >=, o->mae_r - EPS);
        g_assert_cmpfloat (o->realised_r, <=, o->gross_r);
        g_assert_cmpfloat (o->fees_r, >, 0);

        for (guint e = 0; e < o->n_exits; e++)
          {
            const PerpExit *x = &o->exits[e];
            guint k = perp_candles_lower_bound (candles, x->time);

            /* Exits in time order, each at a price its candle traded, inside the trade. */
            if (e > 0)
              g_assert_cmpint (x->time, >=, o->exits[e - 1].time);
            g_assert_cmpint (x->time, >=, o->entry_time);
            g_assert_cmpint (x->time, <=, plan.expires_at - interval);
            g_assert_cmpuint (k, <, n);
            g_assert_cmpint (t[k], ==, x->time);
            g_assert_cmpfloat (x->price, <=, high[k]);
            g_assert_cmpfloat (x->price, >=, low[k]);
            g_assert_cmpfloat (x->share, >, 0);
            share_sum += x->share;
            r_sum += x->r;
            if (x->kind == PERP_EXIT_TARGET && e > 0 && o->exits[e - 1].kind == PERP_EXIT_TARGET)
              g_assert_cmpuint (x->target, ==, o->exits[e - 1].target + 1);
          }
        g_assert_cmpfloat_with_epsilon (r_sum, o->gross_r, 1e-9);
        g_assert_cmpfloat_with_epsilon (share_sum + o->remaining, 1.0, 1e-9);
        if (perp_outcome_is_closed (o))
          {
            n_closed++;
            g_assert_cmpfloat_with_epsilon (share_sum, 1.0, 1e-9);
            g_assert_cmpint (o->exit_time, ==, o->exits[o->n_exits - 1].time);
            n_stopped += o->state == PERP_OUTCOME_STOPPED;
            n_targets += o->state == PERP_OUTCOME_TARGETS;
            /* Stopped at the initial stop with no target hit: the stop's distance from
             * the actual entry (the next open, not quite the plan's entry), or worse on
             * a gap. */
            if (o->state == PERP_OUTCOME_STOPPED && o->first_hit < 0)
              g_assert_cmpfloat (o->gross_r, <=, side * (plan.stop - o->entry_price) / plan.risk_per_unit + EPS);
          }
        if (o->first_hit > 0)
          g_assert_cmpint (o->first_hit_time, ==, o->target_time[0]);
        n_checked++;
      }

  g_test_message ("%u plans, %u closed (%u stopped, %u all targets)",
                  n_checked, n_closed, n_stopped, n_targets);
  /* A week of ETH moves several ATRs a day: most plans must have resolved, both ways. */
  g_assert_cmpuint (n_closed, >, n_checked / 2);
  g_assert_cmpuint (n_stopped, >, 0);
  g_assert_cmpuint (n_targets, >, 0);
}

/* Gives the hourly candle @index (opening at T0 + index h). */
static void
feed_at (PerpOutcomeTracker *tracker,
         guint               index,
         const double        ohlc[4])
{
  PerpCandle candle;
  g_autoptr(GError) error = NULL;

  perp_candle_init (&candle, T0 + index * HOUR, ohlc[0], ohlc[1], ohlc[2], ohlc[3], 1.0);
  g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
  g_assert_no_error (error);
}

static void
settle (PerpOutcomeTracker *tracker,
        gint64              time,
        double              rate,
        double              price)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (perp_outcome_tracker_add_funding (tracker, time, rate, price, &error));
  g_assert_no_error (error);
}

static void
settle_fails (PerpOutcomeTracker *tracker,
              gint64              time,
              double              rate,
              double              price)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (perp_outcome_tracker_add_funding (tracker, time, rate, price, &error));
  g_assert_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_FUNDING);
}

/* A long held through three settlements, half of it closed at TP1 between the second
 * and the third.  Each charge is direction x rate x share held x price / R. */
static void
test_funding (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  const PerpOutcome *o;
  static const double quiet[4] = { 100, 105, 99, 104 };
  static const double tp1[4] = { 104, 111, 103, 108 };   /* TP1 110, the stop moves to 100 */
  static const double after[4] = { 108, 109, 104, 106 };
  double expected;

  long_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);

  /* Before the signal, and at the entry's own instant: nothing held. */
  settle (tracker, T0 - 8 * HOUR, 0.01, 100);
  feed_at (tracker, 0, quiet);
  settle (tracker, T0, 0.01, 100);
  o = perp_outcome_tracker_get (tracker);
  g_assert_cmpuint (o->n_fundings, ==, 0);
  g_assert_cmpfloat (o->funding_r, ==, 0);

  feed_at (tracker, 1, quiet);
  /* Not yet: the candle at 2 h has not come, an exit before it could be missing. */
  settle_fails (tracker, T0 + 2 * HOUR, 0.0001, 102);
  feed_at (tracker, 2, quiet);
  /* Reported 5 ms late: still the 2 h settlement, the whole position held. */
  settle (tracker, T0 + 2 * HOUR + 5, 0.0001, 102);
  expected = 0.0001 * 1.0 * 102 / 10;
  g_assert_cmpfloat_with_epsilon (o->funding_r, expected, EPS);

  feed_at (tracker, 3, quiet);
  feed_at (tracker, 4, tp1);
  g_assert_cmpfloat_with_epsilon (o->remaining, 0.5, EPS);
  feed_at (tracker, 5, after);
  /* Given late (after the candles at 4 h and 5 h): TP1 came on the candle opening at
   * 4 h, after the settlement, so the whole position paid; a negative rate pays longs. */
  settle (tracker, T0 + 4 * HOUR, -0.0002, 110);
  expected += -0.0002 * 1.0 * 110 / 10;
  g_assert_cmpfloat_with_epsilon (o->funding_r, expected, EPS);
  /* Repeated: refused, nothing counted twice. */
  settle_fails (tracker, T0 + 4 * HOUR, -0.0002, 110);
  settle_fails (tracker, T0 + 3 * HOUR, 0.0001, 110);

  feed_at (tracker, 6, after);
  settle (tracker, T0 + 6 * HOUR, 0.0003, 105);
  expected += 0.0003 * 0.5 * 105 / 10;
  g_assert_cmpfloat_with_epsilon (o->funding_r, expected, EPS);
  g_assert_cmpuint (o->n_fundings, ==, 3);
  g_assert_cmpfloat_with_epsilon (o->gross_r, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o->realised_r, 0.5 - expected, EPS);

  /* Not settlements. */
  settle_fails (tracker, T0 + 7 * HOUR, NAN, 105);
  settle_fails (tracker, T0 + 7 * HOUR, 1.5, 105);
  settle_fails (tracker, T0 + 7 * HOUR, 0.0001, 0);
  settle_fails (tracker, T0 + 7 * HOUR, 0.0001, INFINITY);
  g_assert_cmpuint (o->n_fundings, ==, 3);
}

/* A short receives a positive rate; a trade closed before a settlement, or a limit
 * entry still waiting at it, is not charged. */
static void
test_funding_short_and_flat (void)
{
  PerpPlan plan;
  PerpOutcomeParams params;
  g_autoptr(PerpOutcomeTracker) tracker = NULL;
  g_autoptr(PerpOutcomeTracker) stopped = NULL;
  g_autoptr(PerpOutcomeTracker) waiting = NULL;
  static const double quiet[4] = { 100, 104, 96, 101 };
  static const double stop[4] = { 101, 111, 99, 109 };
  static const double above[4] = { 102, 106, 101, 105 };  /* a long limit at 100 unfilled */
  static const double fill[4] = { 99, 103, 98, 101 };     /* opens through it */
  const PerpOutcome *o;

  short_plan (&plan);
  no_costs (&params);
  tracker = new_tracker (&plan, &params);
  feed_at (tracker, 0, quiet);
  feed_at (tracker, 1, quiet);
  settle (tracker, T0 + HOUR, 0.0004, 100);
  o = perp_outcome_tracker_get (tracker);
  g_assert_cmpfloat_with_epsilon (o->funding_r, -0.0004 * 100 / 10, EPS);
  g_assert_cmpfloat_with_epsilon (o->realised_r, o->gross_r + 0.0004 * 100 / 10, EPS);

  stopped = new_tracker (&plan, &params);
  feed_at (stopped, 0, quiet);
  feed_at (stopped, 1, stop);
  o = perp_outcome_tracker_get (stopped);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_STOPPED);
  /* Closed: no candle needed to know it was flat at 3 h. */
  settle (stopped, T0 + 3 * HOUR, 0.0004, 100);
  g_assert_cmpuint (o->n_fundings, ==, 0);
  g_assert_cmpfloat (o->funding_r, ==, 0);
  g_assert_cmpfloat_with_epsilon (o->realised_r, -1, EPS);

  long_plan (&plan);
  params.entry_mode = PERP_ENTRY_LIMIT;
  waiting = new_tracker (&plan, &params);
  feed_at (waiting, 0, above);
  feed_at (waiting, 1, above);
  settle (waiting, T0 + HOUR, 0.0004, 105);
  o = perp_outcome_tracker_get (waiting);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_PENDING);
  g_assert_cmpuint (o->n_fundings, ==, 0);
  /* Filled at the open of the candle at 2 h: not held at the 2 h settlement itself,
   * held at the next. */
  feed_at (waiting, 2, fill);
  g_assert_cmpint (o->state, ==, PERP_OUTCOME_OPEN);
  g_assert_cmpint (o->entry_time, ==, T0 + 2 * HOUR);
  settle (waiting, T0 + 2 * HOUR, 0.0004, 99);
  g_assert_cmpuint (o->n_fundings, ==, 0);
  feed_at (waiting, 3, fill);
  settle (waiting, T0 + 3 * HOUR, 0.0004, 101);
  g_assert_cmpuint (o->n_fundings, ==, 1);
  g_assert_cmpfloat_with_epsilon (o->funding_r, 0.0004 * 101 / 10, EPS);
}

/* Floored to the whole second, also before 1970 and at the ends of gint64. */
static void
test_settlement_time (void)
{
  g_assert_cmpint (perp_outcome_settlement_time (1672560000008), ==, 1672560000000);
  g_assert_cmpint (perp_outcome_settlement_time (1672560000000), ==, 1672560000000);
  g_assert_cmpint (perp_outcome_settlement_time (1672560000999), ==, 1672560000000);
  g_assert_cmpint (perp_outcome_settlement_time (-1), ==, -1000);
  g_assert_cmpint (perp_outcome_settlement_time (-1000), ==, -1000);
  g_assert_cmpint (perp_outcome_settlement_time (-1001), ==, -2000);
  g_assert_cmpint (perp_outcome_settlement_time (G_MAXINT64), ==, G_MAXINT64 - 807);
  g_assert_cmpint (perp_outcome_settlement_time (G_MININT64), ==, G_MININT64);
  g_assert_cmpint (perp_outcome_settlement_time (G_MININT64 + 807), ==, G_MININT64);
  g_assert_cmpint (perp_outcome_settlement_time (G_MININT64 + 808), ==, G_MININT64 + 808);
  g_assert_cmpint (perp_outcome_settlement_time (G_MININT64 + 1807), ==, G_MININT64 + 808);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/outcome/partials-break-even-trail", test_partials_break_even_trail);
  g_test_add_func ("/core/outcome/same-candle-stop-first", test_same_candle_stop_first);
  g_test_add_func ("/core/outcome/break-even-same-candle", test_break_even_same_candle);
  g_test_add_func ("/core/outcome/all-targets", test_all_targets);
  g_test_add_func ("/core/outcome/time-stop", test_time_stop);
  g_test_add_func ("/core/outcome/short-gap-through-stop", test_short_gap);
  g_test_add_func ("/core/outcome/short-gap-through-target", test_short_target_gap);
  g_test_add_func ("/core/outcome/costs", test_costs);
  g_test_add_func ("/core/outcome/funding", test_funding);
  g_test_add_func ("/core/outcome/settlement-time", test_settlement_time);
  g_test_add_func ("/core/outcome/funding-short-and-flat", test_funding_short_and_flat);
  g_test_add_func ("/core/outcome/limit-entry", test_limit_entry);
  g_test_add_func ("/core/outcome/bad-input", test_bad_input);
  g_test_add_func ("/core/outcome/real-candles", test_real_candles);

  return g_test_run ();
}
