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
 * long series.  Here the same answers come from window extremes (van Herk/Gil-Werman)
 * and heaps, in a few passes over the arrays, mostly without branches on the prices.
 *
 * float32: where the peer keeps a level in a float32 array, the level is rounded with
 * (float) once and then held as that value widened to double, so every decision and
 * every output sees exactly what the peer compares against.
 */

#define NO_ROW G_MAXUINT

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

  return mask != 0 ? j + (guint) g_bit_nth_lsf (mask, -1) : NO_ROW;
}

/* Row r's level: answered from the next few rows when it is reached there (most gaps
 * are filled within four candles), else left to the heap, which cannot pop it before
 * its first reach. */
static inline void
open_level (PerpHeap        *heap,
            const ReachSide *side,
            guint            r,
            guint            n,
            gboolean         strict,
            gboolean         look_ahead,
            double          *found)
{
  double key = side->sign * side->limit[r];
  guint first = look_ahead ? reach_nearby (side, key, r + 2, n, strict) : NO_ROW;

  if (first != NO_ROW)
    {
      found[r] = (double) first;
    }
  else
    {
      found[r] = 0.0;
      perp_heap_push (heap, key, r);
    }
}

/* For each row r labelled +1 or -1: the first row j >= r + 2 whose price (of that
 * label's side) reaches limit[r], or 0 when none does (the peer's
 * `np.argmax (mask[r + 2:])`).  One forward sweep over two heaps of the open levels,
 * one per label: each candle costs one comparison with each heap's level nearest to
 * being reached, each level a push and a pop; the peer rescans the rest of the series
 * for every level.  "Reaches" is strict (>, <) or inclusive (>=, <=).  With
 * look_ahead, levels reached within four rows of opening skip the heap. */
static void
find_first_reach (guint         n,
                  gboolean      strict,
                  gboolean      look_ahead,
                  const double *labels,
                  ReachSide     up,
                  ReachSide     down,
                  double       *found)
{
  PerpHeap up_heap;
  PerpHeap down_heap;
  guint row;

  perp_heap_init (&up_heap, n / 8);
  perp_heap_init (&down_heap, n / 8);

  for (guint j = 2; j < n; j++)
    {
      double label = labels[j - 2];
      double up_threshold = up.sign * up.price[j];
      double down_threshold = down.sign * down.price[j];

      if (label == 1.0)
        open_level (&up_heap, &up, j - 2, n, strict, look_ahead, found);
      else if (label == -1.0)
        open_level (&down_heap, &down, j - 2, n, strict, look_ahead, found);

      while (perp_heap_pop_below (&up_heap, up_threshold, !strict, &row))
        found[row] = (double) j;
      while (perp_heap_pop_below (&down_heap, down_threshold, !strict, &row))
        found[row] = (double) j;
    }

  /* The last two rows can carry a label but have no row to search from. */
  for (guint r = n >= 2 ? n - 2 : 0; r < n; r++)
    if (labels[r] == 1.0 || labels[r] == -1.0)
      found[r] = 0.0;

  perp_heap_clear (&up_heap);
  perp_heap_clear (&down_heap);
}

/* ---------------------------------------------------------------- swing_highs_lows */

/* The window extremes below come from the van Herk/Gil-Werman split: cut the series
 * into blocks of the window's width w; any w consecutive rows then span at most two
 * blocks, so their extreme is the larger of a suffix extreme of the first block and a
 * prefix extreme of the second.  Three comparisons per candle and side, none of them a
 * branch on the prices (a monotone deque mispredicts about twice a candle). */
static inline double
max2 (double a,
      double b)
{
  return a > b ? a : b;
}

static inline double
min2 (double a,
      double b)
{
  return a < b ? a : b;
}

