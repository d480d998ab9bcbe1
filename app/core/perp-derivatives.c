/* perp-derivatives.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-derivatives"

#include "config.h"

#include <math.h>

#include "perp-derivatives.h"
#include "perp-interval.h"

/* A lookback beyond this is a configuration mistake (ten years of hourly funding),
 * not a wish to allocate gigabytes. */
#define MAX_FUNDING_LOOKBACK 100000

G_DEFINE_QUARK (perp-derivatives-error-quark, perp_derivatives_error)

/* ------------------------------------------------------------ open interest */

/* Columns, like PerpCandles: the scorer and the chart walk one field over many samples. */
struct _PerpOiSeries
{
  gatomicrefcount ref_count;
  guint           length;
  guint           capacity;
  gint64         *time;
  double         *oi;
  double         *notional;
  double         *price;
};

G_DEFINE_BOXED_TYPE (PerpOiSeries, perp_oi_series, perp_oi_series_ref, perp_oi_series_unref)

/**
 * perp_oi_regime_to_string:
 *
 * Returns: (transfer none): a short stable name ("new-longs", ...) for output and logs
 */
const char *
perp_oi_regime_to_string (PerpOiRegime regime)
{
  switch (regime)
    {
    case PERP_OI_REGIME_UNKNOWN:
      return "unknown";
    case PERP_OI_REGIME_NEUTRAL:
      return "neutral";
    case PERP_OI_REGIME_NEW_LONGS:
      return "new-longs";
    case PERP_OI_REGIME_NEW_SHORTS:
      return "new-shorts";
    case PERP_OI_REGIME_LONG_LIQUIDATION:
      return "long-liquidation";
    case PERP_OI_REGIME_SHORT_COVERING:
      return "short-covering";
    default:
      return "?";
    }
}

/**
 * perp_oi_params_init_default:
 *
 * Dead-bands of 0.1 % for open interest and 0.05 % for price: a few minutes of
 * ordinary churn on a liquid perpetual moves either by about that much.
 */
void
perp_oi_params_init_default (PerpOiParams *params)
{
  g_return_if_fail (params != NULL);

  params->oi_deadband_pct = 0.1;
  params->price_deadband_pct = 0.05;
}

/**
 * perp_oi_params_check:
 *
 * Returns: %TRUE if both dead-bands are finite and non-negative
 */
gboolean
perp_oi_params_check (const PerpOiParams  *params,
                      GError             **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  if (!(isfinite (params->oi_deadband_pct) && params->oi_deadband_pct >= 0.0))
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "open-interest dead-band %g %% is not a finite, non-negative percentage",
                   params->oi_deadband_pct);
      return FALSE;
    }
  if (!(isfinite (params->price_deadband_pct) && params->price_deadband_pct >= 0.0))
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "price dead-band %g %% is not a finite, non-negative percentage",
                   params->price_deadband_pct);
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_oi_classify:
 * @oi_change_pct: change of open interest, percent
 * @price_change_pct: change of price over the same span, percent
 * @params: (nullable): dead-bands; %NULL for the defaults
 *
 * A change at or inside either dead-band is %PERP_OI_REGIME_NEUTRAL: OI up with
 * price flat says nothing about which side opened, and price moving with OI flat is
 * a move of existing positions.
 *
 * Returns: the regime; %PERP_OI_REGIME_UNKNOWN if either change is NAN
 */
PerpOiRegime
perp_oi_classify (double              oi_change_pct,
                  double              price_change_pct,
                  const PerpOiParams *params)
{
  PerpOiParams defaults;

  if (params == NULL)
    {
      perp_oi_params_init_default (&defaults);
      params = &defaults;
    }

  if (isnan (oi_change_pct) || isnan (price_change_pct))
    return PERP_OI_REGIME_UNKNOWN;

  if (fabs (oi_change_pct) <= params->oi_deadband_pct
      || fabs (price_change_pct) <= params->price_deadband_pct)
    return PERP_OI_REGIME_NEUTRAL;

  if (oi_change_pct > 0.0)
    return price_change_pct > 0.0 ? PERP_OI_REGIME_NEW_LONGS : PERP_OI_REGIME_NEW_SHORTS;

  return price_change_pct < 0.0 ? PERP_OI_REGIME_LONG_LIQUIDATION : PERP_OI_REGIME_SHORT_COVERING;
}

