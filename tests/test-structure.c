/* test-structure.c: the causal structure engine
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two kinds of test: causality on real candles (streaming one candle at a time must
 * know exactly what the full run says was knowable, nothing more, nothing less), and
 * each detector's rules and edge cases on small constructed series whose expected
 * answers follow from the rules in perp-structure.h, worked out in the comments.
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "core/perp-structure.h"

#include "perp-test-support.h"

#define T0  G_GINT64_CONSTANT (1704067200000)   /* 2024-01-01 00:00 UTC, a Monday */
#define H1  PERP_MS_PER_HOUR

/* ------------------------------------------------------------------ helpers */

typedef struct
{
  double o, h, l, c;
} Bar;

static PerpCandles *
candles_from (const Bar    *bars,
              guint         n,
              gint64        start,
              PerpInterval  interval)
{
  PerpCandles *candles = perp_candles_new (interval, PERP_CANDLE_FIELD_NONE);
  gint64 step = perp_interval_to_ms (interval);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      perp_candle_init (&c, start + i * step, bars[i].o, bars[i].h, bars[i].l, bars[i].c, 1.0);
      g_assert_true (perp_candles_append (candles, &c, NULL));
    }

  return candles;
}

/* A config with only what a test looks at switched to small, readable values. */
static void
small_config (PerpStructureConfig *config)
{
  perp_structure_config_init (config);
  config->internal_length = 2;
  config->swing_length = 4;
  config->equal_length = 2;
  config->volatility = PERP_STRUCTURE_VOLATILITY_NONE;
  config->time_zone = "UTC";
  config->n_killzones = 0;
}

static PerpStructure *
run (const PerpStructureConfig *config,
     const PerpCandles         *candles)
{
  g_autoptr(GError) error = NULL;
  PerpStructure *engine = perp_structure_new (config, perp_candles_get_interval (candles), &error);

  g_assert_no_error (error);
  g_assert_true (perp_structure_push_candles (engine, candles, 0, perp_candles_get_length (candles), &error));
  g_assert_no_error (error);

  return engine;
}

/* The objects of @kind (and @depth, unless NONE), in formed order. */
static GPtrArray *
objects_of (const PerpStructure *engine,
            PerpStructureKind    kind,
            PerpStructureDepth   depth)
{
  GPtrArray *found = g_ptr_array_new ();
  const PerpStructureObject *objects;
  guint n;

  objects = perp_structure_get_objects (engine, &n);
  for (guint k = 0; k < n; k++)
    if (objects[k].kind == kind && (depth == PERP_STRUCTURE_DEPTH_NONE || objects[k].depth == depth))
      g_ptr_array_add (found, (gpointer) &objects[k]);

  return found;
}

static gint64
at (guint i)
{
  return T0 + (gint64) i * H1;
}

/* ------------------------------------------------------------------ causality */

static void
assert_same_object (const PerpStructureObject *streamed,
                    const PerpStructureObject *expected,
                    const char                *file,
                    gint64                     t)
{
  gboolean same = streamed->id == expected->id && streamed->kind == expected->kind
                  && streamed->depth == expected->depth && streamed->direction == expected->direction
                  && streamed->source == expected->source && streamed->parent == expected->parent
                  && streamed->candle_index == expected->candle_index
                  && streamed->formed_index == expected->formed_index
                  && streamed->top == expected->top && streamed->bottom == expected->bottom
                  && streamed->candle_time == expected->candle_time
                  && streamed->formed_at == expected->formed_at;

  for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
    same = same && streamed->event_time[e] == expected->event_time[e];

  if (!same)
    g_error ("%s at %" G_GINT64_FORMAT ": object %u (%s) streamed [%.10g, %.10g] formed %" G_GINT64_FORMAT
             " mitigated %" G_GINT64_FORMAT ", full run as of then [%.10g, %.10g] formed %" G_GINT64_FORMAT
             " mitigated %" G_GINT64_FORMAT, file, t, streamed->id, perp_structure_kind_name (streamed->kind),
             streamed->bottom, streamed->top, streamed->formed_at,
             streamed->event_time[PERP_STRUCTURE_EVENT_MITIGATED], expected->bottom, expected->top,
             expected->formed_at, expected->event_time[PERP_STRUCTURE_EVENT_MITIGATED]);
}

/* Everything the streaming engine knows at @t equals the full run restricted to
 * formed_at <= t with the events after t removed; objects from @first on are compared,
 * the count always. */
static void
compare_known (const PerpStructure *streaming,
               const PerpStructure *full,
               guint                first,
               gint64               t,
               const char          *file)
{
  const PerpStructureObject *s;
  const PerpStructureObject *b;
  guint n_s;
  guint n_b;
  guint known = 0;

  s = perp_structure_get_objects (streaming, &n_s);
  b = perp_structure_get_objects (full, &n_b);
  while (known < n_b && perp_structure_object_known_at (&b[known], t))
    known++;
  if (known != n_s)
    g_error ("%s at %" G_GINT64_FORMAT ": streaming knows %u objects, the full run says %u were knowable",
             file, t, n_s, known);

  for (guint k = first; k < n_s; k++)
    {
      PerpStructureObject expected;

      perp_structure_object_as_of (&b[k], t, &expected);
      assert_same_object (&s[k], &expected, file, t);
    }
}

/* Streams @candles one by one (with a forming candle told in between, which must change
 * nothing) and checks the engine against the full run after every candle: new objects
 * at once, every object's states at about 200 checkpoints and at the end.  Returns the
 * number of objects compared. */
static guint
check_causality (const PerpCandles *candles,
                 const char        *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpStructure) full = NULL;
  g_autoptr(PerpStructure) streaming = NULL;
  const gint64 *t = perp_candles_get_open_time (candles);
  guint n = perp_candles_get_length (candles);
  guint every = MAX (n / 200, 1);
  guint seen = 0;
  guint n_objects;

  full = run (NULL, candles);
  streaming = perp_structure_new (NULL, perp_candles_get_interval (candles), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;
      PerpStructureReading reading;

      perp_candles_get_candle (candles, i, &candle);
      g_assert_true (perp_structure_push (streaming, &candle, &error));
      g_assert_no_error (error);

      compare_known (streaming, full, seen, t[i], file);
      if (i % every == 0 || i + 1 == n)
        compare_known (streaming, full, 0, t[i], file);
      perp_structure_get_objects (streaming, &seen);

      /* The next candle, half formed: it moves the live price only. */
      if (i + 1 < n)
        {
          PerpCandle forming;

          perp_candles_get_candle (candles, i + 1, &forming);
          forming.close = 0.5 * (forming.open + forming.close);
          forming.high = MAX (forming.open, forming.close);
          forming.low = MIN (forming.open, forming.close);
          perp_structure_set_forming (streaming, &forming);
          perp_structure_get_reading (streaming, &reading);
          g_assert_cmpfloat (reading.price, ==, forming.close);
          g_assert_cmpint (reading.time, ==, t[i]);
        }
    }

  perp_structure_get_objects (full, &n_objects);
  return n_objects;
}

static void
test_causality_fixtures (void)
{
  static const char *const names[] = {
    "ETHUSDT_1h_first600.csv",
    "BTCUSDT_5m_2024-01-01_2days.csv",
    "FILUSDT_1m_first400.csv",
  };

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_autofree char *path = perp_test_fixture_path (names[f]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
      guint compared;

      g_assert_no_error (error);
      compared = check_causality (candles, names[f]);
      g_assert_cmpuint (compared, >, 0);
      g_test_message ("%s: %u candles, %u objects, streaming == full run as of every candle",
                      names[f], perp_candles_get_length (candles), compared);
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Every kline file in ../shared/data. */
static void
test_causality_shared (void)
{
  static const char *const folders[] = { "data/klines_usdm", "data/klines_usdm_1m_full" };
  guint files = 0;

  for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *dir_path = perp_test_shared_path (folders[f]);
      g_autoptr(GDir) dir = NULL;
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir_path == NULL)
        {
          g_test_skip ("../shared/data klines not found (PERP_SHARED_DIR): only the fixtures were checked");
          return;
        }
      dir = g_dir_open (dir_path, 0, NULL);
      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".csv"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);

      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *path = g_build_filename (dir_path, names->pdata[k], NULL);
          g_autoptr(GError) error = NULL;
          g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
          guint compared;

          g_assert_no_error (error);
          compared = check_causality (candles, names->pdata[k]);
          g_assert_cmpuint (compared, >, 0);
          g_test_message ("%s: %u candles, %u objects: no difference", (char *) names->pdata[k],
                          perp_candles_get_length (candles), compared);
          files++;
        }
    }
  g_assert_cmpuint (files, >=, 1);
}

