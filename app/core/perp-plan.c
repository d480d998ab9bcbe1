/* perp-plan.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "perp-plan.h"
#include "perp-score-private.h"

void
perp_plan_params_init (PerpPlanParams *params)
{
  static const double targets_r[] = { 1.0, 2.0, 3.0 };
  static const double shares[] = { 0.5, 0.3, 0.2 };

  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->stop_buffer_atr = 0.1;
  params->atr_stop = 1.5;
  params->min_stop_atr = 0.3;
  params->max_stop_atr = 4.0;
  params->min_stop_pct = 0.1;
  params->max_stop_pct = 5.0;
  params->n_targets = G_N_ELEMENTS (targets_r);
  memcpy (params->targets_r, targets_r, sizeof targets_r);
  memcpy (params->target_shares, shares, sizeof shares);
  params->liquidity_targets = TRUE;
  params->min_first_target_r = 0.8;
  params->min_reward_risk = 1.5;
  params->time_stop_candles = 48;
  params->break_even_after = 1;
  params->trail_after = 2;
}

/**
 * perp_plan_params_check:
 *
 * Messages name the keys of the configuration file.
 */
gboolean
perp_plan_params_check (const PerpPlanParams  *params,
                        GError               **error)
{
  double shares = 0.0;

#define PARAMS_FAIL(...) \
  G_STMT_START { \
    g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  g_return_val_if_fail (params != NULL, FALSE);

  if (!(params->stop_buffer_atr >= 0.0 && params->stop_buffer_atr <= 10.0))
    PARAMS_FAIL (_("risk.stop_buffer_atr must be from 0 to 10 (got %g)"), params->stop_buffer_atr);
  if (!(params->atr_stop > 0.0 && params->atr_stop <= 50.0))
    PARAMS_FAIL (_("risk.atr_stop must be above 0 and at most 50 (got %g)"), params->atr_stop);
  if (!(params->min_stop_atr >= 0.0 && params->min_stop_atr <= params->max_stop_atr))
    PARAMS_FAIL (_("risk.min_stop_atr must be from 0 to risk.max_stop_atr (got %g and %g)"),
                 params->min_stop_atr, params->max_stop_atr);
  if (!(params->min_stop_pct >= 0.0 && params->min_stop_pct <= params->max_stop_pct
        && params->max_stop_pct <= 100.0))
    PARAMS_FAIL (_("risk.min_stop_pct must be from 0 to risk.max_stop_pct, and that at most 100 "
                   "(got %g and %g)"), params->min_stop_pct, params->max_stop_pct);
  if (params->n_targets < 1 || params->n_targets > PERP_PLAN_MAX_TARGETS)
    PARAMS_FAIL (_("risk.targets must list 1 to %d targets (got %u)"),
                 PERP_PLAN_MAX_TARGETS, params->n_targets);
  for (guint t = 0; t < params->n_targets; t++)
    {
      if (!(params->targets_r[t] > 0.0 && params->targets_r[t] <= 100.0)
          || (t > 0 && !(params->targets_r[t] > params->targets_r[t - 1])))
        PARAMS_FAIL (_("risk.targets[%u].r must be above 0, at most 100 and above the target "
                       "before it (got %g)"), t, params->targets_r[t]);
      if (!(params->target_shares[t] > 0.0 && params->target_shares[t] <= 1.0))
        PARAMS_FAIL (_("risk.targets[%u].share must be above 0 and at most 1 (got %g)"),
                     t, params->target_shares[t]);
      shares += params->target_shares[t];
    }
  if (fabs (shares - 1.0) > 1e-9)
    PARAMS_FAIL (_("risk.targets shares must add up to 1 (they add up to %g)"), shares);
  if (!(params->min_first_target_r >= 0.0) || !(params->min_reward_risk >= 0.0))
    PARAMS_FAIL (_("risk.min_first_target_r and risk.min_reward_risk must not be negative"));
  if (params->break_even_after > params->n_targets || params->trail_after > params->n_targets)
    PARAMS_FAIL (_("risk.break_even_after and risk.trail_after must name a target (1 to %u) or be 0"),
                 params->n_targets);

#undef PARAMS_FAIL
  return TRUE;
}

/* The structure that would prove the idea wrong: for a long, the bullish order block
 * (or breaker) price is in or just above, else such a fair value gap, else the last
 * internal swing low under price.  Mirrored for shorts. */
static PerpStopAnchor
find_invalidation (const PerpStructure *structure,
                   int                  d,
                   double               entry,
                   double               reach,
                   double              *level)
{
  const PerpStructureObject *objects;
  const PerpStructureLiveObject *zones;
  const PerpStructureLiveObject *block = NULL;
  const PerpStructureLiveObject *gap = NULL;
  guint n_zones;
  guint swing;

  if (structure == NULL)
    return PERP_STOP_ATR;

  /* Zones still live at the engine's last candle (the score checked it is not after
   * the plan's). */
  objects = perp_structure_get_objects (structure, NULL);
  zones = perp_structure_get_live_set (structure, PERP_STRUCTURE_LIVE_ZONES, &n_zones);
  for (guint k = 0; k < n_zones; k++)
    {
      const PerpStructureLiveObject *o = &zones[k];
      /* How far the zone's far side is beyond entry, in the direction of the stop. */
      double near = d > 0 ? o->top : o->bottom;
      gboolean in_reach = d > 0 ? (o->bottom < entry && near >= entry - reach)
                                : (o->top > entry && near <= entry + reach);

      if (o->direction != d || !in_reach)
        continue;
      if (o->kind == PERP_STRUCTURE_ORDER_BLOCK || o->kind == PERP_STRUCTURE_BREAKER)
        {
          if (block == NULL || (d > 0 ? o->top > block->top : o->bottom < block->bottom))
            block = o;
        }
      else
        {
          if (gap == NULL || (d > 0 ? o->top > gap->top : o->bottom < gap->bottom))
            gap = o;
        }
    }

  if (block != NULL)
    {
      *level = d > 0 ? block->bottom : block->top;
      return PERP_STOP_ORDER_BLOCK;
    }
  if (gap != NULL)
    {
      *level = d > 0 ? gap->bottom : gap->top;
      return PERP_STOP_FVG;
    }
  /* The latest internal swing beyond entry, taken or not. */
  swing = perp_structure_find_pivot (structure, PERP_STRUCTURE_DEPTH_INTERNAL, d, entry);
  if (swing != PERP_STRUCTURE_NO_OBJECT)
    {
      *level = objects[swing].top;
      return PERP_STOP_SWING;
    }
  return PERP_STOP_ATR;
}

/* The nearest untested opposing pool beyond entry: where the move is likely to stall. */
static double
find_opposing_liquidity (const PerpStructure *structure,
                         int                  d,
                         double               entry)
{
  const PerpStructureLiveObject *pools;
  guint n_pools;
  double best = NAN;

  if (structure == NULL)
    return NAN;
  /* (The pools above price are buy-side liquidity, see _perp_object_is_pool ().) */
  pools = perp_structure_get_live_set (structure, d > 0 ? PERP_STRUCTURE_LIVE_HIGH_POOLS
                                                        : PERP_STRUCTURE_LIVE_LOW_POOLS, &n_pools);
  for (guint k = 0; k < n_pools; k++)
    {
      const PerpStructureLiveObject *o = &pools[k];
      double level;

      level = d > 0 ? o->bottom : o->top;
      if (d > 0 ? level > entry && !(level >= best) : level < entry && !(level <= best))
        best = level;
    }
  return best;
}

/**
 * perp_plan_build:
 * @sizing: how much to risk
 * @rules: (nullable): the symbol's exchange filters; %NULL sizes without rounding
 * @size_factor: the circuit breakers' size factor (1 when none applies)
 * @open_risk: dollars already at risk in open plans (for portfolio heat)
 *
 * Builds the plan for @score's direction.  Every field is filled even when the plan
 * is rejected, so the reason can be shown with its numbers.
 */
void
perp_plan_build (const PerpPlanParams   *params,
                 const PerpSizingParams *sizing,
                 const PerpSymbolRules  *rules,
                 const PerpScore        *score,
                 const PerpScoreInputs  *inputs,
                 double                  size_factor,
                 double                  open_risk,
                 PerpPlan               *plan)
{
  PerpSymbolRules no_rules = { { 0 } };
  PerpSizingParams scaled;
  gint64 interval_ms;
  double atr;
  double entry;
  double structure_level = NAN;
  double stop;
  double distance;
  double min_distance;
  double max_distance;
  double liquidity;
  int d;

  g_return_if_fail (params != NULL && sizing != NULL && score != NULL && inputs != NULL);
  g_return_if_fail (plan != NULL);

  memset (plan, 0, sizeof *plan);
  plan->direction = score->direction;
  plan->tier = score->tier;
  plan->time = score->time;
  plan->entry = score->price;
  plan->stop = NAN;
  plan->stop_structure = NAN;
  plan->expires_at = -1;
  plan->break_even_after = params->break_even_after;
  plan->trail_after = params->trail_after;
  plan->sizing.status = PERP_SIZING_REJECT_NO_RISK;

  if (score->direction == PERP_DIRECTION_NONE)
    {
      plan->status = PERP_PLAN_NO_DIRECTION;
      return;
    }
  atr = score->atr;
  if (!(isfinite (atr) && atr > 0.0))
    {
      plan->status = PERP_PLAN_NO_ATR;
      return;
    }

  d = score->direction == PERP_DIRECTION_LONG ? 1 : -1;
  entry = score->price;
  interval_ms = perp_interval_to_ms (perp_candles_get_interval (inputs->candles));

  plan->stop_anchor = find_invalidation (inputs->structure, d, entry,
                                         params->max_stop_atr * atr, &structure_level);
  if (plan->stop_anchor == PERP_STOP_ATR)
    stop = entry - d * params->atr_stop * atr;
  else
    {
      plan->stop_structure = structure_level;
      stop = structure_level - d * params->stop_buffer_atr * atr;
    }

  /* Sanity bounds: too tight a stop is noise, too wide a stop is not this trade. */
  min_distance = MAX (params->min_stop_atr * atr, params->min_stop_pct / 100.0 * entry);
  max_distance = MAX (min_distance, MIN (params->max_stop_atr * atr, params->max_stop_pct / 100.0 * entry));
  distance = d * (entry - stop);
  if (distance < min_distance)
    {
      stop = entry - d * min_distance;
      plan->stop_adjusted = -1;
    }
  else if (distance > max_distance)
    {
      stop = entry - d * max_distance;
      plan->stop_adjusted = 1;
    }

  /* Size: the exchange's rounding decides the final entry and stop. */
  scaled = *sizing;
  scaled.risk_usd *= size_factor;
  scaled.risk_pct *= size_factor;
  perp_size_position (&scaled, rules != NULL ? rules : &no_rules, score->tier, entry, stop,
                      open_risk, &plan->sizing);
  if (isfinite (plan->sizing.entry) && plan->sizing.entry > 0.0)
    {
      entry = plan->sizing.entry;
      stop = plan->sizing.stop;
    }
  plan->entry = entry;
  plan->stop = stop;
  plan->risk_per_unit = fabs (entry - stop);

  /* The ladder in R, with the first target beyond opposing liquidity pulled in to it. */
  liquidity = params->liquidity_targets
              ? find_opposing_liquidity (inputs->structure, d, entry) : NAN;
  plan->n_targets = params->n_targets;
  for (guint t = 0; t < params->n_targets; t++)
    {
      PerpTarget *target = &plan->targets[t];

      target->r = params->targets_r[t];
      target->share = params->target_shares[t];
      target->kind = PERP_TARGET_R_MULTIPLE;
      target->price = entry + d * target->r * plan->risk_per_unit;
    }
  if (isfinite (liquidity) && plan->risk_per_unit > 0.0)
    {
      double r = d * (liquidity - entry) / plan->risk_per_unit;

      for (guint t = 0; t < plan->n_targets && r >= params->min_first_target_r; t++)
        if (plan->targets[t].r > r)
          {
            plan->targets[t].r = r;
            plan->targets[t].price = liquidity;
            plan->targets[t].kind = PERP_TARGET_LIQUIDITY;
            break;
          }
    }
  for (guint t = 0; t < plan->n_targets; t++)
    {
      PerpTarget *target = &plan->targets[t];

      /* Targets round toward entry: a target one tick short still fills. */
      if (rules != NULL && rules->tick_size > 0.0)
        {
          target->price = perp_rules_round_price (rules, target->price, -d);
          target->r = plan->risk_per_unit > 0.0 ? d * (target->price - entry) / plan->risk_per_unit : 0.0;
        }
      plan->reward_risk += target->share * target->r;
    }

  if (params->time_stop_candles > 0)
    plan->expires_at = score->time + (gint64) params->time_stop_candles * interval_ms;

  if (plan->reward_risk < params->min_reward_risk)
    plan->status = PERP_PLAN_LOW_REWARD;
  else if (plan->sizing.status != PERP_SIZING_OK)
    plan->status = PERP_PLAN_NO_SIZE;
  else
    plan->status = PERP_PLAN_OK;
}

const char *
perp_plan_status_name (PerpPlanStatus status)
{
  static const char *names[] = { "ok", "no_direction", "no_atr", "low_reward", "no_size" };

  return status < G_N_ELEMENTS (names) ? names[status] : "unknown";
}

const char *
perp_stop_anchor_name (PerpStopAnchor anchor)
{
  static const char *names[] = { "order_block", "fvg", "swing", "atr" };

  return anchor < G_N_ELEMENTS (names) ? names[anchor] : "unknown";
}

const char *
perp_target_kind_name (PerpTargetKind kind)
{
  return kind == PERP_TARGET_LIQUIDITY ? "liquidity" : "r_multiple";
}
