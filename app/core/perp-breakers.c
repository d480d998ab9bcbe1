/* perp-breakers.c: circuit breakers, pure checks over journal and portfolio state
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-breakers"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "perp-breakers.h"
#include "perp-interval.h"

/*
 * Every breaker is a function of (params, state) alone, so the live engine, replay and
 * the backtest get the same answer for the same journal.  The journal is what remembers:
 * the daily-drawdown pause is "on" because the journal holds a pause newer than the last
 * resume, not because anything here kept a flag.
 *
 * Unknown inputs (a NAN ATR, BTC move or correlation) pass and say so.  A breaker cannot
 * justify a block with data it does not have, and blocking on every feed hiccup would
 * silence the app exactly when a person most wants to see what the scorer thinks; the
 * scorer already lowers its confidence for the missing data and names it.
 */

/* Longer than any sensible cooldown, and far enough from G_MAXINT64 that
 * last_stop_out + cooldown_ms cannot overflow. */
#define MAX_COOLDOWN_MS   (30 * PERP_MS_PER_DAY)
#define ALL_HOURS_MASK    ((1u << 24) - 1)

/*
 * The default low-activity hours: 03:00-06:59 UTC.
 *
 * Mean BTCUSDT 5m volume (BTC per candle) by UTC hour of day, over all 131,328 candles of
 * shared/data/klines_usdm/BTCUSDT_5m_2023-01-01_2024-03-31.csv (5472 per hour; overall
 * mean 1377):
 *
 *   00 1285   01 1201   02 1024   03  844   04  755   05  829
 *   06  840   07  968   08 1108   09 1122   10 1101   11 1130
 *   12 1613   13 1952   14 2457   15 2487   16 2159   17 1883
 *   18 1694   19 1670   20 1515   21 1240   22 1125   23 1038
 *
 * The quietest four consecutive hours are 03-06 (mean 817, 59 % of the day's mean); the
 * next best blocks, 02-05 (863) and 04-07 (848), overlap it.  That is after the US close
 * and before London opens: thin books, where a few orders move price and signals built
 * on order-book and flow readings are least reliable.
 */
#define DEFAULT_LOW_ACTIVITY_HOURS ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6))

static const char * const breaker_names[] = {
  [PERP_BREAKER_COOLDOWN]       = "cooldown",
  [PERP_BREAKER_SIGNAL_RATE]    = "signal_rate",
  [PERP_BREAKER_DAILY_DRAWDOWN] = "daily_drawdown",
  [PERP_BREAKER_MAX_OPEN]       = "max_open",
  [PERP_BREAKER_CORRELATION]    = "correlation",
  [PERP_BREAKER_VOLATILITY]     = "volatility",
  [PERP_BREAKER_MARKET_DANGER]  = "market_danger",
  [PERP_BREAKER_LOW_ACTIVITY]   = "low_activity",
  [PERP_BREAKER_WIN_STREAK]     = "win_streak",
};
G_STATIC_ASSERT (G_N_ELEMENTS (breaker_names) == PERP_N_BREAKERS);

static const char * const action_names[] = {
  [PERP_BREAKER_PASS]   = "pass",
  [PERP_BREAKER_ADJUST] = "adjust",
  [PERP_BREAKER_BLOCK]  = "block",
};

/* ------------------------------------------------------------------ names */

/**
 * perp_breaker_name:
 *
 * Returns: (transfer none): the stable snake_case name ("cooldown", "signal_rate", ...)
 *   used in the config (breakers.enabled.<name>), the journal and JSON output
 */
const char *
perp_breaker_name (PerpBreaker breaker)
{
  g_return_val_if_fail ((guint) breaker < PERP_N_BREAKERS, NULL);

  return breaker_names[breaker];
}

/**
 * perp_breaker_from_name:
 *
 * Returns: the breaker named @name by perp_breaker_name(), or %PERP_N_BREAKERS if none is
 */
PerpBreaker
perp_breaker_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, PERP_N_BREAKERS);

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    if (g_str_equal (name, breaker_names[i]))
      return (PerpBreaker) i;

  return PERP_N_BREAKERS;
}

/**
 * perp_breaker_action_name:
 *
 * Returns: (transfer none): "pass", "adjust" or "block"
 */
