/* perp-liquidation-map.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-liquidation-map"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-interval.h"
#include "perp-liquidation-map.h"

/*
 * Storage: one dense array of doubles per side over a contiguous range of bucket
 * indices, grown on demand.  Over a year BTC spanned 16k..74k: at a 0.1 % bucket that
 * is a few thousand slots, and dense slots make consumption, sampling and the cluster
 * walk plain loops.  max_buckets caps the span so that a wild price cannot allocate
 * gigabytes.
 *
 * Decay: a slot holds intensity × 2^((t_ref - t0) / h) for a level added at t0, i.e. in
 * units of the reference time t_ref.  The intensity at time t is the slot times
 * 2^(-(t - t_ref) / h).  So decay costs nothing per bucket; t_ref moves forward (one
 * pass over the slots) only every RENORMALISE_HALF_LIVES half-lives, before the scale
 * factor could overflow.
 */

#define RENORMALISE_HALF_LIVES 64.0
#define MAX_RANGE_POINTS       64
#define MIN_MAX_BUCKETS        16
#define MAX_MAX_BUCKETS        (1u << 24)
/* Bucket indices stay far inside the exactly representable doubles and gint64. */
#define MAX_BUCKET_INDEX       ((double) (G_GINT64_CONSTANT (1) << 50))

enum
{
  LONG  = 0,
  SHORT = 1,
};

struct _PerpLiqMap
{
  gatomicrefcount  ref_count;
  PerpLiqMapParams params;
  double           weight[PERP_LIQ_MAX_TIERS];  /* normalised to sum 1 */
  gint64           interval_ms;
  guint            n_candles;
  gint64           last_open_time;
  gint64           now;         /* end time of the last candle */
  gint64           t_ref;       /* time the slots are scaled to */
  double           prev_close;
  gint64           base;        /* bucket index of slot 0 */
  guint            n_slots;
  double          *level[2];    /* scaled intensity per slot: [LONG], [SHORT] */
  GArray          *prints;      /* PerpLiqPrint, time order */
};

struct _PerpLiqGrid
{
  gatomicrefcount  ref_count;
  double           price_lo;
  double           price_hi;
  guint            n_rows;
  PerpLiqSides     sides;
  guint            n_columns;
  guint            capacity;
  gint64          *times;
  double          *cells;       /* n_rows per column, column after column */
  double          *prints;      /* the same shape: notional of real prints */
};

G_DEFINE_QUARK (perp-liq-map-error-quark, perp_liq_map_error)
G_DEFINE_BOXED_TYPE (PerpLiqMap, perp_liq_map, perp_liq_map_ref, perp_liq_map_unref)
G_DEFINE_BOXED_TYPE (PerpLiqGrid, perp_liq_grid, perp_liq_grid_ref, perp_liq_grid_unref)

/* ------------------------------------------------------------------ formulas */

/**
 * perp_liq_long_price:
 * @entry: entry price
 * @leverage: leverage L (>= 1)
 * @maintenance_margin: maintenance margin ratio
 *
 * The isolated-margin liquidation price of a long, ignoring fees and funding paid:
 * the position loses its initial margin entry/L less the maintenance margin.
 *
 * Returns: `entry * (1 - 1 / leverage + maintenance_margin)`, NAN for a leverage
 *   below 1
 */
double
perp_liq_long_price (double entry,
                     double leverage,
                     double maintenance_margin)
{
  if (!(leverage >= 1.0))
    return NAN;

  return entry * (1.0 - 1.0 / leverage + maintenance_margin);
}

/**
 * perp_liq_short_price:
 *
 * The short's counterpart of perp_liq_long_price().
 *
 * Returns: `entry * (1 + 1 / leverage - maintenance_margin)`, NAN for a leverage
 *   below 1
 */
double
perp_liq_short_price (double entry,
                      double leverage,
                      double maintenance_margin)
{
  if (!(leverage >= 1.0))
    return NAN;

  return entry * (1.0 + 1.0 / leverage - maintenance_margin);
}

/**
 * perp_liq_suggest_bucket_size:
 * @price: a typical price of the symbol
 * @relative: the wanted bucket height as a fraction of @price (0.001 = 0.1 %)
 *
 * The grid must stay fixed while the map runs, so "relative to price" is turned into
 * an absolute size once: the largest 1, 2 or 5 × 10^n not above @price × @relative,
 * which also gives round axis labels.
 *
 * Returns: the bucket size, NAN unless both arguments are finite and positive
 */
double
perp_liq_suggest_bucket_size (double price,
                              double relative)
{
  double raw;
  double decade;
  double m;

  if (!(isfinite (price) && price > 0.0 && isfinite (relative) && relative > 0.0))
    return NAN;

  raw = price * relative;
  if (!(raw > 0.0 && isfinite (raw)))
    return NAN;

  decade = pow (10.0, floor (log10 (raw)));
  m = raw / decade;

  /* log10 can land a hair below an exact power of ten. */
  if (m >= 10.0)
    decade *= 10.0, m /= 10.0;
  else if (m < 1.0)
    decade /= 10.0, m *= 10.0;

  return (m >= 5.0 ? 5.0 : m >= 2.0 ? 2.0 : 1.0) * decade;
}

/* ------------------------------------------------------------------ params */

/**
 * perp_liq_map_params_init_default:
 * @reference_price: a typical price of the symbol, for the bucket size
 *
 * Tiers 10x/25x/50x/100x weighted 0.4/0.3/0.2/0.1 (more positions at modest leverage
 * than at extreme), maintenance margin 0.4 %, buckets of about 0.1 % of
 * @reference_price, a 72 h half-life (leveraged perpetual positions are mostly held
 * hours to days), typical-price entries and an even long/short split.
 */
