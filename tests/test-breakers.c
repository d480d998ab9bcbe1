/* test-breakers.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "core/perp-breakers.h"

#define MINUTE  PERP_MS_PER_MINUTE
#define HOUR    PERP_MS_PER_HOUR
#define DAY     PERP_MS_PER_DAY
#define T0      G_GINT64_CONSTANT (1704067200000)  /* 2024-01-01 00:00 UTC */

/* A candidate at 2024-01-01 14:05 UTC, outside the default low-activity hours, with
 * nothing else going on. */
static void
base_state (PerpBreakerState *state)
{
  perp_breaker_state_init (state);
  state->now = T0 + 14 * HOUR + 5 * MINUTE;
  state->symbol = "BTCUSDT";
  state->direction = PERP_DIRECTION_LONG;
  state->confidence = 70.0;
}

/* Parameters with only @breaker on, so a verdict holds exactly its result. */
static void
only (PerpBreakerParams *params,
      PerpBreaker        breaker)
{
  perp_breaker_params_init (params);
  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    params->enabled[i] = (i == breaker);
}

/* Runs the single enabled breaker and checks the verdict mirrors its result. */
static const PerpBreakerResult *
run_one (const PerpBreakerParams *params,
         const PerpBreakerState  *state,
         PerpBreakerVerdict      *verdict)
{
  perp_breaker_verdict_clear (verdict);
  perp_breakers_check (params, state, verdict);
  g_assert_cmpuint (verdict->n_results, ==, 1);
  g_assert_cmpint (verdict->action, ==, verdict->results[0].action);
  g_assert_cmpfloat (verdict->threshold_raise, ==, verdict->results[0].threshold_raise);
  g_assert_cmpfloat (verdict->size_factor, ==, verdict->results[0].size_factor);
  g_assert_nonnull (verdict->results[0].reason);
  g_test_message ("%s: %s: %s", perp_breaker_name (verdict->results[0].breaker),
                  perp_breaker_action_name (verdict->results[0].action),
                  verdict->results[0].reason);

  return &verdict->results[0];
}

static void
assert_result (const PerpBreakerResult *result,
               PerpBreakerAction        action,
               gint64                   until)
{
  g_assert_cmpint (result->action, ==, action);
  g_assert_cmpint (result->until, ==, until);
  if (action != PERP_BREAKER_ADJUST)
    {
      g_assert_cmpfloat (result->threshold_raise, ==, 0.0);
      g_assert_cmpfloat (result->size_factor, ==, 1.0);
    }
}

/* Every needle must appear in the reason (NULL-terminated list). */
static void
assert_reason_has (const PerpBreakerResult *result,
                   ...)
{
  va_list args;
  const char *needle;

  va_start (args, result);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (strstr (result->reason, needle) == NULL)
      g_error ("reason \"%s\" lacks \"%s\"", result->reason, needle);
  va_end (args);
}

static const PerpBreakerResult *
find_result (const PerpBreakerVerdict *verdict,
             PerpBreaker               breaker)
{
  for (guint i = 0; i < verdict->n_results; i++)
    if (verdict->results[i].breaker == breaker)
      return &verdict->results[i];

  return NULL;
}

/* ------------------------------------------------------------------ basics */

static void
test_names (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    {
      const char *name = perp_breaker_name ((PerpBreaker) i);

      g_assert_nonnull (name);
      g_assert_cmpint (perp_breaker_from_name (name), ==, i);
      g_assert_true (g_hash_table_add (seen, (gpointer) name));
      for (const char *c = name; *c; c++)
        g_assert_true (g_ascii_islower (*c) || *c == '_');
    }

  g_assert_cmpint (perp_breaker_from_name ("cool_down"), ==, PERP_N_BREAKERS);
  g_assert_cmpint (perp_breaker_from_name (""), ==, PERP_N_BREAKERS);
  g_assert_cmpstr (perp_breaker_name (PERP_BREAKER_COOLDOWN), ==, "cooldown");
  g_assert_cmpstr (perp_breaker_name (PERP_BREAKER_WIN_STREAK), ==, "win_streak");
  g_assert_cmpstr (perp_breaker_action_name (PERP_BREAKER_PASS), ==, "pass");
  g_assert_cmpstr (perp_breaker_action_name (PERP_BREAKER_ADJUST), ==, "adjust");
  g_assert_cmpstr (perp_breaker_action_name (PERP_BREAKER_BLOCK), ==, "block");
}

