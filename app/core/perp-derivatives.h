/* perp-derivatives.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * What the derivatives market says that candles do not: open interest (is new money
 * entering or leaving as price moves?), funding (which side pays to stay in, and how
 * unusual that is) and the mark/index premium.
 *
 * Inputs are plain series (times in Unix ms, plain doubles), appended one sample at a
 * time, so the live feed (REST polls of /fapi/v1/openInterest, /fapi/v1/premiumIndex,
 * the markPrice stream) and the replay fill them the same way.  Decoding JSON is the
 * feed's job, not this file's.
 *
 * Every result at sample i depends only on samples 0..i.  The batch forms are the
 * incremental forms run in a loop, so they agree bit for bit.
 */

#define PERP_DERIVATIVES_ERROR (perp_derivatives_error_quark ())

typedef enum
{
  PERP_DERIVATIVES_ERROR_INVALID,        /* a value no real sample can have */
  PERP_DERIVATIVES_ERROR_NOT_INCREASING, /* a time not after the previous sample's */
} PerpDerivativesError;

/* ------------------------------------------------------------ open interest */

/**
 * PerpOiRegime:
 * @PERP_OI_REGIME_UNKNOWN: a value needed is missing; never to be read as neutral
 * @PERP_OI_REGIME_NEUTRAL: open interest or price moved less than its dead-band
 * @PERP_OI_REGIME_NEW_LONGS: open interest up, price up (longs opening, bullish)
 * @PERP_OI_REGIME_NEW_SHORTS: open interest up, price down (shorts opening, bearish)
 * @PERP_OI_REGIME_LONG_LIQUIDATION: open interest down, price down (longs closing or
 *   being liquidated)
 * @PERP_OI_REGIME_SHORT_COVERING: open interest down, price up (shorts closing)
 *
 * The usual reading of a change in open interest against the change in price.  It is
 * a reading, not a fact: an OI increase with price up may as well be shorts opening
 * into a rally that the longs' buying outweighs.
 */
typedef enum
{
  PERP_OI_REGIME_UNKNOWN,
  PERP_OI_REGIME_NEUTRAL,
  PERP_OI_REGIME_NEW_LONGS,
  PERP_OI_REGIME_NEW_SHORTS,
  PERP_OI_REGIME_LONG_LIQUIDATION,
  PERP_OI_REGIME_SHORT_COVERING,
} PerpOiRegime;

/**
 * PerpOiParams:
 * @oi_deadband_pct: an open-interest change of at most this many percent is noise
 * @price_deadband_pct: a price change of at most this many percent is noise
 *
 * Dead-bands for the classification: inside either one the step is
 * %PERP_OI_REGIME_NEUTRAL.  Percentages, so that one setting fits every symbol.
 */
typedef struct
{
  double oi_deadband_pct;
  double price_deadband_pct;
} PerpOiParams;

/**
 * PerpOiChange:
 * @from_time: time of the reference sample (the older one)
 * @to_time: time of the sample the change is measured at
 * @oi_from: open interest (base units) at @from_time, NAN if unknown
 * @oi_to: open interest at @to_time, NAN if unknown
 * @oi_change: @oi_to - @oi_from
 * @oi_change_pct: 100 * @oi_change / @oi_from
 * @notional_from: open interest in quote units at @from_time, NAN if unknown
 * @notional_to: the same at @to_time
 * @notional_change: @notional_to - @notional_from (moves with price as well as with OI)
 * @notional_change_pct: 100 * @notional_change / @notional_from
 * @price_from: price at @from_time, NAN if unknown
 * @price_to: price at @to_time, NAN if unknown
 * @price_change_pct: 100 * (@price_to - @price_from) / @price_from
 * @regime: @oi_change_pct against @price_change_pct, see perp_oi_classify()
 */
typedef struct
{
  gint64       from_time;
  gint64       to_time;
  double       oi_from;
  double       oi_to;
  double       oi_change;
  double       oi_change_pct;
  double       notional_from;
  double       notional_to;
  double       notional_change;
  double       notional_change_pct;
  double       price_from;
  double       price_to;
  double       price_change_pct;
  PerpOiRegime regime;
} PerpOiChange;

typedef struct _PerpOiSeries PerpOiSeries;

#define PERP_TYPE_OI_SERIES (perp_oi_series_get_type ())

GQuark         perp_derivatives_error_quark    (void);
GType          perp_oi_series_get_type         (void) G_GNUC_CONST;

const char    *perp_oi_regime_to_string        (PerpOiRegime        regime);
void           perp_oi_params_init_default     (PerpOiParams       *params);
gboolean       perp_oi_params_check            (const PerpOiParams *params,
                                                GError            **error);
PerpOiRegime   perp_oi_classify                (double              oi_change_pct,
                                                double              price_change_pct,
                                                const PerpOiParams *params);

PerpOiSeries  *perp_oi_series_new              (void);
PerpOiSeries  *perp_oi_series_ref              (PerpOiSeries       *self);
void           perp_oi_series_unref            (PerpOiSeries       *self);
guint          perp_oi_series_get_length       (const PerpOiSeries *self);
const gint64  *perp_oi_series_get_time         (const PerpOiSeries *self);
const double  *perp_oi_series_get_open_interest(const PerpOiSeries *self);
const double  *perp_oi_series_get_notional     (const PerpOiSeries *self);
const double  *perp_oi_series_get_price        (const PerpOiSeries *self);
gboolean       perp_oi_series_append           (PerpOiSeries       *self,
                                                gint64              time_ms,
                                                double              open_interest,
                                                double              notional,
                                                double              price,
                                                GError            **error);
