/* perp-sizing.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-sizing"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "perp-sizing.h"

/*
 * Sizing is where a wrong digit costs money, so everything that lands on the
 * exchange's grid (prices on the tick, quantities on the step) is computed in whole
 * grid units, not by dividing doubles and hoping.
 *
 * Binance's ticks and steps are short decimals ("0.10", "0.001", "0.0000001").  Written
 * as k / 10^d with k and d small integers, a multiple n of the tick is the integer n × k
 * over 10^d, and one IEEE division of two exactly representable integers is correctly
 * rounded: the result is the very double that parsing the decimal ("61420.3") gives.
 * Repeated multiplication (n × 0.1) would instead drift to 61420.299999999996 and print
 * badly or compare unequal to the exchange's own numbers.
 *
 * Going the other way (how many ticks is this price?) the quotient carries the binary
 * error of its inputs (0.003 / 0.001 = 2.9999999999999996), so it is snapped to the
 * nearest integer when it is within a tiny relative distance of it before flooring.
 * That can move a quantity up by at most a billionth of a step, never by a whole one.
 */

#define MAX_GRID_DECIMALS 12

/* A quotient this close (relative) to an integer is that integer.  The binary error of
 * one multiplication and one division is a few ulps (~1e-15); user prices and exchange
 * strings are the nearest doubles to their decimals.  1e-12 leaves plenty of margin
 * while still telling apart neighbouring ticks of any realistic price (2^53 / 1e12). */
#define GRID_RELATIVE_EPSILON 1e-12
#define GRID_ABSOLUTE_EPSILON 1e-9

/* Filter comparisons (quantity against min/max, notional against its floor) allow the
 * same kind of slack: a quantity exactly at the minimum must pass. */
#define FILTER_EPSILON 1e-9

static const double powers_of_ten[MAX_GRID_DECIMALS + 1] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
};

/* ------------------------------------------------------------------ params */

/**
 * perp_sizing_params_init:
 *
 * The defaults risk a fixed 1 USDT per trade (the original plan's example), scaled by
 * tier: nothing on neutral, half on low, three quarters on medium, all of it on high.
 * Equity is unknown (NAN) until the user gives it, so the percentage mode and the heat
 * limit (off) need configuration before they can work.
 */
void
perp_sizing_params_init (PerpSizingParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->mode = PERP_SIZING_RISK_USD;
  params->risk_usd = 1.0;
  params->equity = NAN;
  params->risk_pct = 0.5;
  params->tier_scale[PERP_TIER_NEUTRAL] = 0.0;
  params->tier_scale[PERP_TIER_LOW] = 0.5;
  params->tier_scale[PERP_TIER_MEDIUM] = 0.75;
  params->tier_scale[PERP_TIER_HIGH] = 1.0;
  params->market_order = TRUE;
  params->max_heat_pct = 0.0;
}

/* Error messages quote the configured value in the C locale: a config file says
 * "-1.5", and the message should too, whatever LC_NUMERIC is. */
static const char *
format_value (char   buf[G_ASCII_DTOSTR_BUF_SIZE],
              double value)
{
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%g", value);
}

/**
 * perp_sizing_params_check:
 *
 * Checks @params the way the config loader needs: each error names the config key
 * (risk.risk_usd, risk.tier_scale.medium, ...) and the offending value.  Besides the
 * ranges, it refuses combinations that would silently do nothing: the percentage mode
 * and the heat limit both need a known equity.
 *
 * Returns: %TRUE if @params are usable, else %FALSE with %PERP_SCORE_ERROR_PARAMS
 */
