/* perp-smc-compat-levels.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-smc"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "perp-smc-compat-private.h"

/*
 * liquidity, previous_high_low and sessions of smartmoneyconcepts 0.0.27, in its
 * batch "compat" semantics (DEFINITIONS.md sections 5 to 7).  The peer keeps these
 * outputs as float32, so every level passes through `float` before it is written or
 * compared, exactly where the peer rounds it.  PerpCandles only holds finite prices,
 * so pandas' NaN-skipping reductions need no special case here; swing levels come
 * from the caller and may be NaN.
 */

/* ---------------------------------------------------------------- liquidity */

/*
 * The order of the band search: swings by level, NaN last, equal levels in row order.
 * A stable LSD radix sort on the levels' bits mapped to unsigned integers of the same
 * order (negative numbers flipped whole, positive ones by their sign bit) gives that
 * order without a comparison callback; -0.0 is taken as 0.0 and every NaN as the
 * largest key, as the comparison did.
 */
static inline guint64
level_sort_key (double level)
{
  guint64 bits;

  if (isnan (level))
    return G_MAXUINT64;
  if (level == 0.0)
    level = 0.0;
  memcpy (&bits, &level, sizeof bits);

  return (bits >> 63) != 0 ? ~bits : bits | (G_GUINT64_CONSTANT (1) << 63);
}

/* One stable LSD radix pass per 11-bit digit from bit `from` up (from, from + 11, ...,
 * below 64) of the ordinals in order[], by keys[ordinal]; a pass is skipped when every
 * key shares its digit (prices share their high bits).  other[] is scratch. */
#define DIGIT_BITS 11
#define N_DIGITS (1 << DIGIT_BITS)

static void
radix_passes (const guint64 *keys,
              guint          count,
              guint          from_bit,
              guint         *order,
              guint         *other)
{
  guint bucket[N_DIGITS];
  guint *from = order;
  guint *to = other;

  for (guint shift = from_bit; shift < 64; shift += DIGIT_BITS)
    {
      guint sum = 0;
      gboolean one_digit = FALSE;

      memset (bucket, 0, sizeof bucket);
      for (guint k = 0; k < count; k++)
        bucket[(keys[k] >> shift) & (N_DIGITS - 1)]++;
      for (guint d = 0; d < N_DIGITS; d++)
        {
          guint c = bucket[d];

          if (c == count)
            one_digit = TRUE;
          bucket[d] = sum;
          sum += c;
        }
      if (one_digit)
        continue;

      for (guint k = 0; k < count; k++)
        {
          guint o = from[k];

          to[bucket[(keys[o] >> shift) & (N_DIGITS - 1)]++] = o;
        }
      {
        guint *swap = from;

        from = to;
        to = swap;
      }
    }

  if (from != order)
    memcpy (order, from, count * sizeof (guint));
}

/* The longest run of equal top halves that the insertion below may sort; a longer one
 * (levels closer than a millionth of each other) takes the passes over every digit. */
#define MAX_TIED_TOPS 16

/* Sorts ordinals 0 .. count-1 by keys[ordinal] into order[], stably.  The top 32 bits
 * of a level's key tell most levels apart, and the passes over them (two, on prices
 * whose exponents are close) put the ordinals in order but for runs that share them:
 * equal levels, already in row order, and levels closer than about a millionth.  An
 * insertion sort by the whole key, moving past strictly larger keys only (stable), puts
 * those short runs in order; the low digits need no passes of their own. */
