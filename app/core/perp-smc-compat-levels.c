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
 * "First row j >= from with v[j] >= x": the peer scans forward from every swing, which
 * is quadratic when nothing sweeps the band.  A max segment tree answers each query in
 * O(log n).
 */
typedef struct
{
  double *max;
  gsize   size;
} MaxTree;

static void
max_tree_init (MaxTree      *tree,
               const double *v,
               guint         n,
               gboolean      negate)
{
  gsize i;

  tree->size = 1;
  while (tree->size < n)
    tree->size <<= 1;

  tree->max = g_new (double, 2 * tree->size);

  for (i = 0; i < tree->size; i++)
    {
      double x = -INFINITY;

      if (i < n)
        x = negate ? -v[i] : v[i];
      tree->max[tree->size + i] = x;
    }

  for (i = tree->size - 1; i >= 1; i--)
    tree->max[i] = MAX (tree->max[2 * i], tree->max[2 * i + 1]);
}

static void
max_tree_clear (MaxTree *tree)
{
  g_clear_pointer (&tree->max, g_free);
}

/* Returns the row, or -1 when no row qualifies. */
static gint64
max_tree_first_at_least (const MaxTree *tree,
                         gsize          from,
                         double         x)
{
  gsize node;

  if (from >= tree->size)
    return -1;

  node = tree->size + from;

  /* Climb until a subtree to the right of `from` holds a match... */
  while (!(tree->max[node] >= x))
    {
      while (node & 1)
        node >>= 1;
      if (node == 0)
        return -1;
      node++;
    }

  /* ...then descend to its leftmost matching leaf. */
  while (node < tree->size)
    {
      node = 2 * node;
      if (!(tree->max[node] >= x))
        node++;
    }

  return (gint64) (node - tree->size);
}

typedef struct
{
  double level;
  guint  ordinal;
} LevelKey;

static int
level_key_compare (const void *a,
                   const void *b)
{
  const LevelKey *ka = a;
  const LevelKey *kb = b;
  gboolean nan_a = isnan (ka->level);
  gboolean nan_b = isnan (kb->level);

  /* NaN levels sort last so that both band bounds stay prefix predicates. */
  if (nan_a != nan_b)
    return nan_a ? 1 : -1;
  if (!nan_a && ka->level != kb->level)
    return ka->level < kb->level ? -1 : 1;

  return ka->ordinal < kb->ordinal ? -1 : (ka->ordinal > kb->ordinal ? 1 : 0);
}

static void
min_tree_remove (guint *alive,
                 gsize  tree_size,
                 gsize  pos)
{
  gsize node = tree_size + pos;

  alive[node] = G_MAXUINT;
  for (node >>= 1; node >= 1; node >>= 1)
    alive[node] = MIN (alive[2 * node], alive[2 * node + 1]);
}

