/* test-liquidation-map.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "core/perp-liquidation-map.h"
#include "test-derivatives-check.h"

#define MINUTE  PERP_MS_PER_MINUTE
#define HOUR    PERP_MS_PER_HOUR
#define T0      G_GINT64_CONSTANT (1704067200000)  /* 2024-01-01 00:00 UTC */
#define REL     1e-12

/* The test's own model parameters: four tiers with distinct weights, a maintenance
 * margin that keeps every level of a 1000 entry well inside its 1.0 bucket. */
static const double test_leverage[] = { 10.0, 25.0, 50.0, 100.0 };
static const double test_weight[] = { 1.0, 2.0, 3.0, 4.0 };
#define TEST_MMR    0.0043
#define TEST_BUCKET 1.0

static void
test_params (PerpLiqMapParams *p)
{
  perp_liq_map_params_init_default (p, 1000.0);
  p->n_tiers = G_N_ELEMENTS (test_leverage);
  for (guint i = 0; i < p->n_tiers; i++)
    {
      p->leverage[i] = test_leverage[i];
      p->weight[i] = test_weight[i];
    }
  p->maintenance_margin = TEST_MMR;
  p->bucket_size = TEST_BUCKET;
  p->half_life_ms = 0;
  p->entry = PERP_LIQ_ENTRY_TYPICAL;
  p->split = PERP_LIQ_SPLIT_EVEN;
}

static double
weight_sum (const PerpLiqMapParams *p)
{
  double sum = 0.0;

  for (guint i = 0; i < p->n_tiers; i++)
    sum += p->weight[i];

  return sum;
}

/* The formulas, written here rather than taken from the library. */
static double
expected_long (double entry,
               double leverage,
               double mmr)
{
  return entry * (1.0 - 1.0 / leverage + mmr);
}

static double
expected_short (double entry,
                double leverage,
                double mmr)
{
  return entry * (1.0 + 1.0 / leverage - mmr);
}

/* The bucket of @price, asserting that it is not so close to an edge that the order of
 * floating-point operations could move it. */
static gint64
safe_bucket (double price,
             double size)
{
  double q = price / size;
  double frac = q - floor (q);

  g_assert_cmpfloat (frac, >, 1e-6);
  g_assert_cmpfloat (frac, <, 1.0 - 1e-6);

  return (gint64) floor (q);
}

static void
flat_candle (PerpCandle *c,
             gint64      open_time,
             double      price)
{
  perp_candle_init (c, open_time, price, price, price, price, 10.0);
}

static PerpLiqMap *
new_map (const PerpLiqMapParams *p,
         gint64                  interval)
{
  g_autoptr(GError) error = NULL;
  PerpLiqMap *map = perp_liq_map_new (p, interval, &error);

  g_assert_no_error (error);
  g_assert_nonnull (map);

  return map;
}

/* One expected level of the test's own bookkeeping. */
typedef struct
{
  gint64   bucket;
  gboolean is_long;
  double   amount;
  gboolean alive;
} Level;

/* Levels of positions opened at @entry with @notional, split evenly. */
static void
add_expected_levels (GArray                 *levels,
                     const PerpLiqMapParams *p,
                     double                  entry,
                     double                  notional)
{
  for (guint i = 0; i < p->n_tiers; i++)
    {
      double amount = notional * 0.5 * (p->weight[i] / weight_sum (p));
      Level l = { safe_bucket (expected_long (entry, p->leverage[i], p->maintenance_margin), p->bucket_size),
                  TRUE, amount, TRUE };
      Level s = { safe_bucket (expected_short (entry, p->leverage[i], p->maintenance_margin), p->bucket_size),
                  FALSE, amount, TRUE };

      g_array_append_val (levels, l);
      g_array_append_val (levels, s);
    }
}

/* Applies the trading-through rule to the expected levels; returns what it removed. */
static void
trade_through_expected (GArray *levels,
                        double  lo,
                        double  hi,
                        double  size,
                        double *consumed_long,
                        double *consumed_short)
{
  gint64 k0 = (gint64) floor (lo / size);
  gint64 k1 = (gint64) floor (hi / size);

  *consumed_long = *consumed_short = 0.0;
  for (guint i = 0; i < levels->len; i++)
    {
      Level *l = &g_array_index (levels, Level, i);

      if (!l->alive || l->bucket < k0 || l->bucket > k1)
        continue;
      l->alive = FALSE;
      *(l->is_long ? consumed_long : consumed_short) += l->amount;
    }
}

/* Every bucket the map spans against the expected levels, and the totals. */
static void
assert_map_matches (const PerpLiqMap *map,
                    GArray           *levels,
                    gint64            time_ms)
{
  g_autoptr(GHashTable) want_long = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) want_short = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  double total_long = 0.0;
  double total_short = 0.0;
  gint64 first, last;

  for (guint i = 0; i < levels->len; i++)
    {
      const Level *l = &g_array_index (levels, Level, i);
      GHashTable *table = l->is_long ? want_long : want_short;
      double *sum;

      if (!l->alive)
        continue;
      sum = g_hash_table_lookup (table, &l->bucket);
      if (sum == NULL)
        {
          sum = g_new0 (double, 1);
          g_hash_table_insert (table, g_memdup2 (&l->bucket, sizeof l->bucket), sum);
        }
      *sum += l->amount;
      *(l->is_long ? &total_long : &total_short) += l->amount;
    }

  assert_close (total_long, perp_liq_map_get_total (map, time_ms, PERP_LIQ_SIDE_LONG), REL);
  assert_close (total_short, perp_liq_map_get_total (map, time_ms, PERP_LIQ_SIDE_SHORT), REL);

  if (!perp_liq_map_get_bucket_range (map, &first, &last))
    {
      g_assert_cmpfloat (total_long + total_short, ==, 0.0);
      return;
    }

  for (gint64 k = first - 2; k <= last + 2; k++)
    {
      double *wl = g_hash_table_lookup (want_long, &k);
      double *ws = g_hash_table_lookup (want_short, &k);

      assert_close (wl != NULL ? *wl : 0.0, perp_liq_map_get_bucket (map, k, time_ms, PERP_LIQ_SIDE_LONG), REL);
      assert_close (ws != NULL ? *ws : 0.0, perp_liq_map_get_bucket (map, k, time_ms, PERP_LIQ_SIDE_SHORT), REL);
    }
}