void
_perp_smc_sort_by_key (const guint64 *keys,
                       guint          count,
                       guint         *order)
{
  g_autofree guint *other = g_new (guint, MAX (count, 1));
  guint run = 1;
  guint longest = 1;

  for (guint k = 0; k < count; k++)
    order[k] = k;

  radix_passes (keys, count, 32, order, other);

  for (guint k = 1; k < count; k++)
    {
      run = (keys[order[k]] >> 32) == (keys[order[k - 1]] >> 32) ? run + 1 : 1;
      longest = MAX (longest, run);
    }
  /* Passes over every digit from here sort by the whole key, equal keys staying in the
   * order they have, which is the ordinals' one. */
  if (longest > MAX_TIED_TOPS)
    {
      radix_passes (keys, count, 0, order, other);
      return;
    }

  for (guint k = 1; k < count; k++)
    {
      guint o = order[k];
      guint64 key = keys[o];
      guint j = k;

      while (j > 0 && keys[order[j - 1]] > key)
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = o;
    }
}

static void
min_tree_remove (guint *alive,
                 gsize  tree_size,
                 gsize  pos)
{
  gsize node = tree_size + pos;

  alive[node] = G_MAXUINT;
  /* Above the first node whose minimum stays, nothing changes. */
  for (node >>= 1; node >= 1; node >>= 1)
    {
      guint least = MIN (alive[2 * node], alive[2 * node + 1]);

      if (alive[node] == least)
        break;
      alive[node] = least;
    }
}

/*
 * For a head at row: the first row j > row whose high reaches its band's top (side > 0)
 * or whose low its bottom (side < 0), or 0 when none does.  The peer scans forward from
 * each group head, which is quadratic when nothing sweeps the band; here block
 * extremes answer, without a pass over the candles, and only for heads (a swing taken
 * into an earlier group never asks).  A NaN edge is never reached.
 */
static inline guint
find_sweep (const PerpSmcReach *reach,
            double              side,
            guint               row,
            double              band_edge)
{
  guint first = _perp_smc_reach_first (reach, side * band_edge, row + 1, FALSE);

  return first != _PERP_SMC_NO_ROW ? first : 0;
}

/* The end of the prefix of sorted[from .. to) below x (at or below it, inclusive):
 * the predicate holds on a prefix of that range.  A binary search whose steps are
 * conditional moves rather than branches, which mispredict every other step. */
static inline gsize
count_below (const double *sorted,
             gsize         from,
             gsize         to,
             double        x,
             gboolean      inclusive)
{
  gsize base = from;
  gsize len = to - from;

  if (len == 0)
    return from;

  /* The answer lies in [base, base + len]. */
  while (len > 1)
    {
      gsize half = len / 2;
      double v = sorted[base + half - 1];
      gboolean below = inclusive ? v <= x : v < x;

      base = below ? base + half : base;
      len -= half;
    }

  return base + (inclusive ? sorted[base] <= x : sorted[base] < x);
}