/**
 * perp_oi_series_new:
 *
 * Returns: (transfer full): a new, empty open-interest series
 */
PerpOiSeries *
perp_oi_series_new (void)
{
  PerpOiSeries *self = g_new0 (PerpOiSeries, 1);

  g_atomic_ref_count_init (&self->ref_count);

  return self;
}

/**
 * perp_oi_series_ref:
 *
 * Returns: (transfer full): @self
 */
PerpOiSeries *
perp_oi_series_ref (PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
perp_oi_series_unref (PerpOiSeries *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->time);
  g_free (self->oi);
  g_free (self->notional);
  g_free (self->price);
  g_free (self);
}

guint
perp_oi_series_get_length (const PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->length;
}

/**
 * perp_oi_series_get_time:
 *
 * Returns: (transfer none) (nullable): sample times; valid until the series grows
 */
const gint64 *
perp_oi_series_get_time (const PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->time;
}

/**
 * perp_oi_series_get_open_interest:
 *
 * Returns: (transfer none) (nullable): open interest in base units (contracts), NAN
 *   where neither given nor derivable
 */
const double *
perp_oi_series_get_open_interest (const PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->oi;
}

/**
 * perp_oi_series_get_notional:
 *
 * Returns: (transfer none) (nullable): open interest in quote units, NAN where unknown
 */
const double *
perp_oi_series_get_notional (const PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->notional;
}

/**
 * perp_oi_series_get_price:
 *
 * Returns: (transfer none) (nullable): the price of each sample, NAN where unknown
 */
const double *
perp_oi_series_get_price (const PerpOiSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->price;
}

static inline gboolean
is_absent_or_non_negative (double x)
{
  return isnan (x) || (isfinite (x) && x >= 0.0);
}

/**
 * perp_oi_series_append:
 * @time_ms: sample time, Unix ms, after the previous sample's
 * @open_interest: open interest in base units (Binance's `openInterest`,
 *   `sumOpenInterest`), or NAN
 * @notional: open interest in quote units (`sumOpenInterestValue`), or NAN
 * @price: the price the change is classified against (last or mark price at
 *   @time_ms), or NAN
 *
 * Appends one sample.  One of @open_interest and @notional must be given.  A missing
 * third value is derived from the other two (notional = OI × price), so that
 * /futures/data/openInterestHist rows (OI and notional, no price) and
 * /fapi/v1/openInterest polls paired with the last price both classify.
 *
 * Returns: %TRUE on success; on error the series is unchanged
 */
gboolean
perp_oi_series_append (PerpOiSeries  *self,
                       gint64         time_ms,
                       double         open_interest,
                       double         notional,
                       double         price,
                       GError       **error)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->length > 0 && time_ms <= self->time[self->length - 1])
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_NOT_INCREASING,
                   "open-interest sample at %" G_GINT64_FORMAT " is not after the previous one (%"
                   G_GINT64_FORMAT ")", time_ms, self->time[self->length - 1]);
      return FALSE;
    }

  if (!is_absent_or_non_negative (open_interest)
      || !is_absent_or_non_negative (notional)
      || !(isnan (price) || (isfinite (price) && price > 0.0)))
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "open-interest sample at %" G_GINT64_FORMAT ": open interest %g, notional %g, "
                   "price %g: values must be finite and non-negative (price positive) or absent",
                   time_ms, open_interest, notional, price);
      return FALSE;
    }

  if (isnan (open_interest) && isnan (notional))
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "open-interest sample at %" G_GINT64_FORMAT " has neither open interest nor notional",
                   time_ms);
      return FALSE;
    }

  if (isnan (open_interest) && !isnan (price))
    open_interest = notional / price;
  else if (isnan (price) && !isnan (notional) && open_interest > 0.0)
    price = notional / open_interest;
  else if (isnan (notional) && !isnan (price))
    notional = open_interest * price;

  /* Derived from finite inputs, but a tiny price can still overflow a quotient. */
  if (isinf (open_interest) || isinf (notional) || isinf (price))
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "open-interest sample at %" G_GINT64_FORMAT ": the derived values overflow",
                   time_ms);
      return FALSE;
    }

  if (self->length == self->capacity)
    {
      self->capacity = MAX (64, self->capacity * 2);
      self->time = g_renew (gint64, self->time, self->capacity);
      self->oi = g_renew (double, self->oi, self->capacity);
      self->notional = g_renew (double, self->notional, self->capacity);
      self->price = g_renew (double, self->price, self->capacity);
    }

  i = self->length++;
  self->time[i] = time_ms;
  self->oi[i] = open_interest;
  self->notional[i] = notional;
  self->price[i] = price;

  return TRUE;
}

