/* perp-smc-compat-swings.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-smc"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-heap-private.h"
#include "perp-smc-compat-private.h"

/*
 * The peer's swing-based functions (DEFINITIONS.md sections 1-4 and 8), reproduced row
 * by row.  The peer answers "first row after r where price crosses x" with a fresh scan
 * per signal, and walks every active order block on every candle; both are quadratic on
 * long series.  Here the same answers come from monotone stacks and heaps, so a million
 * candles cost well under a second.
 *
 * float32: where the peer keeps a level in a float32 array, the level is rounded with
 * (float) once and then held as that value widened to double, so every decision and
 * every output sees exactly what the peer compares against.
 */

#define NO_ROW G_MAXUINT

/* ---------------------------------------------------------------- first reach */

static inline gboolean
reaches (double   price,
         double   limit,
         gboolean upward,
         gboolean strict)
{
  if (upward)
    return strict ? price > limit : price >= limit;

  return strict ? price < limit : price <= limit;
}

/* For each row r with labels[r] == label: the first row j >= r + 2 whose price reaches
 * limit[r], or 0 when none does (the peer's `np.argmax (mask[r + 2:])`).  One forward
 * sweep over a heap of the open levels: each candle costs one comparison with the level
 * nearest to being reached, each level a push and a pop; the peer rescans the rest of
 * the series for every level.
 *
 * Keys are negated for a falling price so that the heap's minimum is always the level
 * reached first; "reaches" is strict (>, <) or inclusive (>=, <=). */
static void
find_first_reach (const double *price,
                  guint         n,
                  gboolean      upward,
                  gboolean      strict,
                  const double *labels,
                  double        label,
                  const double *limit,
                  double       *found)
{
  PerpHeap heap;
  double sign = upward ? 1.0 : -1.0;
  guint row;

  perp_heap_init (&heap, n);

  for (guint j = 0; j < n; j++)
    {
      double threshold = sign * price[j];

      if (j >= 2 && labels[j - 2] == label)
        {
          found[j - 2] = 0.0;
          perp_heap_push (&heap, sign * limit[j - 2], j - 2);
        }

      while (perp_heap_pop_below (&heap, threshold, !strict, &row))
        found[row] = (double) j;
    }

  /* The last two rows can carry a label but have no row to search from. */
  for (guint r = n >= 2 ? n - 2 : 0; r < n; r++)
    if (labels[r] == label)
      found[r] = 0.0;

  perp_heap_clear (&heap);
}

/* ---------------------------------------------------------------- swing_highs_lows */

/* Writes mark into out[i] (where still NaN) when x[i] is the extreme of x[i-L+1 .. i+L].
 * The peer rolls a 2L window over x shifted L rows up, so the window must also start
 * at row >= 0 of the shifted series: i >= 2L-1, not just L-1. */
static void
mark_window_extremes (const double *x,
                      guint         n,
                      guint         length,
                      gboolean      want_max,
                      double        mark,
                      double       *out)
{
  g_autofree guint *deque = NULL;
  guint head = 0;
  guint tail = 0;
  guint window = 2 * length;

  if (length == 0 || length > n / 3)
    return;

  deque = g_new (guint, n);
  for (guint e = 0; e < n; e++)
    {
      while (tail > head && !reaches (x[deque[tail - 1]], x[e], want_max, TRUE))
        tail--;
      deque[tail++] = e;
      if (deque[head] + window <= e)
        head++;

      if (e >= 3 * length - 1)
        {
          guint i = e - length;

          if (isnan (out[i]) && x[i] == x[deque[head]])
            out[i] = mark;
        }
    }
}

/* Equivalent to the peer's repeated pairwise passes: of each run of same-type swings
 * only the most extreme survives, the earliest on ties. */
