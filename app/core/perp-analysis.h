/* perp-analysis.h: everything the core knows about one symbol, kept up to date
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-breakers.h"
#include "perp-plan.h"
#include "perp-score.h"

G_BEGIN_DECLS

/*
 * A PerpAnalysis holds one symbol's state between candles: the signal timeframe's
 * candles, its structure engine and indicators, the higher timeframe (built from the
 * signal candles as they close, or fed from its own series), funding and open
 * interest, and the order-book and trade-flow readings the caller owns.  Closed
 * candles go in one at a time; a score reads the state as of the last one.  The CLI,
 * the engine, the scanner and the backtest all score through it, so there is one way
 * to get from candles to a score.
 */

typedef struct _PerpAnalysis PerpAnalysis;

/**
 * PerpAnalysisHtf:
 * @PERP_ANALYSIS_HTF_RESAMPLE: build the higher timeframe from the signal candles
 * @PERP_ANALYSIS_HTF_FED: the caller pushes higher-timeframe candles itself
 * @PERP_ANALYSIS_HTF_NONE: no higher timeframe (its factor is missing)
 */
typedef enum
{
  PERP_ANALYSIS_HTF_RESAMPLE,
  PERP_ANALYSIS_HTF_FED,
  PERP_ANALYSIS_HTF_NONE,
} PerpAnalysisHtf;

PerpAnalysis       *perp_analysis_new              (const char                *symbol,
                                                    PerpInterval               interval,
                                                    PerpCandleFields           fields,
                                                    PerpAnalysisHtf            htf_mode,
                                                    const PerpStructureConfig *structure,
                                                    const PerpScoreParams     *params,
                                                    GError                   **error);
void                perp_analysis_free             (PerpAnalysis              *self);
void                perp_analysis_reset            (PerpAnalysis              *self);

const char         *perp_analysis_get_symbol       (const PerpAnalysis        *self);
const PerpCandles  *perp_analysis_get_candles      (const PerpAnalysis        *self);
const PerpCandles  *perp_analysis_get_htf_candles  (const PerpAnalysis        *self);
const PerpStructure *perp_analysis_get_structure   (const PerpAnalysis        *self);
gint64              perp_analysis_get_now          (const PerpAnalysis        *self);

gboolean            perp_analysis_push_candle      (PerpAnalysis              *self,
                                                    const PerpCandle          *candle,
                                                    GError                   **error);
gboolean            perp_analysis_push_candles     (PerpAnalysis              *self,
                                                    const PerpCandles         *candles,
                                                    guint                      begin,
                                                    guint                      end,
                                                    GError                   **error);
gboolean            perp_analysis_push_htf_candle  (PerpAnalysis              *self,
                                                    const PerpCandle          *candle,
                                                    GError                   **error);

gboolean            perp_analysis_push_funding     (PerpAnalysis              *self,
                                                    gint64                     time,
                                                    double                     rate,
                                                    GError                   **error);
void                perp_analysis_set_open_interest(PerpAnalysis              *self,
                                                    PerpOiSeries              *oi);
void                perp_analysis_set_liquidation_map (PerpAnalysis           *self,
                                                    PerpLiqMap                *map);
void                perp_analysis_set_book         (PerpAnalysis              *self,
                                                    const PerpBookMetrics     *book);
void                perp_analysis_set_flow         (PerpAnalysis              *self,
                                                    PerpTradeFlow             *flow);

void                perp_analysis_get_inputs       (PerpAnalysis              *self,
                                                    PerpScoreInputs           *inputs);
gboolean            perp_analysis_score            (PerpAnalysis              *self,
                                                    PerpScore                 *score,
                                                    GError                   **error);
gboolean            perp_analysis_score_at         (PerpAnalysis              *self,
                                                    gint64                     now,
                                                    PerpScore                 *score,
                                                    GError                   **error);
void                perp_analysis_fill_breaker_state (PerpAnalysis            *self,
                                                    PerpBreakerState          *state);
double              perp_analysis_change_pct       (const PerpAnalysis        *self,
                                                    gint64                     window_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpAnalysis, perp_analysis_free)

G_END_DECLS
