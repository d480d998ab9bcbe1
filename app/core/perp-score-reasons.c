/* perp-score-reasons.c: the reason templates and how their numbers are written
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "perp-score.h"

/*
 * A template is a translatable string with placeholders {N:K}: argument N written as
 * K, so translators can reorder them.  Kinds:
 *   p  a price, grouped, with decimals by magnitude (perp_format_price)
 *   0  1  2  4   a number with that many decimals
 *   +  a signed number with one decimal (open-interest and price changes)
 *   q  a quantity (up to 4 decimals, trailing zeros dropped)
 *   M  an amount of money in compact form (12.3k, 4.5M)
 *   g  a small number in %.3g
 *   s  the reason's text (a session, a timeframe, a word)
 * Templates with a bullish and a bearish wording keep them as two strings, so
 * translators see whole sentences.
 */
static const struct
{
  const char *name;
  const char *bullish;
  const char *bearish;
} templates[PERP_N_REASONS] = {
  [PERP_REASON_NONE]               = { "none", "", NULL },
  [PERP_REASON_MISSING]            = { "missing", N_("{0:s}: no data"), NULL },
  [PERP_REASON_NOT_ENOUGH_CANDLES] = { "not_enough_candles",
                                       N_("Only {0:0} candles so far; {1:0} needed"), NULL },
  [PERP_REASON_POOL_SWEPT_LOWS]    = { "pool_swept_lows",
                                       N_("Sell-side liquidity at {0:p} swept {1:0} candles ago (stop hunt below)"), NULL },
  [PERP_REASON_POOL_SWEPT_HIGHS]   = { "pool_swept_highs",
                                       N_("Buy-side liquidity at {0:p} swept {1:0} candles ago (stop hunt above)"), NULL },
  [PERP_REASON_POOL_DRAW_ABOVE]    = { "pool_draw_above",
                                       N_("Nearest untested liquidity is above: {0:p}, {1:2} % away"), NULL },
  [PERP_REASON_POOL_DRAW_BELOW]    = { "pool_draw_below",
                                       N_("Nearest untested liquidity is below: {0:p}, {1:2} % away"), NULL },
  [PERP_REASON_POOL_NONE]          = { "pool_none",
                                       N_("No untested liquidity pool within {0:1} %"), NULL },
  [PERP_REASON_LIQ_CLUSTER_ABOVE]  = { "liquidation_cluster_above",
                                       N_("Liquidation cluster {0:p}-{1:p} above, {2:2} % away (~{3:M} USDT)"), NULL },
  [PERP_REASON_LIQ_CLUSTER_BELOW]  = { "liquidation_cluster_below",
                                       N_("Liquidation cluster {0:p}-{1:p} below, {2:2} % away (~{3:M} USDT)"), NULL },
  [PERP_REASON_LIQ_NONE]           = { "liquidation_none",
                                       N_("No dense liquidation cluster within {0:1} %"), NULL },
  [PERP_REASON_ICT_IN_ORDER_BLOCK] = { "ict_in_order_block",
                                       N_("Price in unmitigated bullish {0:s} {1:p}-{2:p}"),
                                       N_("Price in unmitigated bearish {0:s} {1:p}-{2:p}") },
  [PERP_REASON_ICT_IN_FVG]         = { "ict_in_fvg",
                                       N_("Price in unfilled bullish fair value gap {0:p}-{1:p}"),
                                       N_("Price in unfilled bearish fair value gap {0:p}-{1:p}") },
  [PERP_REASON_ICT_AFTER_BREAK]    = { "ict_after_break",
                                       N_("Bullish {0:s} at {1:p}, {2:0} candles ago"),
                                       N_("Bearish {0:s} at {1:p}, {2:0} candles ago") },
  [PERP_REASON_ICT_AT_FIB]         = { "ict_at_fib",
                                       N_("Retraced {0:1} % of the up leg {1:p}-{2:p} (optimal trade entry)"),
                                       N_("Retraced {0:1} % of the down leg {1:p}-{2:p} (optimal trade entry)") },
  [PERP_REASON_ICT_ZONE]           = { "ict_zone",
                                       N_("Price in discount, at {0:0} % of the swing range"),
                                       N_("Price in premium, at {0:0} % of the swing range") },
  [PERP_REASON_ICT_TREND]          = { "ict_trend",
                                       N_("Structure bullish, no setup at price"),
                                       N_("Structure bearish, no setup at price") },
  [PERP_REASON_ICT_NONE]           = { "ict_none", N_("No structure setup either way"), NULL },
  [PERP_REASON_ICT_HIGHER_TF]      = { "ict_higher_tf",
                                       N_("{0:s} structure bullish, outweighing the signal timeframe"),
                                       N_("{0:s} structure bearish, outweighing the signal timeframe") },
  [PERP_REASON_KILLZONE_ACTIVE]    = { "killzone_active", N_("During {0:s} (boost {1:2})"), NULL },
  [PERP_REASON_KILLZONE_NONE]      = { "killzone_none", N_("Outside the killzones"), NULL },
  [PERP_REASON_BOOK_IMBALANCE]     = { "book_imbalance",
                                       N_("Bids are {0:0} % of the book within {1:1} % of mid"),
                                       N_("Asks are {0:0} % of the book within {1:1} % of mid") },
  [PERP_REASON_BOOK_WALL]          = { "book_wall",
                                       N_("Bid wall of {0:q} at {1:p} ({2:1}x the average level), {3:2} % below"),
                                       N_("Ask wall of {0:q} at {1:p} ({2:1}x the average level), {3:2} % above") },
  [PERP_REASON_BOOK_UNHEALTHY]     = { "book_unhealthy", N_("Order book not usable: {0:s}"), NULL },
  [PERP_REASON_FLOW_AGGRESSION]    = { "flow_aggression",
                                       N_("Aggressive buying: {0:0} % of volume in the last {1:0} minutes"),
                                       N_("Aggressive selling: {0:0} % of volume in the last {1:0} minutes") },
  [PERP_REASON_FLOW_DIVERGENCE]    = { "flow_divergence",
                                       N_("Bullish CVD divergence in the last {0:0} candles"),
                                       N_("Bearish CVD divergence in the last {0:0} candles") },
  [PERP_REASON_FLOW_LARGE_TRADES]  = { "flow_large_trades",
                                       N_("Large trades: {0:0} % of their volume bought in the last {1:0} minutes"),
                                       N_("Large trades: {0:0} % of their volume sold in the last {1:0} minutes") },
  [PERP_REASON_FLOW_CVD_TREND]     = { "flow_cvd_trend",
                                       N_("CVD rising: net buying of {0:0} % of volume over {1:0} minutes"),
                                       N_("CVD falling: net selling of {0:0} % of volume over {1:0} minutes") },
  [PERP_REASON_OI_REGIME]          = { "oi_regime",
                                       N_("Open interest {0:+} % with price {1:+} % over {2:0} minutes: {3:s}"), NULL },
  [PERP_REASON_FUNDING_CROWDED]    = { "funding_crowded",
                                       N_("Funding {0:4} % (z {1:1}): shorts crowded, contrarian long"),
                                       N_("Funding {0:4} % (z {1:1}): longs crowded, contrarian short") },
  [PERP_REASON_FUNDING_NORMAL]     = { "funding_normal",
                                       N_("Funding {0:4} % (z {1:1}): no crowding"), NULL },
  [PERP_REASON_FUNDING_SHORT_HISTORY] = { "funding_short_history",
                                       N_("Funding {0:4} %: {1:0} settlements so far, too few to call it crowded or not"), NULL },
  [PERP_REASON_TECH_STACK]         = { "tech_stack",
                                       N_("EMA 9/21/50/200 stacked bullish, RSI {0:0}"),
                                       N_("EMA 9/21/50/200 stacked bearish, RSI {0:0}") },
  [PERP_REASON_TECH_MIXED]         = { "tech_mixed",
                                       N_("EMAs mixed, RSI {0:0}, MACD histogram {1:g}"), NULL },
  [PERP_REASON_TECH_VOLUME_SPIKE]  = { "tech_volume_spike",
                                       N_("Volume {0:1}x its {1:0}-candle average on an up candle"),
                                       N_("Volume {0:1}x its {1:0}-candle average on a down candle") },
  [PERP_REASON_HTF_TREND]          = { "htf_trend",
                                       N_("{0:s} trend bullish (close {1:p}, EMA 50 {2:p})"),
                                       N_("{0:s} trend bearish (close {1:p}, EMA 50 {2:p})") },
  [PERP_REASON_HTF_NONE]           = { "htf_none", N_("{0:s} has no trend yet"), NULL },
};