static void
liquidity_side (const double       *swing_level,
                const PerpSmcReach *reach,
                double              side,
                const guint        *rows,
                guint               n_swings,
                double              pip_range,
                double             *liquidity,
                double             *level,
                double             *end,
                double             *swept)
{
  g_autofree guint64 *sort_keys = NULL;
  g_autofree guint *order = NULL;
  g_autofree double *levels = NULL;
  g_autofree guint *sorted_pos = NULL;
  g_autofree double *sorted_levels = NULL;
  g_autofree guint *alive = NULL;
  gsize tree_size;
  guint k;

  if (n_swings == 0)
    return;

  sort_keys = g_new (guint64, n_swings);
  levels = g_new (double, n_swings);
  order = g_new (guint, n_swings);
  sorted_pos = g_new (guint, n_swings);
  sorted_levels = g_new (double, n_swings);

  for (k = 0; k < n_swings; k++)
    {
      double head_level = swing_level[rows[k]];

      levels[k] = head_level;
      sort_keys[k] = level_sort_key (head_level);
    }

  _perp_smc_sort_by_key (sort_keys, n_swings, order);
  for (k = 0; k < n_swings; k++)
    {
      sorted_pos[order[k]] = k;
      sorted_levels[k] = levels[order[k]];
    }

  /*
   * The peer's inner loop visits every later unconsumed swing before the sweep and takes
   * those inside the band.  Here the swings sit in level order, so a band is one slice of
   * that order, and a min tree over the slice gives the earliest unconsumed swing in it:
   * taking members earliest first until one lies at or beyond the sweep yields the same
   * group, in the same order (which fixes the float sum), at O(log n) per member.  Heads
   * leave the tree too, since later heads only look at later rows.
   */
  tree_size = 1;
  while (tree_size < n_swings)
    tree_size <<= 1;
  alive = g_new (guint, 2 * tree_size);
  for (k = 0; k < tree_size; k++)
    alive[tree_size + k] = k < n_swings ? order[k] : G_MAXUINT;
  for (k = (guint) tree_size - 1; k >= 1; k--)
    alive[k] = MIN (alive[2 * k], alive[2 * k + 1]);

  for (k = 0; k < n_swings; k++)
    {
      guint row = rows[k];
      double head_level = levels[k];
      double range_low = head_level - pip_range;
      double range_high = head_level + pip_range;
      guint swept_row;
      gsize lo_pos;
      gsize hi_pos;
      double sum = head_level;
      guint count = 1;
      guint group_end = row;

      /* Consumed swings are not heads: the peer skips them. */
      if (alive[tree_size + sorted_pos[k]] == G_MAXUINT)
        continue;

      min_tree_remove (alive, tree_size, sorted_pos[k]);
      /* Equal highs are swept upwards through level + pip, equal lows downwards. */
      swept_row = find_sweep (reach, side, row, side > 0 ? range_high : range_low);

      /* Band slice [lo_pos, hi_pos) in level order. */
      lo_pos = count_below (sorted_levels, 0, n_swings, range_low, FALSE);
      hi_pos = count_below (sorted_levels, lo_pos, n_swings, range_high, TRUE);

      while (lo_pos < hi_pos)
        {
          guint best = G_MAXUINT;
          gsize l = lo_pos + tree_size;
          gsize r = hi_pos + tree_size;
          guint member_row;

          while (l < r)
            {
              if (l & 1)
                {
                  best = MIN (best, alive[l]);
                  l++;
                }
              if (r & 1)
                {
                  r--;
                  best = MIN (best, alive[r]);
                }
              l >>= 1;
              r >>= 1;
            }

          if (best == G_MAXUINT)
            break;
          member_row = rows[best];
          if (swept_row != 0 && member_row >= swept_row)
            break;

          sum += levels[best];
          count++;
          group_end = member_row;

          min_tree_remove (alive, tree_size, sorted_pos[best]);
        }

      if (count > 1)
        {
          liquidity[row] = side;
          level[row] = _perp_smc_f32 (sum / count);
          end[row] = _perp_smc_f32 (group_end);
          swept[row] = _perp_smc_f32 ((double) swept_row);
        }
    }
}

/**
 * perp_smc_liquidity:
 * @candles: the series
 * @context: (nullable): block extremes of @candles to share, or %NULL
 * @swing_high_low: (array): HighLow of perp_smc_swing_highs_lows(), n values
 * @swing_level: (array): its Level, n values
 * @range_percent: band half-width as a share of the whole series' high-low range
 * @liquidity: (out caller-allocates) (array): 1 equal highs, -1 equal lows, NAN
 * @level: (out caller-allocates) (array): mean level of the group (float32)
 * @end: (out caller-allocates) (array): row of the group's last member
 * @swept: (out caller-allocates) (array): first row through the band's far edge, 0 if none
 *
 * The peer's liquidity().  Look-ahead: the band width uses the whole series.
 */