void
perp_liq_map_params_init_default (PerpLiqMapParams *params,
                                  double            reference_price)
{
  static const double leverage[] = { 10.0, 25.0, 50.0, 100.0 };
  static const double weight[] = { 0.4, 0.3, 0.2, 0.1 };

  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->n_tiers = G_N_ELEMENTS (leverage);
  for (guint i = 0; i < G_N_ELEMENTS (leverage); i++)
    {
      params->leverage[i] = leverage[i];
      params->weight[i] = weight[i];
    }
  params->maintenance_margin = 0.004;
  params->bucket_size = perp_liq_suggest_bucket_size (reference_price, 0.001);
  params->half_life_ms = 72 * PERP_MS_PER_HOUR;
  params->entry = PERP_LIQ_ENTRY_TYPICAL;
  params->range_points = 5;
  params->split = PERP_LIQ_SPLIT_EVEN;
  params->direction_share = 0.6;
  params->max_buckets = 1u << 20;
}

/**
 * perp_liq_map_params_check:
 *
 * Returns: %TRUE if the parameters describe a model; otherwise @error says which one
 *   does not
 */
gboolean
perp_liq_map_params_check (const PerpLiqMapParams  *params,
                           GError                 **error)
{
  double weight_sum = 0.0;

  g_return_val_if_fail (params != NULL, FALSE);

#define FAIL(...) \
  G_STMT_START { \
    g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  if (params->n_tiers == 0 || params->n_tiers > PERP_LIQ_MAX_TIERS)
    FAIL ("liquidation map: %u leverage tiers (need 1 .. %u)", params->n_tiers, PERP_LIQ_MAX_TIERS);

  if (!(isfinite (params->maintenance_margin) && params->maintenance_margin >= 0.0
        && params->maintenance_margin < 1.0))
    FAIL ("liquidation map: maintenance margin ratio %g is not in [0, 1)", params->maintenance_margin);

  for (guint i = 0; i < params->n_tiers; i++)
    {
      double lev = params->leverage[i];

      if (!(isfinite (lev) && lev >= 1.0))
        FAIL ("liquidation map: tier %u: leverage %g is not a finite value >= 1", i + 1, lev);
      /* Otherwise the "liquidation" lies beyond the entry: the position would be
       * liquidated as it opens. */
      if (!(1.0 / lev > params->maintenance_margin))
        FAIL ("liquidation map: tier %u: leverage %gx needs a maintenance margin below %g, not %g",
              i + 1, lev, 1.0 / lev, params->maintenance_margin);
      if (!(isfinite (params->weight[i]) && params->weight[i] >= 0.0))
        FAIL ("liquidation map: tier %u: weight %g is not finite and non-negative", i + 1, params->weight[i]);
      weight_sum += params->weight[i];
    }
  if (!(weight_sum > 0.0 && isfinite (weight_sum)))
    FAIL ("liquidation map: the tier weights sum to %g (need a positive sum)", weight_sum);

  if (!(isfinite (params->bucket_size) && params->bucket_size > 0.0))
    FAIL ("liquidation map: bucket size %g is not finite and positive", params->bucket_size);

  if (params->half_life_ms < 0)
    FAIL ("liquidation map: negative half-life %" G_GINT64_FORMAT " ms", params->half_life_ms);

  if (params->entry != PERP_LIQ_ENTRY_TYPICAL && params->entry != PERP_LIQ_ENTRY_RANGE)
    FAIL ("liquidation map: unknown entry model %d", (int) params->entry);
  if (params->entry == PERP_LIQ_ENTRY_RANGE
      && (params->range_points == 0 || params->range_points > MAX_RANGE_POINTS))
    FAIL ("liquidation map: %u entry points across the range (need 1 .. %u)",
          params->range_points, MAX_RANGE_POINTS);

  if (params->split != PERP_LIQ_SPLIT_EVEN && params->split != PERP_LIQ_SPLIT_CANDLE_DIRECTION
      && params->split != PERP_LIQ_SPLIT_TAKER_BUY)
    FAIL ("liquidation map: unknown long/short split %d", (int) params->split);
  if (!(params->direction_share >= 0.0 && params->direction_share <= 1.0))
    FAIL ("liquidation map: direction share %g is not in [0, 1]", params->direction_share);

  if (params->max_buckets < MIN_MAX_BUCKETS || params->max_buckets > MAX_MAX_BUCKETS)
    FAIL ("liquidation map: max_buckets %u is not in [%u, %u]",
          params->max_buckets, MIN_MAX_BUCKETS, MAX_MAX_BUCKETS);

#undef FAIL

  return TRUE;
}

/* ------------------------------------------------------------------ map */

/**
 * perp_liq_map_new:
 * @params: the model (see #PerpLiqMapParams)
 * @interval_ms: the interval of the candles it will be fed
 *
 * Returns: (transfer full) (nullable): an empty map, or %NULL with @error set when
 *   the parameters are invalid
 */
PerpLiqMap *
perp_liq_map_new (const PerpLiqMapParams  *params,
                  gint64                   interval_ms,
                  GError                 **error)
{
  PerpLiqMap *self;
  double weight_sum = 0.0;

  g_return_val_if_fail (params != NULL, NULL);

  if (!perp_liq_map_params_check (params, error))
    return NULL;

  if (interval_ms <= 0)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS,
                   "liquidation map: candle interval %" G_GINT64_FORMAT " ms is not positive",
                   interval_ms);
      return NULL;
    }

  self = g_new0 (PerpLiqMap, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->params = *params;
  self->interval_ms = interval_ms;
  self->prints = g_array_new (FALSE, FALSE, sizeof (PerpLiqPrint));

  for (guint i = 0; i < params->n_tiers; i++)
    weight_sum += params->weight[i];
  for (guint i = 0; i < params->n_tiers; i++)
    self->weight[i] = params->weight[i] / weight_sum;

  return self;
}

/**
 * perp_liq_map_ref:
 *
 * Returns: (transfer full): @self
 */
