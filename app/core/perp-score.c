/* perp-score.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "perp-score.h"
#include "perp-score-private.h"

G_DEFINE_QUARK (perp-score-error-quark, perp_score_error)

#define SECOND_MS G_GINT64_CONSTANT (1000)
#define MINUTE_MS (60 * SECOND_MS)
#define HOUR_MS   (60 * MINUTE_MS)

/* Default weights: structure (ICT, pools, killzone) carries about 40 %, flow and
 * positioning (book, flow, OI, funding, liquidations) 40 %, indicators and the higher
 * timeframe 20 %.  Stale/missing ages follow how often each source updates: the book
 * every 100 ms, trades continuously, OI when polled (5 min), funding every 8 h. */
static const struct
{
  const char *name;
  const char *title;
  double      weight;
  gint64      stale_after_ms;
  gint64      missing_after_ms;
} factor_info[PERP_N_FACTORS] = {
  [PERP_FACTOR_LIQUIDITY_POOLS]  = { "liquidity_pools", N_("Liquidity pools"), 0.12, 0, 0 },
  [PERP_FACTOR_LIQUIDATIONS]     = { "liquidations", N_("Liquidation clusters"), 0.08, 30 * MINUTE_MS, 6 * HOUR_MS },
  [PERP_FACTOR_ICT]              = { "ict", N_("ICT confluence"), 0.22, 0, 0 },
  [PERP_FACTOR_KILLZONE]         = { "killzone", N_("Killzone"), 0.05, 0, 0 },
  [PERP_FACTOR_ORDER_BOOK]       = { "order_book", N_("Order book"), 0.08, 10 * SECOND_MS, 2 * MINUTE_MS },
  [PERP_FACTOR_ORDER_FLOW]       = { "order_flow", N_("Order flow"), 0.12, 2 * MINUTE_MS, 30 * MINUTE_MS },
  [PERP_FACTOR_OPEN_INTEREST]    = { "open_interest", N_("Open interest"), 0.08, 15 * MINUTE_MS, 2 * HOUR_MS },
  [PERP_FACTOR_FUNDING]          = { "funding", N_("Funding"), 0.05, 9 * HOUR_MS, 25 * HOUR_MS },
  [PERP_FACTOR_TECHNICAL]        = { "technical", N_("Technical"), 0.12, 0, 0 },
  [PERP_FACTOR_HIGHER_TIMEFRAME] = { "higher_timeframe", N_("Higher timeframe"), 0.08, 0, 0 },
};

/* ICT's killzones by the names of perp_structure_config_init(), strongest where the
 * two big sessions overlap. */
static const struct
{
  const char *name;
  const char *title;
  double      boost;
} killzone_info[] = {
  { "asian",             N_("the Asian session"),      0.2 },
  { "london-open",       N_("the London open"),        0.7 },
  { "new-york-open",     N_("the New York open"),      0.7 },
  { "london-close",      N_("the London close"),       0.4 },
  { "london-ny-overlap", N_("the London/NY overlap"),  1.0 },
};

static inline double
clampd (double x,
        double lo,
        double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static inline double
signd (double x)
{
  return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}

/* ---------------------------------------------------------------- parameters */

void
perp_score_params_init (PerpScoreParams *params)
{
  PerpStructureConfig structure;

  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      params->weights[f] = factor_info[f].weight;
      params->stale_after_ms[f] = factor_info[f].stale_after_ms;
      params->missing_after_ms[f] = factor_info[f].missing_after_ms;
    }
  params->stale_trust = 0.5;
  params->tier_high = 80.0;
  params->tier_medium = 65.0;
  params->tier_low = 55.0;
  params->mtf_multiplier = 0.25;

  perp_structure_config_init (&structure);
  for (guint k = 0; k < structure.n_killzones; k++)
    for (guint i = 0; i < G_N_ELEMENTS (killzone_info); i++)
      if (g_strcmp0 (structure.killzones[k].name, killzone_info[i].name) == 0)
        params->killzone_boost[k] = killzone_info[i].boost;

  params->sweep_lookback = 12;
  params->pool_max_distance = 0.03;
  params->break_lookback = 24;
  params->fib_tolerance = 0.03;
  params->flow_window_ms = 15 * MINUTE_MS;
  params->divergence_lookback = 3;
  params->oi_window_ms = HOUR_MS;
  params->oi_full_change_pct = 2.0;
  params->volume_average = 20;
  params->volume_spike = 2.0;
  params->book_band = 1;
  params->htf_interval = PERP_INTERVAL_UNKNOWN;
}

/**
 * perp_score_params_check:
 *
 * Checks every field and normalises the weights to sum 1.  Messages name the keys of
 * the configuration file (see data/perpscope.example.yaml).
 */
gboolean
perp_score_params_check (PerpScoreParams  *params,
                         GError          **error)
{
  double total = 0.0;

#define PARAMS_FAIL(...) \
  G_STMT_START { \
    g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  g_return_val_if_fail (params != NULL, FALSE);

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      if (!(params->weights[f] >= 0.0 && params->weights[f] <= 1000.0))
        PARAMS_FAIL (_("score.weights.%s must be a number from 0 to 1000 (got %g)"),
                     factor_info[f].name, params->weights[f]);
      if (params->stale_after_ms[f] < 0 || params->missing_after_ms[f] < 0)
        PARAMS_FAIL (_("score.stale_after.%s and score.missing_after.%s must not be negative"),
                     factor_info[f].name, factor_info[f].name);
      if (params->stale_after_ms[f] > 0 && params->missing_after_ms[f] > 0
          && params->missing_after_ms[f] < params->stale_after_ms[f])
        PARAMS_FAIL (_("score.missing_after.%s must not be shorter than score.stale_after.%s"),
                     factor_info[f].name, factor_info[f].name);
      total += params->weights[f];
    }
  if (!(total > 0.0))
    PARAMS_FAIL (_("score.weights are all zero: at least one factor must count"));

  if (!(params->stale_trust >= 0.0 && params->stale_trust <= 1.0))
    PARAMS_FAIL (_("score.stale_trust must be from 0 to 1 (got %g)"), params->stale_trust);
  if (!(params->tier_low > 50.0 && params->tier_low <= params->tier_medium
        && params->tier_medium <= params->tier_high && params->tier_high <= 100.0))
    PARAMS_FAIL (_("score tiers must satisfy 50 < score.tier_low <= score.tier_medium <= "
                   "score.tier_high <= 100 (got %g, %g, %g)"),
                 params->tier_low, params->tier_medium, params->tier_high);
  if (!(params->mtf_multiplier >= 0.0 && params->mtf_multiplier <= 1.0))
    PARAMS_FAIL (_("score.mtf_multiplier must be from 0 to 1 (got %g)"), params->mtf_multiplier);
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    if (!(params->killzone_boost[k] >= 0.0 && params->killzone_boost[k] <= 1.0))
      PARAMS_FAIL (_("sessions.killzones[%u].boost must be from 0 to 1 (got %g)"),
                   k, params->killzone_boost[k]);
  if (params->sweep_lookback < 1 || params->break_lookback < 1
      || params->divergence_lookback < 1 || params->volume_average < 2)
    PARAMS_FAIL (_("score.sweep_lookback, score.break_lookback and score.divergence_lookback "
                   "must be at least 1 and score.volume_average at least 2"));
  if (!(params->pool_max_distance > 0.0 && params->pool_max_distance <= 1.0))
    PARAMS_FAIL (_("score.pool_max_distance must be above 0 and at most 1 (got %g)"),
                 params->pool_max_distance);
  if (!(params->fib_tolerance >= 0.0 && params->fib_tolerance < 0.5))
    PARAMS_FAIL (_("score.fib_tolerance must be from 0 to 0.5 (got %g)"), params->fib_tolerance);
  if (params->flow_window_ms <= 0 || params->oi_window_ms <= 0)
    PARAMS_FAIL (_("score.flow_window and score.oi_window must be positive durations"));
  if (!(params->oi_full_change_pct > 0.0) || !(params->volume_spike > 1.0))
    PARAMS_FAIL (_("score.oi_full_change_pct must be above 0 and score.volume_spike above 1"));
  if (params->book_band >= PERP_BOOK_N_BANDS)
    PARAMS_FAIL (_("score.book_band must be below %u (got %u)"), PERP_BOOK_N_BANDS, params->book_band);

#undef PARAMS_FAIL

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    params->weights[f] /= total;

  return TRUE;
}

