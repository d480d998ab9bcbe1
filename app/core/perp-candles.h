/* perp-candles.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "perp-interval.h"

G_BEGIN_DECLS

#define PERP_CANDLES_ERROR (perp_candles_error_quark ())

typedef enum
{
  PERP_CANDLES_ERROR_INVALID,        /* a value that no real candle can have */
  PERP_CANDLES_ERROR_NOT_INCREASING, /* open time not after the previous candle's */
  PERP_CANDLES_ERROR_INTERVAL,       /* resampling to an interval that does not fit */
} PerpCandlesError;

/**
 * PerpCandleColumn:
 *
 * The columns of a candle series, used to name the field a check rejected.
 */
typedef enum
{
  PERP_CANDLE_COLUMN_OPEN_TIME,
  PERP_CANDLE_COLUMN_OPEN,
  PERP_CANDLE_COLUMN_HIGH,
  PERP_CANDLE_COLUMN_LOW,
  PERP_CANDLE_COLUMN_CLOSE,
  PERP_CANDLE_COLUMN_VOLUME,
  PERP_CANDLE_COLUMN_QUOTE_VOLUME,
  PERP_CANDLE_COLUMN_TRADE_COUNT,
  PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME,
} PerpCandleColumn;

/**
 * PerpCandleFields:
 *
 * The optional columns a series carries (Binance's 12-column klines have all of them,
 * freqtrade's 6-column files none).
 */
typedef enum
{
  PERP_CANDLE_FIELD_NONE             = 0,
  PERP_CANDLE_FIELD_QUOTE_VOLUME     = 1 << 0,
  PERP_CANDLE_FIELD_TRADE_COUNT      = 1 << 1,
  PERP_CANDLE_FIELD_TAKER_BUY_VOLUME = 1 << 2,
  PERP_CANDLE_FIELD_ALL              = 0x7,
} PerpCandleFields;

/**
 * PerpCandle:
 * @open_time: open time, Unix milliseconds (UTC); the candle covers [open_time, open_time + interval)
 * @quote_volume: quote-asset volume, NAN when the source has none
 * @taker_buy_volume: base volume bought by takers, NAN when the source has none
 * @trade_count: number of trades, -1 when the source has none
 *
 * One candle, as passed in and out of a #PerpCandles series.
 */
typedef struct
{
  gint64 open_time;
  double open;
  double high;
  double low;
  double close;
  double volume;
  double quote_volume;
  double taker_buy_volume;
  gint64 trade_count;
} PerpCandle;

/**
 * PerpGap:
 * @start: open time of the first missing candle
 * @end: open time of the next candle present (exclusive end of the gap)
 * @missing: number of whole intervals missing
 */
typedef struct
{
  gint64 start;
  gint64 end;
  gint64 missing;
} PerpGap;

typedef struct _PerpCandles PerpCandles;

#define PERP_TYPE_CANDLES (perp_candles_get_type ())

GQuark            perp_candles_error_quark         (void);
GType             perp_candles_get_type            (void) G_GNUC_CONST;

void              perp_candle_init                 (PerpCandle        *candle,
                                                    gint64             open_time,
                                                    double             open,
                                                    double             high,
                                                    double             low,
                                                    double             close,
                                                    double             volume);
gboolean          perp_candle_check                (const PerpCandle  *candle,
                                                    PerpCandleFields   fields,
                                                    PerpCandleColumn  *bad_column,
                                                    const char       **reason);
const char       *perp_candle_column_name          (PerpCandleColumn   column);

PerpCandles      *perp_candles_new                 (PerpInterval       interval,
                                                    PerpCandleFields   fields);
PerpCandles      *perp_candles_ref                 (PerpCandles       *self);
void              perp_candles_unref               (PerpCandles       *self);
PerpInterval      perp_candles_get_interval        (const PerpCandles *self);
void              perp_candles_set_interval        (PerpCandles       *self,
                                                    PerpInterval       interval);
PerpCandleFields  perp_candles_get_fields          (const PerpCandles *self);
guint             perp_candles_get_length          (const PerpCandles *self);
void              perp_candles_reserve             (PerpCandles       *self,
                                                    guint              n_candles);
const gint64     *perp_candles_get_open_time       (const PerpCandles *self);
const double     *perp_candles_get_open            (const PerpCandles *self);
const double     *perp_candles_get_high            (const PerpCandles *self);
const double     *perp_candles_get_low             (const PerpCandles *self);
const double     *perp_candles_get_close           (const PerpCandles *self);
const double     *perp_candles_get_volume          (const PerpCandles *self);
const double     *perp_candles_get_quote_volume    (const PerpCandles *self);
const double     *perp_candles_get_taker_buy_volume(const PerpCandles *self);
const gint64     *perp_candles_get_trade_count     (const PerpCandles *self);
void              perp_candles_get_candle          (const PerpCandles *self,
                                                    guint              index,
                                                    PerpCandle        *candle);
gboolean          perp_candles_append              (PerpCandles       *self,
                                                    const PerpCandle  *candle,
                                                    GError           **error);
gboolean          perp_candles_update_forming      (PerpCandles       *self,
                                                    const PerpCandle  *candle,
                                                    GError           **error);
gboolean          perp_candles_get_forming         (const PerpCandles *self,
                                                    PerpCandle        *candle);
void              perp_candles_clear_forming       (PerpCandles       *self);
guint             perp_candles_lower_bound         (const PerpCandles *self,
                                                    gint64             time_ms);
PerpCandles      *perp_candles_resample            (const PerpCandles *self,
                                                    PerpInterval       target,
                                                    GError           **error);
GArray           *perp_candles_find_gaps           (const PerpCandles *self);
PerpInterval      perp_candles_guess_interval      (const PerpCandles *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpCandles, perp_candles_unref)

G_END_DECLS