PerpLiqMap *
perp_liq_map_ref (PerpLiqMap *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
perp_liq_map_unref (PerpLiqMap *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->level[LONG]);
  g_free (self->level[SHORT]);
  g_array_unref (self->prints);
  g_free (self);
}

/**
 * perp_liq_map_get_params:
 *
 * Returns: (transfer none): the parameters the map was created with
 */
const PerpLiqMapParams *
perp_liq_map_get_params (const PerpLiqMap *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->params;
}

gint64
perp_liq_map_get_interval (const PerpLiqMap *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->interval_ms;
}

guint
perp_liq_map_get_n_candles (const PerpLiqMap *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_candles;
}

/**
 * perp_liq_map_get_time:
 *
 * Returns: the end time of the last candle added (open time + interval), 0 before the
 *   first
 */
gint64
perp_liq_map_get_time (const PerpLiqMap *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->now;
}

/* floor (price / size), clamped so that absurd prices cannot overflow the cast. */
static inline gint64
bucket_of (double price,
           double size)
{
  double k = floor (price / size);

  if (isnan (k))
    return 0;
  if (k < -MAX_BUCKET_INDEX)
    return (gint64) -MAX_BUCKET_INDEX;
  if (k > MAX_BUCKET_INDEX)
    return (gint64) MAX_BUCKET_INDEX;

  return (gint64) k;
}

/**
 * perp_liq_map_bucket_index:
 *
 * Returns: the bucket holding @price: floor (@price / bucket_size)
 */
gint64
perp_liq_map_bucket_index (const PerpLiqMap *self,
                           double            price)
{
  g_return_val_if_fail (self != NULL, 0);

  return bucket_of (price, self->params.bucket_size);
}

/**
 * perp_liq_map_bucket_price:
 *
 * Returns: the lower edge of @bucket; it spans [edge, edge + bucket_size)
 */
double
perp_liq_map_bucket_price (const PerpLiqMap *self,
                           gint64            bucket)
{
  g_return_val_if_fail (self != NULL, NAN);

  return (double) bucket * self->params.bucket_size;
}

/* The factor that turns a slot into intensity at @time_ms (never before `now`). */
static inline double
scale_down (const PerpLiqMap *self,
            gint64            time_ms)
{
  if (self->params.half_life_ms == 0)
    return 1.0;
  if (time_ms < self->now)
    time_ms = self->now;

  return exp2 (-(((double) time_ms - (double) self->t_ref) / (double) self->params.half_life_ms));
}

/* The factor that turns intensity added at @time_ms into slot units. */
static inline double
scale_up (const PerpLiqMap *self,
          gint64            time_ms)
{
  if (self->params.half_life_ms == 0)
    return 1.0;

  return exp2 (((double) time_ms - (double) self->t_ref) / (double) self->params.half_life_ms);
}

static inline double
slot_value (const PerpLiqMap *self,
            guint             slot,
            PerpLiqSides      sides)
{
  double v = 0.0;

  if (sides & PERP_LIQ_SIDE_LONG)
    v += self->level[LONG][slot];
  if (sides & PERP_LIQ_SIDE_SHORT)
    v += self->level[SHORT][slot];

  return v;
}

/**
 * perp_liq_map_get_bucket_range:
 * @first: (out) (optional): lowest bucket with some intensity
 * @last: (out) (optional): highest such bucket
 *
 * Returns: %FALSE if the map holds no intensity at all
 */
gboolean
perp_liq_map_get_bucket_range (const PerpLiqMap *self,
                               gint64           *first,
                               gint64           *last)
{
  guint lo;
  guint hi;

  g_return_val_if_fail (self != NULL, FALSE);

  for (lo = 0; lo < self->n_slots && slot_value (self, lo, PERP_LIQ_SIDE_BOTH) == 0.0; lo++)
    ;
  if (lo == self->n_slots)
    return FALSE;
  for (hi = self->n_slots - 1; hi > lo && slot_value (self, hi, PERP_LIQ_SIDE_BOTH) == 0.0; hi--)
    ;

  if (first != NULL)
    *first = self->base + lo;
  if (last != NULL)
    *last = self->base + hi;

  return TRUE;
}

/**
 * perp_liq_map_get_bucket:
 * @bucket: a bucket index (see perp_liq_map_bucket_index())
 * @time_ms: when (decayed to that time; not before the last candle's end)
 * @sides: which liquidations to count
 *
 * Returns: the estimated liquidation intensity (quote units) in @bucket
 */
double
perp_liq_map_get_bucket (const PerpLiqMap *self,
                         gint64            bucket,
                         gint64            time_ms,
                         PerpLiqSides      sides)
{
  g_return_val_if_fail (self != NULL, 0.0);

  if (self->n_slots == 0 || bucket < self->base || bucket >= self->base + (gint64) self->n_slots)
    return 0.0;

  return slot_value (self, (guint) (bucket - self->base), sides) * scale_down (self, time_ms);
}

/**
 * perp_liq_map_get_total:
 *
 * Returns: the intensity of all the map's levels at @time_ms
 */
double
perp_liq_map_get_total (const PerpLiqMap *self,
                        gint64            time_ms,
                        PerpLiqSides      sides)
{
  double sum = 0.0;

  g_return_val_if_fail (self != NULL, 0.0);

  for (guint i = 0; i < self->n_slots; i++)
    sum += slot_value (self, i, sides);

  return sum * scale_down (self, time_ms);
}

/* Makes slots exist for buckets k_min..k_max, keeping what is stored.  Fails, changing
 * nothing, if the map would then span more than max_buckets. */