/* ------------------------------------------------------------------ pivots */

/* A high at the very first bar is a pivot once `len` bars have closed after it (there
 * is no left-hand test); a high at the last bar never is. */
static void
test_pivot_first_and_last_bar (void)
{
  static const Bar bars[] = {
    { 10, 20, 9, 10 },   /* 0: highest high, first bar */
    { 10, 15, 8, 9 },
    { 9, 14, 7, 8 },     /* 2: internal length 2: bar 0 confirmed here */
    { 8, 13, 6, 7 },
    { 7, 25, 6, 24 },    /* 4: a higher high on the last bar: never confirmed */
  };
  g_autoptr(PerpCandles) candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GPtrArray) highs = NULL;
  const PerpStructureObject *pivot;

  small_config (&config);
  engine = run (&config, candles);
  highs = objects_of (engine, PERP_STRUCTURE_PIVOT_HIGH, PERP_STRUCTURE_DEPTH_INTERNAL);

  g_assert_cmpuint (highs->len, ==, 1);
  pivot = highs->pdata[0];
  g_assert_cmpuint (pivot->candle_index, ==, 0);
  g_assert_cmpfloat (pivot->top, ==, 20);
  g_assert_cmpuint (pivot->formed_index, ==, 2);
  g_assert_cmpint (pivot->formed_at, ==, at (2));
  /* bar 4's high (25) went through it: taken, and the close (24) stayed above. */
  g_assert_cmpint (pivot->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (4));
  g_assert_cmpint (pivot->event_time[PERP_STRUCTURE_EVENT_SWEPT], ==, -1);
}

/* Equal highs: a bar is a new leg high only when it is strictly above every later bar,
 * so of two equal highs only the later one can be the pivot. */
static void
test_pivot_ties (void)
{
  static const Bar bars[] = {
    { 10, 11, 9, 10 },
    { 10, 20, 9, 12 },   /* 1: high 20 */
    { 12, 19, 10, 11 },
    { 11, 20, 10, 12 },  /* 3: high 20 again */
    { 12, 15, 9, 10 },
    { 10, 14, 8, 9 },    /* 5: bar 3 confirmed (bars 4 and 5 below it) */
    { 9, 13, 7, 8 },
  };
  g_autoptr(PerpCandles) candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GPtrArray) highs = NULL;

  small_config (&config);
  engine = run (&config, candles);
  highs = objects_of (engine, PERP_STRUCTURE_PIVOT_HIGH, PERP_STRUCTURE_DEPTH_INTERNAL);

  g_assert_cmpuint (highs->len, ==, 1);
  g_assert_cmpuint (((PerpStructureObject *) highs->pdata[0])->candle_index, ==, 3);
  g_assert_cmpuint (((PerpStructureObject *) highs->pdata[0])->formed_index, ==, 5);
}

/* Flat candles (open = high = low = close) give no pivot, gap or break. */
static void
test_dojis (void)
{
  Bar bars[40];
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpStructure) engine = NULL;
  PerpStructureConfig config;
  PerpStructureReading reading;
  const PerpStructureObject *objects;
  guint n;

  for (guint i = 0; i < G_N_ELEMENTS (bars); i++)
    bars[i] = (Bar) { 100, 100, 100, 100 };
  candles = candles_from (bars, G_N_ELEMENTS (bars), T0 + 3 * H1, PERP_INTERVAL_1H);
  small_config (&config);
  config.fvg_auto_threshold = TRUE;  /* a zero body everywhere: no division by zero */
  engine = run (&config, candles);

  objects = perp_structure_get_objects (engine, &n);
  for (guint k = 0; k < n; k++)
    {
      /* Only the day's range (00:00 is crossed at bar 21) can appear. */
      g_assert_true (objects[k].kind == PERP_STRUCTURE_RANGE_HIGH || objects[k].kind == PERP_STRUCTURE_RANGE_LOW);
      g_assert_cmpfloat (objects[k].top, ==, 100);
    }
  perp_structure_get_reading (engine, &reading);
  g_assert_cmpint (reading.leg.direction, ==, 0);
  g_assert_cmpint (reading.trend[PERP_STRUCTURE_DEPTH_INTERNAL], ==, 0);
  g_assert_true (isnan (reading.leg.retracement));
}

/* No candles at all. */
static void
test_empty (void)
{
  g_autoptr(PerpStructure) engine = perp_structure_new (NULL, PERP_INTERVAL_5M, NULL);
  g_autoptr(PerpCandles) none = perp_candles_new (PERP_INTERVAL_5M, PERP_CANDLE_FIELD_NONE);
  g_autoptr(GArray) active = NULL;
  g_autoptr(GArray) near = NULL;
  g_autoptr(GArray) latest = NULL;
  PerpStructureReading reading;
  guint n = 42;

  g_assert_nonnull (engine);
  g_assert_true (perp_structure_push_candles (engine, none, 0, 0, NULL));
  perp_structure_get_objects (engine, &n);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (perp_structure_get_n_candles (engine), ==, 0);
  perp_structure_get_reading (engine, &reading);
  g_assert_cmpint (reading.time, ==, -1);
  g_assert_true (isnan (reading.price));
  g_assert_cmpint (reading.zone, ==, PERP_STRUCTURE_ZONE_NONE);
  g_assert_false (reading.sessions[0].in_window);

  active = perp_structure_query_active (engine, T0, PERP_STRUCTURE_ALL_KINDS);
  near = perp_structure_query_near (engine, 100.0, 10.0, PERP_STRUCTURE_ALL_KINDS);
  latest = perp_structure_query_latest (engine, PERP_STRUCTURE_FVG, 5);
  g_assert_cmpuint (active->len + near->len + latest->len, ==, 0);
}

/* Candles out of order and invalid ones are refused with an error, and what was
 * stored before stays. */
static void
test_bad_input (void)
{
  g_autoptr(PerpStructure) engine = perp_structure_new (NULL, PERP_INTERVAL_1H, NULL);
  g_autoptr(GError) error = NULL;
  PerpCandle good;
  PerpCandle bad;
  PerpStructureConfig config;

  perp_candle_init (&good, T0, 10, 11, 9, 10, 1);
  g_assert_true (perp_structure_push (engine, &good, &error));
  g_assert_false (perp_structure_push (engine, &good, &error));
  g_assert_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_ORDER);
  g_clear_error (&error);

  perp_candle_init (&bad, T0 + H1, 10, 9, 11, 10, 1);   /* high below low */
  g_assert_false (perp_structure_push (engine, &bad, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INVALID);
  g_clear_error (&error);
  perp_candle_init (&bad, T0 + H1, 10, NAN, 9, 10, 1);
  g_assert_false (perp_structure_push (engine, &bad, &error));
  g_clear_error (&error);
  g_assert_cmpuint (perp_structure_get_n_candles (engine), ==, 1);

  perp_structure_config_init (&config);
  config.time_zone = "Mars/Olympus_Mons";
  g_assert_null (perp_structure_new (&config, PERP_INTERVAL_1H, &error));
  g_assert_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_TIME_ZONE);
  g_clear_error (&error);

  perp_structure_config_init (&config);
  config.killzones[0].end_minute = config.killzones[0].start_minute;
  g_assert_null (perp_structure_new (&config, PERP_INTERVAL_1H, &error));
  g_assert_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, config.killzones[0].name));
}

/* ------------------------------------------------------------------ breaks and order blocks */

/* Internal length 2.  A pivot high at bar 2 (12), confirmed at bar 4; a close above it
 * at bar 6 is a BOS (no trend yet) with the order block at the lowest low between the
 * pivot and the break (bar 4, low 8).  Then a pivot low confirmed and broken by a close
 * below it: against the bullish trend, a CHoCH.  Closing below the bullish order block
 * mitigates and breaks it, which makes a bearish breaker. */