const char *
perp_breaker_action_name (PerpBreakerAction action)
{
  g_return_val_if_fail ((guint) action < G_N_ELEMENTS (action_names), NULL);

  return action_names[action];
}

/* ----------------------------------------------------------------- params */

/**
 * perp_breaker_params_init:
 *
 * Every breaker on, with the defaults documented on #PerpBreakerParams.  The
 * low-activity hours come from measured BTCUSDT volume (see the top of this file).
 */
void
perp_breaker_params_init (PerpBreakerParams *params)
{
  g_return_if_fail (params != NULL);

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    params->enabled[i] = TRUE;

  params->cooldown_ms = 2 * PERP_MS_PER_HOUR;
  params->max_signals_per_hour = 6;
  params->daily_drawdown_r = 3.0;
  params->daily_drawdown_resume = PERP_RESUME_BY_HAND;
  params->max_open_positions = 3;
  params->max_correlation = 0.8;
  params->volatility_factor = 2.5;
  params->market_danger_pct = 3.0;
  params->low_activity_hours = DEFAULT_LOW_ACTIVITY_HOURS;
  params->low_activity_raise = 10.0;
  params->win_streak = 5;
  params->win_streak_size = 0.5;
}

/**
 * perp_breaker_params_check:
 *
 * Returns: %TRUE if the parameters make sense; otherwise @error (in %PERP_SCORE_ERROR,
 *   %PERP_SCORE_ERROR_PARAMS) names the YAML key of the first one that does not, with
 *   its value
 */
gboolean
perp_breaker_params_check (const PerpBreakerParams  *params,
                           GError                  **error)
{
#define PARAMS_FAIL(...) \
  G_STMT_START { \
    g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  g_return_val_if_fail (params != NULL, FALSE);

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    if (params->enabled[i] != TRUE && params->enabled[i] != FALSE)
      PARAMS_FAIL (_("breakers.enabled.%s must be true or false (got %d)"),
                   breaker_names[i], params->enabled[i]);

  /* Printed in minutes through a double: G_GINT64_FORMAT cannot sit in a msgid. */
  if (params->cooldown_ms < 0 || params->cooldown_ms > MAX_COOLDOWN_MS)
    PARAMS_FAIL (_("breakers.cooldown must be from 0 to 30 days (got %g min)"),
                 (double) params->cooldown_ms / (double) PERP_MS_PER_MINUTE);
  if (params->max_signals_per_hour == 0)
    PARAMS_FAIL (_("breakers.max_signals_per_hour must be at least 1 (got 0; "
                   "set breakers.enabled.signal_rate to false to turn it off)"));
  if (!(isfinite (params->daily_drawdown_r) && params->daily_drawdown_r > 0.0))
    PARAMS_FAIL (_("breakers.daily_drawdown_r must be a positive number of R (got %g)"),
                 params->daily_drawdown_r);
  if (params->daily_drawdown_resume != PERP_RESUME_BY_HAND
      && params->daily_drawdown_resume != PERP_RESUME_NEXT_DAY)
    PARAMS_FAIL (_("breakers.daily_drawdown_resume must be by_hand or next_day (got %d)"),
                 (int) params->daily_drawdown_resume);
  if (params->max_open_positions == 0)
    PARAMS_FAIL (_("breakers.max_open_positions must be at least 1 (got 0; "
                   "set breakers.enabled.max_open to false to turn it off)"));
  if (!(params->max_correlation >= 0.0 && params->max_correlation <= 1.0))
    PARAMS_FAIL (_("breakers.max_correlation must be in [0, 1] (got %g)"),
                 params->max_correlation);
  /* At k <= 1 the ATR is "extreme" about half the time: surely a typo. */
  if (!(isfinite (params->volatility_factor) && params->volatility_factor > 1.0))
    PARAMS_FAIL (_("breakers.volatility_factor must be greater than 1 (got %g)"),
                 params->volatility_factor);
  if (!(isfinite (params->market_danger_pct) && params->market_danger_pct > 0.0))
    PARAMS_FAIL (_("breakers.market_danger_pct must be a positive percentage (got %g)"),
                 params->market_danger_pct);
  if ((params->low_activity_hours & ~ALL_HOURS_MASK) != 0)
    PARAMS_FAIL (_("breakers.low_activity_hours must only name hours 0 to 23 (got mask 0x%x)"),
                 params->low_activity_hours);
  if (!(params->low_activity_raise >= 0.0 && params->low_activity_raise <= 100.0))
    PARAMS_FAIL (_("breakers.low_activity_raise must be from 0 to 100 confidence points (got %g)"),
                 params->low_activity_raise);
  if (params->win_streak == 0)
    PARAMS_FAIL (_("breakers.win_streak must be at least 1 (got 0; "
                   "set breakers.enabled.win_streak to false to turn it off)"));
  if (!(params->win_streak_size > 0.0 && params->win_streak_size <= 1.0))
    PARAMS_FAIL (_("breakers.win_streak_size must be in (0, 1] (got %g)"),
                 params->win_streak_size);

#undef PARAMS_FAIL

  return TRUE;
}

/* ------------------------------------------------------------------ state */

/**
 * perp_breaker_state_init:
 *
 * Times -1 ("never"), the ATR and BTC move NAN (unknown), the candidate's confidence
 * NAN, everything else zero: no signals, no open positions, a flat day, no streak.
 */
void
perp_breaker_state_init (PerpBreakerState *state)
{
  g_return_if_fail (state != NULL);

  *state = (PerpBreakerState) {
    .now = -1,
    .symbol = NULL,
    .direction = PERP_DIRECTION_NONE,
    .confidence = NAN,
    .last_stop_out = -1,
    .signals_last_hour = 0,
    .today_r = 0.0,
    .paused_at = -1,
    .resumed_at = -1,
    .open = NULL,
    .n_open = 0,
    .atr = NAN,
    .atr_average = NAN,
    .btc_change_1h_pct = NAN,
    .win_streak = 0,
  };
}

/* -------------------------------------------------------------- formatting */

/* "2024-01-01 14:05 UTC": analysts compare these with exchange timestamps, which are
 * UTC, so the reasons never use local time. */
static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = NULL;
  gint64 seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);

  dt = g_date_time_new_from_unix_utc (seconds);
  if (dt == NULL)
    return g_strdup ("?");

  return g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");
}