static void
keep_run_extremes (const double *high,
                   const double *low,
                   guint         n,
                   double       *high_low)
{
  guint best = NO_ROW;

  for (guint i = 0; i < n; i++)
    {
      gboolean beyond;

      if (isnan (high_low[i]))
        continue;

      if (best == NO_ROW || high_low[i] != high_low[best])
        {
          best = i;
          continue;
        }

      beyond = high_low[i] > 0 ? high[i] > high[best] : low[i] < low[best];
      if (beyond)
        {
          high_low[best] = NAN;
          best = i;
        }
      else
        {
          high_low[i] = NAN;
        }
    }
}

/* The peer's artificial swings on the first and last rows. */
static void
add_bookends (guint   n,
              double *high_low)
{
  guint first = NO_ROW;
  guint last = NO_ROW;

  for (guint i = 0; i < n; i++)
    {
      if (!isnan (high_low[i]))
        {
          if (first == NO_ROW)
            first = i;
          last = i;
        }
    }

  if (first == NO_ROW)
    return;

  high_low[0] = -high_low[first];
  high_low[n - 1] = -high_low[last];
}

void
perp_smc_swing_highs_lows (const PerpCandles *candles,
                           guint              swing_length,
                           double            *high_low,
                           double            *level)
{
  const double *high;
  const double *low;
  guint n;

  g_return_if_fail (candles != NULL);
  g_return_if_fail (swing_length > 0);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (high_low != NULL && level != NULL));

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  _perp_smc_fill (high_low, n, NAN);
  mark_window_extremes (high, n, swing_length, TRUE, 1.0, high_low);
  mark_window_extremes (low, n, swing_length, FALSE, -1.0, high_low);
  keep_run_extremes (high, low, n, high_low);
  add_bookends (n, high_low);

  for (guint i = 0; i < n; i++)
    {
      if (isnan (high_low[i]))
        level[i] = NAN;
      else
        level[i] = high_low[i] > 0 ? high[i] : low[i];
    }
}

/* ---------------------------------------------------------------- fvg */

/* Merged gaps end up on the last row of each same-direction run. */
static void
join_consecutive_gaps (guint   n,
                       double *fvg,
                       double *top,
                       double *bottom)
{
  for (guint i = 0; i + 1 < n; i++)
    {
      if (fvg[i] == fvg[i + 1])
        {
          top[i + 1] = MAX (top[i], top[i + 1]);
          bottom[i + 1] = MIN (bottom[i], bottom[i + 1]);
          fvg[i] = top[i] = bottom[i] = NAN;
        }
    }
}