static const Bar break_bars[] = {
  { 10, 10.5, 9.5, 10 },   /* 0 */
  { 10, 11, 9.6, 10.8 },   /* 1 */
  { 10.8, 12, 10, 11 },    /* 2: pivot high 12 */
  { 11, 11.5, 9, 9.5 },    /* 3 */
  { 9.5, 10, 8, 9.8 },     /* 4: pivot high confirmed; low 8 (the order block) */
  { 9.8, 11.9, 9.7, 11.5 },/* 5: pivot low 8 (bar 4)? needs bars 5, 6 above: yes at 6 */
  { 11.5, 13, 11, 12.5 },  /* 6: close 12.5 > 12: bullish BOS */
  { 12.5, 12.8, 12.1, 12.6 }, /* 7 */
  { 12.6, 12.7, 9, 9.5 },  /* 8 */
  { 9.5, 9.8, 7.5, 7.8 },  /* 9: close 7.8 < pivot low 8: CHoCH; closes through OB 8..10 */
  { 7.8, 8.2, 7.4, 8.0 },  /* 10 */
};

static void
test_bos_choch_and_order_blocks (void)
{
  g_autoptr(PerpCandles) candles = candles_from (break_bars, G_N_ELEMENTS (break_bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GPtrArray) bos = NULL;
  g_autoptr(GPtrArray) choch = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(GPtrArray) breakers = NULL;
  const PerpStructureObject *b;
  const PerpStructureObject *ob;
  const PerpStructureObject *breaker;

  small_config (&config);
  config.swing_length = 50;
  engine = run (&config, candles);
  bos = objects_of (engine, PERP_STRUCTURE_BOS, PERP_STRUCTURE_DEPTH_INTERNAL);
  choch = objects_of (engine, PERP_STRUCTURE_CHOCH, PERP_STRUCTURE_DEPTH_INTERNAL);
  blocks = objects_of (engine, PERP_STRUCTURE_ORDER_BLOCK, PERP_STRUCTURE_DEPTH_INTERNAL);
  breakers = objects_of (engine, PERP_STRUCTURE_BREAKER, PERP_STRUCTURE_DEPTH_INTERNAL);

  g_assert_cmpuint (bos->len, ==, 1);
  b = bos->pdata[0];
  g_assert_cmpint (b->direction, ==, 1);
  g_assert_cmpfloat (b->top, ==, 12);
  g_assert_cmpuint (b->candle_index, ==, 2);
  g_assert_cmpuint (b->formed_index, ==, 6);

  g_assert_cmpuint (choch->len, ==, 1);
  g_assert_cmpint (((PerpStructureObject *) choch->pdata[0])->direction, ==, -1);
  g_assert_cmpfloat (((PerpStructureObject *) choch->pdata[0])->top, ==, 8);
  g_assert_cmpuint (((PerpStructureObject *) choch->pdata[0])->formed_index, ==, 9);

  /* The bullish block of the BOS, and the bearish one of the CHoCH. */
  g_assert_cmpuint (blocks->len, ==, 2);
  ob = blocks->pdata[0];
  g_assert_cmpint (ob->direction, ==, 1);
  g_assert_cmpuint (ob->candle_index, ==, 4);
  g_assert_cmpfloat (ob->bottom, ==, 8);
  g_assert_cmpfloat (ob->top, ==, 10);
  g_assert_cmpuint (ob->parent, ==, b->id);
  /* Bar 8 (low 9) traded into it; bar 9's wick (7.5) and close (7.8) went through. */
  g_assert_cmpint (ob->event_time[PERP_STRUCTURE_EVENT_TOUCHED], ==, at (8));
  g_assert_cmpint (ob->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (9));
  g_assert_cmpint (ob->event_time[PERP_STRUCTURE_EVENT_BROKEN], ==, at (9));
  g_assert_false (perp_structure_object_active_at (ob, at (9)));
  g_assert_true (perp_structure_object_active_at (ob, at (8)));

  g_assert_cmpuint (breakers->len, ==, 1);
  breaker = breakers->pdata[0];
  g_assert_cmpint (breaker->direction, ==, -1);
  g_assert_cmpuint (breaker->parent, ==, ob->id);
  g_assert_cmpint (breaker->formed_at, ==, at (9));
  /* Bar 10's high 8.2 reaches the breaker's bottom (8): touched, not failed. */
  g_assert_cmpint (breaker->event_time[PERP_STRUCTURE_EVENT_TOUCHED], ==, at (10));
  g_assert_cmpint (breaker->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, -1);

  /* With swing length 4, bar 4's low 8 is also a swing pivot (confirmed at bar 8): the
   * break of that level belongs to the swing structure, not to the internal one. */
  config.swing_length = 4;
  g_clear_pointer (&engine, perp_structure_free);
  g_clear_pointer (&choch, g_ptr_array_unref);
  engine = run (&config, candles);
  choch = objects_of (engine, PERP_STRUCTURE_CHOCH, PERP_STRUCTURE_DEPTH_INTERNAL);
  g_assert_cmpuint (choch->len, ==, 0);
  g_clear_pointer (&bos, g_ptr_array_unref);
  bos = objects_of (engine, PERP_STRUCTURE_BOS, PERP_STRUCTURE_DEPTH_SWING);
  g_assert_cmpuint (bos->len, ==, 1);
  g_assert_cmpint (((PerpStructureObject *) bos->pdata[0])->direction, ==, -1);
  g_assert_cmpfloat (((PerpStructureObject *) bos->pdata[0])->top, ==, 8);
  g_assert_cmpuint (((PerpStructureObject *) bos->pdata[0])->formed_index, ==, 9);
}

static GPtrArray *
bullish_breaks (const PerpStructure *engine)
{
  GPtrArray *found = g_ptr_array_new ();
  const PerpStructureObject *objects;
  guint n;

  objects = perp_structure_get_objects (engine, &n);
  for (guint k = 0; k < n; k++)
    if ((objects[k].kind == PERP_STRUCTURE_BOS || objects[k].kind == PERP_STRUCTURE_CHOCH)
        && objects[k].direction > 0)
      g_ptr_array_add (found, (gpointer) &objects[k]);

  return found;
}

/* Breaking by wick: bar 5's high (11.9) does not reach 12, bar 6's does; the same break
 * happens on the same bar.  Lower the close of bar 6 below the level: only the wick
 * mode still breaks there. */
static void
test_wick_break (void)
{
  Bar bars[G_N_ELEMENTS (break_bars)];
  g_autoptr(PerpCandles) candles = NULL;
  PerpStructureConfig config;
  g_autoptr(PerpStructure) by_close = NULL;
  g_autoptr(PerpStructure) by_wick = NULL;
  g_autoptr(GPtrArray) close_breaks = NULL;
  g_autoptr(GPtrArray) wick_breaks = NULL;

  memcpy (bars, break_bars, sizeof bars);
  bars[6].c = 11.8;  /* wick 13 above 12, close below */
  bars[7] = (Bar) { 11.8, 11.9, 11.1, 11.5 };
  candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);

  small_config (&config);
  config.swing_length = 50;
  by_close = run (&config, candles);
  config.wick_break = TRUE;
  by_wick = run (&config, candles);

  close_breaks = bullish_breaks (by_close);
  wick_breaks = bullish_breaks (by_wick);
  g_assert_cmpuint (close_breaks->len, ==, 0);
  g_assert_cmpuint (wick_breaks->len, ==, 1);
  g_assert_cmpuint (((PerpStructureObject *) wick_breaks->pdata[0])->formed_index, ==, 6);
}

/* In close mitigation, the wick through the bullish block (bar 9 low 7.5 < 8) with a
 * close above its bottom does not mitigate; a later close below does. */