static gboolean
ensure_range (PerpLiqMap  *self,
              gint64       k_min,
              gint64       k_max,
              GError     **error)
{
  gint64 lo = k_min;
  gint64 hi = k_max;
  gint64 span;
  gint64 slack;
  gint64 new_base;
  guint new_n;
  double *grown[2];

  if (self->n_slots > 0)
    {
      gint64 old_hi = self->base + (gint64) self->n_slots - 1;

      if (k_min >= self->base && k_max <= old_hi)
        return TRUE;
      lo = MIN (lo, self->base);
      hi = MAX (hi, old_hi);
    }

  span = hi - lo + 1;
  if (span > (gint64) self->params.max_buckets)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_RANGE,
                   "liquidation map: levels from %g to %g would need %" G_GINT64_FORMAT
                   " buckets of %g, more than the %u allowed",
                   (double) lo * self->params.bucket_size, (double) (hi + 1) * self->params.bucket_size,
                   span, self->params.bucket_size, self->params.max_buckets);
      return FALSE;
    }

  /* Room for the price to wander before the next reallocation. */
  slack = MIN (span / 4 + 64, ((gint64) self->params.max_buckets - span) / 2);
  new_base = lo - slack;
  new_n = (guint) (span + 2 * slack);

  for (int side = LONG; side <= SHORT; side++)
    {
      grown[side] = g_new0 (double, new_n);
      if (self->n_slots > 0)
        memcpy (grown[side] + (self->base - new_base), self->level[side],
                self->n_slots * sizeof (double));
      g_free (self->level[side]);
      self->level[side] = grown[side];
    }
  self->base = new_base;
  self->n_slots = new_n;

  return TRUE;
}

/* Moves the reference time to @time_ms so that the scale factors stay small. */
static void
renormalise (PerpLiqMap *self,
             gint64      time_ms)
{
  double f = exp2 (-(((double) time_ms - (double) self->t_ref) / (double) self->params.half_life_ms));

  for (int side = LONG; side <= SHORT; side++)
    for (guint i = 0; i < self->n_slots; i++)
      self->level[side][i] *= f;
  self->t_ref = time_ms;
}

static double
long_share (const PerpLiqMapParams *params,
            const PerpCandle       *candle)
{
  switch (params->split)
    {
    case PERP_LIQ_SPLIT_CANDLE_DIRECTION:
      if (candle->close > candle->open)
        return params->direction_share;
      if (candle->close < candle->open)
        return 1.0 - params->direction_share;
      return 0.5;

    case PERP_LIQ_SPLIT_TAKER_BUY:
      if (isfinite (candle->taker_buy_volume) && candle->taker_buy_volume >= 0.0 && candle->volume > 0.0)
        return CLAMP (candle->taker_buy_volume / candle->volume, 0.0, 1.0);
      return 0.5;

    case PERP_LIQ_SPLIT_EVEN:
    default:
      return 0.5;
    }
}

/* The entry prices of the candle's new positions; each carries 1/n of ΔOI. */
static guint
entry_prices (const PerpLiqMapParams *params,
              const PerpCandle       *candle,
              double                  entry[MAX_RANGE_POINTS])
{
  if (params->entry == PERP_LIQ_ENTRY_RANGE)
    {
      guint n = params->range_points;
      double step = (candle->high - candle->low) / n;

      for (guint j = 0; j < n; j++)
        entry[j] = candle->low + ((double) j + 0.5) * step;
      return n;
    }

  entry[0] = (candle->high + candle->low + candle->close) / 3.0;
  return 1;
}

static gboolean
check_candle (const PerpLiqMap  *self,
              const PerpCandle  *candle,
              double             oi_delta,
              GError           **error)
{
  PerpCandleColumn column;
  const char *reason;

  if (self->n_candles > 0 && candle->open_time <= self->last_open_time)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_NOT_INCREASING,
                   "liquidation map: candle at %" G_GINT64_FORMAT " is not after the last one (%"
                   G_GINT64_FORMAT ")", candle->open_time, self->last_open_time);
      return FALSE;
    }

  if (candle->open_time > G_MAXINT64 - self->interval_ms)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation map: candle time %" G_GINT64_FORMAT " is out of range", candle->open_time);
      return FALSE;
    }

  if (!perp_candle_check (candle, PERP_CANDLE_FIELD_NONE, &column, &reason))
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation map: candle at %" G_GINT64_FORMAT ": %s: %s",
                   candle->open_time, perp_candle_column_name (column), reason);
      return FALSE;
    }

  if (!(candle->low > 0.0))
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation map: candle at %" G_GINT64_FORMAT ": low %g is not a positive price",
                   candle->open_time, candle->low);
      return FALSE;
    }

  /* A 1x short liquidates below twice the entry, and the entry is at most the high. */
  if (!(2.0 * candle->high / self->params.bucket_size < MAX_BUCKET_INDEX))
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_RANGE,
                   "liquidation map: candle at %" G_GINT64_FORMAT ": high %g is too many buckets of %g away from zero",
                   candle->open_time, candle->high, self->params.bucket_size);
      return FALSE;
    }

  if (isinf (oi_delta))
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation map: candle at %" G_GINT64_FORMAT ": open-interest change is infinite",
                   candle->open_time);
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_liq_map_add_candle:
 * @candle: the next closed candle
 * @oi_delta: its open-interest change in base units (NAN if unknown)
 * @step: (out caller-allocates) (optional): what the candle did to the map
 *
 * Removes the levels the candle traded through, then adds the levels of the positions
 * its open-interest increase opened (the model is described in the header).
 *
 * Returns: %TRUE on success; on error the map is unchanged
 */
