/* perp-candle-csv.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "core/perp-candles.h"

G_BEGIN_DECLS

#define PERP_CSV_ERROR (perp_csv_error_quark ())

typedef enum
{
  PERP_CSV_ERROR_IO,             /* the file cannot be read */
  PERP_CSV_ERROR_EMPTY,          /* no candle rows at all */
  PERP_CSV_ERROR_HEADER,         /* a header without the required columns */
  PERP_CSV_ERROR_COLUMN_COUNT,   /* a row with the wrong number of fields (a truncated line, say) */
  PERP_CSV_ERROR_NUMBER,         /* a field that is not a number */
  PERP_CSV_ERROR_NOT_INCREASING, /* an open time not after the previous row's */
  PERP_CSV_ERROR_INVALID,        /* numbers no candle can have: high < low, negative volume */
} PerpCsvError;

typedef enum
{
  PERP_CSV_FLAGS_NONE    = 0,
  /* Skip malformed rows and count them instead of failing on the first one. */
  PERP_CSV_FLAGS_LENIENT = 1 << 0,
} PerpCsvFlags;

/**
 * PerpCsvReport:
 * @n_rows: candle rows read (header and blank lines excluded)
 * @n_skipped: malformed rows skipped in lenient mode
 * @first_skipped: (nullable): the error of the first skipped row, "FILE:LINE:COLUMN: ..."
 * @has_header: whether the file started with a header line
 * @n_columns: the number of columns of the layout (6 or 12 for Binance's files)
 */
typedef struct
{
  guint    n_rows;
  guint    n_skipped;
  char    *first_skipped;
  gboolean has_header;
  guint    n_columns;
} PerpCsvReport;

/**
 * PerpCsvOptions:
 * @flags: see #PerpCsvFlags
 * @volume_column: (nullable): header name of the column to read as volume instead of
 *   "volume" (for example "Tickvol" in MetaTrader exports); needs a header
 */
typedef struct
{
  PerpCsvFlags  flags;
  const char   *volume_column;
} PerpCsvOptions;

GQuark       perp_csv_error_quark       (void);
PerpCandles *perp_candle_csv_load_with_options  (const char           *path,
                                                 const PerpCsvOptions *options,
                                                 PerpCsvReport        *report,
                                                 GError              **error);
PerpCandles *perp_candle_csv_parse_with_options (const char           *name,
                                                 const char           *text,
                                                 gsize                 length,
                                                 const PerpCsvOptions *options,
                                                 PerpCsvReport        *report,
                                                 GError              **error);
PerpCandles *perp_candle_csv_load       (const char     *path,
                                         PerpCsvFlags    flags,
                                         PerpCsvReport  *report,
                                         GError        **error);
PerpCandles *perp_candle_csv_parse      (const char     *name,
                                         const char     *text,
                                         gsize           length,
                                         PerpCsvFlags    flags,
                                         PerpCsvReport  *report,
                                         GError        **error);
void         perp_csv_report_clear      (PerpCsvReport  *report);
char        *perp_guess_symbol_from_path(const char     *path);

G_END_DECLS
