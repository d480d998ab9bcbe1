/* fuzz-series-csv.c: the two-column series CSV reader (funding rates, open interest)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a CSV file's contents, read from memory as perp_series_csv_load() reads
 * the mapped file; what it accepts must keep the promises of PerpTimeSeries.
 */

#include <math.h>

#include "io/perp-series-csv.h"

#include "fuzz-target.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PerpTimeSeries) series = NULL;
  g_autoptr(GError) error = NULL;

  series = perp_series_csv_parse ("fuzz.csv", (const char *) data, size, &error);
  g_assert ((series != NULL) == (error == NULL));
  if (series == NULL)
    return 0;

  g_assert (series->time_column != NULL && series->value_column != NULL);
  for (guint i = 0; i < series->length; i++)
    {
      g_assert (isfinite (series->value[i]));
      g_assert (i == 0 || series->time[i] > series->time[i - 1]);
    }

  return 0;
}