static void
test_close_mitigation (void)
{
  Bar bars[G_N_ELEMENTS (break_bars) + 1];
  g_autoptr(PerpCandles) candles = NULL;
  PerpStructureConfig config;
  g_autoptr(PerpStructure) by_wick = NULL;
  g_autoptr(PerpStructure) by_close = NULL;
  g_autoptr(GPtrArray) wick_blocks = NULL;
  g_autoptr(GPtrArray) close_blocks = NULL;
  const PerpStructureObject *w;
  const PerpStructureObject *c;

  memcpy (bars, break_bars, sizeof break_bars);
  bars[9] = (Bar) { 9.5, 9.8, 7.5, 8.5 };
  bars[10] = (Bar) { 8.5, 8.6, 8.1, 8.2 };
  bars[11] = (Bar) { 8.2, 8.3, 7.0, 7.2 };
  candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);

  small_config (&config);
  config.swing_length = 50;
  by_wick = run (&config, candles);
  config.close_mitigation = TRUE;
  by_close = run (&config, candles);
  wick_blocks = objects_of (by_wick, PERP_STRUCTURE_ORDER_BLOCK, PERP_STRUCTURE_DEPTH_INTERNAL);
  close_blocks = objects_of (by_close, PERP_STRUCTURE_ORDER_BLOCK, PERP_STRUCTURE_DEPTH_INTERNAL);

  w = wick_blocks->pdata[0];
  c = close_blocks->pdata[0];
  g_assert_cmpuint (w->candle_index, ==, 4);
  g_assert_cmpuint (c->candle_index, ==, 4);
  g_assert_cmpint (w->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (9));
  g_assert_cmpint (c->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (11));
  /* Broken (a breaker) only on the close through, in both modes. */
  g_assert_cmpint (w->event_time[PERP_STRUCTURE_EVENT_BROKEN], ==, at (11));
  g_assert_cmpint (c->event_time[PERP_STRUCTURE_EVENT_BROKEN], ==, at (11));
}

/* ------------------------------------------------------------------ fair value gaps */

static const Bar gap_bars[] = {
  { 10, 10.5, 9.5, 10.2 },
  { 10.2, 12, 10.1, 11.8 },
  { 11.8, 12.5, 11.0, 12.4 },  /* 2: low 11 > high[0] 10.5: bullish gap 10.5..11 */
  { 12.4, 13, 11.5, 12.9 },    /* 3: stays above 11 */
  { 12.9, 13.1, 10.9, 12.0 },  /* 4: low 10.9 <= 11: touched; mid 10.75 not reached */
  { 12.0, 12.1, 10.7, 11.0 },  /* 5: low 10.7 <= 10.75: half filled */
  { 11.0, 11.2, 10.5, 10.9 },  /* 6: low 10.5 <= 10.5: filled */
};

static void
test_fvg_states (void)
{
  g_autoptr(PerpCandles) candles = candles_from (gap_bars, G_N_ELEMENTS (gap_bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GPtrArray) gaps = NULL;
  const PerpStructureObject *g;

  small_config (&config);
  engine = run (&config, candles);
  gaps = objects_of (engine, PERP_STRUCTURE_FVG, PERP_STRUCTURE_DEPTH_NONE);

  g_assert_cmpuint (gaps->len, >=, 1);
  g = gaps->pdata[0];
  g_assert_cmpint (g->direction, ==, 1);
  g_assert_cmpuint (g->candle_index, ==, 1);
  g_assert_cmpuint (g->formed_index, ==, 2);
  g_assert_cmpfloat (g->top, ==, 11.0);
  g_assert_cmpfloat (g->bottom, ==, 10.5);
  g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_TOUCHED], ==, at (4));
  g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_HALF_FILLED], ==, at (5));
  g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (6));
  g_assert_true (perp_structure_object_active_at (g, at (5)));
  g_assert_false (perp_structure_object_active_at (g, at (6)));
}

/* One candle that goes through the whole gap takes every step at once. */
static void
test_fvg_filled_at_once_and_join (void)
{
  static const Bar bars[] = {
    { 10, 10.5, 9.5, 10.2 },
    { 10.2, 12, 10.1, 11.8 },
    { 11.8, 12.5, 11.0, 12.4 },  /* 2: gap 10.5..11 */
    { 12.4, 14, 12.6, 13.8 },    /* 3: low 12.6 > high[1] 12: gap 12..12.6, joins the first */
    { 13.8, 14.1, 10.0, 10.2 },  /* 4: through everything */
  };
  g_autoptr(PerpCandles) candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) separate = NULL;
  g_autoptr(PerpStructure) joined = NULL;
  g_autoptr(GPtrArray) gaps = NULL;
  g_autoptr(GPtrArray) joined_gaps = NULL;
  const PerpStructureObject *first;
  const PerpStructureObject *merged;

  small_config (&config);
  separate = run (&config, candles);
  gaps = objects_of (separate, PERP_STRUCTURE_FVG, PERP_STRUCTURE_DEPTH_NONE);
  g_assert_cmpuint (gaps->len, ==, 2);
  for (guint k = 0; k < 2; k++)
    {
      const PerpStructureObject *g = gaps->pdata[k];

      g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_TOUCHED], ==, at (4));
      g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_HALF_FILLED], ==, at (4));
      g_assert_cmpint (g->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (4));
    }

  config.fvg_join = TRUE;
  joined = run (&config, candles);
  joined_gaps = objects_of (joined, PERP_STRUCTURE_FVG, PERP_STRUCTURE_DEPTH_NONE);
  g_assert_cmpuint (joined_gaps->len, ==, 2);
  first = joined_gaps->pdata[0];
  merged = joined_gaps->pdata[1];
  g_assert_cmpint (first->event_time[PERP_STRUCTURE_EVENT_MERGED], ==, at (3));
  g_assert_cmpint (first->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, -1);
  g_assert_cmpuint (merged->parent, ==, first->id);
  g_assert_cmpuint (merged->candle_index, ==, 1);
  g_assert_cmpfloat (merged->bottom, ==, 10.5);
  g_assert_cmpfloat (merged->top, ==, 12.6);
  g_assert_cmpint (merged->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (4));
}

/* ------------------------------------------------------------------ liquidity */

/* Equal-highs pivots (length 2) at 20.00 and 20.01 within 0.1 %: a pool from 20 to
 * 20.01.  A wick to 20.5 that closes at 19.8 sweeps it. */
static void
test_equal_highs_sweep (void)
{
  static const Bar bars[] = {
    { 18, 18.5, 17.5, 18 },
    { 18, 20, 17.8, 19 },      /* 1: high 20 */
    { 19, 19.2, 18, 18.2 },
    { 18.2, 18.4, 17, 17.5 },  /* 3: bar 1 confirmed */
    { 17.5, 20.01, 17.4, 19.5 },/* 4: high 20.01 */
    { 19.5, 19.6, 18.5, 18.6 },
    { 18.6, 18.7, 18, 18.1 },  /* 6: bar 4 confirmed: equal highs */
    { 18.1, 20.5, 18, 19.8 },  /* 7: wick through 20.01, close back below */
  };
  g_autoptr(PerpCandles) candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(PerpStructure) strict = NULL;
  g_autoptr(GPtrArray) pools = NULL;
  g_autoptr(GPtrArray) none = NULL;
  const PerpStructureObject *pool;

  small_config (&config);
  config.equal_tolerance_mode = PERP_STRUCTURE_TOLERANCE_PERCENT;
  config.equal_tolerance = 0.1;
  engine = run (&config, candles);
  pools = objects_of (engine, PERP_STRUCTURE_EQUAL_HIGHS, PERP_STRUCTURE_DEPTH_NONE);
  g_assert_cmpuint (pools->len, ==, 1);
  pool = pools->pdata[0];
  g_assert_cmpfloat (pool->bottom, ==, 20);
  g_assert_cmpfloat (pool->top, ==, 20.01);
  g_assert_cmpuint (pool->candle_index, ==, 1);
  g_assert_cmpuint (pool->formed_index, ==, 6);
  g_assert_cmpint (pool->event_time[PERP_STRUCTURE_EVENT_SWEPT], ==, at (7));
  g_assert_cmpint (pool->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (7));

  /* 0.01 apart is not within 0.01 % of 20 (0.002). */
  config.equal_tolerance = 0.01;
  strict = run (&config, candles);
  none = objects_of (strict, PERP_STRUCTURE_EQUAL_HIGHS, PERP_STRUCTURE_DEPTH_NONE);
  g_assert_cmpuint (none->len, ==, 0);
}

/* ------------------------------------------------------------------ periods and sessions */

/* 1h candles over two days with the last four hours of the first day missing: the day's
 * high and low form at the first candle past the day, and the next day's candles do
 * not enter the first day's range. */
