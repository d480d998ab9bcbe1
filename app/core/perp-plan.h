/* perp-plan.h: the trade plan: entry, structural stop, take-profit ladder, size
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-score.h"
#include "perp-sizing.h"

G_BEGIN_DECLS

#define PERP_PLAN_MAX_TARGETS 4

/**
 * PerpPlanParams:
 * @stop_buffer_atr: the stop sits this many ATRs beyond the invalidating structure
 * @atr_stop: the fallback stop distance in ATRs when no structure invalidates the idea
 * @min_stop_atr/@max_stop_atr: sanity bounds on the stop distance, in ATRs
 * @min_stop_pct/@max_stop_pct: the same in percent of entry (both bounds apply)
 * @targets_r: the take-profit ladder in R multiples, ascending
 * @target_shares: the fraction of the position each target closes (sums to 1)
 * @n_targets: how many of the above are used
 * @liquidity_targets: move a target to opposing liquidity when it is nearer
 * @min_first_target_r: opposing liquidity nearer than this (in R) is not a target
 * @min_reward_risk: plans whose ladder's average R is below this are filtered out
 * @time_stop_candles: close if no target is hit within this many signal candles (0: off)
 * @break_even_after: after this target (1-based) is hit, the stop moves to entry (0: off)
 * @trail_after: after this target is hit, the stop trails to the previous target (0: off)
 */
typedef struct
{
  double stop_buffer_atr;
  double atr_stop;
  double min_stop_atr;
  double max_stop_atr;
  double min_stop_pct;
  double max_stop_pct;
  guint  n_targets;
  double targets_r[PERP_PLAN_MAX_TARGETS];
  double target_shares[PERP_PLAN_MAX_TARGETS];
  gboolean liquidity_targets;
  double min_first_target_r;
  double min_reward_risk;
  guint  time_stop_candles;
  guint  break_even_after;
  guint  trail_after;
} PerpPlanParams;

/* What the stop was placed beyond. */
typedef enum
{
  PERP_STOP_ORDER_BLOCK,
  PERP_STOP_FVG,
  PERP_STOP_SWING,
  PERP_STOP_ATR,
} PerpStopAnchor;

typedef enum
{
  PERP_TARGET_R_MULTIPLE,
  PERP_TARGET_LIQUIDITY,
} PerpTargetKind;

typedef struct
{
  double         price;
  double         r;
  double         share;
  PerpTargetKind kind;
} PerpTarget;

typedef enum
{
  PERP_PLAN_OK,
  PERP_PLAN_NO_DIRECTION,   /* the score is neutral: nothing to plan */
  PERP_PLAN_NO_ATR,         /* not enough candles for ATR: no yardstick for the stop */
  PERP_PLAN_LOW_REWARD,     /* the ladder's R:R is under the minimum */
  PERP_PLAN_NO_SIZE,        /* no valid size (see @sizing.status) */
} PerpPlanStatus;

/**
 * PerpPlan:
 * @stop_structure: the structural level the stop is beyond (NAN for ATR stops)
 * @stop_adjusted: the stop was moved to respect the sanity bounds (-1 widened, +1
 *   tightened, 0 as placed)
 * @risk_per_unit: |entry - stop|
 * @reward_risk: Σ share × R of the ladder
 * @expires_at: the time stop (-1 when off)
 */
typedef struct
{
  PerpPlanStatus status;
  PerpDirection  direction;
  PerpTier       tier;
  gint64         time;
  double         entry;
  double         stop;
  PerpStopAnchor stop_anchor;
  double         stop_structure;
  int            stop_adjusted;
  double         risk_per_unit;
  guint          n_targets;
  PerpTarget     targets[PERP_PLAN_MAX_TARGETS];
  double         reward_risk;
  gint64         expires_at;
  guint          break_even_after;
  guint          trail_after;
  PerpSizing     sizing;
} PerpPlan;

void        perp_plan_params_init  (PerpPlanParams         *params);
gboolean    perp_plan_params_check (const PerpPlanParams   *params,
                                    GError                **error);

void        perp_plan_build        (const PerpPlanParams   *params,
                                    const PerpSizingParams *sizing,
                                    const PerpSymbolRules  *rules,
                                    const PerpScore        *score,
                                    const PerpScoreInputs  *inputs,
                                    double                  size_factor,
                                    double                  open_risk,
                                    PerpPlan               *plan);

const char *perp_plan_status_name  (PerpPlanStatus          status);
const char *perp_stop_anchor_name  (PerpStopAnchor          anchor);
const char *perp_target_kind_name  (PerpTargetKind          kind);

G_END_DECLS
