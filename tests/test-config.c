/* test-config.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "io/perp-config.h"

#define SOURCE "perpscope.yaml"

/* ------------------------------------------------------------------ helpers */

static char *
example_path (void)
{
  return g_build_filename (PERP_SOURCE_DIR, "data", "perpscope.example.yaml", NULL);
}

static PerpConfig *
load_text (const char  *text,
           GError     **error)
{
  return perp_config_load_data (text, strlen (text), SOURCE, error);
}

static PerpConfig *
load_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  PerpConfig *config = load_text (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);

  return config;
}

#define assert_contains(haystack, needle) \
  assert_contains_impl (__FILE__, __LINE__, G_STRFUNC, (haystack), (needle))

static void
assert_contains_impl (const char *file,
                      int         line,
                      const char *func,
                      const char *haystack,
                      const char *needle)
{
  g_autofree char *message = NULL;

  if (haystack != NULL && strstr (haystack, needle) != NULL)
    return;

  message = g_strdup_printf ("\"%s\" does not contain \"%s\"",
                             haystack != NULL ? haystack : "(null)", needle);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/*
 * Loads @text, which must fail with @code, and checks that the message starts with
 * "perpscope.yaml:LINE:COLUMN: " and then @key (a dotted key, or any text that must
 * follow the position).  Returns the message for further checks.
 */
#define assert_load_error(text, code, line, column, key) \
  assert_load_error_impl (__FILE__, __LINE__, G_STRFUNC, (text), (code), (line), (column), (key))
/* The same, where the message needs no further check. */
#define expect_load_error(text, code, line, column, key) \
  g_free (assert_load_error_impl (__FILE__, __LINE__, G_STRFUNC, (text), (code), (line), (column), (key)))

static char *
assert_load_error_impl (const char      *file,
                        int              line_no,
                        const char      *func,
                        const char      *text,
                        PerpConfigError  code,
                        guint            line,
                        guint            column,
                        const char      *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) config = load_text (text, &error);
  g_autofree char *prefix = NULL;

  if (config != NULL || !g_error_matches (error, PERP_CONFIG_ERROR, (int) code))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("expected PERP_CONFIG_ERROR %d, got %s %d: %s", (int) code,
                                 error != NULL ? g_quark_to_string (error->domain) : "no error",
                                 error != NULL ? error->code : -1,
                                 error != NULL ? error->message : "");
      g_assertion_message (G_LOG_DOMAIN, file, line_no, func, message);
      return NULL;
    }

  prefix = g_strdup_printf (SOURCE ":%u:%u: %s", line, column, key);
  if (!g_str_has_prefix (error->message, prefix))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("\"%s\" does not start with \"%s\"", error->message, prefix);
      g_assertion_message (G_LOG_DOMAIN, file, line_no, func, message);
    }

  return g_strdup (error->message);
}

static void
assert_same_structure (const PerpStructureConfig *a,
                       const PerpStructureConfig *b)
{
  g_assert_cmpuint (a->internal_length, ==, b->internal_length);
  g_assert_cmpuint (a->swing_length, ==, b->swing_length);
  g_assert_cmpuint (a->equal_length, ==, b->equal_length);
  g_assert_cmpint (a->wick_break, ==, b->wick_break);
  g_assert_cmpint (a->close_mitigation, ==, b->close_mitigation);
  g_assert_cmpint (a->volatility, ==, b->volatility);
  g_assert_cmpfloat (a->volatility_factor, ==, b->volatility_factor);
  g_assert_cmpuint (a->atr_length, ==, b->atr_length);
  g_assert_cmpint (a->fvg_auto_threshold, ==, b->fvg_auto_threshold);
  g_assert_cmpint (a->fvg_join, ==, b->fvg_join);
  g_assert_cmpint (a->equal_tolerance_mode, ==, b->equal_tolerance_mode);
  g_assert_cmpfloat (a->equal_tolerance, ==, b->equal_tolerance);
  g_assert_cmpint (a->leg_depth, ==, b->leg_depth);
  g_assert_cmpuint (a->n_fib_levels, ==, b->n_fib_levels);
  for (guint i = 0; i < PERP_STRUCTURE_MAX_FIB_LEVELS; i++)
    g_assert_cmpfloat (a->fib_levels[i], ==, b->fib_levels[i]);
  g_assert_cmpstr (a->time_zone, ==, b->time_zone);
  g_assert_cmpuint (a->n_killzones, ==, b->n_killzones);
  for (guint k = 0; k < a->n_killzones; k++)
    {
      g_assert_cmpstr (a->killzones[k].name, ==, b->killzones[k].name);
      g_assert_cmpuint (a->killzones[k].start_minute, ==, b->killzones[k].start_minute);
      g_assert_cmpuint (a->killzones[k].end_minute, ==, b->killzones[k].end_minute);
    }
}

static void
assert_same_score (const PerpScoreParams *a,
                   const PerpScoreParams *b)
{
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      g_assert_cmpfloat (a->weights[f], ==, b->weights[f]);
      g_assert_cmpint (a->stale_after_ms[f], ==, b->stale_after_ms[f]);
      g_assert_cmpint (a->missing_after_ms[f], ==, b->missing_after_ms[f]);
    }
  g_assert_cmpfloat (a->stale_trust, ==, b->stale_trust);
  g_assert_cmpfloat (a->tier_high, ==, b->tier_high);
  g_assert_cmpfloat (a->tier_medium, ==, b->tier_medium);
  g_assert_cmpfloat (a->tier_low, ==, b->tier_low);
  g_assert_cmpfloat (a->mtf_multiplier, ==, b->mtf_multiplier);
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    g_assert_cmpfloat (a->killzone_boost[k], ==, b->killzone_boost[k]);
  g_assert_cmpuint (a->sweep_lookback, ==, b->sweep_lookback);
  g_assert_cmpfloat (a->pool_max_distance, ==, b->pool_max_distance);
  g_assert_cmpuint (a->break_lookback, ==, b->break_lookback);
  g_assert_cmpfloat (a->fib_tolerance, ==, b->fib_tolerance);
  g_assert_cmpint (a->flow_window_ms, ==, b->flow_window_ms);
  g_assert_cmpuint (a->divergence_lookback, ==, b->divergence_lookback);
  g_assert_cmpint (a->oi_window_ms, ==, b->oi_window_ms);
  g_assert_cmpfloat (a->oi_full_change_pct, ==, b->oi_full_change_pct);
  g_assert_cmpuint (a->volume_average, ==, b->volume_average);
  g_assert_cmpfloat (a->volume_spike, ==, b->volume_spike);
  g_assert_cmpuint (a->book_band, ==, b->book_band);
  g_assert_cmpint (a->htf_interval, ==, b->htf_interval);
}

