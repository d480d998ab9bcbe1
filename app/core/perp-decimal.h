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

G_END_DECLS