gboolean
perp_sizing_params_check (const PerpSizingParams  *params,
                          GError                 **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gboolean equity_known;

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (params->mode != PERP_SIZING_RISK_USD && params->mode != PERP_SIZING_RISK_EQUITY_PCT)
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                   "risk.mode must be usd or equity_pct (got %d)", (int) params->mode);
      return FALSE;
    }

  /* NAN is "not given"; anything else must be a real amount. */
  equity_known = !isnan (params->equity);
  if (equity_known && !(isfinite (params->equity) && params->equity > 0.0))
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                   "risk.equity must be > 0 (got %s)", format_value (buf, params->equity));
      return FALSE;
    }

  if (params->mode == PERP_SIZING_RISK_USD)
    {
      if (!(isfinite (params->risk_usd) && params->risk_usd > 0.0))
        {
          g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                       "risk.risk_usd must be > 0 (got %s)", format_value (buf, params->risk_usd));
          return FALSE;
        }
    }
  else
    {
      if (!(isfinite (params->risk_pct) && params->risk_pct > 0.0 && params->risk_pct <= 100.0))
        {
          g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                       "risk.risk_pct must be > 0 and <= 100 (got %s)",
                       format_value (buf, params->risk_pct));
          return FALSE;
        }
      if (!equity_known)
        {
          g_set_error_literal (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                               "risk.equity must be set when risk.mode is equity_pct");
          return FALSE;
        }
    }

  for (int tier = 0; tier < PERP_N_TIERS; tier++)
    {
      double scale = params->tier_scale[tier];

      if (!(isfinite (scale) && scale >= 0.0 && scale <= 1.0))
        {
          g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                       "risk.tier_scale.%s must be between 0 and 1 (got %s)",
                       perp_tier_name ((PerpTier) tier), format_value (buf, scale));
          return FALSE;
        }
    }

  if (!(isfinite (params->max_heat_pct) && params->max_heat_pct >= 0.0 && params->max_heat_pct <= 100.0))
    {
      g_set_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                   "risk.max_heat_pct must be between 0 and 100 (got %s)",
                   format_value (buf, params->max_heat_pct));
      return FALSE;
    }

  /* A heat limit without equity would never trigger: refuse it rather than let the
   * user believe they are protected. */
  if (params->max_heat_pct > 0.0 && !equity_known)
    {
      g_set_error_literal (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS,
                           "risk.max_heat_pct needs risk.equity (the limit is a percentage of it)");
      return FALSE;
    }

  return TRUE;
}

/* -------------------------------------------------------------------- grid */

/* The number of decimals of @unit as the exchange writes it ("0.10" -> 1, "0.0000001"
 * -> 7, "5" -> 0), or -1 when it has no short decimal form (a unit nobody quotes). */
static int
unit_decimals (double unit)
{
  if (!(isfinite (unit) && unit > 0.0))
    return -1;

  for (int d = 0; d <= MAX_GRID_DECIMALS; d++)
    {
      double scaled = unit * powers_of_ten[d];
      double whole = nearbyint (scaled);

      if (whole >= 1.0 && fabs (scaled - whole) <= GRID_ABSOLUTE_EPSILON * whole)
        return d;
    }

  return -1;
}

static double
snap_to_integer (double q)
{
  double whole = nearbyint (q);

  if (fabs (q - whole) <= MAX (GRID_ABSOLUTE_EPSILON, GRID_RELATIVE_EPSILON * fabs (q)))
    return whole;

  return q;
}

/* @value rounded to a multiple of @unit (> 0): -1 down, 0 nearest (halves away from
 * zero, in decimal terms), +1 up. */
static double
round_to_unit (double value,
               double unit,
               int    rounding)
{
  int d = unit_decimals (unit);
  double scale;
  double unit_int;
  double q;
  double n;

  if (d >= 0)
    {
      scale = powers_of_ten[d];
      unit_int = nearbyint (unit * scale);
      q = value * scale / unit_int;
    }
  else
    {
      /* No exact decimal form: plain binary arithmetic is the best there is. */
      scale = 1.0;
      unit_int = unit;
      q = value / unit;
    }

  if (rounding < 0)
    {
      n = floor (snap_to_integer (q));
    }
  else if (rounding > 0)
    {
      n = ceil (snap_to_integer (q));
    }
  else
    {
      /* Snap halves too, so that 61420.35 on a 0.1 tick is a tie (and goes up) even
       * though its double is a hair below the decimal. */
      double halves = snap_to_integer (q * 2.0);

      n = round (halves / 2.0);
    }

  return n * unit_int / scale;
}