static void
assert_same_plan (const PerpPlanParams *a,
                  const PerpPlanParams *b)
{
  g_assert_cmpfloat (a->stop_buffer_atr, ==, b->stop_buffer_atr);
  g_assert_cmpfloat (a->atr_stop, ==, b->atr_stop);
  g_assert_cmpfloat (a->min_stop_atr, ==, b->min_stop_atr);
  g_assert_cmpfloat (a->max_stop_atr, ==, b->max_stop_atr);
  g_assert_cmpfloat (a->min_stop_pct, ==, b->min_stop_pct);
  g_assert_cmpfloat (a->max_stop_pct, ==, b->max_stop_pct);
  g_assert_cmpuint (a->n_targets, ==, b->n_targets);
  for (guint t = 0; t < PERP_PLAN_MAX_TARGETS; t++)
    {
      g_assert_cmpfloat (a->targets_r[t], ==, b->targets_r[t]);
      g_assert_cmpfloat (a->target_shares[t], ==, b->target_shares[t]);
    }
  g_assert_cmpint (a->liquidity_targets, ==, b->liquidity_targets);
  g_assert_cmpfloat (a->min_first_target_r, ==, b->min_first_target_r);
  g_assert_cmpfloat (a->min_reward_risk, ==, b->min_reward_risk);
  g_assert_cmpuint (a->time_stop_candles, ==, b->time_stop_candles);
  g_assert_cmpuint (a->break_even_after, ==, b->break_even_after);
  g_assert_cmpuint (a->trail_after, ==, b->trail_after);
}

/* NAN equals NAN here: it is how "equity not given" is spelled. */
#define assert_same_double(a, b) \
  G_STMT_START { \
    if (isnan (a) || isnan (b)) \
      g_assert_true (isnan (a) && isnan (b)); \
    else \
      g_assert_cmpfloat ((a), ==, (b)); \
  } G_STMT_END

static void
assert_same_sizing (const PerpSizingParams *a,
                    const PerpSizingParams *b)
{
  g_assert_cmpint (a->mode, ==, b->mode);
  assert_same_double (a->risk_usd, b->risk_usd);
  assert_same_double (a->equity, b->equity);
  assert_same_double (a->risk_pct, b->risk_pct);
  for (guint t = 0; t < PERP_N_TIERS; t++)
    g_assert_cmpfloat (a->tier_scale[t], ==, b->tier_scale[t]);
  g_assert_cmpint (a->market_order, ==, b->market_order);
  g_assert_cmpfloat (a->max_heat_pct, ==, b->max_heat_pct);
}

static void
assert_same_breakers (const PerpBreakerParams *a,
                      const PerpBreakerParams *b)
{
  for (guint i = 0; i < PERP_N_BREAKERS; i++)
    g_assert_cmpint (a->enabled[i], ==, b->enabled[i]);
  g_assert_cmpint (a->cooldown_ms, ==, b->cooldown_ms);
  g_assert_cmpuint (a->max_signals_per_hour, ==, b->max_signals_per_hour);
  g_assert_cmpfloat (a->daily_drawdown_r, ==, b->daily_drawdown_r);
  g_assert_cmpint (a->daily_drawdown_resume, ==, b->daily_drawdown_resume);
  g_assert_cmpuint (a->max_open_positions, ==, b->max_open_positions);
  g_assert_cmpfloat (a->max_correlation, ==, b->max_correlation);
  g_assert_cmpfloat (a->volatility_factor, ==, b->volatility_factor);
  g_assert_cmpfloat (a->market_danger_pct, ==, b->market_danger_pct);
  g_assert_cmphex (a->low_activity_hours, ==, b->low_activity_hours);
  g_assert_cmpfloat (a->low_activity_raise, ==, b->low_activity_raise);
  g_assert_cmpuint (a->win_streak, ==, b->win_streak);
  g_assert_cmpfloat (a->win_streak_size, ==, b->win_streak_size);
}

static void
assert_same_feed (const PerpBinanceParams *a,
                  const PerpBinanceParams *b)
{
  g_assert_cmpstr (a->rest_url, ==, b->rest_url);
  g_assert_cmpstr (a->ws_url_market, ==, b->ws_url_market);
  g_assert_cmpstr (a->ws_url_public, ==, b->ws_url_public);
  g_assert_cmpuint (a->weight_budget, ==, b->weight_budget);
  g_assert_cmpuint (a->request_timeout_s, ==, b->request_timeout_s);
  g_assert_cmpuint (a->keepalive_s, ==, b->keepalive_s);
  g_assert_cmpuint (a->backoff_initial_ms, ==, b->backoff_initial_ms);
  g_assert_cmpuint (a->backoff_max_ms, ==, b->backoff_max_ms);
  g_assert_cmpuint (a->rotate_after_s, ==, b->rotate_after_s);
  g_assert_cmpuint (a->streams_per_connection, ==, b->streams_per_connection);
  g_assert_cmpuint (a->backfill_candles, ==, b->backfill_candles);
  g_assert_cmpuint (a->oi_poll_s, ==, b->oi_poll_s);
  g_assert_cmpuint (a->depth_limit, ==, b->depth_limit);
}

static void
assert_same_config (const PerpConfig *a,
                    const PerpConfig *b)
{
  g_assert_cmpstrv ((const char * const *) a->symbols, (const char * const *) b->symbols);
  g_assert_cmpint (a->signal_interval, ==, b->signal_interval);
  g_assert_cmpint (a->htf_interval, ==, b->htf_interval);
  g_assert_cmpuint (a->n_chart_intervals, ==, b->n_chart_intervals);
  for (guint i = 0; i < a->n_chart_intervals; i++)
    g_assert_cmpint (a->chart_intervals[i], ==, b->chart_intervals[i]);
  assert_same_structure (&a->structure, &b->structure);
  assert_same_score (&a->score, &b->score);
  assert_same_plan (&a->plan, &b->plan);
  assert_same_sizing (&a->sizing, &b->sizing);
  assert_same_breakers (&a->breakers, &b->breakers);
  assert_same_feed (&a->feed, &b->feed);
  g_assert_cmpstr (a->journal_path, ==, b->journal_path);
  g_assert_cmpint (a->journal_min_tier, ==, b->journal_min_tier);
  g_assert_cmpint (a->outcome.entry_mode, ==, b->outcome.entry_mode);
  g_assert_cmpfloat (a->outcome.taker_fee, ==, b->outcome.taker_fee);
  g_assert_cmpfloat (a->outcome.slippage_bps, ==, b->outcome.slippage_bps);
  g_assert_cmpuint (a->outcome.max_candles, ==, b->outcome.max_candles);
}

