/* perp-candles.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-candles"

#include "config.h"

#include <math.h>

#include "perp-candles.h"

/* One array per field rather than an array of structs: the indicators, the structure
 * engine and the chart all walk one or two fields over many candles, and plain
 * `const double *` columns keep those loops tight.
 */
struct _PerpCandles
{
  gatomicrefcount   ref_count;
  PerpInterval      interval;
  PerpCandleFields  fields;
  guint             length;
  guint             capacity;
  gint64           *open_time;
  double           *open;
  double           *high;
  double           *low;
  double           *close;
  double           *volume;
  double           *quote_volume;
  double           *taker_buy_volume;
  gint64           *trade_count;
  PerpCandle        forming;
  guint             has_forming : 1;
};

G_DEFINE_QUARK (perp-candles-error-quark, perp_candles_error)
G_DEFINE_BOXED_TYPE (PerpCandles, perp_candles, perp_candles_ref, perp_candles_unref)

static const char *column_names[] = {
  [PERP_CANDLE_COLUMN_OPEN_TIME]        = "open_time",
  [PERP_CANDLE_COLUMN_OPEN]             = "open",
  [PERP_CANDLE_COLUMN_HIGH]             = "high",
  [PERP_CANDLE_COLUMN_LOW]              = "low",
  [PERP_CANDLE_COLUMN_CLOSE]            = "close",
  [PERP_CANDLE_COLUMN_VOLUME]           = "volume",
  [PERP_CANDLE_COLUMN_QUOTE_VOLUME]     = "quote_volume",
  [PERP_CANDLE_COLUMN_TRADE_COUNT]      = "count",
  [PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME] = "taker_buy_volume",
};

/**
 * perp_candle_column_name:
 *
 * Returns: (transfer none): the column's name as in Binance's CSV header.
 */
const char *
perp_candle_column_name (PerpCandleColumn column)
{
  g_return_val_if_fail (column <= PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME, "?");

  return column_names[column];
}

/**
 * perp_candle_init:
 *
 * Fills @candle with the six basic fields and marks the optional ones absent.
 */
void
perp_candle_init (PerpCandle *candle,
                  gint64      open_time,
                  double      open,
                  double      high,
                  double      low,
                  double      close,
                  double      volume)
{
  g_return_if_fail (candle != NULL);

  candle->open_time = open_time;
  candle->open = open;
  candle->high = high;
  candle->low = low;
  candle->close = close;
  candle->volume = volume;
  candle->quote_volume = NAN;
  candle->taker_buy_volume = NAN;
  candle->trade_count = -1;
}

static inline gboolean
is_price (double x)
{
  return isfinite (x) && x >= 0.0;
}

/**
 * perp_candle_check:
 * @candle: the candle
 * @fields: the optional fields that must be present and valid
 * @bad_column: (out) (optional): the first column found wrong
 * @reason: (out) (optional) (transfer none): why, in a few words
 *
 * Checks what every real candle satisfies: finite, non-negative prices and volumes,
 * and high >= low.  It does not check that open and close lie within [low, high]:
 * exchanges have published such candles, and the indicators do not depend on it.
 *
 * Returns: %TRUE if the candle is valid
 */
gboolean
perp_candle_check (const PerpCandle  *candle,
                   PerpCandleFields   fields,
                   PerpCandleColumn  *bad_column,
                   const char       **reason)
{
  PerpCandleColumn column;
  const char *why;

  g_return_val_if_fail (candle != NULL, FALSE);

  if (!is_price (candle->open))
    column = PERP_CANDLE_COLUMN_OPEN, why = "not a finite, non-negative price";
  else if (!is_price (candle->high))
    column = PERP_CANDLE_COLUMN_HIGH, why = "not a finite, non-negative price";
  else if (!is_price (candle->low))
    column = PERP_CANDLE_COLUMN_LOW, why = "not a finite, non-negative price";
  else if (!is_price (candle->close))
    column = PERP_CANDLE_COLUMN_CLOSE, why = "not a finite, non-negative price";
  else if (candle->high < candle->low)
    column = PERP_CANDLE_COLUMN_HIGH, why = "high is below low";
  else if (!is_price (candle->volume))
    column = PERP_CANDLE_COLUMN_VOLUME, why = "not a finite, non-negative volume";
  else if ((fields & PERP_CANDLE_FIELD_QUOTE_VOLUME) && !is_price (candle->quote_volume))
    column = PERP_CANDLE_COLUMN_QUOTE_VOLUME, why = "not a finite, non-negative volume";
  else if ((fields & PERP_CANDLE_FIELD_TRADE_COUNT) && candle->trade_count < 0)
    column = PERP_CANDLE_COLUMN_TRADE_COUNT, why = "negative trade count";
  else if ((fields & PERP_CANDLE_FIELD_TAKER_BUY_VOLUME) && !is_price (candle->taker_buy_volume))
    column = PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME, why = "not a finite, non-negative volume";
  else
    return TRUE;

  if (bad_column != NULL)
    *bad_column = column;
  if (reason != NULL)
    *reason = why;

  return FALSE;
}

