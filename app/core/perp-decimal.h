/* perp-decimal.h: exchange decimal strings to exact price keys and doubles
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Binance sends prices and quantities as decimal strings ("61800.20", "0.00032000").
 * The order book keys its levels on the exact decimal, never on a double: two strings
 * naming the same price ("61800.2" and "61800.20000000") must land on the same level, and
 * two neighbouring ticks must never collide.  A price key is the price in units of 1e-8,
 * Binance's finest precision on every market, as a 64-bit integer (prices up to 9.2e10).
 */

#define PERP_PRICE_KEY_SCALE    G_GINT64_CONSTANT (100000000)
#define PERP_PRICE_KEY_DECIMALS 8
/* Room for the longest key written by perp_price_key_format(). */
#define PERP_PRICE_KEY_BUF_SIZE 32

gboolean  perp_price_key_parse     (const char *text,
                                    gsize       length,
                                    gint64     *key);
double    perp_price_key_to_double (gint64      key);
char     *perp_price_key_format    (gint64      key,
                                    char        buf[PERP_PRICE_KEY_BUF_SIZE]);
gboolean  perp_quantity_parse      (const char *text,
                                    gsize       length,
                                    double     *value);

/*
 * The same parsers for the common case, inline and in one pass over a NUL-terminated
 * string with no strlen(): a depth message carries a price and a quantity string per
 * level, up to a few hundred each on USDT-M.  A plain short decimal ("61496.50",
 * "0.014") gets exactly the key or double perp_price_key_parse() and
 * perp_quantity_parse() give it; anything longer or odder returns FALSE, and the caller
 * then asks those (which also say what is wrong).
 */

static const gint64 perp_price_unit_[PERP_PRICE_KEY_DECIMALS + 1] = {
  100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1,
};

/* 10^0 .. 10^15, all exact in a double. */
static const double perp_exact_power_of_ten_[16] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

#define PERP_IS_DIGIT_(c) ((guint) ((c) - '0') < 10)

/* At most 10 integer digits and PERP_PRICE_KEY_DECIMALS decimals, so the key cannot
 * overflow.  The digits are counted after each run (unsigned arithmetic may wrap on a
 * long run, which is then refused anyway). */
static inline gboolean
perp_price_key_parse_plain (const char *text,
                            gint64     *key)
{
  const char *p = text;
  const char *point;
  guint64 whole = 0;
  guint64 fraction = 0;
  gsize decimals = 0;

  for (; PERP_IS_DIGIT_ (*p); p++)
    whole = whole * 10 + (guint64) (*p - '0');
  if (p == text || p - text > 10)
    return FALSE;
  if (*p == '.')
    {
      for (point = p++; PERP_IS_DIGIT_ (*p); p++)
        fraction = fraction * 10 + (guint64) (*p - '0');
      decimals = (gsize) (p - point - 1);
      if (decimals > PERP_PRICE_KEY_DECIMALS)
        return FALSE;
    }
  if (*p != '\0')
    return FALSE;

  *key = (gint64) (whole * PERP_PRICE_KEY_SCALE + fraction * (guint64) perp_price_unit_[decimals]);

  return TRUE;
}

/* At most 15 digits in all: the mantissa is exact, and so is the one division by a power
 * of ten, which is what perp_quantity_parse () computes for such a number.  Digits are
 * counted after the runs, as for prices. */
static inline gboolean
perp_quantity_parse_plain (const char *text,
                           double     *qty)
{
  const char *p = text;
  const char *point;
  guint64 mantissa = 0;
  gsize digits;
  gsize decimals = 0;

  for (; PERP_IS_DIGIT_ (*p); p++)
    mantissa = mantissa * 10 + (guint64) (*p - '0');
  digits = (gsize) (p - text);
  if (digits == 0)
    return FALSE;
  if (*p == '.')
    {
      for (point = p++; PERP_IS_DIGIT_ (*p); p++)
        mantissa = mantissa * 10 + (guint64) (*p - '0');
      decimals = (gsize) (p - point - 1);
      digits += decimals;
    }
  if (*p != '\0' || digits > 15)
    return FALSE;

  *qty = decimals > 0 ? (double) mantissa / perp_exact_power_of_ten_[decimals] : (double) mantissa;

  return TRUE;
}

#undef PERP_IS_DIGIT_

G_END_DECLS