void
perp_smc_liquidity (const PerpCandles *candles,
                    PerpSmcContext    *context,
                    const double      *swing_high_low,
                    const double      *swing_level,
                    double             range_percent,
                    double            *liquidity,
                    double            *level,
                    double            *end,
                    double            *swept)
{
  g_autofree guint *own_high_rows = NULL;
  g_autofree guint *own_low_rows = NULL;
  const PerpSmcSwings *kept;
  const guint *high_rows;
  const guint *low_rows;
  PerpSmcReach own_rises;
  PerpSmcReach own_falls;
  const PerpSmcReach *rises;
  const PerpSmcReach *falls;
  double pip_range;
  guint n_high;
  guint n_low;
  guint n;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  if (n == 0)
    return;

  g_return_if_fail (swing_high_low != NULL);
  g_return_if_fail (swing_level != NULL);
  g_return_if_fail (liquidity != NULL && level != NULL && end != NULL && swept != NULL);

  /* The block extremes that answer the sweeps also give the whole series' high and
   * low (the extreme is exact, whichever equal value it keeps). */
  rises = _perp_smc_context_reach (context, candles, _PERP_SMC_HIGH_UP, &own_rises);
  falls = _perp_smc_context_reach (context, candles, _PERP_SMC_LOW_DOWN, &own_falls);
  pip_range = (_perp_smc_reach_max (rises) - -_perp_smc_reach_max (falls)) * range_percent;

  /* The rows of the swings, each side in row order: the context's, or from the pass
   * that blanks the columns (one loop instead of five). */
  kept = _perp_smc_context_swings (context, candles, swing_high_low);
  if (kept != NULL)
    {
      _perp_smc_fill (liquidity, n, NAN);
      _perp_smc_fill (level, n, NAN);
      _perp_smc_fill (end, n, NAN);
      _perp_smc_fill (swept, n, NAN);
      high_rows = kept->high_rows;
      low_rows = kept->low_rows;
      n_high = kept->n_high;
      n_low = kept->n_low;
    }
  else
    {
      own_high_rows = g_new (guint, n);
      own_low_rows = g_new (guint, n);
      n_high = _perp_smc_swing_rows (swing_high_low, n, own_high_rows, own_low_rows, &n_low,
                                     liquidity, level, end, swept);
      high_rows = own_high_rows;
      low_rows = own_low_rows;
    }

  liquidity_side (swing_level, rises, 1.0, high_rows, n_high, pip_range,
                  liquidity, level, end, swept);
  liquidity_side (swing_level, falls, -1.0, low_rows, n_low, pip_range,
                  liquidity, level, end, swept);
  _perp_smc_reach_clear (&own_rises);
  _perp_smc_reach_clear (&own_falls);
}

/* ---------------------------------------------------------------- previous_high_low */

/*
 * pandas' resample label of the period holding t.  "4h" and "1D" are left-closed and
 * left-labelled.  "W" is W-SUN, right-closed and right-labelled, but pandas moves the
 * edges of super-daily bins to the end of the day (its _adjust_bin_edges), so a week
 * runs Monday 00:00 to Sunday 23:59:59.999 and carries its Sunday's 00:00 as label:
 * a Sunday candle after midnight therefore lies after its own period's label.
 */
static gint64
period_label (gint64           t,
              PerpSmcTimeFrame time_frame)
{
  gint64 day;
  gint64 weekday;

  switch (time_frame)
    {
    case PERP_SMC_TIME_FRAME_4H:
      return perp_floor_div (t, 4 * PERP_MS_PER_HOUR) * 4 * PERP_MS_PER_HOUR;

    case PERP_SMC_TIME_FRAME_1D:
      return perp_floor_div (t, PERP_MS_PER_DAY) * PERP_MS_PER_DAY;

    case PERP_SMC_TIME_FRAME_W:
      day = perp_floor_div (t, PERP_MS_PER_DAY);
      /* 1970-01-01 was a Thursday; 0 = Monday ... 6 = Sunday. */
      weekday = (day % 7 + 7 + 3) % 7;
      return (day + 6 - weekday) * PERP_MS_PER_DAY;

    default:
      g_assert_not_reached ();
    }

  return 0;
}

/* The first row of from .. to-1 whose price lies beyond key (above it, or below it for
 * a low), or to; nothing lies beyond a NaN key.  Two rows a comparison where SSE2 is
 * there (a comparison with NaN is false there too), a branch only at the end. */