static char *
format_duration (gint64 ms)
{
  if (ms % PERP_MS_PER_HOUR == 0)
    return g_strdup_printf (_("%.0f h"), (double) (ms / PERP_MS_PER_HOUR));
  if (ms % PERP_MS_PER_MINUTE == 0)
    return g_strdup_printf (_("%.0f min"), (double) (ms / PERP_MS_PER_MINUTE));

  return g_strdup_printf (_("%g s"), (double) ms / 1000.0);
}

/* "03:00-07:00" for the mask's runs of hours, a run across midnight kept whole
 * ("22:00-02:00"), several runs joined with ", ". */
static char *
format_hours (guint32 mask)
{
  GString *out;
  guint start = 0;

  mask &= ALL_HOURS_MASK;
  if (mask == ALL_HOURS_MASK)
    return g_strdup ("00:00-24:00");

  /* Begin the walk at an hour that starts a run, so no run is split at midnight. */
  while (start < 24 && !((mask & (1u << start)) && !(mask & (1u << ((start + 23) % 24)))))
    start++;

  out = g_string_new (NULL);
  if (start == 24)
    return g_string_free (out, FALSE);

  for (guint k = 0; k < 24; k++)
    {
      guint h = (start + k) % 24;
      guint end;

      if (!(mask & (1u << h)) || (mask & (1u << ((h + 23) % 24))))
        continue;

      end = h;
      while (mask & (1u << ((end + 1) % 24)))
        end = (end + 1) % 24;

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%02u:00-%02u:00", h, (end + 1) % 24);
    }

  return g_string_free (out, FALSE);
}

static const char *
symbol_or_unknown (const char *symbol)
{
  return symbol != NULL ? symbol : "?";
}

/* ---------------------------------------------------------------- breakers */

/* The block lifts at last_stop_out + cooldown_ms exactly: a signal at that instant
 * passes.  A stop-out journaled after @now (clocks of two machines apart) counts as
 * having just happened. */
