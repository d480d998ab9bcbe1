/* perp-cli-export.c: export, the signal journal as CSV, HTML or PDF
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include "perp-cli-private.h"
#include "io/report/perp-report.h"

int
perp_cli_cmd_export (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(PerpReport) report = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *symbol = NULL;
  g_autofree char *format_text = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *candles_path = NULL;
  int max_snapshots = PERP_REPORT_DEFAULT_SNAPSHOTS;
  PerpJournalQuery query;
  PerpReportFormat format;
  guint n_pages = 0;
  int exit_code;
  const GOptionEntry entries[] = {
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &journal_path, "The signal journal (SQLite)", "FILE" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, "Signals at or after this time (ms or ISO 8601, UTC)", "DATE" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, "Signals before this time (ms or ISO 8601, UTC)", "DATE" },
    { "symbol", 0, 0, G_OPTION_ARG_STRING, &symbol, "Only this symbol", "BTCUSDT" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, "csv, html or pdf", "FORMAT" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, "The report file to write", "FILE" },
    { "candles", 0, 0, G_OPTION_ARG_FILENAME, &candles_path,
      "Candle CSVs named SYMBOL_INTERVAL_*.csv, a file or a folder, for the chart snapshots", "PATH" },
    { "max-charts", 0, 0, G_OPTION_ARG_INT, &max_snapshots,
      "Chart snapshots of at most this many latest signals (default 200)", "N" },
    { NULL }
  };

  context = g_option_context_new ("- the signal journal as CSV, HTML or PDF");
  g_option_context_set_summary (context, "export");
  g_option_context_set_description (context,
    "CSV: one row per signal with its plan and outcome.  HTML and PDF: the statistics\n"
    "(overall, by symbol, tier, session and factor), the equity curve in R, the calibration\n"
    "of the stated confidence, and a chart of each of the latest taken signals.\n"
    "Exit status: 0 on success, 1 when the journal cannot be read or the report cannot be\n"
    "written, 2 on a usage error.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "export: unexpected argument \"%s\"", argv[1]);
  if (journal_path == NULL)
    return perp_cli_usage_error (context, "export: --journal FILE is required");
  if (out_path == NULL)
    return perp_cli_usage_error (context, "export: --out FILE is required");
  if (format_text == NULL)
    return perp_cli_usage_error (context, "export: --format csv|html|pdf is required");
  if (!perp_report_format_from_name (format_text, &format))
    return perp_cli_usage_error (context, "export: --format must be csv, html or pdf, not \"%s\"", format_text);
  if (max_snapshots < 0)
    return perp_cli_usage_error (context, "export: --max-charts must be 0 or more, not %d", max_snapshots);

  perp_journal_query_init (&query);
  /* (Negative bounds would read as "no bound": signals are from after 1970.) */
  if (from_text != NULL && (!perp_cli_parse_time (from_text, &query.from) || query.from < 0))
    return perp_cli_usage_error (context, "export: --from \"%s\" is not a time since 1970 (Unix ms or ISO 8601)",
                                 from_text);
  if (to_text != NULL && (!perp_cli_parse_time (to_text, &query.to) || query.to < 0))
    return perp_cli_usage_error (context, "export: --to \"%s\" is not a time since 1970 (Unix ms or ISO 8601)",
                                 to_text);
  if (query.from >= 0 && query.to >= 0 && query.to <= query.from)
    return perp_cli_usage_error (context, "export: --to (%s) must be after --from (%s)", to_text, from_text);
  query.symbol = symbol;

  /* Read-only: a report never changes the journal. */
  journal = perp_journal_open (journal_path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);
  if (journal == NULL)
    {
      fprintf (stderr, "perpscope-cli: export: %s\n", error->message);
      return EXIT_DATA;
    }

  report = perp_report_new (journal, &query, &error);
  if (report == NULL)
    {
      fprintf (stderr, "perpscope-cli: export: %s\n", error->message);
      return EXIT_DATA;
    }
  perp_report_set_max_snapshots (report, (guint) max_snapshots);
  if (candles_path != NULL && !perp_report_set_candles (report, candles_path, &error))
    {
      fprintf (stderr, "perpscope-cli: export: %s\n", error->message);
      return EXIT_DATA;
    }

  if (!perp_report_write (report, format, out_path, &n_pages, &error))
    {
      fprintf (stderr, "perpscope-cli: export: %s\n", error->message);
      return EXIT_DATA;
    }

  if (format == PERP_REPORT_FORMAT_PDF)
    printf ("%s: %u signals, %u charts, %u pages\n", out_path, perp_report_get_signals (report)->len,
            perp_report_get_n_snapshots (report), n_pages);
  else if (format == PERP_REPORT_FORMAT_HTML)
    printf ("%s: %u signals, %u charts\n", out_path, perp_report_get_signals (report)->len,
            perp_report_get_n_snapshots (report));
  else
    printf ("%s: %u signals\n", out_path, perp_report_get_signals (report)->len);
  return EXIT_OK;
}