/* The step, minimum and maximum quantity the order is sized against. */
static void
lot_filter (const PerpSymbolRules *rules,
            gboolean               market_order,
            double                *step,
            double                *min_qty,
            double                *max_qty)
{
  if (market_order && rules->market_step_size > 0.0)
    {
      *step = rules->market_step_size;
      *min_qty = rules->market_min_qty;
      *max_qty = rules->market_max_qty;
    }
  else
    {
      *step = rules->step_size;
      *min_qty = rules->min_qty;
      *max_qty = rules->max_qty;
    }
}

/**
 * perp_rules_round_price:
 * @price: any price
 * @rounding: -1 down to the tick, 0 to the nearest tick, +1 up to the tick
 *
 * Exact in decimal terms: 61420.3 on a 0.1 tick stays 61420.3 (the same double as the
 * literal), and rounding never leaves a binary residue such as 61420.299999999996.
 *
 * Returns: @price on the tick grid; @price itself when the symbol has no tick or
 *   @price is not finite
 */
double
perp_rules_round_price (const PerpSymbolRules *rules,
                        double                 price,
                        int                    rounding)
{
  g_return_val_if_fail (rules != NULL, price);

  if (!(rules->tick_size > 0.0) || !isfinite (price))
    return price;

  return round_to_unit (price, rules->tick_size, rounding);
}

/**
 * perp_rules_floor_quantity:
 * @quantity: the wanted quantity
 * @market_order: size against MARKET_LOT_SIZE's step when the symbol has one
 *
 * Rounds down to the step, robustly: 0.003 on a 0.001 step is 0.003, not 0.002, and
 * the result prints cleanly at the step's decimals.
 *
 * Returns: the quantity, a multiple of the step; 0 for quantities that are not
 *   positive; @quantity itself when there is no step
 */
double
perp_rules_floor_quantity (const PerpSymbolRules *rules,
                           double                 quantity,
                           gboolean               market_order)
{
  double step;
  double min_qty;
  double max_qty;

  g_return_val_if_fail (rules != NULL, 0.0);

  if (!(quantity > 0.0))
    return 0.0;

  lot_filter (rules, market_order, &step, &min_qty, &max_qty);
  if (!(step > 0.0) || !isfinite (quantity))
    return quantity;

  return round_to_unit (quantity, step, -1);
}

/**
 * perp_rules_price_decimals:
 *
 * The decimals a price of this symbol needs: those of its tick (0.10 -> 1, 0.0000001
 * -> 7).  Binance's pricePrecision counts the digits the tick string is written with
 * ("0.10" has pricePrecision 2), which would print a zero that carries no information;
 * it is only the fallback for symbols without a tick.
 */
int
perp_rules_price_decimals (const PerpSymbolRules *rules)
{
  int d;

  g_return_val_if_fail (rules != NULL, 0);

  d = unit_decimals (rules->tick_size);
  if (d >= 0)
    return d;

  return CLAMP (rules->price_precision, 0, 16);
}

/* The same for quantities, from the finer of the two steps. */
static int
quantity_decimals (const PerpSymbolRules *rules)
{
  int d = MAX (unit_decimals (rules->step_size), unit_decimals (rules->market_step_size));

  if (d >= 0)
    return d;

  return CLAMP (rules->quantity_precision, 0, 16);
}

/* ------------------------------------------------------------------ sizing */

static double
target_risk (const PerpSizingParams *params,
             PerpTier                tier)
{
  double base;
  double target;

  if (params->mode == PERP_SIZING_RISK_EQUITY_PCT)
    base = params->equity * params->risk_pct / 100.0;
  else
    base = params->risk_usd;

  target = base * params->tier_scale[tier];

  /* Unchecked params (an unknown equity in percentage mode, say) size nothing rather
   * than something made up. */
  if (!(isfinite (target) && target > 0.0))
    return 0.0;

  return target;
}