/**
 * perp_oi_series_find:
 * @index: (out) (optional): index of the last sample at or before @time_ms
 *
 * Returns: %TRUE if there is a sample at or before @time_ms
 */
gboolean
perp_oi_series_find (const PerpOiSeries *self,
                     gint64              time_ms,
                     guint              *index)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (self != NULL, FALSE);

  /* First sample after time_ms, then one back. */
  hi = self->length;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->time[mid] <= time_ms)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (lo == 0)
    return FALSE;

  if (index != NULL)
    *index = lo - 1;

  return TRUE;
}

/**
 * perp_oi_series_value_at:
 *
 * Returns: the open interest (base units) of the last sample at or before @time_ms,
 *   NAN if there is none
 */
double
perp_oi_series_value_at (const PerpOiSeries *self,
                         gint64              time_ms)
{
  guint i;

  g_return_val_if_fail (self != NULL, NAN);

  if (!perp_oi_series_find (self, time_ms, &i))
    return NAN;

  return self->oi[i];
}

/* 100 * (to - from) / from, NAN when there is no meaningful base. */
static inline double
change_pct (double from,
            double to)
{
  if (!(from > 0.0) || isnan (to))
    return NAN;

  return 100.0 * ((to - from) / from);
}

static void
fill_change (const PerpOiSeries *self,
             guint               ref,
             guint               index,
             const PerpOiParams *params,
             PerpOiChange       *out)
{
  out->from_time = self->time[ref];
  out->to_time = self->time[index];
  out->oi_from = self->oi[ref];
  out->oi_to = self->oi[index];
  out->oi_change = out->oi_to - out->oi_from;
  out->oi_change_pct = change_pct (out->oi_from, out->oi_to);
  out->notional_from = self->notional[ref];
  out->notional_to = self->notional[index];
  out->notional_change = out->notional_to - out->notional_from;
  out->notional_change_pct = change_pct (out->notional_from, out->notional_to);
  out->price_from = self->price[ref];
  out->price_to = self->price[index];
  out->price_change_pct = change_pct (out->price_from, out->price_to);
  out->regime = perp_oi_classify (out->oi_change_pct, out->price_change_pct, params);
}

static void
fill_no_change (const PerpOiSeries *self,
                guint               index,
                PerpOiChange       *out)
{
  out->from_time = self->time[index];
  out->to_time = self->time[index];
  out->oi_from = NAN;
  out->oi_to = self->oi[index];
  out->oi_change = NAN;
  out->oi_change_pct = NAN;
  out->notional_from = NAN;
  out->notional_to = self->notional[index];
  out->notional_change = NAN;
  out->notional_change_pct = NAN;
  out->price_from = NAN;
  out->price_to = self->price[index];
  out->price_change_pct = NAN;
  out->regime = PERP_OI_REGIME_UNKNOWN;
}

/**
 * perp_oi_series_change:
 * @index: the sample to measure at
 * @window_ms: how far back the reference sample lies: the last sample at or before
 *   `time[index] - window_ms`; 0 for the previous sample (one step)
 * @params: (nullable): dead-bands; %NULL for the defaults
 * @out: (out caller-allocates): the change and its regime
 *
 * The reference is the newest sample old enough, so after a gap in the data the span
 * can be longer than @window_ms; @out's from_time says what it really was.  Only
 * samples up to @index are read.
 *
 * Returns: %TRUE if a reference sample exists; otherwise @out holds NANs and
 *   %PERP_OI_REGIME_UNKNOWN
 */
