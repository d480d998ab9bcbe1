/* perp-smc-compat-swings.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-smc"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "perp-smc-compat-private.h"

/*
 * The peer's swing-based functions (DEFINITIONS.md sections 1-4 and 8), reproduced row
 * by row.  The peer answers "first row after r where price crosses x" with a fresh scan
 * per signal, and walks every active order block on every candle; both are quadratic on
 * long series.  Here the same answers come from window extremes (van Herk/Gil-Werman)
 * and block extremes (PerpSmcReach in perp-smc-compat-private.h), in a few passes over
 * the arrays, mostly without branches on the prices.
 *
 * float32: where the peer keeps a level in a float32 array, the level is rounded with
 * (float) once and then held as that value widened to double, so every decision and
 * every output sees exactly what the peer compares against.
 */

#define NO_ROW _PERP_SMC_NO_ROW

/* ---------------------------------------------------------------- first reach */

/* How the rows labelled +1, or -1, reach their limit: price[j] * sign crossing
 * limit[r] * sign from below, so that "reached" is always "at or above the key". */
typedef struct
{
  const double *price;
  const double *limit;
  double        sign;
} ReachSide;

/* The first of rows j .. j+3 (and before n) where side's price reaches key, or NO_ROW.
 * Four comparisons without a branch between them, then one on the outcome. */
static inline guint
reach_nearby (const ReachSide *side,
              double           key,
              guint            j,
              guint            n,
              gboolean         strict)
{
  const double *p = side->price;
  double sign = side->sign;
  guint mask;

  if (j + 4 > n)
    {
      for (guint k = j; k < n; k++)
        if (strict ? sign * p[k] > key : sign * p[k] >= key)
          return k;
      return NO_ROW;
    }

  if (strict)
    mask = (guint) (sign * p[j] > key) | (guint) (sign * p[j + 1] > key) << 1 |
           (guint) (sign * p[j + 2] > key) << 2 | (guint) (sign * p[j + 3] > key) << 3;
  else
    mask = (guint) (sign * p[j] >= key) | (guint) (sign * p[j + 1] >= key) << 1 |
           (guint) (sign * p[j + 2] >= key) << 2 | (guint) (sign * p[j + 3] >= key) << 3;

  return mask != 0 ? j + _perp_smc_lowest_bit (mask) : NO_ROW;
}

/* ---------------------------------------------------------------- context */

/**
 * perp_smc_context_new:
 * @candles: the series the context serves
 *
 * Returns: (transfer full): an empty context; the block extremes are built when a
 *   function first asks for them
 */
PerpSmcContext *
perp_smc_context_new (const PerpCandles *candles)
{
  PerpSmcContext *context;

  g_return_val_if_fail (candles != NULL, NULL);

  context = g_new0 (PerpSmcContext, 1);
  context->candles = candles;

  return context;
}

static void
gaps_clear (PerpSmcGaps *gaps)
{
  for (guint d = 0; d < 2; d++)
    {
      g_clear_pointer (&gaps->rows[d], g_free);
      g_clear_pointer (&gaps->mitigated[d], g_free);
      gaps->count[d] = 0;
    }
  gaps->high = NULL;
  gaps->n = 0;
}

static void
swings_clear (PerpSmcSwings *swings)
{
  g_clear_pointer (&swings->rows, g_free);
  g_clear_pointer (&swings->high_rows, g_free);
  g_clear_pointer (&swings->low_rows, g_free);
  swings->high_low = NULL;
  swings->high = NULL;
  swings->n = swings->count = swings->n_high = swings->n_low = 0;
}

void
perp_smc_context_free (PerpSmcContext *context)
{
  if (context == NULL)
    return;

  for (guint k = 0; k < _PERP_SMC_N_SHARED; k++)
    _perp_smc_reach_clear (&context->reach[k]);
  gaps_clear (&context->gaps);
  swings_clear (&context->swings);
  g_free (context);
}

/* The block extremes @which of @candles: the context's (built now if need be), or,
 * without a context, @own's, which the caller clears after use (a no-op otherwise). */
const PerpSmcReach *
_perp_smc_context_reach (PerpSmcContext    *context,
                         const PerpCandles *candles,
                         PerpSmcShared      which,
                         PerpSmcReach      *own)
{
  guint n = perp_candles_get_length (candles);
  const double *price;
  PerpSmcReach *reach;
  double sign;

  switch (which)
    {
    case _PERP_SMC_HIGH_UP:
      price = perp_candles_get_high (candles);
      sign = 1.0;
      break;
    case _PERP_SMC_LOW_DOWN:
      price = perp_candles_get_low (candles);
      sign = -1.0;
      break;
    case _PERP_SMC_CLOSE_UP:
      price = perp_candles_get_close (candles);
      sign = 1.0;
      break;
    case _PERP_SMC_CLOSE_DOWN:
    case _PERP_SMC_N_SHARED:
    default:
      price = perp_candles_get_close (candles);
      sign = -1.0;
      break;
    }

  own->n_levels = 0;
  if (context == NULL || context->candles != candles)
    {
      g_warn_if_fail (context == NULL);
      _perp_smc_reach_init (own, price, n, sign);
      return own;
    }

  /* A series that grew since (its arrays may have moved) needs new extremes. */
  reach = &context->reach[which];
  if (reach->n_levels > 0 && (reach->price != price || reach->n != n))
    _perp_smc_reach_clear (reach);
  if (reach->n_levels == 0)
    {
      /* bos_choch asks for both close extremes: one read of the closes builds them. */
      if (which == _PERP_SMC_CLOSE_UP || which == _PERP_SMC_CLOSE_DOWN)
        {
          PerpSmcReach *up = &context->reach[_PERP_SMC_CLOSE_UP];
          PerpSmcReach *down = &context->reach[_PERP_SMC_CLOSE_DOWN];

          _perp_smc_reach_clear (up);
          _perp_smc_reach_clear (down);
          _perp_smc_reach_init_pair (up, down, price, n);
        }
      else
        _perp_smc_reach_init (reach, price, n, sign);
    }

  return reach;
}

/* ---------------------------------------------------------------- swing_highs_lows */

/* The window extremes below come from the van Herk/Gil-Werman split: cut the series
 * into blocks of the window's width w; any w consecutive rows then span at most two
 * blocks, so their extreme is the larger of a suffix extreme of the first block and a
 * prefix extreme of the second.  Three comparisons per candle and side, none of them a
 * branch on the prices (a monotone deque mispredicts about twice a candle).  Only the
 * suffix extremes of the block before the current one and the prefix extremes of the
 * current one are ever read, so they live in buffers of w values, not in arrays of n:
 * those cost 16 bytes a candle of fresh memory (a page fault every 256 candles) and
 * their trip through the cache. */