/**
 * perp_size_position:
 * @tier: the score's tier, which scales the target risk
 * @entry: the entry price (rounded to the nearest tick)
 * @stop: the stop price; below @entry for a long, above it for a short (rounded away
 *   from the entry, so the rounding never makes the stop tighter than planned)
 * @open_risk: the risk of the positions already open, in quote currency (for the heat
 *   limit); a negative or non-finite value is unknown, and fails a heat limit
 * @sizing: (out caller-allocates): the result
 *
 * The quantity whose loss at the stop is the target risk, rounded down to the step so
 * that it never risks more than asked, then checked against the symbol's filters and
 * the heat limit.  The checks run in a fixed order (no risk, bad stop, price filter,
 * minimum quantity, minimum notional, maximum quantity, heat) and the first that fails
 * is the status.  An oversized quantity is rejected, not capped: a plan that large has
 * a stop a few ticks away and is a mistake, not a trade to take smaller.
 *
 * On a rejection @quantity and @risk are 0; the rest stays filled so the caller can say
 * why (@notional is then that of the rounded quantity the filters refused, and for a
 * heat rejection @heat_pct is the heat the plan would have brought).  Fields that have
 * no meaning for a bad stop (@ideal_qty, @notional, @min_valid_risk) are NAN.
 */
void
perp_size_position (const PerpSizingParams *params,
                    const PerpSymbolRules  *rules,
                    PerpTier                tier,
                    double                  entry,
                    double                  stop,
                    double                  open_risk,
                    PerpSizing             *sizing)
{
  gboolean equity_known;
  gboolean bad_stop;
  double step;
  double min_qty;
  double max_qty;
  double dist = NAN;
  double quantity = 0.0;
  double heat_risk;

  g_return_if_fail (params != NULL);
  g_return_if_fail (rules != NULL);
  g_return_if_fail (sizing != NULL);
  g_return_if_fail (tier >= 0 && tier < PERP_N_TIERS);

  sizing->status = PERP_SIZING_OK;
  sizing->entry = entry;
  sizing->stop = stop;
  sizing->target_risk = target_risk (params, tier);
  sizing->ideal_qty = NAN;
  sizing->quantity = 0.0;
  sizing->notional = NAN;
  sizing->risk = 0.0;
  sizing->risk_diff_pct = NAN;
  sizing->min_valid_risk = NAN;
  sizing->heat_pct = NAN;

  lot_filter (rules, params->market_order, &step, &min_qty, &max_qty);

  bad_stop = !(isfinite (entry) && entry > 0.0 && isfinite (stop) && stop > 0.0);
  if (!bad_stop)
    {
      /* The direction is the side the stop is on.  Comparing against the rounded entry
       * keeps a stop inside the entry's tick from flipping it. */
      sizing->entry = perp_rules_round_price (rules, entry, 0);
      if (stop < sizing->entry)
        sizing->stop = perp_rules_round_price (rules, stop, -1);
      else if (stop > sizing->entry)
        sizing->stop = perp_rules_round_price (rules, stop, +1);
      else
        sizing->stop = stop;

      dist = fabs (sizing->entry - sizing->stop);
      bad_stop = !(sizing->entry > 0.0 && sizing->stop > 0.0 && dist > 0.0);
    }

  if (!bad_stop)
    {
      double min_by_notional = 0.0;
      double min_valid_qty;

      sizing->ideal_qty = sizing->target_risk / dist;
      quantity = perp_rules_floor_quantity (rules, sizing->ideal_qty, params->market_order);
      sizing->notional = quantity * sizing->entry;

      /* The least quantity every size filter takes: the minimum quantity, the notional
       * floor rounded up to the step, and never less than one step. */
      if (rules->min_notional > 0.0)
        {
          min_by_notional = rules->min_notional / sizing->entry;
          if (step > 0.0)
            min_by_notional = round_to_unit (min_by_notional, step, +1);
        }
      min_valid_qty = MAX (MAX (min_qty, step), min_by_notional);
      sizing->min_valid_risk = min_valid_qty * dist;
    }

  equity_known = isfinite (params->equity) && params->equity > 0.0;
  heat_risk = quantity * (isfinite (dist) ? dist : 0.0);
  if (equity_known)
    {
      if (isfinite (open_risk) && open_risk >= 0.0)
        sizing->heat_pct = (open_risk + heat_risk) / params->equity * 100.0;
      else
        sizing->heat_pct = NAN;
    }

  if (sizing->target_risk == 0.0)
    sizing->status = PERP_SIZING_REJECT_NO_RISK;
  else if (bad_stop)
    sizing->status = PERP_SIZING_REJECT_BAD_STOP;
  else if ((rules->min_price > 0.0
            && (sizing->entry < rules->min_price || sizing->stop < rules->min_price))
           || (rules->max_price > 0.0
               && (sizing->entry > rules->max_price || sizing->stop > rules->max_price)))
    sizing->status = PERP_SIZING_REJECT_PRICE_FILTER;
  else if (quantity <= 0.0 || quantity < min_qty * (1.0 - FILTER_EPSILON))
    sizing->status = PERP_SIZING_REJECT_BELOW_MIN_QTY;
  else if (rules->min_notional > 0.0 && sizing->notional < rules->min_notional * (1.0 - FILTER_EPSILON))
    sizing->status = PERP_SIZING_REJECT_MIN_NOTIONAL;
  else if (max_qty > 0.0 && quantity > max_qty * (1.0 + FILTER_EPSILON))
    sizing->status = PERP_SIZING_REJECT_ABOVE_MAX_QTY;
  else if (params->max_heat_pct > 0.0 && equity_known
           && !(sizing->heat_pct <= params->max_heat_pct * (1.0 + FILTER_EPSILON)))
    sizing->status = PERP_SIZING_REJECT_HEAT;

  if (sizing->status == PERP_SIZING_OK)
    {
      sizing->quantity = quantity;
      sizing->risk = heat_risk;
    }
  else if (sizing->status != PERP_SIZING_REJECT_HEAT && equity_known
           && isfinite (open_risk) && open_risk >= 0.0)
    {
      /* A rejected plan adds nothing to the open risk. */
      sizing->heat_pct = open_risk / params->equity * 100.0;
    }

  if (sizing->target_risk > 0.0)
    {
      /* <= 0 by construction; the grid snap may leave a +1e-12 residue, which is 0. */
      sizing->risk_diff_pct = MIN (0.0, (sizing->risk - sizing->target_risk) / sizing->target_risk * 100.0);
    }
}

