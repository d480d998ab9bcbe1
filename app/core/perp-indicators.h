/* perp-indicators.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Technical indicators, each in two forms that give bit-identical results:
 *
 *  - batch:       perp_x_batch (inputs..., n, parameters..., outputs...) over whole arrays;
 *  - incremental: a small state (PerpX) set up with perp_x_init(), fed one closed candle
 *                 at a time with perp_x_update(), asked about the forming candle with
 *                 perp_x_peek() (which does not change the state), and freed with
 *                 perp_x_clear().
 *
 * The batch form is the incremental update run in a loop, so there is exactly one
 * implementation of each rule.  Values follow TA-Lib's conventions (first valid index,
 * seeding, Wilder smoothing, zero guards); see ../shared/conformance/talib/README.md.
 * A value that does not exist yet is NAN (an empty cell in CSV output).
 */

/* Rolling window over the last `period` values.  Internal to the indicators, public so
 * that the states below can be embedded by value. */
typedef struct
{
  double *ring;
  guint   period;
  guint   pos;       /* next slot to write */
  guint64 count;     /* values pushed so far */
  double  inv_period;
  double  sum;
  double  m2;        /* sum of squared deviations from the mean, when tracked */
  double  m2_exact;  /* m2 when it was last computed exactly */
  guint   track_m2 : 1;
} PerpWindow;

/* Index and value of the extreme of a window, with the values kept to rescan when the
 * extreme leaves it. */
typedef struct
{
  double *ring;
  guint   period;
  guint   pos;       /* next slot to write */
  guint64 count;
  guint64 max_seq;
  guint64 min_seq;
  double  max;
  double  min;
} PerpExtremes;

/* SMA: mean of the last N values. */
typedef struct { PerpWindow w; } PerpSma;
void    perp_sma_init   (PerpSma       *self,
                         guint          period);
void    perp_sma_clear  (PerpSma       *self);
double  perp_sma_update (PerpSma       *self,
                         double         value);
double  perp_sma_peek   (const PerpSma *self,
                         double         value);
void    perp_sma_batch  (const double  *in,
                         gsize          n,
                         guint          period,
                         double        *out);

/* EMA: k = 2 / (N + 1), seeded with the SMA of the first N values. */
typedef struct
{
  guint   period;
  guint64 count;
  double  k;
  double  seed_sum;
  double  value;
} PerpEma;
void    perp_ema_init   (PerpEma       *self,
                         guint          period);
double  perp_ema_update (PerpEma       *self,
                         double         value);
double  perp_ema_peek   (const PerpEma *self,
                         double         value);
void    perp_ema_batch  (const double  *in,
                         gsize          n,
                         guint          period,
                         double        *out);

/* RSI (Wilder): first value at index N. */
typedef struct
{
  guint   period;
  guint64 count;
  double  prev;
  double  avg_gain;
  double  avg_loss;
} PerpRsi;
void    perp_rsi_init   (PerpRsi       *self,
                         guint          period);
double  perp_rsi_update (PerpRsi       *self,
                         double         close);
double  perp_rsi_peek   (const PerpRsi *self,
                         double         close);
void    perp_rsi_batch  (const double  *close,
                         gsize          n,
                         guint          period,
                         double        *out);

/* ATR (Wilder) and NATR = 100 * ATR / close: first value at index N. */
typedef struct
{
  guint   period;
  guint64 count;
  double  prev_close;
  double  atr;
} PerpAtr;
void    perp_atr_init   (PerpAtr       *self,
                         guint          period);
double  perp_atr_update (PerpAtr       *self,
                         double         high,
                         double         low,
                         double         close);
double  perp_atr_peek   (const PerpAtr *self,
                         double         high,
                         double         low,
                         double         close);
double  perp_natr_from_atr (double      atr,
                            double      close);
void    perp_atr_batch  (const double  *high,
                         const double  *low,
                         const double  *close,
                         gsize          n,
                         guint          period,
                         double        *out);
void    perp_natr_batch (const double  *high,
                         const double  *low,
                         const double  *close,
                         gsize          n,
                         guint          period,
                         double        *out);

/* MACD: TA-Lib aligns both EMAs so they start at index slow-1 (the fast one is seeded
 * with the mean of the `fast` closes ending there); the signal is an EMA of the line
 * seeded with the mean of its first `signal` values.  All outputs start together. */