gboolean
perp_oi_series_change (const PerpOiSeries *self,
                       guint               index,
                       gint64              window_ms,
                       const PerpOiParams *params,
                       PerpOiChange       *out)
{
  guint ref;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (index < self->length, FALSE);
  g_return_val_if_fail (window_ms >= 0, FALSE);

  if (window_ms == 0)
    {
      if (index == 0)
        {
          fill_no_change (self, index, out);
          return FALSE;
        }
      ref = index - 1;
    }
  else if (self->time[index] < G_MININT64 + window_ms
           || !perp_oi_series_find (self, self->time[index] - window_ms, &ref))
    {
      fill_no_change (self, index, out);
      return FALSE;
    }

  fill_change (self, ref, index, params, out);

  return TRUE;
}

/**
 * perp_oi_series_changes:
 * @out: (array) (out caller-allocates): one change per sample
 *
 * perp_oi_series_change() at every sample.
 */
void
perp_oi_series_changes (const PerpOiSeries *self,
                        gint64              window_ms,
                        const PerpOiParams *params,
                        PerpOiChange       *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL || self->length == 0);
  g_return_if_fail (window_ms >= 0);

  for (guint i = 0; i < self->length; i++)
    perp_oi_series_change (self, i, window_ms, params, &out[i]);
}

/**
 * perp_oi_series_candle_deltas:
 * @open_time: (array length=n): candle open times
 * @interval_ms: candle length
 * @out: (array length=n) (out caller-allocates): open-interest change per candle
 *
 * The open interest at the candle's end minus the open interest at its start, each
 * the last sample at or before that instant.  The end is `open_time + interval_ms`,
 * the exclusive end of the candle: a sample stamped on that boundary (as
 * openInterestHist's 5 m samples are) is the state at the close, which the candle's
 * close knows.  NAN where either sample is missing.  This is the ΔOI the liquidation
 * map weights new positions with.
 */
void
perp_oi_series_candle_deltas (const PerpOiSeries *self,
                              const gint64       *open_time,
                              gsize               n,
                              gint64              interval_ms,
                              double             *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n == 0 || (open_time != NULL && out != NULL));
  g_return_if_fail (interval_ms > 0);

  for (gsize i = 0; i < n; i++)
    {
      if (open_time[i] > G_MAXINT64 - interval_ms)
        {
          out[i] = NAN;
          continue;
        }
      out[i] = perp_oi_series_value_at (self, open_time[i] + interval_ms)
               - perp_oi_series_value_at (self, open_time[i]);
    }
}

/* ------------------------------------------------------------------ funding */

/**
 * perp_funding_reading_to_string:
 *
 * Returns: (transfer none): a short stable name for output and logs
 */
const char *
perp_funding_reading_to_string (PerpFundingReading reading)
{
  switch (reading)
    {
    case PERP_FUNDING_READING_UNKNOWN:
      return "unknown";
    case PERP_FUNDING_READING_NORMAL:
      return "normal";
    case PERP_FUNDING_READING_CROWDED_LONGS:
      return "crowded-longs";
    case PERP_FUNDING_READING_CROWDED_SHORTS:
      return "crowded-shorts";
    default:
      return "?";
    }
}

/**
 * perp_funding_params_init_default:
 *
 * 30 days of 8 h settlements, extremes at |z| >= 2 beyond the 95th percentile, or at
 * ±0.05 % per 8 h (five times Binance's 0.01 % baseline, about 55 % a year) whatever
 * the history.
 */
void
perp_funding_params_init_default (PerpFundingParams *params)
{
  g_return_if_fail (params != NULL);

  params->lookback = 90;
  params->min_history = 30;
  params->interval_ms = PERP_FUNDING_INTERVAL_8H;
  params->z_extreme = 2.0;
  params->percentile_extreme = 95.0;
  params->crowded_long_rate = 0.0005;
  params->crowded_short_rate = -0.0005;
  params->z_std_floor = 0.00001;
}