const char *
perp_reason_id_name (PerpReasonId id)
{
  return id < PERP_N_REASONS && templates[id].name != NULL ? templates[id].name : "unknown";
}

/* Groups the integer part in threes with ','. */
static void
append_grouped (GString    *out,
                const char *digits)
{
  const char *dot = strchr (digits, '.');
  gsize int_len = dot != NULL ? (gsize) (dot - digits) : strlen (digits);
  gsize start = 0;

  if (digits[0] == '-')
    {
      g_string_append_c (out, '-');
      start = 1;
    }
  for (gsize i = start; i < int_len; i++)
    {
      g_string_append_c (out, digits[i]);
      if (i + 1 < int_len && (int_len - 1 - i) % 3 == 0)
        g_string_append_c (out, ',');
    }
  if (dot != NULL)
    g_string_append (out, dot);
}

static void
append_fixed (GString *out,
              double   value,
              int      decimals,
              gboolean grouped)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];

  if (!isfinite (value))
    {
      g_string_append (out, "n/a");
      return;
    }
  g_snprintf (format, sizeof format, "%%.%df", CLAMP (decimals, 0, 10));
  g_ascii_formatd (buf, sizeof buf, format, value);
  /* No "-0.00": a value that rounds to zero has no sign. */
  if (buf[0] == '-' && strspn (buf + 1, "0.") == strlen (buf + 1))
    memmove (buf, buf + 1, strlen (buf));
  if (grouped)
    append_grouped (out, buf);
  else
    g_string_append (out, buf);
}