void
perp_smc_fvg (const PerpCandles *candles,
              gboolean           join_consecutive,
              double            *fvg,
              double            *top,
              double            *bottom,
              double            *mitigated_index)
{
  const double *open;
  const double *high;
  const double *low;
  const double *close;
  guint n;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (fvg != NULL && top != NULL && bottom != NULL &&
                               mitigated_index != NULL));

  open = perp_candles_get_open (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  close = perp_candles_get_close (candles);

  _perp_smc_fill (fvg, n, NAN);
  _perp_smc_fill (top, n, NAN);
  _perp_smc_fill (bottom, n, NAN);
  _perp_smc_fill (mitigated_index, n, NAN);

  for (guint i = 1; i + 1 < n; i++)
    {
      if (close[i] > open[i] && high[i - 1] < low[i + 1])
        {
          fvg[i] = 1.0;
          top[i] = low[i + 1];
          bottom[i] = high[i - 1];
        }
      else if (close[i] < open[i] && low[i - 1] > high[i + 1])
        {
          fvg[i] = -1.0;
          top[i] = low[i - 1];
          bottom[i] = high[i + 1];
        }
    }

  if (join_consecutive)
    join_consecutive_gaps (n, fvg, top, bottom);

  /* Mitigation is the first touch of the near edge, so only the low matters for a
   * bullish gap and only the high for a bearish one. */
  find_first_reach (low, n, FALSE, FALSE, fvg, 1.0, top, mitigated_index);
  find_first_reach (high, n, TRUE, FALSE, fvg, -1.0, bottom, mitigated_index);
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
 * break; a superseded label keeps its BrokenIndex, as in the peer. */
static void
drop_superseded (guint   n,
                 double *bos,
                 double *choch,
                 double *level,
                 double *broken_index)
{
  double earliest_later_break = INFINITY;

  for (guint k = n; k-- > 0;)
    {
      double broken;

      if (isnan (level[k]))
        continue;

      broken = broken_index[k];
      if (broken == 0.0 || earliest_later_break <= broken)
        bos[k] = choch[k] = level[k] = NAN;
      if (broken == 0.0)
        broken_index[k] = NAN;
      else
        earliest_later_break = MIN (earliest_later_break, broken);
    }
}

void
perp_smc_bos_choch (const PerpCandles *candles,
                    const double      *swing_high_low,
                    const double      *swing_level,
                    gboolean           close_break,
                    double            *bos,
                    double            *choch,
                    double            *level,
                    double            *broken_index)
{
  g_autofree double *direction = NULL;
  const double *rise_price;
  const double *fall_price;
  LastSwings last = { { 0, 0, 0, 0 }, 0 };
  guint n;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && swing_level != NULL &&
                               bos != NULL && choch != NULL && level != NULL &&
                               broken_index != NULL));

  rise_price = close_break ? perp_candles_get_close (candles) : perp_candles_get_high (candles);
  fall_price = close_break ? perp_candles_get_close (candles) : perp_candles_get_low (candles);

  _perp_smc_fill (bos, n, NAN);
  _perp_smc_fill (choch, n, NAN);
  _perp_smc_fill (level, n, NAN);
  _perp_smc_fill (broken_index, n, NAN);

  /* Any non-NaN HighLow counts as a swing here, as in the peer. */
  for (guint i = 0; i < n; i++)
    {
      if (isnan (swing_high_low[i]))
        continue;

      last_swings_push (&last, i);
      if (last.count >= 4)
        label_structure (swing_high_low, swing_level, &last, bos, choch, level);
    }

  direction = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    direction[i] = isnan (bos[i]) ? choch[i] : bos[i];

  find_first_reach (rise_price, n, TRUE, TRUE, direction, 1.0, level, broken_index);
  find_first_reach (fall_price, n, FALSE, TRUE, direction, -1.0, level, broken_index);
  drop_superseded (n, bos, choch, level, broken_index);
}

/* ---------------------------------------------------------------- ob */

/* The peer's arrays.  Both passes share them, so a bearish block created on the row of
 * a bullish one overwrites it and inherits its breaker flag and mitigated index. */
typedef struct
{
  const double *open;
  const double *high;
  const double *low;
  const double *close;
  const double *volume;
  const double *swing;
  guint         n;
  gboolean      close_mitigation;
  double       *ob;
  double       *top;            /* f32 */
  double       *bottom;         /* f32 */
  double       *ob_volume;      /* f32 */
  double       *mitigated;
  double       *percentage;     /* f32 */
  guint8       *breaker;
} ObBook;

/* Keys and thresholds are negated where the test is "price below level", so that one
 * min-heap order serves every test. */
static double
fresh_key (const ObBook *book,
           guint         row,
           gboolean      bullish)
{
  return bullish ? -book->bottom[row] : book->top[row];
}

static double
fresh_threshold (const ObBook *book,
                 guint         i,
                 gboolean      bullish)
{
  if (bullish)
    return -(book->close_mitigation ? MIN (book->open[i], book->close[i]) : book->low[i]);

  return book->close_mitigation ? MAX (book->open[i], book->close[i]) : book->high[i];
}

static double
breaker_key (const ObBook *book,
             guint         row,
             gboolean      bullish)
{
  return bullish ? book->top[row] : -book->bottom[row];
}

static double
breaker_threshold (const ObBook *book,
                   guint         i,
                   gboolean      bullish)
{
  return bullish ? book->high[i] : -book->low[i];
}

/* A breaker that price trades back through (always the wick) leaves the output. */
static void
erase_reclaimed (ObBook   *book,
                 PerpHeap *breakers,
                 guint     i,
                 gboolean  bullish)
{
  guint row;

  while (perp_heap_pop_below (breakers, breaker_threshold (book, i, bullish), FALSE, &row))
    {
      book->ob[row] = 0.0;
      book->top[row] = 0.0;
      book->bottom[row] = 0.0;
      book->ob_volume[row] = 0.0;
      book->mitigated[row] = 0.0;
      book->percentage[row] = 0.0;
    }
}

