/* perp-interval.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-interval"

#include "config.h"

#include <string.h>

#include "perp-interval.h"

typedef struct
{
  const char *name;
  gint64      ms;
} IntervalInfo;

static const IntervalInfo intervals[PERP_N_INTERVALS] = {
  [PERP_INTERVAL_UNKNOWN] = { "?",   0 },
  [PERP_INTERVAL_1M]      = { "1m",  1 * PERP_MS_PER_MINUTE },
  [PERP_INTERVAL_3M]      = { "3m",  3 * PERP_MS_PER_MINUTE },
  [PERP_INTERVAL_5M]      = { "5m",  5 * PERP_MS_PER_MINUTE },
  [PERP_INTERVAL_15M]     = { "15m", 15 * PERP_MS_PER_MINUTE },
  [PERP_INTERVAL_30M]     = { "30m", 30 * PERP_MS_PER_MINUTE },
  [PERP_INTERVAL_1H]      = { "1h",  1 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_2H]      = { "2h",  2 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_4H]      = { "4h",  4 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_6H]      = { "6h",  6 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_8H]      = { "8h",  8 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_12H]     = { "12h", 12 * PERP_MS_PER_HOUR },
  [PERP_INTERVAL_1D]      = { "1d",  1 * PERP_MS_PER_DAY },
  [PERP_INTERVAL_1W]      = { "1w",  7 * PERP_MS_PER_DAY },
};

/* 1970-01-01 was a Thursday; Binance's weekly candles open on Monday 00:00 UTC. */
#define FIRST_MONDAY_MS (4 * PERP_MS_PER_DAY)

/**
 * perp_interval_to_ms:
 *
 * Returns: the length of @interval in milliseconds, 0 for %PERP_INTERVAL_UNKNOWN.
 */
gint64
perp_interval_to_ms (PerpInterval interval)
{
  g_return_val_if_fail (interval < PERP_N_INTERVALS, 0);

  return intervals[interval].ms;
}

/**
 * perp_interval_to_string:
 *
 * Returns: (transfer none): Binance's name for @interval ("5m", "1h", ...), or "?".
 */
const char *
perp_interval_to_string (PerpInterval interval)
{
  g_return_val_if_fail (interval < PERP_N_INTERVALS, "?");

  return intervals[interval].name;
}

/**
 * perp_interval_from_string:
 * @name: a Binance interval name such as "15m"
 *
 * Returns: the interval, or %PERP_INTERVAL_UNKNOWN if @name is not one.
 */
PerpInterval
perp_interval_from_string (const char *name)
{
  g_return_val_if_fail (name != NULL, PERP_INTERVAL_UNKNOWN);

  for (guint i = PERP_INTERVAL_1M; i < PERP_N_INTERVALS; i++)
    if (strcmp (intervals[i].name, name) == 0)
      return (PerpInterval) i;

  return PERP_INTERVAL_UNKNOWN;
}

/**
 * perp_interval_from_ms:
 *
 * Returns: the interval lasting exactly @ms milliseconds, or %PERP_INTERVAL_UNKNOWN.
 */
PerpInterval
perp_interval_from_ms (gint64 ms)
{
  for (guint i = PERP_INTERVAL_1M; i < PERP_N_INTERVALS; i++)
    if (intervals[i].ms == ms)
      return (PerpInterval) i;

  return PERP_INTERVAL_UNKNOWN;
}

/**
 * perp_interval_bucket_start:
 * @interval: a known interval
 * @time_ms: a Unix time in milliseconds
 *
 * Returns: the open time of the @interval candle that contains @time_ms.
 */
gint64
perp_interval_bucket_start (PerpInterval interval,
                            gint64       time_ms)
{
  gint64 len;

  g_return_val_if_fail (interval > PERP_INTERVAL_UNKNOWN && interval < PERP_N_INTERVALS, time_ms);

  len = intervals[interval].ms;
  if (interval == PERP_INTERVAL_1W)
    return perp_floor_div (time_ms - FIRST_MONDAY_MS, len) * len + FIRST_MONDAY_MS;

  return perp_floor_div (time_ms, len) * len;
}