/* ------------------------------------------------------------------ placement */

/* An open-interest build-up at one price puts each tier's long and short levels in
 * exactly the bucket of the formula's price, with intensity entry × ΔOI × 1/2 × the
 * tier's share of the weights, and nowhere else. */
static void
test_placement (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (Level));
  const double entry = 1000.0;
  const double oi_delta = 2.0;
  PerpLiqStep step;
  PerpCandle c;
  gint64 now;
  double w0;

  test_params (&p);
  map = new_map (&p, MINUTE);
  flat_candle (&c, T0, entry);
  g_assert_true (perp_liq_map_add_candle (map, &c, oi_delta, &step, NULL));
  now = perp_liq_map_get_time (map);
  g_assert_cmpint (now, ==, T0 + MINUTE);

  add_expected_levels (levels, &p, entry, entry * oi_delta);
  assert_map_matches (map, levels, now);

  assert_close (entry * oi_delta * 0.5, step.added_long, REL);
  assert_close (entry * oi_delta * 0.5, step.added_short, REL);
  g_assert_cmpfloat (step.consumed_long, ==, 0.0);
  g_assert_cmpfloat (step.consumed_short, ==, 0.0);

  /* Intensities in proportion to the tier weights. */
  w0 = perp_liq_map_get_bucket (map, safe_bucket (expected_long (entry, p.leverage[0], p.maintenance_margin), p.bucket_size),
                                now, PERP_LIQ_SIDE_BOTH);
  for (guint i = 1; i < p.n_tiers; i++)
    {
      gint64 kl = safe_bucket (expected_long (entry, p.leverage[i], p.maintenance_margin), p.bucket_size);
      gint64 ks = safe_bucket (expected_short (entry, p.leverage[i], p.maintenance_margin), p.bucket_size);

      assert_close (p.weight[i] / p.weight[0], perp_liq_map_get_bucket (map, kl, now, PERP_LIQ_SIDE_BOTH) / w0, REL);
      assert_close (p.weight[i] / p.weight[0], perp_liq_map_get_bucket (map, ks, now, PERP_LIQ_SIDE_BOTH) / w0, REL);
      g_assert_cmpint (perp_liq_map_bucket_index (map, expected_long (entry, p.leverage[i], p.maintenance_margin)), ==, kl);
      g_assert_cmpfloat (perp_liq_long_price (entry, p.leverage[i], p.maintenance_margin), ==,
                         expected_long (entry, p.leverage[i], p.maintenance_margin));
      g_assert_cmpfloat (perp_liq_short_price (entry, p.leverage[i], p.maintenance_margin), ==,
                         expected_short (entry, p.leverage[i], p.maintenance_margin));
    }

  /* The span is the 10x tier's pair of levels. */
  {
    gint64 first, last;

    g_assert_true (perp_liq_map_get_bucket_range (map, &first, &last));
    g_assert_cmpint (first, ==, safe_bucket (expected_long (entry, 10.0, p.maintenance_margin), p.bucket_size));
    g_assert_cmpint (last, ==, safe_bucket (expected_short (entry, 10.0, p.maintenance_margin), p.bucket_size));
    g_assert_cmpfloat (perp_liq_map_bucket_price (map, first), ==, first * p.bucket_size);
  }

  /* The nearest clusters either side of the entry are the 100x levels. */
  {
    PerpLiqClusterQuery q = { .threshold = 1.0, .merge_gap = 0, .max_distance = 0.0, .sides = PERP_LIQ_SIDE_BOTH };
    PerpLiqCluster above, below;
    gint64 k_above = safe_bucket (expected_short (entry, 100.0, p.maintenance_margin), p.bucket_size);
    gint64 k_below = safe_bucket (expected_long (entry, 100.0, p.maintenance_margin), p.bucket_size);

    g_assert_true (perp_liq_map_nearest_cluster (map, now, entry, PERP_LIQ_ABOVE, &q, &above));
    g_assert_true (perp_liq_map_nearest_cluster (map, now, entry, PERP_LIQ_BELOW, &q, &below));
    g_assert_cmpfloat (above.price_lo, ==, k_above * p.bucket_size);
    g_assert_cmpfloat (below.price_lo, ==, k_below * p.bucket_size);
    g_assert_cmpuint (above.n_buckets, ==, 1);
    assert_close (entry * oi_delta * 0.5 * p.weight[3] / weight_sum (&p), above.intensity, REL);
    assert_close (above.intensity, above.short_intensity, REL);
    g_assert_cmpfloat (above.long_intensity, ==, 0.0);
    assert_close (below.intensity, below.long_intensity, REL);
  }
}

/* Trading through a level removes it: within a candle's range, across the gap from the
 * previous close, and at once when the candle's own close crossed a new level. */