/**
 * perp_portfolio_heat_pct:
 * @open_risks: (array length=n_open): the risk of each open position, quote currency
 * @equity: the account equity
 *
 * Returns: the total open risk as a percentage of @equity, or NAN when @equity is not
 *   a positive number
 */
double
perp_portfolio_heat_pct (const double *open_risks,
                         gsize         n_open,
                         double        equity)
{
  double sum = 0.0;

  g_return_val_if_fail (open_risks != NULL || n_open == 0, NAN);

  if (!(isfinite (equity) && equity > 0.0))
    return NAN;

  for (gsize i = 0; i < n_open; i++)
    sum += open_risks[i];

  return sum / equity * 100.0;
}

/**
 * perp_sizing_status_name:
 *
 * Returns: (transfer none): a stable snake_case name ("ok", "min_notional", ...) for
 *   JSON output and logs
 */
const char *
perp_sizing_status_name (PerpSizingStatus status)
{
  switch (status)
    {
    case PERP_SIZING_OK:
      return "ok";
    case PERP_SIZING_REJECT_NO_RISK:
      return "no_risk";
    case PERP_SIZING_REJECT_BAD_STOP:
      return "bad_stop";
    case PERP_SIZING_REJECT_BELOW_MIN_QTY:
      return "below_min_qty";
    case PERP_SIZING_REJECT_MIN_NOTIONAL:
      return "min_notional";
    case PERP_SIZING_REJECT_ABOVE_MAX_QTY:
      return "above_max_qty";
    case PERP_SIZING_REJECT_PRICE_FILTER:
      return "price_filter";
    case PERP_SIZING_REJECT_HEAT:
      return "heat";
    default:
      return "?";
    }
}