/**
 * perp_candles_new:
 * @interval: the candle interval, or %PERP_INTERVAL_UNKNOWN until it is known
 * @fields: the optional columns this series carries
 *
 * Returns: (transfer full): a new, empty series
 */
PerpCandles *
perp_candles_new (PerpInterval     interval,
                  PerpCandleFields fields)
{
  PerpCandles *self;

  g_return_val_if_fail (interval < PERP_N_INTERVALS, NULL);
  g_return_val_if_fail ((fields & ~PERP_CANDLE_FIELD_ALL) == 0, NULL);

  self = g_new0 (PerpCandles, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->interval = interval;
  self->fields = fields;

  return self;
}

/**
 * perp_candles_ref:
 *
 * Returns: (transfer full): @self
 */
PerpCandles *
perp_candles_ref (PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
perp_candles_unref (PerpCandles *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->open_time);
  g_free (self->open);
  g_free (self->high);
  g_free (self->low);
  g_free (self->close);
  g_free (self->volume);
  g_free (self->quote_volume);
  g_free (self->taker_buy_volume);
  g_free (self->trade_count);
  g_free (self);
}

PerpInterval
perp_candles_get_interval (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, PERP_INTERVAL_UNKNOWN);

  return self->interval;
}

/**
 * perp_candles_set_interval:
 *
 * Sets the interval of a series whose interval was not known when it was created
 * (a CSV file names none; the loader infers it from the open times).
 */
void
perp_candles_set_interval (PerpCandles  *self,
                           PerpInterval  interval)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (interval < PERP_N_INTERVALS);

  self->interval = interval;
}

PerpCandleFields
perp_candles_get_fields (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, PERP_CANDLE_FIELD_NONE);

  return self->fields;
}

/**
 * perp_candles_get_length:
 *
 * Returns: the number of closed candles (the forming candle is not counted)
 */
guint
perp_candles_get_length (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->length;
}

/**
 * perp_candles_reserve:
 *
 * Makes room for @n_candles closed candles, so that loading a file of known size
 * does not reallocate.
 */
void
perp_candles_reserve (PerpCandles *self,
                      guint        n_candles)
{
  g_return_if_fail (self != NULL);

  if (n_candles <= self->capacity)
    return;

  self->capacity = n_candles;
  self->open_time = g_renew (gint64, self->open_time, n_candles);
  self->open = g_renew (double, self->open, n_candles);
  self->high = g_renew (double, self->high, n_candles);
  self->low = g_renew (double, self->low, n_candles);
  self->close = g_renew (double, self->close, n_candles);
  self->volume = g_renew (double, self->volume, n_candles);
  if (self->fields & PERP_CANDLE_FIELD_QUOTE_VOLUME)
    self->quote_volume = g_renew (double, self->quote_volume, n_candles);
  if (self->fields & PERP_CANDLE_FIELD_TAKER_BUY_VOLUME)
    self->taker_buy_volume = g_renew (double, self->taker_buy_volume, n_candles);
  if (self->fields & PERP_CANDLE_FIELD_TRADE_COUNT)
    self->trade_count = g_renew (gint64, self->trade_count, n_candles);
}

/**
 * perp_candles_get_open_time:
 *
 * Returns: (transfer none) (array) (nullable): open times of the closed candles;
 *   valid until the series grows
 */
const gint64 *
perp_candles_get_open_time (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->open_time;
}

const double *
perp_candles_get_open (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->open;
}

const double *
perp_candles_get_high (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->high;
}

const double *
perp_candles_get_low (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->low;
}

const double *
perp_candles_get_close (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->close;
}

const double *
perp_candles_get_volume (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->volume;
}

/**
 * perp_candles_get_quote_volume:
 *
 * Returns: (transfer none) (nullable): the column, or %NULL if the series has none
 */
const double *
perp_candles_get_quote_volume (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->quote_volume;
}

/**
 * perp_candles_get_taker_buy_volume:
 *
 * Returns: (transfer none) (nullable): the column, or %NULL if the series has none
 */
const double *
perp_candles_get_taker_buy_volume (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->taker_buy_volume;
}

/**
 * perp_candles_get_trade_count:
 *
 * Returns: (transfer none) (nullable): the column, or %NULL if the series has none
 */
const gint64 *
perp_candles_get_trade_count (const PerpCandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->trade_count;
}

/**
 * perp_candles_get_candle:
 * @index: index of a closed candle
 * @candle: (out caller-allocates): where to copy it
 */