static void
test_day_range_across_missing_candles (void)
{
  g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_1H, PERP_CANDLE_FIELD_NONE);
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GPtrArray) highs = NULL;
  g_autoptr(GPtrArray) lows = NULL;
  const PerpStructureObject *day_high = NULL;
  const PerpStructureObject *day_low = NULL;
  double expected_high = -INFINITY;
  double expected_low = INFINITY;
  guint first_next_day = 0;

  for (guint h = 0; h < 40; h++)
    {
      PerpCandle c;
      double base = 100 + 10 * sin (h * 0.7);

      if (h >= 20 && h < 24)
        continue;
      perp_candle_init (&c, T0 + h * H1, base, base + 2 + (h % 3), base - 1 - (h % 4), base + 0.5, 1);
      g_assert_true (perp_candles_append (candles, &c, NULL));
      if (h < 24)
        {
          expected_high = MAX (expected_high, c.high);
          expected_low = MIN (expected_low, c.low);
        }
      else if (first_next_day == 0)
        {
          first_next_day = perp_candles_get_length (candles) - 1;
        }
    }

  small_config (&config);
  engine = run (&config, candles);
  highs = objects_of (engine, PERP_STRUCTURE_RANGE_HIGH, PERP_STRUCTURE_DEPTH_NONE);
  lows = objects_of (engine, PERP_STRUCTURE_RANGE_LOW, PERP_STRUCTURE_DEPTH_NONE);
  for (guint k = 0; k < highs->len; k++)
    if (((PerpStructureObject *) highs->pdata[k])->source == PERP_STRUCTURE_SOURCE_DAY)
      day_high = highs->pdata[k];
  for (guint k = 0; k < lows->len; k++)
    if (((PerpStructureObject *) lows->pdata[k])->source == PERP_STRUCTURE_SOURCE_DAY)
      day_low = lows->pdata[k];

  g_assert_nonnull (day_high);
  g_assert_nonnull (day_low);
  g_assert_cmpfloat (day_high->top, ==, expected_high);
  g_assert_cmpfloat (day_low->bottom, ==, expected_low);
  g_assert_cmpuint (day_high->formed_index, ==, first_next_day);
  g_assert_cmpstr (perp_structure_source_name (engine, day_high->source), ==, "day");
}

/* A killzone across midnight, 22:00-02:00 UTC, on 1h candles: its range is the candles
 * opening 22:00, 23:00, 00:00 and 01:00, formed when the 01:00 candle closes. */
static void
test_session_across_midnight (void)
{
  Bar bars[30];
  g_autoptr(PerpCandles) candles = NULL;
  PerpStructureConfig config;
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(PerpStructure) partial = NULL;
  g_autoptr(GPtrArray) highs = NULL;
  PerpStructureReading reading;
  const PerpStructureObject *session_high = NULL;
  double expected = -INFINITY;

  for (guint i = 0; i < G_N_ELEMENTS (bars); i++)
    {
      double base = 50 + i;

      bars[i] = (Bar) { base, base + 1 + (i % 5), base - 1, base + 0.5 };
      if (i >= 22 && i <= 25)
        expected = MAX (expected, bars[i].h);
    }
  /* bar 21 (21:00) and bar 26 (02:00) are higher, outside the window */
  bars[21].h = bars[26].h = 1000;
  candles = candles_from (bars, G_N_ELEMENTS (bars), T0, PERP_INTERVAL_1H);

  small_config (&config);
  config.n_killzones = 1;
  config.killzones[0] = (PerpKillzone) { "late", 22 * 60, 2 * 60 };
  engine = run (&config, candles);
  highs = objects_of (engine, PERP_STRUCTURE_RANGE_HIGH, PERP_STRUCTURE_DEPTH_NONE);
  for (guint k = 0; k < highs->len; k++)
    if (((PerpStructureObject *) highs->pdata[k])->source == PERP_STRUCTURE_SOURCE_KILLZONE)
      session_high = highs->pdata[k];

  g_assert_nonnull (session_high);
  g_assert_cmpfloat (session_high->top, ==, expected);
  g_assert_cmpuint (session_high->formed_index, ==, 25);
  g_assert_cmpstr (perp_structure_source_name (engine, session_high->source), ==, "late");
  /* bar 26 (high 1000) took it */
  g_assert_cmpint (session_high->event_time[PERP_STRUCTURE_EVENT_MITIGATED], ==, at (26));

  /* Halfway through (after 23:00), the session is running with the high so far. */
  partial = perp_structure_new (&config, PERP_INTERVAL_1H, NULL);
  g_assert_true (perp_structure_push_candles (partial, candles, 0, 24, NULL));
  perp_structure_get_reading (partial, &reading);
  g_assert_true (reading.sessions[3].in_window);
  g_assert_cmpint (reading.sessions[3].start, ==, at (22));
  g_assert_cmpint (reading.sessions[3].end, ==, at (26));
  g_assert_cmpfloat (reading.sessions[3].high, ==, MAX (bars[22].h, bars[23].h));
}

/* New York's 02:00-05:00 around the 2024 clock changes: on 9 March (EST, UTC-5) it is
 * 07:00-10:00 UTC; on 10 March 02:00 does not exist and the window opens when the
 * clock does, 03:00 EDT = 07:00 UTC, and ends 05:00 EDT = 09:00 UTC; on 3 November
 * 02:00 comes after the repeated hour: 07:00-10:00 UTC again. */
static void
test_session_dst (void)
{
  static const struct
  {
    int    month, day;
    int    start_hour_utc, end_hour_utc;
  } days[] = {
    { 3, 9, 7, 10 },
    { 3, 10, 7, 9 },
    { 3, 11, 6, 9 },
    { 11, 2, 6, 9 },
    { 11, 3, 7, 10 },
  };
  PerpStructureConfig config;

  small_config (&config);
  config.time_zone = "America/New_York";
  config.n_killzones = 1;
  config.killzones[0] = (PerpKillzone) { "london-open", 2 * 60, 5 * 60 };

  for (guint d = 0; d < G_N_ELEMENTS (days); d++)
    {
      g_autoptr(GDateTime) midnight = g_date_time_new_utc (2024, days[d].month, days[d].day, 0, 0, 0);
      gint64 t = g_date_time_to_unix (midnight) * 1000;
      g_autoptr(PerpStructure) engine = perp_structure_new (&config, PERP_INTERVAL_1H, NULL);
      PerpStructureReading reading;
      PerpCandle c;

      g_assert_nonnull (engine);
      /* One candle at 01:00 UTC on that day: the next window is that day's. */
      perp_candle_init (&c, t + H1, 10, 11, 9, 10, 1);
      g_assert_true (perp_structure_push (engine, &c, NULL));
      perp_structure_get_reading (engine, &reading);
      g_assert_cmpint (reading.sessions[3].start, ==, t + days[d].start_hour_utc * H1);
      g_assert_cmpint (reading.sessions[3].end, ==, t + days[d].end_hour_utc * H1);
    }
}

/* ------------------------------------------------------------------ leg and queries */

/* The active leg at every candle of a real series, recomputed the slow way from the
 * objects: the trend's direction (or away from the latest pivot), anchored at the last
 * opposite swing pivot, to the extreme price since it. */