/* The strings the structure config points at belong to the config itself. */
static void
assert_owns_strings (const PerpConfig *config)
{
  g_assert_true (config->structure.time_zone == config->time_zone);
  for (guint k = 0; k < config->structure.n_killzones; k++)
    g_assert_true (config->structure.killzones[k].name == config->killzone_names[k]);
}

/* ------------------------------------------------------------------ defaults */

/* The example spells out every default: loading it gives perp_config_new_default(),
 * and that is the *_init defaults with the weights normalised. */
static void
test_example_is_default (void)
{
  g_autofree char *path = example_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) loaded = perp_config_load_file (path, &error);
  g_autoptr(PerpConfig) defaults = perp_config_new_default ();
  const char *const symbols[] = { "BTCUSDT", "ETHUSDT", NULL };
  const PerpInterval chart[] = {
    PERP_INTERVAL_1M, PERP_INTERVAL_5M, PERP_INTERVAL_15M, PERP_INTERVAL_1H, PERP_INTERVAL_4H,
  };
  PerpStructureConfig structure;
  PerpScoreParams score;
  PerpPlanParams plan;
  PerpSizingParams sizing;
  PerpBreakerParams breakers;
  double total = 0.0;

  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->path, ==, path);
  g_assert_null (defaults->path);

  assert_same_config (loaded, defaults);
  assert_owns_strings (loaded);
  assert_owns_strings (defaults);

  /* A copy is the same and owns its strings: it outlives the original. */
  {
    PerpConfig *copy = perp_config_copy (loaded);

    assert_same_config (copy, loaded);
    assert_owns_strings (copy);
    g_assert_true (copy->feed.rest_url != loaded->feed.rest_url);
    perp_config_free (copy);
  }

  /* And both against the modules' own defaults. */
  perp_structure_config_init (&structure);
  perp_score_params_init (&score);
  perp_plan_params_init (&plan);
  perp_sizing_params_init (&sizing);
  perp_breaker_params_init (&breakers);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    total += score.weights[f];
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    score.weights[f] /= total;

  g_assert_cmpstrv ((const char * const *) loaded->symbols, symbols);
  g_assert_cmpint (loaded->signal_interval, ==, PERP_INTERVAL_5M);
  g_assert_cmpint (loaded->htf_interval, ==, perp_score_default_htf (PERP_INTERVAL_5M));
  g_assert_cmpuint (loaded->n_chart_intervals, ==, G_N_ELEMENTS (chart));
  g_assert_cmpmem (loaded->chart_intervals, loaded->n_chart_intervals * sizeof (PerpInterval),
                   chart, sizeof chart);
  assert_same_structure (&loaded->structure, &structure);
  assert_same_score (&loaded->score, &score);
  assert_same_plan (&loaded->plan, &plan);
  assert_same_sizing (&loaded->sizing, &sizing);
  assert_same_breakers (&loaded->breakers, &breakers);
}

/* The keys a mapping takes, read back from the unknown-key error of @probe. */
static char **
keys_of (const char *probe)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) config = load_text (probe, &error);
  const char *start;
  const char *end;
  g_autofree char *list = NULL;

  g_assert_null (config);
  g_assert_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_UNKNOWN_KEY);
  start = strstr (error->message, "expected one of: ");
  g_assert_nonnull (start);
  start += strlen ("expected one of: ");
  end = strchr (start, ')');
  g_assert_nonnull (end);
  list = g_strndup (start, end - start);

  return g_strsplit (list, ", ", -1);
}

/* "Every default documented": each key the loader takes is written out in the example,
 * at the indentation of its mapping (or inside its list entries). */
static void
test_example_lists_every_key (void)
{
  static const struct
  {
    const char *probe;
    const char *before;  /* the key is written as before + key + after */
    const char *after;
    guint       min_keys;
  } mappings[] = {
    { "__x: 1\n", "\n", ":", 7 },
    { "timeframes: { __x: 1 }\n", "\n  ", ":", 3 },
    { "sessions: { __x: 1 }\n", "\n  ", ":", 2 },
    { "sessions: { killzones: [ { __x: 1 } ] }\n", " ", ": ", 4 },
    { "structure: { __x: 1 }\n", "\n  ", ":", 14 },
    { "score: { __x: 1 }\n", "\n  ", ":", 19 },
    { "score: { weights: { __x: 1 } }\n", "\n    ", ": ", PERP_N_FACTORS },
    { "score: { stale_after: { __x: 1 } }\n", "\n    ", ": ", PERP_N_FACTORS },
    { "score: { missing_after: { __x: 1 } }\n", "\n    ", ": ", PERP_N_FACTORS },
    { "risk: { __x: 1 }\n", "\n  ", ":", 20 },
    { "risk: { tier_scale: { __x: 1 } }\n", "\n    ", ": ", PERP_N_TIERS },
    { "risk: { targets: [ { __x: 1 } ] }\n", " ", ": ", 2 },
    { "breakers: { __x: 1 }\n", "\n  ", ":", 13 },
    { "breakers: { enabled: { __x: 1 } }\n", "\n    ", ": ", PERP_N_BREAKERS },
  };
  g_autofree char *path = example_path ();
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));

  for (guint m = 0; m < G_N_ELEMENTS (mappings); m++)
    {
      g_auto(GStrv) keys = keys_of (mappings[m].probe);

      g_assert_cmpuint (g_strv_length (keys), >=, mappings[m].min_keys);
      for (guint k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *needle = g_strconcat (mappings[m].before, keys[k], mappings[m].after, NULL);

          assert_contains (text, needle);
        }
    }
}

static void
test_empty_is_default (void)
{
  const char *const texts[] = { "", "\n", "# only a comment\n", "---\n", "~\n",
                                "score:\nrisk: {}\n" };
  g_autoptr(PerpConfig) defaults = perp_config_new_default ();

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(PerpConfig) config = load_ok (texts[i]);

      assert_same_config (config, defaults);
      assert_owns_strings (config);
      g_assert_null (config->path);
    }
}

/* ------------------------------------------------------------------ values */