PerpInterval
perp_score_default_htf (PerpInterval signal)
{
  /* One step up that a trader would call "the higher timeframe": about 4-12x. */
  switch (signal)
    {
    case PERP_INTERVAL_1M:
    case PERP_INTERVAL_3M:
      return PERP_INTERVAL_15M;
    case PERP_INTERVAL_5M:
      return PERP_INTERVAL_1H;
    case PERP_INTERVAL_15M:
    case PERP_INTERVAL_30M:
    case PERP_INTERVAL_1H:
      return PERP_INTERVAL_4H;
    case PERP_INTERVAL_2H:
    case PERP_INTERVAL_4H:
    case PERP_INTERVAL_6H:
    case PERP_INTERVAL_8H:
    case PERP_INTERVAL_12H:
      return PERP_INTERVAL_1D;
    case PERP_INTERVAL_1D:
      return PERP_INTERVAL_1W;
    case PERP_INTERVAL_UNKNOWN:
    case PERP_INTERVAL_1W:
    case PERP_N_INTERVALS:
    default:
      return PERP_INTERVAL_UNKNOWN;
    }
}

/* ------------------------------------------------------------------- reasons */

static void
reason_set (PerpReason   *reason,
            PerpReasonId  id,
            int           side,
            const char   *text,
            guint         n_args,
            ...)
{
  va_list ap;

  reason->id = id;
  reason->side = side;
  reason->text = text;
  reason->n_args = MIN (n_args, PERP_REASON_MAX_ARGS);
  memset (reason->args, 0, sizeof reason->args);
  va_start (ap, n_args);
  for (guint i = 0; i < reason->n_args; i++)
    reason->args[i] = va_arg (ap, double);
  va_end (ap);
}

/* ------------------------------------------------------------ shared reading */

/* What all factors read once per score. */
typedef struct
{
  const PerpScoreParams *params;
  const PerpScoreInputs *in;
  gint64                 interval_ms;
  guint                  n;          /* closed candles usable at now */
  gint64                 last_time;  /* open time of the last of them */
  double                 price;
  double                 open;
  double                 volume;
  double                 atr;
  PerpStructureReading   reading;
  gboolean               have_structure;
  gint64                 structure_age;
  gboolean               have_htf;    /* a higher timeframe with at least one candle */
  PerpInterval           htf_interval;
  gint64                 htf_interval_ms;
  PerpStructureReading   htf_reading;
} Context;

static gint64
age_to_state (const PerpScoreParams *params,
              PerpFactor             factor,
              gint64                 age,
              PerpFactorScore       *out)
{
  out->age_ms = MAX (age, 0);
  if (params->missing_after_ms[factor] > 0 && age > params->missing_after_ms[factor])
    out->state = PERP_DATA_MISSING;
  else if (params->stale_after_ms[factor] > 0 && age > params->stale_after_ms[factor])
    out->state = PERP_DATA_STALE;
  else
    out->state = PERP_DATA_FRESH;
  return age;
}

static void
set_missing (PerpFactorScore *out,
             const char      *why)
{
  out->state = PERP_DATA_MISSING;
  out->value = 0.0;
  out->age_ms = -1;
  reason_set (&out->reason, PERP_REASON_MISSING, 0, why, 0);
}

static inline gboolean
object_is_high_pool (const PerpStructureObject *o)
{
  return _perp_object_is_pool (o, 1);
}

static inline gboolean
object_is_low_pool (const PerpStructureObject *o)
{
  return _perp_object_is_pool (o, -1);
}

/* ------------------------------------------------------------ liquidity pools */

static void
score_liquidity_pools (const Context   *ctx,
                       PerpFactorScore *out)
{
  const PerpStructureObject *objects;
  const PerpStructureLiveObject *pools;
  const PerpStructureLiveObject *above = NULL;
  const PerpStructureLiveObject *below = NULL;
  const PerpStructureObject *swept = NULL;
  const guint *ids;
  gint64 sweep_from;
  guint n_ids;
  double max_gap;
  double draw = 0.0;
  double sweep = 0.0;
  gint64 sweep_bars = 0;

  if (!ctx->have_structure)
    {
      set_missing (out, factor_info[PERP_FACTOR_LIQUIDITY_POOLS].title);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_LIQUIDITY_POOLS, ctx->structure_age, out);

  objects = perp_structure_get_objects (ctx->in->structure, NULL);
  max_gap = ctx->params->pool_max_distance * ctx->price;
  sweep_from = ctx->last_time - (gint64) (ctx->params->sweep_lookback - 1) * ctx->interval_ms;

  /* A sweep takes the pool: the recent ones are among the objects that ended lately,
   * in the order they ended (the latest wins; on a tie the later formed). */
  ids = perp_structure_get_ended (ctx->in->structure, sweep_from, &n_ids);
  for (guint k = 0; k < n_ids; k++)
    {
      const PerpStructureObject *o = &objects[ids[k]];
      gint64 swept_at = o->event_time[PERP_STRUCTURE_EVENT_SWEPT];

      if ((object_is_high_pool (o) || object_is_low_pool (o))
          && swept_at >= sweep_from && swept_at <= ctx->last_time)
        swept = o;
    }

  /* The structure engine has seen no candle after last_time (checked when the context
   * was made): what is live now was live then.  The nearest pool on each side within
   * reach, the earliest formed on a tie. */
  pools = perp_structure_get_live_set (ctx->in->structure, PERP_STRUCTURE_LIVE_HIGH_POOLS, &n_ids);
  for (guint k = 0; k < n_ids; k++)
    {
      const PerpStructureLiveObject *o = &pools[k];

      if (o->bottom > ctx->price && o->bottom - ctx->price <= max_gap
          && (above == NULL || o->bottom < above->bottom))
        above = o;
    }
  pools = perp_structure_get_live_set (ctx->in->structure, PERP_STRUCTURE_LIVE_LOW_POOLS, &n_ids);
  for (guint k = 0; k < n_ids; k++)
    {
      const PerpStructureLiveObject *o = &pools[k];

      if (o->top < ctx->price && ctx->price - o->top <= max_gap
          && (below == NULL || o->top > below->top))
        below = o;
    }

  if (above != NULL || below != NULL)
    {
      double pull_above = above != NULL ? 1.0 / MAX (above->bottom - ctx->price, 1e-12) : 0.0;
      double pull_below = below != NULL ? 1.0 / MAX (ctx->price - below->top, 1e-12) : 0.0;

      draw = (pull_above - pull_below) / (pull_above + pull_below);
    }

  /* The value: a sweep of sell-side liquidity (lows) that closed back above is a stop
   * hunt before a move up, of buy-side liquidity before a move down, fading over the
   * lookback (0.6); the draw to the nearer untested pool (0.4, or 0.5 alone). */
  if (swept != NULL)
    {
      sweep_bars = (ctx->last_time - swept->event_time[PERP_STRUCTURE_EVENT_SWEPT]) / ctx->interval_ms;
      sweep = (object_is_low_pool (swept) ? 1.0 : -1.0)
              * (1.0 - (double) sweep_bars / (double) ctx->params->sweep_lookback);
      out->value = clampd (0.6 * sweep + 0.4 * draw, -1.0, 1.0);
    }
  else
    out->value = 0.5 * draw;

  /* The reason: whichever part pushes the way the value does. */
  if (swept != NULL && signd (sweep) == signd (out->value))
    reason_set (&out->reason,
                sweep > 0 ? PERP_REASON_POOL_SWEPT_LOWS : PERP_REASON_POOL_SWEPT_HIGHS,
                sweep > 0 ? 1 : -1, NULL, 2, swept->top, (double) sweep_bars);
  else if (above != NULL || below != NULL)
    {
      gboolean up = draw >= 0.0;
      const PerpStructureLiveObject *near = up ? above : below;
      double level = up ? near->bottom : near->top;

      reason_set (&out->reason, up ? PERP_REASON_POOL_DRAW_ABOVE : PERP_REASON_POOL_DRAW_BELOW,
                  up ? 1 : -1, NULL, 2, level, fabs (level - ctx->price) / ctx->price * 100.0);
    }
  else
    reason_set (&out->reason, PERP_REASON_POOL_NONE, 0, NULL, 1,
                ctx->params->pool_max_distance * 100.0);
}