/* suffix_high[j] = max of high[j .. end of j's block], suffix_low[j] likewise. */
static void
block_suffix_extremes (const double *high,
                       const double *low,
                       guint         n,
                       guint         window,
                       double       *suffix_high,
                       double       *suffix_low)
{
  guint block_start = (n - 1) / window * window;
  double h = high[n - 1];
  double l = low[n - 1];

  for (guint j = n; j-- > 0;)
    {
      if (j == block_start + window - 1 || j == n - 1)
        {
          h = high[j];
          l = low[j];
        }
      else
        {
          h = max2 (h, high[j]);
          l = min2 (l, low[j]);
        }
      suffix_high[j] = h;
      suffix_low[j] = l;
      if (j == block_start)
        block_start -= window;
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
  guint window = 2 * length;
  guint count = 0;
  guint phase = 0;
  double prefix_high = 0.0;
  double prefix_low = 0.0;
  guint first;
  guint last;

  if (length == 0 || length > n / 3)
    {
      _perp_smc_fill (high_low, n, NAN);
      _perp_smc_fill (level, n, NAN);
      return 0;
    }

  suffix_high = g_new (double, n);
  suffix_low = g_new (double, n);
  block_suffix_extremes (high, low, n, window, suffix_high, suffix_low);

  /* Candidate i's window ends at row e = i + L: the prefix extremes run up to e. */
  first = 2 * length - 1;
  last = n - 1 - length;
  _perp_smc_fill (high_low, first, NAN);
  _perp_smc_fill (level, first, NAN);
  _perp_smc_fill (high_low + last + 1, n - 1 - last, NAN);
  _perp_smc_fill (level + last + 1, n - 1 - last, NAN);
  for (guint e = 0; e < first + length; e++)
    {
      prefix_high = phase == 0 ? high[e] : max2 (prefix_high, high[e]);
      prefix_low = phase == 0 ? low[e] : min2 (prefix_low, low[e]);
      phase = phase + 1 == window ? 0 : phase + 1;
    }
  for (guint i = first; i <= last; i++)
    {
      guint e = i + length;
      guint s = i + 1 - length;
      double window_high;
      double window_low;
      gboolean is_high;
      gboolean is_low;

      prefix_high = phase == 0 ? high[e] : max2 (prefix_high, high[e]);
      prefix_low = phase == 0 ? low[e] : min2 (prefix_low, low[e]);
      phase = phase + 1 == window ? 0 : phase + 1;

      window_high = max2 (suffix_high[s], prefix_high);
      window_low = min2 (suffix_low[s], prefix_low);
      is_high = high[i] == window_high;
      is_low = low[i] == window_low;

      high_low[i] = _perp_smc_pick (is_high, 1.0, is_low, -1.0, NAN);
      level[i] = _perp_smc_pick (is_high, high[i], is_low, low[i], NAN);
      rows[count] = i;
      count += is_high | is_low;
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

void
perp_smc_swing_highs_lows (const PerpCandles *candles,
                           guint              swing_length,
                           double            *high_low,
                           double            *level)
{
  g_autofree guint *rows = NULL;
  const double *high;
  const double *low;
  guint count;
  guint n;

  g_return_if_fail (candles != NULL);
  g_return_if_fail (swing_length > 0);

  n = perp_candles_get_length (candles);
  g_return_if_fail (n == 0 || (high_low != NULL && level != NULL));

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  rows = g_new (guint, MAX (n, 1));
  count = mark_window_extremes (high, low, n, swing_length, high_low, level, rows);
  count = keep_run_extremes (high, low, rows, count, high_low, level);
  add_bookends (high, low, n, rows, count, high_low, level);
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

  if (n == 0)
    return;

  /* Every row is written once, without a branch on the prices: a gap is as likely as
   * not, which no predictor guesses. */
  fvg[0] = top[0] = bottom[0] = mitigated_index[0] = NAN;
  fvg[n - 1] = top[n - 1] = bottom[n - 1] = mitigated_index[n - 1] = NAN;
  for (guint i = 1; i + 1 < n; i++)
    {
      double before_high = high[i - 1];
      double before_low = low[i - 1];
      double after_high = high[i + 1];
      double after_low = low[i + 1];
      gboolean bullish = (close[i] > open[i]) & (before_high < after_low);
      gboolean bearish = (close[i] < open[i]) & (before_low > after_high);

      fvg[i] = _perp_smc_pick (bullish, 1.0, bearish, -1.0, NAN);
      top[i] = _perp_smc_pick (bullish, after_low, bearish, before_low, NAN);
      bottom[i] = _perp_smc_pick (bullish, before_high, bearish, after_high, NAN);
      mitigated_index[i] = NAN;
    }

  if (join_consecutive)
    join_consecutive_gaps (n, fvg, top, bottom);

  /* Mitigation is the first touch of the near edge, so only the low matters for a
   * bullish gap (falling to its top) and only the high for a bearish one (rising to
   * its bottom). */
  find_first_reach (n, FALSE, TRUE, fvg,
                    (ReachSide) { low, top, -1.0 },
                    (ReachSide) { high, bottom, 1.0 },
                    mitigated_index);
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

  find_first_reach (n, TRUE, FALSE, direction,
                    (ReachSide) { rise_price, level, 1.0 },
                    (ReachSide) { fall_price, level, -1.0 },
                    broken_index);
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

/* A breaker that price trades back through (always the wick) leaves the output.  The
 * peer zeroes its row and blanks zero rows at the end; here the row is blanked at once,
 * which saves a pass over six columns (see add_block for the mitigated index). */
static void
erase_reclaimed (ObBook   *book,
                 PerpHeap *breakers,
                 guint     i,
                 gboolean  bullish)
{
  guint row;

  while (perp_heap_pop_below (breakers, breaker_threshold (book, i, bullish), FALSE, &row))
    {
      book->ob[row] = NAN;
      book->top[row] = NAN;
      book->bottom[row] = NAN;
      book->ob_volume[row] = NAN;
      book->mitigated[row] = NAN;
      book->percentage[row] = NAN;
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
  /* The peer's zero: never mitigated, unless the other pass's block on this row was. */
  if (isnan (book->mitigated[row]))
    book->mitigated[row] = 0.0;

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
  /* Prices times sign make every test "above": the break is close > swing high
   * (bullish) or close < swing low, the block candle the lowest low or highest high. */
  double sign = bullish ? 1.0 : -1.0;
  const double *swing_price = bullish ? book->high : book->low;
  const double *block_price = bullish ? book->low : book->high;
  double trigger = INFINITY;     /* sign * the swing's level until it breaks, else +inf */
  double deepest = -INFINITY;    /* -sign * block_price[extreme], -inf for none */
  guint extreme = NO_ROW;        /* lowest low (bullish) or highest high since the swing */

  perp_heap_init (&fresh, book->n);
  perp_heap_init (&breakers, book->n);

  for (guint i = 0; i < book->n; i++)
    {
      erase_reclaimed (book, &breakers, i, bullish);
      mitigate (book, &fresh, &breakers, i, bullish);

      /* Only the first break of each swing makes a block. */
      if (sign * book->close[i] > trigger)
        {
          trigger = INFINITY;
          add_block (book, &fresh, &breakers, i, extreme, bullish);
        }

      if (book->swing[i] == swing_type)
        {
          trigger = sign * swing_price[i];
          extreme = NO_ROW;
          deepest = -INFINITY;
        }
      else
        {
          /* Ties move the block to the later candle.  Before the first swing this
           * tracks rows no block uses: the swing resets it. */
          double depth = -sign * block_price[i];
          gboolean deeper = depth >= deepest;

          /* A mask, not a branch: a new extreme is a coin toss.  deepest only meets
           * comparisons, so which of two equal zeros max2() keeps does not matter. */
          extreme ^= (extreme ^ i) & -(guint) deeper;
          deepest = max2 (depth, deepest);
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

  _perp_smc_fill (ob, n, NAN);
  _perp_smc_fill (top, n, NAN);
  _perp_smc_fill (bottom, n, NAN);
  _perp_smc_fill (ob_volume, n, NAN);
  _perp_smc_fill (mitigated_index, n, NAN);
  _perp_smc_fill (percentage, n, NAN);

  ob_pass (&book, TRUE);
  ob_pass (&book, FALSE);
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
  double previous_direction = 0.0;
  double previous_deepest = 0.0;
  guint n;

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
   */
  for (guint i = 0; i < n; i++)
    {
      double dir;
      double cur = 0.0;
      double deep = 0.0;
      guint out = i + 1 < n ? i + 1 : 0;

      if (swing_high_low[i] == 1.0)
        {
          dir = 1.0;
          top = swing_level[i];
        }
      else if (swing_high_low[i] == -1.0)
        {
          dir = -1.0;
          bottom = swing_level[i];
        }
      else
        {
          dir = previous_direction;
        }

      /* direction[i - 1] in Python: for i == 0 the last row, still 0 then. */
      if (previous_direction == 1.0)
        {
          double divisor = top - bottom;
          double carried = previous_deepest;

          cur = divisor != 0.0
                ? round_1dp (100 - (((low[i] - bottom) / divisor) * 100))
                : 0.0;
          deep = _perp_smc_pick (cur > carried, cur, FALSE, 0.0, carried);
        }
      if (dir == -1.0)
        {
          double divisor = bottom - top;
          double carried = previous_direction == -1.0 ? previous_deepest : 0.0;

          cur = divisor != 0.0
                ? round_1dp (100 - ((high[i] - top) / divisor) * 100)
                : 0.0;
          deep = _perp_smc_pick (cur > carried, cur, FALSE, 0.0, carried);
        }

      direction[out] = dir;
      current[out] = cur;
      deepest[out] = deep;
      previous_direction = dir;
      previous_deepest = deep;
    }

  zero_warm_up (n, direction, current, deepest);
}