gboolean
perp_liq_map_add_candle (PerpLiqMap        *self,
                         const PerpCandle  *candle,
                         double             oi_delta,
                         PerpLiqStep       *step,
                         GError           **error)
{
  const PerpLiqMapParams *p;
  double entry[MAX_RANGE_POINTS];
  double share;
  double size;
  double down;
  double up;
  double lo;
  double hi;
  double consumed[2] = { 0.0, 0.0 };
  PerpLiqStep result = { 0.0, 0.0, 0.0, 0.0 };
  gint64 close_bucket;
  gint64 k_min = G_MAXINT64;
  gint64 k_max = G_MININT64;
  gint64 end;
  guint n_entries = 0;
  gboolean adds;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  if (!check_candle (self, candle, oi_delta, error))
    return FALSE;

  p = &self->params;
  size = p->bucket_size;
  share = long_share (p, candle);
  close_bucket = bucket_of (candle->close, size);
  adds = oi_delta > 0.0;

  /* First pass: where the surviving new levels go, so that the map can be grown (or
   * the candle refused) before anything changes. */
  if (adds)
    {
      n_entries = entry_prices (p, candle, entry);
      for (guint j = 0; j < n_entries; j++)
        for (guint i = 0; i < p->n_tiers; i++)
          {
            gint64 kl = bucket_of (perp_liq_long_price (entry[j], p->leverage[i], p->maintenance_margin), size);
            gint64 ks = bucket_of (perp_liq_short_price (entry[j], p->leverage[i], p->maintenance_margin), size);

            if (self->weight[i] == 0.0)
              continue;
            if (kl < close_bucket && share > 0.0)
              k_min = MIN (k_min, kl), k_max = MAX (k_max, kl);
            if (ks > close_bucket && share < 1.0)
              k_min = MIN (k_min, ks), k_max = MAX (k_max, ks);
          }
      if (k_min <= k_max && !ensure_range (self, k_min, k_max, error))
        return FALSE;
    }

  end = candle->open_time + self->interval_ms;
  if (self->n_candles == 0)
    self->t_ref = end;
  else if (p->half_life_ms > 0
           && ((double) end - (double) self->t_ref) / (double) p->half_life_ms > RENORMALISE_HALF_LIVES)
    renormalise (self, end);
  self->now = end;

  /* Trading through: every bucket the candle (and the gap from the previous close)
   * traded in. */
  lo = candle->low;
  hi = candle->high;
  if (self->n_candles > 0)
    {
      lo = MIN (lo, self->prev_close);
      hi = MAX (hi, self->prev_close);
    }
  if (self->n_slots > 0)
    {
      gint64 last = self->base + (gint64) self->n_slots - 1;
      gint64 k0 = MAX (bucket_of (lo, size), self->base);
      gint64 k1 = MIN (bucket_of (hi, size), last);

      for (gint64 k = k0; k <= k1; k++)
        for (int side = LONG; side <= SHORT; side++)
          {
            consumed[side] += self->level[side][k - self->base];
            self->level[side][k - self->base] = 0.0;
          }
    }
  down = scale_down (self, end);
  result.consumed_long = consumed[LONG] * down;
  result.consumed_short = consumed[SHORT] * down;

  if (adds)
    {
      up = scale_up (self, end);
      for (guint j = 0; j < n_entries; j++)
        {
          double notional = oi_delta * entry[j] / n_entries;

          for (guint i = 0; i < p->n_tiers; i++)
            {
              double a_long = notional * share * self->weight[i];
              double a_short = notional * (1.0 - share) * self->weight[i];
              gint64 kl = bucket_of (perp_liq_long_price (entry[j], p->leverage[i], p->maintenance_margin), size);
              gint64 ks = bucket_of (perp_liq_short_price (entry[j], p->leverage[i], p->maintenance_margin), size);

              if (a_long > 0.0)
                {
                  result.added_long += a_long;
                  if (kl < close_bucket)
                    self->level[LONG][kl - self->base] += a_long * up;
                  else
                    result.consumed_long += a_long;
                }
              if (a_short > 0.0)
                {
                  result.added_short += a_short;
                  if (ks > close_bucket)
                    self->level[SHORT][ks - self->base] += a_short * up;
                  else
                    result.consumed_short += a_short;
                }
            }
        }
    }

  self->prev_close = candle->close;
  self->last_open_time = candle->open_time;
  self->n_candles++;

  if (step != NULL)
    *step = result;

  return TRUE;
}

/**
 * perp_liq_map_add_candles:
 * @candles: closed candles, after any already added
 * @oi_delta: (array) (nullable): one open-interest change per candle (see
 *   perp_oi_series_candle_deltas()); %NULL when there is none
 * @grid: (nullable): a heatmap to append one column per candle to
 *
 * perp_liq_map_add_candle() and perp_liq_grid_append_column() for each candle in
 * turn: the batch form, identical to feeding the candles one by one.
 *
 * Returns: %TRUE on success; on error the candles before the bad one stay added
 */
gboolean
perp_liq_map_add_candles (PerpLiqMap         *self,
                          const PerpCandles  *candles,
                          const double       *oi_delta,
                          PerpLiqGrid        *grid,
                          GError            **error)
{
  PerpInterval interval;
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candles != NULL, FALSE);

  interval = perp_candles_get_interval (candles);
  if (interval != PERP_INTERVAL_UNKNOWN && perp_interval_to_ms (interval) != self->interval_ms)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_PARAMS,
                   "liquidation map: the candles are %s, the map was made for %" G_GINT64_FORMAT " ms",
                   perp_interval_to_string (interval), self->interval_ms);
      return FALSE;
    }

  n = perp_candles_get_length (candles);
  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      if (!perp_liq_map_add_candle (self, &candle, oi_delta != NULL ? oi_delta[i] : NAN, NULL, error))
        {
          g_prefix_error (error, "candle %u: ", i);
          return FALSE;
        }
      if (grid != NULL)
        perp_liq_grid_append_column (grid, self, candle.open_time, candle.open_time + self->interval_ms);
    }

  return TRUE;
}

/* ------------------------------------------------------------------ prints */

/**
 * perp_liq_map_add_print:
 * @print: a real liquidation, not earlier than the last one added
 *
 * Records a forceOrder print.  Prints are kept beside the model, never mixed into it.
 *
 * Returns: %TRUE on success; on error nothing is recorded
 */
