/* perp-interval.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PERP_MS_PER_MINUTE (G_GINT64_CONSTANT (60000))
#define PERP_MS_PER_HOUR   (G_GINT64_CONSTANT (3600000))
#define PERP_MS_PER_DAY    (G_GINT64_CONSTANT (86400000))

/* The last millisecond of the year 9999.  Exchange times are milliseconds since 1970;
 * one outside [0, PERP_TIME_MAX_MS] is corrupt input, not a time to compute with (the
 * engines add intervals, days and windows to times and would overflow). */
#define PERP_TIME_MAX_MS   (G_GINT64_CONSTANT (253402300799999))

static inline gboolean
perp_time_is_valid (gint64 ms)
{
  return ms >= 0 && ms <= PERP_TIME_MAX_MS;
}

/**
 * PerpInterval:
 *
 * Candle intervals as Binance names them.  Every bucket is aligned on UTC: minutes
 * and hours on the Unix epoch, days on 00:00 UTC, weeks on Monday 00:00 UTC.
 */
typedef enum
{
  PERP_INTERVAL_UNKNOWN = 0,
  PERP_INTERVAL_1M,
  PERP_INTERVAL_3M,
  PERP_INTERVAL_5M,
  PERP_INTERVAL_15M,
  PERP_INTERVAL_30M,
  PERP_INTERVAL_1H,
  PERP_INTERVAL_2H,
  PERP_INTERVAL_4H,
  PERP_INTERVAL_6H,
  PERP_INTERVAL_8H,
  PERP_INTERVAL_12H,
  PERP_INTERVAL_1D,
  PERP_INTERVAL_1W,
  PERP_N_INTERVALS
} PerpInterval;

/**
 * perp_floor_div:
 *
 * Integer division rounding towards minus infinity, so that times before the epoch fall
 * in the right bucket.
 */
static inline gint64
perp_floor_div (gint64 a,
                gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;

  return q;
}

gint64        perp_interval_to_ms        (PerpInterval  interval);
const char   *perp_interval_to_string    (PerpInterval  interval);
PerpInterval  perp_interval_from_string  (const char   *name);
PerpInterval  perp_interval_from_ms      (gint64        ms);
gint64        perp_interval_bucket_start (PerpInterval  interval,
                                          gint64        time_ms);

G_END_DECLS