static void
check_cooldown (const PerpBreakerParams *params,
                const PerpBreakerState  *state,
                PerpBreakerResult       *result)
{
  const char *symbol = symbol_or_unknown (state->symbol);
  g_autofree char *span = format_duration (params->cooldown_ms);

  if (state->last_stop_out < 0)
    {
      result->reason = g_strdup_printf (_("No stop-out on %s in the last %s"), symbol, span);
      return;
    }

  if (state->now < state->last_stop_out + params->cooldown_ms)
    {
      g_autofree char *at = format_time (state->last_stop_out);
      g_autofree char *until = NULL;

      result->action = PERP_BREAKER_BLOCK;
      result->until = state->last_stop_out + params->cooldown_ms;
      until = format_time (result->until);
      result->reason = g_strdup_printf (_("Stop-out on %s at %s: cooling down for %s, until %s"),
                                        symbol, at, span, until);
    }
  else
    {
      g_autofree char *at = format_time (state->last_stop_out);

      result->reason = g_strdup_printf (_("No stop-out on %s in the last %s (last at %s)"),
                                        symbol, span, at);
    }
}

/* The candidate is not journaled yet: with the limit at 6 and 5 signals in the hour it
 * is the sixth and passes.  When the block lifts depends on when the oldest of those
 * signals leaves the hour, which a count cannot tell, so @until stays -1. */
static void
check_signal_rate (const PerpBreakerParams *params,
                   const PerpBreakerState  *state,
                   PerpBreakerResult       *result)
{
  guint n = state->signals_last_hour;
  guint limit = params->max_signals_per_hour;

  if (n >= limit)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "Signal limit reached: %u signal in the last hour (limit %u per hour)",
                                                     "Signal limit reached: %u signals in the last hour (limit %u per hour)",
                                                     n),
                                        n, limit);
    }
  else
    {
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%u signal in the last hour (limit %u per hour)",
                                                     "%u signals in the last hour (limit %u per hour)",
                                                     n),
                                        n, limit);
    }
}

/* A latch kept by the journal: tripping it is this check blocking with today's loss past
 * the limit (the caller then journals paused_at = now); it holds while paused_at >
 * resumed_at, across midnight too, until a person resumes.  A resume clears the latch
 * but does not raise the limit: while today's realised loss is still past it the check
 * trips again, so a resume on the day of the loss only helps once a later result has
 * brought today back within the limit.  Never lifts by itself (@until is -1), unless
 * the configuration says it ends at the next UTC midnight, as a trader who stops for
 * the day would: with nobody to resume it, a replay would otherwise block everything
 * after its first bad day. */
static gint64
next_utc_midnight (gint64 t)
{
  return (perp_floor_div (t, PERP_MS_PER_DAY) + 1) * PERP_MS_PER_DAY;
}

static void
check_daily_drawdown (const PerpBreakerParams *params,
                      const PerpBreakerState  *state,
                      PerpBreakerResult       *result)
{
  double limit = params->daily_drawdown_r;
  gboolean next_day = params->daily_drawdown_resume == PERP_RESUME_NEXT_DAY;
  gboolean latched = state->paused_at >= 0 && state->paused_at > state->resumed_at;
  /* next_day: a pause lifts at the midnight after it began (after now, if it trips now). */
  gboolean paused = latched && (!next_day || state->now < next_utc_midnight (state->paused_at));
  gint64 lifts = next_day ? next_utc_midnight (paused ? state->paused_at : state->now) : -1;
  g_autofree char *until = next_day ? format_time (lifts) : NULL;

  if (paused)
    {
      g_autofree char *since = format_time (state->paused_at);

      result->action = PERP_BREAKER_BLOCK;
      result->until = lifts;
      result->reason = next_day
        ? g_strdup_printf (_("Paused since %s (daily drawdown limit -%g R) until %s"), since, limit, until)
        : g_strdup_printf (_("Paused since %s (daily drawdown limit -%g R): resume by hand"), since, limit);
    }
  else if (isnan (state->today_r))
    {
      result->reason = g_strdup_printf (_("Today's result unknown (daily drawdown limit -%g R)"),
                                        limit);
    }
  else if (state->today_r <= -limit)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->until = lifts;
      result->reason = next_day
        ? g_strdup_printf (_("Today %+.2f R reached the daily drawdown limit of -%g R: paused until %s"),
                           state->today_r, limit, until)
        : g_strdup_printf (_("Today %+.2f R reached the daily drawdown limit of -%g R: "
                             "paused until resumed by hand"), state->today_r, limit);
    }
  else
    {
      result->reason = g_strdup_printf (_("Today %+.2f R (daily drawdown limit -%g R)"),
                                        state->today_r, limit);
    }
}