/* One non-default value per kind of key, each checked where it lands. */
static void
test_values_land (void)
{
  g_autoptr(PerpConfig) config = load_ok (
    "symbols: [solusdt, 1000PEPEUSDT]\n"
    "timeframes:\n"
    "  signal: 15m\n"
    "  higher: 1d\n"
    "  chart: [15m, 4h]\n"
    "sessions:\n"
    "  time_zone: Europe/London\n"
    "  killzones:\n"
    "    - name: morning\n"
    "      start: \"7:30\"\n"
    "      end: \"09:15\"\n"
    "      boost: 0.9\n"
    "    - { name: asian, start: \"23:00\", end: \"03:00\" }\n"
    "structure:\n"
    "  swing_length: 30\n"
    "  wick_break: true\n"
    "  volatility: cumulative_range\n"
    "  equal_tolerance_mode: percent\n"
    "  equal_tolerance: 0.05\n"
    "  leg_depth: internal\n"
    "  fib_levels: [0.382, 0.5]\n"
    "score:\n"
    "  stale_after: { order_book: 1m30s, funding: 250ms }\n"
    "  missing_after: { order_book: 1h }\n"
    "  tier_high: 90\n"
    "  flow_window: 5m\n"
    "  book_band: 2\n"
    "risk:\n"
    "  mode: equity_pct\n"
    "  equity: 25000\n"
    "  risk_pct: 1.25\n"
    "  tier_scale: { low: 0.25 }\n"
    "  market_order: false\n"
    "  max_heat_pct: 6\n"
    "  targets:\n"
    "    - { r: 1.5, share: 0.25 }\n"
    "    - { share: 0.75, r: 4 }\n"
    "  break_even_after: 2\n"
    "  trail_after: 0\n"
    "  time_stop_candles: 0\n"
    "breakers:\n"
    "  enabled: { correlation: false, win_streak: false }\n"
    "  cooldown: 1d\n"
    "  max_signals_per_hour: 2\n"
    "  daily_drawdown_resume: next_day\n"
    "  low_activity_hours: [0, 23]\n"
    "  win_streak_size: 0.75\n");
  const char *const symbols[] = { "SOLUSDT", "1000PEPEUSDT", NULL };
  PerpScoreParams score_defaults;

  perp_score_params_init (&score_defaults);

  g_assert_cmpstrv ((const char * const *) config->symbols, symbols);
  g_assert_cmpint (config->signal_interval, ==, PERP_INTERVAL_15M);
  g_assert_cmpint (config->htf_interval, ==, PERP_INTERVAL_1D);
  g_assert_cmpint (config->score.htf_interval, ==, PERP_INTERVAL_1D);
  g_assert_cmpuint (config->n_chart_intervals, ==, 2);
  g_assert_cmpint (config->chart_intervals[0], ==, PERP_INTERVAL_15M);
  g_assert_cmpint (config->chart_intervals[1], ==, PERP_INTERVAL_4H);

  g_assert_cmpstr (config->structure.time_zone, ==, "Europe/London");
  g_assert_cmpuint (config->structure.n_killzones, ==, 2);
  g_assert_cmpstr (config->structure.killzones[0].name, ==, "morning");
  g_assert_cmpuint (config->structure.killzones[0].start_minute, ==, 7 * 60 + 30);
  g_assert_cmpuint (config->structure.killzones[0].end_minute, ==, 9 * 60 + 15);
  g_assert_cmpfloat (config->score.killzone_boost[0], ==, 0.9);
  g_assert_cmpstr (config->structure.killzones[1].name, ==, "asian");
  g_assert_cmpuint (config->structure.killzones[1].start_minute, ==, 23 * 60);
  g_assert_cmpuint (config->structure.killzones[1].end_minute, ==, 3 * 60);
  /* No boost given: the default boost of "asian", which was killzone 0 by default. */
  g_assert_cmpfloat (config->score.killzone_boost[1], ==, score_defaults.killzone_boost[0]);
  g_assert_cmpfloat (config->score.killzone_boost[2], ==, 0.0);
  assert_owns_strings (config);

  g_assert_cmpuint (config->structure.swing_length, ==, 30);
  g_assert_true (config->structure.wick_break);
  g_assert_cmpint (config->structure.volatility, ==, PERP_STRUCTURE_VOLATILITY_CUMULATIVE_RANGE);
  g_assert_cmpint (config->structure.equal_tolerance_mode, ==, PERP_STRUCTURE_TOLERANCE_PERCENT);
  g_assert_cmpfloat (config->structure.equal_tolerance, ==, 0.05);
  g_assert_cmpint (config->structure.leg_depth, ==, PERP_STRUCTURE_DEPTH_INTERNAL);
  g_assert_cmpuint (config->structure.n_fib_levels, ==, 2);
  g_assert_cmpfloat (config->structure.fib_levels[0], ==, 0.382);
  g_assert_cmpfloat (config->structure.fib_levels[1], ==, 0.5);
  g_assert_cmpfloat (config->structure.fib_levels[2], ==, 0.0);

  g_assert_cmpint (config->score.stale_after_ms[PERP_FACTOR_ORDER_BOOK], ==, 90000);
  g_assert_cmpint (config->score.stale_after_ms[PERP_FACTOR_FUNDING], ==, 250);
  g_assert_cmpint (config->score.missing_after_ms[PERP_FACTOR_ORDER_BOOK], ==, PERP_MS_PER_HOUR);
  g_assert_cmpint (config->score.stale_after_ms[PERP_FACTOR_ORDER_FLOW], ==,
                   score_defaults.stale_after_ms[PERP_FACTOR_ORDER_FLOW]);
  g_assert_cmpfloat (config->score.tier_high, ==, 90.0);
  g_assert_cmpint (config->score.flow_window_ms, ==, 5 * PERP_MS_PER_MINUTE);
  g_assert_cmpuint (config->score.book_band, ==, 2);

  g_assert_cmpint (config->sizing.mode, ==, PERP_SIZING_RISK_EQUITY_PCT);
  g_assert_cmpfloat (config->sizing.equity, ==, 25000.0);
  g_assert_cmpfloat (config->sizing.risk_pct, ==, 1.25);
  g_assert_cmpfloat (config->sizing.tier_scale[PERP_TIER_LOW], ==, 0.25);
  g_assert_cmpfloat (config->sizing.tier_scale[PERP_TIER_HIGH], ==, 1.0);
  g_assert_false (config->sizing.market_order);
  g_assert_cmpfloat (config->sizing.max_heat_pct, ==, 6.0);
  g_assert_cmpuint (config->plan.n_targets, ==, 2);
  g_assert_cmpfloat (config->plan.targets_r[0], ==, 1.5);
  g_assert_cmpfloat (config->plan.target_shares[0], ==, 0.25);
  g_assert_cmpfloat (config->plan.targets_r[1], ==, 4.0);
  g_assert_cmpfloat (config->plan.target_shares[1], ==, 0.75);
  g_assert_cmpfloat (config->plan.targets_r[2], ==, 0.0);
  g_assert_cmpuint (config->plan.break_even_after, ==, 2);
  g_assert_cmpuint (config->plan.trail_after, ==, 0);
  g_assert_cmpuint (config->plan.time_stop_candles, ==, 0);

  g_assert_false (config->breakers.enabled[PERP_BREAKER_CORRELATION]);
  g_assert_false (config->breakers.enabled[PERP_BREAKER_WIN_STREAK]);
  g_assert_true (config->breakers.enabled[PERP_BREAKER_COOLDOWN]);
  g_assert_cmpint (config->breakers.cooldown_ms, ==, PERP_MS_PER_DAY);
  g_assert_cmpuint (config->breakers.max_signals_per_hour, ==, 2);
  g_assert_cmpint (config->breakers.daily_drawdown_resume, ==, PERP_RESUME_NEXT_DAY);
  g_assert_cmphex (config->breakers.low_activity_hours, ==, (1u << 0) | (1u << 23));
  g_assert_cmpfloat (config->breakers.win_streak_size, ==, 0.75);
}

