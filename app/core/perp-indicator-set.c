/* perp-indicator-set.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-indicators"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-indicator-set.h"

static const char *column_names[PERP_N_COLUMNS] = {
  [PERP_COLUMN_SMA20]        = "sma20",
  [PERP_COLUMN_EMA9]         = "ema9",
  [PERP_COLUMN_EMA21]        = "ema21",
  [PERP_COLUMN_EMA50]        = "ema50",
  [PERP_COLUMN_EMA200]       = "ema200",
  [PERP_COLUMN_RSI14]        = "rsi14",
  [PERP_COLUMN_ATR14]        = "atr14",
  [PERP_COLUMN_NATR14]       = "natr14",
  [PERP_COLUMN_MACD]         = "macd",
  [PERP_COLUMN_MACD_SIGNAL]  = "macd_signal",
  [PERP_COLUMN_MACD_HIST]    = "macd_hist",
  [PERP_COLUMN_BB_UPPER]     = "bb_upper",
  [PERP_COLUMN_BB_MIDDLE]    = "bb_middle",
  [PERP_COLUMN_BB_LOWER]     = "bb_lower",
  [PERP_COLUMN_STOCHRSI_K]   = "stochrsi_k",
  [PERP_COLUMN_STOCHRSI_D]   = "stochrsi_d",
  [PERP_COLUMN_OBV]          = "obv",
  [PERP_COLUMN_ADX14]        = "adx14",
  [PERP_COLUMN_PLUS_DI14]    = "plus_di14",
  [PERP_COLUMN_MINUS_DI14]   = "minus_di14",
  [PERP_COLUMN_CCI20]        = "cci20",
  [PERP_COLUMN_MFI14]        = "mfi14",
  [PERP_COLUMN_WILLR14]      = "willr14",
  [PERP_COLUMN_VWAP_SESSION] = "vwap_session",
};

/* The standard parameters, the ones TA-Lib's reference outputs were made with. */
#define SMA_PERIOD      20
#define RSI_PERIOD      14
#define ATR_PERIOD      14
#define MACD_FAST       12
#define MACD_SLOW       26
#define MACD_SIGNAL     9
#define BB_PERIOD       20
#define BB_K            2.0
#define STOCH_PERIOD    14
#define STOCH_K_SMOOTH  3
#define STOCH_D_SMOOTH  3
#define DMI_PERIOD      14
#define CCI_PERIOD      20
#define MFI_PERIOD      14
#define WILLR_PERIOD    14

static const guint ema_periods[] = { 9, 21, 50, 200 };

struct _PerpIndicatorSet
{
  PerpSma       sma20;
  PerpEma       ema[G_N_ELEMENTS (ema_periods)];
  PerpRsi       rsi14;
  PerpAtr       atr14;
  PerpMacd      macd;
  PerpBollinger bb;
  PerpStochRsi  stoch_rsi;
  PerpObv       obv;
  PerpDmi       dmi;
  PerpCci       cci;
  PerpMfi       mfi;
  PerpWillr     willr;
  PerpVwap      vwap_session;
};

/**
 * perp_indicator_column_name:
 *
 * Returns: (transfer none): the column's header name, e.g. "rsi14"
 */
const char *
perp_indicator_column_name (PerpIndicatorColumn column)
{
  g_return_val_if_fail (column < PERP_N_COLUMNS, NULL);

  return column_names[column];
}

/**
 * perp_indicator_column_from_name:
 *
 * Returns: the column called @name, or %PERP_N_COLUMNS if there is none
 */
PerpIndicatorColumn
perp_indicator_column_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, PERP_N_COLUMNS);

  for (guint i = 0; i < PERP_N_COLUMNS; i++)
    if (strcmp (column_names[i], name) == 0)
      return (PerpIndicatorColumn) i;

  return PERP_N_COLUMNS;
}

/**
 * perp_indicator_set_new:
 *
 * Returns: (transfer full): the incremental state of every standard column
 */