static void
check_max_open (const PerpBreakerParams *params,
                const PerpBreakerState  *state,
                PerpBreakerResult       *result)
{
  guint n = (guint) MIN (state->n_open, (gsize) G_MAXUINT);
  guint limit = params->max_open_positions;

  if (n >= limit)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "Position limit reached: %u position open (limit %u)",
                                                     "Position limit reached: %u positions open (limit %u)",
                                                     n),
                                        n, limit);
    }
  else
    {
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%u position open (limit %u)",
                                                     "%u positions open (limit %u)",
                                                     n),
                                        n, limit);
    }
}

/* Only positions open in the candidate's direction count: a long against an open short
 * of a correlated coin is a hedge, not more of the same bet.  Within those, |corr| is
 * what counts, as the header says; the reason shows the sign. */
static void
check_correlation (const PerpBreakerParams *params,
                   const PerpBreakerState  *state,
                   PerpBreakerResult       *result)
{
  double limit = params->max_correlation;
  const PerpOpenPosition *worst = NULL;
  const PerpOpenPosition *unknown = NULL;

  if (state->direction != PERP_DIRECTION_NONE)
    for (gsize i = 0; i < state->n_open; i++)
      {
        const PerpOpenPosition *p = &state->open[i];

        if (p->direction != state->direction)
          continue;
        if (isnan (p->correlation))
          {
            if (unknown == NULL)
              unknown = p;
            continue;
          }
        if (worst == NULL || fabs (p->correlation) > fabs (worst->correlation))
          worst = p;
      }

  if (worst != NULL && fabs (worst->correlation) >= limit)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->reason = g_strdup_printf (_("Returns correlate %.2f with %s, open in the same direction (limit %.2f)"),
                                        worst->correlation, symbol_or_unknown (worst->symbol), limit);
    }
  else if (worst != NULL && unknown != NULL)
    {
      result->reason = g_strdup_printf (_("Highest correlation with a position open in the same direction: "
                                          "%.2f with %s (limit %.2f); unknown for %s"),
                                        worst->correlation, symbol_or_unknown (worst->symbol), limit,
                                        symbol_or_unknown (unknown->symbol));
    }
  else if (worst != NULL)
    {
      result->reason = g_strdup_printf (_("Highest correlation with a position open in the same direction: "
                                          "%.2f with %s (limit %.2f)"),
                                        worst->correlation, symbol_or_unknown (worst->symbol), limit);
    }
  else if (unknown != NULL)
    {
      result->reason = g_strdup_printf (_("Correlation with %s, open in the same direction, unknown (limit %.2f)"),
                                        symbol_or_unknown (unknown->symbol), limit);
    }
  else
    {
      result->reason = g_strdup (_("No position open in the same direction"));
    }
}

/* Strictly over k times the average blocks; exactly k passes.  When the ATR calms down
 * is not knowable, so @until stays -1. */
static void
check_volatility (const PerpBreakerParams *params,
                  const PerpBreakerState  *state,
                  PerpBreakerResult       *result)
{
  double k = params->volatility_factor;
  double ratio;

  if (!(isfinite (state->atr) && isfinite (state->atr_average) && state->atr_average > 0.0))
    {
      result->reason = g_strdup_printf (_("ATR or its average unknown (limit %g× the average)"), k);
      return;
    }

  ratio = state->atr / state->atr_average;
  if (ratio > k)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->reason = g_strdup_printf (_("Extreme volatility: ATR %g is %.2f× its average %g (limit %g×)"),
                                        state->atr, ratio, state->atr_average, k);
    }
  else
    {
      result->reason = g_strdup_printf (_("ATR %g is %.2f× its average %g (limit %g×)"),
                                        state->atr, ratio, state->atr_average, k);
    }
}