void
perp_candles_get_candle (const PerpCandles *self,
                         guint              index,
                         PerpCandle        *candle)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->length);
  g_return_if_fail (candle != NULL);

  perp_candle_init (candle,
                    self->open_time[index],
                    self->open[index],
                    self->high[index],
                    self->low[index],
                    self->close[index],
                    self->volume[index]);
  if (self->quote_volume != NULL)
    candle->quote_volume = self->quote_volume[index];
  if (self->taker_buy_volume != NULL)
    candle->taker_buy_volume = self->taker_buy_volume[index];
  if (self->trade_count != NULL)
    candle->trade_count = self->trade_count[index];
}

static gboolean
check_new_candle (const PerpCandles  *self,
                  const PerpCandle   *candle,
                  GError            **error)
{
  PerpCandleColumn column;
  const char *reason;

  if (self->length > 0 && candle->open_time <= self->open_time[self->length - 1])
    {
      g_set_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_NOT_INCREASING,
                   "open time %" G_GINT64_FORMAT " is not after the last closed candle's (%" G_GINT64_FORMAT ")",
                   candle->open_time, self->open_time[self->length - 1]);
      return FALSE;
    }

  if (!perp_candle_check (candle, self->fields, &column, &reason))
    {
      g_set_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INVALID,
                   "candle at %" G_GINT64_FORMAT ": %s: %s",
                   candle->open_time, perp_candle_column_name (column), reason);
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_candles_append:
 * @candle: a closed candle, later than every closed candle in the series
 *
 * Commits a closed candle.  A forming candle at or before its open time is dropped:
 * this candle is its final version (or supersedes it).
 *
 * Returns: %TRUE on success; on error the series is unchanged
 */
gboolean
perp_candles_append (PerpCandles       *self,
                     const PerpCandle  *candle,
                     GError           **error)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  if (!check_new_candle (self, candle, error))
    return FALSE;

  if (self->length == self->capacity)
    perp_candles_reserve (self, MAX (64, self->capacity * 2));

  i = self->length++;
  self->open_time[i] = candle->open_time;
  self->open[i] = candle->open;
  self->high[i] = candle->high;
  self->low[i] = candle->low;
  self->close[i] = candle->close;
  self->volume[i] = candle->volume;
  if (self->quote_volume != NULL)
    self->quote_volume[i] = candle->quote_volume;
  if (self->taker_buy_volume != NULL)
    self->taker_buy_volume[i] = candle->taker_buy_volume;
  if (self->trade_count != NULL)
    self->trade_count[i] = candle->trade_count;

  if (self->has_forming && self->forming.open_time <= candle->open_time)
    self->has_forming = FALSE;

  return TRUE;
}

/**
 * perp_candles_update_forming:
 * @candle: the current state of the candle that has not closed yet
 *
 * Replaces the forming candle.  It is shown, never committed: indicators and
 * detectors only ever "peek" at it.
 *
 * Returns: %TRUE on success; on error the series is unchanged
 */
gboolean
perp_candles_update_forming (PerpCandles       *self,
                             const PerpCandle  *candle,
                             GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  if (!check_new_candle (self, candle, error))
    return FALSE;

  self->forming = *candle;
  self->has_forming = TRUE;

  return TRUE;
}

/**
 * perp_candles_get_forming:
 * @candle: (out caller-allocates) (optional): where to copy the forming candle
 *
 * Returns: %TRUE if there is a forming candle
 */
gboolean
perp_candles_get_forming (const PerpCandles *self,
                          PerpCandle        *candle)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->has_forming && candle != NULL)
    *candle = self->forming;

  return self->has_forming;
}

void
perp_candles_clear_forming (PerpCandles *self)
{
  g_return_if_fail (self != NULL);

  self->has_forming = FALSE;
}

/**
 * perp_candles_lower_bound:
 *
 * Returns: the index of the first closed candle opening at or after @time_ms, or the
 *   length of the series if there is none
 */
guint
perp_candles_lower_bound (const PerpCandles *self,
                          gint64             time_ms)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (self != NULL, 0);

  hi = self->length;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->open_time[mid] < time_ms)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static void
merge_into_bucket (PerpCandle       *bucket,
                   const PerpCandle *candle)
{
  bucket->high = MAX (bucket->high, candle->high);
  bucket->low = MIN (bucket->low, candle->low);
  bucket->close = candle->close;
  bucket->volume += candle->volume;
  bucket->quote_volume += candle->quote_volume;
  bucket->taker_buy_volume += candle->taker_buy_volume;
  if (bucket->trade_count >= 0)
    bucket->trade_count += candle->trade_count;
}