static void
test_trade_through (void)
{
  static const struct
  {
    double open, high, low, close, oi_delta;
  } path[] = {
    { 1000.0, 1000.0, 1000.0, 1000.0, 2.0 },   /* the build-up */
    { 1000.0, 1000.0,  990.0,  995.0, 0.0 },   /* down through the 100x long */
    {  995.0, 1020.0,  995.0, 1018.0, 0.0 },   /* up through two shorts */
    { 1040.0, 1041.0, 1038.0, 1039.0, 0.0 },   /* gap up through the 25x short */
    { 1039.0, 1039.0, 1039.0, 1039.0, 0.0 },   /* nothing */
    { 1000.5, 1010.0,  980.5,  981.5, 3.0 },   /* new levels, some crossed by the close */
  };
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (Level));
  double prev_close = NAN;
  gboolean saw_immediate = FALSE;

  test_params (&p);
  map = new_map (&p, MINUTE);

  for (guint i = 0; i < G_N_ELEMENTS (path); i++)
    {
      PerpCandle c;
      PerpLiqStep step;
      double want_long, want_short;
      double lo = path[i].low;
      double hi = path[i].high;

      perp_candle_init (&c, T0 + i * MINUTE, path[i].open, path[i].high, path[i].low, path[i].close, 5.0);
      g_assert_true (perp_liq_map_add_candle (map, &c, path[i].oi_delta, &step, NULL));

      if (!isnan (prev_close))
        lo = MIN (lo, prev_close), hi = MAX (hi, prev_close);
      trade_through_expected (levels, lo, hi, p.bucket_size, &want_long, &want_short);

      if (path[i].oi_delta > 0)
        {
          double entry = (path[i].high + path[i].low + path[i].close) / 3.0;
          gint64 close_bucket = (gint64) floor (path[i].close / p.bucket_size);
          guint first_new = levels->len;

          add_expected_levels (levels, &p, entry, entry * path[i].oi_delta);
          for (guint j = first_new; j < levels->len; j++)
            {
              Level *l = &g_array_index (levels, Level, j);

              if (l->is_long ? l->bucket >= close_bucket : l->bucket <= close_bucket)
                {
                  l->alive = FALSE;
                  *(l->is_long ? &want_long : &want_short) += l->amount;
                  saw_immediate = TRUE;
                }
            }
        }

      assert_close (want_long, step.consumed_long, REL);
      assert_close (want_short, step.consumed_short, REL);
      assert_map_matches (map, levels, perp_liq_map_get_time (map));
      prev_close = path[i].close;
    }

  /* The path was built to exercise each way of removal. */
  g_assert_true (saw_immediate);
  {
    guint n_dead = 0;

    for (guint i = 0; i < 8; i++)
      n_dead += !g_array_index (levels, Level, i).alive;
    /* 100x long, 100x/50x/25x shorts, and the 50x long on the last candle's way down. */
    g_assert_cmpuint (n_dead, ==, 5);
  }
}

/* Entries spread over the candle's range: range_points prices at the middles of equal
 * slices of [low, high], each with an equal share of ΔOI. */
static void
test_range_entry (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (Level));
  const double low = 990.0, high = 1010.0, close = 1000.0, oi_delta = 3.0;
  gint64 close_bucket = (gint64) floor (close / TEST_BUCKET);
  double want_consumed[2] = { 0.0, 0.0 };
  PerpLiqStep step;
  PerpCandle c;

  test_params (&p);
  p.entry = PERP_LIQ_ENTRY_RANGE;
  p.range_points = 4;
  map = new_map (&p, MINUTE);
  perp_candle_init (&c, T0, 995.0, high, low, close, 50.0);
  g_assert_true (perp_liq_map_add_candle (map, &c, oi_delta, &step, NULL));

  for (guint j = 0; j < p.range_points; j++)
    {
      double entry = low + (high - low) * (2 * j + 1) / (2.0 * p.range_points);

      add_expected_levels (levels, &p, entry, entry * oi_delta / p.range_points);
    }
  /* The close, in the middle of the range, already went through the nearer levels of
   * the entries on its far side. */
  for (guint i = 0; i < levels->len; i++)
    {
      Level *l = &g_array_index (levels, Level, i);

      if (l->is_long ? l->bucket >= close_bucket : l->bucket <= close_bucket)
        {
          l->alive = FALSE;
          want_consumed[l->is_long ? 0 : 1] += l->amount;
        }
    }
  g_assert_cmpfloat (want_consumed[0], >, 0.0);
  g_assert_cmpfloat (want_consumed[1], >, 0.0);

  assert_map_matches (map, levels, perp_liq_map_get_time (map));
  assert_close (want_consumed[0], step.consumed_long, REL);
  assert_close (want_consumed[1], step.consumed_short, REL);
  assert_close (oi_delta * (low + high) / 2.0 * 0.5, step.added_long, REL);
}

/* ------------------------------------------------------------------ decay */

static void
test_decay_half_life (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  PerpCandle c;
  gint64 k;
  gint64 now;
  double i0;

  test_params (&p);
  p.half_life_ms = HOUR;
  map = new_map (&p, MINUTE);
  flat_candle (&c, T0, 1000.0);
  g_assert_true (perp_liq_map_add_candle (map, &c, 2.0, NULL, NULL));

  now = perp_liq_map_get_time (map);
  k = safe_bucket (expected_long (1000.0, 100.0, p.maintenance_margin), p.bucket_size);
  i0 = perp_liq_map_get_bucket (map, k, now, PERP_LIQ_SIDE_LONG);
  assert_close (1000.0 * 2.0 * 0.5 * p.weight[3] / weight_sum (&p), i0, REL);

  assert_close (i0 / 2.0, perp_liq_map_get_bucket (map, k, now + HOUR, PERP_LIQ_SIDE_LONG), REL);
  assert_close (i0 / 8.0, perp_liq_map_get_bucket (map, k, now + 3 * HOUR, PERP_LIQ_SIDE_LONG), REL);
  /* No history: before the last candle's end reads as at its end. */
  assert_close (i0, perp_liq_map_get_bucket (map, k, now - HOUR, PERP_LIQ_SIDE_LONG), REL);

  /* An hour of quiet candles that touch no level: half is left. */
  for (guint i = 1; i <= 60; i++)
    {
      PerpLiqStep step;

      flat_candle (&c, T0 + i * MINUTE, 1000.0);
      g_assert_true (perp_liq_map_add_candle (map, &c, 0.0, &step, NULL));
      g_assert_cmpfloat (step.consumed_long + step.consumed_short, ==, 0.0);
    }
  g_assert_cmpint (perp_liq_map_get_time (map), ==, now + HOUR);
  assert_close (i0 / 2.0, perp_liq_map_get_bucket (map, k, perp_liq_map_get_time (map), PERP_LIQ_SIDE_LONG), REL);
  assert_close (perp_liq_map_get_total (map, now, PERP_LIQ_SIDE_BOTH) * 0.25,
                perp_liq_map_get_total (map, now + 3 * HOUR, PERP_LIQ_SIDE_BOTH), REL);
}

/* Far more half-lives than a double's exponent range (2^1500 would overflow, so the
 * slots' scale must move forward along the way): every bucket is still the sum of its
 * additions, each decayed from its own time, computed here. */