gboolean       perp_oi_series_find             (const PerpOiSeries *self,
                                                gint64              time_ms,
                                                guint              *index);
double         perp_oi_series_value_at         (const PerpOiSeries *self,
                                                gint64              time_ms);
gboolean       perp_oi_series_change           (const PerpOiSeries *self,
                                                guint               index,
                                                gint64              window_ms,
                                                const PerpOiParams *params,
                                                PerpOiChange       *out);
void           perp_oi_series_changes          (const PerpOiSeries *self,
                                                gint64              window_ms,
                                                const PerpOiParams *params,
                                                PerpOiChange       *out);
void           perp_oi_series_candle_deltas    (const PerpOiSeries *self,
                                                const gint64       *open_time,
                                                gsize               n,
                                                gint64              interval_ms,
                                                double             *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpOiSeries, perp_oi_series_unref)

/* ------------------------------------------------------------------ funding */

#define PERP_FUNDING_INTERVAL_8H (G_GINT64_CONSTANT (8) * 3600000)

/**
 * PerpFundingReading:
 * @PERP_FUNDING_READING_UNKNOWN: no valid rate
 * @PERP_FUNDING_READING_NORMAL: nothing unusual
 * @PERP_FUNDING_READING_CROWDED_LONGS: funding extremely positive: longs pay a lot to
 *   stay in, the trade is crowded; bearish as a contrarian signal
 * @PERP_FUNDING_READING_CROWDED_SHORTS: funding extremely negative: crowded shorts;
 *   bullish as a contrarian signal
 */
typedef enum
{
  PERP_FUNDING_READING_UNKNOWN,
  PERP_FUNDING_READING_NORMAL,
  PERP_FUNDING_READING_CROWDED_LONGS,
  PERP_FUNDING_READING_CROWDED_SHORTS,
} PerpFundingReading;

/**
 * PerpFundingParams:
 * @lookback: how many previous settlements the current rate is compared with
 *   (90 = 30 days of 8 h settlements)
 * @min_history: the statistics exist once this many previous rates were seen
 * @interval_ms: time between settlements, for the annualised rate (8 h on most
 *   Binance perpetuals; some settle every 4 h or 1 h)
 * @z_extreme: a z-score at or beyond ±this, together with @percentile_extreme, is extreme
 * @percentile_extreme: percentile at or above this (or at or below 100 - this)
 * @crowded_long_rate: a rate at or above this is extreme whatever the history says
 * @crowded_short_rate: a rate at or below this (negative) is extreme whatever the history
 * @z_std_floor: the standard deviation used for the z-score is at least this.  Funding
 *   sits at the 0.0001 default for weeks, so the deviation of the window can be ~0 and
 *   a move of 1e-6 would otherwise score a z of hundreds.
 */
typedef struct
{
  guint  lookback;
  guint  min_history;
  gint64 interval_ms;
  double z_extreme;
  double percentile_extreme;
  double crowded_long_rate;
  double crowded_short_rate;
  double z_std_floor;
} PerpFundingParams;

/**
 * PerpFundingValue:
 * @rate: the funding rate per interval (0.0001 = 0.01 %)
 * @annualized: @rate times the number of intervals in 365 days (simple, not compounded)
 * @n_history: how many previous rates the statistics use
 * @mean: mean of the previous rates, NAN while fewer than min_history
 * @stddev: their population standard deviation, NAN likewise
 * @zscore: (@rate - @mean) / MAX (@stddev, z_std_floor), NAN likewise
 * @percentile: mid-rank percentile of @rate among the previous rates (0..100): the
 *   share strictly below plus half the share equal, NAN likewise
 * @reading: see #PerpFundingReading
 */
typedef struct
{
  double             rate;
  double             annualized;
  guint              n_history;
  double             mean;
  double             stddev;
  double             zscore;
  double             percentile;
  PerpFundingReading reading;
} PerpFundingValue;

/**
 * PerpFunding:
 *
 * Rolling state over the last `lookback` settled rates.  The statistics compare the
 * current rate with the ones *before* it, so a spike is measured against the calm it
 * breaks rather than diluting its own baseline.  They are recomputed exactly from the
 * ring at each step (a few dozen values every 8 h), so nothing drifts.
 */
typedef struct
{
  PerpFundingParams params;
  double           *ring;
  guint             pos;
  guint             n;
} PerpFunding;

const char *perp_funding_reading_to_string  (PerpFundingReading       reading);
void        perp_funding_params_init_default(PerpFundingParams       *params);
gboolean    perp_funding_params_check       (const PerpFundingParams *params,
                                             GError                 **error);
double      perp_funding_annualize          (double                   rate,
                                             gint64                   interval_ms);
void        perp_funding_init               (PerpFunding             *self,
                                             const PerpFundingParams *params);
void        perp_funding_clear              (PerpFunding             *self);
void        perp_funding_update             (PerpFunding             *self,
                                             double                   rate,
                                             PerpFundingValue        *out);
void        perp_funding_peek               (const PerpFunding       *self,
                                             double                   rate,
                                             PerpFundingValue        *out);
void        perp_funding_batch              (const double            *rates,
                                             gsize                    n,
                                             const PerpFundingParams *params,
                                             PerpFundingValue        *out);

/* ------------------------------------------------------------------ premium */

double      perp_premium                    (double                   mark,
                                             double                   index);
double      perp_basis_bps                  (double                   price,
                                             double                   index);

G_END_DECLS