/* ------------------------------------------------------ liquidation clusters */

static void
score_liquidations (const Context   *ctx,
                    PerpFactorScore *out)
{
  const PerpLiqMap *map = ctx->in->liq_map;
  PerpLiqClusterQuery query;
  PerpLiqCluster above;
  PerpLiqCluster below;
  gboolean have_above;
  gboolean have_below;
  double mean;
  gint64 map_time;

  if (map == NULL || perp_liq_map_get_n_candles (map) == 0)
    {
      set_missing (out, factor_info[PERP_FACTOR_LIQUIDATIONS].title);
      return;
    }
  map_time = perp_liq_map_get_time (map);
  age_to_state (ctx->params, PERP_FACTOR_LIQUIDATIONS, ctx->in->now - map_time, out);
  if (out->state == PERP_DATA_MISSING)
    {
      out->value = 0.0;
      reason_set (&out->reason, PERP_REASON_MISSING, 0,
                  factor_info[PERP_FACTOR_LIQUIDATIONS].title, 0);
      return;
    }

  /* Dense = three times the mean intensity of the band around price we look at. */
  mean = perp_liq_map_mean_intensity (map, map_time,
                                      ctx->price * (1.0 - ctx->params->pool_max_distance),
                                      ctx->price * (1.0 + ctx->params->pool_max_distance),
                                      PERP_LIQ_SIDE_BOTH);
  query.threshold = 3.0 * mean;
  query.merge_gap = 2;
  query.max_distance = ctx->params->pool_max_distance;
  query.sides = PERP_LIQ_SIDE_BOTH;

  have_above = mean > 0.0
               && perp_liq_map_nearest_cluster (map, map_time, ctx->price, PERP_LIQ_ABOVE, &query, &above);
  have_below = mean > 0.0
               && perp_liq_map_nearest_cluster (map, map_time, ctx->price, PERP_LIQ_BELOW, &query, &below);

  if (have_above || have_below)
    {
      /* Price is drawn to the bigger pile of stops per unit of distance. */
      double pull_above = have_above ? above.intensity / MAX (above.distance, 1e-6) : 0.0;
      double pull_below = have_below ? below.intensity / MAX (below.distance, 1e-6) : 0.0;
      gboolean up;
      const PerpLiqCluster *c;

      out->value = (pull_above - pull_below) / (pull_above + pull_below);
      up = out->value >= 0.0;
      c = up ? &above : &below;
      reason_set (&out->reason, up ? PERP_REASON_LIQ_CLUSTER_ABOVE : PERP_REASON_LIQ_CLUSTER_BELOW,
                  up ? 1 : -1, NULL, 4, c->price_lo, c->price_hi, c->distance * 100.0, c->intensity);
    }
  else
    {
      out->value = 0.0;
      reason_set (&out->reason, PERP_REASON_LIQ_NONE, 0, NULL, 1,
                  ctx->params->pool_max_distance * 100.0);
    }
}

/* ------------------------------------------------------------ ICT confluence */

typedef struct
{
  double                     value;
  const PerpStructureObject *block;   /* order block or breaker price is in */
  const PerpStructureObject *gap;     /* FVG price is in */
  const PerpStructureObject *brk;     /* recent BOS/CHoCH */
  guint                      brk_bars;
  int                        trend;
  gboolean                   at_fib;
  PerpStructureZone          zone;
  double                     zone_position;
} IctReading;

static void
read_ict (const PerpScoreParams      *params,
          const PerpStructure        *structure,
          const PerpStructureReading *reading,
          double                      price,
          gint64                      interval_ms,
          IctReading                 *ict)
{
  const PerpStructureObject *objects;
  const PerpStructureLeg *leg = &reading->leg;
  gint64 now = reading->time;
  gint64 break_from = now - (gint64) (params->break_lookback - 1) * interval_ms;
  const PerpStructureLiveObject *zones;
  const PerpStructureLiveObject *block = NULL;
  const PerpStructureLiveObject *gap = NULL;
  guint n_zones;
  guint n_objects;
  double value = 0.0;

  memset (ict, 0, sizeof *ict);
  objects = perp_structure_get_objects (structure, &n_objects);

  /* The zones at price among those still live (the engine's last candle is @now); the
   * latest formed wins: looked for from the latest back. */
  zones = perp_structure_get_live_set (structure, PERP_STRUCTURE_LIVE_ZONES, &n_zones);
  for (guint k = n_zones; k > 0 && (block == NULL || gap == NULL); k--)
    {
      const PerpStructureLiveObject *z = &zones[k - 1];

      if (!(price >= z->bottom && price <= z->top))
        continue;
      if (z->kind == PERP_STRUCTURE_FVG)
        gap = gap != NULL ? gap : z;
      else
        block = block != NULL ? block : z; /* an order block or a breaker */
    }
  ict->block = block != NULL ? &objects[block->id] : NULL;
  ict->gap = gap != NULL ? &objects[gap->id] : NULL;

  /* The latest break, if recent: objects are in formed order. */
  for (guint k = n_objects; k > 0 && objects[k - 1].formed_at >= break_from; k--)
    if (objects[k - 1].kind == PERP_STRUCTURE_BOS || objects[k - 1].kind == PERP_STRUCTURE_CHOCH)
      {
        ict->brk = &objects[k - 1];
        break;
      }

  ict->trend = reading->trend[PERP_STRUCTURE_DEPTH_SWING] != 0
               ? reading->trend[PERP_STRUCTURE_DEPTH_SWING]
               : reading->trend[PERP_STRUCTURE_DEPTH_INTERNAL];
  value += 0.2 * ict->trend;
  if (ict->brk != NULL)
    {
      ict->brk_bars = (guint) ((now - ict->brk->formed_at) / interval_ms);
      value += 0.15 * ict->brk->direction;
    }
  if (ict->block != NULL)
    value += 0.25 * ict->block->direction;
  if (ict->gap != NULL)
    value += 0.15 * ict->gap->direction;

  /* An up leg retracing into 0.5-0.79 (the "optimal trade entry") is a long setup. */
  if (leg->direction != 0 && leg->n_levels > 0)
    {
      double lo = leg->ratios[0] - params->fib_tolerance;
      double hi = leg->ratios[leg->n_levels - 1] + params->fib_tolerance;

      if (leg->retracement >= lo && leg->retracement <= hi)
        {
          ict->at_fib = TRUE;
          value += 0.1 * leg->direction;
        }
    }

  ict->zone = reading->zone;
  if (reading->range_top > reading->range_bottom)
    ict->zone_position = (price - reading->range_bottom) / (reading->range_top - reading->range_bottom);
  if (reading->zone == PERP_STRUCTURE_ZONE_DISCOUNT)
    value += 0.15;
  else if (reading->zone == PERP_STRUCTURE_ZONE_PREMIUM)
    value -= 0.15;

  ict->value = clampd (value, -1.0, 1.0);
}

