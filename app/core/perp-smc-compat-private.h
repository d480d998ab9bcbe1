/* perp-smc-compat-private.h: what the compat-mode files share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "perp-smc-compat.h"

G_BEGIN_DECLS

/* Two values a store where the compiler has vector types, four stores a turn of the
 * loop: the plain loop is not vectorised at -O2, and the columns of a run are millions
 * of stores. */
static inline void
_perp_smc_fill (double *out,
                guint   n,
                double  value)
{
  guint i = 0;

#if defined(__GNUC__) || defined(__clang__)
  typedef double Pair __attribute__ ((vector_size (16)));
  Pair pair = { value, value };

  for (; i + 8 <= n; i += 8)
    {
      memcpy (out + i, &pair, sizeof pair);
      memcpy (out + i + 2, &pair, sizeof pair);
      memcpy (out + i + 4, &pair, sizeof pair);
      memcpy (out + i + 6, &pair, sizeof pair);
    }
  for (; i + 2 <= n; i += 2)
    memcpy (out + i, &pair, sizeof pair);
#endif
  for (; i < n; i++)
    out[i] = value;
}

/* first ? if_first : second ? if_second : otherwise, with bit masks rather than the
 * branches a compiler makes of ?: on doubles: for conditions that hold as often as not,
 * a branch mispredicts on every other row. */
static inline double
_perp_smc_pick (gboolean first,
                double   if_first,
                gboolean second,
                double   if_second,
                double   otherwise)
{
  guint64 take_first = -(guint64) (first != 0);
  guint64 take_second = -(guint64) (second != 0) & ~take_first;
  guint64 a;
  guint64 b;
  guint64 c;
  double result;

  memcpy (&a, &if_first, sizeof a);
  memcpy (&b, &if_second, sizeof b);
  memcpy (&c, &otherwise, sizeof c);
  a = (a & take_first) | (b & take_second) | (c & ~(take_first | take_second));
  memcpy (&result, &a, sizeof result);

  return result;
}

/* What the peer stores in a float32 column, widened back: every decision and output of
 * the compat mode sees exactly the value the peer compares against. */
static inline double
_perp_smc_f32 (double value)
{
  return (double) (float) value;
}

/* The lowest set bit of a non-zero mask.  GLib's g_bit_nth_lsf() is a loop over the
 * bits. */
static inline guint
_perp_smc_lowest_bit (guint mask)
{
#if defined(__GNUC__) || defined(__clang__)
  return (guint) __builtin_ctz (mask);
#else
  return (guint) g_bit_nth_lsf (mask, -1);
#endif
}

/* The rows of the swing highs (HighLow 1) and of the swing lows (-1) in swing_high_low,
 * each list in row order; both arrays hold n rows.  The values are compared by their
 * bits: no other double equals 1.0 or -1.0, and an integer comparison needs none of
 * the NaN tests of a floating one.  With a, b, c and d (all or none), the same pass
 * sets their n rows to NaN.  Returns the number of highs, *n_low the lows. */
static inline guint
_perp_smc_swing_rows (const double *swing_high_low,
                      guint         n,
                      guint        *high_rows,
                      guint        *low_rows,
                      guint        *n_low,
                      double       *a,
                      double       *b,
                      double       *c,
                      double       *d)
{
  const double plus_one = 1.0;
  const double minus_one = -1.0;
  guint64 up;
  guint64 down;
  guint highs = 0;
  guint lows = 0;

  memcpy (&up, &plus_one, sizeof up);
  memcpy (&down, &minus_one, sizeof down);
  for (guint i = 0; i < n; i++)
    {
      guint64 bits;

      memcpy (&bits, swing_high_low + i, sizeof bits);
      /* (The same way on every row: a branch that is never mispredicted.) */
      if (a != NULL)
        a[i] = b[i] = c[i] = d[i] = NAN;
      high_rows[highs] = i;
      highs += bits == up;
      low_rows[lows] = i;
      lows += bits == down;
    }
  *n_low = lows;

  return highs;
}

/* ---------------------------------------------------------------- first reach */

/*
 * "The first row j >= from where price reaches key", for many keys over one price
 * array, answered from block extremes instead of a sweep over every candle: blocks of
 * 16 rows, 16 blocks to a block of the next level, up to a level of at most 16 blocks.
 * A query scans its own block's remaining rows, climbs while nothing in the rest of a
 * block can reach, then walks down through the first block that can; each level costs
 * at most 16 comparisons, so a level nobody reaches costs O(16 log16 n), not n.
 * Everything is in "signed" prices, sign * price, so that reaching is always "at or
 * above the key" (inclusive) or "above it" (strict).
 */
