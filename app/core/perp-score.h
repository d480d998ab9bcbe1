/* perp-score.h: factor scorers and the Long/Short confidence composite
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-book-metrics.h"
#include "perp-candles.h"
#include "perp-derivatives.h"
#include "perp-indicator-set.h"
#include "perp-liquidation-map.h"
#include "perp-structure.h"
#include "perp-trade-flow.h"

G_BEGIN_DECLS

/*
 * The scorer turns what the engines know about one symbol at one moment into one
 * number a person can trust, and says why.
 *
 * Each factor reads one source and returns a value in [-1, 1] (bearish .. bullish), the
 * state of its data (fresh, stale with its age, missing) and a reason with the numbers
 * that drove it.  The composite is
 *
 *     evidence = Σ weight_i × trust_i × value_i        (weights normalised to sum 1)
 *     evidence × (1 + mtf_multiplier × agreement)      (agreement: the higher timeframe's
 *                                                        value, signed by the evidence)
 *     Long % = 50 + 50 × evidence,  Short % = 100 - Long %
 *
 * where trust is 1 for fresh data, stale_trust for stale data and 0 for missing data.  A
 * missing factor therefore cannot push the score either way: it lowers the confidence the
 * score can reach by its weight, and the output names it.  Nothing reads the clock: "now"
 * is the close of the last candle the inputs hold, and every source is read as of it.
 */

typedef enum
{
  PERP_FACTOR_LIQUIDITY_POOLS,   /* untested equal highs/lows, day/week levels, sweeps */
  PERP_FACTOR_LIQUIDATIONS,      /* nearest dense clusters of the modelled liquidation map */
  PERP_FACTOR_ICT,               /* OB / FVG / BOS / Fibonacci / premium-discount confluence */
  PERP_FACTOR_KILLZONE,          /* the active session, as a boost to the structure reading */
  PERP_FACTOR_ORDER_BOOK,        /* NOBI within a band, walls near price */
  PERP_FACTOR_ORDER_FLOW,        /* aggressor share, CVD trend, large trades, divergence */
  PERP_FACTOR_OPEN_INTEREST,     /* OI change against price, confirmed by volume */
  PERP_FACTOR_FUNDING,           /* crowded longs or shorts, read contrarian */
  PERP_FACTOR_TECHNICAL,         /* EMA stack, RSI, MACD, Bollinger, StochRSI, volume spike */
  PERP_FACTOR_HIGHER_TIMEFRAME,  /* trend of the higher timeframe; also the MTF multiplier */
  PERP_N_FACTORS
} PerpFactor;

typedef enum
{
  PERP_DATA_FRESH,
  PERP_DATA_STALE,
  PERP_DATA_MISSING,
} PerpDataState;

typedef enum
{
  PERP_TIER_NEUTRAL,
  PERP_TIER_LOW,
  PERP_TIER_MEDIUM,
  PERP_TIER_HIGH,
  PERP_N_TIERS
} PerpTier;

typedef enum
{
  PERP_DIRECTION_NONE  = 0,
  PERP_DIRECTION_LONG  = 1,
  PERP_DIRECTION_SHORT = -1,
} PerpDirection;

/* The reason templates.  Each has a fixed number of arguments, all numbers (prices,
 * percentages, counts, ages) or, for PERP_REASON_ARG_TEXT slots, one of a few fixed
 * words; perp_reason_format() renders them through gettext. */