static void
test_state_init (void)
{
  PerpBreakerState s;

  memset (&s, 0x5a, sizeof s);
  perp_breaker_state_init (&s);
  g_assert_cmpint (s.now, ==, -1);
  g_assert_cmpint (s.last_stop_out, ==, -1);
  g_assert_cmpint (s.paused_at, ==, -1);
  g_assert_cmpint (s.resumed_at, ==, -1);
  g_assert_true (isnan (s.atr));
  g_assert_true (isnan (s.atr_average));
  g_assert_true (isnan (s.btc_change_1h_pct));
  g_assert_null (s.symbol);
  g_assert_null (s.open);
  g_assert_cmpuint (s.n_open, ==, 0);
  g_assert_cmpuint (s.signals_last_hour, ==, 0);
  g_assert_cmpuint (s.win_streak, ==, 0);
  g_assert_cmpfloat (s.today_r, ==, 0.0);
  g_assert_cmpint (s.direction, ==, PERP_DIRECTION_NONE);
}

/* The defaults are valid, all on, and the low-activity hours are one block of four
 * consecutive hours (what the .c derives from BTCUSDT volume). */
static void
test_params_defaults (void)
{
  PerpBreakerParams p;
  g_autoptr(GError) error = NULL;
  guint n_hours = 0;
  guint n_starts = 0;

  perp_breaker_params_init (&p);
  g_assert_true (perp_breaker_params_check (&p, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    g_assert_true (p.enabled[i]);

  for (guint h = 0; h < 24; h++)
    {
      gboolean on = (p.low_activity_hours >> h) & 1;
      gboolean before = (p.low_activity_hours >> ((h + 23) % 24)) & 1;

      n_hours += on;
      n_starts += on && !before;
    }
  g_assert_cmpuint (n_hours, ==, 4);
  g_assert_cmpuint (n_starts, ==, 1);
  g_assert_cmpuint (p.low_activity_hours >> 24, ==, 0);
}

static void
assert_params_error (const PerpBreakerParams *p,
                     const char              *key,
                     const char              *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (perp_breaker_params_check (p, &error));
  g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, key));
  g_assert_nonnull (strstr (error->message, value));
}

/* Each bad value is reported under its YAML key, with the value. */
static void
test_params_errors (void)
{
  PerpBreakerParams good;
  PerpBreakerParams p;

  perp_breaker_params_init (&good);

  p = good;
  p.enabled[PERP_BREAKER_VOLATILITY] = 2;
  assert_params_error (&p, "breakers.enabled.volatility ", "2");

  p = good;
  p.cooldown_ms = -MINUTE;
  assert_params_error (&p, "breakers.cooldown ", "-1 min");
  p.cooldown_ms = 31 * DAY;
  assert_params_error (&p, "breakers.cooldown ", "44640 min");
  p.cooldown_ms = 0;
  g_assert_true (perp_breaker_params_check (&p, NULL));

  p = good;
  p.max_signals_per_hour = 0;
  assert_params_error (&p, "breakers.max_signals_per_hour ", "0");

  p = good;
  p.daily_drawdown_r = -2.0;
  assert_params_error (&p, "breakers.daily_drawdown_r ", "-2");
  p.daily_drawdown_r = NAN;
  assert_params_error (&p, "breakers.daily_drawdown_r ", "nan");

  p = good;
  p.max_open_positions = 0;
  assert_params_error (&p, "breakers.max_open_positions ", "0");

  p = good;
  p.max_correlation = 1.5;
  assert_params_error (&p, "breakers.max_correlation ", "1.5");
  p.max_correlation = -0.1;
  assert_params_error (&p, "breakers.max_correlation ", "-0.1");
  p.max_correlation = 1.0;
  g_assert_true (perp_breaker_params_check (&p, NULL));

  p = good;
  p.volatility_factor = 0.5;
  assert_params_error (&p, "breakers.volatility_factor ", "0.5");
  p.volatility_factor = INFINITY;
  assert_params_error (&p, "breakers.volatility_factor ", "inf");

  p = good;
  p.market_danger_pct = 0.0;
  assert_params_error (&p, "breakers.market_danger_pct ", "0");

  p = good;
  p.low_activity_hours = 1u << 24;
  assert_params_error (&p, "breakers.low_activity_hours ", "0x1000000");

  p = good;
  p.low_activity_raise = 120.0;
  assert_params_error (&p, "breakers.low_activity_raise ", "120");

  p = good;
  p.win_streak = 0;
  assert_params_error (&p, "breakers.win_streak ", "0");

  p = good;
  p.win_streak_size = 1.25;
  assert_params_error (&p, "breakers.win_streak_size ", "1.25");
  p.win_streak_size = 0.0;
  assert_params_error (&p, "breakers.win_streak_size ", "0");
  p.win_streak_size = 1.0;
  g_assert_true (perp_breaker_params_check (&p, NULL));
}

