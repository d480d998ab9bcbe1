/* perp-analysis.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "perp-analysis.h"

/* Candles of ATR history behind the volatility breaker's "average ATR". */
#define ATR_HISTORY 200

struct _PerpAnalysis
{
  char                *symbol;
  PerpInterval         interval;
  PerpCandleFields     fields;
  gint64               interval_ms;
  PerpAnalysisHtf      htf_mode;
  PerpInterval         htf_interval;
  gint64               htf_interval_ms;
  PerpStructureConfig  structure_config;
  const PerpScoreParams *params;

  PerpCandles         *candles;
  PerpStructure       *structure;
  PerpIndicatorSet    *indicators;
  double               row[PERP_N_COLUMNS];
  double               atr_history[ATR_HISTORY];
  guint                n_atr;

  PerpCandles         *htf_candles;
  PerpStructure       *htf_structure;
  PerpIndicatorSet    *htf_indicators;
  double               htf_row[PERP_N_COLUMNS];
  gboolean             htf_open;     /* a resampled candle is being built */
  PerpCandle           htf_building;

  PerpFunding          funding;
  PerpFundingValue     funding_value;
  gint64               funding_time;

  PerpOiSeries        *oi;
  PerpLiqMap          *liq_map;
  const PerpBookMetrics *book;
  PerpTradeFlow       *flow;
};

/**
 * perp_analysis_new:
 * @fields: the optional candle columns the source carries (taker-buy volume feeds
 *   the order-flow factor when there are no trades)
 * @structure: (nullable): the structure engine's settings; %NULL for the defaults
 * @params: the score parameters; must outlive the analysis
 *
 * Returns: (transfer full) (nullable): the analysis, or %NULL with @error set when the
 *   structure settings are invalid
 */
PerpAnalysis *
perp_analysis_new (const char                *symbol,
                   PerpInterval               interval,
                   PerpCandleFields           fields,
                   PerpAnalysisHtf            htf_mode,
                   const PerpStructureConfig *structure,
                   const PerpScoreParams     *params,
                   GError                   **error)
{
  g_autoptr(PerpAnalysis) self = g_new0 (PerpAnalysis, 1);
  PerpFundingParams funding_params;

  g_return_val_if_fail (params != NULL, NULL);

  self->symbol = g_strdup (symbol != NULL ? symbol : "");
  self->interval = interval;
  self->fields = fields;
  self->interval_ms = perp_interval_to_ms (interval);
  if (self->interval_ms <= 0)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("%s: the signal timeframe is unknown"), self->symbol);
      return NULL;
    }
  self->params = params;
  if (structure != NULL)
    self->structure_config = *structure;
  else
    perp_structure_config_init (&self->structure_config);

  self->candles = perp_candles_new (interval, fields);
  self->structure = perp_structure_new (&self->structure_config, interval, error);
  if (self->structure == NULL)
    return NULL;
  self->indicators = perp_indicator_set_new ();

  self->htf_mode = htf_mode;
  self->htf_interval = params->htf_interval != PERP_INTERVAL_UNKNOWN
                       ? params->htf_interval : perp_score_default_htf (interval);
  self->htf_interval_ms = perp_interval_to_ms (self->htf_interval);
  if (self->htf_interval_ms <= self->interval_ms
      || (htf_mode == PERP_ANALYSIS_HTF_RESAMPLE && self->htf_interval_ms % self->interval_ms != 0))
    self->htf_mode = PERP_ANALYSIS_HTF_NONE;
  if (self->htf_mode != PERP_ANALYSIS_HTF_NONE)
    {
      self->htf_candles = perp_candles_new (self->htf_interval, self->fields);
      self->htf_structure = perp_structure_new (&self->structure_config, self->htf_interval, error);
      if (self->htf_structure == NULL)
        return NULL;
      self->htf_indicators = perp_indicator_set_new ();
    }

  perp_funding_params_init_default (&funding_params);
  perp_funding_init (&self->funding, &funding_params);
  self->funding_time = -1;

  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    self->row[c] = self->htf_row[c] = NAN;

  return g_steal_pointer (&self);
}