typedef enum
{
  PERP_REASON_NONE,
  PERP_REASON_MISSING,              /* "<factor>: no data" */
  PERP_REASON_NOT_ENOUGH_CANDLES,   /* only N candles, M needed */
  PERP_REASON_POOL_SWEPT_LOWS,      /* sell-side pool at P swept N candles ago */
  PERP_REASON_POOL_SWEPT_HIGHS,
  PERP_REASON_POOL_DRAW_ABOVE,      /* untested buy-side pool at P, D % above; nearest below at Q */
  PERP_REASON_POOL_DRAW_BELOW,
  PERP_REASON_POOL_NONE,            /* no untested pool within D % */
  PERP_REASON_LIQ_CLUSTER_ABOVE,    /* cluster P1-P2 (notional N) D % above */
  PERP_REASON_LIQ_CLUSTER_BELOW,
  PERP_REASON_LIQ_NONE,
  PERP_REASON_ICT_IN_ORDER_BLOCK,   /* price in untested bullish/bearish OB P1-P2 */
  PERP_REASON_ICT_IN_FVG,           /* price in bullish/bearish FVG P1-P2 */
  PERP_REASON_ICT_AFTER_BREAK,      /* bullish/bearish BOS/CHoCH at P, N candles ago */
  PERP_REASON_ICT_AT_FIB,           /* retraced R % of the up/down leg, near the 0.xx level */
  PERP_REASON_ICT_ZONE,             /* price in discount/premium (P % of the range) */
  PERP_REASON_ICT_TREND,            /* trend bullish/bearish, no setup at price */
  PERP_REASON_ICT_NONE,
  PERP_REASON_ICT_HIGHER_TF,        /* the higher timeframe's structure outweighs the signal's */
  PERP_REASON_KILLZONE_ACTIVE,      /* during <session> (boost B) */
  PERP_REASON_KILLZONE_NONE,
  PERP_REASON_BOOK_IMBALANCE,       /* bids/asks N % of depth within B % of mid */
  PERP_REASON_BOOK_WALL,            /* bid/ask wall of Q at P (x M average), D % away */
  PERP_REASON_BOOK_UNHEALTHY,       /* book crossed or out of sync */
  PERP_REASON_FLOW_AGGRESSION,      /* aggressive buying/selling: N % of volume in M minutes */
  PERP_REASON_FLOW_DIVERGENCE,      /* bullish/bearish CVD divergence on the last N candles */
  PERP_REASON_FLOW_LARGE_TRADES,    /* large trades N % buy */
  PERP_REASON_FLOW_CVD_TREND,       /* CVD rising/falling: net N % of volume over M minutes */
  PERP_REASON_OI_REGIME,            /* OI +X % with price +Y % over M minutes: new longs ... */
  PERP_REASON_FUNDING_CROWDED,      /* funding R % (z Z): crowded longs/shorts */
  PERP_REASON_FUNDING_NORMAL,
  PERP_REASON_FUNDING_SHORT_HISTORY, /* funding R %: N settlements, too few to judge */
  PERP_REASON_TECH_STACK,           /* EMA 9/21/50/200 stacked bullish/bearish, RSI R */
  PERP_REASON_TECH_MIXED,           /* EMAs mixed, RSI R, MACD histogram H */
  PERP_REASON_TECH_VOLUME_SPIKE,    /* volume X x its 20-candle average on an up/down candle */
  PERP_REASON_HTF_TREND,            /* <tf> trend bullish/bearish, close above/below EMA 50 */
  PERP_REASON_HTF_NONE,
  PERP_N_REASONS
} PerpReasonId;

#define PERP_REASON_MAX_ARGS 4

/**
 * PerpReason:
 * @id: the template
 * @side: +1 / -1 picks the bullish / bearish wording of templates that have both
 * @text: a fixed word the template names (a session, a timeframe, a factor), or %NULL
 * @args: the numbers, in template order
 */
typedef struct
{
  PerpReasonId id;
  int          side;
  const char  *text;
  guint        n_args;
  double       args[PERP_REASON_MAX_ARGS];
} PerpReason;

/**
 * PerpFactorScore:
 * @value: bearish -1 .. bullish 1; 0 when missing
 * @age_ms: how old the data was at "now" (-1 when missing)
 * @weight: the factor's normalised weight
 * @contribution: weight × trust × value, its share of the evidence
 */
typedef struct
{
  PerpFactor    factor;
  double        value;
  PerpDataState state;
  gint64        age_ms;
  double        weight;
  double        contribution;
  PerpReason    reason;
} PerpFactorScore;

/**
 * PerpScoreParams:
 * @weights: per factor, >= 0; normalised to sum 1 by perp_score_params_check()
 * @stale_after_ms: per factor, data older than this is stale (0: never stale)
 * @missing_after_ms: per factor, data older than this counts as missing (0: never)
 * @stale_trust: how much a stale factor counts, in [0, 1]
 * @tier_high/@tier_medium/@tier_low: the confidence (max of Long %, Short %) of each tier
 * @mtf_multiplier: how far higher-timeframe agreement scales the evidence, in [0, 1]
 * @killzone_boost: per killzone of the structure config, in [0, 1]; unlisted ones 0
 * @sweep_lookback: candles a sweep stays a reason
 * @pool_max_distance: pools and clusters further than this fraction of price are ignored
 * @break_lookback: candles a BOS/CHoCH counts as "recent"
 * @fib_tolerance: how close (fraction of the leg) price must be to a Fibonacci level
 * @flow_window_ms: the aggressor-share window (15 minutes)
 * @divergence_lookback: closed candles a CVD divergence stays a reason
 * @oi_window_ms: the open-interest change window
 * @oi_full_change_pct: an OI change this large (%) reads as full strength
 * @volume_average: candles of the volume average (OI confirmation and the volume spike)
 * @volume_spike: volume / average at which a candle counts as a spike
 * @book_band: which band of #PerpBookMetrics the imbalance uses (index)
 * @htf_interval: the higher timeframe (PERP_INTERVAL_UNKNOWN: perp_score_default_htf() of the signal)
 */
