/* perp-indicators.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-indicators"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "perp-interval.h"
#include "perp-window-private.h"

/*
 * Each indicator has a static inline `*_step` (new state and outputs, rings untouched)
 * and `*_commit`.  The public update/peek/batch functions are thin wrappers, so the
 * batch loops inline the very same arithmetic the incremental form runs: bit-identical
 * by construction, and as fast as a hand-written batch loop.
 *
 * The arithmetic follows TA-Lib's operation order where it matters for the last bits
 * (EMA as (x - e) * k + e, Wilder averages as (a * (n - 1) + x) / n) and TA-Lib's zero
 * guards, so that values agree with TA-Lib to far better than the conformance tolerance.
 */

/* Bounded oscillators can land a few ulps outside their range (a ratio rounded up, a
 * running sum a hair below zero).  Nothing downstream should see 100.00000000000001. */
static inline double
clamp_to (double x,
          double lo,
          double hi)
{
  return x < lo ? lo : (x > hi ? hi : x);
}

/* ---------------------------------------------------------------- SMA */

void
perp_sma_init (PerpSma *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  _perp_window_init (&self->w, period, FALSE);
}

void
perp_sma_clear (PerpSma *self)
{
  g_return_if_fail (self != NULL);

  _perp_window_clear (&self->w);
}

static inline double
sma_step (const PerpSma *self,
          double         x,
          double        *sum)
{
  double m2;

  if (!_perp_window_step (&self->w, x, sum, &m2))
    return NAN;

  return *sum / self->w.period;
}

static inline double
sma_update (PerpSma *self,
            double   x)
{
  double sum;
  double out = sma_step (self, x, &sum);

  _perp_window_commit (&self->w, x, sum, 0.0);

  return out;
}

/**
 * perp_sma_update:
 *
 * Returns: the SMA including @value, or NAN while fewer than `period` values were seen
 */
double
perp_sma_update (PerpSma *self,
                 double   value)
{
  g_return_val_if_fail (self != NULL, NAN);

  return sma_update (self, value);
}

double
perp_sma_peek (const PerpSma *self,
               double         value)
{
  double sum;

  g_return_val_if_fail (self != NULL, NAN);

  return sma_step (self, value, &sum);
}