/* The reason names the most specific thing at price that pushes the way the factor's
 * value (@side) does; when only the higher timeframe does, it says so. */
static void
ict_reason (const IctReading           *ict,
            const PerpStructureReading *reading,
            int                         side,
            const char                 *htf_name,
            PerpReason                 *reason)
{

  /* The most specific thing at price that agrees with the reading. */
  if (ict->block != NULL && ict->block->direction == side)
    reason_set (reason, PERP_REASON_ICT_IN_ORDER_BLOCK, side,
                ict->block->kind == PERP_STRUCTURE_BREAKER ? "breaker" : "order-block",
                2, ict->block->bottom, ict->block->top);
  else if (ict->gap != NULL && ict->gap->direction == side)
    reason_set (reason, PERP_REASON_ICT_IN_FVG, side, NULL, 2, ict->gap->bottom, ict->gap->top);
  else if (ict->brk != NULL && ict->brk->direction == side)
    reason_set (reason, PERP_REASON_ICT_AFTER_BREAK, side,
                ict->brk->kind == PERP_STRUCTURE_CHOCH ? "CHoCH" : "BOS",
                2, ict->brk->top, (double) ict->brk_bars);
  else if (ict->at_fib && reading->leg.direction == side)
    reason_set (reason, PERP_REASON_ICT_AT_FIB, side, NULL, 3,
                reading->leg.retracement * 100.0, reading->leg.anchor, reading->leg.extreme);
  else if ((ict->zone == PERP_STRUCTURE_ZONE_DISCOUNT && side > 0)
           || (ict->zone == PERP_STRUCTURE_ZONE_PREMIUM && side < 0))
    reason_set (reason, PERP_REASON_ICT_ZONE, side, NULL, 1, ict->zone_position * 100.0);
  else if (ict->trend != 0 && ict->trend == side)
    reason_set (reason, PERP_REASON_ICT_TREND, ict->trend, NULL, 0);
  else if (side != 0 && htf_name != NULL)
    reason_set (reason, PERP_REASON_ICT_HIGHER_TF, side, htf_name, 0);
  else
    reason_set (reason, PERP_REASON_ICT_NONE, 0, NULL, 0);
}

static void
score_ict (const Context   *ctx,
           PerpFactorScore *out,
           double          *signal_value)
{
  IctReading ict;

  *signal_value = 0.0;
  if (!ctx->have_structure)
    {
      set_missing (out, factor_info[PERP_FACTOR_ICT].title);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_ICT, ctx->structure_age, out);

  read_ict (ctx->params, ctx->in->structure, &ctx->reading, ctx->price, ctx->interval_ms, &ict);
  *signal_value = ict.value;
  out->value = ict.value;

  /* One higher timeframe: its structure counts for 30 %. */
  if (ctx->have_htf)
    {
      IctReading htf;

      read_ict (ctx->params, ctx->in->htf_structure, &ctx->htf_reading, ctx->price,
                ctx->htf_interval_ms, &htf);
      out->value = clampd (0.7 * ict.value + 0.3 * htf.value, -1.0, 1.0);
    }

  ict_reason (&ict, &ctx->reading, (int) signd (out->value),
              ctx->have_htf ? perp_interval_to_string (ctx->htf_interval) : NULL,
              &out->reason);
}

/* ----------------------------------------------------------------- killzone */

static const char *
killzone_title (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (killzone_info); i++)
    if (g_strcmp0 (name, killzone_info[i].name) == 0)
      return killzone_info[i].title;
  return name;
}

static void
score_killzone (const Context   *ctx,
                double           structure_value,
                PerpFactorScore *out)
{
  const PerpStructureConfig *config;
  const PerpStructureSession *best = NULL;
  double boost = 0.0;

  if (!ctx->have_structure)
    {
      set_missing (out, factor_info[PERP_FACTOR_KILLZONE].title);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_KILLZONE, ctx->structure_age, out);
  config = perp_structure_get_config (ctx->in->structure);

  for (guint s = 0; s < ctx->reading.n_sessions; s++)
    {
      const PerpStructureSession *session = &ctx->reading.sessions[s];
      guint k;

      if (session->source < PERP_STRUCTURE_SOURCE_KILLZONE || !session->in_window)
        continue;
      k = session->source - PERP_STRUCTURE_SOURCE_KILLZONE;
      if (k < PERP_STRUCTURE_MAX_KILLZONES && (best == NULL || ctx->params->killzone_boost[k] > boost))
        {
          best = session;
          boost = ctx->params->killzone_boost[k];
        }
    }

  if (best == NULL)
    {
      out->value = 0.0;
      reason_set (&out->reason, PERP_REASON_KILLZONE_NONE, 0, NULL, 0);
      return;
    }

  /* A session carries no direction of its own: it makes the structure reading, when
   * there is one, more likely to play out. */
  out->value = boost * signd (structure_value);
  reason_set (&out->reason, PERP_REASON_KILLZONE_ACTIVE, (int) signd (structure_value),
              killzone_title (config->killzones[best->source - PERP_STRUCTURE_SOURCE_KILLZONE].name),
              1, boost);
}

/* --------------------------------------------------------------- order book */