/**
 * perp_funding_params_check:
 *
 * Returns: %TRUE if the parameters make sense; otherwise @error names the first that
 *   does not
 */
gboolean
perp_funding_params_check (const PerpFundingParams  *params,
                           GError                  **error)
{
  const char *what = NULL;

  g_return_val_if_fail (params != NULL, FALSE);

  if (params->lookback == 0 || params->lookback > MAX_FUNDING_LOOKBACK)
    what = "lookback must be 1 .. 100000 settlements";
  else if (params->min_history == 0 || params->min_history > params->lookback)
    what = "min_history must be 1 .. lookback";
  else if (params->interval_ms <= 0)
    what = "interval_ms must be positive";
  else if (!(isfinite (params->z_extreme) && params->z_extreme > 0.0))
    what = "z_extreme must be finite and positive";
  else if (!(params->percentile_extreme > 50.0 && params->percentile_extreme <= 100.0))
    what = "percentile_extreme must be in (50, 100]";
  else if (!(params->crowded_long_rate > 0.0))
    what = "crowded_long_rate must be positive (+inf disables it)";
  else if (!(params->crowded_short_rate < 0.0))
    what = "crowded_short_rate must be negative (-inf disables it)";
  else if (!(isfinite (params->z_std_floor) && params->z_std_floor > 0.0))
    what = "z_std_floor must be finite and positive";

  if (what != NULL)
    {
      g_set_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID,
                   "funding parameters: %s", what);
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_funding_annualize:
 * @rate: funding rate per interval
 * @interval_ms: the funding interval
 *
 * Returns: @rate times the number of intervals in 365 days (simple, as exchanges and
 *   data vendors quote it); NAN for a non-finite rate or a non-positive interval
 */
double
perp_funding_annualize (double rate,
                        gint64 interval_ms)
{
  if (!isfinite (rate) || interval_ms <= 0)
    return NAN;

  return rate * ((double) (365 * PERP_MS_PER_DAY) / (double) interval_ms);
}

/**
 * perp_funding_init:
 * @params: (nullable): see #PerpFundingParams; %NULL for the defaults
 *
 * Invalid parameters are a programming error (check them with
 * perp_funding_params_check() where they come from a user); the state then falls
 * back to the defaults rather than being left unusable.
 */
void
perp_funding_init (PerpFunding             *self,
                   const PerpFundingParams *params)
{
  g_return_if_fail (self != NULL);

  if (params != NULL && perp_funding_params_check (params, NULL))
    {
      self->params = *params;
    }
  else
    {
      if (params != NULL)
        g_critical ("%s: invalid funding parameters, using the defaults", G_STRFUNC);
      perp_funding_params_init_default (&self->params);
    }

  self->ring = g_new0 (double, self->params.lookback);
  self->pos = 0;
  self->n = 0;
}

void
perp_funding_clear (PerpFunding *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->ring, g_free);
  self->pos = 0;
  self->n = 0;
}

static PerpFundingReading
funding_reading (const PerpFundingParams *p,
                 const PerpFundingValue  *v)
{
  gboolean have_stats = !isnan (v->zscore);

  if (!isfinite (v->rate))
    return PERP_FUNDING_READING_UNKNOWN;

  /* The sign condition keeps a rebound from deeply negative to mildly negative
   * funding (a big positive z) from reading as crowded longs. */
  if (v->rate > 0.0
      && (v->rate >= p->crowded_long_rate
          || (have_stats && v->zscore >= p->z_extreme && v->percentile >= p->percentile_extreme)))
    return PERP_FUNDING_READING_CROWDED_LONGS;

  if (v->rate < 0.0
      && (v->rate <= p->crowded_short_rate
          || (have_stats && v->zscore <= -p->z_extreme
              && v->percentile <= 100.0 - p->percentile_extreme)))
    return PERP_FUNDING_READING_CROWDED_SHORTS;

  return PERP_FUNDING_READING_NORMAL;
}

