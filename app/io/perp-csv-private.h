/* perp-csv-private.h: what the CSV loaders share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-candle-csv.h"

G_BEGIN_DECLS

/* One comma-separated field, blanks trimmed, not copied. */
typedef struct
{
  const char *start;
  const char *end;
} PerpCsvField;

/* Splits [line, end) on commas; stores at most @max fields and returns how many the line
 * has (so a caller can tell "too many" from "just right"). */
guint _perp_csv_split_fields  (const char    *line,
                               const char    *end,
                               PerpCsvField  *fields,
                               guint          max);

void  _perp_csv_set_row_error (GError       **error,
                               PerpCsvError   code,
                               const char    *name,
                               guint          line,
                               guint          column,
                               const char    *column_name,
                               const char    *format,
                               ...) G_GNUC_PRINTF (7, 8);

G_END_DECLS