#define _PERP_SMC_REACH_MAX_LEVELS 8
#define _PERP_SMC_NO_ROW G_MAXUINT

typedef struct
{
  const double *price;
  double        sign;
  guint         n;
  guint         n_levels;
  guint         len[_PERP_SMC_REACH_MAX_LEVELS];
  double       *block[_PERP_SMC_REACH_MAX_LEVELS];  /* max of sign * price over a block */
} PerpSmcReach;

static inline double
_perp_smc_max2 (double a,
                double b)
{
  return a > b ? a : b;
}

/* The extreme of 16 values as a tree of comparisons: no loop branch to mispredict
 * when it ends, and four chains the processor can run side by side. */
static inline double
_perp_smc_max16 (const double *v)
{
  double a = _perp_smc_max2 (_perp_smc_max2 (v[0], v[1]), _perp_smc_max2 (v[2], v[3]));
  double b = _perp_smc_max2 (_perp_smc_max2 (v[4], v[5]), _perp_smc_max2 (v[6], v[7]));
  double c = _perp_smc_max2 (_perp_smc_max2 (v[8], v[9]), _perp_smc_max2 (v[10], v[11]));
  double d = _perp_smc_max2 (_perp_smc_max2 (v[12], v[13]), _perp_smc_max2 (v[14], v[15]));

  return _perp_smc_max2 (_perp_smc_max2 (a, b), _perp_smc_max2 (c, d));
}

static inline double
_perp_smc_min2 (double a,
                double b)
{
  return a < b ? a : b;
}

static inline double
_perp_smc_min16 (const double *v)
{
  double a = _perp_smc_min2 (_perp_smc_min2 (v[0], v[1]), _perp_smc_min2 (v[2], v[3]));
  double b = _perp_smc_min2 (_perp_smc_min2 (v[4], v[5]), _perp_smc_min2 (v[6], v[7]));
  double c = _perp_smc_min2 (_perp_smc_min2 (v[8], v[9]), _perp_smc_min2 (v[10], v[11]));
  double d = _perp_smc_min2 (_perp_smc_min2 (v[12], v[13]), _perp_smc_min2 (v[14], v[15]));

  return _perp_smc_min2 (_perp_smc_min2 (a, b), _perp_smc_min2 (c, d));
}

static inline void
_perp_smc_reach_init (PerpSmcReach *reach,
                      const double *price,
                      guint         n,
                      double        sign)
{
  guint below = n;

  reach->price = price;
  reach->sign = sign;
  reach->n = n;
  reach->n_levels = 0;

  do
    {
      guint level = reach->n_levels++;
      guint len = (below + 15) >> 4;
      guint full = below >> 4;
      const double *src = level == 0 ? price : reach->block[level - 1];
      /* Extremes are exact, so minus the minimum is the maximum of the negated prices. */
      gboolean negate = level == 0 && sign < 0;
      double *dst = g_new (double, MAX (len, 1));

      if (negate)
        for (guint b = 0; b < full; b++)
          dst[b] = -_perp_smc_min16 (src + 16 * b);
      else
        for (guint b = 0; b < full; b++)
          dst[b] = _perp_smc_max16 (src + 16 * b);
      if (full < len)
        {
          double m = -INFINITY;

          for (guint k = 16 * full; k < below; k++)
            m = _perp_smc_max2 (m, negate ? -src[k] : src[k]);
          dst[full] = m;
        }
      reach->len[level] = len;
      reach->block[level] = dst;
      below = len;
    }
  while (below > 16 && reach->n_levels < _PERP_SMC_REACH_MAX_LEVELS);
}

/* _perp_smc_reach_init () of price with sign +1 (up) and -1 (down) at once: the rows
 * are read once for both, the same extremes come out. */
