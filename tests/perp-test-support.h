/* perp-test-support.h: helpers shared by the test programs
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "core/perp-candles.h"
#include "core/perp-indicator-set.h"
#include "io/perp-candle-csv.h"

G_BEGIN_DECLS

/* Path of a file in tests/fixtures (always present). */
char *perp_test_fixture_path (const char *name);

/* Path of a file under ../shared (PERP_SHARED_DIR), or NULL when it is not there;
 * callers then g_test_skip() saying which file is missing. */
char *perp_test_shared_path  (const char *relative);

/* A CSV table with a header, read whole (plain or .gz).  Cells are doubles, NAN for an
 * empty cell; open_time is also kept exactly as an integer. */
typedef struct
{
  GPtrArray *names;       /* element-type utf8 */
  guint      n_rows;
  gint64    *open_time;   /* n_rows, from the "open_time" column */
  double   **columns;     /* names->len arrays of n_rows */
} PerpTestTable;

PerpTestTable *perp_test_table_load   (const char          *path,
                                       GError             **error);
void           perp_test_table_free   (PerpTestTable       *table);
int            perp_test_table_column (const PerpTestTable *table,
                                       const char          *name);

/* The comparison rule of ../shared/conformance/talib/README.md ("Comparison rule",
 * including the degenerate-StochRSI exception), applied to the 23 TA-Lib columns.
 * @actual holds PERP_N_COLUMNS arrays of perp_candles_get_length (input) values.
 * Returns the number of mismatching cells; describes the first few in @report. */
guint          perp_test_talib_compare (const PerpCandles   *input,
                                        double * const       actual[PERP_N_COLUMNS],
                                        const PerpTestTable *expected,
                                        GString             *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpTestTable, perp_test_table_free)

G_END_DECLS