/* suffix_high[k] = max of high[start + k .. start + w - 1], suffix_low[k] likewise. */
static inline void
block_suffix_extremes (const double *high,
                       const double *low,
                       guint         start,
                       guint         window,
                       double       *suffix_high,
                       double       *suffix_low)
{
  double h = high[start + window - 1];
  double l = low[start + window - 1];

  suffix_high[window - 1] = h;
  suffix_low[window - 1] = l;
  for (guint k = window - 1; k-- > 0;)
    {
      h = _perp_smc_max2 (h, high[start + k]);
      l = _perp_smc_min2 (l, low[start + k]);
      suffix_high[k] = h;
      suffix_low[k] = l;
    }
}

/* Marks every row i whose high (low) is the extreme of rows i-L+1 .. i+L: +1 for a
 * high, else -1 for a low, else NaN, and writes the level with it.  The peer rolls a 2L
 * window over the series shifted L rows up, so the window must also start at row >= 0
 * of the shifted series: i >= 2L-1, not just L-1.  The rows of the candidates go to
 * rows[], in order; returns their number. */
static guint
mark_window_extremes (const double *high,
                      const double *low,
                      guint         n,
                      guint         length,
                      double       *high_low,
                      double       *level,
                      guint        *rows)
{
  g_autofree double *suffix_high = NULL;
  g_autofree double *suffix_low = NULL;
  g_autofree double *prefix_high = NULL;
  g_autofree double *prefix_low = NULL;
#ifdef __SSE2__
  const __m128d nans = _mm_set1_pd (NAN);
  const __m128d ones = _mm_set1_pd (1.0);
  const __m128d minus_ones = _mm_set1_pd (-1.0);
#endif
  guint window = 2 * length;
  guint count = 0;
  guint first;
  guint last;

  if (length == 0 || length > n / 3)
    {
      _perp_smc_fill (high_low, n, NAN);
      _perp_smc_fill (level, n, NAN);
      return 0;
    }

  /* One more than the window: the sentinel stands for the suffix of the current block
   * itself, read when the window is exactly that block (its last row), where the
   * prefix extreme alone is the window's. */
  suffix_high = g_new (double, window + 1);
  suffix_low = g_new (double, window + 1);
  suffix_high[window] = -INFINITY;
  suffix_low[window] = INFINITY;
  prefix_high = g_new (double, window);
  prefix_low = g_new (double, window);

  /* Candidate i's window is rows s = i + 1 - L .. e = i + L, w rows: e runs from
   * 3L - 1 (i = 2L - 1) to n - 1 (i = n - 1 - L), always in block 1 or later, so s
   * lies in the block before e's or, when e ends its block, at that block's start. */
  first = 2 * length - 1;
  last = n - 1 - length;
  _perp_smc_fill (high_low, first, NAN);
  _perp_smc_fill (level, first, NAN);
  _perp_smc_fill (high_low + last + 1, n - 1 - last, NAN);
  _perp_smc_fill (level + last + 1, n - 1 - last, NAN);
  for (guint start = window; start < n; start += window)
    {
      guint stop = MIN (start + window, n);
      double running_high = high[start];
      double running_low = low[start];
      guint e;

      block_suffix_extremes (high, low, start - window, window, suffix_high, suffix_low);
      for (guint k = 0; start + k < stop; k++)
        {
          running_high = _perp_smc_max2 (running_high, high[start + k]);
          running_low = _perp_smc_min2 (running_low, low[start + k]);
          prefix_high[k] = running_high;
          prefix_low[k] = running_low;
        }

      /* Block 1 starts before the first candidate's window ends. */
      e = MAX (start, first + length);
#ifdef __SSE2__
      /* Two candidates at a time: _mm_max_pd (a, b) is a > b ? a : b, as
       * _perp_smc_max2 (), and the picks are masks. */
      for (; e + 2 <= stop; e += 2)
        {
          guint i = e - length;
          guint phase = e - start;
          __m128d window_high = _mm_max_pd (_mm_loadu_pd (suffix_high + phase + 1),
                                            _mm_loadu_pd (prefix_high + phase));
          __m128d window_low = _mm_min_pd (_mm_loadu_pd (suffix_low + phase + 1),
                                           _mm_loadu_pd (prefix_low + phase));
          __m128d h = _mm_loadu_pd (high + i);
          __m128d l = _mm_loadu_pd (low + i);
          __m128d is_high = _mm_cmpeq_pd (h, window_high);
          __m128d is_low = _mm_andnot_pd (is_high, _mm_cmpeq_pd (l, window_low));
          __m128d either = _mm_or_pd (is_high, is_low);
          __m128d none = _mm_andnot_pd (either, nans);
          int found = _mm_movemask_pd (either);

          _mm_storeu_pd (high_low + i, _mm_or_pd (_mm_or_pd (_mm_and_pd (is_high, ones),
                                                             _mm_and_pd (is_low, minus_ones)),
                                                  none));
          _mm_storeu_pd (level + i, _mm_or_pd (_mm_or_pd (_mm_and_pd (is_high, h),
                                                          _mm_and_pd (is_low, l)),
                                               none));
          rows[count] = i;
          count += found & 1;
          rows[count] = i + 1;
          count += found >> 1;
        }
#endif
      for (; e < stop; e++)
        {
          guint i = e - length;
          guint phase = e - start;
          double window_high = _perp_smc_max2 (suffix_high[phase + 1], prefix_high[phase]);
          double window_low = _perp_smc_min2 (suffix_low[phase + 1], prefix_low[phase]);
          gboolean is_high = high[i] == window_high;
          gboolean is_low = low[i] == window_low;

          high_low[i] = _perp_smc_pick (is_high, 1.0, is_low, -1.0, NAN);
          level[i] = _perp_smc_pick (is_high, high[i], is_low, low[i], NAN);
          rows[count] = i;
          count += is_high | is_low;
        }
    }

  return count;
}

/* Equivalent to the peer's repeated pairwise passes: of each run of same-type swings
 * only the most extreme survives, the earliest on ties.  Compacts rows[] to the
 * survivors and returns their number. */
static guint
keep_run_extremes (const double *high,
                   const double *low,
                   guint        *rows,
                   guint         count,
                   double       *high_low,
                   double       *level)
{
  guint kept = 0;

  for (guint k = 0; k < count; k++)
    {
      guint i = rows[k];
      guint best;
      gboolean beyond;

      if (kept == 0 || high_low[i] != high_low[rows[kept - 1]])
        {
          rows[kept++] = i;
          continue;
        }

      best = rows[kept - 1];
      beyond = high_low[i] > 0 ? high[i] > high[best] : low[i] < low[best];
      if (beyond)
        {
          high_low[best] = level[best] = NAN;
          rows[kept - 1] = i;
        }
      else
        {
          high_low[i] = level[i] = NAN;
        }
    }

  return kept;
}

/* The peer's artificial swings on the first and last rows. */
static void
add_bookends (const double *high,
              const double *low,
              guint         n,
              const guint  *rows,
              guint         count,
              double       *high_low,
              double       *level)
{
  if (count == 0)
    return;

  high_low[0] = -high_low[rows[0]];
  high_low[n - 1] = -high_low[rows[count - 1]];
  level[0] = high_low[0] > 0 ? high[0] : low[0];
  level[n - 1] = high_low[n - 1] > 0 ? high[n - 1] : low[n - 1];
}