/* --------------------------------------------------------------- breakers */

static void
test_cooldown (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;
  gint64 stop = T0 + 13 * HOUR;          /* 2024-01-01 13:00 UTC */

  only (&p, PERP_BREAKER_COOLDOWN);
  base_state (&s);

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "BTCUSDT", "2 h", NULL);

  /* 1 h 05 min after the stop-out: blocked until 15:00. */
  s.last_stop_out = stop;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, stop + 2 * HOUR);
  assert_reason_has (r, "BTCUSDT", "2024-01-01 13:00 UTC", "2024-01-01 15:00 UTC", "2 h", NULL);

  /* One millisecond before the end still blocks; the end itself passes. */
  s.now = stop + p.cooldown_ms - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, stop + p.cooldown_ms);
  s.now = stop + p.cooldown_ms;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "BTCUSDT", "2 h", "2024-01-01 13:00 UTC", NULL);

  /* The stop-out itself and a cooldown in minutes. */
  p.cooldown_ms = 90 * MINUTE;
  s.now = stop;
  s.symbol = "ETHUSDT";
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, stop + 90 * MINUTE);
  assert_reason_has (r, "ETHUSDT", "90 min", "2024-01-01 14:30 UTC", NULL);

  perp_breaker_verdict_clear (&v);
}

static void
test_signal_rate (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_SIGNAL_RATE);
  base_state (&s);

  /* The candidate is not counted: with limit - 1 signals in the hour it is the last
   * one allowed. */
  s.signals_last_hour = p.max_signals_per_hour - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "5 signals", "6", NULL);

  s.signals_last_hour = p.max_signals_per_hour;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "6 signals", "6 per hour", NULL);

  p.max_signals_per_hour = 2;
  s.signals_last_hour = 9;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "9 signals", "2 per hour", NULL);

  perp_breaker_verdict_clear (&v);
}

static void
test_daily_drawdown (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_DAILY_DRAWDOWN);
  base_state (&s);

  s.today_r = nextafter (-p.daily_drawdown_r, 0.0);
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "-3.00 R", "-3 R", NULL);

  /* Exactly at the limit trips it, and it never lifts by itself. */
  s.today_r = -p.daily_drawdown_r;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "-3.00 R", "-3 R", "resumed by hand", NULL);

  s.today_r = -4.25;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "-4.25 R", NULL);

  /* The journal records the pause at 14:05.  Later that day a win brings today back
   * within the limit, and the next day is flat: still paused, in both. */
  s.paused_at = s.now;
  s.now += 2 * HOUR;
  s.today_r = -1.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "2024-01-01 14:05 UTC", "resume by hand", NULL);

  s.now += DAY;
  s.today_r = 0.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "2024-01-01 14:05 UTC", NULL);

  /* A resume older than the pause does not count; one after it does, and so does one
   * at the same instant (the pause holds while paused_at > resumed_at). */
  s.resumed_at = s.paused_at - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);

  s.resumed_at = s.paused_at + 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "+0.00 R", NULL);
  s.resumed_at = s.paused_at;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  /* A resume does not raise the limit: a day still past it trips again. */
  s.today_r = -3.5;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "-3.50 R", NULL);

  /* An unknown result passes and says so. */
  s.today_r = NAN;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "unknown", NULL);

  perp_breaker_verdict_clear (&v);
}