typedef struct
{
  double       weights[PERP_N_FACTORS];
  gint64       stale_after_ms[PERP_N_FACTORS];
  gint64       missing_after_ms[PERP_N_FACTORS];
  double       stale_trust;
  double       tier_high;
  double       tier_medium;
  double       tier_low;
  double       mtf_multiplier;
  double       killzone_boost[PERP_STRUCTURE_MAX_KILLZONES];
  guint        sweep_lookback;
  double       pool_max_distance;
  guint        break_lookback;
  double       fib_tolerance;
  gint64       flow_window_ms;
  guint        divergence_lookback;
  gint64       oi_window_ms;
  double       oi_full_change_pct;
  guint        volume_average;
  double       volume_spike;
  guint        book_band;
  PerpInterval htf_interval;
} PerpScoreParams;

/**
 * PerpScoreInputs:
 *
 * Everything one score may read, each as of @now (inclusive).  A %NULL source is
 * missing.  The structure engines and indicator rows must have been fed exactly the
 * closed candles up to the one closing at @now; the scorer checks that and refuses
 * inputs that run ahead of it.
 *
 * @symbol: for the reasons and the plan only
 * @now: close time of the last closed signal candle (its open time + interval), ms
 * @candles: the signal timeframe's closed candles (those after @now are ignored)
 * @structure: the causal structure engine fed with @candles up to @now
 * @indicators: the indicator row of the last closed candle (perp_indicator_set_update)
 * @volume_average: mean volume of the @volume_average candles before the last, or NAN
 * @htf_candles/@htf_structure/@htf_indicators: the same for the higher timeframe, fed
 *   only with higher-timeframe candles that had closed by @now
 * @book: order-book metrics at their event time (<= @now), or %NULL
 * @flow: trade flow advanced to @now, or %NULL; without it, taker-buy volume in
 *   @candles (Binance's 12-column files) supplies per-candle delta
 * @oi: open-interest samples; those after @now are ignored
 * @funding_rate/@funding_time: the last settled (or predicted) funding rate at or before
 *   @now and its time; @funding_time < 0 when missing
 * @funding: the funding reading of that rate against its history
 * @liq_map: the liquidation map fed up to @now, or %NULL
 */
typedef struct
{
  const char             *symbol;
  gint64                  now;
  const PerpCandles      *candles;
  const PerpStructure    *structure;
  const double           *indicators;
  double                  volume_average;
  const PerpCandles      *htf_candles;
  const PerpStructure    *htf_structure;
  const double           *htf_indicators;
  const PerpBookMetrics  *book;
  PerpTradeFlow          *flow;
  const PerpOiSeries     *oi;
  double                  funding_rate;
  gint64                  funding_time;
  const PerpFundingValue *funding;
  const PerpLiqMap       *liq_map;
} PerpScoreInputs;

#define PERP_SCORE_TOP_REASONS 3

/**
 * PerpScore:
 * @time: "now" of the inputs
 * @price: the last close
 * @atr: ATR(14) of the last closed candle (the plan's yardstick)
 * @evidence: the signed composite before the 50 ± 50 mapping, in [-1, 1]
 * @coverage: Σ weight × trust: 1 when every factor is fresh
 * @long_pct/@short_pct: sum to 100
 * @confidence: max (@long_pct, @short_pct)
 * @top: indices into @factors of the top reasons, strongest first (-1 when unused)
 */
typedef struct
{
  gint64          time;
  double          price;
  double          atr;
  double          evidence;
  double          coverage;
  double          long_pct;
  double          short_pct;
  double          confidence;
  PerpDirection   direction;
  PerpTier        tier;
  PerpFactorScore factors[PERP_N_FACTORS];
  int             top[PERP_SCORE_TOP_REASONS];
} PerpScore;

#define PERP_SCORE_ERROR (perp_score_error_quark ())

typedef enum
{
  PERP_SCORE_ERROR_PARAMS,  /* parameters out of range (names the field) */
  PERP_SCORE_ERROR_INPUTS,  /* inputs that contradict each other or run past "now" */
} PerpScoreError;

GQuark      perp_score_error_quark   (void);

void        perp_score_params_init   (PerpScoreParams        *params);
gboolean    perp_score_params_check  (PerpScoreParams        *params,
                                      GError                **error);

gboolean    perp_score_compute       (const PerpScoreParams  *params,
                                      const PerpScoreInputs  *inputs,
                                      PerpScore              *score,
                                      GError                **error);

const char *perp_factor_name         (PerpFactor              factor);
const char *perp_factor_title        (PerpFactor              factor);
PerpFactor  perp_factor_from_name    (const char             *name);
const char *perp_data_state_name     (PerpDataState           state);
const char *perp_tier_name           (PerpTier                tier);
const char *perp_direction_name      (PerpDirection           direction);
const char *perp_reason_id_name      (PerpReasonId            id);

char       *perp_reason_format       (const PerpReason       *reason);
char       *perp_format_price        (double                  price);
PerpInterval perp_score_default_htf  (PerpInterval            signal);

G_END_DECLS