static void
test_leg_against_objects (void)
{
  g_autofree char *path = perp_test_fixture_path ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, NULL);
  g_autoptr(PerpStructure) engine = perp_structure_new (NULL, PERP_INTERVAL_1H, NULL);
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  const double *close = perp_candles_get_close (candles);
  guint checked = 0;

  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      const PerpStructureObject *objects;
      const PerpStructureObject *last_high = NULL;
      const PerpStructureObject *last_low = NULL;
      PerpStructureReading r;
      int trend = 0;
      guint n;
      gboolean up;
      double extreme;

      g_assert_true (perp_structure_push_candles (engine, candles, i, i + 1, NULL));
      perp_structure_get_reading (engine, &r);
      objects = perp_structure_get_objects (engine, &n);
      for (guint k = 0; k < n; k++)
        {
          const PerpStructureObject *o = &objects[k];

          if (o->depth != PERP_STRUCTURE_DEPTH_SWING)
            continue;
          if (o->kind == PERP_STRUCTURE_PIVOT_HIGH)
            last_high = o;
          else if (o->kind == PERP_STRUCTURE_PIVOT_LOW)
            last_low = o;
          else if (o->kind == PERP_STRUCTURE_BOS || o->kind == PERP_STRUCTURE_CHOCH)
            trend = o->direction;
        }
      g_assert_cmpint (r.trend[PERP_STRUCTURE_DEPTH_SWING], ==, trend);
      if (last_high == NULL && last_low == NULL)
        {
          g_assert_cmpint (r.leg.direction, ==, 0);
          continue;
        }

      if (trend != 0 && last_high != NULL && last_low != NULL)
        up = trend > 0;
      else
        up = last_low != NULL && (last_high == NULL || last_low->candle_index > last_high->candle_index);
      g_assert_cmpint (r.leg.direction, ==, up ? 1 : -1);
      g_assert_cmpfloat (r.leg.anchor, ==, up ? last_low->bottom : last_high->top);

      extreme = up ? -INFINITY : INFINITY;
      for (guint j = up ? last_low->candle_index : last_high->candle_index; j <= i; j++)
        extreme = up ? MAX (extreme, high[j]) : MIN (extreme, low[j]);
      g_assert_cmpfloat (r.leg.extreme, ==, extreme);
      if (extreme != r.leg.anchor)
        g_assert_cmpfloat_with_epsilon (r.leg.retracement, (extreme - close[i]) / (extreme - r.leg.anchor), 1e-12);
      for (guint f = 0; f < r.leg.n_levels; f++)
        g_assert_cmpfloat_with_epsilon (r.leg.levels[f], extreme - r.leg.ratios[f] * (extreme - r.leg.anchor), 1e-9);
      checked++;
    }
  g_assert_cmpuint (checked, >, 400);
}

static void
test_queries (void)
{
  g_autofree char *path = perp_test_fixture_path ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, NULL);
  g_autoptr(PerpStructure) engine = run (NULL, candles);
  const gint64 *t = perp_candles_get_open_time (candles);
  gint64 mid = t[300];
  gint64 last = t[perp_candles_get_length (candles) - 1];
  g_autoptr(GArray) active = perp_structure_query_active (engine, mid, PERP_STRUCTURE_KIND_MASK (PERP_STRUCTURE_FVG));
  g_autoptr(GArray) latest = perp_structure_query_latest (engine, PERP_STRUCTURE_FVG, 3);
  g_autoptr(GArray) near = NULL;
  const PerpStructureObject *objects;
  PerpStructureReading reading;
  guint n;
  guint expected = 0;
  guint last_fvg = 0;
  guint fvgs = 0;

  objects = perp_structure_get_objects (engine, &n);
  for (guint k = 0; k < n; k++)
    if (objects[k].kind == PERP_STRUCTURE_FVG)
      {
        gint64 end = objects[k].event_time[PERP_STRUCTURE_EVENT_MITIGATED];
        gint64 merged = objects[k].event_time[PERP_STRUCTURE_EVENT_MERGED];

        fvgs++;
        last_fvg = k;
        if (objects[k].formed_at <= mid && (end < 0 || end > mid) && (merged < 0 || merged > mid))
          expected++;
      }
  g_assert_cmpuint (fvgs, >, 3);
  g_assert_cmpuint (active->len, ==, expected);
  for (guint k = 0; k < active->len; k++)
    g_assert_cmpint (objects[g_array_index (active, guint, k)].kind, ==, PERP_STRUCTURE_FVG);

  g_assert_cmpuint (latest->len, ==, 3);
  g_assert_cmpuint (g_array_index (latest, guint, 2), ==, last_fvg);
  g_assert_cmpuint (g_array_index (latest, guint, 0), <, g_array_index (latest, guint, 1));

  perp_structure_get_reading (engine, &reading);
  near = perp_structure_query_near (engine, reading.price, 0.01 * reading.price, PERP_STRUCTURE_ALL_KINDS);
  for (guint k = 0; k < near->len; k++)
    {
      const PerpStructureObject *o = &objects[g_array_index (near, guint, k)];

      g_assert_true (perp_structure_object_active_at (o, last));
      g_assert_cmpfloat (o->top, >=, reading.price - 0.01 * reading.price);
      g_assert_cmpfloat (o->bottom, <=, reading.price + 0.01 * reading.price);
    }
}

/* A reset engine runs again to the same result. */
static void
test_reset (void)
{
  g_autofree char *path = perp_test_fixture_path ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, NULL);
  g_autoptr(PerpStructure) once = run (NULL, candles);
  g_autoptr(PerpStructure) twice = run (NULL, candles);
  const PerpStructureObject *a;
  const PerpStructureObject *b;
  guint n_a;
  guint n_b;

  perp_structure_reset (twice);
  g_assert_cmpuint (perp_structure_get_n_candles (twice), ==, 0);
  g_assert_true (perp_structure_push_candles (twice, candles, 0, perp_candles_get_length (candles), NULL));
  a = perp_structure_get_objects (once, &n_a);
  b = perp_structure_get_objects (twice, &n_b);
  g_assert_cmpuint (n_a, ==, n_b);
  g_assert_cmpuint (n_a, >, 0);
  for (guint k = 0; k < n_a; k++)
    assert_same_object (&b[k], &a[k], "reset", -1);
}

/* ------------------------------------------------------------------ what is still live */

static gint64
object_end (const PerpStructureObject *o)
{
  gint64 mitigated = o->event_time[PERP_STRUCTURE_EVENT_MITIGATED];
  gint64 merged = o->event_time[PERP_STRUCTURE_EVENT_MERGED];

  return mitigated < 0 ? merged : merged < 0 ? mitigated : MIN (mitigated, merged);
}

static gboolean
is_break (const PerpStructureObject *o)
{
  return o->kind == PERP_STRUCTURE_BOS || o->kind == PERP_STRUCTURE_CHOCH;
}

/* Which set of perp_structure_get_live_set () @o belongs to, as perp-structure.h
 * defines them, or -1: zones are order blocks, breakers and gaps; pools, where resting
 * stops sit, are equal highs and lows, the calendar periods' highs and lows (not the
 * killzones') and the swing pivots (not the internal ones). */
static int
live_set_of (const PerpStructureObject *o)
{
  gboolean calendar = o->source == PERP_STRUCTURE_SOURCE_DAY || o->source == PERP_STRUCTURE_SOURCE_WEEK
                      || o->source == PERP_STRUCTURE_SOURCE_MONTH;
  gboolean swing = o->depth == PERP_STRUCTURE_DEPTH_SWING;

  switch (o->kind)
    {
    case PERP_STRUCTURE_ORDER_BLOCK:
    case PERP_STRUCTURE_BREAKER:
    case PERP_STRUCTURE_FVG:
      return PERP_STRUCTURE_LIVE_ZONES;
    case PERP_STRUCTURE_EQUAL_HIGHS:
      return PERP_STRUCTURE_LIVE_HIGH_POOLS;
    case PERP_STRUCTURE_EQUAL_LOWS:
      return PERP_STRUCTURE_LIVE_LOW_POOLS;
    case PERP_STRUCTURE_RANGE_HIGH:
      return calendar ? PERP_STRUCTURE_LIVE_HIGH_POOLS : -1;
    case PERP_STRUCTURE_RANGE_LOW:
      return calendar ? PERP_STRUCTURE_LIVE_LOW_POOLS : -1;
    case PERP_STRUCTURE_PIVOT_HIGH:
      return swing ? PERP_STRUCTURE_LIVE_HIGH_POOLS : -1;
    case PERP_STRUCTURE_PIVOT_LOW:
      return swing ? PERP_STRUCTURE_LIVE_LOW_POOLS : -1;
    default:
      return -1;
    }
}

/* The live, ended and pivot indexes against their definitions, worked out from the
 * whole object list: after every candle of a stream, or after runs of candles (the
 * index catches up lazily), and again after a reset.  @seen counts the records of
 * each live set checked. */
