/* perp-config.h: the YAML configuration file
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "core/perp-breakers.h"
#include "core/perp-interval.h"
#include "core/perp-plan.h"
#include "core/perp-score.h"
#include "core/perp-sizing.h"
#include "core/perp-outcome.h"
#include "core/perp-structure.h"
#include "perp-binance-feed.h"

G_BEGIN_DECLS

#define PERP_CONFIG_ERROR (perp_config_error_quark ())

/* Every message starts with "SOURCE:LINE:COLUMN: " (1-based) and then names the full
 * dotted key, except PERP_CONFIG_ERROR_IO, which has no position. */
typedef enum
{
  PERP_CONFIG_ERROR_IO,            /* the file cannot be read */
  PERP_CONFIG_ERROR_SYNTAX,        /* not YAML, or YAML we do not take (aliases, 2 documents) */
  PERP_CONFIG_ERROR_UNKNOWN_KEY,   /* a key no section has (a typo, usually) */
  PERP_CONFIG_ERROR_DUPLICATE_KEY, /* a key given twice in one mapping */
  PERP_CONFIG_ERROR_MISSING_KEY,   /* a list entry without a key it needs (a killzone's end) */
  PERP_CONFIG_ERROR_TYPE,          /* a value of the wrong kind: "one" for a number, 90 for a duration */
  PERP_CONFIG_ERROR_VALUE,         /* a name that is not one of the allowed ones (interval, zone, mode) */
  PERP_CONFIG_ERROR_RANGE,         /* a number outside its range, a list too long or empty */
  PERP_CONFIG_ERROR_WEIGHTS,       /* a negative weight, or every weight zero */
  PERP_CONFIG_ERROR_INVALID,       /* values that contradict each other (the *_check functions) */
} PerpConfigError;

/**
 * PerpConfig:
 * @symbols: %NULL-terminated, upper case, e.g. "BTCUSDT" (`symbols`)
 * @signal_interval: the timeframe signals are scored on (`timeframes.signal`)
 * @htf_interval: the higher timeframe (`timeframes.higher`), resolved: when the file says
 *   `auto` it is perp_score_default_htf() of @signal_interval, and @score.htf_interval
 *   stays %PERP_INTERVAL_UNKNOWN; an explicit interval is copied into both
 * @chart_intervals: the timeframes the chart offers (`timeframes.chart`), in file order
 * @structure: the structure engine (`structure` and `sessions`); its time zone and
 *   killzone names point into @time_zone and @killzone_names
 * @score: the scorer (`score`, plus the killzone boosts of `sessions.killzones`);
 *   weights already normalised to sum 1
 * @plan: the trade plan (`risk`: stops and targets)
 * @sizing: the position size (`risk`: amount, mode, tier scale, heat)
 * @journal_path: the journal file (`journal.path`), NULL for the default
 * @journal_min_tier: scores journaled on a close are those of at least this tier
 * @outcome: how outcomes are followed (`journal`: entry, fees, slippage, max hold)
 * @feed: the Binance feed (`feed`): base URLs, request budget, timeouts, reconnects
 * @breakers: the circuit breakers (`breakers`)
 * @path: (nullable): the file it was loaded from, %NULL for defaults and in-memory data
 * @time_zone: storage behind @structure.time_zone
 * @killzone_names: storage behind @structure.killzones[i].name
 *
 * Every part has passed its *_check function, so it can be handed to the engines as is.
 */
typedef struct
{
  char                **symbols;
  PerpInterval          signal_interval;
  PerpInterval          htf_interval;
  PerpInterval         *chart_intervals;
  guint                 n_chart_intervals;
  PerpStructureConfig   structure;
  PerpScoreParams       score;
  PerpPlanParams        plan;
  PerpSizingParams      sizing;
  PerpBreakerParams     breakers;
  PerpBinanceParams     feed;
  char                 *journal_path;
  PerpTier              journal_min_tier;
  PerpOutcomeParams     outcome;
  char                 *path;

  char                 *time_zone;
  char                 *killzone_names[PERP_STRUCTURE_MAX_KILLZONES];
} PerpConfig;

GQuark      perp_config_error_quark  (void);

PerpConfig *perp_config_new_default  (void);
PerpConfig *perp_config_load_file    (const char  *path,
                                      GError     **error);
PerpConfig *perp_config_load_data    (const char  *data,
                                      gsize        length,
                                      const char  *source_name,
                                      GError     **error);
PerpConfig *perp_config_copy         (const PerpConfig *config);
void        perp_config_free         (PerpConfig  *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpConfig, perp_config_free)

G_END_DECLS
