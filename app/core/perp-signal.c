/* perp-signal.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "perp-signal.h"

/**
 * perp_signal_decide:
 * @required_confidence: (out) (optional): the confidence this signal needed
 *
 * One rule for the CLI, the engine and the journal: the breakers may block a
 * signal or raise the bar it must clear; a signal without a valid plan is not one.
 */
PerpSignalStatus
perp_signal_decide (const PerpScoreParams    *params,
                    const PerpScore          *score,
                    const PerpBreakerVerdict *verdict,
                    const PerpPlan           *plan,
                    double                   *required_confidence)
{
  double required = params->tier_low + verdict->threshold_raise;

  if (required_confidence != NULL)
    *required_confidence = required;
  if (score->direction == PERP_DIRECTION_NONE)
    return PERP_SIGNAL_NEUTRAL;
  if (verdict->action == PERP_BREAKER_BLOCK)
    return PERP_SIGNAL_BLOCKED;
  if (score->confidence < required)
    return PERP_SIGNAL_BELOW_THRESHOLD;
  if (plan->status != PERP_PLAN_OK)
    return PERP_SIGNAL_NO_PLAN;
  return PERP_SIGNAL_TAKEN;
}

/* Stable names: they are in the CLI's JSON and in the journal. */
const char *
perp_signal_status_name (PerpSignalStatus status)
{
  switch (status)
    {
    case PERP_SIGNAL_NEUTRAL:
      return "neutral";
    case PERP_SIGNAL_BLOCKED:
      return "blocked";
    case PERP_SIGNAL_BELOW_THRESHOLD:
      return "below_threshold";
    case PERP_SIGNAL_NO_PLAN:
      return "no_plan";
    case PERP_SIGNAL_TAKEN:
      return "signal";
    case PERP_N_SIGNAL_STATUSES:
    default:
      return "unknown";
    }
}

/**
 * perp_signal_status_from_name:
 *
 * Returns: the status, or %PERP_N_SIGNAL_STATUSES for an unknown name
 */
PerpSignalStatus
perp_signal_status_from_name (const char *name)
{
  for (guint i = 0; name != NULL && i < PERP_N_SIGNAL_STATUSES; i++)
    if (strcmp (name, perp_signal_status_name ((PerpSignalStatus) i)) == 0)
      return (PerpSignalStatus) i;
  return PERP_N_SIGNAL_STATUSES;
}