PerpIndicatorSet *
perp_indicator_set_new (void)
{
  PerpIndicatorSet *self = g_new0 (PerpIndicatorSet, 1);

  perp_sma_init (&self->sma20, SMA_PERIOD);
  for (guint i = 0; i < G_N_ELEMENTS (ema_periods); i++)
    perp_ema_init (&self->ema[i], ema_periods[i]);
  perp_rsi_init (&self->rsi14, RSI_PERIOD);
  perp_atr_init (&self->atr14, ATR_PERIOD);
  perp_macd_init (&self->macd, MACD_FAST, MACD_SLOW, MACD_SIGNAL);
  perp_bollinger_init (&self->bb, BB_PERIOD, BB_K, BB_K);
  perp_stoch_rsi_init (&self->stoch_rsi, RSI_PERIOD, STOCH_PERIOD, STOCH_K_SMOOTH, STOCH_D_SMOOTH);
  perp_obv_init (&self->obv);
  perp_dmi_init (&self->dmi, DMI_PERIOD);
  perp_cci_init (&self->cci, CCI_PERIOD);
  perp_mfi_init (&self->mfi, MFI_PERIOD);
  perp_willr_init (&self->willr, WILLR_PERIOD);
  perp_vwap_init_session (&self->vwap_session, PERP_MS_PER_DAY);

  return self;
}

void
perp_indicator_set_free (PerpIndicatorSet *self)
{
  if (self == NULL)
    return;

  perp_sma_clear (&self->sma20);
  perp_bollinger_clear (&self->bb);
  perp_stoch_rsi_clear (&self->stoch_rsi);
  perp_cci_clear (&self->cci);
  perp_mfi_clear (&self->mfi);
  perp_willr_clear (&self->willr);
  g_free (self);
}

static void
store_row (double                    row[PERP_N_COLUMNS],
           double                    sma20,
           const double              ema[],
           double                    rsi14,
           double                    atr14,
           double                    close,
           const PerpMacdValue      *macd,
           const PerpBollingerValue *bb,
           const PerpStochRsiValue  *stoch_rsi,
           double                    obv,
           const PerpDmiValue       *dmi,
           double                    cci20,
           double                    mfi14,
           double                    willr14,
           double                    vwap_session)
{
  row[PERP_COLUMN_SMA20] = sma20;
  row[PERP_COLUMN_EMA9] = ema[0];
  row[PERP_COLUMN_EMA21] = ema[1];
  row[PERP_COLUMN_EMA50] = ema[2];
  row[PERP_COLUMN_EMA200] = ema[3];
  row[PERP_COLUMN_RSI14] = rsi14;
  row[PERP_COLUMN_ATR14] = atr14;
  row[PERP_COLUMN_NATR14] = perp_natr_from_atr (atr14, close);
  row[PERP_COLUMN_MACD] = macd->macd;
  row[PERP_COLUMN_MACD_SIGNAL] = macd->signal;
  row[PERP_COLUMN_MACD_HIST] = macd->hist;
  row[PERP_COLUMN_BB_UPPER] = bb->upper;
  row[PERP_COLUMN_BB_MIDDLE] = bb->middle;
  row[PERP_COLUMN_BB_LOWER] = bb->lower;
  row[PERP_COLUMN_STOCHRSI_K] = stoch_rsi->k;
  row[PERP_COLUMN_STOCHRSI_D] = stoch_rsi->d;
  row[PERP_COLUMN_OBV] = obv;
  row[PERP_COLUMN_ADX14] = dmi->adx;
  row[PERP_COLUMN_PLUS_DI14] = dmi->plus_di;
  row[PERP_COLUMN_MINUS_DI14] = dmi->minus_di;
  row[PERP_COLUMN_CCI20] = cci20;
  row[PERP_COLUMN_MFI14] = mfi14;
  row[PERP_COLUMN_WILLR14] = willr14;
  row[PERP_COLUMN_VWAP_SESSION] = vwap_session;
}