gboolean
perp_liq_map_add_print (PerpLiqMap          *self,
                        const PerpLiqPrint  *print,
                        GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (print != NULL, FALSE);

  if (print->side != PERP_LIQ_SIDE_LONG && print->side != PERP_LIQ_SIDE_SHORT)
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation print at %" G_GINT64_FORMAT ": side %d is neither long nor short",
                   print->time, (int) print->side);
      return FALSE;
    }

  if (!(isfinite (print->price) && print->price > 0.0 && isfinite (print->quantity) && print->quantity > 0.0))
    {
      g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_INVALID,
                   "liquidation print at %" G_GINT64_FORMAT ": price %g and quantity %g must be finite and positive",
                   print->time, print->price, print->quantity);
      return FALSE;
    }

  if (self->prints->len > 0)
    {
      const PerpLiqPrint *last = &g_array_index (self->prints, PerpLiqPrint, self->prints->len - 1);

      if (print->time < last->time)
        {
          g_set_error (error, PERP_LIQ_MAP_ERROR, PERP_LIQ_MAP_ERROR_NOT_INCREASING,
                       "liquidation print at %" G_GINT64_FORMAT " is earlier than the last one (%" G_GINT64_FORMAT ")",
                       print->time, last->time);
          return FALSE;
        }
    }

  g_array_append_val (self->prints, *print);

  return TRUE;
}

/**
 * perp_liq_map_get_prints:
 * @n_prints: (out): the number of prints
 *
 * Returns: (transfer none) (array length=n_prints) (nullable): the prints in time
 *   order; valid until the next print is added
 */
const PerpLiqPrint *
perp_liq_map_get_prints (const PerpLiqMap *self,
                         guint            *n_prints)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_prints != NULL, NULL);

  *n_prints = self->prints->len;

  return self->prints->len > 0 ? &g_array_index (self->prints, PerpLiqPrint, 0) : NULL;
}

/* Index of the first print at or after @time_ms. */
static guint
prints_lower_bound (const PerpLiqMap *self,
                    gint64            time_ms)
{
  guint lo = 0;
  guint hi = self->prints->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->prints, PerpLiqPrint, mid).time < time_ms)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/**
 * perp_liq_map_sum_prints:
 * @time_from: start of the window (inclusive)
 * @time_to: end of the window (exclusive)
 * @price_lo: lowest price counted (inclusive)
 * @price_hi: highest price (exclusive)
 * @quantity: (out) (optional): summed base quantity
 * @notional: (out) (optional): summed price × quantity
 *
 * Returns: the number of prints of @sides in the window and price range
 */
guint
perp_liq_map_sum_prints (const PerpLiqMap *self,
                         gint64            time_from,
                         gint64            time_to,
                         double            price_lo,
                         double            price_hi,
                         PerpLiqSides      sides,
                         double           *quantity,
                         double           *notional)
{
  double q = 0.0;
  double v = 0.0;
  guint count = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = prints_lower_bound (self, time_from); i < self->prints->len; i++)
    {
      const PerpLiqPrint *pr = &g_array_index (self->prints, PerpLiqPrint, i);

      if (pr->time >= time_to)
        break;
      if (!(pr->side & sides) || !(pr->price >= price_lo && pr->price < price_hi))
        continue;
      q += pr->quantity;
      v += pr->price * pr->quantity;
      count++;
    }

  if (quantity != NULL)
    *quantity = q;
  if (notional != NULL)
    *notional = v;

  return count;
}

/* ------------------------------------------------------------------ queries */

static inline gboolean
range_is_valid (double price_lo,
                double price_hi)
{
  /* The span itself must be finite too, or row heights become infinite. */
  return isfinite (price_lo) && isfinite (price_hi) && price_lo < price_hi && isfinite (price_hi - price_lo);
}

/**
 * perp_liq_map_sample:
 * @time_ms: when (not before the last candle's end)
 * @price_lo: bottom of the first row
 * @price_hi: top of the last row
 * @n_rows: rows, each (@price_hi - @price_lo) / @n_rows high; row 0 is the lowest
 * @out: (array length=n_rows) (out caller-allocates): intensity per row
 *
 * One heatmap column.  A bucket that straddles a row boundary is shared between the
 * rows in proportion to the overlap (intensity is taken as uniform in a bucket), so
 * the rows add up to the intensity between @price_lo and @price_hi whatever the
 * row height.  An empty or invalid price range gives zeros.
 */
void
perp_liq_map_sample (const PerpLiqMap *self,
                     gint64            time_ms,
                     double            price_lo,
                     double            price_hi,
                     guint             n_rows,
                     PerpLiqSides      sides,
                     double           *out)
{
  double size;
  double row_h;
  double down;
  gint64 k0;
  gint64 k1;

  g_return_if_fail (self != NULL);
  g_return_if_fail (n_rows > 0);
  g_return_if_fail (out != NULL);

  for (guint r = 0; r < n_rows; r++)
    out[r] = 0.0;

  if (!range_is_valid (price_lo, price_hi) || self->n_slots == 0)
    return;

  size = self->params.bucket_size;
  row_h = (price_hi - price_lo) / n_rows;
  down = scale_down (self, time_ms);
  k0 = MAX (bucket_of (price_lo, size), self->base);
  k1 = MIN (bucket_of (price_hi, size), self->base + (gint64) self->n_slots - 1);

  for (gint64 k = k0; k <= k1; k++)
    {
      double v = slot_value (self, (guint) (k - self->base), sides);
      double a;
      double b;
      guint r0;
      guint r1;

      if (v == 0.0)
        continue;

      a = MAX ((double) k * size, price_lo);
      b = MIN ((double) (k + 1) * size, price_hi);
      if (!(b > a))
        continue;

      v *= down;
      r0 = (guint) MIN (floor ((a - price_lo) / row_h), (double) (n_rows - 1));
      r1 = (guint) MIN (floor ((b - price_lo) / row_h), (double) (n_rows - 1));
      for (guint r = r0; r <= r1; r++)
        {
          double ra = price_lo + r * row_h;
          double rb = r + 1 == n_rows ? price_hi : price_lo + (r + 1) * row_h;
          double overlap = MIN (b, rb) - MAX (a, ra);

          if (overlap > 0.0)
            out[r] += v * (overlap / size);
        }
    }
}