/* Ended at the next UTC midnight: the pause blocks until then, says when, and the new
 * day passes; a day still past the limit trips again, until the next midnight. */
static void
test_daily_drawdown_next_day (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;
  gint64 midnight = T0 + DAY;  /* T0 is a UTC midnight; the base state is 14:05 that day */

  only (&p, PERP_BREAKER_DAILY_DRAWDOWN);
  p.daily_drawdown_resume = PERP_RESUME_NEXT_DAY;
  g_assert_true (perp_breaker_params_check (&p, NULL));
  base_state (&s);

  s.today_r = -3.25;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, midnight);
  assert_reason_has (r, "-3.25 R", "2024-01-02 00:00 UTC", NULL);

  /* Journaled at 14:05; a win later that day does not lift it before midnight. */
  s.paused_at = s.now;
  s.today_r = -1.0;
  s.now = midnight - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, midnight);
  assert_reason_has (r, "2024-01-01 14:05 UTC", "2024-01-02 00:00 UTC", NULL);

  s.now = midnight;
  s.today_r = 0.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  /* A resume by hand still lifts it early. */
  s.now = midnight - HOUR;
  s.resumed_at = s.now - MINUTE;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  /* The new day's own loss pauses to the midnight after it. */
  s.now = midnight + 20 * HOUR;
  s.today_r = -3.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, midnight + DAY);

  /* By hand, the same states stay paused after midnight. */
  p.daily_drawdown_resume = PERP_RESUME_BY_HAND;
  s.resumed_at = -1;
  s.now = midnight;
  s.today_r = 0.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);

  p.daily_drawdown_resume = 7;
  g_assert_false (perp_breaker_params_check (&p, NULL));

  perp_breaker_verdict_clear (&v);
}

static void
test_max_open (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;
  PerpOpenPosition open[4] = {
    { "ETHUSDT", PERP_DIRECTION_LONG, 100.0, NAN },
    { "SOLUSDT", PERP_DIRECTION_SHORT, 100.0, NAN },
    { "XRPUSDT", PERP_DIRECTION_LONG, 100.0, NAN },
    { "ADAUSDT", PERP_DIRECTION_SHORT, 100.0, NAN },
  };

  only (&p, PERP_BREAKER_MAX_OPEN);
  base_state (&s);
  s.open = open;

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "0 positions", "3", NULL);

  s.n_open = p.max_open_positions - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "2 positions", "3", NULL);

  s.n_open = p.max_open_positions;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "3 positions", "limit 3", NULL);

  s.n_open = 4;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "4 positions", NULL);

  perp_breaker_verdict_clear (&v);
}

static void
test_correlation (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;
  PerpOpenPosition open[3] = {
    { "ETHUSDT", PERP_DIRECTION_SHORT, 100.0, 0.95 },
    { "SOLUSDT", PERP_DIRECTION_LONG, 100.0, 0.79 },
    { "XRPUSDT", PERP_DIRECTION_LONG, 100.0, NAN },
  };

  only (&p, PERP_BREAKER_CORRELATION);
  base_state (&s);
  s.open = open;

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "No position", NULL);

  /* Strongly correlated, but open the other way: a hedge, not more of the same. */
  s.n_open = 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  /* Same direction, just under the limit. */
  s.n_open = 2;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "0.79", "SOLUSDT", "0.80", NULL);

  /* A short candidate now meets the ETH short. */
  s.direction = PERP_DIRECTION_SHORT;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "0.95", "ETHUSDT", "0.80", NULL);

  /* Exactly at the limit blocks, and so does a strong negative correlation. */
  s.direction = PERP_DIRECTION_LONG;
  open[1].correlation = p.max_correlation;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "SOLUSDT", NULL);
  open[1].correlation = -0.85;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "-0.85", "SOLUSDT", NULL);

  /* Unknown correlations pass and are named. */
  open[1].correlation = 0.1;
  s.n_open = 3;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "0.10", "SOLUSDT", "unknown", "XRPUSDT", NULL);
  open[1].correlation = NAN;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "unknown", "SOLUSDT", NULL);

  /* No direction, nothing to compare with. */
  open[1].correlation = 0.99;
  s.direction = PERP_DIRECTION_NONE;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  perp_breaker_verdict_clear (&v);
}