static void
score_order_book (const Context   *ctx,
                  PerpFactorScore *out)
{
  const PerpBookMetrics *book = ctx->in->book;
  const PerpBookBand *band;
  double bid_pull = 0.0;
  double ask_pull = 0.0;
  const PerpBookWall *bid_wall = NULL;
  const PerpBookWall *ask_wall = NULL;
  double walls = 0.0;
  double imbalance;

  if (book == NULL)
    {
      set_missing (out, factor_info[PERP_FACTOR_ORDER_BOOK].title);
      return;
    }
  if (book->event_time > ctx->in->now)
    {
      /* Refused earlier by perp_score_compute(); kept as a guard. */
      set_missing (out, factor_info[PERP_FACTOR_ORDER_BOOK].title);
      return;
    }
  if (book->health != PERP_BOOK_HEALTH_OK)
    {
      out->state = PERP_DATA_MISSING;
      out->value = 0.0;
      out->age_ms = ctx->in->now - book->event_time;
      reason_set (&out->reason, PERP_REASON_BOOK_UNHEALTHY, 0,
                  (book->health & PERP_BOOK_HEALTH_CROSSED) ? "crossed"
                  : (book->health & PERP_BOOK_HEALTH_NOT_SYNCED) ? "not-synced"
                  : (book->health & PERP_BOOK_HEALTH_EMPTY_SIDE) ? "empty-side" : "stale", 0);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_ORDER_BOOK, ctx->in->now - book->event_time, out);
  if (out->state == PERP_DATA_MISSING)
    {
      reason_set (&out->reason, PERP_REASON_MISSING, 0, factor_info[PERP_FACTOR_ORDER_BOOK].title, 0);
      return;
    }

  band = &book->bands[ctx->params->book_band];
  imbalance = isfinite (band->nobi) ? band->nobi : book->nobi_top;
  if (!isfinite (imbalance))
    imbalance = 0.0;

  /* Walls near price: support below (bids), resistance above (asks), stronger when
   * bigger and closer. */
  for (guint w = 0; w < book->n_walls; w++)
    {
      const PerpBookWall *wall = &book->walls[w];
      double pull = wall->notional / MAX (fabs (wall->distance), 1e-6);

      if (wall->side == PERP_BOOK_BID)
        {
          bid_pull += pull;
          if (bid_wall == NULL || fabs (wall->distance) < fabs (bid_wall->distance))
            bid_wall = wall;
        }
      else
        {
          ask_pull += pull;
          if (ask_wall == NULL || fabs (wall->distance) < fabs (ask_wall->distance))
            ask_wall = wall;
        }
    }
  if (bid_pull + ask_pull > 0.0)
    walls = (bid_pull - ask_pull) / (bid_pull + ask_pull);

  out->value = clampd (0.7 * imbalance + 0.3 * walls, -1.0, 1.0);

  if (fabs (0.3 * walls) > fabs (0.7 * imbalance) && (bid_wall != NULL || ask_wall != NULL))
    {
      const PerpBookWall *wall = walls > 0 ? bid_wall : ask_wall;

      reason_set (&out->reason, PERP_REASON_BOOK_WALL, walls > 0 ? 1 : -1, NULL, 4,
                  wall->qty, wall->price, wall->multiple, fabs (wall->distance) * 100.0);
    }
  else
    {
      double share = imbalance >= 0 ? (1.0 + imbalance) / 2.0 : (1.0 - imbalance) / 2.0;

      reason_set (&out->reason, PERP_REASON_BOOK_IMBALANCE, imbalance >= 0 ? 1 : -1, NULL, 2,
                  share * 100.0, band->fraction * 100.0);
    }
}

/* --------------------------------------------------------------- order flow */

static void
score_order_flow (const Context   *ctx,
                  PerpFactorScore *out)
{
  const PerpScoreParams *params = ctx->params;
  const PerpCandles *candles = ctx->in->candles;
  double aggression;
  double trend = 0.0;
  double large = 0.0;
  double divergence = 0.0;
  double buy = 0.0;
  double sell = 0.0;
  double large_buy = 0.0;
  double large_sell = 0.0;
  double minutes;
  double trend_minutes = (double) params->flow_window_ms / MINUTE_MS;
  gboolean have_large = FALSE;

  if (ctx->in->flow != NULL && perp_trade_flow_get_n_bars (ctx->in->flow) > 0)
    {
      PerpTradeFlow *flow = ctx->in->flow;
      guint n_bars = perp_trade_flow_get_n_bars (flow);
      const PerpFlowBar *last = perp_trade_flow_get_bar (flow, n_bars - 1);
      gint64 from = ctx->in->now - params->flow_window_ms;
      double cvd_from = NAN;
      double cvd_to = NAN;      /* CVD at the close of the last bar closed by now */
      double volume = 0.0;
      gint64 bar_ms = perp_trade_flow_get_bar_ms (flow);
      age_to_state (params, PERP_FACTOR_ORDER_FLOW, ctx->in->now - (last->open_time + bar_ms), out);
      if (out->state == PERP_DATA_MISSING)
        {
          reason_set (&out->reason, PERP_REASON_MISSING, 0, factor_info[PERP_FACTOR_ORDER_FLOW].title, 0);
          return;
        }

      /* Closed bars inside the window; the forming bar is not read (its trades after
       * now may already be in it when the flow runs ahead of the candles). */
      for (guint b = n_bars; b > 0; b--)
        {
          const PerpFlowBar *bar = perp_trade_flow_get_bar (flow, b - 1);

          if (bar->open_time + bar_ms > ctx->in->now)
            continue;
          if (bar->open_time < from)
            break;
          buy += bar->buy_volume;
          sell += bar->sell_volume;
          large_buy += bar->large_buy_volume;
          large_sell += bar->large_sell_volume;
          volume += bar->buy_volume + bar->sell_volume;
          cvd_from = bar->cvd - bar->delta;
          cvd_to = isfinite (cvd_to) ? cvd_to : bar->cvd;
          if (divergence == 0.0 && bar->divergence != PERP_FLOW_DIVERGENCE_NONE
              && bar->open_time >= ctx->in->now - (gint64) params->divergence_lookback * bar_ms)
            divergence = bar->divergence == PERP_FLOW_DIVERGENCE_BULLISH ? 1.0 : -1.0;
        }
      if (volume > 0.0 && isfinite (cvd_from))
        trend = clampd (2.0 * (cvd_to - cvd_from) / volume, -1.0, 1.0);
      have_large = large_buy + large_sell > 0.0;
      if (have_large)
        large = (large_buy - large_sell) / (large_buy + large_sell);
    }
  else if (candles != NULL && (perp_candles_get_fields (candles) & PERP_CANDLE_FIELD_TAKER_BUY_VOLUME))
    {
      /* Binance's klines carry taker-buy volume: delta = 2 x taker buy - volume. */
      const double *taker = perp_candles_get_taker_buy_volume (candles);
      const double *volume = perp_candles_get_volume (candles);
      const double *close = perp_candles_get_close (candles);
      guint window = (guint) MAX (1, params->flow_window_ms / ctx->interval_ms);
      guint trend_bars = MAX (window, params->volume_average);
      double trend_delta = 0.0;
      double trend_volume = 0.0;
      guint look = MIN (ctx->n, trend_bars + params->divergence_lookback + 2);

      trend_minutes = (double) MIN (ctx->n, trend_bars) * ctx->interval_ms / MINUTE_MS;

      age_to_state (params, PERP_FACTOR_ORDER_FLOW, ctx->structure_age, out);
      for (guint k = 0; k < MIN (ctx->n, trend_bars); k++)
        {
          guint i = ctx->n - 1 - k;
          double d = 2.0 * taker[i] - volume[i];

          if (!isfinite (d))
            continue;
          if (k < window)
            {
              buy += taker[i];
              sell += volume[i] - taker[i];
            }
          trend_delta += d;
          trend_volume += volume[i];
        }
      if (trend_volume > 0.0)
        trend = clampd (2.0 * trend_delta / trend_volume, -1.0, 1.0);

      if (look >= 4)
        {
          g_autofree double *cvd = g_new (double, look);
          g_autofree PerpFlowDivergence *div = g_new (PerpFlowDivergence, look);
          guint first = ctx->n - look;
          double sum = 0.0;

          for (guint k = 0; k < look; k++)
            {
              double d = 2.0 * taker[first + k] - volume[first + k];

              sum += isfinite (d) ? d : 0.0;
              cvd[k] = sum;
            }
          perp_flow_divergence_batch (close + first, cvd, look, MAX (2u, trend_bars / 2), div);
          for (guint k = look; k > look - MIN (look, params->divergence_lookback); k--)
            if (div[k - 1] != PERP_FLOW_DIVERGENCE_NONE)
              {
                divergence = div[k - 1] == PERP_FLOW_DIVERGENCE_BULLISH ? 1.0 : -1.0;
                break;
              }
        }
    }
  else
    {
      set_missing (out, factor_info[PERP_FACTOR_ORDER_FLOW].title);
      return;
    }

  aggression = buy + sell > 0.0 ? (buy - sell) / (buy + sell) : 0.0;
  /* 75 % of the volume on one side (aggression 0.5) reads as full strength. */
  if (have_large)
    out->value = 0.4 * clampd (2.0 * aggression, -1, 1) + 0.25 * trend + 0.15 * large + 0.2 * divergence;
  else
    out->value = 0.45 * clampd (2.0 * aggression, -1, 1) + 0.3 * trend + 0.25 * divergence;
  out->value = clampd (out->value, -1.0, 1.0);

  minutes = (double) params->flow_window_ms / MINUTE_MS;
  if (divergence != 0.0 && signd (divergence) == signd (out->value))
    reason_set (&out->reason, PERP_REASON_FLOW_DIVERGENCE, (int) divergence, NULL, 1,
                (double) params->divergence_lookback);
  else if (have_large && fabs (large) > fabs (aggression) && signd (large) == signd (out->value))
    reason_set (&out->reason, PERP_REASON_FLOW_LARGE_TRADES, large > 0 ? 1 : -1, NULL, 2,
                (large > 0 ? large_buy : large_sell) / (large_buy + large_sell) * 100.0, minutes);
  else if (signd (aggression) == signd (out->value) || trend == 0.0)
    reason_set (&out->reason, PERP_REASON_FLOW_AGGRESSION, aggression >= 0 ? 1 : -1, NULL, 2,
                buy + sell > 0 ? MAX (buy, sell) / (buy + sell) * 100.0 : 50.0, minutes);
  else
    reason_set (&out->reason, PERP_REASON_FLOW_CVD_TREND, trend > 0 ? 1 : -1, NULL, 2,
                fabs (trend) * 50.0, trend_minutes);
}