void
perp_sma_batch (const double *in,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpSma s;

  g_return_if_fail (n == 0 || (in != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_sma_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = sma_update (&s, in[i]);
  perp_sma_clear (&s);
}

/* ---------------------------------------------------------------- EMA */

void
perp_ema_init (PerpEma *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  self->period = period;
  self->count = 0;
  self->k = 2.0 / ((double) period + 1.0);
  self->seed_sum = 0.0;
  self->value = NAN;
}

static inline double
ema_step (const PerpEma *self,
          double         x,
          PerpEma       *next)
{
  *next = *self;
  next->count++;

  if (self->count + 1 < self->period)
    {
      next->seed_sum = self->seed_sum + x;
      return NAN;
    }

  if (self->count + 1 == self->period)
    next->value = (self->seed_sum + x) / self->period;
  else
    next->value = ((x - self->value) * self->k) + self->value;

  return next->value;
}

static inline double
ema_update (PerpEma *self,
            double   x)
{
  PerpEma next;
  double out = ema_step (self, x, &next);

  *self = next;

  return out;
}

double
perp_ema_update (PerpEma *self,
                 double   value)
{
  g_return_val_if_fail (self != NULL, NAN);

  return ema_update (self, value);
}

double
perp_ema_peek (const PerpEma *self,
               double         value)
{
  PerpEma next;

  g_return_val_if_fail (self != NULL, NAN);

  return ema_step (self, value, &next);
}

void
perp_ema_batch (const double *in,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpEma s;

  g_return_if_fail (n == 0 || (in != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_ema_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = ema_update (&s, in[i]);
}

/* ---------------------------------------------------------------- RSI */

void
perp_rsi_init (PerpRsi *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  self->period = period;
  self->count = 0;
  self->prev = 0.0;
  self->avg_gain = 0.0;
  self->avg_loss = 0.0;
}

static inline double
rsi_value (double avg_gain,
           double avg_loss)
{
  double total = avg_gain + avg_loss;

  /* TA-Lib: 0, not 50, when there was no movement at all. */
  if (_perp_is_zero (total))
    return 0.0;

  return 100.0 * (avg_gain / total);
}

/* self->count closes were seen before @x, so @x brings change number self->count.
 * Changes 1..period seed the averages with plain sums; the first RSI is at change
 * `period` (index period); Wilder smoothing after that. */
static inline double
rsi_step (const PerpRsi *self,
          double         x,
          PerpRsi       *next)
{
  double diff;
  double gain;
  double loss;

  *next = *self;
  next->count++;
  next->prev = x;

  if (self->count == 0)
    return NAN;

  diff = x - self->prev;
  gain = diff > 0.0 ? diff : 0.0;
  loss = diff < 0.0 ? -diff : 0.0;

  if (self->count < self->period)
    {
      next->avg_gain = self->avg_gain + gain;
      next->avg_loss = self->avg_loss + loss;
      return NAN;
    }

  if (self->count == self->period)
    {
      next->avg_gain = (self->avg_gain + gain) / self->period;
      next->avg_loss = (self->avg_loss + loss) / self->period;
    }
  else
    {
      next->avg_gain = (self->avg_gain * (self->period - 1) + gain) / self->period;
      next->avg_loss = (self->avg_loss * (self->period - 1) + loss) / self->period;
    }

  return rsi_value (next->avg_gain, next->avg_loss);
}

static inline double
rsi_update (PerpRsi *self,
            double   x)
{
  PerpRsi next;
  double out = rsi_step (self, x, &next);

  *self = next;

  return out;
}

double
perp_rsi_update (PerpRsi *self,
                 double   close)
{
  g_return_val_if_fail (self != NULL, NAN);

  return rsi_update (self, close);
}

double
perp_rsi_peek (const PerpRsi *self,
               double         close)
{
  PerpRsi next;

  g_return_val_if_fail (self != NULL, NAN);

  return rsi_step (self, close, &next);
}

void
perp_rsi_batch (const double *close,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpRsi s;

  g_return_if_fail (n == 0 || (close != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_rsi_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = rsi_update (&s, close[i]);
}

/* ---------------------------------------------------------------- ATR, NATR */

static inline double
true_range (double high,
            double low,
            double prev_close)
{
  double tr = high - low;
  double up = fabs (prev_close - high);
  double down = fabs (prev_close - low);

  if (up > tr)
    tr = up;
  if (down > tr)
    tr = down;

  return tr;
}

void
perp_atr_init (PerpAtr *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  self->period = period;
  self->count = 0;
  self->prev_close = 0.0;
  self->atr = 0.0;
}

/* The first true range is at index 1; ATR is their mean at index `period`, then
 * Wilder-smoothed.  While seeding, `atr` holds the running sum. */
static inline double
atr_step (const PerpAtr *self,
          double         high,
          double         low,
          double         close,
          PerpAtr       *next)
{
  double tr;

  *next = *self;
  next->count++;
  next->prev_close = close;

  if (self->count == 0)
    return NAN;

  tr = true_range (high, low, self->prev_close);

  if (self->count < self->period)
    {
      next->atr = self->atr + tr;
      return NAN;
    }

  if (self->count == self->period)
    next->atr = (self->atr + tr) / self->period;
  else
    next->atr = (self->atr * (self->period - 1) + tr) / self->period;

  return next->atr;
}

static inline double
atr_update (PerpAtr *self,
            double   high,
            double   low,
            double   close)
{
  PerpAtr next;
  double out = atr_step (self, high, low, close, &next);

  *self = next;

  return out;
}

double
perp_atr_update (PerpAtr *self,
                 double   high,
                 double   low,
                 double   close)
{
  g_return_val_if_fail (self != NULL, NAN);

  return atr_update (self, high, low, close);
}

double
perp_atr_peek (const PerpAtr *self,
               double         high,
               double         low,
               double         close)
{
  PerpAtr next;

  g_return_val_if_fail (self != NULL, NAN);

  return atr_step (self, high, low, close, &next);
}

/**
 * perp_natr_from_atr:
 *
 * Returns: ATR as a percentage of @close (0 when the close is zero, NAN with no ATR)
 */
double
perp_natr_from_atr (double atr,
                    double close)
{
  if (isnan (atr))
    return NAN;
  if (_perp_is_zero (close))
    return 0.0;

  return (atr / close) * 100.0;
}

void
perp_atr_batch (const double *high,
                const double *low,
                const double *close,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpAtr s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_atr_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = atr_update (&s, high[i], low[i], close[i]);
}

void
perp_natr_batch (const double *high,
                 const double *low,
                 const double *close,
                 gsize         n,
                 guint         period,
                 double       *out)
{
  PerpAtr s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_atr_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = perp_natr_from_atr (atr_update (&s, high[i], low[i], close[i]), close[i]);
}

/* ---------------------------------------------------------------- MACD */

void
perp_macd_init (PerpMacd *self,
                guint     fast_period,
                guint     slow_period,
                guint     signal_period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (fast_period > 0 && slow_period > 0 && signal_period > 0);

  /* TA-Lib swaps them too. */
  if (slow_period < fast_period)
    {
      guint tmp = slow_period;

      slow_period = fast_period;
      fast_period = tmp;
    }

  self->fast_period = fast_period;
  self->slow_period = slow_period;
  self->signal_period = signal_period;
  self->count = 0;
  self->k_fast = 2.0 / ((double) fast_period + 1.0);
  self->k_slow = 2.0 / ((double) slow_period + 1.0);
  self->k_signal = 2.0 / ((double) signal_period + 1.0);
  self->fast = 0.0;
  self->slow = 0.0;
  self->signal = 0.0;
  self->signal_seed = 0.0;
}

/* Both EMAs start at index slow-1: the slow one seeded with the mean of closes
 * 0..slow-1, the fast one with the mean of the `fast` closes ending there.  While
 * seeding, `fast` and `slow` hold running sums, and so does `signal_seed` for the line. */
G_ALWAYS_INLINE static inline void
macd_step (const PerpMacd *self,
           double          x,
           PerpMacd       *next,
           PerpMacdValue  *out)
{
  guint64 i = self->count;
  guint64 first = self->slow_period - 1;
  double line;

  *next = *self;
  next->count++;
  out->macd = out->signal = out->hist = NAN;

  if (i < first)
    {
      next->slow = self->slow + x;
      if (i >= (guint64) (self->slow_period - self->fast_period))
        next->fast = self->fast + x;
      return;
    }

  if (i == first)
    {
      next->slow = (self->slow + x) / self->slow_period;
      next->fast = (self->fast + x) / self->fast_period;
    }
  else
    {
      next->slow = ((x - self->slow) * self->k_slow) + self->slow;
      next->fast = ((x - self->fast) * self->k_fast) + self->fast;
    }

  line = next->fast - next->slow;

  if (i - first + 1 < self->signal_period)
    {
      next->signal_seed = self->signal_seed + line;
      return;
    }

  if (i - first + 1 == self->signal_period)
    next->signal = (self->signal_seed + line) / self->signal_period;
  else
    next->signal = ((line - self->signal) * self->k_signal) + self->signal;

  out->macd = line;
  out->signal = next->signal;
  out->hist = line - next->signal;
}

static inline void
macd_update (PerpMacd      *self,
             double         x,
             PerpMacdValue *out)
{
  PerpMacd next;

  macd_step (self, x, &next, out);
  *self = next;
}

void
perp_macd_update (PerpMacd      *self,
                  double         close,
                  PerpMacdValue *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  macd_update (self, close, out);
}

void
perp_macd_peek (const PerpMacd *self,
                double          close,
                PerpMacdValue  *out)
{
  PerpMacd next;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  macd_step (self, close, &next, out);
}

void
perp_macd_batch (const double *close,
                 gsize         n,
                 guint         fast_period,
                 guint         slow_period,
                 guint         signal_period,
                 double       *macd,
                 double       *signal,
                 double       *hist)
{
  PerpMacd s;

  g_return_if_fail (n == 0 || (close != NULL && macd != NULL && signal != NULL && hist != NULL));

  perp_macd_init (&s, fast_period, slow_period, signal_period);
  for (gsize i = 0; i < n; i++)
    {
      PerpMacdValue v;

      macd_update (&s, close[i], &v);
      macd[i] = v.macd;
      signal[i] = v.signal;
      hist[i] = v.hist;
    }
}

/* ---------------------------------------------------------------- Bollinger */

void
perp_bollinger_init (PerpBollinger *self,
                     guint          period,
                     double         k_up,
                     double         k_down)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  _perp_window_init (&self->w, period, TRUE);
  self->k_up = k_up;
  self->k_down = k_down;
}

void
perp_bollinger_clear (PerpBollinger *self)
{
  g_return_if_fail (self != NULL);

  _perp_window_clear (&self->w);
}

G_ALWAYS_INLINE static inline void
bollinger_step (const PerpBollinger *self,
                double               x,
                double              *sum,
                double              *m2,
                PerpBollingerValue  *out)
{
  double variance;
  double sd;

  if (!_perp_window_step (&self->w, x, sum, m2))
    {
      out->upper = out->middle = out->lower = NAN;
      return;
    }

  out->middle = *sum / self->w.period;
  variance = *m2 / self->w.period;
  /* TA-Lib's cut-off (TA_IS_ZERO_OR_NEG), which also absorbs rounding below zero. */
  sd = variance < 1e-14 ? 0.0 : sqrt (variance);
  out->upper = out->middle + self->k_up * sd;
  out->lower = out->middle - self->k_down * sd;
}

static inline void
bollinger_update (PerpBollinger      *self,
                  double              x,
                  PerpBollingerValue *out)
{
  double sum;
  double m2;

  bollinger_step (self, x, &sum, &m2, out);
  _perp_window_commit (&self->w, x, sum, m2);
}

void
perp_bollinger_update (PerpBollinger      *self,
                       double              close,
                       PerpBollingerValue *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  bollinger_update (self, close, out);
}

void
perp_bollinger_peek (const PerpBollinger *self,
                     double               close,
                     PerpBollingerValue  *out)
{
  double sum;
  double m2;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  bollinger_step (self, close, &sum, &m2, out);
}

void
perp_bollinger_batch (const double *close,
                      gsize         n,
                      guint         period,
                      double        k_up,
                      double        k_down,
                      double       *upper,
                      double       *middle,
                      double       *lower)
{
  PerpBollinger s;

  g_return_if_fail (n == 0 || (close != NULL && upper != NULL && middle != NULL && lower != NULL));
  g_return_if_fail (period > 0);

  perp_bollinger_init (&s, period, k_up, k_down);
  for (gsize i = 0; i < n; i++)
    {
      PerpBollingerValue v;

      bollinger_update (&s, close[i], &v);
      upper[i] = v.upper;
      middle[i] = v.middle;
      lower[i] = v.lower;
    }
  perp_bollinger_clear (&s);
}

/* ---------------------------------------------------------------- Stochastic RSI */

void
perp_stoch_rsi_init (PerpStochRsi *self,
                     guint         rsi_period,
                     guint         stoch_period,
                     guint         k_smooth,
                     guint         d_smooth)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rsi_period > 0 && stoch_period > 0 && k_smooth > 0 && d_smooth > 0);

  perp_rsi_init (&self->rsi, rsi_period);
  _perp_extremes_init (&self->extremes, stoch_period);
  perp_sma_init (&self->k, k_smooth);
  perp_sma_init (&self->d, d_smooth);
}

void
perp_stoch_rsi_clear (PerpStochRsi *self)
{
  g_return_if_fail (self != NULL);

  _perp_extremes_clear (&self->extremes);
  perp_sma_clear (&self->k);
  perp_sma_clear (&self->d);
}

typedef struct
{
  PerpRsi rsi;
  double  rsi_value;
  double  max;
  double  min;
  guint64 max_seq;
  guint64 min_seq;
  double  fast_k;
  double  k_sum;
  double  slow_k;
  double  d_sum;
} StochRsiNext;

/* Each stage advances only once the previous one produced a value, as TA-Lib runs
 * STOCH on the valid part of the RSI series. */
G_ALWAYS_INLINE static inline void
stoch_rsi_step (const PerpStochRsi *self,
                double              x,
                StochRsiNext       *next,
                PerpStochRsiValue  *out)
{
  double slow_d;

  out->k = out->d = NAN;
  next->fast_k = next->slow_k = NAN;

  next->rsi_value = rsi_step (&self->rsi, x, &next->rsi);
  if (isnan (next->rsi_value))
    return;

  _perp_extremes_step (&self->extremes, next->rsi_value, TRUE, TRUE,
                       &next->max, &next->max_seq, &next->min, &next->min_seq);
  if (self->extremes.count + 1 < self->extremes.period)
    return;

  {
    /* TA-Lib's arithmetic: (x - lowest) / ((highest - lowest) / 100), 0 if flat. */
    double diff = (next->max - next->min) / 100.0;

    next->fast_k = diff != 0.0 ? (next->rsi_value - next->min) / diff : 0.0;
  }

  next->slow_k = sma_step (&self->k, next->fast_k, &next->k_sum);
  if (isnan (next->slow_k))
    return;

  slow_d = sma_step (&self->d, next->slow_k, &next->d_sum);
  if (isnan (slow_d))
    return;

  out->k = clamp_to (next->slow_k, 0.0, 100.0);
  out->d = clamp_to (slow_d, 0.0, 100.0);
}

static inline void
stoch_rsi_update (PerpStochRsi      *self,
                  double             x,
                  PerpStochRsiValue *out)
{
  StochRsiNext next;

  stoch_rsi_step (self, x, &next, out);

  self->rsi = next.rsi;
  if (isnan (next.rsi_value))
    return;
  _perp_extremes_commit (&self->extremes, next.rsi_value,
                         next.max, next.max_seq, next.min, next.min_seq);
  if (isnan (next.fast_k))
    return;
  _perp_window_commit (&self->k.w, next.fast_k, next.k_sum, 0.0);
  if (isnan (next.slow_k))
    return;
  _perp_window_commit (&self->d.w, next.slow_k, next.d_sum, 0.0);
}

void
perp_stoch_rsi_update (PerpStochRsi      *self,
                       double             close,
                       PerpStochRsiValue *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  stoch_rsi_update (self, close, out);
}

void
perp_stoch_rsi_peek (const PerpStochRsi *self,
                     double              close,
                     PerpStochRsiValue  *out)
{
  StochRsiNext next;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  stoch_rsi_step (self, close, &next, out);
}

void
perp_stoch_rsi_batch (const double *close,
                      gsize         n,
                      guint         rsi_period,
                      guint         stoch_period,
                      guint         k_smooth,
                      guint         d_smooth,
                      double       *k,
                      double       *d)
{
  PerpStochRsi s;

  g_return_if_fail (n == 0 || (close != NULL && k != NULL && d != NULL));

  perp_stoch_rsi_init (&s, rsi_period, stoch_period, k_smooth, d_smooth);
  for (gsize i = 0; i < n; i++)
    {
      PerpStochRsiValue v;

      stoch_rsi_update (&s, close[i], &v);
      k[i] = v.k;
      d[i] = v.d;
    }
  perp_stoch_rsi_clear (&s);
}

/* ---------------------------------------------------------------- OBV */

void
perp_obv_init (PerpObv *self)
{
  g_return_if_fail (self != NULL);

  self->count = 0;
  self->prev_close = 0.0;
  self->obv = 0.0;
}

static inline double
obv_step (const PerpObv *self,
          double         close,
          double         volume,
          PerpObv       *next)
{
  *next = *self;
  next->count++;
  next->prev_close = close;

  if (self->count == 0)
    next->obv = volume;  /* TA-Lib starts at the first volume, not at 0 */
  else if (close > self->prev_close)
    next->obv = self->obv + volume;
  else if (close < self->prev_close)
    next->obv = self->obv - volume;

  return next->obv;
}

static inline double
obv_update (PerpObv *self,
            double   close,
            double   volume)
{
  PerpObv next;
  double out = obv_step (self, close, volume, &next);

  *self = next;

  return out;
}

double
perp_obv_update (PerpObv *self,
                 double   close,
                 double   volume)
{
  g_return_val_if_fail (self != NULL, NAN);

  return obv_update (self, close, volume);
}

double
perp_obv_peek (const PerpObv *self,
               double         close,
               double         volume)
{
  PerpObv next;

  g_return_val_if_fail (self != NULL, NAN);

  return obv_step (self, close, volume, &next);
}

void
perp_obv_batch (const double *close,
                const double *volume,
                gsize         n,
                double       *out)
{
  PerpObv s;

  g_return_if_fail (n == 0 || (close != NULL && volume != NULL && out != NULL));

  perp_obv_init (&s);
  for (gsize i = 0; i < n; i++)
    out[i] = obv_update (&s, close[i], volume[i]);
}

/* ---------------------------------------------------------------- +DI, -DI, ADX */

void
perp_dmi_init (PerpDmi *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  memset (self, 0, sizeof *self);
  self->period = period;
}

/* Wilder's sums are seeded over period-1 changes (indexes 1..period-1) and updated as
 * S - S/period + x from index `period`, where +DI and -DI start.  DX values of indexes
 * period..2*period-1 are averaged into the first ADX; then Wilder smoothing.  Where the
 * true-range sum or +DI + -DI is about zero, DX counts as 0 in the first mean and the
 * update is skipped afterwards, as in TA-Lib. */
G_ALWAYS_INLINE static inline void
dmi_step (const PerpDmi *self,
          double         high,
          double         low,
          double         close,
          PerpDmi       *next,
          PerpDmiValue  *out)
{
  guint64 i = self->count;
  guint p = self->period;
  double up;
  double down;
  double plus_dm = 0.0;
  double minus_dm = 0.0;
  double tr;
  double plus_di;
  double minus_di;
  double dx = 0.0;
  gboolean have_dx = FALSE;

  *next = *self;
  next->count++;
  next->prev_high = high;
  next->prev_low = low;
  next->prev_close = close;
  out->plus_di = out->minus_di = out->adx = NAN;

  if (i == 0)
    return;

  up = high - self->prev_high;
  down = self->prev_low - low;
  if (down > 0.0 && up < down)
    minus_dm = down;
  else if (up > 0.0 && up > down)
    plus_dm = up;
  tr = true_range (high, low, self->prev_close);

  if (i < p)
    {
      next->sum_plus_dm = self->sum_plus_dm + plus_dm;
      next->sum_minus_dm = self->sum_minus_dm + minus_dm;
      next->sum_tr = self->sum_tr + tr;
      return;
    }

  next->sum_plus_dm = (self->sum_plus_dm - self->sum_plus_dm / p) + plus_dm;
  next->sum_minus_dm = (self->sum_minus_dm - self->sum_minus_dm / p) + minus_dm;
  next->sum_tr = (self->sum_tr - self->sum_tr / p) + tr;

  if (_perp_is_zero (next->sum_tr))
    {
      plus_di = minus_di = 0.0;
    }
  else
    {
      double di_sum;

      plus_di = 100.0 * (next->sum_plus_dm / next->sum_tr);
      minus_di = 100.0 * (next->sum_minus_dm / next->sum_tr);
      di_sum = plus_di + minus_di;
      if (!_perp_is_zero (di_sum))
        {
          dx = 100.0 * (fabs (minus_di - plus_di) / di_sum);
          have_dx = TRUE;
        }
    }

  out->plus_di = plus_di;
  out->minus_di = minus_di;

  if (i < 2 * (guint64) p - 1)
    {
      next->adx = self->adx + dx;
      return;
    }

  if (i == 2 * (guint64) p - 1)
    next->adx = (self->adx + dx) / p;
  else if (have_dx)
    next->adx = ((self->adx * (p - 1)) + dx) / p;

  out->adx = next->adx;
}

static inline void
dmi_update (PerpDmi      *self,
            double        high,
            double        low,
            double        close,
            PerpDmiValue *out)
{
  PerpDmi next;

  dmi_step (self, high, low, close, &next, out);
  *self = next;
}

void
perp_dmi_update (PerpDmi      *self,
                 double        high,
                 double        low,
                 double        close,
                 PerpDmiValue *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  dmi_update (self, high, low, close, out);
}

void
perp_dmi_peek (const PerpDmi *self,
               double         high,
               double         low,
               double         close,
               PerpDmiValue  *out)
{
  PerpDmi next;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  dmi_step (self, high, low, close, &next, out);
}

void
perp_dmi_batch (const double *high,
                const double *low,
                const double *close,
                gsize         n,
                guint         period,
                double       *plus_di,
                double       *minus_di,
                double       *adx)
{
  PerpDmi s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL));
  g_return_if_fail (period > 0);

  perp_dmi_init (&s, period);
  for (gsize i = 0; i < n; i++)
    {
      PerpDmiValue v;

      dmi_update (&s, high[i], low[i], close[i], &v);
      if (plus_di != NULL)
        plus_di[i] = v.plus_di;
      if (minus_di != NULL)
        minus_di[i] = v.minus_di;
      if (adx != NULL)
        adx[i] = v.adx;
    }
}

/* ---------------------------------------------------------------- CCI */

static inline double
typical_price (double high,
               double low,
               double close)
{
  return ((high + low) + close) / 3.0;
}

void
perp_cci_init (PerpCci *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  _perp_window_init (&self->w, period, FALSE);
}

void
perp_cci_clear (PerpCci *self)
{
  g_return_if_fail (self != NULL);

  _perp_window_clear (&self->w);
}

/* Sum of |ring[j] - mean| for j in [from, to), in four independent chains so that the
 * additions overlap instead of waiting on each other. */
static inline double
abs_deviation_sum (const double *ring,
                   guint         from,
                   guint         to,
                   double        mean)
{
  double acc[4] = { 0.0, 0.0, 0.0, 0.0 };
  guint j = from;

  for (; j + 4 <= to; j += 4)
    {
      acc[0] += fabs (ring[j] - mean);
      acc[1] += fabs (ring[j + 1] - mean);
      acc[2] += fabs (ring[j + 2] - mean);
      acc[3] += fabs (ring[j + 3] - mean);
    }
  for (; j < to; j++)
    acc[0] += fabs (ring[j] - mean);

  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

G_ALWAYS_INLINE static inline double
cci_step (const PerpCci *self,
          double         tp,
          double        *sum)
{
  const PerpWindow *w = &self->w;
  double m2;
  double mean;
  double abs_dev;
  double diff;

  if (!_perp_window_step (w, tp, sum, &m2))
    return NAN;

  /* The mean absolute deviation has no running form: one pass over the window (every
   * slot but the one tp replaces), O(period) as in TA-Lib, which makes two. */
  mean = *sum / w->period;
  abs_dev = fabs (tp - mean) + abs_deviation_sum (w->ring, 0, w->pos, mean)
            + abs_deviation_sum (w->ring, w->pos + 1, w->period, mean);
  abs_dev /= w->period;

  diff = tp - mean;
  /* A flat window: the deviation is rounding noise in the mean, not a signal. */
  if (diff == 0.0 || abs_dev <= 64 * DBL_EPSILON * fabs (mean))
    return 0.0;

  return diff / (0.015 * abs_dev);
}

static inline double
cci_update (PerpCci *self,
            double   high,
            double   low,
            double   close)
{
  double tp = typical_price (high, low, close);
  double sum;
  double out = cci_step (self, tp, &sum);

  _perp_window_commit (&self->w, tp, sum, 0.0);

  return out;
}

double
perp_cci_update (PerpCci *self,
                 double   high,
                 double   low,
                 double   close)
{
  g_return_val_if_fail (self != NULL, NAN);

  return cci_update (self, high, low, close);
}

double
perp_cci_peek (const PerpCci *self,
               double         high,
               double         low,
               double         close)
{
  double sum;

  g_return_val_if_fail (self != NULL, NAN);

  return cci_step (self, typical_price (high, low, close), &sum);
}

void
perp_cci_batch (const double *high,
                const double *low,
                const double *close,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpCci s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_cci_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = cci_update (&s, high[i], low[i], close[i]);
  perp_cci_clear (&s);
}

/* ---------------------------------------------------------------- MFI */

void
perp_mfi_init (PerpMfi *self,
               guint    period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  _perp_window_init (&self->positive, period, FALSE);
  _perp_window_init (&self->negative, period, FALSE);
  self->count = 0;
  self->prev_tp = 0.0;
}

void
perp_mfi_clear (PerpMfi *self)
{
  g_return_if_fail (self != NULL);

  _perp_window_clear (&self->positive);
  _perp_window_clear (&self->negative);
}

typedef struct
{
  double tp;
  double positive;
  double negative;
  double pos_sum;
  double neg_sum;
} MfiNext;

/* Flows start with the first typical-price change (index 1); the first MFI is at index
 * `period`, over `period` flows. */
G_ALWAYS_INLINE static inline double
mfi_step (const PerpMfi *self,
          double         high,
          double         low,
          double         close,
          double         volume,
          MfiNext       *next)
{
  double flow;
  double m2;
  double total;

  next->tp = typical_price (high, low, close);
  if (self->count == 0)
    return NAN;

  flow = next->tp * volume;
  next->positive = next->tp > self->prev_tp ? flow : 0.0;
  next->negative = next->tp < self->prev_tp ? flow : 0.0;

  _perp_window_step (&self->negative, next->negative, &next->neg_sum, &m2);
  if (!_perp_window_step (&self->positive, next->positive, &next->pos_sum, &m2))
    return NAN;

  /* TA-Lib's absolute threshold: no money flow to speak of. */
  total = next->pos_sum + next->neg_sum;
  if (total < 1.0)
    return 0.0;

  return clamp_to (100.0 * (next->pos_sum / total), 0.0, 100.0);
}

static inline double
mfi_update (PerpMfi *self,
            double   high,
            double   low,
            double   close,
            double   volume)
{
  MfiNext next;
  double out = mfi_step (self, high, low, close, volume, &next);

  if (self->count > 0)
    {
      _perp_window_commit (&self->positive, next.positive, next.pos_sum, 0.0);
      _perp_window_commit (&self->negative, next.negative, next.neg_sum, 0.0);
    }
  self->count++;
  self->prev_tp = next.tp;

  return out;
}

double
perp_mfi_update (PerpMfi *self,
                 double   high,
                 double   low,
                 double   close,
                 double   volume)
{
  g_return_val_if_fail (self != NULL, NAN);

  return mfi_update (self, high, low, close, volume);
}

double
perp_mfi_peek (const PerpMfi *self,
               double         high,
               double         low,
               double         close,
               double         volume)
{
  MfiNext next;

  g_return_val_if_fail (self != NULL, NAN);

  return mfi_step (self, high, low, close, volume, &next);
}

void
perp_mfi_batch (const double *high,
                const double *low,
                const double *close,
                const double *volume,
                gsize         n,
                guint         period,
                double       *out)
{
  PerpMfi s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL && volume != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_mfi_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = mfi_update (&s, high[i], low[i], close[i], volume[i]);
  perp_mfi_clear (&s);
}

/* ---------------------------------------------------------------- Williams %R */

void
perp_willr_init (PerpWillr *self,
                 guint      period)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (period > 0);

  _perp_extremes_init (&self->highs, period);
  _perp_extremes_init (&self->lows, period);
}

void
perp_willr_clear (PerpWillr *self)
{
  g_return_if_fail (self != NULL);

  _perp_extremes_clear (&self->highs);
  _perp_extremes_clear (&self->lows);
}

typedef struct
{
  double  hh;
  double  ll;
  guint64 hh_seq;
  guint64 ll_seq;
  double  unused;
  guint64 unused_seq;
} WillrNext;

G_ALWAYS_INLINE static inline double
willr_step (const PerpWillr *self,
            double           high,
            double           low,
            double           close,
            WillrNext       *next)
{
  double diff;

  _perp_extremes_step (&self->highs, high, TRUE, FALSE,
                       &next->hh, &next->hh_seq, &next->unused, &next->unused_seq);
  _perp_extremes_step (&self->lows, low, FALSE, TRUE,
                       &next->unused, &next->unused_seq, &next->ll, &next->ll_seq);

  if (self->highs.count + 1 < self->highs.period)
    return NAN;

  /* TA-Lib's arithmetic: (HH - close) / ((HH - LL) * -0.01), 0 when HH == LL. */
  diff = (next->hh - next->ll) * (-0.01);
  if (diff == 0.0)
    return 0.0;

  return clamp_to ((next->hh - close) / diff, -100.0, 0.0);
}

static inline double
willr_update (PerpWillr *self,
              double     high,
              double     low,
              double     close)
{
  WillrNext next;
  double out = willr_step (self, high, low, close, &next);

  _perp_extremes_commit (&self->highs, high, next.hh, next.hh_seq, 0.0, 0);
  _perp_extremes_commit (&self->lows, low, 0.0, 0, next.ll, next.ll_seq);

  return out;
}

double
perp_willr_update (PerpWillr *self,
                   double     high,
                   double     low,
                   double     close)
{
  g_return_val_if_fail (self != NULL, NAN);

  return willr_update (self, high, low, close);
}

double
perp_willr_peek (const PerpWillr *self,
                 double           high,
                 double           low,
                 double           close)
{
  WillrNext next;

  g_return_val_if_fail (self != NULL, NAN);

  return willr_step (self, high, low, close, &next);
}

void
perp_willr_batch (const double *high,
                  const double *low,
                  const double *close,
                  gsize         n,
                  guint         period,
                  double       *out)
{
  PerpWillr s;

  g_return_if_fail (n == 0 || (high != NULL && low != NULL && close != NULL && out != NULL));
  g_return_if_fail (period > 0);

  perp_willr_init (&s, period);
  for (gsize i = 0; i < n; i++)
    out[i] = willr_update (&s, high[i], low[i], close[i]);
  perp_willr_clear (&s);
}

/* ---------------------------------------------------------------- VWAP */

#define NO_ANCHOR G_MININT64

/**
 * perp_vwap_init_session:
 * @session_ms: session length; %PERP_MS_PER_DAY re-anchors at every 00:00 UTC
 */
void
perp_vwap_init_session (PerpVwap *self,
                        gint64    session_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (session_ms > 0);

  self->session_ms = session_ms;
  self->anchor = NO_ANCHOR;
  self->sum_pv = 0.0;
  self->sum_v = 0.0;
}

/**
 * perp_vwap_init_anchored:
 * @anchor_time: open time of the first candle to include
 */
void
perp_vwap_init_anchored (PerpVwap *self,
                         gint64    anchor_time)
{
  g_return_if_fail (self != NULL);

  self->session_ms = 0;
  self->anchor = anchor_time;
  self->sum_pv = 0.0;
  self->sum_v = 0.0;
}

static inline double
vwap_step (const PerpVwap *self,
           gint64          open_time,
           double          high,
           double          low,
           double          close,
           double          volume,
           PerpVwap       *next)
{
  *next = *self;

  if (self->session_ms > 0)
    {
      gint64 start = perp_floor_div (open_time, self->session_ms) * self->session_ms;

      if (start != self->anchor)
        {
          next->anchor = start;
          next->sum_pv = 0.0;
          next->sum_v = 0.0;
        }
    }
  else if (open_time < self->anchor)
    {
      return NAN;
    }

  next->sum_pv += typical_price (high, low, close) * volume;
  next->sum_v += volume;

  if (!(next->sum_v > 0.0))
    return NAN;

  return next->sum_pv / next->sum_v;
}

static inline double
vwap_update (PerpVwap *self,
             gint64    open_time,
             double    high,
             double    low,
             double    close,
             double    volume)
{
  PerpVwap next;
  double out = vwap_step (self, open_time, high, low, close, volume, &next);

  *self = next;

  return out;
}

double
perp_vwap_update (PerpVwap *self,
                  gint64    open_time,
                  double    high,
                  double    low,
                  double    close,
                  double    volume)
{
  g_return_val_if_fail (self != NULL, NAN);

  return vwap_update (self, open_time, high, low, close, volume);
}

double
perp_vwap_peek (const PerpVwap *self,
                gint64          open_time,
                double          high,
                double          low,
                double          close,
                double          volume)
{
  PerpVwap next;

  g_return_val_if_fail (self != NULL, NAN);

  return vwap_step (self, open_time, high, low, close, volume, &next);
}

static void
vwap_batch (PerpVwap     *s,
            const gint64 *open_time,
            const double *high,
            const double *low,
            const double *close,
            const double *volume,
            gsize         n,
            double       *out)
{
  for (gsize i = 0; i < n; i++)
    out[i] = vwap_update (s, open_time[i], high[i], low[i], close[i], volume[i]);
}

void
perp_vwap_session_batch (const gint64 *open_time,
                         const double *high,
                         const double *low,
                         const double *close,
                         const double *volume,
                         gsize         n,
                         gint64        session_ms,
                         double       *out)
{
  PerpVwap s;

  g_return_if_fail (n == 0 || (open_time != NULL && high != NULL && low != NULL
                               && close != NULL && volume != NULL && out != NULL));

  perp_vwap_init_session (&s, session_ms);
  vwap_batch (&s, open_time, high, low, close, volume, n, out);
}

void
perp_vwap_anchored_batch (const gint64 *open_time,
                          const double *high,
                          const double *low,
                          const double *close,
                          const double *volume,
                          gsize         n,
                          gint64        anchor_time,
                          double       *out)
{
  PerpVwap s;

  g_return_if_fail (n == 0 || (open_time != NULL && high != NULL && low != NULL
                               && close != NULL && volume != NULL && out != NULL));

  perp_vwap_init_anchored (&s, anchor_time);
  vwap_batch (&s, open_time, high, low, close, volume, n, out);
}