/* keep (nullable) gets the rows of the swings. */
static void
swing_highs_lows (const PerpCandles *candles,
                  guint              swing_length,
                  double            *high_low,
                  double            *level,
                  PerpSmcSwings     *keep)
{
  g_autofree guint *rows = NULL;
  const double *high;
  const double *low;
  guint count;
  guint n;

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (high_low != NULL && level != NULL));

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  /* One more at each end for the bookends of a kept list. */
  rows = g_new (guint, n + 2);
  count = mark_window_extremes (high, low, n, swing_length, high_low, level, rows + 1);
  count = keep_run_extremes (high, low, rows + 1, count, high_low, level);
  add_bookends (high, low, n, rows + 1, count, high_low, level);

  if (keep == NULL)
    return;

  /* The candidates lie in rows 2L - 1 .. n - 1 - L, so the bookends (rows 0 and n - 1,
   * only with a swing between them) are rows of their own; every swing is +1 or -1. */
  if (count > 0)
    {
      rows[0] = 0;
      rows[count + 1] = n - 1;
      count += 2;
    }
  keep->high_rows = g_new (guint, MAX (count, 1));
  keep->low_rows = g_new (guint, MAX (count, 1));
  for (guint k = 0; k < count; k++)
    {
      guint r = rows[k];
      gboolean up = high_low[r] > 0;

      keep->high_rows[keep->n_high] = r;
      keep->n_high += up;
      keep->low_rows[keep->n_low] = r;
      keep->n_low += !up;
    }
  keep->count = count;
  keep->rows = g_steal_pointer (&rows);
  keep->high_low = high_low;
  keep->high = high;
  keep->n = n;
}

void
perp_smc_swing_highs_lows (const PerpCandles *candles,
                           guint              swing_length,
                           double            *high_low,
                           double            *level)
{
  g_return_if_fail (candles != NULL);
  g_return_if_fail (swing_length > 0);

  swing_highs_lows (candles, swing_length, high_low, level, NULL);
}

/**
 * perp_smc_context_swing_highs_lows:
 * @context: a context
 * @swing_length: as perp_smc_swing_highs_lows()
 * @high_low: (out caller-allocates) (array): HighLow
 * @level: (out caller-allocates) (array): Level
 *
 * perp_smc_swing_highs_lows() on @context's series; @context keeps the rows of the
 * swings for the swing-based functions given @context and @high_low.
 */
void
perp_smc_context_swing_highs_lows (PerpSmcContext *context,
                                   guint           swing_length,
                                   double         *high_low,
                                   double         *level)
{
  g_return_if_fail (context != NULL);
  g_return_if_fail (swing_length > 0);

  swings_clear (&context->swings);
  swing_highs_lows (context->candles, swing_length, high_low, level, &context->swings);
}

/* ---------------------------------------------------------------- fvg */

/* Merged gaps end up on the last row of each same-direction run.  Works on the list of
 * one direction's gap rows and compacts it to the gaps left; returns their number. */
static guint
join_consecutive_gaps (guint  *rows,
                       guint   count,
                       double *fvg,
                       double *top,
                       double *bottom)
{
  guint kept = 0;

  for (guint k = 0; k < count; k++)
    {
      guint i = rows[k];

      if (k + 1 < count && rows[k + 1] == i + 1)
        {
          top[i + 1] = MAX (top[i], top[i + 1]);
          bottom[i + 1] = MIN (bottom[i], bottom[i + 1]);
          fvg[i] = top[i] = bottom[i] = NAN;
        }
      else
        {
          rows[kept++] = i;
        }
    }

  return kept;
}

/* Mitigation is the first touch of the near edge from row r + 2 on, so only the low
 * matters for a bullish gap (falling to its top) and only the high for a bearish one
 * (rising to its bottom); 0 when none touches.  Most gaps are touched within four
 * candles (64 % on BTC 5m, 44 % at once): four comparisons without a branch between
 * them settle those, block extremes the rest.  The first row for the gap at r whose
 * near edge is edge, or NO_ROW. */
static inline guint
mitigate_gap (const PerpSmcReach *reach,
              guint               n,
              guint               r,
              double              edge)
{
  ReachSide side = { reach->price, NULL, reach->sign };
  double key = side.sign * edge;
  guint first = reach_nearby (&side, key, r + 2, n, FALSE);

  if (first == NO_ROW && r + 6 < n)
    first = _perp_smc_reach_first (reach, key, r + 6, FALSE);

  return first;
}

/* rows[] holds one direction's gaps, edge[] their near edges; found (nullable) gets
 * each gap's row, NO_ROW for none. */
static void
mitigate_gaps (const guint        *rows,
               guint               count,
               guint               n,
               const double       *edge,
               const PerpSmcReach *reach,
               double             *mitigated_index,
               guint              *found)
{
  for (guint k = 0; k < count; k++)
    {
      guint r = rows[k];
      guint first = mitigate_gap (reach, n, r, edge[r]);

      mitigated_index[r] = first != NO_ROW ? (double) first : 0.0;
      if (found != NULL)
        found[k] = first;
    }
}

/* The joined columns from a context's gaps (see PerpSmcGaps): every row blank but the
 * last gap of each same-direction run, whose edges are the run's widest, merged pairwise
 * from the first gap on as join_consecutive_gaps () does.  A gap alone, or a run whose
 * near edge is its last gap's own, keeps that gap's mitigation. */
static void
join_kept_gaps (const PerpSmcGaps  *gaps,
                const double       *high,
                const double       *low,
                guint               n,
                const PerpSmcReach *falls,
                const PerpSmcReach *rises,
                double             *fvg,
                double             *top,
                double             *bottom,
                double             *mitigated_index)
{
  _perp_smc_fill (fvg, n, NAN);
  _perp_smc_fill (top, n, NAN);
  _perp_smc_fill (bottom, n, NAN);
  _perp_smc_fill (mitigated_index, n, NAN);

  for (guint d = 0; d < 2; d++)
    {
      gboolean bullish = d == 0;
      const guint *rows = gaps->rows[d];
      const guint *found = gaps->mitigated[d];
      guint count = gaps->count[d];
      /* A bullish gap at i spans high[i - 1] .. low[i + 1], a bearish one
       * high[i + 1] .. low[i - 1]: rows i + top_at and i + bottom_at (mod 2^32). */
      guint top_at = bullish ? 1 : G_MAXUINT;
      guint bottom_at = bullish ? G_MAXUINT : 1;

      for (guint k = 0; k < count;)
        {
          guint r = rows[k];
          double t = low[r + top_at];
          double b = high[r + bottom_at];
          double own_edge;
          double edge;
          guint first;

          for (k++; k < count && rows[k] == r + 1; k++)
            {
              r = rows[k];
              t = MAX (t, low[r + top_at]);
              b = MIN (b, high[r + bottom_at]);
            }
          /* The near edge: the top of a bullish gap, the bottom of a bearish one. */
          own_edge = bullish ? low[r + top_at] : high[r + bottom_at];
          edge = bullish ? t : b;
          /* Reaching compares values, so an equal edge (even a zero of the other sign)
           * gives the same answer. */
          first = edge == own_edge
                  ? found[k - 1]
                  : mitigate_gap (bullish ? falls : rises, n, r, edge);

          fvg[r] = bullish ? 1.0 : -1.0;
          top[r] = t;
          bottom[r] = b;
          mitigated_index[r] = first != NO_ROW ? (double) first : 0.0;
        }
    }
}