static void
test_decay_long_run (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  const guint n = 1500;
  const double amount = 1000.0 * 0.5 * (test_weight[0] / 10.0);
  gint64 k;
  gint64 end;
  double expected = 0.0;

  test_params (&p);
  p.half_life_ms = MINUTE;
  map = new_map (&p, MINUTE);
  k = safe_bucket (expected_long (1000.0, 10.0, p.maintenance_margin), p.bucket_size);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      flat_candle (&c, T0 + i * MINUTE, 1000.0);
      g_assert_true (perp_liq_map_add_candle (map, &c, 1.0, NULL, NULL));
    }
  end = perp_liq_map_get_time (map);
  for (guint i = 0; i < n; i++)
    expected += amount * exp2 (-((double) (end - (T0 + (i + 1) * MINUTE)) / (double) p.half_life_ms));

  assert_close (expected, perp_liq_map_get_bucket (map, k, end, PERP_LIQ_SIDE_LONG), 1e-9);
  /* The even split gives the 10x short level the same history. */
  assert_close (expected, perp_liq_map_get_bucket (map, safe_bucket (expected_short (1000.0, 10.0, p.maintenance_margin),
                                                                     p.bucket_size),
                                                   end, PERP_LIQ_SIDE_SHORT), 1e-9);
  g_assert_true (isfinite (perp_liq_map_get_total (map, end, PERP_LIQ_SIDE_BOTH)));
  g_assert_cmpfloat (perp_liq_map_get_total (map, end + 10000 * HOUR, PERP_LIQ_SIDE_BOTH), ==, 0.0);
}

/* ------------------------------------------------------------------ clusters */

/* One 10x tier without maintenance margin: levels at 0.9 and 1.1 × the entry.  Three
 * flat candles at 1000.5, 1010.5 and 1001 leave longs in buckets 900 (twice) and 909,
 * shorts in 1100, 1101 and 1111. */
static PerpLiqMap *
cluster_map (PerpLiqMapParams *p,
             double            amount[3])
{
  static const double entries[] = { 1000.5, 1010.5, 1001.0 };
  PerpLiqMap *map;

  perp_liq_map_params_init_default (p, 1000.0);
  p->n_tiers = 1;
  p->leverage[0] = 10.0;
  p->weight[0] = 1.0;
  p->maintenance_margin = 0.0;
  p->bucket_size = 1.0;
  p->half_life_ms = 0;
  map = new_map (p, MINUTE);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      PerpCandle c;

      flat_candle (&c, T0 + i * MINUTE, entries[i]);
      g_assert_true (perp_liq_map_add_candle (map, &c, 1.0, NULL, NULL));
      amount[i] = entries[i] * 0.5;
    }

  g_assert_cmpint (safe_bucket (expected_long (entries[0], 10.0, 0.0), 1.0), ==, 900);
  g_assert_cmpint (safe_bucket (expected_long (entries[1], 10.0, 0.0), 1.0), ==, 909);
  g_assert_cmpint (safe_bucket (expected_long (entries[2], 10.0, 0.0), 1.0), ==, 900);
  g_assert_cmpint (safe_bucket (expected_short (entries[0], 10.0, 0.0), 1.0), ==, 1100);
  g_assert_cmpint (safe_bucket (expected_short (entries[1], 10.0, 0.0), 1.0), ==, 1111);
  g_assert_cmpint (safe_bucket (expected_short (entries[2], 10.0, 0.0), 1.0), ==, 1101);

  return map;
}

static void
test_clusters (void)
{
  PerpLiqMapParams p;
  double a[3];
  g_autoptr(PerpLiqMap) map = cluster_map (&p, a);
  PerpLiqClusterQuery q = { .threshold = 100.0, .merge_gap = 0, .max_distance = 0.0, .sides = PERP_LIQ_SIDE_BOTH };
  gint64 now = perp_liq_map_get_time (map);
  const double price = 1000.0;
  PerpLiqCluster c;

  /* Nearest above: the adjacent 1100 and 1101 form one cluster, peaking at 1101. */
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 1100.0);
  g_assert_cmpfloat (c.price_hi, ==, 1102.0);
  g_assert_cmpuint (c.n_buckets, ==, 2);
  assert_close (a[0] + a[2], c.intensity, REL);
  assert_close (a[0] + a[2], c.short_intensity, REL);
  assert_close (MAX (a[0], a[2]), c.peak_intensity, REL);
  g_assert_cmpfloat (c.peak_price, ==, a[2] > a[0] ? 1101.5 : 1100.5);
  assert_close ((1100.0 - price) / price, c.distance, REL);

  /* Nearest below: 909 alone, not the denser 900. */
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 909.0);
  g_assert_cmpfloat (c.price_hi, ==, 910.0);
  assert_close (a[1], c.intensity, REL);
  assert_close ((price - 910.0) / price, c.distance, REL);

  /* Eight empty buckets (901..908) between 909 and 900: merged with a gap of 8, not 7. */
  q.merge_gap = 8;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 900.0);
  g_assert_cmpfloat (c.price_hi, ==, 910.0);
  g_assert_cmpuint (c.n_buckets, ==, 10);
  assert_close (a[0] + a[1] + a[2], c.intensity, REL);
  assert_close (a[0] + a[2], c.peak_intensity, REL);
  g_assert_cmpfloat (c.peak_price, ==, 900.5);
  g_assert_cmpfloat (c.short_intensity, ==, 0.0);
  q.merge_gap = 7;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpuint (c.n_buckets, ==, 1);
  /* Nine between 1101 and 1111. */
  q.merge_gap = 9;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));
  g_assert_cmpfloat (c.price_hi, ==, 1112.0);
  q.merge_gap = 8;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));
  g_assert_cmpfloat (c.price_hi, ==, 1102.0);

  /* A threshold above every single level but below 900's two: below skips 909, above
   * finds nothing. */
  q.merge_gap = 0;
  q.threshold = (a[0] + a[2] + MAX (MAX (a[0], a[1]), a[2])) / 2.0;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 900.0);
  g_assert_cmpuint (c.n_buckets, ==, 1);
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));

  /* Distance limits: 9.1 % below and 10 % above. */
  q.threshold = 100.0;
  q.max_distance = 0.05;
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));
  q.max_distance = 0.095;
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 909.0);
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));

  /* Sides: there are no short liquidations below. */
  q.max_distance = 0.0;
  q.sides = PERP_LIQ_SIDE_SHORT;
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_BELOW, &q, &c));
  g_assert_true (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));

  /* From a price above every level there is nothing above; below finds the shorts. */
  q.sides = PERP_LIQ_SIDE_BOTH;
  g_assert_false (perp_liq_map_nearest_cluster (map, now, 2000.0, PERP_LIQ_ABOVE, &q, &c));
  g_assert_true (perp_liq_map_nearest_cluster (map, now, 2000.0, PERP_LIQ_BELOW, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 1111.0);

  /* The bucket holding the price itself is not a cluster either side. */
  g_assert_true (perp_liq_map_nearest_cluster (map, now, 1100.5, PERP_LIQ_ABOVE, &q, &c));
  g_assert_cmpfloat (c.price_lo, ==, 1101.0);

  /* Bad queries find nothing rather than misbehave. */
  q.threshold = 0.0;
  g_assert_false (perp_liq_map_nearest_cluster (map, now, price, PERP_LIQ_ABOVE, &q, &c));
  q.threshold = 100.0;
  g_assert_false (perp_liq_map_nearest_cluster (map, now, NAN, PERP_LIQ_ABOVE, &q, &c));

  assert_close ((a[0] + a[2] + a[1] + a[0] + a[1] + a[2]) / 5.0,
                perp_liq_map_mean_intensity (map, now, 600.0, 1200.0, PERP_LIQ_SIDE_BOTH), REL);
  g_assert_cmpfloat (perp_liq_map_mean_intensity (map, now, 1000.0, 1050.0, PERP_LIQ_SIDE_BOTH), ==, 0.0);
}

