/* perp-sizing.h: position size for a fixed risk, within the exchange's filters
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-score.h"

G_BEGIN_DECLS

/**
 * PerpSymbolRules:
 *
 * The trading filters of one symbol, from Binance's exchangeInfo (see
 * app/io/perp-exchange-info.h).  Zero means "no such filter".
 *
 * @tick_size: PRICE_FILTER tickSize: every price is a multiple of it
 * @min_price/@max_price: PRICE_FILTER bounds
 * @step_size: LOT_SIZE stepSize: limit-order quantities are multiples of it
 * @min_qty/@max_qty: LOT_SIZE bounds
 * @market_step_size/@market_min_qty/@market_max_qty: MARKET_LOT_SIZE, for market orders
 * @min_notional: MIN_NOTIONAL notional (quantity × price) floor
 * @price_precision/@quantity_precision: decimals the exchange prints
 */
typedef struct
{
  char   symbol[32];
  double tick_size;
  double min_price;
  double max_price;
  double step_size;
  double min_qty;
  double max_qty;
  double market_step_size;
  double market_min_qty;
  double market_max_qty;
  double min_notional;
  int    price_precision;
  int    quantity_precision;
} PerpSymbolRules;

typedef enum
{
  PERP_SIZING_RISK_USD,         /* risk a fixed amount of quote currency */
  PERP_SIZING_RISK_EQUITY_PCT,  /* risk a percentage of equity */
} PerpSizingMode;

/**
 * PerpSizingParams:
 * @risk_usd: the risk per trade in quote currency (USDT) for %PERP_SIZING_RISK_USD;
 *   the original plan's example is $1
 * @equity: account equity in quote currency (needed for the percentage mode and heat)
 * @risk_pct: percent of @equity at risk per trade for %PERP_SIZING_RISK_EQUITY_PCT
 * @tier_scale: per #PerpTier, the fraction of the target risk to take (neutral 0)
 * @market_order: size against MARKET_LOT_SIZE rather than LOT_SIZE
 * @max_heat_pct: open risk of all plans together, percent of @equity (0: unlimited)
 */
typedef struct
{
  PerpSizingMode mode;
  double         risk_usd;
  double         equity;
  double         risk_pct;
  double         tier_scale[PERP_N_TIERS];
  gboolean       market_order;
  double         max_heat_pct;
} PerpSizingParams;

typedef enum
{
  PERP_SIZING_OK,
  PERP_SIZING_REJECT_NO_RISK,       /* target risk is zero (neutral tier, zero scale) */
  PERP_SIZING_REJECT_BAD_STOP,      /* stop on the wrong side of entry, or at it */
  PERP_SIZING_REJECT_BELOW_MIN_QTY, /* rounded-down quantity below the minimum quantity */
  PERP_SIZING_REJECT_MIN_NOTIONAL,  /* quantity × entry below the minimum notional */
  PERP_SIZING_REJECT_ABOVE_MAX_QTY, /* more than the maximum quantity */
  PERP_SIZING_REJECT_PRICE_FILTER,  /* entry or stop outside the price filter */
  PERP_SIZING_REJECT_HEAT,          /* would take open risk over the heat limit */
} PerpSizingStatus;

/**
 * PerpSizing:
 * @entry/@stop: the prices used, rounded to the tick (stop rounded away from entry)
 * @target_risk: the risk asked for, after the tier scale
 * @ideal_qty: @target_risk / |entry - stop| before rounding
 * @quantity: rounded down to the step; 0 when rejected
 * @notional: @quantity × @entry
 * @risk: @quantity × |entry - stop|: the dollars actually at risk
 * @risk_diff_pct: (@risk - @target_risk) / @target_risk × 100, <= 0 by construction
 * @min_valid_risk: the smallest risk that would pass every filter at this stop, so a
 *   rejection can say what it would take
 * @heat_pct: open risk including this plan, percent of equity (NAN without equity)
 */
typedef struct
{
  PerpSizingStatus status;
  double           entry;
  double           stop;
  double           target_risk;
  double           ideal_qty;
  double           quantity;
  double           notional;
  double           risk;
  double           risk_diff_pct;
  double           min_valid_risk;
  double           heat_pct;
} PerpSizing;

void        perp_sizing_params_init   (PerpSizingParams       *params);
gboolean    perp_sizing_params_check  (const PerpSizingParams *params,
                                       GError                **error);

double      perp_rules_round_price    (const PerpSymbolRules  *rules,
                                       double                  price,
                                       int                     rounding);
double      perp_rules_floor_quantity (const PerpSymbolRules  *rules,
                                       double                  quantity,
                                       gboolean                market_order);
int         perp_rules_price_decimals (const PerpSymbolRules  *rules);

void        perp_size_position        (const PerpSizingParams *params,
                                       const PerpSymbolRules  *rules,
                                       PerpTier                tier,
                                       double                  entry,
                                       double                  stop,
                                       double                  open_risk,
                                       PerpSizing             *sizing);

double      perp_portfolio_heat_pct   (const double           *open_risks,
                                       gsize                   n_open,
                                       double                  equity);

const char *perp_sizing_status_name   (PerpSizingStatus        status);
char       *perp_sizing_describe      (const PerpSizing       *sizing,
                                       const PerpSymbolRules  *rules);

G_END_DECLS