static void
check_market_danger (const PerpBreakerParams *params,
                     const PerpBreakerState  *state,
                     PerpBreakerResult       *result)
{
  double limit = params->market_danger_pct;
  double move = state->btc_change_1h_pct;

  if (isnan (move))
    {
      result->reason = g_strdup_printf (_("BTC 1 h move unknown (limit ±%g %%)"), limit);
      return;
    }

  if (fabs (move) >= limit)
    {
      result->action = PERP_BREAKER_BLOCK;
      result->reason = g_strdup_printf (_("Market danger: BTC moved %+.2f %% in the last hour (limit ±%g %%)"),
                                        move, limit);
    }
  else
    {
      result->reason = g_strdup_printf (_("BTC moved %+.2f %% in the last hour (limit ±%g %%)"),
                                        move, limit);
    }
}

static void
check_low_activity (const PerpBreakerParams *params,
                    const PerpBreakerState  *state,
                    PerpBreakerResult       *result)
{
  guint32 mask = params->low_activity_hours & ALL_HOURS_MASK;
  gint64 day_ms = state->now % PERP_MS_PER_DAY;
  guint hour;
  g_autofree char *hours = NULL;
  g_autofree char *clock = NULL;

  if (mask == 0)
    {
      result->reason = g_strdup (_("No low-activity hours set"));
      return;
    }

  if (day_ms < 0)
    day_ms += PERP_MS_PER_DAY;
  hour = (guint) (day_ms / PERP_MS_PER_HOUR);
  hours = format_hours (mask);
  clock = g_strdup_printf ("%02u:%02u UTC", hour,
                           (guint) (day_ms % PERP_MS_PER_HOUR / PERP_MS_PER_MINUTE));

  if (mask & (1u << hour))
    {
      result->action = PERP_BREAKER_ADJUST;
      result->threshold_raise = params->low_activity_raise;
      result->reason = g_strdup_printf (_("%s is in the low-activity hours (%s UTC): "
                                          "a signal needs %g more confidence points"),
                                        clock, hours, params->low_activity_raise);
    }
  else
    {
      result->reason = g_strdup_printf (_("%s is outside the low-activity hours (%s UTC)"),
                                        clock, hours);
    }
}

static void
check_win_streak (const PerpBreakerParams *params,
                  const PerpBreakerState  *state,
                  PerpBreakerResult       *result)
{
  guint n = state->win_streak;

  if (n >= params->win_streak)
    {
      result->action = PERP_BREAKER_ADJUST;
      result->size_factor = params->win_streak_size;
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%u win in a row (from %u): size × %g",
                                                     "%u wins in a row (from %u): size × %g",
                                                     n),
                                        n, params->win_streak, params->win_streak_size);
    }
  else
    {
      result->reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%u win in a row (size shrinks from %u)",
                                                     "%u wins in a row (size shrinks from %u)",
                                                     n),
                                        n, params->win_streak);
    }
}

typedef void (*CheckFunc) (const PerpBreakerParams *params,
                           const PerpBreakerState  *state,
                           PerpBreakerResult       *result);

static const CheckFunc checks[] = {
  [PERP_BREAKER_COOLDOWN]       = check_cooldown,
  [PERP_BREAKER_SIGNAL_RATE]    = check_signal_rate,
  [PERP_BREAKER_DAILY_DRAWDOWN] = check_daily_drawdown,
  [PERP_BREAKER_MAX_OPEN]       = check_max_open,
  [PERP_BREAKER_CORRELATION]    = check_correlation,
  [PERP_BREAKER_VOLATILITY]     = check_volatility,
  [PERP_BREAKER_MARKET_DANGER]  = check_market_danger,
  [PERP_BREAKER_LOW_ACTIVITY]   = check_low_activity,
  [PERP_BREAKER_WIN_STREAK]     = check_win_streak,
};
G_STATIC_ASSERT (G_N_ELEMENTS (checks) == PERP_N_BREAKERS);

/**
 * perp_breakers_check:
 * @params: (nullable): checked parameters; %NULL for the defaults
 * @state: the snapshot; @state->now must be set (>= 0)
 * @verdict: (out caller-allocates): overwritten, not cleared first; release it with
 *   perp_breaker_verdict_clear()
 *
 * Runs every enabled breaker in #PerpBreaker order.  The verdict's action is the
 * strongest of the results (block over adjust over pass), its threshold raise the sum
 * of theirs and its size factor the product, so two adjustments compound.
 */