static void
check_live (const PerpStructure *engine,
            const char          *where,
            guint               *seen)
{
  const PerpStructureObject *objects;
  const guint *ids;
  guint n_objects;
  guint n_ids;
  guint expected = 0;
  gint64 now;
  PerpStructureReading reading;

  objects = perp_structure_get_objects (engine, &n_objects);
  perp_structure_get_reading (engine, &reading);
  now = reading.time;

  ids = perp_structure_get_live (engine, &n_ids);
  for (guint k = 0; k < n_objects; k++)
    if (!is_break (&objects[k]) && perp_structure_object_active_at (&objects[k], now))
      {
        if (expected >= n_ids || ids[expected] != k)
          g_error ("%s: live object %u (%s) missing or out of order", where, k,
                   perp_structure_kind_name (objects[k].kind));
        expected++;
      }
  g_assert_cmpuint (n_ids, ==, expected);

  /* The packed sets: every live object of the set, in formed order, its fields copied,
   * and the pool sides as the scorer asks for them. */
  for (guint set = 0; set < PERP_STRUCTURE_N_LIVE_SETS; set++)
    {
      const PerpStructureLiveObject *records;
      guint n_records;

      records = perp_structure_get_live_set (engine, set, &n_records);
      expected = 0;
      for (guint k = 0; k < n_objects; k++)
        if (!is_break (&objects[k]) && perp_structure_object_active_at (&objects[k], now)
            && live_set_of (&objects[k]) == (int) set)
          {
            const PerpStructureLiveObject *r = &records[expected];
            const PerpStructureObject *o = &objects[k];

            if (expected >= n_records || r->id != k)
              g_error ("%s: live object %u (%s) missing from set %u or out of order", where, k,
                       perp_structure_kind_name (o->kind), set);
            g_assert_true (r->top == o->top && r->bottom == o->bottom);
            g_assert_cmpuint (r->kind, ==, o->kind);
            g_assert_cmpuint (r->depth, ==, o->depth);
            g_assert_cmpint (r->direction, ==, o->direction);
            g_assert_cmpuint (r->source, ==, o->source);
            expected++;
          }
      g_assert_cmpuint (n_records, ==, expected);
      seen[set] += n_records;
    }
  for (guint k = 0; k < n_objects; k++)
    {
      int set = live_set_of (&objects[k]);
      int side = set == PERP_STRUCTURE_LIVE_HIGH_POOLS ? 1 : set == PERP_STRUCTURE_LIVE_LOW_POOLS ? -1 : 0;

      g_assert_cmpint (perp_structure_object_pool_side (&objects[k]), ==, side);
    }

  /* Ended since a few candles back, since the start, and since after the last. */
  for (guint back = 0; back < 4; back++)
    {
      gint64 since = back == 0 ? G_MININT64 : back == 3 ? now + 1 : now - (gint64) (back * 5) * H1;
      gint64 previous_end = G_MININT64;
      guint previous = 0;

      ids = perp_structure_get_ended (engine, since, &n_ids);
      expected = 0;
      for (guint k = 0; k < n_objects; k++)
        expected += !is_break (&objects[k]) && object_end (&objects[k]) >= 0 && object_end (&objects[k]) >= since;
      g_assert_cmpuint (n_ids, ==, expected);
      for (guint k = 0; k < n_ids; k++)
        {
          gint64 end = object_end (&objects[ids[k]]);

          g_assert_false (is_break (&objects[ids[k]]));
          g_assert_cmpint (end, >=, MAX (since, 0));
          g_assert_cmpint (end, <=, now);
          g_assert_true (end > previous_end || (end == previous_end && ids[k] > previous));
          previous_end = end;
          previous = ids[k];
        }
    }

  /* The latest pivot beyond prices around the last close, and exactly at the last few
   * objects' tops (strictly beyond: a pivot at the price is not), at both depths and
   * sides. */
  for (int step = -6; step <= 6 + 8; step++)
    for (guint depth = PERP_STRUCTURE_DEPTH_INTERNAL; depth <= PERP_STRUCTURE_DEPTH_SWING; depth++)
      for (int direction = -1; direction <= 1; direction += 2)
        {
          double beyond = step <= 6 ? reading.price * (1.0 + 0.01 * step)
                        : n_objects > (guint) (step - 6) ? objects[n_objects - (guint) (step - 6)].top
                        : reading.price;
          guint want = PERP_STRUCTURE_NO_OBJECT;

          for (guint k = 0; k < n_objects; k++)
            if (objects[k].depth == depth && objects[k].direction == direction
                && objects[k].kind == (direction > 0 ? PERP_STRUCTURE_PIVOT_LOW : PERP_STRUCTURE_PIVOT_HIGH)
                && (direction > 0 ? objects[k].top < beyond : objects[k].top > beyond))
              want = k;
          g_assert_cmpuint (perp_structure_find_pivot (engine, depth, direction, beyond), ==, want);
        }
}

/* One stream through the engine, checked after every candle, then (after a reset)
 * after runs of 1 to 37 candles, and of 50 to 449: in a run, steps are taken ahead,
 * the engine may take steps ahead (see wait () in perp-structure.c), and the index
 * must see the events of the candles pushed, and only those. */
static void
check_live_stream (const PerpStructureConfig *config,
                   const PerpCandles         *candles,
                   const char                *fixture)
{
  g_autoptr(PerpStructure) engine = NULL;
  guint n = perp_candles_get_length (candles);
  guint seen[PERP_STRUCTURE_N_LIVE_SETS] = { 0 };
  guint n_objects;
  guint n_ended;
  guint n_live;
  guint n_set;

  engine = perp_structure_new (config, perp_candles_get_interval (candles), NULL);
  g_assert_nonnull (engine);

  for (guint round = 0; round < 3; round++)
    {
      guint i = 0;

      /* Round 0 asks after every candle; round 1 (after a reset) after runs of 1 to 37,
       * round 2 after runs of 50 to 449. */
      while (i < n)
        {
          guint end = round == 0 ? i + 1
                    : round == 1 ? MIN (n, i + 1 + (i * 7919) % 37)
                    : MIN (n, i + 50 + (i * 7919) % 400);
          g_autofree char *where = g_strdup_printf ("%s, round %u, after candle %u", fixture, round, end - 1);

          g_assert_true (perp_structure_push_candles (engine, candles, i, end, NULL));
          check_live (engine, where, seen);
          i = end;
        }
      perp_structure_reset (engine);
      perp_structure_get_live (engine, &n_live);
      perp_structure_get_ended (engine, G_MININT64, &n_ended);
      g_assert_cmpuint (n_live + n_ended, ==, 0);
      for (guint set = 0; set < PERP_STRUCTURE_N_LIVE_SETS; set++)
        {
          perp_structure_get_live_set (engine, set, &n_set);
          g_assert_cmpuint (n_set, ==, 0);
        }
    }

  /* The stream had something to check, in every set. */
  g_test_message ("%s: live records checked: zones %u, high pools %u, low pools %u", fixture,
                  seen[PERP_STRUCTURE_LIVE_ZONES], seen[PERP_STRUCTURE_LIVE_HIGH_POOLS],
                  seen[PERP_STRUCTURE_LIVE_LOW_POOLS]);
  for (guint set = 0; set < PERP_STRUCTURE_N_LIVE_SETS; set++)
    g_assert_cmpuint (seen[set], >, 100);
  g_assert_true (perp_structure_push_candles (engine, candles, 0, n, NULL));
  check_live (engine, "whole", seen);
  perp_structure_get_objects (engine, &n_objects);
  perp_structure_get_live (engine, &n_live);
  perp_structure_get_ended (engine, G_MININT64, &n_ended);
  g_assert_cmpuint (n_live, >, 10);
  g_assert_cmpuint (n_ended, >, 100);
  g_assert_cmpuint (n_live + n_ended, <, n_objects);
}

static PerpCandles *
load_fixture (const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  PerpCandles *candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);

  g_assert_no_error (error);
  return candles;
}