static void
mitigate (ObBook   *book,
          PerpHeap *fresh,
          PerpHeap *breakers,
          guint     i,
          gboolean  bullish)
{
  guint row;

  while (perp_heap_pop_below (fresh, fresh_threshold (book, i, bullish), FALSE, &row))
    {
      book->breaker[row] = TRUE;
      /* The peer's off-by-one on the bullish side (its PR #112). */
      book->mitigated[row] = bullish ? i - 1 : i;
      perp_heap_push (breakers, breaker_key (book, row, bullish), row);
    }
}

static void
store_volumes (ObBook *book,
               guint   i,
               guint   row)
{
  const double *v = book->volume;
  double current = v[i];
  double previous = i >= 1 ? v[i - 1] : 0.0;
  double before = i >= 2 ? v[i - 2] : 0.0;
  float recent = (float) (current + previous);
  float older = (float) before;
  float most = MAX (recent, older);

  book->ob_volume[row] = _perp_smc_f32 (current + previous + before);
  if (most != 0.0f)
    book->percentage[row] = _perp_smc_f32 ((double) (MIN (recent, older) / most) * 100.0);
  else
    book->percentage[row] = 100.0;
}

/* Candle i closed beyond the swing; row is the block's candle, or NO_ROW when the break
 * came on the very next candle and the peer falls back to candle i - 1 (the swing). */
static void
add_block (ObBook   *book,
           PerpHeap *fresh,
           PerpHeap *breakers,
           guint     i,
           guint     row,
           gboolean  bullish)
{
  gboolean fallback = row == NO_ROW;

  if (fallback)
    row = i - 1;

  book->ob[row] = bullish ? 1.0 : -1.0;
  /* Only the bullish fallback has its bounds swapped in the peer. */
  if (bullish && fallback)
    {
      book->top[row] = _perp_smc_f32 (book->low[row]);
      book->bottom[row] = _perp_smc_f32 (book->high[row]);
    }
  else
    {
      book->top[row] = _perp_smc_f32 (book->high[row]);
      book->bottom[row] = _perp_smc_f32 (book->low[row]);
    }
  store_volumes (book, i, row);

  if (book->breaker[row])
    perp_heap_push (breakers, breaker_key (book, row, bullish), row);
  else
    perp_heap_push (fresh, fresh_key (book, row, bullish), row);
}

static void
ob_pass (ObBook   *book,
         gboolean  bullish)
{
  PerpHeap fresh;
  PerpHeap breakers;
  double swing_type = bullish ? 1.0 : -1.0;
  guint swing = NO_ROW;
  guint extreme = NO_ROW;   /* lowest low (bullish) or highest high since the swing */
  gboolean swing_used = FALSE;

  perp_heap_init (&fresh, book->n);
  perp_heap_init (&breakers, book->n);

  for (guint i = 0; i < book->n; i++)
    {
      erase_reclaimed (book, &breakers, i, bullish);
      mitigate (book, &fresh, &breakers, i, bullish);

      if (swing != NO_ROW && !swing_used &&
          (bullish ? book->close[i] > book->high[swing] : book->close[i] < book->low[swing]))
        {
          swing_used = TRUE;
          add_block (book, &fresh, &breakers, i, extreme, bullish);
        }

      if (book->swing[i] == swing_type)
        {
          swing = i;
          extreme = NO_ROW;
          swing_used = FALSE;
        }
      else if (swing != NO_ROW &&
               (extreme == NO_ROW ||
                (bullish ? book->low[i] <= book->low[extreme]
                         : book->high[i] >= book->high[extreme])))
        {
          extreme = i;
        }
    }

  perp_heap_clear (&fresh);
  perp_heap_clear (&breakers);
}