void
perp_analysis_free (PerpAnalysis *self)
{
  if (self == NULL)
    return;
  g_free (self->symbol);
  g_clear_pointer (&self->candles, perp_candles_unref);
  g_clear_pointer (&self->structure, perp_structure_free);
  g_clear_pointer (&self->indicators, perp_indicator_set_free);
  g_clear_pointer (&self->htf_candles, perp_candles_unref);
  g_clear_pointer (&self->htf_structure, perp_structure_free);
  g_clear_pointer (&self->htf_indicators, perp_indicator_set_free);
  perp_funding_clear (&self->funding);
  g_clear_pointer (&self->oi, perp_oi_series_unref);
  g_clear_pointer (&self->liq_map, perp_liq_map_unref);
  g_free (self);
}

/**
 * perp_analysis_reset:
 *
 * Forgets every candle and funding rate; keeps the settings and the sources set with
 * the setters.
 */
void
perp_analysis_reset (PerpAnalysis *self)
{
  PerpFundingParams funding_params;

  g_return_if_fail (self != NULL);

  funding_params = self->funding.params;

  g_clear_pointer (&self->candles, perp_candles_unref);
  self->candles = perp_candles_new (self->interval, self->fields);
  perp_structure_reset (self->structure);
  perp_indicator_set_free (self->indicators);
  self->indicators = perp_indicator_set_new ();
  self->n_atr = 0;
  if (self->htf_mode != PERP_ANALYSIS_HTF_NONE)
    {
      g_clear_pointer (&self->htf_candles, perp_candles_unref);
      self->htf_candles = perp_candles_new (self->htf_interval, self->fields);
      perp_structure_reset (self->htf_structure);
      perp_indicator_set_free (self->htf_indicators);
      self->htf_indicators = perp_indicator_set_new ();
    }
  self->htf_open = FALSE;
  perp_funding_clear (&self->funding);
  perp_funding_init (&self->funding, &funding_params);
  self->funding_time = -1;
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    self->row[c] = self->htf_row[c] = NAN;
}

const char *
perp_analysis_get_symbol (const PerpAnalysis *self)
{
  return self->symbol;
}

const PerpCandles *
perp_analysis_get_candles (const PerpAnalysis *self)
{
  return self->candles;
}

const PerpCandles *
perp_analysis_get_htf_candles (const PerpAnalysis *self)
{
  return self->htf_candles;
}

const PerpStructure *
perp_analysis_get_structure (const PerpAnalysis *self)
{
  return self->structure;
}

/**
 * perp_analysis_get_now:
 *
 * Returns: the close time of the last closed candle, or -1 before the first
 */
gint64
perp_analysis_get_now (const PerpAnalysis *self)
{
  guint n = perp_candles_get_length (self->candles);

  return n > 0 ? perp_candles_get_open_time (self->candles)[n - 1] + self->interval_ms : -1;
}

static gboolean
commit_htf (PerpAnalysis      *self,
            const PerpCandle  *candle,
            GError           **error)
{
  if (!perp_candles_append (self->htf_candles, candle, error))
    return FALSE;
  if (!perp_structure_push (self->htf_structure, candle, error))
    return FALSE;
  perp_indicator_set_update (self->htf_indicators, candle, self->htf_row);
  return TRUE;
}

/* The higher timeframe's candle closes with the last signal candle of its bucket, or
 * (after a gap in the data) when a candle of a later bucket arrives. */
static gboolean
resample_htf (PerpAnalysis      *self,
              const PerpCandle  *candle,
              GError           **error)
{
  gint64 bucket = perp_interval_bucket_start (self->htf_interval, candle->open_time);

  if (self->htf_open && self->htf_building.open_time != bucket)
    {
      self->htf_open = FALSE;
      if (!commit_htf (self, &self->htf_building, error))
        return FALSE;
    }
  if (!self->htf_open)
    {
      self->htf_building = *candle;
      self->htf_building.open_time = bucket;
      self->htf_open = TRUE;
    }
  else
    {
      PerpCandle *b = &self->htf_building;

      b->high = MAX (b->high, candle->high);
      b->low = MIN (b->low, candle->low);
      b->close = candle->close;
      b->volume += candle->volume;
      b->quote_volume += candle->quote_volume;
      b->taker_buy_volume += candle->taker_buy_volume;
      b->trade_count = b->trade_count >= 0 && candle->trade_count >= 0
                       ? b->trade_count + candle->trade_count : -1;
    }
  if (candle->open_time + self->interval_ms == bucket + self->htf_interval_ms)
    {
      self->htf_open = FALSE;
      return commit_htf (self, &self->htf_building, error);
    }
  return TRUE;
}