static void
test_live (void)
{
  g_autoptr(PerpCandles) eth = load_fixture ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) btc = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) walk = perp_candles_new (PERP_INTERVAL_4H, PERP_CANDLE_FIELD_NONE);
  g_autoptr(PerpStructure) engine = NULL;
  PerpStructureConfig config;
  const PerpStructureObject *objects;
  guint32 state = 12345;
  double price = 100.0;
  guint n_months = 0;
  guint n_objects;

  perp_structure_config_init (&config);
  config.internal_length = 3;
  config.swing_length = 10;
  config.fvg_join = TRUE;  /* merged gaps end too, some after steps taken ahead */
  check_live_stream (&config, eth, "ETHUSDT_1h_first600.csv");

  /* The defaults, on 5m candles: days' and sessions' ranges, and swing pivots of 50. */
  perp_structure_config_init (&config);
  check_live_stream (&config, btc, "BTCUSDT_5m_2024-01-01_2days.csv");

  /* Four months of a random walk in 4h candles: the months' highs and lows are pools,
   * the killzones' are not. */
  for (guint i = 0; i < 720; i++)
    {
      PerpCandle c;
      double open = price;
      double wick;

      state = state * 1664525u + 1013904223u;
      price *= 1.0 + ((double) (state >> 8) / (double) (1u << 24) - 0.5) * 0.04;
      state = state * 1664525u + 1013904223u;
      wick = (double) (state >> 8) / (double) (1u << 24) * 0.01 * open;
      perp_candle_init (&c, T0 + (gint64) i * 4 * H1, open, MAX (open, price) + wick,
                        MIN (open, price) - wick, price, 1.0);
      g_assert_true (perp_candles_append (walk, &c, NULL));
    }
  perp_structure_config_init (&config);
  config.swing_length = 20;
  check_live_stream (&config, walk, "4h random walk");
  engine = run (&config, walk);
  objects = perp_structure_get_objects (engine, &n_objects);
  for (guint k = 0; k < n_objects; k++)
    n_months += objects[k].source == PERP_STRUCTURE_SOURCE_MONTH;
  g_assert_cmpuint (n_months, >=, 6);
}

/* A random walk of @n candles with wicks: many more structure events, and breakers,
 * than the fixtures' few days. */
static PerpCandles *
random_walk (guint        n,
             PerpInterval interval,
             guint32      seed)
{
  PerpCandles *candles = perp_candles_new (interval, PERP_CANDLE_FIELD_NONE);
  gint64 step = perp_interval_to_ms (interval);
  guint32 state = seed;
  double price = 100.0;

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;
      double open = price;
      double wick;

      state = state * 1664525u + 1013904223u;
      price *= 1.0 + ((double) (state >> 8) / (double) (1u << 24) - 0.5) * 0.01;
      state = state * 1664525u + 1013904223u;
      wick = (double) (state >> 8) / (double) (1u << 24) * 0.003 * open;
      perp_candle_init (&c, T0 + (gint64) i * step, open, MAX (open, price) + wick,
                        MIN (open, price) - wick, price, 1.0);
      g_assert_true (perp_candles_append (candles, &c, NULL));
    }

  return candles;
}

/* @candles pushed whole, one at a time (where nothing is known ahead: the queues take
 * every step), and in pieces (single candles through perp_structure_push, runs of 1 to
 * 40 candles, and runs of up to 6,000, whose ends cut short what a push may take
 * ahead) give the same objects and reading. */
static void
check_pieces (const PerpStructureConfig *config,
              const PerpCandles         *candles,
              guint32                    seed,
              const char                *what)
{
  g_autoptr(PerpStructure) whole = run (config, candles);
  g_autoptr(PerpStructure) pieces = perp_structure_new (config, perp_candles_get_interval (candles), NULL);
  g_autoptr(PerpStructure) single = perp_structure_new (config, perp_candles_get_interval (candles), NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const PerpStructureObject *a;
  const PerpStructureObject *b;
  const PerpStructureObject *c;
  PerpStructureReading ra;
  PerpStructureReading rb;
  guint n = perp_candles_get_length (candles);
  guint na;
  guint nb;
  guint nc;
  guint breakers = 0;

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      g_assert_true (perp_structure_push (single, &candle, NULL));
    }

  for (guint i = 0; i < n;)
    {
      int kind = g_rand_int_range (rand, 0, 4);

      if (kind == 0)
        {
          PerpCandle candle;

          perp_candles_get_candle (candles, i, &candle);
          g_assert_true (perp_structure_push (pieces, &candle, NULL));
          i++;
        }
      else
        {
          guint len = (guint) (kind == 3 ? g_rand_int_range (rand, 100, 6000) : g_rand_int_range (rand, 1, 41));

          len = MIN (len, n - i);
          g_assert_true (perp_structure_push_candles (pieces, candles, i, i + len, NULL));
          i += len;
        }
    }

  a = perp_structure_get_objects (whole, &na);
  b = perp_structure_get_objects (pieces, &nb);
  c = perp_structure_get_objects (single, &nc);
  g_assert_cmpuint (na, ==, nb);
  g_assert_cmpuint (na, ==, nc);
  for (guint k = 0; k < na; k++)
    {
      assert_same_object (&c[k], &a[k], what, -1);
      assert_same_object (&b[k], &a[k], what, -1);
      breakers += a[k].kind == PERP_STRUCTURE_BREAKER;
    }
  perp_structure_get_reading (whole, &ra);
  perp_structure_get_reading (pieces, &rb);
  g_assert_cmpint (ra.time, ==, rb.time);
  g_assert_cmpfloat (ra.price, ==, rb.price);
  g_assert_cmpmem (ra.trend, sizeof ra.trend, rb.trend, sizeof rb.trend);
  g_assert_cmpint (ra.leg.anchor_index, ==, rb.leg.anchor_index);
  g_assert_cmpint (ra.leg.extreme_index, ==, rb.leg.extreme_index);
  g_assert_true (ra.range_top == rb.range_top || (isnan (ra.range_top) && isnan (rb.range_top)));
  g_test_message ("%s: %u objects (%u breakers), the same pushed one at a time and in pieces", what, na,
                  breakers);
  g_assert_cmpuint (breakers, >, 0);
}

static void
test_pieces (void)
{
  g_autoptr(PerpCandles) btc = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) eth = load_fixture ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) walk = random_walk (40000, PERP_INTERVAL_5M, 777);
  PerpStructureConfig config;

  for (guint v = 0; v < 3; v++)
    {
      perp_structure_config_init (&config);
      if (v == 1)
        {
          config.fvg_join = TRUE;
          config.close_mitigation = TRUE;
          config.internal_length = 3;
          config.swing_length = 20;
        }
      else if (v == 2)
        {
          config.wick_break = TRUE;
          config.internal_length = 1;
          config.swing_length = 2;
          config.equal_length = 1;
          config.fvg_auto_threshold = TRUE;
        }
      check_pieces (&config, btc, 11 + v, "BTCUSDT_5m_2024-01-01_2days.csv");
      check_pieces (&config, eth, 21 + v, "ETHUSDT_1h_first600.csv");
      check_pieces (&config, walk, 31 + v, "40,000 candles of a random walk");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/structure/causality/fixtures", test_causality_fixtures);
  g_test_add_func ("/structure/pivot/first-and-last-bar", test_pivot_first_and_last_bar);
  g_test_add_func ("/structure/pivot/ties", test_pivot_ties);
  g_test_add_func ("/structure/dojis", test_dojis);
  g_test_add_func ("/structure/empty", test_empty);
  g_test_add_func ("/structure/bad-input", test_bad_input);
  g_test_add_func ("/structure/break/bos-choch-order-blocks", test_bos_choch_and_order_blocks);
  g_test_add_func ("/structure/break/wick", test_wick_break);
  g_test_add_func ("/structure/order-block/close-mitigation", test_close_mitigation);
  g_test_add_func ("/structure/fvg/states", test_fvg_states);
  g_test_add_func ("/structure/fvg/at-once-and-join", test_fvg_filled_at_once_and_join);
  g_test_add_func ("/structure/liquidity/equal-highs-sweep", test_equal_highs_sweep);
  g_test_add_func ("/structure/range/day-across-missing-candles", test_day_range_across_missing_candles);
  g_test_add_func ("/structure/session/across-midnight", test_session_across_midnight);
  g_test_add_func ("/structure/session/dst", test_session_dst);
  g_test_add_func ("/structure/leg/against-objects", test_leg_against_objects);
  g_test_add_func ("/structure/queries", test_queries);
  g_test_add_func ("/structure/reset", test_reset);
  g_test_add_func ("/structure/live", test_live);
  g_test_add_func ("/structure/pieces", test_pieces);
  if (g_getenv ("PERP_STRUCTURE_SHARED") != NULL || g_test_slow ())
    g_test_add_func ("/structure/causality/shared", test_causality_shared);

  return g_test_run ();
}