/**
 * perp_indicator_set_update:
 * @candle: the next closed candle
 * @row: (out caller-allocates): every column's value after it, NAN where none yet
 */
void
perp_indicator_set_update (PerpIndicatorSet *self,
                           const PerpCandle *candle,
                           double            row[PERP_N_COLUMNS])
{
  const PerpCandle *c = candle;
  double ema[G_N_ELEMENTS (ema_periods)];
  PerpMacdValue macd;
  PerpBollingerValue bb;
  PerpStochRsiValue stoch_rsi;
  PerpDmiValue dmi;
  double sma20, rsi14, atr14, obv, cci20, mfi14, willr14, vwap;

  g_return_if_fail (self != NULL);
  g_return_if_fail (candle != NULL);
  g_return_if_fail (row != NULL);

  sma20 = perp_sma_update (&self->sma20, c->close);
  for (guint i = 0; i < G_N_ELEMENTS (ema_periods); i++)
    ema[i] = perp_ema_update (&self->ema[i], c->close);
  rsi14 = perp_rsi_update (&self->rsi14, c->close);
  atr14 = perp_atr_update (&self->atr14, c->high, c->low, c->close);
  perp_macd_update (&self->macd, c->close, &macd);
  perp_bollinger_update (&self->bb, c->close, &bb);
  perp_stoch_rsi_update (&self->stoch_rsi, c->close, &stoch_rsi);
  obv = perp_obv_update (&self->obv, c->close, c->volume);
  perp_dmi_update (&self->dmi, c->high, c->low, c->close, &dmi);
  cci20 = perp_cci_update (&self->cci, c->high, c->low, c->close);
  mfi14 = perp_mfi_update (&self->mfi, c->high, c->low, c->close, c->volume);
  willr14 = perp_willr_update (&self->willr, c->high, c->low, c->close);
  vwap = perp_vwap_update (&self->vwap_session, c->open_time, c->high, c->low, c->close, c->volume);

  store_row (row, sma20, ema, rsi14, atr14, c->close, &macd, &bb, &stoch_rsi, obv, &dmi,
             cci20, mfi14, willr14, vwap);
}

/**
 * perp_indicator_set_peek:
 * @candle: the forming candle
 * @row: (out caller-allocates): what every column would be if @candle closed as it is
 *
 * Leaves the state unchanged.
 */
void
perp_indicator_set_peek (const PerpIndicatorSet *self,
                         const PerpCandle       *candle,
                         double                  row[PERP_N_COLUMNS])
{
  const PerpCandle *c = candle;
  double ema[G_N_ELEMENTS (ema_periods)];
  PerpMacdValue macd;
  PerpBollingerValue bb;
  PerpStochRsiValue stoch_rsi;
  PerpDmiValue dmi;
  double sma20, rsi14, atr14, obv, cci20, mfi14, willr14, vwap;

  g_return_if_fail (self != NULL);
  g_return_if_fail (candle != NULL);
  g_return_if_fail (row != NULL);

  sma20 = perp_sma_peek (&self->sma20, c->close);
  for (guint i = 0; i < G_N_ELEMENTS (ema_periods); i++)
    ema[i] = perp_ema_peek (&self->ema[i], c->close);
  rsi14 = perp_rsi_peek (&self->rsi14, c->close);
  atr14 = perp_atr_peek (&self->atr14, c->high, c->low, c->close);
  perp_macd_peek (&self->macd, c->close, &macd);
  perp_bollinger_peek (&self->bb, c->close, &bb);
  perp_stoch_rsi_peek (&self->stoch_rsi, c->close, &stoch_rsi);
  obv = perp_obv_peek (&self->obv, c->close, c->volume);
  perp_dmi_peek (&self->dmi, c->high, c->low, c->close, &dmi);
  cci20 = perp_cci_peek (&self->cci, c->high, c->low, c->close);
  mfi14 = perp_mfi_peek (&self->mfi, c->high, c->low, c->close, c->volume);
  willr14 = perp_willr_peek (&self->willr, c->high, c->low, c->close);
  vwap = perp_vwap_peek (&self->vwap_session, c->open_time, c->high, c->low, c->close, c->volume);

  store_row (row, sma20, ema, rsi14, atr14, c->close, &macd, &bb, &stoch_rsi, obv, &dmi,
             cci20, mfi14, willr14, vwap);
}