/**
 * perp_analysis_push_candle:
 * @candle: a closed candle, after the last one pushed
 *
 * Returns: %FALSE (and changes nothing) when the candle is invalid or not after the
 *   last one
 */
gboolean
perp_analysis_push_candle (PerpAnalysis      *self,
                           const PerpCandle  *candle,
                           GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  /* The series checks the candle first, so a bad one leaves every engine untouched. */
  if (!perp_candles_append (self->candles, candle, error))
    return FALSE;
  if (!perp_structure_push (self->structure, candle, error))
    return FALSE;
  perp_indicator_set_update (self->indicators, candle, self->row);
  self->atr_history[self->n_atr % ATR_HISTORY] = self->row[PERP_COLUMN_ATR14];
  self->n_atr++;

  if (self->htf_mode == PERP_ANALYSIS_HTF_RESAMPLE)
    return resample_htf (self, candle, error);
  return TRUE;
}

gboolean
perp_analysis_push_candles (PerpAnalysis       *self,
                            const PerpCandles  *candles,
                            guint               begin,
                            guint               end,
                            GError            **error)
{
  g_return_val_if_fail (end <= perp_candles_get_length (candles), FALSE);

  for (guint i = begin; i < end; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      if (!perp_analysis_push_candle (self, &candle, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * perp_analysis_push_htf_candle:
 *
 * For %PERP_ANALYSIS_HTF_FED: a closed higher-timeframe candle.  Push it once it has
 * closed (its open time + interval at or before the signal time scored next).
 */
gboolean
perp_analysis_push_htf_candle (PerpAnalysis      *self,
                               const PerpCandle  *candle,
                               GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->htf_mode == PERP_ANALYSIS_HTF_FED, FALSE);

  return commit_htf (self, candle, error);
}

/**
 * perp_analysis_push_funding:
 * @time: the settlement time, ms
 * @rate: the funding rate (a fraction: 0.0001 = 0.01 %)
 */
gboolean
perp_analysis_push_funding (PerpAnalysis  *self,
                            gint64         time,
                            double         rate,
                            GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!isfinite (rate) || time <= self->funding_time)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS,
                   _("%s: funding rate at %" G_GINT64_FORMAT " is not a number or not after "
                     "the previous one"), self->symbol, time);
      return FALSE;
    }
  perp_funding_update (&self->funding, rate, &self->funding_value);
  self->funding_time = time;
  return TRUE;
}

void
perp_analysis_set_open_interest (PerpAnalysis *self,
                                 PerpOiSeries *oi)
{
  if (oi != NULL)
    perp_oi_series_ref (oi);
  g_clear_pointer (&self->oi, perp_oi_series_unref);
  self->oi = oi;
}

void
perp_analysis_set_liquidation_map (PerpAnalysis *self,
                                   PerpLiqMap   *map)
{
  if (map != NULL)
    perp_liq_map_ref (map);
  g_clear_pointer (&self->liq_map, perp_liq_map_unref);
  self->liq_map = map;
}

/**
 * perp_analysis_set_book:
 * @book: (nullable): metrics the caller keeps alive until the next call or the free
 */
void
perp_analysis_set_book (PerpAnalysis          *self,
                        const PerpBookMetrics *book)
{
  self->book = book;
}

/**
 * perp_analysis_set_flow:
 * @flow: (nullable): the symbol's trade flow, owned by the caller
 */
void
perp_analysis_set_flow (PerpAnalysis  *self,
                        PerpTradeFlow *flow)
{
  self->flow = flow;
}

/**
 * perp_analysis_get_inputs:
 *
 * The scorer's inputs as of the last closed candle.  Pointers stay valid until the
 * next push.
 */