static void
test_volatility (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_VOLATILITY);
  base_state (&s);

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "unknown", "2.5", NULL);

  s.atr = 250.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "unknown", NULL);
  s.atr_average = 0.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "unknown", NULL);

  /* Exactly k times the average passes, anything over blocks. */
  s.atr_average = 100.0;
  s.atr = p.volatility_factor * s.atr_average;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "250", "2.50", "100", "2.5", NULL);

  s.atr = nextafter (p.volatility_factor * s.atr_average, INFINITY);
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);

  s.atr = 312.0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "312", "3.12", "100", "2.5", NULL);

  perp_breaker_verdict_clear (&v);
}

static void
test_market_danger (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_MARKET_DANGER);
  base_state (&s);

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "BTC 1 h move unknown", NULL);

  s.btc_change_1h_pct = 2.99;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "+2.99 %", "3 %", NULL);

  s.btc_change_1h_pct = p.market_danger_pct;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "+3.00 %", NULL);

  s.btc_change_1h_pct = -3.5;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_BLOCK, -1);
  assert_reason_has (r, "-3.50 %", "3 %", NULL);

  perp_breaker_verdict_clear (&v);
}

static void
test_low_activity (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_LOW_ACTIVITY);
  p.low_activity_hours = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6);
  p.low_activity_raise = 12.5;
  base_state (&s);

  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "14:05 UTC", "03:00-07:00", NULL);

  /* The first and the last minute of the block, and the minute after it; on another
   * day too. */
  s.now = T0 + 3 * HOUR;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_ADJUST, -1);
  g_assert_cmpfloat (r->threshold_raise, ==, 12.5);
  g_assert_cmpfloat (r->size_factor, ==, 1.0);
  assert_reason_has (r, "03:00 UTC", "03:00-07:00", "12.5", NULL);

  s.now = T0 + 40 * DAY + 7 * HOUR - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_ADJUST, -1);
  assert_reason_has (r, "06:59 UTC", NULL);

  s.now = T0 + 40 * DAY + 7 * HOUR;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  g_assert_cmpfloat (r->threshold_raise, ==, 0.0);

  /* A block across midnight reads as one span, another apart from it. */
  p.low_activity_hours = (1u << 22) | (1u << 23) | (1u << 0) | (1u << 12);
  s.now = T0 + 23 * HOUR + 30 * MINUTE;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_ADJUST, -1);
  assert_reason_has (r, "23:30 UTC", "22:00-01:00", "12:00-13:00", NULL);

  p.low_activity_hours = 0;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);

  perp_breaker_verdict_clear (&v);
}

static void
test_win_streak (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  const PerpBreakerResult *r;

  only (&p, PERP_BREAKER_WIN_STREAK);
  p.win_streak_size = 0.6;
  base_state (&s);

  s.win_streak = p.win_streak - 1;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_PASS, -1);
  assert_reason_has (r, "4 wins", "5", NULL);

  s.win_streak = p.win_streak;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_ADJUST, -1);
  g_assert_cmpfloat (r->size_factor, ==, 0.6);
  g_assert_cmpfloat (r->threshold_raise, ==, 0.0);
  assert_reason_has (r, "5 wins", "0.6", NULL);

  s.win_streak = 11;
  r = run_one (&p, &s, &v);
  assert_result (r, PERP_BREAKER_ADJUST, -1);
  assert_reason_has (r, "11 wins", "0.6", NULL);

  perp_breaker_verdict_clear (&v);
}

/* ----------------------------------------------------------------- verdict */