void
perp_smc_ob (const PerpCandles *candles,
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
  g_autofree guint8 *breaker = NULL;
  ObBook book;
  guint n;

  /* swing_level is not read: like the peer, the break test takes the swing's level
   * from the candle's own high or low. */
  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && ob != NULL && top != NULL &&
                               bottom != NULL && ob_volume != NULL &&
                               mitigated_index != NULL && percentage != NULL));

  breaker = g_new0 (guint8, MAX (n, 1));
  book = (ObBook) {
    .open = perp_candles_get_open (candles),
    .high = perp_candles_get_high (candles),
    .low = perp_candles_get_low (candles),
    .close = perp_candles_get_close (candles),
    .volume = perp_candles_get_volume (candles),
    .swing = swing_high_low,
    .n = n,
    .close_mitigation = !!close_mitigation,
    .ob = ob,
    .top = top,
    .bottom = bottom,
    .ob_volume = ob_volume,
    .mitigated = mitigated_index,
    .percentage = percentage,
    .breaker = breaker,
  };

  _perp_smc_fill (ob, n, 0.0);
  _perp_smc_fill (top, n, 0.0);
  _perp_smc_fill (bottom, n, 0.0);
  _perp_smc_fill (ob_volume, n, 0.0);
  _perp_smc_fill (mitigated_index, n, 0.0);
  _perp_smc_fill (percentage, n, 0.0);

  ob_pass (&book, TRUE);
  ob_pass (&book, FALSE);

  for (guint i = 0; i < n; i++)
    {
      if (ob[i] == 0.0)
        ob[i] = top[i] = bottom[i] = ob_volume[i] = mitigated_index[i] = percentage[i] = NAN;
    }
}

/* ---------------------------------------------------------------- retracements */

/* Python's round() on a numpy float64 goes through np.round: scale, round half to even,
 * unscale.  nearbyint() rounds half to even in the default rounding mode. */
static inline double
round_1dp (double x)
{
  return nearbyint (x * 10.0) / 10.0;
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

/* np.roll (x, 1): every row shows the previous row's value, the first the last's. */
static void
roll_down_one (guint   n,
               double *x)
{
  double last;

  if (n == 0)
    return;

  last = x[n - 1];
  memmove (x + 1, x, (n - 1) * sizeof (double));
  x[0] = last;
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
  double top = 0.0;
  double bottom = 0.0;
  guint n;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (swing_high_low != NULL && swing_level != NULL &&
                               direction != NULL && current != NULL && deepest != NULL));

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  _perp_smc_fill (direction, n, 0.0);
  _perp_smc_fill (current, n, 0.0);
  _perp_smc_fill (deepest, n, 0.0);

  for (guint i = 0; i < n; i++)
    {
      /* direction[i - 1] in Python: the last row (still 0) when i == 0 */
      double before;

      if (swing_high_low[i] == 1.0)
        {
          direction[i] = 1.0;
          top = swing_level[i];
        }
      else if (swing_high_low[i] == -1.0)
        {
          direction[i] = -1.0;
          bottom = swing_level[i];
        }
      else
        {
          direction[i] = i > 0 ? direction[i - 1] : 0.0;
        }

      before = direction[i > 0 ? i - 1 : n - 1];
      if (before == 1.0)
        {
          double divisor = top - bottom;
          double carried = i > 0 && direction[i - 1] == 1.0 ? deepest[i - 1] : 0.0;

          current[i] = divisor != 0.0
                       ? round_1dp (100 - (((low[i] - bottom) / divisor) * 100))
                       : 0.0;
          deepest[i] = current[i] > carried ? current[i] : carried;
        }
      if (direction[i] == -1.0)
        {
          double divisor = bottom - top;
          double carried = i > 0 && direction[i - 1] == -1.0 ? deepest[i - 1] : 0.0;

          current[i] = divisor != 0.0
                       ? round_1dp (100 - ((high[i] - top) / divisor) * 100)
                       : 0.0;
          deepest[i] = current[i] > carried ? current[i] : carried;
        }
    }

  roll_down_one (n, direction);
  roll_down_one (n, current);
  roll_down_one (n, deepest);
  zero_warm_up (n, direction, current, deepest);
}