static int
price_decimals (double price)
{
  double magnitude = fabs (price);

  /* About five significant digits: 61,420 / 2,345.6 / 151.23 / 0.52134 / 0.0012345. */
  if (!(magnitude > 0.0) || !isfinite (magnitude))
    return 2;
  return CLAMP (4 - (int) floor (log10 (magnitude)), 0, 10);
}

/**
 * perp_format_price:
 *
 * Writes a price for people: grouped thousands, about five significant digits.
 * Locale-independent, so reports and tests read the same everywhere.
 *
 * Returns: (transfer full): the text
 */
char *
perp_format_price (double price)
{
  GString *out = g_string_new (NULL);

  append_fixed (out, price, price_decimals (price), TRUE);
  return g_string_free (out, FALSE);
}

static void
append_quantity (GString *out,
                 double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gsize len;

  g_ascii_formatd (buf, sizeof buf, "%.4f", value);
  len = strlen (buf);
  while (len > 0 && buf[len - 1] == '0')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '.')
    buf[--len] = '\0';
  append_grouped (out, buf);
}

static void
append_money (GString *out,
              double   value)
{
  double magnitude = fabs (value);

  if (magnitude >= 1e9)
    {
      append_fixed (out, value / 1e9, 1, FALSE);
      g_string_append_c (out, 'B');
    }
  else if (magnitude >= 1e6)
    {
      append_fixed (out, value / 1e6, 1, FALSE);
      g_string_append_c (out, 'M');
    }
  else if (magnitude >= 1e3)
    {
      append_fixed (out, value / 1e3, 1, FALSE);
      g_string_append_c (out, 'k');
    }
  else
    append_fixed (out, value, 0, FALSE);
}

static void
append_arg (GString          *out,
            const PerpReason *reason,
            guint             index,
            char              kind)
{
  double value = index < reason->n_args ? reason->args[index] : NAN;

  switch (kind)
    {
    case 'p':
      append_fixed (out, value, price_decimals (value), TRUE);
      break;
    case '0':
    case '1':
    case '2':
    case '4':
      append_fixed (out, value, kind - '0', FALSE);
      break;
    case '+':
      if (value > 0.0)
        g_string_append_c (out, '+');
      append_fixed (out, value, value != 0.0 && fabs (value) < 0.1 ? 2 : 1, FALSE);
      break;
    case 'q':
      append_quantity (out, value);
      break;
    case 'M':
      append_money (out, value);
      break;
    case 'g':
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        g_ascii_formatd (buf, sizeof buf, "%.3g", value);
        g_string_append (out, buf);
      }
      break;
    case 's':
    default:
      break;
    }
}

/* The text slot: words the core picks (object names, regimes) get their wording here;
 * timeframe and factor names pass through as they are. */
static const char *
text_for (const PerpReason *reason)
{
  static const struct { const char *key; const char *text; } words[] = {
    { "order-block",       N_("order block") },
    { "breaker",           N_("breaker block") },
    { "crossed",           N_("bid and ask crossed") },
    { "not-synced",        N_("waiting for a resync") },
    { "empty-side",        N_("one side is empty") },
    { "stale",             N_("no update for too long") },
    /* perp_oi_regime_to_string()'s names */
    { "new-longs",         N_("new longs") },
    { "new-shorts",        N_("new shorts") },
    { "long-liquidation",  N_("longs closing") },
    { "short-covering",    N_("shorts covering") },
    { "neutral",           N_("no clear positioning") },
    { "unknown",           N_("not enough history") },
  };

  if (reason->text == NULL)
    return "";
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strcmp (reason->text, words[i].key) == 0)
      return _(words[i].text);
  return _(reason->text);
}

/**
 * perp_reason_format:
 *
 * Renders a reason through its translated template.
 *
 * Returns: (transfer full): the sentence
 */
char *
perp_reason_format (const PerpReason *reason)
{
  const char *template;
  GString *out;
  /* Placeholders are numbered over all slots, the text slot included; the numbers
   * in args[] skip the text slot.  Its number comes from the English template. */
  const char *text_slot;
  int text_index = -1;

  g_return_val_if_fail (reason != NULL, NULL);

  if (reason->id >= PERP_N_REASONS || templates[reason->id].bullish == NULL)
    return g_strdup ("");
  text_slot = strstr (templates[reason->id].bullish, ":s}");
  if (text_slot != NULL && text_slot > templates[reason->id].bullish)
    text_index = text_slot[-1] - '0';
  template = reason->side < 0 && templates[reason->id].bearish != NULL
             ? templates[reason->id].bearish : templates[reason->id].bullish;
  template = _(template);

  out = g_string_new (NULL);
  for (const char *p = template; *p != '\0'; p++)
    {
      guint index;
      char kind;

      if (p[0] == '{' && g_ascii_isdigit (p[1]) && p[2] == ':' && p[3] != '\0' && p[4] == '}')
        {
          index = (guint) (p[1] - '0');
          kind = p[3];
          if (kind == 's')
            g_string_append (out, text_for (reason));
          else
            append_arg (out, reason,
                        text_index >= 0 && (int) index > text_index ? index - 1 : index, kind);
          p += 4;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}