/* Disabled breakers produce no result, whatever the state would make them say. */
static void
test_disabled (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  guint n_enabled = 0;

  perp_breaker_params_init (&p);
  base_state (&s);
  s.now = T0 + 4 * HOUR;          /* low activity */
  s.win_streak = 50;
  s.last_stop_out = s.now;
  s.btc_change_1h_pct = 10.0;

  perp_breakers_check (&p, &s, &v);
  g_assert_cmpuint (v.n_results, ==, PERP_N_BREAKERS);
  for (guint i = 0; i < v.n_results; i++)
    g_assert_cmpint (v.results[i].breaker, ==, i);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_BLOCK);
  perp_breaker_verdict_clear (&v);

  p.enabled[PERP_BREAKER_COOLDOWN] = FALSE;
  p.enabled[PERP_BREAKER_MARKET_DANGER] = FALSE;
  p.enabled[PERP_BREAKER_WIN_STREAK] = FALSE;
  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    n_enabled += p.enabled[i];

  perp_breakers_check (&p, &s, &v);
  g_assert_cmpuint (v.n_results, ==, n_enabled);
  g_assert_null (find_result (&v, PERP_BREAKER_COOLDOWN));
  g_assert_null (find_result (&v, PERP_BREAKER_MARKET_DANGER));
  g_assert_null (find_result (&v, PERP_BREAKER_WIN_STREAK));
  for (guint i = 1; i < v.n_results; i++)
    g_assert_cmpint (v.results[i - 1].breaker, <, v.results[i].breaker);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_ADJUST);
  g_assert_cmpfloat (v.size_factor, ==, 1.0);
  g_assert_cmpfloat (v.threshold_raise, ==, p.low_activity_raise);
  perp_breaker_verdict_clear (&v);

  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    p.enabled[i] = FALSE;
  perp_breakers_check (&p, &s, &v);
  g_assert_cmpuint (v.n_results, ==, 0);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_PASS);
  g_assert_cmpfloat (v.size_factor, ==, 1.0);
  g_assert_cmpfloat (v.threshold_raise, ==, 0.0);
  perp_breaker_verdict_clear (&v);
}

static void
assert_combined (const PerpBreakerVerdict *v)
{
  PerpBreakerAction action = PERP_BREAKER_PASS;
  double raise = 0.0;
  double size = 1.0;

  for (guint i = 0; i < v->n_results; i++)
    {
      action = MAX (action, v->results[i].action);
      raise += v->results[i].threshold_raise;
      size *= v->results[i].size_factor;
    }
  g_assert_cmpint (v->action, ==, action);
  g_assert_cmpfloat (v->threshold_raise, ==, raise);
  g_assert_cmpfloat (v->size_factor, ==, size);
}

/* Two adjustments compound (raises add, sizes multiply); any block wins; the same
 * state gives the same verdict. */