void
perp_smc_fvg (const PerpCandles *candles,
              PerpSmcContext    *context,
              gboolean           join_consecutive,
              double            *fvg,
              double            *top,
              double            *bottom,
              double            *mitigated_index)
{
  g_autofree guint *up_rows = NULL;
  g_autofree guint *down_rows = NULL;
  g_autofree guint *up_found = NULL;
  g_autofree guint *down_found = NULL;
  PerpSmcGaps *gaps = NULL;
  PerpSmcReach own_falls;
  PerpSmcReach own_rises;
  const PerpSmcReach *falls;
  const PerpSmcReach *rises;
  const double *open;
  const double *high;
  const double *low;
  const double *close;
  guint n_up = 0;
  guint n_down = 0;
  guint n;
  guint i;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (fvg != NULL && top != NULL && bottom != NULL &&
                               mitigated_index != NULL));

  open = perp_candles_get_open (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  close = perp_candles_get_close (candles);

  if (n == 0)
    return;

  if (context != NULL && context->candles == candles)
    {
      gaps = &context->gaps;
      /* Gaps kept before the series grew (or moved) are stale. */
      if (gaps->high != NULL && (gaps->high != high || gaps->n != n))
        gaps_clear (gaps);
      if (join_consecutive && gaps->high != NULL)
        {
          falls = _perp_smc_context_reach (context, candles, _PERP_SMC_LOW_DOWN, &own_falls);
          rises = _perp_smc_context_reach (context, candles, _PERP_SMC_HIGH_UP, &own_rises);
          join_kept_gaps (gaps, high, low, n, falls, rises, fvg, top, bottom, mitigated_index);
          return;
        }
      /* Only the gaps before joining are worth keeping. */
      if (join_consecutive || gaps->high != NULL)
        gaps = NULL;
    }

  up_rows = g_new (guint, n);
  down_rows = g_new (guint, n);

  /* Every row is written once, without a branch on the prices: a gap is as likely as
   * not, which no predictor guesses.  Each row picks its values by its kind (none,
   * bullish, bearish), and the gap rows go to one list per direction, in order. */
  fvg[0] = top[0] = bottom[0] = mitigated_index[0] = NAN;
  fvg[n - 1] = top[n - 1] = bottom[n - 1] = mitigated_index[n - 1] = NAN;
  i = 1;
#ifdef __SSE2__
  {
    /* Two rows at a time: the comparisons give lane masks, and the values are picked by
     * their bits, as the scalar loop below picks them from its tables. */
    const __m128d nans = _mm_set1_pd (NAN);
    const __m128d ones = _mm_set1_pd (1.0);
    const __m128d minus_ones = _mm_set1_pd (-1.0);

    for (; i + 3 <= n; i += 2)
      {
        __m128d before_high = _mm_loadu_pd (high + i - 1);
        __m128d before_low = _mm_loadu_pd (low + i - 1);
        __m128d after_high = _mm_loadu_pd (high + i + 1);
        __m128d after_low = _mm_loadu_pd (low + i + 1);
        __m128d c = _mm_loadu_pd (close + i);
        __m128d o = _mm_loadu_pd (open + i);
        __m128d bullish = _mm_and_pd (_mm_cmpgt_pd (c, o), _mm_cmplt_pd (before_high, after_low));
        __m128d bearish = _mm_and_pd (_mm_cmplt_pd (c, o), _mm_cmpgt_pd (before_low, after_high));
        __m128d none = _mm_andnot_pd (_mm_or_pd (bullish, bearish), nans);
        int up = _mm_movemask_pd (bullish);
        int down = _mm_movemask_pd (bearish);

        _mm_storeu_pd (fvg + i, _mm_or_pd (_mm_or_pd (_mm_and_pd (bullish, ones),
                                                      _mm_and_pd (bearish, minus_ones)),
                                           none));
        _mm_storeu_pd (top + i, _mm_or_pd (_mm_or_pd (_mm_and_pd (bullish, after_low),
                                                      _mm_and_pd (bearish, before_low)),
                                           none));
        _mm_storeu_pd (bottom + i, _mm_or_pd (_mm_or_pd (_mm_and_pd (bullish, before_high),
                                                         _mm_and_pd (bearish, after_high)),
                                              none));
        _mm_storeu_pd (mitigated_index + i, nans);

        up_rows[n_up] = i;
        n_up += up & 1;
        up_rows[n_up] = i + 1;
        n_up += up >> 1;
        down_rows[n_down] = i;
        n_down += down & 1;
        down_rows[n_down] = i + 1;
        n_down += down >> 1;
      }
  }
#endif
  for (; i + 1 < n; i++)
    {
      static const double kinds[3] = { NAN, 1.0, -1.0 };
      double before_high = high[i - 1];
      double before_low = low[i - 1];
      double after_high = high[i + 1];
      double after_low = low[i + 1];
      guint bullish = (close[i] > open[i]) & (before_high < after_low);
      guint bearish = (close[i] < open[i]) & (before_low > after_high);
      guint kind = bullish | bearish << 1;
      double tops[3] = { NAN, after_low, before_low };
      double bottoms[3] = { NAN, before_high, after_high };

      fvg[i] = kinds[kind];
      top[i] = tops[kind];
      bottom[i] = bottoms[kind];
      mitigated_index[i] = NAN;
      up_rows[n_up] = i;
      n_up += bullish;
      down_rows[n_down] = i;
      n_down += bearish;
    }

  if (join_consecutive)
    {
      n_up = join_consecutive_gaps (up_rows, n_up, fvg, top, bottom);
      n_down = join_consecutive_gaps (down_rows, n_down, fvg, top, bottom);
    }

  if (gaps != NULL)
    {
      up_found = g_new (guint, MAX (n_up, 1));
      down_found = g_new (guint, MAX (n_down, 1));
    }
  falls = _perp_smc_context_reach (context, candles, _PERP_SMC_LOW_DOWN, &own_falls);
  mitigate_gaps (up_rows, n_up, n, top, falls, mitigated_index, up_found);
  _perp_smc_reach_clear (&own_falls);
  rises = _perp_smc_context_reach (context, candles, _PERP_SMC_HIGH_UP, &own_rises);
  mitigate_gaps (down_rows, n_down, n, bottom, rises, mitigated_index, down_found);
  _perp_smc_reach_clear (&own_rises);

  if (gaps != NULL)
    {
      gaps->high = high;
      gaps->n = n;
      gaps->rows[0] = g_steal_pointer (&up_rows);
      gaps->rows[1] = g_steal_pointer (&down_rows);
      gaps->mitigated[0] = g_steal_pointer (&up_found);
      gaps->mitigated[1] = g_steal_pointer (&down_found);
      gaps->count[0] = n_up;
      gaps->count[1] = n_down;
    }
}