/* ------------------------------------------------------------ open interest */

static void
score_open_interest (const Context   *ctx,
                     PerpFactorScore *out)
{
  const PerpScoreParams *params = ctx->params;
  PerpOiParams oi_params;
  PerpOiChange change;
  guint index;
  double direction;
  double strength;
  double confirm = 1.0;

  if (ctx->in->oi == NULL || !perp_oi_series_find (ctx->in->oi, ctx->in->now, &index))
    {
      set_missing (out, factor_info[PERP_FACTOR_OPEN_INTEREST].title);
      return;
    }
  age_to_state (params, PERP_FACTOR_OPEN_INTEREST,
                ctx->in->now - perp_oi_series_get_time (ctx->in->oi)[index], out);
  perp_oi_params_init_default (&oi_params);
  if (out->state == PERP_DATA_MISSING
      || !perp_oi_series_change (ctx->in->oi, index, params->oi_window_ms, &oi_params, &change))
    {
      set_missing (out, factor_info[PERP_FACTOR_OPEN_INTEREST].title);
      return;
    }

  switch (change.regime)
    {
    case PERP_OI_REGIME_NEW_LONGS:        direction = 1.0; break;
    case PERP_OI_REGIME_SHORT_COVERING:   direction = 0.5; break;
    case PERP_OI_REGIME_NEW_SHORTS:       direction = -1.0; break;
    case PERP_OI_REGIME_LONG_LIQUIDATION: direction = -0.5; break;
    case PERP_OI_REGIME_NEUTRAL:
    case PERP_OI_REGIME_UNKNOWN:
    default:                              direction = 0.0; break;
    }
  strength = clampd (fabs (change.oi_change_pct) / params->oi_full_change_pct, 0.0, 1.0);

  /* Positioning on thin volume is half the story. */
  if (isfinite (ctx->in->volume_average) && ctx->in->volume_average > 0.0)
    confirm = clampd (ctx->volume / ctx->in->volume_average / 1.5, 0.5, 1.0);

  out->value = direction * strength * confirm;
  reason_set (&out->reason, PERP_REASON_OI_REGIME, (int) signd (direction),
              perp_oi_regime_to_string (change.regime), 3,
              change.oi_change_pct, change.price_change_pct,
              (double) (change.to_time - change.from_time) / MINUTE_MS);
}

/* ------------------------------------------------------------------ funding */

static void
score_funding (const Context   *ctx,
               PerpFactorScore *out)
{
  const PerpFundingValue *value = ctx->in->funding;
  double z;
  double base = 0.0;

  if (ctx->in->funding_time < 0 || ctx->in->funding_time > ctx->in->now || value == NULL)
    {
      set_missing (out, factor_info[PERP_FACTOR_FUNDING].title);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_FUNDING, ctx->in->now - ctx->in->funding_time, out);
  if (out->state == PERP_DATA_MISSING)
    {
      reason_set (&out->reason, PERP_REASON_MISSING, 0, factor_info[PERP_FACTOR_FUNDING].title, 0);
      return;
    }

  /* Contrarian: when longs pay a lot to stay long, the crowd is long and fragile. */
  z = isfinite (value->zscore) ? value->zscore : 0.0;
  if (value->reading == PERP_FUNDING_READING_CROWDED_LONGS)
    base = -1.0;
  else if (value->reading == PERP_FUNDING_READING_CROWDED_SHORTS)
    base = 1.0;

  if (base != 0.0)
    {
      out->value = base * clampd (fabs (z) / 3.0, 0.5, 1.0);
      reason_set (&out->reason, PERP_REASON_FUNDING_CROWDED, base > 0 ? 1 : -1, NULL, 2,
                  value->rate * 100.0, z);
    }
  else if (!isfinite (value->zscore))
    {
      /* Too little history for a z-score and a rate inside the crowded bounds: no
       * reading, and the reason says so rather than "no crowding". */
      out->value = 0.0;
      reason_set (&out->reason, PERP_REASON_FUNDING_SHORT_HISTORY, 0, NULL, 2,
                  value->rate * 100.0, (double) value->n_history);
    }
  else
    {
      out->value = -0.3 * clampd (z / 3.0, -1.0, 1.0);
      reason_set (&out->reason, PERP_REASON_FUNDING_NORMAL, 0, NULL, 2, value->rate * 100.0, z);
    }
}

/* ---------------------------------------------------------------- technical */