/**
 * perp_candles_resample:
 * @target: a longer interval that is a whole multiple of the series' interval
 *
 * Aggregates the series into @target candles on UTC boundaries (weeks open on
 * Monday).  A bucket is closed once the series holds its last closed sub-candle or
 * any later candle; the trailing bucket that lacks its last sub-candle (or contains
 * the source's forming candle) becomes the result's forming candle.  A bucket with
 * missing sub-candles inside is still aggregated from those present: the gaps are
 * visible through perp_candles_find_gaps() on the source.
 *
 * Returns: (transfer full) (nullable): the resampled series, or %NULL with @error set
 */
PerpCandles *
perp_candles_resample (const PerpCandles  *self,
                       PerpInterval        target,
                       GError            **error)
{
  g_autoptr(PerpCandles) out = NULL;
  PerpCandle bucket;
  PerpCandle candle;
  gboolean have_bucket = FALSE;
  gboolean bucket_has_forming = FALSE;
  gint64 src_ms;
  gint64 dst_ms;
  guint n_total;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (target < PERP_N_INTERVALS, NULL);

  src_ms = perp_interval_to_ms (self->interval);
  dst_ms = perp_interval_to_ms (target);
  if (src_ms == 0 || dst_ms < src_ms || dst_ms % src_ms != 0)
    {
      g_set_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INTERVAL,
                   "cannot resample %s candles to %s",
                   perp_interval_to_string (self->interval), perp_interval_to_string (target));
      return NULL;
    }

  out = perp_candles_new (target, self->fields);
  perp_candles_reserve (out, (guint) (self->length / (dst_ms / src_ms)) + 1);

  n_total = self->length + (self->has_forming ? 1 : 0);
  for (guint i = 0; i < n_total; i++)
    {
      gboolean is_forming = i == self->length;
      gint64 start;

      if (is_forming)
        candle = self->forming;
      else
        perp_candles_get_candle (self, i, &candle);

      start = perp_interval_bucket_start (target, candle.open_time);

      if (have_bucket && start == bucket.open_time)
        {
          merge_into_bucket (&bucket, &candle);
        }
      else
        {
          /* A later candle exists, so the previous bucket is over. */
          if (have_bucket && !perp_candles_append (out, &bucket, error))
            return NULL;
          bucket = candle;
          bucket.open_time = start;
          have_bucket = TRUE;
        }

      bucket_has_forming = is_forming;
    }

  if (have_bucket)
    {
      gint64 last_sub = bucket.open_time + dst_ms - src_ms;
      gboolean complete = !bucket_has_forming
                          && self->length > 0
                          && self->open_time[self->length - 1] >= last_sub;

      if (complete)
        {
          if (!perp_candles_append (out, &bucket, error))
            return NULL;
        }
      else if (!perp_candles_update_forming (out, &bucket, error))
        {
          return NULL;
        }
    }

  return g_steal_pointer (&out);
}

/**
 * perp_candles_find_gaps:
 *
 * Lists the stretches where candles are missing between two closed candles.  Needs
 * a known interval; a series with an unknown interval has no gaps to report.
 *
 * Returns: (transfer full) (element-type PerpGap): the gaps, oldest first
 */
GArray *
perp_candles_find_gaps (const PerpCandles *self)
{
  GArray *gaps;
  gint64 step;

  g_return_val_if_fail (self != NULL, NULL);

  gaps = g_array_new (FALSE, FALSE, sizeof (PerpGap));
  step = perp_interval_to_ms (self->interval);
  if (step == 0)
    return gaps;

  for (guint i = 1; i < self->length; i++)
    {
      gint64 delta = self->open_time[i] - self->open_time[i - 1];

      if (delta > step)
        {
          PerpGap gap = {
            .start = self->open_time[i - 1] + step,
            .end = self->open_time[i],
            .missing = (delta - 1) / step,
          };

          g_array_append_val (gaps, gap);
        }
    }

  return gaps;
}

/**
 * perp_candles_guess_interval:
 *
 * Infers the interval from the open times: the most common step between neighbouring
 * candles among the first few thousand (so that gaps do not mislead it).
 *
 * Returns: the interval, or %PERP_INTERVAL_UNKNOWN if the step is not a Binance interval
 */
PerpInterval
perp_candles_guess_interval (const PerpCandles *self)
{
  guint votes[PERP_N_INTERVALS] = { 0 };
  guint best = PERP_INTERVAL_UNKNOWN;
  guint limit;

  g_return_val_if_fail (self != NULL, PERP_INTERVAL_UNKNOWN);

  limit = MIN (self->length, 4096);
  for (guint i = 1; i < limit; i++)
    votes[perp_interval_from_ms (self->open_time[i] - self->open_time[i - 1])]++;

  for (guint i = PERP_INTERVAL_1M; i < PERP_N_INTERVALS; i++)
    if (votes[i] > votes[best])
      best = i;

  return (PerpInterval) best;
}