/* -------------------------------------------------------------- describing */

/* The quote currency the amounts are in, from the symbol's suffix (BTCUSDT -> USDT,
 * ETHBTC -> BTC, BTCUSDT_260626 -> USDT).  PerpSymbolRules does not carry the quote
 * asset; every USDT-M symbol ends with it, and USDT is what the risk is configured in. */
static char *
quote_of_symbol (const char *symbol)
{
  static const char * const quotes[] = { "FDUSD", "USDT", "USDC", "BUSD", "BTC", "ETH" };
  const char *underscore = strchr (symbol, '_');
  gsize len = underscore != NULL ? (gsize) (underscore - symbol) : strlen (symbol);

  for (guint i = 0; i < G_N_ELEMENTS (quotes); i++)
    {
      gsize qlen = strlen (quotes[i]);

      if (len > qlen && strncmp (symbol + len - qlen, quotes[i], qlen) == 0)
        return g_strdup (quotes[i]);
    }

  return g_strdup ("USDT");
}

static char *
format_fixed (double value,
              int    decimals)
{
  return g_strdup_printf ("%.*f", decimals, value);
}

/* The decimals an amount of money needs: cents for the dollar stablecoins, and three
 * significant digits below a cent or in a coin (a BTC-quoted risk of 0.000125 must not
 * print as 0.00, nor a notional of 0.0173 BTC as 0.02). */
static int
money_decimals (double      value,
                const char *quote)
{
  static const char * const dollars[] = { "USDT", "USDC", "FDUSD", "BUSD" };
  double magnitude = fabs (value);
  gboolean dollar = FALSE;

  if (magnitude == 0.0 || !isfinite (value))
    return 2;

  for (guint i = 0; i < G_N_ELEMENTS (dollars); i++)
    dollar |= strcmp (quote, dollars[i]) == 0;

  if (dollar && magnitude >= 0.01)
    return 2;

  return CLAMP (2 - (int) floor (log10 (magnitude)), 2, MAX_GRID_DECIMALS);
}

static char *
format_money (double      value,
              const char *quote)
{
  return format_fixed (value, money_decimals (value, quote));
}

/* The same, rounded up at the printed precision: "needs at least 3.13" must be enough. */
static char *
format_money_up (double      value,
                 const char *quote)
{
  int decimals = money_decimals (value, quote);
  double scale = powers_of_ten[decimals];

  if (!isfinite (value) || value <= 0.0)
    return format_money (value, quote);

  return format_fixed (ceil (snap_to_integer (value * scale)) / scale, decimals);
}

/* A shortfall in percent: one decimal, or two significant digits when under 0.1 % (a
 * whole-unit step can miss the target by 0.009 %, which is not "0.0 %"). */
static char *
format_percent (double value)
{
  double magnitude = fabs (value);

  if (magnitude >= 0.1 || magnitude == 0.0 || !isfinite (value))
    return format_fixed (value, 1);

  return format_fixed (value, CLAMP (1 - (int) floor (log10 (magnitude)), 1, MAX_GRID_DECIMALS));
}

/* Three significant digits, never an exponent (an unrounded quantity such as 0.000412). */
static char *
format_significant (double value)
{
  double magnitude = fabs (value);

  if (magnitude == 0.0 || !isfinite (value))
    return format_fixed (value, 0);

  return format_fixed (value, CLAMP (2 - (int) floor (log10 (magnitude)), 0, 12));
}