/* ---------------------------------------------------------------- bos_choch */

/* The four most recent swings, oldest first: S4, S3, S2, S1 in DEFINITIONS.md. */
typedef struct
{
  guint rows[4];
  guint count;
} LastSwings;

static void
last_swings_push (LastSwings *last,
                  guint       row)
{
  last->rows[0] = last->rows[1];
  last->rows[1] = last->rows[2];
  last->rows[2] = last->rows[3];
  last->rows[3] = row;
  last->count++;
}

static gboolean
types_are (const double     *high_low,
           const LastSwings *last,
           double            oldest)
{
  return high_low[last->rows[0]] == oldest &&
         high_low[last->rows[1]] == -oldest &&
         high_low[last->rows[2]] == oldest &&
         high_low[last->rows[3]] == -oldest;
}

/* Labels S3's row when the four swings form one of the peer's patterns. */
static void
label_structure (const double     *high_low,
                 const double     *swing_level,
                 const LastSwings *last,
                 double           *bos,
                 double           *choch,
                 double           *level)
{
  double l4 = swing_level[last->rows[0]];
  double l3 = swing_level[last->rows[1]];
  double l2 = swing_level[last->rows[2]];
  double l1 = swing_level[last->rows[3]];
  guint row = last->rows[1];

  if (types_are (high_low, last, -1.0))
    {
      if (l4 < l2 && l2 < l3 && l3 < l1)
        bos[row] = 1.0;
      else if (l1 > l3 && l3 > l4 && l4 > l2)
        choch[row] = 1.0;
    }
  else if (types_are (high_low, last, 1.0))
    {
      if (l4 > l2 && l2 > l3 && l3 > l1)
        bos[row] = -1.0;
      else if (l1 < l3 && l3 < l4 && l4 < l2)
        choch[row] = -1.0;
    }

  if (!isnan (bos[row]) || !isnan (choch[row]))
    level[row] = _perp_smc_f32 (l3);
}

/* A label survives only if it breaks and no later label breaks at or before its own
 * break; a superseded label keeps its BrokenIndex, as in the peer.  rows[] holds the
 * labelled rows in order. */
static void
drop_superseded (const guint *rows,
                 guint        count,
                 double      *bos,
                 double      *choch,
                 double      *level,
                 double      *broken_index)
{
  double earliest_later_break = INFINITY;

  for (guint k = count; k-- > 0;)
    {
      guint r = rows[k];
      double broken = broken_index[r];

      if (broken == 0.0 || earliest_later_break <= broken)
        bos[r] = choch[r] = level[r] = NAN;
      if (broken == 0.0)
        broken_index[r] = NAN;
      else
        earliest_later_break = MIN (earliest_later_break, broken);
    }
}

void
perp_smc_bos_choch (const PerpCandles *candles,
                    PerpSmcContext    *context,
                    const double      *swing_high_low,
                    const double      *swing_level,
                    gboolean           close_break,
                    double            *bos,
                    double            *choch,
                    double            *level,
                    double            *broken_index)
{
  g_autofree guint *own_swings = NULL;
  g_autofree guint *labelled = NULL;
  const PerpSmcSwings *kept;
  const guint *swings;
  PerpSmcReach own_rises;
  PerpSmcReach own_falls;
  const PerpSmcReach *rises;
  const PerpSmcReach *falls;
  LastSwings last = { { 0, 0, 0, 0 }, 0 };
  guint n_swings = 0;
  guint n_labelled = 0;
  guint n;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && swing_level != NULL &&
                               bos != NULL && choch != NULL && level != NULL &&
                               broken_index != NULL));

  _perp_smc_fill (bos, n, NAN);
  _perp_smc_fill (choch, n, NAN);
  _perp_smc_fill (level, n, NAN);
  _perp_smc_fill (broken_index, n, NAN);

  /* Any non-NaN HighLow counts as a swing here, as in the peer: by the bits, a NaN is
   * all ones in the exponent and not all zeros in the fraction, so its magnitude lies
   * above infinity's.  The context may know them already. */
  kept = _perp_smc_context_swings (context, candles, swing_high_low);
  if (kept != NULL)
    {
      swings = kept->rows;
      n_swings = kept->count;
    }
  else
    {
      own_swings = g_new (guint, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          const guint64 infinity = G_GUINT64_CONSTANT (0x7ff0000000000000);
          guint64 bits;

          memcpy (&bits, swing_high_low + i, sizeof bits);
          own_swings[n_swings] = i;
          n_swings += (bits & ~(G_GUINT64_CONSTANT (1) << 63)) <= infinity;
        }
      swings = own_swings;
    }

  /* Labels land on S3's row, so they come in row order. */
  labelled = g_new (guint, MAX (n_swings, 1));
  for (guint k = 0; k < n_swings; k++)
    {
      last_swings_push (&last, swings[k]);
      if (last.count >= 4)
        {
          label_structure (swing_high_low, swing_level, &last, bos, choch, level);
          labelled[n_labelled] = last.rows[1];
          n_labelled += !isnan (level[last.rows[1]]);
        }
    }

  /* The break: the first row from S3's row + 2 on beyond the level (strictly), 0 if
   * none. */
  rises = _perp_smc_context_reach (context, candles,
                                   close_break ? _PERP_SMC_CLOSE_UP : _PERP_SMC_HIGH_UP,
                                   &own_rises);
  falls = _perp_smc_context_reach (context, candles,
                                   close_break ? _PERP_SMC_CLOSE_DOWN : _PERP_SMC_LOW_DOWN,
                                   &own_falls);
  for (guint k = 0; k < n_labelled; k++)
    {
      guint r = labelled[k];
      double direction = isnan (bos[r]) ? choch[r] : bos[r];
      guint first = direction > 0
                    ? _perp_smc_reach_first (rises, level[r], r + 2, TRUE)
                    : _perp_smc_reach_first (falls, -level[r], r + 2, TRUE);

      broken_index[r] = first != NO_ROW ? (double) first : 0.0;
    }
  _perp_smc_reach_clear (&own_rises);
  _perp_smc_reach_clear (&own_falls);

  drop_superseded (labelled, n_labelled, bos, choch, level, broken_index);
}

/* ---------------------------------------------------------------- ob */

