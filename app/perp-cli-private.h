/* perp-cli-private.h: what the perpscope-cli commands share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "core/perp-candles.h"
#include "core/perp-structure.h"
#include "io/perp-candle-csv.h"

G_BEGIN_DECLS

/* Exit codes: scripts tell a bad invocation from bad data. */
enum {
  EXIT_OK = 0,
  EXIT_DATA = 1,
  EXIT_USAGE = 2,
};

/* The bundled Binance exchangeInfo (symbol filters for sizing), under the data dir. */
#define PERP_CLI_EXCHANGE_INFO_FILE "exchange-info/fapi_v1_exchangeInfo_2025-12-24.json"

int          perp_cli_usage_error     (GOptionContext        *context,
                                       const char            *format,
                                       ...) G_GNUC_PRINTF (2, 3);
gboolean     perp_cli_parse_options   (GOptionContext        *context,
                                       int                   *argc,
                                       char                ***argv,
                                       int                   *exit_code);
PerpCandles *perp_cli_load_candles    (const char            *path,
                                       const PerpCsvOptions  *options,
                                       PerpCsvReport         *report);
char        *perp_cli_format_time     (gint64                 ms);
gboolean     perp_cli_parse_time      (const char            *text,
                                       gint64                *ms);
const char  *perp_cli_format_double   (char                  *buf,
                                       gsize                  size,
                                       double                 value);
void         perp_cli_print_json_string (const char          *s);
void         perp_cli_print_json_number (double               value);
gint64       perp_cli_now_ns          (void);
int          perp_cli_compare_double  (gconstpointer          a,
                                       gconstpointer          b);

int          perp_cli_cmd_structure   (int                    argc,
                                       char                 **argv);
int          perp_cli_bench_structure (const char            *csv,
                                       int                    runs);
int          perp_cli_cmd_score       (int                    argc,
                                       char                 **argv);
int          perp_cli_bench_score     (const char            *csv,
                                       int                    runs);
int          perp_cli_cmd_flow        (int                    argc,
                                       char                 **argv);
int          perp_cli_bench_flow      (const char            *ticks,
                                       int                    runs);
int          perp_cli_cmd_watch       (int                    argc,
                                       char                 **argv);
int          perp_cli_cmd_replay      (int                    argc,
                                       char                 **argv);
int          perp_cli_cmd_record      (int                    argc,
                                       char                 **argv);
int          perp_cli_cmd_resume      (int                    argc,
                                       char                 **argv);
int          perp_cli_cmd_export      (int                    argc,
                                       char                 **argv);
int          perp_cli_bench_latency   (const char            *ticks,
                                       const char            *csv,
                                       int                    runs);
int          perp_cli_structure_causal (const PerpCandles         *candles,
                                        const PerpStructureConfig *config,
                                        gint64                     at,
                                        gboolean                   json,
                                        guint                      limit,
                                        const char                *csv);

G_END_DECLS