typedef struct
{
  double macd;
  double signal;
  double hist;
} PerpMacdValue;
typedef struct
{
  guint   fast_period;
  guint   slow_period;
  guint   signal_period;
  guint64 count;
  double  k_fast;
  double  k_slow;
  double  k_signal;
  double  fast;
  double  slow;
  double  signal;
  double  signal_seed;
} PerpMacd;
void    perp_macd_init   (PerpMacd       *self,
                          guint           fast_period,
                          guint           slow_period,
                          guint           signal_period);
void    perp_macd_update (PerpMacd       *self,
                          double          close,
                          PerpMacdValue  *out);
void    perp_macd_peek   (const PerpMacd *self,
                          double          close,
                          PerpMacdValue  *out);
void    perp_macd_batch  (const double   *close,
                          gsize           n,
                          guint           fast_period,
                          guint           slow_period,
                          guint           signal_period,
                          double         *macd,
                          double         *signal,
                          double         *hist);

/* Bollinger Bands: SMA middle, population standard deviation. */
typedef struct
{
  double upper;
  double middle;
  double lower;
} PerpBollingerValue;
typedef struct
{
  PerpWindow w;
  double     k_up;
  double     k_down;
} PerpBollinger;
void    perp_bollinger_init   (PerpBollinger       *self,
                               guint                period,
                               double               k_up,
                               double               k_down);
void    perp_bollinger_clear  (PerpBollinger       *self);
void    perp_bollinger_update (PerpBollinger       *self,
                               double               close,
                               PerpBollingerValue  *out);
void    perp_bollinger_peek   (const PerpBollinger *self,
                               double               close,
                               PerpBollingerValue  *out);
void    perp_bollinger_batch  (const double        *close,
                               gsize                n,
                               guint                period,
                               double               k_up,
                               double               k_down,
                               double              *upper,
                               double              *middle,
                               double              *lower);

/* Stochastic RSI as TradingView draws it (TA-Lib's STOCH applied to RSI):
 * K = SMA(k_smooth) of the raw stochastic of RSI over `stoch_period`, D = SMA(d_smooth)
 * of K; both are output from the first D. */
typedef struct
{
  double k;
  double d;
} PerpStochRsiValue;
typedef struct
{
  PerpRsi      rsi;
  PerpExtremes extremes;
  PerpSma      k;
  PerpSma      d;
} PerpStochRsi;
void    perp_stoch_rsi_init   (PerpStochRsi       *self,
                               guint               rsi_period,
                               guint               stoch_period,
                               guint               k_smooth,
                               guint               d_smooth);
void    perp_stoch_rsi_clear  (PerpStochRsi       *self);
void    perp_stoch_rsi_update (PerpStochRsi       *self,
                               double              close,
                               PerpStochRsiValue  *out);
void    perp_stoch_rsi_peek   (const PerpStochRsi *self,
                               double              close,
                               PerpStochRsiValue  *out);
void    perp_stoch_rsi_batch  (const double       *close,
                               gsize               n,
                               guint               rsi_period,
                               guint               stoch_period,
                               guint               k_smooth,
                               guint               d_smooth,
                               double             *k,
                               double             *d);

/* OBV: starts at the first candle's volume (TA-Lib). */
typedef struct
{
  guint64 count;
  double  prev_close;
  double  obv;
} PerpObv;
void    perp_obv_init   (PerpObv       *self);
double  perp_obv_update (PerpObv       *self,
                         double         close,
                         double         volume);
double  perp_obv_peek   (const PerpObv *self,
                         double         close,
                         double         volume);
void    perp_obv_batch  (const double  *close,
                         const double  *volume,
                         gsize          n,
                         double        *out);

/* Directional movement (Wilder): +DI and -DI from index N, ADX from index 2N-1. */
typedef struct
{
  double plus_di;
  double minus_di;
  double adx;
} PerpDmiValue;
typedef struct
{
  guint   period;
  guint64 count;
  double  prev_high;
  double  prev_low;
  double  prev_close;
  double  sum_plus_dm;
  double  sum_minus_dm;
  double  sum_tr;
  double  adx;       /* the sum of DX while seeding */
} PerpDmi;
void    perp_dmi_init   (PerpDmi       *self,
                         guint          period);