/**
 * perp_sizing_describe:
 * @sizing: a result of perp_size_position()
 * @rules: the rules it was sized with
 *
 * One sentence for a person, with the numbers: what the size is and why it is under
 * the target, or why there is no size and what risk it would take to have one.
 *
 * Returns: (transfer full): the sentence, translated
 */
char *
perp_sizing_describe (const PerpSizing      *sizing,
                      const PerpSymbolRules *rules)
{
  g_autofree char *quote = NULL;
  g_autofree char *target = NULL;
  g_autofree char *distance = NULL;
  g_autofree char *needs = NULL;
  int pd;
  int qd;
  double dist;
  double rounded_qty = 0.0;

  g_return_val_if_fail (sizing != NULL, NULL);
  g_return_val_if_fail (rules != NULL, NULL);

  quote = quote_of_symbol (rules->symbol);
  pd = perp_rules_price_decimals (rules);
  qd = quantity_decimals (rules);
  dist = fabs (sizing->entry - sizing->stop);
  target = format_money (sizing->target_risk, quote);
  distance = format_fixed (dist, pd);
  needs = format_money_up (sizing->min_valid_risk, quote);
  /* A rejected size keeps the notional of the quantity the filters refused. */
  if (isfinite (sizing->notional) && sizing->entry > 0.0)
    rounded_qty = sizing->notional / sizing->entry;

  switch (sizing->status)
    {
    case PERP_SIZING_OK:
      {
        g_autofree char *qty = format_fixed (sizing->quantity, qd);
        g_autofree char *notional = format_money (sizing->notional, quote);
        g_autofree char *risk = format_money (sizing->risk, quote);
        double step = rules->step_size > 0.0 ? rules->step_size : rules->market_step_size;
        g_autofree char *step_text = format_fixed (step, qd);
        g_autofree char *under = NULL;

        /* Only a size that buys the target to float precision takes "the whole" of it;
         * 0.009 % under is still under, and says so. */
        if (!(-sizing->risk_diff_pct > 1e-6))
          {
            /* Translators: "0.004 BTCUSDT (notional 245.68 USDT) risks 1.00 USDT, the
             * whole target" */
            return g_strdup_printf (_("%s %s (notional %s %s) risks %s %s, the whole target"),
                                    qty, rules->symbol, notional, quote, risk, quote);
          }

        under = format_percent (-sizing->risk_diff_pct);
        /* Translators: "0.003 BTCUSDT (notional 262.24 USDT) risks 0.94 USDT, 6.2 %
         * under the 1.00 USDT target because of the 0.001 step" */
        return g_strdup_printf (_("%s %s (notional %s %s) risks %s %s, %s %% under the %s %s target because of the %s step"),
                                qty, rules->symbol, notional, quote, risk, quote, under,
                                target, quote, step_text);
      }

    case PERP_SIZING_REJECT_NO_RISK:
      /* Translators: the tier's risk scale (risk.tier_scale) is zero */
      return g_strdup_printf (_("No position: the target risk at this tier is 0 %s"), quote);

    case PERP_SIZING_REJECT_BAD_STOP:
      {
        g_autofree char *entry = format_fixed (sizing->entry, pd);
        g_autofree char *stop = format_fixed (sizing->stop, pd);

        if (!(isfinite (sizing->entry) && sizing->entry > 0.0 && isfinite (sizing->stop) && sizing->stop > 0.0))
          return g_strdup_printf (_("No valid size: entry %s and stop %s must both be positive prices"),
                                  entry, stop);

        return g_strdup_printf (_("No valid size: the stop %s is at the entry %s; it must be below it for a long or above it for a short"),
                                stop, entry);
      }

    case PERP_SIZING_REJECT_PRICE_FILTER:
      {
        g_autofree char *entry = format_fixed (sizing->entry, pd);
        g_autofree char *stop = format_fixed (sizing->stop, pd);
        g_autofree char *min_price = format_fixed (rules->min_price, pd);
        g_autofree char *max_price = format_fixed (rules->max_price, pd);

        if (rules->min_price > 0.0 && sizing->entry < rules->min_price)
          return g_strdup_printf (_("No valid size: the entry %s is below %s's minimum price %s"),
                                  entry, rules->symbol, min_price);
        if (rules->max_price > 0.0 && sizing->entry > rules->max_price)
          return g_strdup_printf (_("No valid size: the entry %s is above %s's maximum price %s"),
                                  entry, rules->symbol, max_price);
        if (rules->min_price > 0.0 && sizing->stop < rules->min_price)
          return g_strdup_printf (_("No valid size: the stop %s is below %s's minimum price %s"),
                                  stop, rules->symbol, min_price);
        return g_strdup_printf (_("No valid size: the stop %s is above %s's maximum price %s"),
                                stop, rules->symbol, max_price);
      }

    case PERP_SIZING_REJECT_BELOW_MIN_QTY:
      {
        g_autofree char *ideal = format_significant (sizing->ideal_qty);
        double step = rules->step_size > 0.0 ? rules->step_size : rules->market_step_size;
        g_autofree char *min_qty = format_fixed (MAX (rules->min_qty, step), qd);

        /* Translators: "No valid size: 0.50 USDT at a 1250.0 stop distance buys 0.0004
         * BTCUSDT, under the minimum quantity of 0.001; it needs at least 1.25 USDT" */
        return g_strdup_printf (_("No valid size: %s %s at a %s stop distance buys %s %s, under the minimum quantity of %s; it needs at least %s %s"),
                                target, quote, distance, ideal, rules->symbol, min_qty, needs, quote);
      }

    case PERP_SIZING_REJECT_MIN_NOTIONAL:
      {
        g_autofree char *qty = format_fixed (rounded_qty, qd);
        g_autofree char *notional = format_money (sizing->notional, quote);
        g_autofree char *min_notional = format_money (rules->min_notional, quote);

        /* Translators: "No valid size: 1.00 USDT at a 1000.0 stop distance buys 0.001
         * BTCUSDT, a notional of 61.42 USDT, under the 100.00 USDT minimum; it needs at
         * least 2.00 USDT" */
        return g_strdup_printf (_("No valid size: %s %s at a %s stop distance buys %s %s, a notional of %s %s, under the %s %s minimum; it needs at least %s %s"),
                                target, quote, distance, qty, rules->symbol, notional, quote,
                                min_notional, quote, needs, quote);
      }

    case PERP_SIZING_REJECT_ABOVE_MAX_QTY:
      {
        g_autofree char *qty = format_fixed (rounded_qty, qd);
        double max_qty = rules->max_qty;
        g_autofree char *max_text = NULL;

        if (rules->market_max_qty > 0.0 && (max_qty <= 0.0 || rounded_qty <= max_qty))
          max_qty = rules->market_max_qty;
        max_text = format_fixed (max_qty, qd);

        return g_strdup_printf (_("No valid size: %s %s at a %s stop distance buys %s %s, over the maximum quantity of %s; a stop this close is a mistake"),
                                target, quote, distance, qty, rules->symbol, max_text);
      }

    case PERP_SIZING_REJECT_HEAT:
      {
        g_autofree char *qty = format_fixed (rounded_qty, qd);
        g_autofree char *risk = format_money (rounded_qty * dist, quote);

        /* Translators: "No valid size: 0.003 BTCUSDT would risk 0.94 USDT more and take
         * the open risk to 6.2 % of equity, over the heat limit" */
        return g_strdup_printf (_("No valid size: %s %s would risk %s %s more and take the open risk to %.1f %% of equity, over the heat limit"),
                                qty, rules->symbol, risk, quote, sizing->heat_pct);
      }

    default:
      return g_strdup (perp_sizing_status_name (sizing->status));
    }
}
