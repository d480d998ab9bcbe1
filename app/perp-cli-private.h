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
#include "io/perp-config.h"
#include "io/perp-exchange-info.h"
#include "io/perp-replay-feed.h"
#include "perp-engine.h"
#include "perp-signal-journal.h"

G_BEGIN_DECLS

/* Exit codes: scripts tell a bad invocation from bad data. */
enum {
  EXIT_OK = 0,
  EXIT_DATA = 1,
  EXIT_USAGE = 2,
};

/* The bundled Binance exchangeInfo (symbol filters for sizing), under the data dir. */
#define PERP_CLI_EXCHANGE_INFO_FILE "exchange-info/fapi_v1_exchangeInfo_2025-12-24.json"

/* What replay, backtest and scan read (perp-cli-watch.c): --data, --interval,
 * --symbols, --lenient, --config, --exchange-info, and for the first two --warmup. */
typedef struct
{
  char   **data;
  char    *interval;
  char    *symbols;
  int      warmup;
  gboolean lenient;
  char    *config_path;
  char    *exchange_path;
} PerpCliRecordings;

/* What a replay prints per score. */
typedef enum
{
  PERP_CLI_OUTPUT_TEXT,          /* a line per score on a candle close */
  PERP_CLI_OUTPUT_EVERY_UPDATE,  /* ... and after history loads */
  PERP_CLI_OUTPUT_JSON,          /* a JSON object per score on a close */
  PERP_CLI_OUTPUT_NONE,          /* nothing: the closes are only counted */
} PerpCliOutput;

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

void         perp_cli_recordings_add_options (GOptionContext    *context,
                                              PerpCliRecordings *self);
void         perp_cli_recordings_add_warmup  (GOptionContext    *context,
                                              PerpCliRecordings *self);
void         perp_cli_recordings_clear       (PerpCliRecordings *self);
PerpConfig  *perp_cli_recordings_load_config (PerpCliRecordings *self,
                                              GOptionContext    *context,
                                              const char        *command,
                                              int               *exit_code);
gboolean     perp_cli_recordings_open        (PerpCliRecordings  *self,
                                              const PerpConfig   *config,
                                              double              speed,
                                              PerpExchangeInfo  **exchange,
                                              PerpEngine        **engine,
                                              PerpReplayFeed    **feed);
int          perp_cli_replay_run             (PerpEngine         *engine,
                                              PerpReplayFeed     *feed,
                                              PerpSignalJournal  *signal_journal,
                                              PerpCliOutput       output,
                                              const char         *command,
                                              guint              *n_closes);
void         perp_cli_print_update           (const PerpEngineUpdate *update,
                                              gboolean            json);
int          perp_cli_cmd_scan               (int                 argc,
                                              char              **argv);
int          perp_cli_cmd_backtest           (int                 argc,
                                              char              **argv);
int          perp_cli_bench_backtest         (const char         *csv,
                                              int                 runs);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PerpCliRecordings, perp_cli_recordings_clear)

G_END_DECLS
