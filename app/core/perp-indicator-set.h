/* perp-indicator-set.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-candles.h"
#include "perp-indicators.h"

G_BEGIN_DECLS

/**
 * PerpIndicatorColumn:
 *
 * The standard indicator columns, in the order (and with the names) of TA-Lib's
 * conformance files, plus the session VWAP.  `perpscope-cli indicators` writes them
 * and the scoring core reads them.
 */
typedef enum
{
  PERP_COLUMN_SMA20,
  PERP_COLUMN_EMA9,
  PERP_COLUMN_EMA21,
  PERP_COLUMN_EMA50,
  PERP_COLUMN_EMA200,
  PERP_COLUMN_RSI14,
  PERP_COLUMN_ATR14,
  PERP_COLUMN_NATR14,
  PERP_COLUMN_MACD,
  PERP_COLUMN_MACD_SIGNAL,
  PERP_COLUMN_MACD_HIST,
  PERP_COLUMN_BB_UPPER,
  PERP_COLUMN_BB_MIDDLE,
  PERP_COLUMN_BB_LOWER,
  PERP_COLUMN_STOCHRSI_K,
  PERP_COLUMN_STOCHRSI_D,
  PERP_COLUMN_OBV,
  PERP_COLUMN_ADX14,
  PERP_COLUMN_PLUS_DI14,
  PERP_COLUMN_MINUS_DI14,
  PERP_COLUMN_CCI20,
  PERP_COLUMN_MFI14,
  PERP_COLUMN_WILLR14,
  PERP_COLUMN_VWAP_SESSION,
  PERP_N_COLUMNS
} PerpIndicatorColumn;

typedef struct _PerpIndicatorSet PerpIndicatorSet;

const char       *perp_indicator_column_name        (PerpIndicatorColumn      column);
PerpIndicatorColumn perp_indicator_column_from_name (const char              *name);

PerpIndicatorSet *perp_indicator_set_new            (void);
void              perp_indicator_set_free           (PerpIndicatorSet        *self);
void              perp_indicator_set_update         (PerpIndicatorSet        *self,
                                                     const PerpCandle        *candle,
                                                     double                   row[PERP_N_COLUMNS]);
void              perp_indicator_set_peek           (const PerpIndicatorSet  *self,
                                                     const PerpCandle        *candle,
                                                     double                   row[PERP_N_COLUMNS]);
void              perp_indicator_set_compute_batch  (const PerpCandles       *candles,
                                                     double                  *columns[PERP_N_COLUMNS]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpIndicatorSet, perp_indicator_set_free)

G_END_DECLS