/* One block of one pass, as it stands at the end of the data. */
typedef struct
{
  guint   row;
  guint   broken;               /* the candle that broke the swing */
  gboolean breaker;             /* mitigated once, even if erased since */
  gboolean erased;              /* reclaimed: the peer zeroes the row, then blanks it */
  double  top;                  /* f32 */
  double  bottom;               /* f32 */
  double  volume;               /* f32 */
  double  percentage;           /* f32 */
  double  mitigated;
} ObBlock;

typedef struct
{
  const double *high;
  const double *low;
  const double *close;
  const double *volume;
  guint         n;
  /* Signed prices (see PerpSmcReach) for the tests of one block: its mitigation (the
   * low, or min (open, close), below its bottom for a bullish one) and the reclaim of a
   * breaker (the high above its top). */
  const PerpSmcReach *mitigations[2]; /* [bullish]: low or min (o, c), -; high or max (o, c), + */
  const PerpSmcReach *reclaims[2];    /* [bullish]: high, +; low, - */
} ObBook;

static void
store_volumes (const ObBook *book,
               guint         i,
               ObBlock      *block)
{
  const double *v = book->volume;
  double current = v[i];
  double previous = i >= 1 ? v[i - 1] : 0.0;
  double before = i >= 2 ? v[i - 2] : 0.0;
  float recent = (float) (current + previous);
  float older = (float) before;
  float most = MAX (recent, older);

  block->volume = _perp_smc_f32 (current + previous + before);
  if (most != 0.0f)
    block->percentage = _perp_smc_f32 ((double) (MIN (recent, older) / most) * 100.0);
  else
    block->percentage = 100.0;
}

/*
 * The block of a swing broken on candle i, with everything that happens to it later.
 * The peer walks every active block on every candle; but a block's fate depends only
 * on the prices after it (the rows of one pass's blocks are all different), so each
 * is two first-reach questions: the first candle after i that mitigates it, and the
 * first after that which trades back through it (always the wick) and erases it from
 * the output.  The peer's two passes share their arrays, so a bearish block on the row
 * of a bullish one (under) inherits its breaker flag (only waiting for the erase then)
 * and its mitigated index.  row is the block's candle, or NO_ROW when the break came on
 * the very next candle and the peer falls back to candle i - 1 (the swing).
 */
static void
make_block (const ObBook  *book,
            guint          i,
            guint          row,
            gboolean       bullish,
            const ObBlock *under,
            ObBlock       *block)
{
  gboolean fallback = row == NO_ROW;
  double sign = bullish ? 1.0 : -1.0;
  guint from = i + 1;

  if (fallback)
    row = i - 1;

  block->row = row;
  /* Only the bullish fallback has its bounds swapped in the peer. */
  if (bullish && fallback)
    {
      block->top = _perp_smc_f32 (book->low[row]);
      block->bottom = _perp_smc_f32 (book->high[row]);
    }
  else
    {
      block->top = _perp_smc_f32 (book->high[row]);
      block->bottom = _perp_smc_f32 (book->low[row]);
    }
  block->broken = i;
  /* The peer's zero: never mitigated, unless the other pass's block on this row was
   * (and was not erased, which zeroes it). */
  block->mitigated = under != NULL && !under->erased ? under->mitigated : 0.0;
  block->breaker = under != NULL && under->breaker;
  block->erased = FALSE;

  if (!block->breaker)
    {
      /* Mitigated: the price beyond the far edge (bottom of a bullish block). */
      double key = -sign * (bullish ? block->bottom : block->top);
      guint m = _perp_smc_reach_first (book->mitigations[bullish], key, from, TRUE);

      if (m == NO_ROW)
        return;
      block->breaker = TRUE;
      /* The peer's off-by-one on the bullish side (its PR #112). */
      block->mitigated = bullish ? m - 1 : m;
      from = m + 1;
    }

  /* Reclaimed: the wick back beyond the near edge (top of a bullish block). */
  block->erased = _perp_smc_reach_first (book->reclaims[bullish],
                                         sign * (bullish ? block->top : block->bottom),
                                         from, TRUE) != NO_ROW;
}

/* The first row j in from .. last with sign * price[j] above key, or NO_ROW: two rows
 * a comparison where SSE2 is there, a branch only at the end. */
static inline guint
first_beyond (const double *price,
              double        sign,
              double        key,
              guint         from,
              guint         last)
{
  guint j = from;

#ifdef __SSE2__
  __m128d signs = _mm_set1_pd (sign);
  __m128d keys = _mm_set1_pd (key);

  for (; j < last; j += 2)
    {
      int beyond = _mm_movemask_pd (_mm_cmpgt_pd (_mm_mul_pd (_mm_loadu_pd (price + j), signs),
                                                  keys));

      if (beyond != 0)
        return j + ((beyond & 1) == 0);
    }
#endif
  for (; j <= last; j++)
    if (sign * price[j] > key)
      return j;

  return NO_ROW;
}

/* One pass of the peer: a swing high (bullish) makes a block on the first close above
 * it, if that comes no later than the next swing high (which replaces it); the block
 * candle is the lowest low in between, the latest on ties.  Bearish mirrors it.  The
 * blocks go to blocks[] in row order (each lies before the next swing); under[] holds
 * the other pass's blocks, in row order too.  Returns their number. */
static guint
ob_pass (const ObBook  *book,
         gboolean       bullish,
         const guint   *swings,
         guint          n_swings,
         const ObBlock *under,
         guint          n_under,
         ObBlock       *blocks)
{
  /* Prices times sign make every test "above": the break is close > swing high
   * (bullish) or close < swing low, the block candle the lowest low or highest high. */
  double sign = bullish ? 1.0 : -1.0;
  const double *swing_price = bullish ? book->high : book->low;
  const double *block_price = bullish ? book->low : book->high;
  const double *close = book->close;
  guint count = 0;
  guint u = 0;

  for (guint k = 0; k < n_swings; k++)
    {
      guint s = swings[k];
      guint next = k + 1 < n_swings ? swings[k + 1] : book->n - 1;
      double key = sign * swing_price[s];
      double deepest = -INFINITY;
      guint extreme = NO_ROW;
      guint i;
      guint row;

      /* The break is the first close beyond the swing after it, and counts only up to
       * the next swing (its test on candle i comes before candle i's own swing replaces
       * s).  The swings of a side take turns, so every candle is scanned about once a
       * pass, and the scan costs one unforeseen branch, at the break. */
      i = first_beyond (close, sign, key, s + 1, next);
      if (i == NO_ROW)
        continue;

      /* The block candle: the extreme of the rows between, the latest on ties, so
       * backwards a new one must be strictly deeper.  A mask, not a branch: a new
       * extreme is a coin toss.  deepest only meets comparisons, so which of two equal
       * zeros _perp_smc_max2 () keeps does not matter. */
      for (guint j = i; j-- > s + 1;)
        {
          double depth = -sign * block_price[j];
          gboolean deeper = depth > deepest;

          extreme ^= (extreme ^ j) & -(guint) deeper;
          deepest = _perp_smc_max2 (depth, deepest);
        }

      row = extreme != NO_ROW ? extreme : i - 1;
      while (u < n_under && under[u].row < row)
        u++;
      make_block (book, i, extreme, bullish,
                  u < n_under && under[u].row == row ? &under[u] : NULL, &blocks[count++]);
    }

  return count;
}

