/* perp-series-csv.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "io/perp-candle-csv.h"

G_BEGIN_DECLS

/**
 * PerpTimeSeries:
 * @time_column: the header's name of the time column ("funding_time")
 * @value_column: the header's name of the value column ("funding_rate")
 * @length: number of rows
 * @time: (array length=length): Unix ms, strictly increasing
 * @value: (array length=length): finite values
 *
 * A plain two-column series as read from a file, for the derivatives core to take
 * as it takes a live feed's samples.
 */
typedef struct
{
  char   *time_column;
  char   *value_column;
  guint   length;
  gint64 *time;
  double *value;
} PerpTimeSeries;

void            perp_time_series_free  (PerpTimeSeries  *series);
PerpTimeSeries *perp_series_csv_parse  (const char      *name,
                                        const char      *text,
                                        gsize            length,
                                        GError         **error);
PerpTimeSeries *perp_series_csv_load   (const char      *path,
                                        GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpTimeSeries, perp_time_series_free)

G_END_DECLS