static void
test_verdict (void)
{
  PerpBreakerParams p;
  PerpBreakerState s;
  PerpBreakerVerdict v = { 0 };
  PerpBreakerVerdict again = { 0 };
  const PerpBreakerResult *low;
  const PerpBreakerResult *streak;

  perp_breaker_params_init (&p);
  p.low_activity_hours = 1u << 4;
  p.low_activity_raise = 7.0;
  p.win_streak_size = 0.75;
  base_state (&s);
  s.now = T0 + 4 * HOUR + 10 * MINUTE;
  s.win_streak = p.win_streak;
  s.btc_change_1h_pct = 0.4;
  s.atr = 90.0;
  s.atr_average = 100.0;

  perp_breakers_check (&p, &s, &v);
  assert_combined (&v);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_ADJUST);
  low = find_result (&v, PERP_BREAKER_LOW_ACTIVITY);
  streak = find_result (&v, PERP_BREAKER_WIN_STREAK);
  g_assert_cmpint (low->action, ==, PERP_BREAKER_ADJUST);
  g_assert_cmpint (streak->action, ==, PERP_BREAKER_ADJUST);
  g_assert_cmpfloat (v.threshold_raise, ==, low->threshold_raise + streak->threshold_raise);
  g_assert_cmpfloat (v.size_factor, ==, low->size_factor * streak->size_factor);
  g_assert_cmpfloat (v.threshold_raise, ==, 7.0);
  g_assert_cmpfloat (v.size_factor, ==, 0.75);

  /* Run twice on the same state: identical. */
  perp_breakers_check (&p, &s, &again);
  g_assert_cmpuint (again.n_results, ==, v.n_results);
  for (guint i = 0; i < v.n_results; i++)
    {
      g_assert_cmpint (again.results[i].action, ==, v.results[i].action);
      g_assert_cmpstr (again.results[i].reason, ==, v.results[i].reason);
    }
  perp_breaker_verdict_clear (&again);
  perp_breaker_verdict_clear (&v);

  /* A block on top of the adjustments wins; the adjustments are still summed. */
  s.signals_last_hour = p.max_signals_per_hour;
  perp_breakers_check (&p, &s, &v);
  assert_combined (&v);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_BLOCK);
  g_assert_cmpint (find_result (&v, PERP_BREAKER_SIGNAL_RATE)->action, ==, PERP_BREAKER_BLOCK);
  g_assert_cmpfloat (v.threshold_raise, ==, 7.0);
  g_assert_cmpfloat (v.size_factor, ==, 0.75);
  perp_breaker_verdict_clear (&v);

  /* Cleared: empty and passing. */
  g_assert_cmpuint (v.n_results, ==, 0);
  g_assert_cmpint (v.action, ==, PERP_BREAKER_PASS);

  /* NULL params are the defaults. */
  perp_breaker_params_init (&p);
  perp_breakers_check (NULL, &s, &v);
  perp_breakers_check (&p, &s, &again);
  g_assert_cmpuint (v.n_results, ==, again.n_results);
  g_assert_cmpint (v.action, ==, again.action);
  g_assert_cmpfloat (v.size_factor, ==, again.size_factor);
  g_assert_cmpfloat (v.threshold_raise, ==, again.threshold_raise);
  perp_breaker_verdict_clear (&again);
  perp_breaker_verdict_clear (&v);
}

/* ------------------------------------------------------------- correlation */

/* Pearson correlation of simple returns, the textbook way: returns into arrays, then
 * means, then centred sums. */
static double
reference_correlation (const double *a,
                       const double *b,
                       gsize         n)
{
  g_autofree double *ra = g_new (double, n - 1);
  g_autofree double *rb = g_new (double, n - 1);
  double ma = 0.0;
  double mb = 0.0;
  double sab = 0.0;
  double saa = 0.0;
  double sbb = 0.0;

  for (gsize i = 1; i < n; i++)
    {
      ra[i - 1] = (a[i] - a[i - 1]) / a[i - 1];
      rb[i - 1] = (b[i] - b[i - 1]) / b[i - 1];
      ma += ra[i - 1];
      mb += rb[i - 1];
    }
  ma /= (double) (n - 1);
  mb /= (double) (n - 1);
  for (gsize i = 0; i < n - 1; i++)
    {
      sab += (ra[i] - ma) * (rb[i] - mb);
      saa += (ra[i] - ma) * (ra[i] - ma);
      sbb += (rb[i] - mb) * (rb[i] - mb);
    }

  return sab / (sqrt (saa) * sqrt (sbb));
}