/* The value of @rate against the rates in the ring; the ring is read, never written. */
static inline void
funding_step (const PerpFunding *self,
              double             rate,
              PerpFundingValue  *out)
{
  const PerpFundingParams *p = &self->params;

  out->rate = rate;
  out->annualized = perp_funding_annualize (rate, p->interval_ms);
  out->n_history = self->n;
  out->mean = NAN;
  out->stddev = NAN;
  out->zscore = NAN;
  out->percentile = NAN;

  if (isfinite (rate) && self->n >= p->min_history)
    {
      double sum = 0.0;
      double m2 = 0.0;
      guint below = 0;
      guint equal = 0;

      /* Slot order, the same in update and peek, so both give the same bits. */
      for (guint i = 0; i < self->n; i++)
        sum += self->ring[i];
      out->mean = sum / self->n;

      for (guint i = 0; i < self->n; i++)
        {
          double d = self->ring[i] - out->mean;

          m2 += d * d;
          if (self->ring[i] < rate)
            below++;
          else if (self->ring[i] == rate)
            equal++;
        }
      out->stddev = sqrt (m2 / self->n);
      out->zscore = (rate - out->mean) / MAX (out->stddev, p->z_std_floor);
      out->percentile = 100.0 * (((double) below + 0.5 * (double) equal) / self->n);
    }

  out->reading = funding_reading (p, out);
}

static inline void
funding_commit (PerpFunding *self,
                double       rate)
{
  /* A missing rate is reported as unknown but must not poison the history. */
  if (!isfinite (rate))
    return;

  self->ring[self->pos] = rate;
  self->pos = (self->pos + 1) % self->params.lookback;
  if (self->n < self->params.lookback)
    self->n++;
}

/**
 * perp_funding_update:
 * @rate: the settled (or latest predicted) funding rate, NAN if unknown
 * @out: (out caller-allocates): its value against the history before it
 *
 * Reads @rate against the previous rates, then adds it to the history (unless it is
 * not finite).
 */
void
perp_funding_update (PerpFunding      *self,
                     double            rate,
                     PerpFundingValue *out)
{
  g_return_if_fail (self != NULL && self->ring != NULL);
  g_return_if_fail (out != NULL);

  funding_step (self, rate, out);
  funding_commit (self, rate);
}

/**
 * perp_funding_peek:
 * @rate: the current predicted rate (the markPrice stream's `r`)
 * @out: (out caller-allocates): its value against the settled history
 *
 * Like perp_funding_update() without changing the history: for the rate that keeps
 * moving until the next settlement.
 */
void
perp_funding_peek (const PerpFunding *self,
                   double             rate,
                   PerpFundingValue  *out)
{
  g_return_if_fail (self != NULL && self->ring != NULL);
  g_return_if_fail (out != NULL);

  funding_step (self, rate, out);
}

/**
 * perp_funding_batch:
 * @rates: (array length=n): settled rates in time order
 * @params: (nullable): %NULL for the defaults
 * @out: (array length=n) (out caller-allocates): one value per rate
 */
void
perp_funding_batch (const double            *rates,
                    gsize                    n,
                    const PerpFundingParams *params,
                    PerpFundingValue        *out)
{
  PerpFunding f;

  g_return_if_fail (n == 0 || (rates != NULL && out != NULL));

  perp_funding_init (&f, params);
  for (gsize i = 0; i < n; i++)
    {
      funding_step (&f, rates[i], &out[i]);
      funding_commit (&f, rates[i]);
    }
  perp_funding_clear (&f);
}

/* ------------------------------------------------------------------ premium */

/**
 * perp_premium:
 * @mark: mark price
 * @index: index price (the spot reference)
 *
 * Returns: (@mark - @index) / @index: positive when the perpetual trades rich to spot
 *   (longs pay); NAN unless both are finite and @index is positive
 */
double
perp_premium (double mark,
              double index)
{
  if (!isfinite (mark) || !isfinite (index) || index <= 0.0 || mark < 0.0)
    return NAN;

  return (mark - index) / index;
}

/**
 * perp_basis_bps:
 * @price: the perpetual's price (mark or last)
 * @index: the index price
 *
 * Returns: the basis in basis points, 10000 × perp_premium(); NAN likewise
 */
double
perp_basis_bps (double price,
                double index)
{
  return perp_premium (price, index) * 10000.0;
}