/**
 * perp_liq_map_sample_prints:
 * @time_from: start of the window (inclusive)
 * @time_to: end of the window (exclusive)
 * @out: (array length=n_rows) (out caller-allocates): print notional per row
 *
 * The real prints of @sides in the window, binned like perp_liq_map_sample().
 */
void
perp_liq_map_sample_prints (const PerpLiqMap *self,
                            gint64            time_from,
                            gint64            time_to,
                            double            price_lo,
                            double            price_hi,
                            guint             n_rows,
                            PerpLiqSides      sides,
                            double           *out)
{
  double row_h;

  g_return_if_fail (self != NULL);
  g_return_if_fail (n_rows > 0);
  g_return_if_fail (out != NULL);

  for (guint r = 0; r < n_rows; r++)
    out[r] = 0.0;

  if (!range_is_valid (price_lo, price_hi))
    return;

  row_h = (price_hi - price_lo) / n_rows;
  for (guint i = prints_lower_bound (self, time_from); i < self->prints->len; i++)
    {
      const PerpLiqPrint *pr = &g_array_index (self->prints, PerpLiqPrint, i);
      guint r;

      if (pr->time >= time_to)
        break;
      if (!(pr->side & sides) || !(pr->price >= price_lo && pr->price < price_hi))
        continue;
      r = (guint) MIN (floor ((pr->price - price_lo) / row_h), (double) (n_rows - 1));
      out[r] += pr->price * pr->quantity;
    }
}

/**
 * perp_liq_map_mean_intensity:
 *
 * The mean intensity of the non-empty buckets from the one holding @price_lo to the
 * one holding @price_hi, a scale for cluster thresholds ("three times the mean").
 *
 * Returns: the mean, 0 when every bucket there is empty
 */
double
perp_liq_map_mean_intensity (const PerpLiqMap *self,
                             gint64            time_ms,
                             double            price_lo,
                             double            price_hi,
                             PerpLiqSides      sides)
{
  double sum = 0.0;
  guint n = 0;
  gint64 k0;
  gint64 k1;

  g_return_val_if_fail (self != NULL, 0.0);

  if (!range_is_valid (price_lo, price_hi) || self->n_slots == 0)
    return 0.0;

  k0 = MAX (bucket_of (price_lo, self->params.bucket_size), self->base);
  k1 = MIN (bucket_of (price_hi, self->params.bucket_size), self->base + (gint64) self->n_slots - 1);
  for (gint64 k = k0; k <= k1; k++)
    {
      double v = slot_value (self, (guint) (k - self->base), sides);

      if (v != 0.0)
        sum += v, n++;
    }

  return n > 0 ? (sum / n) * scale_down (self, time_ms) : 0.0;
}

/**
 * perp_liq_map_nearest_cluster:
 * @time_ms: when (not before the last candle's end)
 * @price: the price to search from, usually the last or mark price
 * @direction: search upwards (%PERP_LIQ_ABOVE) or downwards
 * @query: what counts as dense and how far to look
 * @cluster: (out caller-allocates): the cluster found
 *
 * Walks away from @price, starting at the bucket next to the one holding it (that
 * bucket is trading now), to the first dense bucket, then extends the cluster over
 * further dense buckets as long as no more than merge_gap sparse buckets separate
 * them.  The cluster may extend past max_distance; only its start must lie within.
 *
 * Returns: %TRUE if a cluster was found
 */
gboolean
perp_liq_map_nearest_cluster (const PerpLiqMap          *self,
                              gint64                     time_ms,
                              double                     price,
                              PerpLiqDirection           direction,
                              const PerpLiqClusterQuery *query,
                              PerpLiqCluster            *cluster)
{
  double size;
  double down;
  gint64 first_slot;
  gint64 last_slot;
  gint64 step;
  gint64 start;
  gint64 limit;
  gint64 k;
  gint64 last_dense;
  gint64 lo;
  gint64 hi;
  PerpLiqCluster c = { 0, };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (cluster != NULL, FALSE);
  g_return_val_if_fail (direction == PERP_LIQ_ABOVE || direction == PERP_LIQ_BELOW, FALSE);

  if (!(isfinite (price) && price > 0.0) || !(query->threshold > 0.0)
      || !(query->max_distance >= 0.0) || self->n_slots == 0)
    return FALSE;

  size = self->params.bucket_size;
  down = scale_down (self, time_ms);
  first_slot = self->base;
  last_slot = self->base + (gint64) self->n_slots - 1;
  step = direction == PERP_LIQ_ABOVE ? 1 : -1;

  start = bucket_of (price, size) + step;
  if (direction == PERP_LIQ_ABOVE)
    {
      limit = query->max_distance > 0.0 ? bucket_of (price * (1.0 + query->max_distance), size) : last_slot;
      start = MAX (start, first_slot);
      limit = MIN (limit, last_slot);
      if (start > limit)
        return FALSE;
    }
  else
    {
      limit = query->max_distance > 0.0 ? bucket_of (price * (1.0 - query->max_distance), size) : first_slot;
      start = MIN (start, last_slot);
      limit = MAX (limit, first_slot);
      if (start < limit)
        return FALSE;
    }

  for (k = start; ; k += step)
    {
      if (slot_value (self, (guint) (k - self->base), query->sides) * down >= query->threshold)
        break;
      if (k == limit)
        return FALSE;
    }

  last_dense = k;
  for (gint64 j = k + step; j >= first_slot && j <= last_slot; j += step)
    {
      if (slot_value (self, (guint) (j - self->base), query->sides) * down >= query->threshold)
        last_dense = j;
      else if ((j - last_dense) * step > (gint64) query->merge_gap)
        break;
    }

  lo = MIN (k, last_dense);
  hi = MAX (k, last_dense);
  c.peak_intensity = -1.0;
  /* Nearest first, so that of equal peaks the nearer one is reported. */
  for (gint64 j = k; ; j += step)
    {
      guint slot = (guint) (j - self->base);
      double v = slot_value (self, slot, query->sides) * down;

      c.intensity += v;
      c.long_intensity += self->level[LONG][slot] * down;
      c.short_intensity += self->level[SHORT][slot] * down;
      if (v > c.peak_intensity)
        {
          c.peak_intensity = v;
          c.peak_price = ((double) j + 0.5) * size;
        }
      if (j == last_dense)
        break;
    }

  c.price_lo = (double) lo * size;
  c.price_hi = (double) (hi + 1) * size;
  c.n_buckets = (guint) (hi - lo + 1);
  c.distance = direction == PERP_LIQ_ABOVE ? (c.price_lo - price) / price : (price - c.price_hi) / price;

  *cluster = c;

  return TRUE;
}