static void
liquidity_side (const double *swing_high_low,
                const double *swing_level,
                guint         n,
                double        side,
                const double *extreme,
                double        pip_range,
                double       *liquidity,
                double       *level,
                double       *end,
                double       *swept)
{
  g_autofree guint *rows = NULL;
  g_autofree LevelKey *keys = NULL;
  g_autofree guint *sorted_pos = NULL;
  g_autofree guint *alive = NULL;
  MaxTree tree = { NULL, 0 };
  gsize tree_size;
  guint n_swings = 0;
  guint i;
  guint k;

  for (i = 0; i < n; i++)
    if (swing_high_low[i] == side)
      n_swings++;

  if (n_swings == 0)
    return;

  rows = g_new (guint, n_swings);
  keys = g_new (LevelKey, n_swings);
  sorted_pos = g_new (guint, n_swings);

  k = 0;
  for (i = 0; i < n; i++)
    if (swing_high_low[i] == side)
      {
        rows[k] = i;
        keys[k].level = swing_level[i];
        keys[k].ordinal = k;
        k++;
      }

  qsort (keys, n_swings, sizeof *keys, level_key_compare);
  for (k = 0; k < n_swings; k++)
    sorted_pos[keys[k].ordinal] = k;

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
    alive[tree_size + k] = k < n_swings ? keys[k].ordinal : G_MAXUINT;
  for (k = (guint) tree_size - 1; k >= 1; k--)
    alive[k] = MIN (alive[2 * k], alive[2 * k + 1]);

  /* Equal lows are swept downwards: search -low >= -(level - pip). */
  max_tree_init (&tree, extreme, n, side < 0);

  for (k = 0; k < n_swings; k++)
    {
      guint row = rows[k];
      double head_level = swing_level[row];
      double range_low = head_level - pip_range;
      double range_high = head_level + pip_range;
      gint64 swept_row;
      gsize lo_pos;
      gsize hi_pos;
      gsize a;
      gsize b;
      double sum = head_level;
      guint count = 1;
      guint group_end = row;

      /* Consumed swings are not heads: the peer skips them. */
      if (alive[tree_size + sorted_pos[k]] == G_MAXUINT)
        continue;

      min_tree_remove (alive, tree_size, sorted_pos[k]);

      if (side > 0)
        swept_row = max_tree_first_at_least (&tree, (gsize) row + 1, range_high);
      else
        swept_row = max_tree_first_at_least (&tree, (gsize) row + 1, -range_low);
      if (swept_row < 0)
        swept_row = 0;

      /* Band slice [lo_pos, hi_pos) in level order. */
      a = 0;
      b = n_swings;
      while (a < b)
        {
          gsize mid = a + (b - a) / 2;

          if (keys[mid].level < range_low)
            a = mid + 1;
          else
            b = mid;
        }
      lo_pos = a;
      b = n_swings;
      while (a < b)
        {
          gsize mid = a + (b - a) / 2;

          if (keys[mid].level <= range_high)
            a = mid + 1;
          else
            b = mid;
        }
      hi_pos = a;

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

          sum += swing_level[member_row];
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

  max_tree_clear (&tree);
}

/**
 * perp_smc_liquidity:
 * @candles: the series
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
                    const double      *swing_high_low,
                    const double      *swing_level,
                    double             range_percent,
                    double            *liquidity,
                    double            *level,
                    double            *end,
                    double            *swept)
{
  const double *high;
  const double *low;
  double max_high;
  double min_low;
  double pip_range;
  guint n;
  guint i;

  g_return_if_fail (candles != NULL);

  n = perp_candles_get_length (candles);
  if (n == 0)
    return;

  g_return_if_fail (swing_high_low != NULL);
  g_return_if_fail (swing_level != NULL);
  g_return_if_fail (liquidity != NULL && level != NULL && end != NULL && swept != NULL);

  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);

  max_high = high[0];
  min_low = low[0];
  for (i = 0; i < n; i++)
    {
      liquidity[i] = level[i] = end[i] = swept[i] = NAN;
      max_high = MAX (max_high, high[i]);
      min_low = MIN (min_low, low[i]);
    }

  pip_range = (max_high - min_low) * range_percent;

  liquidity_side (swing_high_low, swing_level, n, 1.0, high, pip_range,
                  liquidity, level, end, swept);
  liquidity_side (swing_high_low, swing_level, n, -1.0, low, pip_range,
                  liquidity, level, end, swept);
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
  g_autofree gint64 *candle_label = NULL;
  const gint64 *open_time;
  const double *high;
  const double *low;
  guint n_periods = 0;
  guint n;
  guint i;
  guint start;
  guint before = 0;
  gint64 group = G_MININT64;
  double run_high = 0;
  double run_low = 0;

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

  candle_label = g_new (gint64, n);
  labels = g_new (gint64, n);
  period_high = g_new (double, n);
  period_low = g_new (double, n);

  for (i = 0; i < n; i++)
    candle_label[i] = period_label (open_time[i], time_frame);

  /*
   * Open times increase, so each period is one run of rows, and only periods holding a
   * candle exist, as after the peer's dropna().
   */
  for (start = 0; start < n; )
    {
      guint stop = start;
      double ph = high[start];
      double pl = low[start];

      while (stop < n && candle_label[stop] == candle_label[start])
        {
          ph = MAX (ph, high[stop]);
          pl = MIN (pl, low[stop]);
          stop++;
        }

      labels[n_periods] = candle_label[start];
      period_high[n_periods] = ph;
      period_low[n_periods] = pl;
      n_periods++;

      start = stop;
    }

  for (i = 0; i < n; i++)
    {
      gint64 reference;
      double ph_f32;
      double pl_f32;

      /* searchsorted(labels, t, side="left"): labels strictly before t. */
      while (before < n_periods && labels[before] < open_time[i])
        before++;

      reference = (gint64) before - 2;

      /* The running extremes restart whenever the reference period changes. */
      if (reference != group)
        {
          group = reference;
          run_high = high[i];
          run_low = low[i];
        }
      else
        {
          run_high = MAX (run_high, high[i]);
          run_low = MIN (run_low, low[i]);
        }

      if (reference < 0)
        {
          previous_high[i] = NAN;
          previous_low[i] = NAN;
          broken_high[i] = 0;
          broken_low[i] = 0;
          continue;
        }

      ph_f32 = _perp_smc_f32 (period_high[reference]);
      pl_f32 = _perp_smc_f32 (period_low[reference]);
      previous_high[i] = ph_f32;
      previous_low[i] = pl_f32;
      broken_high[i] = run_high > ph_f32 ? 1 : 0;
      broken_low[i] = run_low < pl_f32 ? 1 : 0;
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

  for (i = 0; i < n; i++)
    {
      /* strftime("%H:%M") drops the seconds. */
      gint64 day = perp_floor_div (open_time[i], PERP_MS_PER_DAY);
      guint minute = (guint) ((open_time[i] - day * PERP_MS_PER_DAY) / PERP_MS_PER_MINUTE);
      gboolean inside;
      double prev_high;
      double prev_low;
      double x;

      if (start < stop)
        inside = start <= minute && minute <= stop;
      else
        inside = start <= minute || minute <= stop;

      if (!inside)
        {
          active[i] = 0;
          high[i] = 0;
          low[i] = 0;
          continue;
        }

      /*
       * The peer reads the previous row's float32 cells, which hold 0 after an inactive
       * row: max() against 0 then keeps the high, and a 0 low means "no low yet".
       */
      prev_high = i > 0 ? high[i - 1] : 0;
      prev_low = i > 0 && low[i - 1] != 0 ? low[i - 1] : INFINITY;

      x = h[i];
      if (prev_high > x)
        x = prev_high;
      high[i] = _perp_smc_f32 (x);

      x = l[i];
      if (prev_low < x)
        x = prev_low;
      low[i] = _perp_smc_f32 (x);

      active[i] = 1;
    }
}
