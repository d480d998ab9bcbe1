/* perp-decimal.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-decimal"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-decimal.h"

static const double powers_of_ten[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/**
 * perp_price_key_parse:
 * @text: (array length=length): a non-negative decimal such as "61800.20"
 * @key: (out): the price in units of 1e-8
 *
 * Accepts digits with at most one decimal point and nothing else (no sign, exponent or
 * blanks).  Digits past the eighth decimal must be zeros: anything finer is not a price
 * Binance can quote, and rounding it would merge two levels.
 *
 * Returns: %TRUE if @text is such a price and fits the key
 */
gboolean
perp_price_key_parse (const char *text,
                      gsize       length,
                      gint64     *key)
{
  const char *p = text;
  const char *end = text + length;
  guint64 value = 0;
  gboolean any_digit = FALSE;
  int decimals = 0;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  for (; p < end && g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (value > (guint64) (G_MAXINT64 / PERP_PRICE_KEY_SCALE) / 10)
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
    }

  if (value > (guint64) (G_MAXINT64 / PERP_PRICE_KEY_SCALE))
    return FALSE;
  value *= PERP_PRICE_KEY_SCALE;

  if (p < end && *p == '.')
    {
      guint64 unit = PERP_PRICE_KEY_SCALE;

      for (p++; p < end && g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (++decimals <= PERP_PRICE_KEY_DECIMALS)
            {
              unit /= 10;
              value += unit * (guint64) (*p - '0');
            }
          else if (*p != '0')
            {
              return FALSE;
            }
        }
    }

  if (!any_digit || p != end || value > (guint64) G_MAXINT64)
    return FALSE;

  *key = (gint64) value;

  return TRUE;
}

/**
 * perp_price_key_to_double:
 *
 * Returns: the price as the double nearest to the decimal @key stands for (for keys
 *   below 2^53, that is prices below 90 million: one correctly rounded division)
 */
double
perp_price_key_to_double (gint64 key)
{
  return (double) key / (double) PERP_PRICE_KEY_SCALE;
}

/**
 * perp_price_key_format:
 * @buf: where to write
 *
 * Writes @key as the shortest decimal naming it exactly ("61800.2", "0.00032").
 *
 * Returns: (transfer none): @buf
 */
char *
perp_price_key_format (gint64 key,
                       char   buf[PERP_PRICE_KEY_BUF_SIZE])
{
  guint64 magnitude;
  guint64 whole;
  guint64 frac;
  int n;

  g_return_val_if_fail (buf != NULL, NULL);

  magnitude = key < 0 ? (guint64) 0 - (guint64) key : (guint64) key;
  whole = magnitude / PERP_PRICE_KEY_SCALE;
  frac = magnitude % PERP_PRICE_KEY_SCALE;

  n = g_snprintf (buf, PERP_PRICE_KEY_BUF_SIZE, "%s%" G_GUINT64_FORMAT, key < 0 ? "-" : "", whole);
  if (frac != 0)
    {
      char digits[PERP_PRICE_KEY_DECIMALS + 1];
      int len = PERP_PRICE_KEY_DECIMALS;

      g_snprintf (digits, sizeof digits, "%0*" G_GUINT64_FORMAT, PERP_PRICE_KEY_DECIMALS, frac);
      while (len > 0 && digits[len - 1] == '0')
        len--;
      g_snprintf (buf + n, PERP_PRICE_KEY_BUF_SIZE - n, ".%.*s", len, digits);
    }

  return buf;
}

/* The rare quantity with more than 19 significant digits. */
static gboolean
parse_quantity_slow (const char *text,
                     gsize       length,
                     double     *value)
{
  g_autofree char *copy = g_strndup (text, length);
  char *endptr = NULL;
  double v;

  v = g_ascii_strtod (copy, &endptr);
  if (endptr != copy + length || !isfinite (v) || v < 0.0)
    return FALSE;

  *value = v;

  return TRUE;
}

/**
 * perp_quantity_parse:
 * @text: (array length=length): a non-negative decimal such as "0.00032000"
 * @value: (out): the correctly rounded double
 *
 * The same grammar as perp_price_key_parse() without the limit on decimals.  Uses
 * Clinger's exact fast path (mantissa below 2^53, power of ten up to 22), which covers
 * every quantity Binance sends, so it gives the same double as strtod without a copy.
 *
 * Returns: %TRUE if @text is such a number
 */
gboolean
perp_quantity_parse (const char *text,
                     gsize       length,
                     double     *value)
{
  const char *p = text;
  const char *end = text + length;
  guint64 mantissa = 0;
  int significant = 0;
  int exp10 = 0;
  gboolean any_digit = FALSE;
  gboolean slow = FALSE;
  double v;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  for (; p < end && g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (mantissa == 0 && *p == '0')
        continue;
      /* Past 19 digits only the grammar is checked here; strtod does the rest. */
      if (++significant > 19)
        slow = TRUE;
      else
        mantissa = mantissa * 10 + (guint64) (*p - '0');
    }

  if (p < end && *p == '.')
    {
      for (p++; p < end && g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (slow)
            continue;
          exp10--;
          if (mantissa == 0 && *p == '0')
            continue;
          if (++significant > 19)
            slow = TRUE;
          else
            mantissa = mantissa * 10 + (guint64) (*p - '0');
        }
    }

  if (!any_digit || p != end)
    return FALSE;

  if (slow || mantissa > (G_GUINT64_CONSTANT (1) << 53) || exp10 < -22 || exp10 > 22)
    return parse_quantity_slow (text, length, value);

  v = (double) mantissa;
  if (exp10 < 0)
    v /= powers_of_ten[-exp10];
  else
    v *= powers_of_ten[exp10];

  *value = v;

  return TRUE;
}