/* ------------------------------------------------------------------ grid */

/* A bucket split across rows is shared by overlap. */
static void
test_sample_partial_bucket (void)
{
  PerpLiqMapParams p;
  double a[3];
  g_autoptr(PerpLiqMap) map = cluster_map (&p, a);
  gint64 now = perp_liq_map_get_time (map);
  double rows[4];
  double whole[3];
  double sum = 0.0;

  /* Bucket 909 holds a[1]; sample its middle half in four rows. */
  perp_liq_map_sample (map, now, 909.25, 909.75, 4, PERP_LIQ_SIDE_BOTH, rows);
  for (guint r = 0; r < 4; r++)
    {
      assert_close (a[1] * 0.125, rows[r], REL);
      sum += rows[r];
    }
  assert_close (a[1] * 0.5, sum, REL);

  /* Three rows over 898.5 .. 910.5: 900 and 909 land in the first and last row. */
  perp_liq_map_sample (map, now, 898.5, 910.5, 3, PERP_LIQ_SIDE_BOTH, whole);
  assert_close (a[0] + a[2], whole[0], REL);
  g_assert_cmpfloat (whole[1], ==, 0.0);
  assert_close (a[1], whole[2], REL);

  /* Sides and empty ranges. */
  perp_liq_map_sample (map, now, 898.5, 910.5, 3, PERP_LIQ_SIDE_SHORT, whole);
  g_assert_cmpfloat (whole[0] + whole[1] + whole[2], ==, 0.0);
  whole[0] = 1.0;
  perp_liq_map_sample (map, now, 910.0, 900.0, 1, PERP_LIQ_SIDE_BOTH, whole);
  g_assert_cmpfloat (whole[0], ==, 0.0);
}

/* Synthetic market: a random walk with taker-buy volume, open-interest changes of both
 * signs (some unknown) and liquidation prints. */
typedef struct
{
  PerpCandles  *candles;
  double       *oi_delta;
  PerpLiqPrint *prints;
  guint         n_prints;
} Market;

static void
market_free (Market *m)
{
  g_clear_pointer (&m->candles, perp_candles_unref);
  g_clear_pointer (&m->oi_delta, g_free);
  g_clear_pointer (&m->prints, g_free);
}

static void
market_init (Market *m,
             guint   n,
             guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GArray) prints = g_array_new (FALSE, FALSE, sizeof (PerpLiqPrint));
  double close = 1000.0;

  m->candles = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_TAKER_BUY_VOLUME);
  m->oi_delta = g_new (double, n);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;
      double open = close;
      double r = g_rand_int_range (rand, 0, 10);

      close = open * (1.0 + g_rand_double_range (rand, -0.006, 0.006));
      perp_candle_init (&c, T0 + i * MINUTE, open,
                        MAX (open, close) * (1.0 + g_rand_double_range (rand, 0.0, 0.002)),
                        MIN (open, close) * (1.0 - g_rand_double_range (rand, 0.0, 0.002)),
                        close, g_rand_double_range (rand, 10.0, 100.0));
      c.taker_buy_volume = c.volume * g_rand_double (rand);
      g_assert_true (perp_candles_append (m->candles, &c, NULL));
      m->oi_delta[i] = r < 6 ? g_rand_double_range (rand, 0.0, 5.0) : r < 9 ? -g_rand_double_range (rand, 0.0, 5.0) : NAN;

      if (g_rand_int_range (rand, 0, 3) == 0)
        {
          PerpLiqPrint pr = {
            .time = T0 + i * MINUTE + g_rand_int_range (rand, 0, 60000),
            .side = close < open ? PERP_LIQ_SIDE_LONG : PERP_LIQ_SIDE_SHORT,
            .price = close,
            .quantity = g_rand_double_range (rand, 0.001, 2.0),
          };
          g_array_append_val (prints, pr);
        }
    }

  m->n_prints = prints->len;
  m->prints = (PerpLiqPrint *) (gpointer) g_array_free (g_steal_pointer (&prints), FALSE);
}

static void
grid_params (PerpLiqMapParams *p)
{
  test_params (p);
  p->half_life_ms = 2 * HOUR;
  p->entry = PERP_LIQ_ENTRY_RANGE;
  p->range_points = 3;
  p->split = PERP_LIQ_SPLIT_TAKER_BUY;
}