void
perp_analysis_get_inputs (PerpAnalysis    *self,
                          PerpScoreInputs *inputs)
{
  guint n = perp_candles_get_length (self->candles);
  guint span = self->params->volume_average;

  memset (inputs, 0, sizeof *inputs);
  inputs->symbol = self->symbol;
  inputs->now = perp_analysis_get_now (self);
  inputs->candles = self->candles;
  inputs->structure = self->structure;
  inputs->indicators = n > 0 ? self->row : NULL;
  inputs->volume_average = NAN;
  if (n > span)
    {
      const double *volume = perp_candles_get_volume (self->candles);
      double sum = 0.0;

      for (guint i = n - 1 - span; i < n - 1; i++)
        sum += volume[i];
      inputs->volume_average = sum / span;
    }
  if (self->htf_candles != NULL && perp_candles_get_length (self->htf_candles) > 0)
    {
      inputs->htf_candles = self->htf_candles;
      inputs->htf_structure = self->htf_structure;
      inputs->htf_indicators = self->htf_row;
    }
  inputs->book = self->book;
  inputs->flow = self->flow;
  inputs->oi = self->oi;
  inputs->funding_time = self->funding_time;
  inputs->funding_rate = self->funding_time >= 0 ? self->funding_value.rate : NAN;
  inputs->funding = self->funding_time >= 0 ? &self->funding_value : NULL;
  inputs->liq_map = self->liq_map;
}

gboolean
perp_analysis_score (PerpAnalysis  *self,
                     PerpScore     *score,
                     GError       **error)
{
  PerpScoreInputs inputs;

  g_return_val_if_fail (self != NULL, FALSE);

  perp_analysis_get_inputs (self, &inputs);
  return perp_score_compute (self->params, &inputs, score, error);
}

/**
 * perp_analysis_score_at:
 * @now: the data time to score at; at or after the last candle's close (an earlier
 *   time scores at that close)
 *
 * Scores between closes: the candles, structure and indicators are those of the last
 * close, the book, flow and positioning those of @now.  The live panel and the
 * latency benchmark use it; signals are scored at closes (perp_analysis_score()).
 */
gboolean
perp_analysis_score_at (PerpAnalysis  *self,
                        gint64         now,
                        PerpScore     *score,
                        GError       **error)
{
  PerpScoreInputs inputs;

  g_return_val_if_fail (self != NULL, FALSE);

  perp_analysis_get_inputs (self, &inputs);
  inputs.now = MAX (inputs.now, now);
  return perp_score_compute (self->params, &inputs, score, error);
}

/**
 * perp_analysis_change_pct:
 *
 * Returns: the close-to-close change over the last @window_ms in percent, NAN when
 *   the candles do not reach back that far
 */
double
perp_analysis_change_pct (const PerpAnalysis *self,
                          gint64              window_ms)
{
  guint n = perp_candles_get_length (self->candles);
  guint back = (guint) (window_ms / self->interval_ms);
  const double *close = perp_candles_get_close (self->candles);

  if (back == 0 || n <= back || !(close[n - 1 - back] > 0.0))
    return NAN;
  return (close[n - 1] / close[n - 1 - back] - 1.0) * 100.0;
}

/**
 * perp_analysis_fill_breaker_state:
 *
 * Fills the market half of the breaker state (ATR and its average, and for BTCUSDT
 * its own one-hour move); the journal half is the caller's.
 */
void
perp_analysis_fill_breaker_state (PerpAnalysis     *self,
                                  PerpBreakerState *state)
{
  guint n = MIN (self->n_atr, ATR_HISTORY);
  double sum = 0.0;
  guint count = 0;

  state->now = perp_analysis_get_now (self);
  state->symbol = self->symbol;
  state->atr = self->row[PERP_COLUMN_ATR14];
  for (guint i = 0; i < n; i++)
    if (isfinite (self->atr_history[i]))
      {
        sum += self->atr_history[i];
        count++;
      }
  /* An average over fewer than a quarter of the history is no average yet. */
  state->atr_average = count >= ATR_HISTORY / 4 ? sum / count : NAN;
  if (g_strcmp0 (self->symbol, "BTCUSDT") == 0)
    state->btc_change_1h_pct = perp_analysis_change_pct (self, 3600 * 1000);
}
