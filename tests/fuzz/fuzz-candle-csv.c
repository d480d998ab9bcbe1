/* fuzz-candle-csv.c: the candle CSV reader
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a CSV file's contents.  It is read from memory (perp_candle_csv_load()
 * maps the file and calls the same parser), strictly, leniently and with a named volume
 * column, and the candles it accepts go through what every loaded file goes through
 * next: the interval guess, the gap scan and a resample to a higher timeframe.
 */

#include <string.h>

#include "io/perp-candle-csv.h"

#include "fuzz-target.h"

static void
use_candles (PerpCandles *candles)
{
  g_autoptr(PerpCandles) resampled = NULL;
  g_autoptr(GArray) gaps = NULL;
  g_autoptr(GError) error = NULL;
  PerpInterval interval = perp_candles_get_interval (candles);
  guint len = perp_candles_get_length (candles);
  PerpCandle candle;

  g_assert (len > 0);
  perp_candles_get_candle (candles, len - 1, &candle);
  (void) perp_candles_guess_interval (candles);
  (void) perp_candles_lower_bound (candles, candle.open_time);

  if (interval == PERP_INTERVAL_UNKNOWN)
    return;

  gaps = perp_candles_find_gaps (candles);
  resampled = perp_candles_resample (candles, PERP_INTERVAL_1D, &error);
  g_assert ((resampled != NULL) == (error == NULL));
}

static void
parse (const char   *text,
       gsize         length,
       PerpCsvFlags  flags,
       const char   *volume_column)
{
  PerpCsvOptions options = { flags, volume_column };
  PerpCsvReport report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = NULL;

  candles = perp_candle_csv_parse_with_options ("fuzz.csv", text, length, &options, &report, &error);
  g_assert ((candles != NULL) == (error == NULL));
  if (candles != NULL)
    use_candles (candles);
  perp_csv_report_clear (&report);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autofree char *path = NULL;
  g_autofree char *symbol = NULL;

  parse (text, size, PERP_CSV_FLAGS_NONE, NULL);
  parse (text, size, PERP_CSV_FLAGS_LENIENT, NULL);
  parse (text, size, PERP_CSV_FLAGS_LENIENT, "Tickvol");

  /* The file name the symbol is guessed from is outside input too: its first bytes. */
  path = g_strndup (text, MIN (size, 64));
  symbol = perp_guess_symbol_from_path (path);

  return 0;
}