static inline guint
first_break (const double *price,
             double        key,
             gboolean      above,
             guint         from,
             guint         to)
{
  guint k = from;

#ifdef __SSE2__
  {
    __m128d keys = _mm_set1_pd (key);

    for (; k + 2 <= to; k += 2)
      {
        __m128d p = _mm_loadu_pd (price + k);
        int beyond = _mm_movemask_pd (above ? _mm_cmpgt_pd (p, keys) : _mm_cmplt_pd (p, keys));

        if (beyond != 0)
          return k + ((beyond & 1) == 0);
      }
  }
#endif
  if (above)
    while (k < to && !(price[k] > key))
      k++;
  else
    while (k < to && !(price[k] < key))
      k++;

  return k;
}

/* The first row after i whose open time is not before limit, or n.  Candles mostly come
 * at one interval, so the row is first guessed from the interval at i and checked; a
 * guess that fails (a gap, an irregular series) gives way to the scan. */
static inline guint
period_rows_end (const gint64 *open_time,
                 guint         n,
                 guint         i,
                 gint64        limit)
{
  guint to;

  if (i + 1 < n && open_time[i + 1] > open_time[i] && open_time[i + 1] < limit)
    {
      gint64 step = open_time[i + 1] - open_time[i];
      gint64 ahead = (limit - open_time[i] + step - 1) / step;
      guint guess = (guint) MIN ((gint64) (n - i), ahead) + i;

      /* Rows i + 1 .. guess - 1 before limit (increasing, so the last one tells), and
       * guess at or after it. */
      if (open_time[guess - 1] < limit && (guess == n || open_time[guess] >= limit))
        return guess;
    }

  for (to = i + 1; to < n && open_time[to] < limit; to++)
    ;

  return to;
}

/* *current_high and *current_low carried on over rows from .. to-1, as the running
 * MAX () and MIN () from row to row would: two lanes where SSE2 is there
 * (_mm_max_pd (a, b) is a > b ? a : b, as MAX ()).  Equal prices have equal bits unless
 * they are zeros of both signs, where the lanes could keep the other zero: a zero
 * outcome is worked out again in order. */
static inline void
stretch_extremes (const double *high,
                  const double *low,
                  guint         from,
                  guint         to,
                  double       *current_high,
                  double       *current_low)
{
  double h = *current_high;
  double l = *current_low;
  guint k = from;

#ifdef __SSE2__
  if (to - from >= 4)
    {
      __m128d hh = _mm_set1_pd (h);
      __m128d ll = _mm_set1_pd (l);
      double lanes[2];

      for (; k + 2 <= to; k += 2)
        {
          hh = _mm_max_pd (hh, _mm_loadu_pd (high + k));
          ll = _mm_min_pd (ll, _mm_loadu_pd (low + k));
        }
      _mm_storeu_pd (lanes, hh);
      h = MAX (lanes[0], lanes[1]);
      _mm_storeu_pd (lanes, ll);
      l = MIN (lanes[0], lanes[1]);
    }
#endif
  for (; k < to; k++)
    {
      h = MAX (h, high[k]);
      l = MIN (l, low[k]);
    }

  if (h == 0.0 || l == 0.0)
    {
      h = *current_high;
      l = *current_low;
      for (k = from; k < to; k++)
        {
          h = MAX (h, high[k]);
          l = MIN (l, low[k]);
        }
    }
  *current_high = h;
  *current_low = l;
}

/**
 * perp_smc_previous_high_low:
 * @candles: the series
 * @time_frame: the period
 * @previous_high: (out caller-allocates) (array): high of the reference period (float32), NAN
 * @previous_low: (out caller-allocates) (array): low of the reference period (float32), NAN
 * @broken_high: (out caller-allocates) (array): 1 once a high since the reference period
 *   changed exceeded it, else 0
 * @broken_low: (out caller-allocates) (array): the same for lows
 *
 * The peer's previous_high_low(), calendar quirks included: the reference period is the
 * second period label strictly before the candle, which is two periods back for a
 * candle on a period boundary and for every weekday candle with "W".
 */