static void
score_technical (const Context   *ctx,
                 PerpFactorScore *out)
{
  const double *row = ctx->in->indicators;
  const double stack_values[5] = {
    ctx->price,
    row != NULL ? row[PERP_COLUMN_EMA9] : NAN,
    row != NULL ? row[PERP_COLUMN_EMA21] : NAN,
    row != NULL ? row[PERP_COLUMN_EMA50] : NAN,
    row != NULL ? row[PERP_COLUMN_EMA200] : NAN,
  };
  double stack = 0.0;
  guint n_pairs = 0;
  double rsi;
  double macd = 0.0;
  double bb = 0.0;
  double stoch = 0.0;
  double spike = 0.0;
  double volume_ratio = NAN;

  if (row == NULL || !isfinite (row[PERP_COLUMN_EMA21]) || !isfinite (row[PERP_COLUMN_RSI14]))
    {
      set_missing (out, factor_info[PERP_FACTOR_TECHNICAL].title);
      /* EMA 21 (TA-Lib's first value on the 21st candle) is the last to start. */
      if (row != NULL)
        reason_set (&out->reason, PERP_REASON_NOT_ENOUGH_CANDLES, 0, NULL, 2, (double) ctx->n, 21.0);
      return;
    }
  age_to_state (ctx->params, PERP_FACTOR_TECHNICAL, ctx->structure_age, out);

  for (guint i = 0; i + 1 < G_N_ELEMENTS (stack_values); i++)
    if (isfinite (stack_values[i]) && isfinite (stack_values[i + 1]))
      {
        stack += signd (stack_values[i] - stack_values[i + 1]);
        n_pairs++;
      }
  stack = n_pairs > 0 ? stack / n_pairs : 0.0;

  rsi = row[PERP_COLUMN_RSI14];
  if (isfinite (row[PERP_COLUMN_MACD_HIST]) && ctx->atr > 0.0)
    macd = clampd (row[PERP_COLUMN_MACD_HIST] / (0.1 * ctx->atr), -1.0, 1.0);
  if (isfinite (row[PERP_COLUMN_BB_UPPER]) && row[PERP_COLUMN_BB_UPPER] > row[PERP_COLUMN_BB_LOWER])
    bb = clampd (2.0 * (ctx->price - row[PERP_COLUMN_BB_LOWER])
                 / (row[PERP_COLUMN_BB_UPPER] - row[PERP_COLUMN_BB_LOWER]) - 1.0, -1.0, 1.0);
  if (isfinite (row[PERP_COLUMN_STOCHRSI_K]) && isfinite (row[PERP_COLUMN_STOCHRSI_D]))
    stoch = clampd ((row[PERP_COLUMN_STOCHRSI_K] - row[PERP_COLUMN_STOCHRSI_D]) / 20.0, -1.0, 1.0);
  if (isfinite (ctx->in->volume_average) && ctx->in->volume_average > 0.0)
    {
      volume_ratio = ctx->volume / ctx->in->volume_average;
      if (volume_ratio >= ctx->params->volume_spike)
        spike = signd (ctx->price - ctx->open);
    }

  out->value = clampd (0.35 * stack + 0.2 * clampd ((rsi - 50.0) / 25.0, -1.0, 1.0)
                       + 0.2 * macd + 0.1 * bb + 0.1 * stoch + 0.05 * spike, -1.0, 1.0);

  if (fabs (stack) == 1.0 && n_pairs == 4 && stack == signd (out->value))
    reason_set (&out->reason, PERP_REASON_TECH_STACK, (int) stack, NULL, 1, rsi);
  else if (spike != 0.0 && spike == signd (out->value))
    reason_set (&out->reason, PERP_REASON_TECH_VOLUME_SPIKE, (int) spike, NULL, 2,
                volume_ratio, (double) ctx->params->volume_average);
  else
    reason_set (&out->reason, PERP_REASON_TECH_MIXED, (int) signd (out->value), NULL, 2,
                rsi, row[PERP_COLUMN_MACD_HIST]);
}

/* ---------------------------------------------------------- higher timeframe */

static void
score_higher_timeframe (const Context   *ctx,
                        PerpFactorScore *out)
{
  const PerpScoreInputs *in = ctx->in;
  const PerpStructureReading *reading = &ctx->htf_reading;
  PerpInterval interval = ctx->htf_interval;
  gint64 interval_ms = ctx->htf_interval_ms;
  double close;
  double ema50;
  int trend;
  double above;

  if (!ctx->have_htf)
    {
      set_missing (out, factor_info[PERP_FACTOR_HIGHER_TIMEFRAME].title);
      return;
    }

  /* The last higher-timeframe candle can have closed up to one of its intervals ago;
   * older than that, a newer one should exist. */
  age_to_state (ctx->params, PERP_FACTOR_HIGHER_TIMEFRAME, in->now - (reading->time + interval_ms), out);
  if (in->now - (reading->time + interval_ms) >= interval_ms && out->state == PERP_DATA_FRESH)
    out->state = PERP_DATA_STALE;

  trend = reading->trend[PERP_STRUCTURE_DEPTH_SWING] != 0
          ? reading->trend[PERP_STRUCTURE_DEPTH_SWING]
          : reading->trend[PERP_STRUCTURE_DEPTH_INTERNAL];
  close = reading->price;
  ema50 = in->htf_indicators != NULL ? in->htf_indicators[PERP_COLUMN_EMA50] : NAN;
  above = isfinite (ema50) ? signd (close - ema50) : 0.0;

  out->value = 0.6 * trend + 0.4 * above;
  if (trend == 0 && above == 0.0)
    reason_set (&out->reason, PERP_REASON_HTF_NONE, 0, perp_interval_to_string (interval), 0);
  else
    reason_set (&out->reason, PERP_REASON_HTF_TREND, trend != 0 ? trend : (int) above,
                perp_interval_to_string (interval), 2, close, ema50);
}

/* ---------------------------------------------------------------- composite */

static gboolean
check_inputs (const PerpScoreInputs  *in,
              Context                *ctx,
              GError                **error)
{
  PerpInterval interval;
  guint n_all;

  if (in->candles == NULL || (n_all = perp_candles_get_length (in->candles)) == 0)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS, _("no closed candles to score"));
      return FALSE;
    }
  interval = perp_candles_get_interval (in->candles);
  ctx->interval_ms = perp_interval_to_ms (interval);
  if (ctx->interval_ms <= 0)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("the candles have no known interval"));
      return FALSE;
    }

  /* Candles whose close is at or before now: open_time + interval <= now. */
  ctx->n = perp_candles_lower_bound (in->candles, in->now - ctx->interval_ms + 1);
  if (ctx->n == 0)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("no candle had closed by the scoring time"));
      return FALSE;
    }
  ctx->last_time = perp_candles_get_open_time (in->candles)[ctx->n - 1];
  ctx->price = perp_candles_get_close (in->candles)[ctx->n - 1];
  ctx->open = perp_candles_get_open (in->candles)[ctx->n - 1];
  ctx->volume = perp_candles_get_volume (in->candles)[ctx->n - 1];
  ctx->atr = in->indicators != NULL ? in->indicators[PERP_COLUMN_ATR14] : NAN;

  if (in->structure != NULL && perp_structure_get_n_candles (in->structure) > 0)
    {
      perp_structure_get_reading (in->structure, &ctx->reading);
      if (ctx->reading.time > ctx->last_time)
        {
          g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                       _("the structure engine has seen candles after the scoring time"));
          return FALSE;
        }
      ctx->have_structure = TRUE;
      ctx->structure_age = ctx->last_time - ctx->reading.time;
    }
  if (in->htf_structure != NULL && perp_structure_get_n_candles (in->htf_structure) > 0)
    {
      ctx->htf_interval = in->htf_candles != NULL ? perp_candles_get_interval (in->htf_candles)
                                                  : PERP_INTERVAL_UNKNOWN;
      ctx->htf_interval_ms = perp_interval_to_ms (ctx->htf_interval);
      perp_structure_get_reading (in->htf_structure, &ctx->htf_reading);
      if (ctx->htf_interval_ms <= 0 || ctx->htf_reading.time + ctx->htf_interval_ms > in->now)
        {
          g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                       _("the higher-timeframe structure holds a candle that had not closed "
                         "by the scoring time"));
          return FALSE;
        }
      ctx->have_htf = TRUE;
    }
  if (in->book != NULL && in->book->event_time > in->now)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("the order book is from after the scoring time"));
      return FALSE;
    }
  /* The map is stamped with the end of its last candle (perp_liq_map_get_time()): a
   * map fed up to the candle closing at now reads now. */
  if (in->liq_map != NULL && perp_liq_map_get_n_candles (in->liq_map) > 0
      && perp_liq_map_get_time (in->liq_map) > in->now)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("the liquidation map has seen candles after the scoring time"));
      return FALSE;
    }
  return TRUE;
}

