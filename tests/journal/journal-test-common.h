/* journal-test-common.h: scores and plans for the journal tests and the writer helper
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "core/perp-plan.h"
#include "core/perp-score.h"

/* A score at @time in @direction and @tier; factor i has value @values[i] (times the
 * direction) when @values is given, else 0.1 × (i % 3 - 1). */
static inline void
journal_test_score (PerpScore     *score,
                    gint64         time,
                    PerpDirection  direction,
                    PerpTier       tier,
                    const double  *values)
{
  memset (score, 0, sizeof *score);
  score->time = time;
  score->price = 100;
  score->atr = 2;
  score->coverage = 0.9;
  score->direction = direction;
  score->tier = tier;
  score->long_pct = direction == PERP_DIRECTION_SHORT ? 30 : 70;
  score->short_pct = 100 - score->long_pct;
  score->confidence = 70;
  score->evidence = direction * 0.4;
  for (guint i = 0; i < PERP_N_FACTORS; i++)
    {
      PerpFactorScore *f = &score->factors[i];

      f->factor = (PerpFactor) i;
      f->value = values != NULL ? values[i] : 0.1 * ((int) (i % 3) - 1);
      f->state = PERP_DATA_FRESH;
      f->weight = 0.1;
      f->contribution = f->weight * f->value;
      f->reason.id = i == 0 ? PERP_REASON_MISSING : PERP_REASON_NONE;
      f->reason.text = "test";
    }
  for (guint i = 0; i < PERP_SCORE_TOP_REASONS; i++)
    score->top[i] = -1;
}

/* Entry 100, stop 10 away, targets 1/2/3 R closing 50/30/20 %, risk 1 USDT. */
static inline void
journal_test_plan (PerpPlan      *plan,
                   gint64         time,
                   PerpDirection  direction,
                   PerpTier       tier)
{
  memset (plan, 0, sizeof *plan);
  plan->status = PERP_PLAN_OK;
  plan->direction = direction;
  plan->tier = tier;
  plan->time = time;
  plan->entry = 100;
  plan->stop = 100 - direction * 10.0;
  plan->stop_anchor = PERP_STOP_SWING;
  plan->stop_structure = 100 - direction * 9.5;
  plan->risk_per_unit = 10;
  plan->n_targets = 3;
  for (guint i = 0; i < 3; i++)
    {
      plan->targets[i].price = 100 + direction * 10.0 * (i + 1);
      plan->targets[i].r = i + 1;
      plan->targets[i].share = i == 0 ? 0.5 : i == 1 ? 0.3 : 0.2;
      plan->targets[i].kind = i == 2 ? PERP_TARGET_LIQUIDITY : PERP_TARGET_R_MULTIPLE;
    }
  plan->reward_risk = 1.7;
  plan->expires_at = time + 48 * PERP_MS_PER_HOUR;
  plan->break_even_after = 1;
  plan->trail_after = 2;
  plan->sizing.status = PERP_SIZING_OK;
  plan->sizing.entry = 100;
  plan->sizing.stop = plan->stop;
  plan->sizing.target_risk = 1;
  plan->sizing.ideal_qty = 0.1;
  plan->sizing.quantity = 0.1;
  plan->sizing.notional = 10;
  plan->sizing.risk = 1;
  plan->sizing.heat_pct = NAN;
}