void
perp_smc_previous_high_low (const PerpCandles *candles,
                            PerpSmcTimeFrame   time_frame,
                            double            *previous_high,
                            double            *previous_low,
                            double            *broken_high,
                            double            *broken_low)
{
  g_autofree gint64 *labels = NULL;
  g_autofree double *period_high = NULL;
  g_autofree double *period_low = NULL;
  const gint64 *open_time;
  const double *high;
  const double *low;
  guint n_periods = 0;
  guint max_periods;
  guint n;
  guint i;
  guint before = 0;
  gint64 period_end = G_MININT64;
  gint64 group = G_MININT64;
  gboolean high_broken = FALSE;
  gboolean low_broken = FALSE;
  double ph_f32 = NAN;
  double pl_f32 = NAN;
  double current_high = 0;
  double current_low = 0;

  g_return_if_fail (candles != NULL);
  g_return_if_fail (time_frame == PERP_SMC_TIME_FRAME_4H ||
                    time_frame == PERP_SMC_TIME_FRAME_1D ||
                    time_frame == PERP_SMC_TIME_FRAME_W);

  n = perp_candles_get_length (candles);
  if (n == 0)
    return;

  g_return_if_fail (previous_high != NULL && previous_low != NULL);
  g_return_if_fail (broken_high != NULL && broken_low != NULL);

  open_time = perp_candles_get_open_time (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  /* A span of s milliseconds meets at most s / period + 2 periods: arrays of that
   * size (at most n), not of n, which would be megabytes of fresh memory a call. */
  {
    gint64 period = time_frame == PERP_SMC_TIME_FRAME_4H ? 4 * PERP_MS_PER_HOUR
                    : time_frame == PERP_SMC_TIME_FRAME_1D ? PERP_MS_PER_DAY
                    : 7 * PERP_MS_PER_DAY;
    guint64 span = (guint64) open_time[n - 1] - (guint64) open_time[0];
    guint64 most = span / (guint64) period + 2;

    max_periods = most < n ? (guint) most : n;
  }
  labels = g_new (gint64, max_periods);
  period_high = g_new (double, max_periods);
  period_low = g_new (double, max_periods);

  /*
   * One pass over stretches of rows.  Open times increase, so each period is one run of
   * rows, and only periods holding a candle exist, as after the peer's dropna(); the
   * label (a division) is only worked out when a candle leaves the current period.  The
   * reference period always lies before the current one (its label is at least two
   * labels back), so its extremes are final by the time a row reads them.
   *
   * Within a stretch neither the period nor the reference changes: the levels are one
   * value, and a broken flag, "the group's running extreme beyond the level", is 0 up
   * to the first row beyond it and 1 from there on.  So a stretch is four fills, a
   * scan for each break (only while it has not happened) and the period's extremes.
   */
  for (i = 0; i < n;)
    {
      gint64 t = open_time[i];
      gint64 reference;
      gint64 limit;
      guint high_from;
      guint low_from;
      guint to;

      if (t >= period_end)
        {
          gint64 label = period_label (t, time_frame);

          switch (time_frame)
            {
            case PERP_SMC_TIME_FRAME_4H:
              period_end = label + 4 * PERP_MS_PER_HOUR;
              break;
            case PERP_SMC_TIME_FRAME_1D:
            case PERP_SMC_TIME_FRAME_W:   /* labelled with its last day */
              period_end = label + PERP_MS_PER_DAY;
              break;
            default:
              g_assert_not_reached ();
            }

          /* The period that ends here is final: store its extremes. */
          if (n_periods > 0)
            {
              period_high[n_periods - 1] = current_high;
              period_low[n_periods - 1] = current_low;
            }
          g_assert (n_periods < max_periods);
          labels[n_periods] = label;
          current_high = high[i];
          current_low = low[i];
          n_periods++;
        }
      else
        {
          current_high = MAX (current_high, high[i]);
          current_low = MIN (current_low, low[i]);
        }

      /* searchsorted(labels, t, side="left"): labels strictly before t.  Later
       * periods' labels all lie after t. */
      while (before < n_periods && labels[before] < t)
        before++;

      reference = (gint64) before - 2;

      /* The running extremes restart whenever the reference period changes. */
      if (reference != group)
        {
          group = reference;
          high_broken = FALSE;
          low_broken = FALSE;
          if (reference >= 0)
            {
              ph_f32 = _perp_smc_f32 (period_high[reference]);
              pl_f32 = _perp_smc_f32 (period_low[reference]);
            }
          else
            {
              ph_f32 = pl_f32 = NAN;
            }
        }

      /* The rows that follow in the same period, until the current period's own label
       * drops strictly behind the open time: neither the period nor the reference
       * changes there. */
      limit = period_end;
      if (before < n_periods)
        limit = MIN (limit, labels[before] + 1);
      to = period_rows_end (open_time, n, i, limit);
      stretch_extremes (high, low, i + 1, to, &current_high, &current_low);

      /* A broken flag is 0 up to the first row beyond the level since the group began
       * and 1 from there on.  Both scans come before the stores: the columns and the
       * prices tend to lie at the same offsets in their pages, where a load that
       * follows a store 4 KiB away can wait for it. */
      high_from = high_broken ? i : first_break (high, ph_f32, TRUE, i, to);
      low_from = low_broken ? i : first_break (low, pl_f32, FALSE, i, to);
      high_broken = high_from < to;
      low_broken = low_from < to;

      /* Before the first reference period: NaN levels, and NaN compares false. */
      _perp_smc_fill (previous_high + i, to - i, ph_f32);
      _perp_smc_fill (previous_low + i, to - i, pl_f32);
      _perp_smc_fill (broken_high + i, high_from - i, 0.0);
      _perp_smc_fill (broken_high + high_from, to - high_from, 1.0);
      _perp_smc_fill (broken_low + i, low_from - i, 0.0);
      _perp_smc_fill (broken_low + low_from, to - low_from, 1.0);
      i = to;
    }
}

/* ---------------------------------------------------------------- sessions */

typedef struct
{
  const char *name;
  guint       start_minute;
  guint       end_minute;
} SessionInfo;

/* The peer's own names and windows (UTC), indexed by PerpSmcSession. */
static const SessionInfo session_info[PERP_SMC_N_SESSIONS] = {
  { "Sydney",                 21 * 60,  6 * 60 },
  { "Tokyo",                   0 * 60,  9 * 60 },
  { "London",                  7 * 60, 16 * 60 },
  { "New York",               13 * 60, 22 * 60 },
  { "Asian kill zone",         0 * 60,  4 * 60 },
  { "London open kill zone",   6 * 60,  9 * 60 },
  { "New York kill zone",     11 * 60, 14 * 60 },
  { "london close kill zone", 14 * 60, 16 * 60 },
  { "Custom",                  0,       0 },
};

/**
 * perp_smc_session_name:
 * @session: a session
 *
 * Returns: (transfer none) (nullable): the peer's name of @session, %NULL if invalid
 */
const char *
perp_smc_session_name (PerpSmcSession session)
{
  g_return_val_if_fail ((guint) session < PERP_SMC_N_SESSIONS, NULL);

  return session_info[session].name;
}

/**
 * perp_smc_session_from_name:
 * @name: a session name, in any letter case
 *
 * Returns: the #PerpSmcSession of @name, or -1 if it names none
 */
int
perp_smc_session_from_name (const char *name)
{
  guint i;

  g_return_val_if_fail (name != NULL, -1);

  for (i = 0; i < PERP_SMC_N_SESSIONS; i++)
    if (g_ascii_strcasecmp (name, session_info[i].name) == 0)
      return (int) i;

  return -1;
}

/**
 * perp_smc_sessions:
 * @candles: the series
 * @session: the session
 * @start_minute: window start, minutes after 00:00 UTC (custom session only)
 * @end_minute: window end, minutes after 00:00 UTC (custom session only)
 * @active: (out caller-allocates) (array): 1 inside the window, else 0
 * @high: (out caller-allocates) (array): running high over adjacent active rows (float32), 0
 * @low: (out caller-allocates) (array): running low over adjacent active rows (float32), 0
 *
 * The peer's sessions() with time_zone "UTC".  Both window ends are inclusive and only
 * the open time's hour and minute count; a start at or after the end wraps midnight.
 */
void
perp_smc_sessions (const PerpCandles *candles,
                   PerpSmcSession     session,
                   guint              start_minute,
                   guint              end_minute,
                   double            *active,
                   double            *high,
                   double            *low)
{
  const gint64 *open_time;
  const double *h;
  const double *l;
  guint start;
  guint stop;
  guint n;
  guint i;
  gint64 day_start = 0;
  gint64 day_end = G_MININT64;
  gint64 from_ms;
  gint64 until_ms;
  gboolean wraps;
  double run_high = 0;
  double run_low = INFINITY;

  g_return_if_fail (candles != NULL);
  g_return_if_fail ((guint) session < PERP_SMC_N_SESSIONS);
  g_return_if_fail (session != PERP_SMC_SESSION_CUSTOM ||
                    (start_minute < 24 * 60 && end_minute < 24 * 60));

  n = perp_candles_get_length (candles);
  if (n == 0)
    return;

  g_return_if_fail (active != NULL && high != NULL && low != NULL);

  if (session == PERP_SMC_SESSION_CUSTOM)
    {
      start = start_minute;
      stop = end_minute;
    }
  else
    {
      start = session_info[session].start_minute;
      stop = session_info[session].end_minute;
    }

  open_time = perp_candles_get_open_time (candles);
  h = perp_candles_get_high (candles);
  l = perp_candles_get_low (candles);

  /* strftime("%H:%M") drops the seconds: minute m lies in [start, stop] when the
   * milliseconds into the day lie in [start * 60000, (stop + 1) * 60000). */
  from_ms = (gint64) start * PERP_MS_PER_MINUTE;
  until_ms = ((gint64) stop + 1) * PERP_MS_PER_MINUTE;
  wraps = !(start < stop);

  /*
   * The peer reads the previous row's float32 cells, which hold 0 after an inactive
   * row: max() against 0 then keeps the high, and a 0 low means "no low yet".  Both
   * run in registers, not through the cells just written (a store and a load on the
   * chain from row to row): float32 rounding is monotone and the previous cell is a
   * float32 value already, so rounding the new price first and then taking the extreme
   * gives the same number.  A low that rounds to 0 leaves "no low yet" behind it.
   */
  for (i = 0; i < n; i++)
    {
      gint64 t = open_time[i];
      gint64 ms;
      gboolean inside;
      double fh;
      double fl;
      double out_low;

      /* Open times increase: a day's start is worked out once per day. */
      if (t >= day_end)
        {
          day_start = perp_floor_div (t, PERP_MS_PER_DAY) * PERP_MS_PER_DAY;
          day_end = day_start + PERP_MS_PER_DAY;
        }
      ms = t - day_start;

      if (wraps)
        inside = ms >= from_ms || ms < until_ms;
      else
        inside = ms >= from_ms && ms < until_ms;

      if (!inside)
        {
          active[i] = 0;
          high[i] = 0;
          low[i] = 0;
          run_high = 0;
          run_low = INFINITY;
          continue;
        }

      fh = _perp_smc_f32 (h[i]);
      fl = _perp_smc_f32 (l[i]);
      run_high = run_high > fh ? run_high : fh;
      out_low = run_low < fl ? run_low : fl;
      run_low = fl != 0 ? out_low : INFINITY;
      active[i] = 1;
      high[i] = run_high;
      low[i] = out_low;
    }
}