/* The batch (add_candles with a grid) and the feed's way (one candle, one column at a
 * time) give the same grid and map, bit for bit; each column has the right shape,
 * adds up to the map's intensity in its range, and holds its candle's prints. */
static void
test_grid_incremental_equals_batch (void)
{
  const guint n = 600;
  const double lo = 900.0;
  const double hi = 1100.0;
  const guint n_rows = 37;   /* not a divisor of the 200 buckets: rows split buckets */
  Market m;
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) batch = NULL;
  g_autoptr(PerpLiqMap) feed = NULL;
  g_autoptr(PerpLiqGrid) batch_grid = perp_liq_grid_new (lo, hi, n_rows, PERP_LIQ_SIDE_BOTH);
  g_autoptr(PerpLiqGrid) feed_grid = perp_liq_grid_new (lo, hi, n_rows, PERP_LIQ_SIDE_BOTH);
  g_autoptr(GError) error = NULL;
  guint n_nonzero_columns = 0;
  guint n_print_columns = 0;
  gint64 first, last;

  market_init (&m, n, 31337);
  grid_params (&p);
  batch = new_map (&p, MINUTE);
  feed = new_map (&p, MINUTE);

  for (guint i = 0; i < m.n_prints; i++)
    {
      g_assert_true (perp_liq_map_add_print (batch, &m.prints[i], NULL));
      g_assert_true (perp_liq_map_add_print (feed, &m.prints[i], NULL));
    }

  g_assert_true (perp_liq_map_add_candles (batch, m.candles, m.oi_delta, batch_grid, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;
      const double *column;
      const double *prints;
      double sum = 0.0;
      double in_range = 0.0;
      double print_sum = 0.0;
      double print_notional = 0.0;
      gint64 end;
      gint64 close_bucket;

      perp_candles_get_candle (m.candles, i, &c);
      g_assert_true (perp_liq_map_add_candle (feed, &c, m.oi_delta[i], NULL, NULL));
      end = c.open_time + MINUTE;
      g_assert_true (perp_liq_grid_append_column (feed_grid, feed, c.open_time, end));

      column = perp_liq_grid_get_column (feed_grid, i);
      prints = perp_liq_grid_get_prints_column (feed_grid, i);
      for (guint r = 0; r < n_rows; r++)
        {
          sum += column[r];
          print_sum += prints[r];
        }
      for (gint64 k = (gint64) lo; k < (gint64) hi; k++)
        in_range += perp_liq_map_get_bucket (feed, k, end, PERP_LIQ_SIDE_BOTH);
      assert_close (in_range, sum, 1e-9);
      n_nonzero_columns += sum > 0.0;

      perp_liq_map_sum_prints (feed, c.open_time, end, lo, hi, PERP_LIQ_SIDE_BOTH, NULL, &print_notional);
      assert_close (print_notional, print_sum, 1e-12);
      n_print_columns += print_sum > 0.0;

      /* After each candle every long level lies below the close's bucket and every
       * short level above it. */
      close_bucket = perp_liq_map_bucket_index (feed, c.close);
      if (perp_liq_map_get_bucket_range (feed, &first, &last))
        for (gint64 k = first; k <= last; k++)
          {
            if (k >= close_bucket)
              g_assert_cmpfloat (perp_liq_map_get_bucket (feed, k, end, PERP_LIQ_SIDE_LONG), ==, 0.0);
            if (k <= close_bucket)
              g_assert_cmpfloat (perp_liq_map_get_bucket (feed, k, end, PERP_LIQ_SIDE_SHORT), ==, 0.0);
          }
    }

  /* Shapes and times. */
  g_assert_cmpuint (perp_liq_grid_get_n_columns (batch_grid), ==, n);
  g_assert_cmpuint (perp_liq_grid_get_n_columns (feed_grid), ==, n);
  g_assert_cmpuint (perp_liq_grid_get_n_rows (batch_grid), ==, n_rows);
  g_assert_cmpfloat (perp_liq_grid_get_price_lo (batch_grid), ==, lo);
  g_assert_cmpfloat (perp_liq_grid_get_price_hi (batch_grid), ==, hi);
  g_assert_cmpint (perp_liq_grid_get_sides (batch_grid), ==, PERP_LIQ_SIDE_BOTH);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (perp_liq_grid_get_times (batch_grid)[i], ==, perp_candles_get_open_time (m.candles)[i]);
      g_assert_cmpmem (perp_liq_grid_get_column (batch_grid, i), n_rows * sizeof (double),
                       perp_liq_grid_get_column (feed_grid, i), n_rows * sizeof (double));
      g_assert_cmpmem (perp_liq_grid_get_prints_column (batch_grid, i), n_rows * sizeof (double),
                       perp_liq_grid_get_prints_column (feed_grid, i), n_rows * sizeof (double));
    }

  /* The maps themselves. */
  g_assert_true (perp_liq_map_get_bucket_range (batch, &first, &last));
  {
    gint64 f2, l2;

    g_assert_true (perp_liq_map_get_bucket_range (feed, &f2, &l2));
    g_assert_cmpint (first, ==, f2);
    g_assert_cmpint (last, ==, l2);
  }
  for (gint64 k = first; k <= last; k++)
    for (PerpLiqSides s = PERP_LIQ_SIDE_LONG; s <= PERP_LIQ_SIDE_SHORT; s++)
      {
        double a = perp_liq_map_get_bucket (batch, k, perp_liq_map_get_time (batch), s);
        double b = perp_liq_map_get_bucket (feed, k, perp_liq_map_get_time (feed), s);

        g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
      }

  /* The data exercised the grid: intensity in most columns, prints in some. */
  g_assert_cmpuint (n_nonzero_columns, >, n / 2);
  g_assert_cmpuint (n_print_columns, >, 0);

  /* A column that is not later than the last is refused. */
  g_assert_false (perp_liq_grid_append_column (feed_grid, feed, T0, T0 + MINUTE));
  g_assert_cmpuint (perp_liq_grid_get_n_columns (feed_grid), ==, n);

  market_free (&m);
}