/* ------------------------------------------------------------------ grid */

/**
 * perp_liq_grid_new:
 * @price_lo: bottom of row 0
 * @price_hi: top of the last row
 * @n_rows: number of rows
 * @sides: which modelled liquidations (and prints) the grid shows
 *
 * A price × time heatmap, filled one column per closed candle by
 * perp_liq_grid_append_column().  Row r covers
 * [@price_lo + r·h, @price_lo + (r+1)·h) with h = (@price_hi - @price_lo) / @n_rows.
 *
 * Returns: (transfer full): an empty grid
 */
PerpLiqGrid *
perp_liq_grid_new (double       price_lo,
                   double       price_hi,
                   guint        n_rows,
                   PerpLiqSides sides)
{
  PerpLiqGrid *self;

  g_return_val_if_fail (range_is_valid (price_lo, price_hi), NULL);
  g_return_val_if_fail (n_rows > 0, NULL);
  g_return_val_if_fail ((sides & ~PERP_LIQ_SIDE_BOTH) == 0 && sides != 0, NULL);

  self = g_new0 (PerpLiqGrid, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->price_lo = price_lo;
  self->price_hi = price_hi;
  self->n_rows = n_rows;
  self->sides = sides;

  return self;
}

/**
 * perp_liq_grid_ref:
 *
 * Returns: (transfer full): @self
 */
PerpLiqGrid *
perp_liq_grid_ref (PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
perp_liq_grid_unref (PerpLiqGrid *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->times);
  g_free (self->cells);
  g_free (self->prints);
  g_free (self);
}

guint
perp_liq_grid_get_n_rows (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_rows;
}

guint
perp_liq_grid_get_n_columns (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_columns;
}

double
perp_liq_grid_get_price_lo (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->price_lo;
}

double
perp_liq_grid_get_price_hi (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->price_hi;
}

PerpLiqSides
perp_liq_grid_get_sides (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sides;
}

/**
 * perp_liq_grid_get_times:
 *
 * Returns: (transfer none) (nullable): the open time of each column's candle; valid
 *   until the next column is appended
 */
const gint64 *
perp_liq_grid_get_times (const PerpLiqGrid *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->times;
}

/**
 * perp_liq_grid_get_column:
 *
 * Returns: (transfer none) (array): the n_rows modelled intensities of @column, row 0
 *   lowest; valid until the next column is appended
 */
const double *
perp_liq_grid_get_column (const PerpLiqGrid *self,
                          guint              column)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);

  return self->cells + (gsize) column * self->n_rows;
}

/**
 * perp_liq_grid_get_prints_column:
 *
 * Returns: (transfer none) (array): the n_rows print notionals of @column
 */
const double *
perp_liq_grid_get_prints_column (const PerpLiqGrid *self,
                                 guint              column)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);

  return self->prints + (gsize) column * self->n_rows;
}

/**
 * perp_liq_grid_append_column:
 * @map: the map, just after the candle was added to it
 * @open_time: the candle's open time (the column's time)
 * @end_time: its end (open time + interval)
 *
 * Appends the map's state at @end_time and the prints in [@open_time, @end_time).
 * Only this column is computed; earlier ones are never touched again.
 *
 * Returns: %FALSE (appending nothing) if @open_time is not after the last column's
 */
gboolean
perp_liq_grid_append_column (PerpLiqGrid      *self,
                             const PerpLiqMap *map,
                             gint64            open_time,
                             gint64            end_time)
{
  gsize offset;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (map != NULL, FALSE);
  g_return_val_if_fail (end_time > open_time, FALSE);

  if (self->n_columns > 0 && open_time <= self->times[self->n_columns - 1])
    return FALSE;

  if (self->n_columns == self->capacity)
    {
      self->capacity = MAX (64, self->capacity * 2);
      self->times = g_renew (gint64, self->times, self->capacity);
      self->cells = g_renew (double, self->cells, (gsize) self->capacity * self->n_rows);
      self->prints = g_renew (double, self->prints, (gsize) self->capacity * self->n_rows);
    }

  offset = (gsize) self->n_columns * self->n_rows;
  self->times[self->n_columns] = open_time;
  perp_liq_map_sample (map, end_time, self->price_lo, self->price_hi, self->n_rows, self->sides,
                       self->cells + offset);
  perp_liq_map_sample_prints (map, open_time, end_time, self->price_lo, self->price_hi, self->n_rows,
                              self->sides, self->prints + offset);
  self->n_columns++;

  return TRUE;
}