static inline void
_perp_smc_reach_init_pair (PerpSmcReach *up,
                           PerpSmcReach *down,
                           const double *price,
                           guint         n)
{
  guint len = (n + 15) >> 4;
  guint full = n >> 4;
  double *high = g_new (double, MAX (len, 1));
  double *low = g_new (double, MAX (len, 1));

  for (guint b = 0; b < full; b++)
    {
      high[b] = _perp_smc_max16 (price + 16 * b);
      low[b] = -_perp_smc_min16 (price + 16 * b);
    }
  if (full < len)
    {
      double h = -INFINITY;
      double l = -INFINITY;

      for (guint k = 16 * full; k < n; k++)
        {
          h = _perp_smc_max2 (h, price[k]);
          l = _perp_smc_max2 (l, -price[k]);
        }
      high[full] = h;
      low[full] = l;
    }

  for (guint side = 0; side < 2; side++)
    {
      PerpSmcReach *reach = side == 0 ? up : down;
      guint below = len;

      reach->price = price;
      reach->sign = side == 0 ? 1.0 : -1.0;
      reach->n = n;
      reach->n_levels = 1;
      reach->len[0] = len;
      reach->block[0] = side == 0 ? high : low;
      /* The levels above, as _perp_smc_reach_init () builds them. */
      while (below > 16 && reach->n_levels < _PERP_SMC_REACH_MAX_LEVELS)
        {
          guint level = reach->n_levels++;
          guint level_len = (below + 15) >> 4;
          guint level_full = below >> 4;
          const double *src = reach->block[level - 1];
          double *dst = g_new (double, MAX (level_len, 1));

          for (guint b = 0; b < level_full; b++)
            dst[b] = _perp_smc_max16 (src + 16 * b);
          if (level_full < level_len)
            {
              double m = -INFINITY;

              for (guint k = 16 * level_full; k < below; k++)
                m = _perp_smc_max2 (m, src[k]);
              dst[level_full] = m;
            }
          reach->len[level] = level_len;
          reach->block[level] = dst;
          below = level_len;
        }
    }
}

static inline void
_perp_smc_reach_clear (PerpSmcReach *reach)
{
  for (guint level = 0; level < reach->n_levels; level++)
    g_clear_pointer (&reach->block[level], g_free);
  reach->n_levels = 0;
}

/* The largest signed price of the whole series (n > 0). */
static inline double
_perp_smc_reach_max (const PerpSmcReach *reach)
{
  const double *top = reach->block[reach->n_levels - 1];
  double m = top[0];

  for (guint b = 1; b < reach->len[reach->n_levels - 1]; b++)
    m = _perp_smc_max2 (m, top[b]);

  return m;
}

static inline gboolean
_perp_smc_reaches (double   value,
                   double   key,
                   gboolean strict)
{
  return strict ? value > key : value >= key;
}

/* Bit k set where sign * v[k] reaches key, for the 16 values v[0 .. 15]: eight
 * comparisons of two values and no branch, where the scalar loops end on an unforeseen
 * one.  The products and comparisons are the scalar ones (NaN reaches nothing). */
static inline guint
_perp_smc_reach_mask16 (const double *v,
                        double        sign,
                        double        key,
                        gboolean      strict)
{
  guint mask = 0;

#ifdef __SSE2__
  __m128d signs = _mm_set1_pd (sign);
  __m128d keys = _mm_set1_pd (key);

  if (strict)
    for (guint k = 0; k < 16; k += 2)
      mask |= (guint) _mm_movemask_pd (_mm_cmpgt_pd (_mm_mul_pd (_mm_loadu_pd (v + k), signs),
                                                     keys)) << k;
  else
    for (guint k = 0; k < 16; k += 2)
      mask |= (guint) _mm_movemask_pd (_mm_cmpge_pd (_mm_mul_pd (_mm_loadu_pd (v + k), signs),
                                                     keys)) << k;
#else
  for (guint k = 0; k < 16; k++)
    mask |= (guint) _perp_smc_reaches (sign * v[k], key, strict) << k;
#endif

  return mask;
}

/* The first row j >= from with sign * price[j] above key (strict) or at or above it,
 * or _PERP_SMC_NO_ROW.  A NaN key is never reached.  Whole blocks of 16 are asked at
 * once (_perp_smc_reach_mask16 ()), a partial one at an array's end value by value. */