/* The six columns in one sequential pass: a bearish block overwrites the bullish one
 * on its row, an erased block leaves the row blank. */
static void
write_blocks (guint          n,
              const ObBlock *bullish,
              guint          n_bullish,
              const ObBlock *bearish,
              guint          n_bearish,
              double        *ob,
              double        *top,
              double        *bottom,
              double        *ob_volume,
              double        *mitigated_index,
              double        *percentage)
{
  guint a = 0;
  guint b = 0;
  guint done = 0;

  for (;;)
    {
      const ObBlock *block;
      double direction;
      guint row;

      if (a < n_bullish && (b >= n_bearish || bullish[a].row <= bearish[b].row))
        {
          block = &bullish[a++];
          direction = 1.0;
          if (b < n_bearish && bearish[b].row == block->row)
            {
              block = &bearish[b++];
              direction = -1.0;
            }
        }
      else if (b < n_bearish)
        {
          block = &bearish[b++];
          direction = -1.0;
        }
      else
        {
          break;
        }
      if (block->erased)
        continue;

      row = block->row;
      _perp_smc_fill (ob + done, row - done, NAN);
      _perp_smc_fill (top + done, row - done, NAN);
      _perp_smc_fill (bottom + done, row - done, NAN);
      _perp_smc_fill (ob_volume + done, row - done, NAN);
      _perp_smc_fill (mitigated_index + done, row - done, NAN);
      _perp_smc_fill (percentage + done, row - done, NAN);
      ob[row] = direction;
      top[row] = block->top;
      bottom[row] = block->bottom;
      ob_volume[row] = block->volume;
      mitigated_index[row] = block->mitigated;
      percentage[row] = block->percentage;
      done = row + 1;
    }

  _perp_smc_fill (ob + done, n - done, NAN);
  _perp_smc_fill (top + done, n - done, NAN);
  _perp_smc_fill (bottom + done, n - done, NAN);
  _perp_smc_fill (ob_volume + done, n - done, NAN);
  _perp_smc_fill (mitigated_index + done, n - done, NAN);
  _perp_smc_fill (percentage + done, n - done, NAN);
}

void
perp_smc_ob (const PerpCandles *candles,
             PerpSmcContext    *context,
             const double      *swing_high_low,
             const double      *swing_level,
             gboolean           close_mitigation,
             double            *ob,
             double            *top,
             double            *bottom,
             double            *ob_volume,
             double            *mitigated_index,
             double            *percentage)
{
  g_autofree guint *own_high_swings = NULL;
  g_autofree guint *own_low_swings = NULL;
  const PerpSmcSwings *kept;
  const guint *high_swings;
  const guint *low_swings;
  g_autofree double *body_low = NULL;
  g_autofree double *body_high = NULL;
  g_autofree ObBlock *bullish = NULL;
  g_autofree ObBlock *bearish = NULL;
  PerpSmcReach own_high;
  PerpSmcReach own_low;
  const PerpSmcReach *high_up;
  const PerpSmcReach *low_down;
  PerpSmcReach body_down;
  PerpSmcReach body_up;
  const double *open;
  const double *high;
  const double *low;
  const double *close;
  guint n_high;
  guint n_low;
  guint n_bullish;
  guint n_bearish;
  ObBook book;
  guint n;

  /* swing_level is not read: like the peer, the break test takes the swing's level
   * from the candle's own high or low. */
  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && ob != NULL && top != NULL &&
                               bottom != NULL && ob_volume != NULL &&
                               mitigated_index != NULL && percentage != NULL));

  if (n == 0)
    return;

  open = perp_candles_get_open (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  close = perp_candles_get_close (candles);

  kept = _perp_smc_context_swings (context, candles, swing_high_low);
  if (kept != NULL)
    {
      high_swings = kept->high_rows;
      low_swings = kept->low_rows;
      n_high = kept->n_high;
      n_low = kept->n_low;
    }
  else
    {
      own_high_swings = g_new (guint, n);
      own_low_swings = g_new (guint, n);
      n_high = _perp_smc_swing_rows (swing_high_low, n, own_high_swings, own_low_swings,
                                     &n_low, NULL, NULL, NULL, NULL);
      high_swings = own_high_swings;
      low_swings = own_low_swings;
    }

  high_up = _perp_smc_context_reach (context, candles, _PERP_SMC_HIGH_UP, &own_high);
  low_down = _perp_smc_context_reach (context, candles, _PERP_SMC_LOW_DOWN, &own_low);
  if (close_mitigation)
    {
      body_low = g_new (double, n);
      body_high = g_new (double, n);
      for (guint i = 0; i < n; i++)
        {
          body_low[i] = MIN (open[i], close[i]);
          body_high[i] = MAX (open[i], close[i]);
        }
      _perp_smc_reach_init (&body_down, body_low, n, -1.0);
      _perp_smc_reach_init (&body_up, body_high, n, 1.0);
    }

  book = (ObBook) {
    .high = high,
    .low = low,
    .volume = perp_candles_get_volume (candles),
    .n = n,
    .close = close,
    .mitigations = { close_mitigation ? &body_up : high_up,
                     close_mitigation ? &body_down : low_down },
    .reclaims = { low_down, high_up },
  };

  bullish = g_new (ObBlock, MAX (n_high, 1));
  bearish = g_new (ObBlock, MAX (n_low, 1));
  n_bullish = ob_pass (&book, TRUE, high_swings, n_high, NULL, 0, bullish);
  n_bearish = ob_pass (&book, FALSE, low_swings, n_low, bullish, n_bullish, bearish);
  /* Apart, where the loads of volumes far apart (a cache miss each) overlap. */
  for (guint k = 0; k < n_bullish; k++)
    store_volumes (&book, bullish[k].broken, &bullish[k]);
  for (guint k = 0; k < n_bearish; k++)
    store_volumes (&book, bearish[k].broken, &bearish[k]);
  write_blocks (n, bullish, n_bullish, bearish, n_bearish,
                ob, top, bottom, ob_volume, mitigated_index, percentage);

  _perp_smc_reach_clear (&own_high);
  _perp_smc_reach_clear (&own_low);
  if (close_mitigation)
    {
      _perp_smc_reach_clear (&body_down);
      _perp_smc_reach_clear (&body_up);
    }
}

/* ---------------------------------------------------------------- retracements */

/* Python's round() on a numpy float64 goes through np.round: scale, round half to even,
 * unscale.  Adding and taking away 2^52 rounds to an integer, half to even, in the
 * default rounding mode, as nearbyint() does, but inline rather than through a call per
 * row; from 2^52 on every double is an integer already. */
static inline double
round_1dp (double x)
{
  const double two52 = 4503599627370496.0;
  double y = x * 10.0;

  if (fabs (y) < two52)
    {
      y = copysign ((fabs (y) + two52) - two52, y);
    }

  return y / 10.0;
}