static void
test_higher_auto (void)
{
  g_autoptr(PerpConfig) config = load_ok ("timeframes: { signal: 1h, higher: auto }\n");
  g_autoptr(PerpConfig) implicit = load_ok ("timeframes: { signal: 1m }\n");

  g_assert_cmpint (config->htf_interval, ==, perp_score_default_htf (PERP_INTERVAL_1H));
  g_assert_cmpint (config->htf_interval, ==, PERP_INTERVAL_4H);
  g_assert_cmpint (config->score.htf_interval, ==, PERP_INTERVAL_UNKNOWN);
  g_assert_cmpint (implicit->htf_interval, ==, PERP_INTERVAL_15M);
}

static void
test_killzones_none (void)
{
  g_autoptr(PerpConfig) config = load_ok ("sessions: { time_zone: UTC, killzones: [] }\n");

  g_assert_cmpuint (config->structure.n_killzones, ==, 0);
  g_assert_cmpstr (config->structure.time_zone, ==, "UTC");
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    g_assert_cmpfloat (config->score.killzone_boost[k], ==, 0.0);
}

/* ------------------------------------------------------------------ weights */

/* Two factors given, the rest at their defaults, all normalised together. */
static void
test_weights_partial (void)
{
  g_autoptr(PerpConfig) config = load_ok (
    "score:\n"
    "  weights:\n"
    "    funding: 0.3\n"
    "    technical: 0\n");
  PerpScoreParams defaults;
  double raw[PERP_N_FACTORS];
  double total = 0.0;
  double sum = 0.0;

  perp_score_params_init (&defaults);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    raw[f] = defaults.weights[f];
  raw[PERP_FACTOR_FUNDING] = 0.3;
  raw[PERP_FACTOR_TECHNICAL] = 0.0;
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    total += raw[f];

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      g_assert_cmpfloat_with_epsilon (config->score.weights[f], raw[f] / total, 1e-15);
      sum += config->score.weights[f];
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);
  g_assert_cmpfloat (config->score.weights[PERP_FACTOR_TECHNICAL], ==, 0.0);
  /* The given weight dominates the defaults the way the raw numbers say. */
  g_assert_cmpfloat_with_epsilon (config->score.weights[PERP_FACTOR_FUNDING]
                                  / config->score.weights[PERP_FACTOR_ICT],
                                  0.3 / defaults.weights[PERP_FACTOR_ICT], 1e-12);
}

/* Weights need not sum to anything: 3 and 1 are 75 % and 25 %. */
static void
test_weights_relative (void)
{
  g_autoptr(PerpConfig) config = load_ok (
    "score:\n"
    "  weights: { liquidity_pools: 0, liquidations: 0, ict: 3, killzone: 0, order_book: 0,\n"
    "             order_flow: 1, open_interest: 0, funding: 0, technical: 0,\n"
    "             higher_timeframe: 0 }\n");

  g_assert_cmpfloat (config->score.weights[PERP_FACTOR_ICT], ==, 0.75);
  g_assert_cmpfloat (config->score.weights[PERP_FACTOR_ORDER_FLOW], ==, 0.25);
  g_assert_cmpfloat (config->score.weights[PERP_FACTOR_FUNDING], ==, 0.0);
}

static void
test_weights_all_zero (void)
{
  g_autofree char *message = assert_load_error (
    "symbols: [BTCUSDT]\n"
    "score:\n"
    "  weights: { liquidity_pools: 0, liquidations: 0, ict: 0, killzone: 0, order_book: 0,\n"
    "             order_flow: 0, open_interest: 0, funding: 0, technical: 0,\n"
    "             higher_timeframe: 0 }\n",
    PERP_CONFIG_ERROR_WEIGHTS, 3, 3, "score.weights: ");

  assert_contains (message, "every weight is zero");
}

static void
test_weights_negative (void)
{
  g_autofree char *message = assert_load_error (
    "score:\n"
    "  weights:\n"
    "    ict: 0.3\n"
    "    funding: -0.1\n",
    PERP_CONFIG_ERROR_WEIGHTS, 4, 14, "score.weights.funding: ");

  assert_contains (message, "negative");
}

static void
test_weights_unknown_factor (void)
{
  g_autofree char *message = assert_load_error (
    "score:\n"
    "  weights:\n"
    "    ict: 0.3\n"
    "    fundng: 0.1\n",
    PERP_CONFIG_ERROR_UNKNOWN_KEY, 4, 5, "score.weights.fundng: unknown key");

  assert_contains (message, "expected one of: liquidity_pools, liquidations, ict, killzone, "
                            "order_book, order_flow, open_interest, funding, technical, "
                            "higher_timeframe");
}

/* ------------------------------------------------------------------ errors */

/* A feed URL with the wrong scheme fails at load, naming the key, not later as a
 * connection error; a good one is taken as written. */
static void
test_feed_urls (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) config = NULL;
  const char *local = "feed:\n  rest_url: http://127.0.0.1:8080\n  ws_url_public: ws://127.0.0.1:8080/public\n";
  g_autofree char *message = assert_load_error (
    "feed:\n"
    "  rest_url: https://fapi.binance.com\n"
    "  ws_url_market: https://fstream.binance.com/market\n",
    PERP_CONFIG_ERROR_VALUE, 3, 18, "feed.ws_url_market");

  assert_contains (message, "wss://, ws://");
  g_free (message);
  message = assert_load_error ("feed:\n  keepalive_s: 0\n", PERP_CONFIG_ERROR_RANGE, 2, 16, "feed.keepalive_s");

  config = perp_config_load_data (local, strlen (local), "feed.yaml", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->feed.rest_url, ==, "http://127.0.0.1:8080");
  g_assert_cmpstr (config->feed.ws_url_public, ==, "ws://127.0.0.1:8080/public");
  g_assert_cmpstr (config->feed.ws_url_market, ==, "wss://fstream.binance.com/market");
}

static void
test_error_unknown_key_top (void)
{
  g_autofree char *message = assert_load_error (
    "symbols: [BTCUSDT]\n"
    "\n"
    "sesions:\n"
    "  time_zone: UTC\n",
    PERP_CONFIG_ERROR_UNKNOWN_KEY, 3, 1, "sesions: unknown key");

  assert_contains (message, "expected one of: symbols, timeframes, sessions, structure, "
                            "score, risk, breakers");
}