static PerpTier
tier_for (const PerpScoreParams *params,
          double                 confidence)
{
  if (confidence >= params->tier_high)
    return PERP_TIER_HIGH;
  if (confidence >= params->tier_medium)
    return PERP_TIER_MEDIUM;
  if (confidence >= params->tier_low)
    return PERP_TIER_LOW;
  return PERP_TIER_NEUTRAL;
}

/**
 * perp_score_compute:
 * @params: checked with perp_score_params_check() (weights sum to 1)
 *
 * Scores the inputs as of @inputs->now.  Deterministic: no clock, no globals; the
 * same inputs give the same bits.
 *
 * Returns: %FALSE when the inputs cannot be scored (no candles, or a source that
 *   has seen data after now, which would leak the future into the score)
 */
gboolean
perp_score_compute (const PerpScoreParams  *params,
                    const PerpScoreInputs  *inputs,
                    PerpScore              *score,
                    GError                **error)
{
  Context ctx = { 0 };
  double structure_value = 0.0;
  double evidence = 0.0;
  double coverage = 0.0;
  const PerpFactorScore *htf;
  guint used[PERP_N_FACTORS] = { 0 };

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (inputs != NULL, FALSE);
  g_return_val_if_fail (score != NULL, FALSE);

  memset (score, 0, sizeof *score);
  ctx.params = params;
  ctx.in = inputs;
  if (!check_inputs (inputs, &ctx, error))
    return FALSE;

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      score->factors[f].factor = f;
      score->factors[f].weight = params->weights[f];
    }

  score_liquidity_pools (&ctx, &score->factors[PERP_FACTOR_LIQUIDITY_POOLS]);
  score_liquidations (&ctx, &score->factors[PERP_FACTOR_LIQUIDATIONS]);
  score_ict (&ctx, &score->factors[PERP_FACTOR_ICT], &structure_value);
  score_killzone (&ctx, structure_value, &score->factors[PERP_FACTOR_KILLZONE]);
  score_order_book (&ctx, &score->factors[PERP_FACTOR_ORDER_BOOK]);
  score_order_flow (&ctx, &score->factors[PERP_FACTOR_ORDER_FLOW]);
  score_open_interest (&ctx, &score->factors[PERP_FACTOR_OPEN_INTEREST]);
  score_funding (&ctx, &score->factors[PERP_FACTOR_FUNDING]);
  score_technical (&ctx, &score->factors[PERP_FACTOR_TECHNICAL]);
  score_higher_timeframe (&ctx, &score->factors[PERP_FACTOR_HIGHER_TIMEFRAME]);

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      PerpFactorScore *factor = &score->factors[f];
      double trust = factor->state == PERP_DATA_FRESH ? 1.0
                     : factor->state == PERP_DATA_STALE ? params->stale_trust : 0.0;

      if (factor->state == PERP_DATA_MISSING)
        factor->value = 0.0;
      factor->contribution = factor->weight * trust * factor->value;
      evidence += factor->contribution;
      coverage += factor->weight * trust;
    }

  /* Multi-timeframe multiplier: a higher timeframe that agrees makes the whole reading
   * stronger, one that disagrees weaker. */
  htf = &score->factors[PERP_FACTOR_HIGHER_TIMEFRAME];
  if (htf->state != PERP_DATA_MISSING)
    {
      double trust = htf->state == PERP_DATA_FRESH ? 1.0 : params->stale_trust;

      evidence *= 1.0 + params->mtf_multiplier * trust * htf->value * signd (evidence);
    }
  evidence = clampd (evidence, -1.0, 1.0);

  score->time = inputs->now;
  score->price = ctx.price;
  score->atr = ctx.atr;
  score->evidence = evidence;
  score->coverage = coverage;
  score->long_pct = 50.0 + 50.0 * evidence;
  score->short_pct = 100.0 - score->long_pct;
  score->confidence = MAX (score->long_pct, score->short_pct);
  score->tier = tier_for (params, score->confidence);
  score->direction = score->tier == PERP_TIER_NEUTRAL ? PERP_DIRECTION_NONE
                     : evidence > 0 ? PERP_DIRECTION_LONG : PERP_DIRECTION_SHORT;

  /* Top reasons: the biggest contributions on the winning side, then (if fewer than
   * three push that way) the biggest against it.  Ties go to the earlier factor. */
  for (guint slot = 0; slot < PERP_SCORE_TOP_REASONS; slot++)
    {
      int best = -1;

      for (int pass = 0; pass < 2 && best < 0; pass++)
        for (guint f = 0; f < PERP_N_FACTORS; f++)
          {
            const PerpFactorScore *factor = &score->factors[f];
            gboolean agrees = signd (factor->contribution) == signd (evidence);

            if (used[f] || factor->contribution == 0.0 || (pass == 0) != agrees)
              continue;
            if (best < 0 || fabs (factor->contribution) > fabs (score->factors[best].contribution))
              best = (int) f;
          }
      score->top[slot] = best;
      if (best >= 0)
        used[best] = 1;
    }

  return TRUE;
}

/* --------------------------------------------------------------------- names */

const char *
perp_factor_name (PerpFactor factor)
{
  return factor < PERP_N_FACTORS ? factor_info[factor].name : "unknown";
}

const char *
perp_factor_title (PerpFactor factor)
{
  return factor < PERP_N_FACTORS ? _(factor_info[factor].title) : "unknown";
}

PerpFactor
perp_factor_from_name (const char *name)
{
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    if (g_strcmp0 (name, factor_info[f].name) == 0)
      return f;
  return PERP_N_FACTORS;
}

const char *
perp_data_state_name (PerpDataState state)
{
  static const char *names[] = { "fresh", "stale", "missing" };

  return state <= PERP_DATA_MISSING ? names[state] : "unknown";
}

const char *
perp_tier_name (PerpTier tier)
{
  static const char *names[] = { "neutral", "low", "medium", "high" };

  return tier < PERP_N_TIERS ? names[tier] : "unknown";
}

const char *
perp_direction_name (PerpDirection direction)
{
  return direction == PERP_DIRECTION_LONG ? "long"
         : direction == PERP_DIRECTION_SHORT ? "short" : "none";
}