void
perp_breakers_check (const PerpBreakerParams *params,
                     const PerpBreakerState  *state,
                     PerpBreakerVerdict      *verdict)
{
  PerpBreakerParams defaults;

  g_return_if_fail (verdict != NULL);

  verdict->action = PERP_BREAKER_PASS;
  verdict->threshold_raise = 0.0;
  verdict->size_factor = 1.0;
  verdict->n_results = 0;

  g_return_if_fail (state != NULL);
  g_return_if_fail (state->now >= 0);
  g_return_if_fail (state->n_open == 0 || state->open != NULL);

  if (params == NULL)
    {
      perp_breaker_params_init (&defaults);
      params = &defaults;
    }

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    {
      PerpBreakerResult *result;

      if (!params->enabled[i])
        continue;

      result = &verdict->results[verdict->n_results++];
      *result = (PerpBreakerResult) {
        .breaker = (PerpBreaker) i,
        .action = PERP_BREAKER_PASS,
        .threshold_raise = 0.0,
        .size_factor = 1.0,
        .until = -1,
        .reason = NULL,
      };
      checks[i] (params, state, result);
      g_assert (result->reason != NULL);

      verdict->action = MAX (verdict->action, result->action);
      verdict->threshold_raise += result->threshold_raise;
      verdict->size_factor *= result->size_factor;
    }
}

/**
 * perp_breaker_verdict_clear:
 *
 * Frees the reasons and leaves an empty passing verdict, ready for reuse.
 */
void
perp_breaker_verdict_clear (PerpBreakerVerdict *verdict)
{
  g_return_if_fail (verdict != NULL);

  for (guint i = 0; i < verdict->n_results && i < PERP_N_BREAKERS; i++)
    g_clear_pointer (&verdict->results[i].reason, g_free);

  verdict->action = PERP_BREAKER_PASS;
  verdict->threshold_raise = 0.0;
  verdict->size_factor = 1.0;
  verdict->n_results = 0;
}

/* ------------------------------------------------------------- correlation */

/**
 * perp_returns_correlation:
 * @close_a: (array length=n): closes of one symbol
 * @close_b: (array length=n): closes of the other, at the same times
 * @n: number of closes
 *
 * Pearson correlation of the simple returns (c[i] / c[i-1] - 1) of the two series:
 * returns, not prices, since two coins that both trended over the window correlate
 * in price whether or not they move together bar by bar.  Two passes (means, then
 * centred sums) for accuracy; the result is clamped to [-1, 1] against rounding.
 *
 * Returns: the correlation of the n - 1 returns; NAN when @n < 3, a close is not a
 *   finite positive number, or either series of returns is constant
 */
double
perp_returns_correlation (const double *close_a,
                          const double *close_b,
                          gsize         n)
{
  double mean_a = 0.0;
  double mean_b = 0.0;
  double sab = 0.0;
  double saa = 0.0;
  double sbb = 0.0;
  double r;
  gsize m;

  if (n < 3)
    return NAN;

  g_return_val_if_fail (close_a != NULL && close_b != NULL, NAN);

  for (gsize i = 0; i < n; i++)
    if (!(isfinite (close_a[i]) && close_a[i] > 0.0 && isfinite (close_b[i]) && close_b[i] > 0.0))
      return NAN;

  m = n - 1;
  for (gsize i = 1; i < n; i++)
    {
      mean_a += close_a[i] / close_a[i - 1] - 1.0;
      mean_b += close_b[i] / close_b[i - 1] - 1.0;
    }
  mean_a /= (double) m;
  mean_b /= (double) m;

  for (gsize i = 1; i < n; i++)
    {
      double da = (close_a[i] / close_a[i - 1] - 1.0) - mean_a;
      double db = (close_b[i] / close_b[i - 1] - 1.0) - mean_b;

      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }

  if (!(saa > 0.0 && sbb > 0.0))
    return NAN;

  r = sab / sqrt (saa * sbb);

  return CLAMP (r, -1.0, 1.0);
}