static void
test_error_unknown_key_nested (void)
{
  g_autofree char *message = assert_load_error (
    "risk:\n"
    "  risk_usd: 2\n"
    "  stop_buffer: 0.2\n",
    PERP_CONFIG_ERROR_UNKNOWN_KEY, 3, 3, "risk.stop_buffer: unknown key");

  assert_contains (message, "stop_buffer_atr");

  g_clear_pointer (&message, g_free);
  message = assert_load_error ("sessions:\n"
                               "  killzones:\n"
                               "    - { name: a, start: \"01:00\", end: \"02:00\", bost: 1 }\n",
                               PERP_CONFIG_ERROR_UNKNOWN_KEY, 3, 48,
                               "sessions.killzones[0].bost: unknown key");
  assert_contains (message, "name, start, end, boost");
}

static void
test_error_wrong_type (void)
{
  expect_load_error (
    "risk:\n"
    "  risk_usd: one\n",
    PERP_CONFIG_ERROR_TYPE, 2, 13, "risk.risk_usd: expected a number, got \"one\"");
  expect_load_error (
    "risk:\n"
    "  risk_usd: \"1\"\n",
    PERP_CONFIG_ERROR_TYPE, 2, 13, "risk.risk_usd: expected a number, got \"1\" (a quoted string)");
  expect_load_error (
    "risk:\n"
    "  market_order: yes\n",
    PERP_CONFIG_ERROR_TYPE, 2, 17, "risk.market_order: expected true or false, got \"yes\"");
  expect_load_error (
    "structure: { swing_length: 2.5 }\n",
    PERP_CONFIG_ERROR_TYPE, 1, 28, "structure.swing_length: expected a whole number, got \"2.5\"");
  expect_load_error (
    "score: 5\n",
    PERP_CONFIG_ERROR_TYPE, 1, 8, "score: expected a mapping of keys, got \"5\"");
  expect_load_error (
    "symbols: BTCUSDT\n",
    PERP_CONFIG_ERROR_TYPE, 1, 10, "symbols: expected a list of symbols");
  expect_load_error (
    "score:\n"
    "  tier_low:\n"
    "  tier_high: 90\n",
    PERP_CONFIG_ERROR_TYPE, 2, 12, "score.tier_low: expected a number, got nothing");
  expect_load_error (
    "- symbols\n",
    PERP_CONFIG_ERROR_TYPE, 1, 1, "(top level): expected a mapping of sections");
  expect_load_error (
    "risk: { risk_usd: .inf }\n",
    PERP_CONFIG_ERROR_TYPE, 1, 19, "risk.risk_usd: expected a number");
}

static void
test_error_out_of_range (void)
{
  g_autofree char *hinted = NULL;

  expect_load_error (
    "score:\n"
    "  tier_medium: 70\n"
    "  tier_high: 120\n",
    PERP_CONFIG_ERROR_RANGE, 3, 14, "score.tier_high: 120 is out of range (50, 100]");
  expect_load_error (
    "structure:\n"
    "  internal_length: 0\n",
    PERP_CONFIG_ERROR_RANGE, 2, 20, "structure.internal_length: 0 is out of range [1, 10000]");
  expect_load_error (
    "risk: { risk_usd: -5 }\n",
    PERP_CONFIG_ERROR_RANGE, 1, 19, "risk.risk_usd: -5 is out of range (0, 1e+09]");
  hinted = assert_load_error (
    "breakers:\n"
    "  max_signals_per_hour: 0\n",
    PERP_CONFIG_ERROR_RANGE, 2, 25, "breakers.max_signals_per_hour: 0 is out of range [1, 10000]");
  expect_load_error (
    "breakers:\n"
    "  cooldown: 31d\n",
    PERP_CONFIG_ERROR_RANGE, 2, 13, "breakers.cooldown: 31d is out of range [0s, 30d]");
  expect_load_error (
    "structure:\n"
    "  fib_levels: [0.5, 2.5]\n",
    PERP_CONFIG_ERROR_RANGE, 2, 21, "structure.fib_levels[1]: 2.5 is out of range [0, 2]");
  expect_load_error (
    "risk:\n"
    "  targets: [{r: 1, share: 0.2}, {r: 2, share: 0.2}, {r: 3, share: 0.2},\n"
    "            {r: 4, share: 0.2}, {r: 5, share: 0.2}]\n",
    PERP_CONFIG_ERROR_RANGE, 2, 12, "risk.targets: 5 items, at most 4");
  expect_load_error (
    "breakers: { low_activity_hours: [1, 24] }\n",
    PERP_CONFIG_ERROR_RANGE, 1, 37, "breakers.low_activity_hours[1]: 24 is out of range [0, 23]");
  expect_load_error (
    "sessions:\n"
    "  killzones:\n"
    "    - name: a\n"
    "      start: \"01:00\"\n"
    "      end: \"02:00\"\n"
    "      boost: 1.5\n",
    PERP_CONFIG_ERROR_RANGE, 6, 14, "sessions.killzones[0].boost: 1.5 is out of range [0, 1]");

  assert_contains (hinted, "set breakers.enabled.signal_rate to false to turn it off");
}

static void
test_error_duration (void)
{
  g_autofree char *message = assert_load_error (
    "score:\n"
    "  stale_after:\n"
    "    funding: 10 minutes\n",
    PERP_CONFIG_ERROR_TYPE, 3, 14, "score.stale_after.funding: expected a duration with a unit");
  g_autofree char *bare = assert_load_error (
    "breakers:\n"
    "  cooldown: 7200\n",
    PERP_CONFIG_ERROR_TYPE, 2, 13, "breakers.cooldown: expected a duration with a unit");
  expect_load_error (
    "score: { flow_window: 15x }\n",
    PERP_CONFIG_ERROR_TYPE, 1, 23, "score.flow_window: expected a duration");
  expect_load_error (
    "score: { flow_window: 0 }\n",
    PERP_CONFIG_ERROR_RANGE, 1, 23, "score.flow_window: 0 is out of range (0s, 1d]");

  assert_contains (message, "\"90s\", \"15m\", \"2h\" or \"1d\"");
  assert_contains (bare, "\"7200ms\"");
}

static void
test_error_time_of_day (void)
{
  const char *const bad[] = { "25:00", "12:60", "noon", "1200", "12:5", "123:00", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "sessions:\n"
        "  killzones:\n"
        "    - name: x\n"
        "      start: \"%s\"\n"
        "      end: \"02:00\"\n", bad[i]);
      g_autofree char *message = assert_load_error (text, PERP_CONFIG_ERROR_TYPE, 4, 14,
                                                    "sessions.killzones[0].start: expected a time of day");

      assert_contains (message, "HH:MM");
    }
}