/**
 * perp_indicator_set_compute_batch:
 * @candles: the closed candles
 * @columns: PERP_N_COLUMNS arrays of perp_candles_get_length() doubles to fill
 *
 * Computes every standard column over the whole series with the batch functions
 * (identical, bit for bit, to feeding the candles through perp_indicator_set_update()).
 */
void
perp_indicator_set_compute_batch (const PerpCandles *candles,
                                  double            *columns[PERP_N_COLUMNS])
{
  const gint64 *t;
  const double *h, *l, *c, *v;
  gsize n;

  g_return_if_fail (candles != NULL);
  g_return_if_fail (columns != NULL);

  n = perp_candles_get_length (candles);
  t = perp_candles_get_open_time (candles);
  h = perp_candles_get_high (candles);
  l = perp_candles_get_low (candles);
  c = perp_candles_get_close (candles);
  v = perp_candles_get_volume (candles);

  perp_sma_batch (c, n, SMA_PERIOD, columns[PERP_COLUMN_SMA20]);
  perp_ema_batch (c, n, ema_periods[0], columns[PERP_COLUMN_EMA9]);
  perp_ema_batch (c, n, ema_periods[1], columns[PERP_COLUMN_EMA21]);
  perp_ema_batch (c, n, ema_periods[2], columns[PERP_COLUMN_EMA50]);
  perp_ema_batch (c, n, ema_periods[3], columns[PERP_COLUMN_EMA200]);
  perp_rsi_batch (c, n, RSI_PERIOD, columns[PERP_COLUMN_RSI14]);
  perp_atr_batch (h, l, c, n, ATR_PERIOD, columns[PERP_COLUMN_ATR14]);
  for (gsize i = 0; i < n; i++)
    columns[PERP_COLUMN_NATR14][i] = perp_natr_from_atr (columns[PERP_COLUMN_ATR14][i], c[i]);
  perp_macd_batch (c, n, MACD_FAST, MACD_SLOW, MACD_SIGNAL,
                   columns[PERP_COLUMN_MACD], columns[PERP_COLUMN_MACD_SIGNAL],
                   columns[PERP_COLUMN_MACD_HIST]);
  perp_bollinger_batch (c, n, BB_PERIOD, BB_K, BB_K,
                        columns[PERP_COLUMN_BB_UPPER], columns[PERP_COLUMN_BB_MIDDLE],
                        columns[PERP_COLUMN_BB_LOWER]);
  perp_stoch_rsi_batch (c, n, RSI_PERIOD, STOCH_PERIOD, STOCH_K_SMOOTH, STOCH_D_SMOOTH,
                        columns[PERP_COLUMN_STOCHRSI_K], columns[PERP_COLUMN_STOCHRSI_D]);
  perp_obv_batch (c, v, n, columns[PERP_COLUMN_OBV]);
  perp_dmi_batch (h, l, c, n, DMI_PERIOD,
                  columns[PERP_COLUMN_PLUS_DI14], columns[PERP_COLUMN_MINUS_DI14],
                  columns[PERP_COLUMN_ADX14]);
  perp_cci_batch (h, l, c, n, CCI_PERIOD, columns[PERP_COLUMN_CCI20]);
  perp_mfi_batch (h, l, c, v, n, MFI_PERIOD, columns[PERP_COLUMN_MFI14]);
  perp_willr_batch (h, l, c, n, WILLR_PERIOD, columns[PERP_COLUMN_WILLR14]);
  perp_vwap_session_batch (t, h, l, c, v, n, PERP_MS_PER_DAY, columns[PERP_COLUMN_VWAP_SESSION]);
}
