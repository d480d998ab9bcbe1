/* perp-signal.h: what a score with its plan and the breakers' verdict amounts to
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-breakers.h"
#include "perp-plan.h"
#include "perp-score.h"

G_BEGIN_DECLS

/**
 * PerpSignalStatus:
 * @PERP_SIGNAL_NEUTRAL: the score has no direction
 * @PERP_SIGNAL_BLOCKED: a circuit breaker blocks it
 * @PERP_SIGNAL_BELOW_THRESHOLD: the confidence is under the lowest tier plus the
 *   breakers' raise
 * @PERP_SIGNAL_NO_PLAN: no valid trade plan (no ATR, too little reward, no valid size)
 * @PERP_SIGNAL_TAKEN: a signal a person would act on
 */
typedef enum
{
  PERP_SIGNAL_NEUTRAL,
  PERP_SIGNAL_BLOCKED,
  PERP_SIGNAL_BELOW_THRESHOLD,
  PERP_SIGNAL_NO_PLAN,
  PERP_SIGNAL_TAKEN,
  PERP_N_SIGNAL_STATUSES
} PerpSignalStatus;

PerpSignalStatus perp_signal_decide      (const PerpScoreParams    *params,
                                          const PerpScore          *score,
                                          const PerpBreakerVerdict *verdict,
                                          const PerpPlan           *plan,
                                          double                   *required_confidence);
const char      *perp_signal_status_name (PerpSignalStatus          status);
PerpSignalStatus perp_signal_status_from_name (const char              *name);

G_END_DECLS