static void
test_error_time_zone (void)
{
  const char *const bad[] = { "Mars/Olympus_Mons", "/etc/localtime", "../../etc/passwd" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "sessions:\n"
        "  time_zone: %s\n", bad[i]);
      g_autofree char *message = assert_load_error (text, PERP_CONFIG_ERROR_VALUE, 2, 14,
                                                    "sessions.time_zone: unknown time zone");

      assert_contains (message, bad[i]);
    }
}

static void
test_error_interval (void)
{
  g_autofree char *message = assert_load_error (
    "timeframes:\n"
    "  signal: 7m\n",
    PERP_CONFIG_ERROR_VALUE, 2, 11, "timeframes.signal: unknown timeframe \"7m\"");
  expect_load_error (
    "timeframes: { chart: [1m, 5m, 1M] }\n",
    PERP_CONFIG_ERROR_VALUE, 1, 31, "timeframes.chart[2]: unknown timeframe \"1M\"");
  expect_load_error (
    "timeframes: { chart: [1m, 5m, 1m] }\n",
    PERP_CONFIG_ERROR_VALUE, 1, 31, "timeframes.chart[2]: 1m is already listed");
  expect_load_error (
    "timeframes:\n"
    "  signal: 1h\n"
    "  higher: 15m\n",
    PERP_CONFIG_ERROR_RANGE, 3, 11, "timeframes.higher: 15m is not above the signal timeframe 1h");

  assert_contains (message, "expected one of: 1m, 3m, 5m, 15m");
}

static void
test_error_choice (void)
{
  expect_load_error (
    "risk:\n"
    "  mode: usdt\n",
    PERP_CONFIG_ERROR_VALUE, 2, 9, "risk.mode: unknown value \"usdt\" (expected one of: usd, equity_pct)");
}

static void
test_error_duplicate_key (void)
{
  expect_load_error (
    "score:\n"
    "  tier_high: 85\n"
    "  tier_low: 55\n"
    "  tier_high: 90\n",
    PERP_CONFIG_ERROR_DUPLICATE_KEY, 4, 3, "score.tier_high: duplicate key (first given at line 2)");
  expect_load_error (
    "risk: { risk_usd: 2 }\n"
    "risk: { risk_usd: 3 }\n",
    PERP_CONFIG_ERROR_DUPLICATE_KEY, 2, 1, "risk: duplicate key");
  expect_load_error (
    "score: { weights: { ict: 1, funding: 1, ict: 2 } }\n",
    PERP_CONFIG_ERROR_DUPLICATE_KEY, 1, 41, "score.weights.ict: duplicate key");
  expect_load_error (
    "symbols: [BTCUSDT, ethusdt, ETHUSDT]\n",
    PERP_CONFIG_ERROR_VALUE, 1, 29, "symbols[2]: ETHUSDT is already listed as symbols[1]");
  expect_load_error (
    "sessions:\n"
    "  killzones:\n"
    "    - { name: a, start: \"01:00\", end: \"02:00\" }\n"
    "    - { name: a, start: \"03:00\", end: \"04:00\" }\n",
    PERP_CONFIG_ERROR_VALUE, 4, 15, "sessions.killzones[1].name: \"a\" is already the name of sessions.killzones[0]");
}

static void
test_error_syntax (void)
{
  const char bad_utf8[] = "symbols: [BTCUSDT]\nrisk:\n  risk_usd: \xff\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autofree char *flow = NULL;
  g_autofree char *tab = assert_load_error (
    "score:\n"
    "  tier_high: 85\n"
    "\ttier_low: 55\n",
    PERP_CONFIG_ERROR_SYNTAX, 3, 1, "YAML syntax error: ");
  expect_load_error (
    "risk:\n"
    "  risk_usd: 2\n"
    " equity: 100\n",
    PERP_CONFIG_ERROR_SYNTAX, 3, 2, "YAML syntax error: ");
  flow = assert_load_error (
    "symbols: [BTCUSDT, ETHUSDT\n"
    "score: {}\n",
    PERP_CONFIG_ERROR_SYNTAX, 2, 6, "YAML syntax error: ");
  expect_load_error (
    "score:\n"
    "  tier_medium: &x 70\n"
    "  tier_high: *x\n",
    PERP_CONFIG_ERROR_SYNTAX, 3, 3, "score.tier_high: anchors and aliases are not supported");
  expect_load_error (
    "symbols: [BTCUSDT]\n"
    "---\n"
    "symbols: [ETHUSDT]\n",
    PERP_CONFIG_ERROR_SYNTAX, 3, 1, "a second YAML document");

  assert_contains (tab, "found a tab character that violates indentation");
  assert_contains (flow, "did not find expected ',' or ']'");

  config = perp_config_load_data (bad_utf8, sizeof bad_utf8 - 1, SOURCE, &error);
  g_assert_null (config);
  g_assert_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, SOURCE ":3:13: "));

  /* A NUL byte in the middle of the data is not text either. */
  g_clear_error (&error);
  config = perp_config_load_data ("symbols: [A]\n\0\n", 15, SOURCE, &error);
  g_assert_null (config);
  g_assert_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, SOURCE ":2:1: "));
}

static void
test_error_list_entries (void)
{
  expect_load_error (
    "sessions:\n"
    "  killzones:\n"
    "    - name: a\n"
    "      start: \"01:00\"\n",
    PERP_CONFIG_ERROR_MISSING_KEY, 3, 7, "sessions.killzones[0].end: missing");
  expect_load_error (
    "sessions:\n"
    "  killzones:\n"
    "    - { name: a, start: \"01:00\", end: \"01:00\" }\n",
    PERP_CONFIG_ERROR_RANGE, 3, 7, "sessions.killzones[0]: starts and ends at 01:00");
  expect_load_error (
    "risk:\n"
    "  targets:\n"
    "    - { r: 2, share: 0.5 }\n"
    "    - { r: 1, share: 0.5 }\n",
    PERP_CONFIG_ERROR_INVALID, 4, 7, "risk.targets[1]: r 1 is not above the r of risk.targets[0] (2)");
  expect_load_error (
    "risk:\n"
    "  targets:\n"
    "    - { r: 1, share: 0.5 }\n"
    "    - { r: 2, share: 0.4 }\n",
    PERP_CONFIG_ERROR_INVALID, 3, 5, "risk.targets: the shares add up to 0.9");
  expect_load_error (
    "symbols: [BTC-USDT]\n",
    PERP_CONFIG_ERROR_VALUE, 1, 11, "symbols[0]: \"BTC-USDT\" is not a symbol");
  expect_load_error (
    "symbols: []\n",
    PERP_CONFIG_ERROR_RANGE, 1, 10, "symbols: the list is empty");
}

/* Rules between keys come from the modules' *_check functions, positioned at the
 * section they concern. */