/* ------------------------------------------------------------------ splits */

static void
test_split (void)
{
  static const struct
  {
    PerpLiqSplit split;
    double       open;
    double       close;
    double       taker_buy;   /* of a volume of 100 */
    double       want_long_share;
  } cases[] = {
    { PERP_LIQ_SPLIT_EVEN,             1000.0, 1001.0, 90.0, 0.5 },
    { PERP_LIQ_SPLIT_CANDLE_DIRECTION, 1000.0, 1001.0, 90.0, 0.7 },
    { PERP_LIQ_SPLIT_CANDLE_DIRECTION, 1001.0, 1000.0, 90.0, 0.3 },
    { PERP_LIQ_SPLIT_CANDLE_DIRECTION, 1000.0, 1000.0, 90.0, 0.5 },
    { PERP_LIQ_SPLIT_TAKER_BUY,        1000.0, 1001.0, 30.0, 0.3 },
    { PERP_LIQ_SPLIT_TAKER_BUY,        1000.0, 1001.0, NAN,  0.5 },
    { PERP_LIQ_SPLIT_TAKER_BUY,        1000.0, 1001.0, 250., 1.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PerpLiqMapParams p;
      g_autoptr(PerpLiqMap) map = NULL;
      PerpLiqStep step;
      PerpCandle c;
      double entry;

      test_params (&p);
      p.split = cases[i].split;
      p.direction_share = 0.7;
      map = new_map (&p, MINUTE);
      perp_candle_init (&c, T0, cases[i].open, MAX (cases[i].open, cases[i].close),
                        MIN (cases[i].open, cases[i].close), cases[i].close, 100.0);
      c.taker_buy_volume = cases[i].taker_buy;
      entry = (c.high + c.low + c.close) / 3.0;

      g_assert_true (perp_liq_map_add_candle (map, &c, 4.0, &step, NULL));
      assert_close (entry * 4.0 * cases[i].want_long_share, step.added_long, REL);
      assert_close (entry * 4.0 * (1.0 - cases[i].want_long_share), step.added_short, REL);
      assert_close (step.added_long - step.consumed_long,
                    perp_liq_map_get_total (map, perp_liq_map_get_time (map), PERP_LIQ_SIDE_LONG), REL);
    }
}

/* ------------------------------------------------------------------ bad input */

static void
test_bad_params (void)
{
  PerpLiqMapParams good;
  PerpLiqMapParams p;
  const char *why[] = {
    "tiers", "mmr", "mmr-too-high-for-100x", "leverage", "weights", "negative-weight", "bucket",
    "half-life", "points", "share", "max-buckets", NULL,
  };

  test_params (&good);
  g_assert_true (perp_liq_map_params_check (&good, NULL));

  for (guint i = 0; why[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpLiqMap) map = NULL;

      p = good;
      switch (i)
        {
        case 0: p.n_tiers = 0; break;
        case 1: p.maintenance_margin = NAN; break;
        case 2: p.maintenance_margin = 0.01; break;   /* 1/100 is not above it */
        case 3: p.leverage[1] = 0.5; break;
        case 4: memset (p.weight, 0, sizeof p.weight); break;
        case 5: p.weight[2] = -1.0; break;
        case 6: p.bucket_size = 0.0; break;
        case 7: p.half_life_ms = -1; break;
        case 8: p.entry = PERP_LIQ_ENTRY_RANGE, p.range_points = 0; break;
        case 9: p.direction_share = 1.5; break;
        case 10: p.max_buckets = 3; break;
        default: g_assert_not_reached ();
        }

      g_test_message ("invalid parameters: %s", why[i]);
      map = perp_liq_map_new (&p, MINUTE, &error);
      g_assert_null (map);
      g_assert_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PerpLiqMap) map = perp_liq_map_new (&good, 0, &error);

    g_assert_null (map);
    g_assert_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS);
  }

  /* The defaults without a usable reference price have no bucket size. */
  perp_liq_map_params_init_default (&p, NAN);
  g_assert_false (perp_liq_map_params_check (&p, NULL));
  perp_liq_map_params_init_default (&p, 43000.0);
  g_assert_true (perp_liq_map_params_check (&p, NULL));
}