/* The peer's warm-up: rows are zeroed up to the third change of direction, and the
 * row after it too. */
static void
zero_warm_up (guint   n,
              double *direction,
              double *current,
              double *deepest)
{
  guint changes = 0;

  for (guint i = 0; i + 1 < n; i++)
    {
      if (direction[i] != direction[i + 1])
        changes++;
      direction[i] = current[i] = deepest[i] = 0.0;
      if (changes == 3)
        {
          direction[i + 1] = current[i + 1] = deepest[i + 1] = 0.0;
          break;
        }
    }
}

/* The peer's state from row to row: the leg's extremes, its direction and the deepest
 * retracement so far. */
typedef struct
{
  double top;
  double bottom;
  double direction;
  double deepest;
} RetraceState;

/* How a row's deepest comes about. */
typedef enum
{
  RETRACE_NONE,                 /* neither test holds: 0 */
  RETRACE_CARRY,                /* the larger of the row's and the previous deepest */
  RETRACE_RESTART,              /* the larger of the row's and 0 (a new downward leg) */
} RetraceDeepest;

/*
 * Row i of the peer up to its division: the direction and extremes move on, and the
 * row's retracement is 100 - ((*x / *divisor) * 100), rounded to one decimal, with x
 * and the divisor of the test that holds (the second wins when both do).  A row where
 * neither holds, or whose divisor is 0, takes 1 / 1, which comes out as the peer's 0.
 */
static inline RetraceDeepest
retrace_prepare (const double *swing_high_low,
                 const double *swing_level,
                 const double *high,
                 const double *low,
                 guint         i,
                 RetraceState *state,
                 double       *x,
                 double       *divisor)
{
  double previous_direction = state->direction;
  double dir;
  RetraceDeepest how;

  if (swing_high_low[i] == 1.0)
    {
      dir = 1.0;
      state->top = swing_level[i];
    }
  else if (swing_high_low[i] == -1.0)
    {
      dir = -1.0;
      state->bottom = swing_level[i];
    }
  else
    {
      dir = previous_direction;
    }
  state->direction = dir;

  /* direction[i - 1] in Python: for i == 0 the last row, still 0 then. */
  if (dir == -1.0)
    {
      *divisor = state->bottom - state->top;
      *x = high[i] - state->top;
      how = previous_direction == -1.0 ? RETRACE_CARRY : RETRACE_RESTART;
    }
  else if (previous_direction == 1.0)
    {
      *divisor = state->top - state->bottom;
      *x = low[i] - state->bottom;
      how = RETRACE_CARRY;
    }
  else
    {
      *x = *divisor = 0.0;
      how = RETRACE_NONE;
    }
  if (*divisor == 0.0)
    *x = *divisor = 1.0;

  return how;
}

/* The rest of the row, of direction dir, once its retracement cur is known. */
static inline void
retrace_finish (RetraceDeepest how,
                double         dir,
                double         cur,
                guint          out,
                RetraceState  *state,
                double        *direction,
                double        *current,
                double        *deepest)
{
  double carried = how == RETRACE_CARRY ? state->deepest : 0.0;
  double deep = _perp_smc_pick (cur > carried, cur, FALSE, 0.0, carried);

  deep = how == RETRACE_NONE ? 0.0 : deep;
  direction[out] = dir;
  current[out] = cur;
  deepest[out] = deep;
  state->deepest = deep;
}

void
perp_smc_retracements (const PerpCandles *candles,
                       const double      *swing_high_low,
                       const double      *swing_level,
                       double            *direction,
                       double            *current,
                       double            *deepest)
{
  const double *high;
  const double *low;
  RetraceState state = { 0.0, 0.0, 0.0, 0.0 };
  guint n;
  guint i = 0;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && swing_level != NULL &&
                               direction != NULL && current != NULL && deepest != NULL));

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  /*
   * The peer computes each row and then rolls the columns down by one (np.roll (x, 1):
   * every row shows the previous row's value, the first the last's); here row i's
   * values go straight to row i + 1, and the last row's to row 0.
   *
   * The two divisions of a row are its slowest operations, and the processor divides
   * the two lanes of a vector in about the time of one: rows go in pairs, each lane
   * doing the scalar round_1dp ()'s operations in its order, so the values are the
   * same.  The state from row to row (direction, extremes, deepest) stays scalar.
   */
#if defined(__GNUC__) || defined(__clang__)
  {
    typedef double Pair __attribute__ ((vector_size (16)));
    typedef guint64 Bits __attribute__ ((vector_size (16)));
    const Pair two52 = { 4503599627370496.0, 4503599627370496.0 };
    const Bits sign_bit = { G_GUINT64_CONSTANT (1) << 63, G_GUINT64_CONSTANT (1) << 63 };

    for (; i + 3 <= n; i += 2)
      {
        RetraceDeepest how0;
        RetraceDeepest how1;
        double dir0;
        double x0;
        double x1;
        double d0;
        double d1;
        Pair x;
        Pair d;
        Pair y;
        Pair abs_y;
        Pair rounded;
        Bits y_bits;
        Bits r_bits;
        Bits small;

        /* (Into scalars first: an element of a vector has no address for clang.) */
        how0 = retrace_prepare (swing_high_low, swing_level, high, low, i, &state, &x0, &d0);
        dir0 = state.direction;
        how1 = retrace_prepare (swing_high_low, swing_level, high, low, i + 1, &state, &x1, &d1);
        x = (Pair) { x0, x1 };
        d = (Pair) { d0, d1 };
        /* round_1dp (100 - ((x / d) * 100)) in both lanes. */
        y = (100 - ((x / d) * 100)) * 10.0;
        memcpy (&y_bits, &y, sizeof y_bits);
        r_bits = y_bits & ~sign_bit;
        memcpy (&abs_y, &r_bits, sizeof abs_y);
        small = (Bits) (abs_y < two52);
        rounded = (abs_y + two52) - two52;
        memcpy (&r_bits, &rounded, sizeof r_bits);
        /* copysign (rounded, y) where |y| < 2^52, else y itself. */
        r_bits = (((r_bits & ~sign_bit) | (y_bits & sign_bit)) & small) | (y_bits & ~small);
        memcpy (&y, &r_bits, sizeof y);
        y = y / 10.0;

        retrace_finish (how0, dir0, y[0], i + 1, &state, direction, current, deepest);
        retrace_finish (how1, state.direction, y[1], i + 2, &state, direction, current, deepest);
      }
  }
#endif
  for (; i < n; i++)
    {
      double x;
      double d;
      RetraceDeepest how = retrace_prepare (swing_high_low, swing_level, high, low, i,
                                            &state, &x, &d);

      retrace_finish (how, state.direction, round_1dp (100 - ((x / d) * 100)),
                      i + 1 < n ? i + 1 : 0, &state, direction, current, deepest);
    }

  zero_warm_up (n, direction, current, deepest);
}