void    perp_dmi_update (PerpDmi       *self,
                         double         high,
                         double         low,
                         double         close,
                         PerpDmiValue  *out);
void    perp_dmi_peek   (const PerpDmi *self,
                         double         high,
                         double         low,
                         double         close,
                         PerpDmiValue  *out);
void    perp_dmi_batch  (const double  *high,
                         const double  *low,
                         const double  *close,
                         gsize          n,
                         guint          period,
                         double        *plus_di,
                         double        *minus_di,
                         double        *adx);

/* CCI: (tp - mean) / (0.015 * mean absolute deviation), tp = (h + l + c) / 3. */
typedef struct { PerpWindow w; } PerpCci;
void    perp_cci_init   (PerpCci       *self,
                         guint          period);
void    perp_cci_clear  (PerpCci       *self);
double  perp_cci_update (PerpCci       *self,
                         double         high,
                         double         low,
                         double         close);
double  perp_cci_peek   (const PerpCci *self,
                         double         high,
                         double         low,
                         double         close);
void    perp_cci_batch  (const double  *high,
                         const double  *low,
                         const double  *close,
                         gsize          n,
                         guint          period,
                         double        *out);

/* MFI: money flow index over N typical-price changes; first value at index N. */
typedef struct
{
  PerpWindow positive;
  PerpWindow negative;
  guint64    count;
  double     prev_tp;
} PerpMfi;
void    perp_mfi_init   (PerpMfi       *self,
                         guint          period);
void    perp_mfi_clear  (PerpMfi       *self);
double  perp_mfi_update (PerpMfi       *self,
                         double         high,
                         double         low,
                         double         close,
                         double         volume);
double  perp_mfi_peek   (const PerpMfi *self,
                         double         high,
                         double         low,
                         double         close,
                         double         volume);
void    perp_mfi_batch  (const double  *high,
                         const double  *low,
                         const double  *close,
                         const double  *volume,
                         gsize          n,
                         guint          period,
                         double        *out);

/* Williams %R over the last N candles, current one included (-100 .. 0). */
typedef struct
{
  PerpExtremes highs;
  PerpExtremes lows;
} PerpWillr;
void    perp_willr_init   (PerpWillr       *self,
                           guint            period);
void    perp_willr_clear  (PerpWillr       *self);
double  perp_willr_update (PerpWillr       *self,
                           double           high,
                           double           low,
                           double           close);
double  perp_willr_peek   (const PerpWillr *self,
                           double           high,
                           double           low,
                           double           close);
void    perp_willr_batch  (const double    *high,
                           const double    *low,
                           const double    *close,
                           gsize            n,
                           guint            period,
                           double          *out);

/* VWAP of the typical price (h + l + c) / 3, either anchored at a given candle or
 * re-anchored at every session start (00:00 UTC for the daily session).  NAN before
 * the anchor and while the volume since the anchor is zero. */
typedef struct
{
  gint64  session_ms;  /* 0 when anchored at a fixed time */
  gint64  anchor;      /* current anchor's open time */
  double  sum_pv;
  double  sum_v;
} PerpVwap;
void    perp_vwap_init_session  (PerpVwap       *self,
                                 gint64          session_ms);
void    perp_vwap_init_anchored (PerpVwap       *self,
                                 gint64          anchor_time);
double  perp_vwap_update        (PerpVwap       *self,
                                 gint64          open_time,
                                 double          high,
                                 double          low,
                                 double          close,
                                 double          volume);
double  perp_vwap_peek          (const PerpVwap *self,
                                 gint64          open_time,
                                 double          high,
                                 double          low,
                                 double          close,
                                 double          volume);
void    perp_vwap_session_batch (const gint64   *open_time,
                                 const double   *high,
                                 const double   *low,
                                 const double   *close,
                                 const double   *volume,
                                 gsize           n,
                                 gint64          session_ms,
                                 double         *out);
void    perp_vwap_anchored_batch(const gint64   *open_time,
                                 const double   *high,
                                 const double   *low,
                                 const double   *close,
                                 const double   *volume,
                                 gsize           n,
                                 gint64          anchor_time,
                                 double         *out);

G_END_DECLS