static void
test_error_cross_field (void)
{
  g_autofree char *tiers = assert_load_error (
    "symbols: [BTCUSDT]\n"
    "score:\n"
    "  tier_medium: 85\n",
    PERP_CONFIG_ERROR_INVALID, 2, 1, "score");
  expect_load_error (
    "breakers: {}\n"
    "risk:\n"
    "  mode: equity_pct\n",
    PERP_CONFIG_ERROR_INVALID, 2, 1, "risk.equity must be set");
  expect_load_error (
    "score:\n"
    "  stale_after: { funding: 2h }\n"
    "  missing_after: { funding: 1h }\n",
    PERP_CONFIG_ERROR_INVALID, 1, 1, "score.missing_after.funding");
  expect_load_error (
    "\n"
    "risk:\n"
    "  targets: [{ r: 2, share: 1 }]\n",
    PERP_CONFIG_ERROR_INVALID, 2, 1, "risk.break_even_after");

  assert_contains (tiers, "score.tier_medium");
}

/* ------------------------------------------------------------------ files */

static void
test_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpConfig) missing = perp_config_load_file ("/nonexistent/perpscope.yaml", &error);
  g_autofree char *dir = g_dir_make_tmp ("perp-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mine.yaml", NULL);
  g_autoptr(PerpConfig) config = NULL;

  g_assert_null (missing);
  g_assert_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_IO);
  assert_contains (error->message, "/nonexistent/perpscope.yaml");
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "risk:\n  risk_usd: 5\n  bogus: 1\n", -1, NULL));
  config = perp_config_load_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_UNKNOWN_KEY);
  g_assert_true (g_str_has_prefix (error->message, path));
  assert_contains (error->message, ":3:3: risk.bogus: unknown key");
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "risk:\n  risk_usd: 5\n", -1, NULL));
  config = perp_config_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->path, ==, path);
  g_assert_cmpfloat (config->sizing.risk_usd, ==, 5.0);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ------------------------------------------------------------------ robustness */

static void
check_fuzz_result (PerpConfig *config,
                   GError     *error)
{
  if (config != NULL)
    {
      g_assert_no_error (error);
      assert_owns_strings (config);
      return;
    }

  g_assert_nonnull (error);
  g_assert_true (error->domain == PERP_CONFIG_ERROR);
  /* Every error has its position. */
  g_assert_true (g_regex_match_simple ("^" SOURCE ":[0-9]+:[0-9]+: ", error->message, 0, 0));
}

/* Every prefix of the example, and random byte edits of it, load or fail cleanly (no
 * crash, no leak under ASan, always a positioned message). */
static void
test_fuzz_example (void)
{
  g_autofree char *path = example_path ();
  g_autofree char *text = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260501);
  static const char alphabet[] = "\0\t\n :-[]{},#&*!|>'\"%@`?0123456789.eE_xyz";
  gsize length = 0;
  guint n_ok = 0;

  g_assert_true (g_file_get_contents (path, &text, &length, NULL));

  for (gsize cut = 0; cut <= length; cut += 13)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpConfig) config = perp_config_load_data (text, cut, SOURCE, &error);

      check_fuzz_result (config, error);
      n_ok += config != NULL;
    }

  for (guint round = 0; round < 3000; round++)
    {
      g_autofree char *copy = g_memdup2 (text, length);
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpConfig) config = NULL;
      guint n_edits = g_rand_int_range (rand, 1, 6);

      for (guint e = 0; e < n_edits; e++)
        {
          gsize at = g_rand_int_range (rand, 0, (gint32) length);

          if (g_rand_boolean (rand))
            copy[at] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
          else
            copy[at] = (char) g_rand_int_range (rand, 0, 256);
        }

      config = perp_config_load_data (copy, length, SOURCE, &error);
      check_fuzz_result (config, error);
      n_ok += config != NULL;
    }

  /* Comment edits and the like keep the file valid: the fuzz reaches the loader, not
   * only the parser. */
  g_assert_cmpuint (n_ok, >, 100);
}

static void
test_alias_bomb (void)
{
  /* Exponential expansion through aliases is refused at the first reuse. */
  expect_load_error (
    "a: &a [1, 1]\n"
    "b: &b [*a, *a]\n"
    "c: &c [*b, *b]\n"
    "symbols: *c\n",
    PERP_CONFIG_ERROR_UNKNOWN_KEY, 1, 1, "a: unknown key");
  expect_load_error (
    "symbols: &s [BTCUSDT]\n"
    "timeframes: { chart: *s }\n",
    PERP_CONFIG_ERROR_SYNTAX, 2, 15, "timeframes.chart: anchors and aliases are not supported");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/config/example-is-default", test_example_is_default);
  g_test_add_func ("/io/config/example-lists-every-key", test_example_lists_every_key);
  g_test_add_func ("/io/config/empty-is-default", test_empty_is_default);
  g_test_add_func ("/io/config/values-land", test_values_land);
  g_test_add_func ("/io/config/higher-auto", test_higher_auto);
  g_test_add_func ("/io/config/killzones-none", test_killzones_none);
  g_test_add_func ("/io/config/weights/partial", test_weights_partial);
  g_test_add_func ("/io/config/weights/relative", test_weights_relative);
  g_test_add_func ("/io/config/weights/all-zero", test_weights_all_zero);
  g_test_add_func ("/io/config/weights/negative", test_weights_negative);
  g_test_add_func ("/io/config/weights/unknown-factor", test_weights_unknown_factor);
  g_test_add_func ("/io/config/error/unknown-key-top", test_error_unknown_key_top);
  g_test_add_func ("/io/config/feed-urls", test_feed_urls);
  g_test_add_func ("/io/config/error/unknown-key-nested", test_error_unknown_key_nested);
  g_test_add_func ("/io/config/error/wrong-type", test_error_wrong_type);
  g_test_add_func ("/io/config/error/out-of-range", test_error_out_of_range);
  g_test_add_func ("/io/config/error/duration", test_error_duration);
  g_test_add_func ("/io/config/error/time-of-day", test_error_time_of_day);
  g_test_add_func ("/io/config/error/time-zone", test_error_time_zone);
  g_test_add_func ("/io/config/error/interval", test_error_interval);
  g_test_add_func ("/io/config/error/choice", test_error_choice);
  g_test_add_func ("/io/config/error/duplicate-key", test_error_duplicate_key);
  g_test_add_func ("/io/config/error/syntax", test_error_syntax);
  g_test_add_func ("/io/config/error/list-entries", test_error_list_entries);
  g_test_add_func ("/io/config/error/cross-field", test_error_cross_field);
  g_test_add_func ("/io/config/file", test_file);
  g_test_add_func ("/io/config/fuzz-example", test_fuzz_example);
  g_test_add_func ("/io/config/alias-bomb", test_alias_bomb);

  return g_test_run ();
}