/* Bad candles and prints are refused with an error and leave the map as it was. */
static void
test_bad_input (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  PerpCandle c;
  double total;
  guint n_prints;

  test_params (&p);
  p.half_life_ms = HOUR;
  map = new_map (&p, MINUTE);
  flat_candle (&c, T0, 1000.0);
  g_assert_true (perp_liq_map_add_candle (map, &c, 2.0, NULL, NULL));
  total = perp_liq_map_get_total (map, T0 + MINUTE, PERP_LIQ_SIDE_BOTH);

  {
    static const struct
    {
      gint64          open_time;
      double          o, h, l, c;
      double          oi_delta;
      PerpLiqMapError code;
    } bad[] = {
      { T0,              990, 990, 990, 990, 1.0,      PERP_LIQ_MAP_ERROR_NOT_INCREASING },
      { T0 - MINUTE,     990, 990, 990, 990, 1.0,      PERP_LIQ_MAP_ERROR_NOT_INCREASING },
      { T0 + MINUTE,     NAN, 990, 990, 990, 1.0,      PERP_LIQ_MAP_ERROR_INVALID },
      { T0 + MINUTE,     990, 980, 985, 990, 1.0,      PERP_LIQ_MAP_ERROR_INVALID },
      { T0 + MINUTE,     0.0, 990, 0.0, 990, 1.0,      PERP_LIQ_MAP_ERROR_INVALID },
      { T0 + MINUTE,     990, INFINITY, 990, 990, 1.0, PERP_LIQ_MAP_ERROR_INVALID },
      { T0 + MINUTE,     990, 990, 990, 990, INFINITY, PERP_LIQ_MAP_ERROR_INVALID },
      { T0 + MINUTE,     1e300, 1e300, 1e300, 1e300, 1.0, PERP_LIQ_MAP_ERROR_RANGE },
      { G_MAXINT64 - 10, 990, 990, 990, 990, 1.0,      PERP_LIQ_MAP_ERROR_INVALID },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) error = NULL;
        PerpLiqStep step = { -1, -1, -1, -1 };

        perp_candle_init (&c, bad[i].open_time, bad[i].o, bad[i].h, bad[i].l, bad[i].c, 1.0);
        g_assert_false (perp_liq_map_add_candle (map, &c, bad[i].oi_delta, &step, &error));
        g_assert_error (error, PERP_LIQ_MAP_ERROR, (int) bad[i].code);
        g_assert_cmpfloat (step.added_long, ==, -1);
        g_assert_cmpuint (perp_liq_map_get_n_candles (map), ==, 1);
        g_assert_cmpint (perp_liq_map_get_time (map), ==, T0 + MINUTE);
        g_assert_cmpfloat (perp_liq_map_get_total (map, T0 + MINUTE, PERP_LIQ_SIDE_BOTH), ==, total);
      }
  }

  /* Candles of another interval. */
  {
    g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_5M, PERP_CANDLE_FIELD_NONE);
    g_autoptr(GError) error = NULL;

    flat_candle (&c, T0 + 5 * MINUTE, 1000.0);
    g_assert_true (perp_candles_append (candles, &c, NULL));
    g_assert_false (perp_liq_map_add_candles (map, candles, NULL, NULL, &error));
    g_assert_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS);
  }

  /* Prints. */
  {
    static const PerpLiqPrint bad[] = {
      { T0, PERP_LIQ_SIDE_BOTH, 1000.0, 1.0 },
      { T0, (PerpLiqSides) 0, 1000.0, 1.0 },
      { T0, PERP_LIQ_SIDE_LONG, 0.0, 1.0 },
      { T0, PERP_LIQ_SIDE_LONG, 1000.0, NAN },
      { T0, PERP_LIQ_SIDE_SHORT, INFINITY, 1.0 },
      { T0, PERP_LIQ_SIDE_SHORT, 1000.0, -2.0 },
    };
    PerpLiqPrint ok = { T0 + 30000, PERP_LIQ_SIDE_LONG, 995.0, 0.5 };
    PerpLiqPrint earlier = { T0 + 29999, PERP_LIQ_SIDE_LONG, 995.0, 0.5 };
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) e = NULL;

        g_assert_false (perp_liq_map_add_print (map, &bad[i], &e));
        g_assert_error (e, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID);
      }
    g_assert_true (perp_liq_map_add_print (map, &ok, NULL));
    g_assert_true (perp_liq_map_add_print (map, &ok, NULL));   /* same time is fine */
    g_assert_false (perp_liq_map_add_print (map, &earlier, &error));
    g_assert_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_NOT_INCREASING);
    perp_liq_map_get_prints (map, &n_prints);
    g_assert_cmpuint (n_prints, ==, 2);
  }
}

/* A map capped at a few buckets refuses levels that would not fit, unchanged. */
static void
test_range_cap (void)
{
  PerpLiqMapParams p;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(GError) error = NULL;
  PerpCandle c;

  test_params (&p);
  p.max_buckets = 64;   /* the 10x levels are ~200 buckets apart */
  map = new_map (&p, MINUTE);
  flat_candle (&c, T0, 1000.0);
  g_assert_false (perp_liq_map_add_candle (map, &c, 1.0, NULL, &error));
  g_assert_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_RANGE);
  g_assert_cmpuint (perp_liq_map_get_n_candles (map), ==, 0);
  g_assert_false (perp_liq_map_get_bucket_range (map, NULL, NULL));

  /* Without new positions the same candle is fine. */
  g_assert_true (perp_liq_map_add_candle (map, &c, 0.0, NULL, NULL));
}

/* "About 0.1 % of the price" comes out as a round 1, 2 or 5 × 10^n at or below it. */
static void
test_suggest_bucket (void)
{
  static const double prices[] = { 43000.0, 2300.0, 1.0, 0.0123, 0.00000123, 61.7 };

  for (guint i = 0; i < G_N_ELEMENTS (prices); i++)
    {
      double raw = prices[i] * 0.001;
      double size = perp_liq_suggest_bucket_size (prices[i], 0.001);
      double decade = pow (10.0, floor (log10 (size) + 1e-9));
      double mantissa = size / decade;

      g_assert_cmpfloat (size, <=, raw * (1 + 1e-12));
      g_assert_cmpfloat (size, >, raw / 2.5 * (1 - 1e-12));
      g_assert_true (fabs (mantissa - 1.0) < 1e-9 || fabs (mantissa - 2.0) < 1e-9 || fabs (mantissa - 5.0) < 1e-9);
    }

  g_assert_true (isnan (perp_liq_suggest_bucket_size (0.0, 0.001)));
  g_assert_true (isnan (perp_liq_suggest_bucket_size (100.0, -1.0)));
  g_assert_true (isnan (perp_liq_suggest_bucket_size (NAN, 0.001)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/liquidation-map/placement-per-tier", test_placement);
  g_test_add_func ("/core/liquidation-map/trading-through-removes", test_trade_through);
  g_test_add_func ("/core/liquidation-map/range-entry", test_range_entry);
  g_test_add_func ("/core/liquidation-map/decay/half-life", test_decay_half_life);
  g_test_add_func ("/core/liquidation-map/decay/long-run", test_decay_long_run);
  g_test_add_func ("/core/liquidation-map/clusters/nearest", test_clusters);
  g_test_add_func ("/core/liquidation-map/grid/partial-bucket", test_sample_partial_bucket);
  g_test_add_func ("/core/liquidation-map/grid/incremental-equals-batch", test_grid_incremental_equals_batch);
  g_test_add_func ("/core/liquidation-map/split", test_split);
  g_test_add_func ("/core/liquidation-map/error/params", test_bad_params);
  g_test_add_func ("/core/liquidation-map/error/input", test_bad_input);
  g_test_add_func ("/core/liquidation-map/error/range-cap", test_range_cap);
  g_test_add_func ("/core/liquidation-map/suggest-bucket", test_suggest_bucket);

  return g_test_run ();
}