static inline guint
_perp_smc_reach_first (const PerpSmcReach *reach,
                       double              key,
                       guint               from,
                       gboolean            strict)
{
  const double *price = reach->price;
  double sign = reach->sign;
  guint pos = from;
  guint level = 0;              /* 0: rows, l > 0: reach->block[l - 1] */
  guint stop;

  /* Up: the rest of the current block at each level. */
  for (;;)
    {
      guint len = level == 0 ? reach->n : reach->len[level - 1];
      gboolean top = level == reach->n_levels;
      const double *values = level == 0 ? price : reach->block[level - 1];
      double value_sign = level == 0 ? sign : 1.0;
      guint base = pos & ~15u;

      stop = top ? len : MIN ((pos | 15) + 1, len);
      if (pos < stop && stop == base + 16)
        {
          guint mask = _perp_smc_reach_mask16 (values + base, value_sign, key, strict) &
                       (0xffffu << (pos - base));

          if (mask != 0)
            {
              pos = base + _perp_smc_lowest_bit (mask);
              if (level == 0)
                return pos;
              goto down;
            }
          pos = stop;
        }
      else
        {
          for (; pos < stop; pos++)
            if (_perp_smc_reaches (value_sign * values[pos], key, strict))
              {
                if (level == 0)
                  return pos;
                goto down;
              }
        }
      if (pos >= len || top)
        return _PERP_SMC_NO_ROW;
      pos >>= 4;
      level++;
    }

down:
  /* A block that reaches has a child that does: its maximum is one of theirs. */
  while (level-- > 0)
    {
      guint len = level == 0 ? reach->n : reach->len[level - 1];
      const double *values = level == 0 ? price : reach->block[level - 1];
      double value_sign = level == 0 ? sign : 1.0;

      pos <<= 4;
      if (pos + 16 <= len)
        pos += _perp_smc_lowest_bit (_perp_smc_reach_mask16 (values + pos, value_sign, key,
                                                             strict));
      else
        while (!_perp_smc_reaches (value_sign * values[pos], key, strict))
          pos++;
    }

  return pos;
}

/* ---------------------------------------------------------------- shared extremes */

/* The block extremes a context keeps: the signed prices the functions ask about. */
typedef enum
{
  _PERP_SMC_HIGH_UP,            /* high, + */
  _PERP_SMC_LOW_DOWN,           /* low, - */
  _PERP_SMC_CLOSE_UP,           /* close, + */
  _PERP_SMC_CLOSE_DOWN,         /* close, - */
  _PERP_SMC_N_SHARED
} PerpSmcShared;

/* fvg()'s gaps before joining, per direction ([0] bullish, [1] bearish), in row order,
 * with the first row that mitigates each (_PERP_SMC_NO_ROW: none): the joined call
 * changes only the gaps of runs, so with these it writes its columns without the
 * detection pass and asks again only where a run moved the near edge. */
typedef struct
{
  const double *high;           /* NULL: not kept; the series as it was when kept */
  guint         n;
  guint        *rows[2];
  guint        *mitigated[2];
  guint         count[2];
} PerpSmcGaps;

/* The rows of the swings perp_smc_context_swing_highs_lows() wrote, which it knows
 * without reading its output back: bos_choch, ob and liquidity, given that same HighLow
 * array, take them instead of a pass over the array each.  Every swing is +1 or -1. */
typedef struct
{
  const double *high_low;       /* NULL: none kept; the array the rows describe */
  const double *high;           /* the series as it was when kept */
  guint         n;
  guint        *rows;           /* every swing, in row order */
  guint        *high_rows;      /* the +1 swings, in row order */
  guint        *low_rows;       /* the -1 swings */
  guint         count;
  guint         n_high;
  guint         n_low;
} PerpSmcSwings;

struct _PerpSmcContext
{
  const PerpCandles *candles;
  PerpSmcReach       reach[_PERP_SMC_N_SHARED];  /* n_levels 0: not built yet */
  PerpSmcGaps        gaps;
  PerpSmcSwings      swings;
};

const PerpSmcReach *_perp_smc_context_reach (PerpSmcContext    *context,
                                             const PerpCandles *candles,
                                             PerpSmcShared      which,
                                             PerpSmcReach      *own);

/* Sorts ordinals 0 .. count-1 by keys[ordinal] into order[], stably (liquidity's order
 * of levels). */
void _perp_smc_sort_by_key (const guint64 *keys,
                            guint          count,
                            guint         *order);

/* The swings @context keeps for @swing_high_low on @candles, or NULL. */
static inline const PerpSmcSwings *
_perp_smc_context_swings (const PerpSmcContext *context,
                          const PerpCandles    *candles,
                          const double         *swing_high_low)
{
  const PerpSmcSwings *swings;

  if (context == NULL || context->candles != candles)
    return NULL;
  swings = &context->swings;
  if (swings->high_low == NULL || swings->high_low != swing_high_low ||
      swings->high != perp_candles_get_high (candles) ||
      swings->n != perp_candles_get_length (candles))
    return NULL;

  return swings;
}

G_END_DECLS