/* BTC and ETH 5m closes over the same two days (2024-01-01 and 02). */
static void
test_correlation_real (void)
{
  g_autofree char *btc_path = perp_test_fixture_path ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autofree char *eth_path = perp_test_fixture_path ("ETHUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) btc = NULL;
  g_autoptr(PerpCandles) eth = NULL;
  const double *cb;
  const double *ce;
  guint n;
  double r;
  double reference;
  double self;

  btc = perp_candle_csv_load (btc_path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  eth = perp_candle_csv_load (eth_path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);

  n = perp_candles_get_length (btc);
  g_assert_cmpuint (n, >, 100);
  g_assert_cmpuint (perp_candles_get_length (eth), ==, n);
  g_assert_cmpmem (perp_candles_get_open_time (btc), n * sizeof (gint64),
                   perp_candles_get_open_time (eth), n * sizeof (gint64));
  cb = perp_candles_get_close (btc);
  ce = perp_candles_get_close (eth);

  r = perp_returns_correlation (cb, ce, n);
  reference = reference_correlation (cb, ce, n);
  g_test_message ("BTC/ETH 5m return correlation over %u candles: %.6f (reference %.6f)",
                  n, r, reference);
  g_assert_cmpfloat_with_epsilon (r, reference, 1e-12);
  g_assert_cmpfloat (r, >, 0.7);
  g_assert_cmpfloat (r, <=, 1.0);

  /* Symmetric; a series with itself is 1; a shorter window is a different number. */
  g_assert_cmpfloat_with_epsilon (perp_returns_correlation (ce, cb, n), r, 1e-15);
  self = perp_returns_correlation (cb, cb, n);
  g_assert_cmpfloat_with_epsilon (self, 1.0, 1e-12);
  g_assert_cmpfloat (self, <=, 1.0);
  g_assert_cmpfloat_with_epsilon (perp_returns_correlation (cb, ce, 50),
                                  reference_correlation (cb, ce, 50), 1e-12);

  /* Scaling one series leaves the returns, and so the correlation, unchanged. */
  {
    g_autofree double *scaled = g_new (double, n);

    for (guint i = 0; i < n; i++)
      scaled[i] = ce[i] * 4.0;
    g_assert_cmpfloat_with_epsilon (perp_returns_correlation (cb, scaled, n), r, 1e-12);
  }
}

static void
test_correlation_degenerate (void)
{
  const double rising[] = { 100.0, 101.0, 100.5, 102.0 };
  const double flat[] = { 50.0, 50.0, 50.0, 50.0 };
  const double mirror[] = { 100.0, 99.0, 99.5, 98.0 };
  const double bad[] = { 100.0, NAN, 100.5, 102.0 };
  const double zero[] = { 100.0, 0.0, 100.5, 102.0 };

  g_assert_true (isnan (perp_returns_correlation (rising, rising, 2)));
  g_assert_true (isnan (perp_returns_correlation (rising, rising, 0)));
  g_assert_true (isnan (perp_returns_correlation (rising, flat, 4)));
  g_assert_true (isnan (perp_returns_correlation (flat, rising, 4)));
  g_assert_true (isnan (perp_returns_correlation (rising, bad, 4)));
  g_assert_true (isnan (perp_returns_correlation (zero, rising, 4)));
  g_assert_cmpfloat_with_epsilon (perp_returns_correlation (rising, rising, 3), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (perp_returns_correlation (rising, mirror, 4),
                                  reference_correlation (rising, mirror, 4), 1e-12);
  g_assert_cmpfloat (perp_returns_correlation (rising, mirror, 4), <, -0.9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/breakers/names", test_names);
  g_test_add_func ("/breakers/state-init", test_state_init);
  g_test_add_func ("/breakers/params/defaults", test_params_defaults);
  g_test_add_func ("/breakers/params/errors-name-the-key", test_params_errors);
  g_test_add_func ("/breakers/cooldown", test_cooldown);
  g_test_add_func ("/breakers/signal-rate", test_signal_rate);
  g_test_add_func ("/breakers/daily-drawdown/pause-until-resumed", test_daily_drawdown);
  g_test_add_func ("/breakers/daily-drawdown/next-day", test_daily_drawdown_next_day);
  g_test_add_func ("/breakers/max-open", test_max_open);
  g_test_add_func ("/breakers/correlation/same-direction", test_correlation);
  g_test_add_func ("/breakers/volatility", test_volatility);
  g_test_add_func ("/breakers/market-danger", test_market_danger);
  g_test_add_func ("/breakers/low-activity", test_low_activity);
  g_test_add_func ("/breakers/win-streak", test_win_streak);
  g_test_add_func ("/breakers/verdict/disabled-give-no-result", test_disabled);
  g_test_add_func ("/breakers/verdict/combine", test_verdict);
  g_test_add_func ("/breakers/returns-correlation/btc-eth-5m", test_correlation_real);
  g_test_add_func ("/breakers/returns-correlation/degenerate", test_correlation_degenerate);

  return g_test_run ();
}
