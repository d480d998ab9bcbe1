/* perp-cli.c: perpscope-cli, the headless face of the scoring core
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-cli"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/perp-candles.h"
#include "core/perp-indicator-set.h"
#include "io/perp-candle-csv.h"

#include "perp-cli-private.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char  *name;
  CommandFunc  func;
  const char  *summary;
} Command;

int
perp_cli_usage_error (GOptionContext *context,
                      const char     *format,
                      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "perpscope-cli: %s\n", message);
  if (context != NULL)
    fprintf (stderr, "Try \"perpscope-cli %s --help\".\n", g_option_context_get_summary (context));

  return EXIT_USAGE;
}

/* Parses @argv with @context; on failure prints why and returns FALSE. */
gboolean
perp_cli_parse_options (GOptionContext  *context,
                        int             *argc,
                        char          ***argv,
                        int             *exit_code)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = perp_cli_usage_error (context, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

PerpCandles *
perp_cli_load_candles (const char           *path,
                       const PerpCsvOptions *options,
                       PerpCsvReport        *report)
{
  g_autoptr(GError) error = NULL;
  PerpCandles *candles;

  candles = perp_candle_csv_load_with_options (path, options, report, &error);
  if (candles == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return NULL;
    }

  if (report->n_skipped > 0)
    fprintf (stderr, "perpscope-cli: %s: skipped %u malformed row%s; the first: %s\n",
             path, report->n_skipped, report->n_skipped == 1 ? "" : "s", report->first_skipped);

  return candles;
}

/* --at: Unix milliseconds, or an ISO 8601 date or date-time (UTC unless it says). */
gboolean
perp_cli_parse_time (const char *text,
                     gint64     *ms)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *full = NULL;
  char *end;
  gint64 value;

  errno = 0;
  value = g_ascii_strtoll (text, &end, 10);
  if (errno == 0 && end != text && *end == '\0')
    {
      *ms = value;
      return TRUE;
    }

  full = strlen (text) == 10 ? g_strconcat (text, "T00:00:00", NULL) : g_strdup (text);
  dt = g_date_time_new_from_iso8601 (full, utc);
  if (dt == NULL)
    return FALSE;
  *ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;

  return TRUE;
}

char *
perp_cli_format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);

  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, ms);

  return g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");
}

/* The shortest decimal that reads back as the same double: JSON and CSV outputs stay
 * exact without printing 0.1 as 0.10000000000000001. */
const char *
perp_cli_format_double (char   *buf,
                        gsize   size,
                        double  value)
{
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, size, format, value);
      if (digits == 17 || g_ascii_strtod (buf, NULL) == value)
        break;
    }

  return buf;
}

/* A JSON number, exact and short, or null for NAN and infinities. */
void
perp_cli_print_json_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (value))
    fputs (perp_cli_format_double (buf, sizeof buf, value), stdout);
  else
    fputs ("null", stdout);
}

/* ------------------------------------------------------------------ indicators */

typedef struct
{
  double *columns[PERP_N_COLUMNS];
  gsize   n;
} Columns;

static void
columns_init (Columns *self,
              gsize    n)
{
  self->n = n;
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    self->columns[c] = g_new (double, MAX (n, 1));
}

static void
columns_clear (Columns *self)
{
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    g_clear_pointer (&self->columns[c], g_free);
}

static void
write_csv (FILE              *out,
           const PerpCandles *candles,
           const Columns     *cols,
           gsize              first)
{
  const gint64 *t = perp_candles_get_open_time (candles);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  fputs ("open_time", out);
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    {
      fputc (',', out);
      fputs (perp_indicator_column_name (c), out);
    }
  fputc ('\n', out);

  for (gsize i = first; i < cols->n; i++)
    {
      fprintf (out, "%" G_GINT64_FORMAT, t[i]);
      for (guint c = 0; c < PERP_N_COLUMNS; c++)
        {
          double v = cols->columns[c][i];

          fputc (',', out);
          if (!isnan (v))
            fputs (g_ascii_formatd (buf, sizeof buf, "%.17g", v), out);
        }
      fputc ('\n', out);
    }
}

static void
write_table (FILE              *out,
             const PerpCandles *candles,
             const Columns     *cols,
             gsize              first)
{
  for (gsize i = first; i < cols->n; i++)
    {
      PerpCandle candle;
      g_autofree char *when = NULL;

      perp_candles_get_candle (candles, (guint) i, &candle);
      when = perp_cli_format_time (candle.open_time);
      fprintf (out, "%s  open %.10g  high %.10g  low %.10g  close %.10g  volume %.10g\n",
               when, candle.open, candle.high, candle.low, candle.close, candle.volume);
      for (guint c = 0; c < PERP_N_COLUMNS; c++)
        {
          double v = cols->columns[c][i];

          if (isnan (v))
            fprintf (out, "  %-13s -\n", perp_indicator_column_name (c));
          else
            fprintf (out, "  %-13s %.10g\n", perp_indicator_column_name (c), v);
        }
      if (i + 1 < cols->n)
        fputc ('\n', out);
    }
}

static int
cmd_indicators (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *format = NULL;
  PerpCsvReport report = { 0 };
  gboolean lenient = FALSE;
  gboolean incremental = FALSE;
  int tail = -1;
  int exit_code = EXIT_OK;
  Columns cols;
  FILE *out = stdout;
  gsize first = 0;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Candle CSV file (6-column or Binance 12-column layout)", "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Write to FILE instead of standard output", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "csv (default) or table", "FORMAT" },
    { "tail", 0, 0, G_OPTION_ARG_INT, &tail, "Write only the last N candles", "N" },
    { "lenient", 0, 0, G_OPTION_ARG_NONE, &lenient, "Skip malformed rows (and count them) instead of failing", NULL },
    { "incremental", 0, 0, G_OPTION_ARG_NONE, &incremental, "Compute candle by candle (identical results)", NULL },
    { NULL }
  };

  context = g_option_context_new ("- compute the standard indicator columns");
  g_option_context_set_summary (context, "indicators");
  g_option_context_set_description (context,
    "Writes open_time and sma20, ema9, ema21, ema50, ema200, rsi14, atr14, natr14, macd,\n"
    "macd_signal, macd_hist, bb_upper, bb_middle, bb_lower, stochrsi_k, stochrsi_d, obv,\n"
    "adx14, plus_di14, minus_di14, cci20, mfi14, willr14 (TA-Lib's conventions) and\n"
    "vwap_session (VWAP of (h+l+c)/3 from 00:00 UTC), one row per candle, 17 significant\n"
    "digits, an empty cell before an indicator's first value.");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (csv == NULL)
    return perp_cli_usage_error (context, "indicators: --csv FILE is required");
  if (argc > 1)
    return perp_cli_usage_error (context, "indicators: unexpected argument \"%s\"", argv[1]);
  if (format != NULL && strcmp (format, "csv") != 0 && strcmp (format, "table") != 0)
    return perp_cli_usage_error (context, "indicators: --format must be csv or table, not \"%s\"", format);
  if (tail == 0 || tail < -1)
    return perp_cli_usage_error (context, "indicators: --tail must be a positive number");

  {
    PerpCsvOptions options = { .flags = lenient ? PERP_CSV_FLAGS_LENIENT : PERP_CSV_FLAGS_NONE };

    candles = perp_cli_load_candles (csv, &options, &report);
  }
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;

  columns_init (&cols, perp_candles_get_length (candles));

  if (incremental)
    {
      g_autoptr(PerpIndicatorSet) set = perp_indicator_set_new ();

      for (gsize i = 0; i < cols.n; i++)
        {
          PerpCandle candle;
          double row[PERP_N_COLUMNS];

          perp_candles_get_candle (candles, (guint) i, &candle);
          perp_indicator_set_update (set, &candle, row);
          for (guint c = 0; c < PERP_N_COLUMNS; c++)
            cols.columns[c][i] = row[c];
        }
    }
  else
    {
      perp_indicator_set_compute_batch (candles, cols.columns);
    }

  if (tail > 0 && (gsize) tail < cols.n)
    first = cols.n - tail;

  if (out_path != NULL)
    {
      out = fopen (out_path, "w");
      if (out == NULL)
        {
          fprintf (stderr, "perpscope-cli: cannot write %s: %s\n", out_path, g_strerror (errno));
          columns_clear (&cols);
          return EXIT_DATA;
        }
    }

  {
    static char buffer[1 << 20];

    setvbuf (out, buffer, _IOFBF, sizeof buffer);
  }

  if (format != NULL && strcmp (format, "table") == 0)
    write_table (out, candles, &cols, first);
  else
    write_csv (out, candles, &cols, first);

  if (fflush (out) != 0 || ferror (out))
    {
      fprintf (stderr, "perpscope-cli: writing %s failed: %s\n",
               out_path != NULL ? out_path : "standard output", g_strerror (errno));
      exit_code = EXIT_DATA;
    }
  if (out != stdout && fclose (out) != 0)
    exit_code = EXIT_DATA;

  columns_clear (&cols);

  return exit_code;
}

/* ------------------------------------------------------------------ info */

void
perp_cli_print_json_string (const char *s)
{
  putchar ('"');
  for (; *s != '\0'; s++)
    {
      if (*s == '"' || *s == '\\')
        printf ("\\%c", *s);
      else if ((guchar) *s < 0x20)
        printf ("\\u%04x", (guchar) *s);
      else
        putchar (*s);
    }
  putchar ('"');
}

static int
cmd_info (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GArray) gaps = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *symbol = NULL;
  g_autofree char *first_time = NULL;
  g_autofree char *last_time = NULL;
  PerpCsvReport report = { 0 };
  gboolean lenient = FALSE;
  gboolean json = FALSE;
  int exit_code = EXIT_OK;
  gint64 missing = 0;
  const gint64 *t;
  guint n;
  const char *interval;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Candle CSV file", "FILE" },
    { "lenient", 0, 0, G_OPTION_ARG_NONE, &lenient, "Skip malformed rows (and count them) instead of failing", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON instead of text", NULL },
    { NULL }
  };

  context = g_option_context_new ("- describe a candle file");
  g_option_context_set_summary (context, "info");
  g_option_context_set_description (context,
    "Prints the symbol (guessed from the file name), the interval (from the open times),\n"
    "the span, the number of rows and the gaps (missing candles).");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (csv == NULL)
    return perp_cli_usage_error (context, "info: --csv FILE is required");
  if (argc > 1)
    return perp_cli_usage_error (context, "info: unexpected argument \"%s\"", argv[1]);

  {
    PerpCsvOptions options = { .flags = lenient ? PERP_CSV_FLAGS_LENIENT : PERP_CSV_FLAGS_NONE };

    candles = perp_cli_load_candles (csv, &options, &report);
  }
  if (candles == NULL)
    return EXIT_DATA;

  n = perp_candles_get_length (candles);
  t = perp_candles_get_open_time (candles);
  symbol = perp_guess_symbol_from_path (csv);
  interval = perp_interval_to_string (perp_candles_get_interval (candles));
  gaps = perp_candles_find_gaps (candles);
  for (guint i = 0; i < gaps->len; i++)
    missing += g_array_index (gaps, PerpGap, i).missing;
  first_time = perp_cli_format_time (t[0]);
  last_time = perp_cli_format_time (t[n - 1]);

  if (json)
    {
      printf ("{\"file\":");
      perp_cli_print_json_string (csv);
      printf (",\"symbol\":");
      if (symbol != NULL)
        perp_cli_print_json_string (symbol);
      else
        printf ("null");
      printf (",\"interval\":\"%s\",\"rows\":%u,\"skipped\":%u,\"columns\":%u,\"header\":%s,"
              "\"first_open_time\":%" G_GINT64_FORMAT ",\"last_open_time\":%" G_GINT64_FORMAT ","
              "\"missing_candles\":%" G_GINT64_FORMAT ",\"gaps\":[",
              interval, report.n_rows, report.n_skipped, report.n_columns,
              report.has_header ? "true" : "false", t[0], t[n - 1], missing);
      for (guint i = 0; i < gaps->len; i++)
        {
          const PerpGap *gap = &g_array_index (gaps, PerpGap, i);

          printf ("%s{\"start\":%" G_GINT64_FORMAT ",\"end\":%" G_GINT64_FORMAT ",\"missing\":%" G_GINT64_FORMAT "}",
                  i > 0 ? "," : "", gap->start, gap->end, gap->missing);
        }
      printf ("]}\n");
    }
  else
    {
      printf ("file:      %s\n", csv);
      printf ("symbol:    %s\n", symbol != NULL ? symbol : "unknown (not in the file name)");
      printf ("interval:  %s\n", interval);
      printf ("layout:    %u columns, %s\n", report.n_columns, report.has_header ? "with header" : "no header");
      printf ("rows:      %u", report.n_rows);
      if (report.n_skipped > 0)
        printf (" (%u malformed rows skipped)", report.n_skipped);
      printf ("\nspan:      %s .. %s (open times)\n", first_time, last_time);
      if (gaps->len == 0)
        {
          printf ("gaps:      none\n");
        }
      else
        {
          printf ("gaps:      %u, %" G_GINT64_FORMAT " candle%s missing\n",
                  gaps->len, missing, missing == 1 ? "" : "s");
          for (guint i = 0; i < gaps->len && i < 20; i++)
            {
              const PerpGap *gap = &g_array_index (gaps, PerpGap, i);
              g_autofree char *from = perp_cli_format_time (gap->start);
              g_autofree char *to = perp_cli_format_time (gap->end);

              printf ("           %s .. %s (%" G_GINT64_FORMAT " missing)\n", from, to, gap->missing);
            }
          if (gaps->len > 20)
            printf ("           ... and %u more\n", gaps->len - 20);
        }
    }

  perp_csv_report_clear (&report);

  return EXIT_OK;
}

/* ------------------------------------------------------------------ bench */

/* Wall-clock timing lives here, in the CLI: the core never reads the clock. */
gint64
perp_cli_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);

  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

typedef enum
{
  BENCH_SMA20,
  BENCH_EMA9,
  BENCH_EMA21,
  BENCH_EMA50,
  BENCH_EMA200,
  BENCH_RSI14,
  BENCH_ATR14,
  BENCH_NATR14,
  BENCH_MACD,
  BENCH_BBANDS,
  BENCH_STOCHRSI,
  BENCH_OBV,
  BENCH_DMI,
  BENCH_CCI20,
  BENCH_MFI14,
  BENCH_WILLR14,
  BENCH_VWAP,
  BENCH_ALL_BATCH,
  BENCH_ALL_INCREMENTAL,
  N_BENCH
} BenchCase;

static const struct {
  const char *name;
  const char *talib;  /* TA-Lib's median, ns per candle, run B of the conformance README */
} bench_cases[N_BENCH] = {
  [BENCH_SMA20]           = { "SMA(20)", "1.25" },
  [BENCH_EMA9]            = { "EMA(9)", "2.85" },
  [BENCH_EMA21]           = { "EMA(21)", "2.91" },
  [BENCH_EMA50]           = { "EMA(50)", "2.81" },
  [BENCH_EMA200]          = { "EMA(200)", "2.58" },
  [BENCH_RSI14]           = { "RSI(14)", "6.83" },
  [BENCH_ATR14]           = { "ATR(14)", "7.84" },
  [BENCH_NATR14]          = { "NATR(14)", "8.21" },
  [BENCH_MACD]            = { "MACD(12,26,9)", "14.36" },
  [BENCH_BBANDS]          = { "BBANDS(20,2,2)", "5.50" },
  [BENCH_STOCHRSI]        = { "StochRSI(14,14,3,3)", "18.99" },
  [BENCH_OBV]             = { "OBV", "5.29" },
  [BENCH_DMI]             = { "ADX+DI(14), one pass", "29.17" },
  [BENCH_CCI20]           = { "CCI(20)", "21.86" },
  [BENCH_MFI14]           = { "MFI(14)", "9.51" },
  [BENCH_WILLR14]         = { "WILLR(14)", "10.61" },
  [BENCH_VWAP]            = { "VWAP(session)", "-" },
  [BENCH_ALL_BATCH]       = { "all 24 columns, batch", "206.8" },
  [BENCH_ALL_INCREMENTAL] = { "all 24 columns, incremental", "-" },
};

static void
run_bench_case (BenchCase          which,
                const PerpCandles *candles,
                Columns           *cols)
{
  gsize n = cols->n;
  const gint64 *t = perp_candles_get_open_time (candles);
  const double *h = perp_candles_get_high (candles);
  const double *l = perp_candles_get_low (candles);
  const double *c = perp_candles_get_close (candles);
  const double *v = perp_candles_get_volume (candles);
  double **out = cols->columns;

  switch (which)
    {
    case BENCH_SMA20:
      perp_sma_batch (c, n, 20, out[PERP_COLUMN_SMA20]);
      break;
    case BENCH_EMA9:
      perp_ema_batch (c, n, 9, out[PERP_COLUMN_EMA9]);
      break;
    case BENCH_EMA21:
      perp_ema_batch (c, n, 21, out[PERP_COLUMN_EMA21]);
      break;
    case BENCH_EMA50:
      perp_ema_batch (c, n, 50, out[PERP_COLUMN_EMA50]);
      break;
    case BENCH_EMA200:
      perp_ema_batch (c, n, 200, out[PERP_COLUMN_EMA200]);
      break;
    case BENCH_RSI14:
      perp_rsi_batch (c, n, 14, out[PERP_COLUMN_RSI14]);
      break;
    case BENCH_ATR14:
      perp_atr_batch (h, l, c, n, 14, out[PERP_COLUMN_ATR14]);
      break;
    case BENCH_NATR14:
      perp_natr_batch (h, l, c, n, 14, out[PERP_COLUMN_NATR14]);
      break;
    case BENCH_MACD:
      perp_macd_batch (c, n, 12, 26, 9, out[PERP_COLUMN_MACD], out[PERP_COLUMN_MACD_SIGNAL],
                       out[PERP_COLUMN_MACD_HIST]);
      break;
    case BENCH_BBANDS:
      perp_bollinger_batch (c, n, 20, 2.0, 2.0, out[PERP_COLUMN_BB_UPPER],
                            out[PERP_COLUMN_BB_MIDDLE], out[PERP_COLUMN_BB_LOWER]);
      break;
    case BENCH_STOCHRSI:
      perp_stoch_rsi_batch (c, n, 14, 14, 3, 3, out[PERP_COLUMN_STOCHRSI_K], out[PERP_COLUMN_STOCHRSI_D]);
      break;
    case BENCH_OBV:
      perp_obv_batch (c, v, n, out[PERP_COLUMN_OBV]);
      break;
    case BENCH_DMI:
      perp_dmi_batch (h, l, c, n, 14, out[PERP_COLUMN_PLUS_DI14], out[PERP_COLUMN_MINUS_DI14],
                      out[PERP_COLUMN_ADX14]);
      break;
    case BENCH_CCI20:
      perp_cci_batch (h, l, c, n, 20, out[PERP_COLUMN_CCI20]);
      break;
    case BENCH_MFI14:
      perp_mfi_batch (h, l, c, v, n, 14, out[PERP_COLUMN_MFI14]);
      break;
    case BENCH_WILLR14:
      perp_willr_batch (h, l, c, n, 14, out[PERP_COLUMN_WILLR14]);
      break;
    case BENCH_VWAP:
      perp_vwap_session_batch (t, h, l, c, v, n, PERP_MS_PER_DAY, out[PERP_COLUMN_VWAP_SESSION]);
      break;
    case BENCH_ALL_BATCH:
      perp_indicator_set_compute_batch (candles, out);
      break;
    case BENCH_ALL_INCREMENTAL:
      {
        g_autoptr(PerpIndicatorSet) set = perp_indicator_set_new ();
        double row[PERP_N_COLUMNS];

        for (gsize i = 0; i < n; i++)
          {
            PerpCandle candle;

            perp_candles_get_candle (candles, (guint) i, &candle);
            perp_indicator_set_update (set, &candle, row);
          }
        /* Keep the last row observable so the loop is not optimised away. */
        out[0][0] = row[0];
      }
      break;
    case N_BENCH:
    default:
      g_assert_not_reached ();
    }
}

int
perp_cli_compare_double (gconstpointer a,
                         gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static int
cmd_bench (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *ticks = NULL;
  g_autofree double *samples = NULL;
  PerpCsvReport report = { 0 };
  int exit_code = EXIT_OK;
  int runs = 9;
  double load_ms[5];
  Columns cols;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Candle CSV file", "FILE" },
    { "ticks", 0, 0, G_OPTION_ARG_FILENAME, &ticks, "Tick capture (bench flow)", "FILE" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs per case after one warm-up (default 9)", "N" },
    { NULL }
  };

  context = g_option_context_new ("indicators|structure|flow|score|latency - measure the core's speed");
  g_option_context_set_summary (context, "bench");
  g_option_context_set_description (context,
    "bench indicators: times each batch indicator over the whole file (median, min and\n"
    "max of the runs, in nanoseconds per candle), next to TA-Lib's own figures, then all\n"
    "columns in batch and incremental form, and the CSV load.\n"
    "bench structure: candles per second of the structure passes (the peer-compatible\n"
    "batch mode), median of the runs.\n"
    "bench flow: messages per second of a tick capture (--ticks), decoded alone and decoded\n"
    "and applied to the order book and trade flow, for all messages, trades and depth.\n"
    "bench score: 500 symbols built from the file's candles (1,000 each), scored live (one\n"
    "candle closes on every symbol) and cold (every symbol from nothing), in ms.\n"
    "bench latency: a tick capture (--ticks) played through the engine with a score on\n"
    "every message, after history from --csv moved to end where the capture starts: time\n"
    "from a message's text to the engine's score-changed, p50/p99 in microseconds.\n"
    "bench backtest: the backtest of --csv (engine, journal, outcomes) and its replay alone\n"
    "(scored on every close), in seconds and scaled to a year of 5m candles.");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2 || (strcmp (argv[1], "indicators") != 0 && strcmp (argv[1], "structure") != 0
                   && strcmp (argv[1], "flow") != 0 && strcmp (argv[1], "score") != 0
                   && strcmp (argv[1], "latency") != 0 && strcmp (argv[1], "backtest") != 0))
    return perp_cli_usage_error (context, "bench: say what to measure: \"bench indicators\", \"bench structure\", \"bench flow\", \"bench score\", \"bench latency\" or \"bench backtest\"");
  if (argc > 2)
    return perp_cli_usage_error (context, "bench: unexpected argument \"%s\"", argv[2]);
  if (strcmp (argv[1], "latency") == 0)
    {
      if (ticks == NULL || csv == NULL)
        return perp_cli_usage_error (context, "bench latency: --ticks FILE and --csv FILE (history) are required");
      if (runs < 1 || runs > 1000)
        return perp_cli_usage_error (context, "bench: --runs must be between 1 and 1000");
      return perp_cli_bench_latency (ticks, csv, runs);
    }
  if (strcmp (argv[1], "flow") == 0)
    {
      if (ticks == NULL)
        return perp_cli_usage_error (context, "bench flow: --ticks FILE is required");
      if (runs < 1 || runs > 1000)
        return perp_cli_usage_error (context, "bench: --runs must be between 1 and 1000");
      return perp_cli_bench_flow (ticks, runs);
    }
  if (csv == NULL)
    return perp_cli_usage_error (context, "bench: --csv FILE is required");
  if (runs < 1 || runs > 1000)
    return perp_cli_usage_error (context, "bench: --runs must be between 1 and 1000");

  if (strcmp (argv[1], "structure") == 0)
    return perp_cli_bench_structure (csv, runs);
  if (strcmp (argv[1], "score") == 0)
    return perp_cli_bench_score (csv, runs);
  if (strcmp (argv[1], "backtest") == 0)
    return perp_cli_bench_backtest (csv, runs);

  for (guint r = 0; r < G_N_ELEMENTS (load_ms); r++)
    {
      gint64 start = perp_cli_now_ns ();

      g_clear_pointer (&candles, perp_candles_unref);
      perp_csv_report_clear (&report);
      candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &report);
      if (candles == NULL)
        return EXIT_DATA;
      load_ms[r] = (perp_cli_now_ns () - start) / 1e6;
    }
  perp_csv_report_clear (&report);
  qsort (load_ms, G_N_ELEMENTS (load_ms), sizeof (double), perp_cli_compare_double);

  columns_init (&cols, perp_candles_get_length (candles));
  samples = g_new (double, runs);

  printf ("file: %s (%zu candles), %d runs per case after 1 warm-up\n", csv, cols.n, runs);
  printf ("CSV load: %.1f ms median of %zu (min %.1f, max %.1f)\n\n",
          load_ms[G_N_ELEMENTS (load_ms) / 2], G_N_ELEMENTS (load_ms),
          load_ms[0], load_ms[G_N_ELEMENTS (load_ms) - 1]);
  printf ("%-30s %10s %10s %10s %12s\n", "ns per candle", "median", "min", "max", "TA-Lib");

  for (guint b = 0; b < N_BENCH; b++)
    {
      run_bench_case (b, candles, &cols);
      for (int r = 0; r < runs; r++)
        {
          gint64 start = perp_cli_now_ns ();

          run_bench_case (b, candles, &cols);
          samples[r] = (double) (perp_cli_now_ns () - start) / (double) cols.n;
        }
      qsort (samples, runs, sizeof (double), perp_cli_compare_double);
      printf ("%-30s %10.2f %10.2f %10.2f %12s\n",
              bench_cases[b].name, samples[runs / 2], samples[0], samples[runs - 1], bench_cases[b].talib);
    }

  columns_clear (&cols);

  return EXIT_OK;
}

/* ------------------------------------------------------------------ main */

static const Command commands[] = {
  { "indicators", cmd_indicators, "Compute the standard indicator columns of a candle file" },
  { "info", cmd_info, "Describe a candle file: symbol, interval, span, rows, gaps" },
  { "structure", perp_cli_cmd_structure, "Market structure known at a time (causal), or the peer-compatible outputs (--compat smc)" },
  { "flow", perp_cli_cmd_flow, "Replay a tick capture through the order book and trade flow" },
  { "score", perp_cli_cmd_score, "Long/Short confidence, top reasons, trade plan and breakers at a time" },
  { "watch", perp_cli_cmd_watch, "Live scores from Binance USDT-M public market data" },
  { "replay", perp_cli_cmd_replay, "The watch output from recorded data (candle CSVs, tick captures, recordings)" },
  { "record", perp_cli_cmd_record, "Record a live session (all streams and REST responses) for replay" },
  { "scan", perp_cli_cmd_scan, "Every symbol of recorded data scored at one moment, strongest first" },
  { "backtest", perp_cli_cmd_backtest, "Trade every taken signal of recorded data: win rate, profit factor, drawdown, calibration" },
  { "export", perp_cli_cmd_export, "The signal journal as CSV, HTML or PDF: statistics, equity curve, charts" },
  { "resume", perp_cli_cmd_resume, "Resume a breaker that holds until resumed (the daily-drawdown pause)" },
  { "bench", cmd_bench, "Measure the core's speed (bench indicators, structure, flow, score, latency, backtest)" },
};

static void
print_help (FILE *out)
{
  fprintf (out, "Usage:\n  perpscope-cli COMMAND [OPTION…]\n\n"
                "Perpscope's analysis core, headless.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun \"perpscope-cli COMMAND --help\" for a command's options.\n"
                "Exit status: 0 on success, 1 on a data error, 2 on a usage error.\n");
}

int
main (int    argc,
      char **argv)
{
  /* Messages in the user's language; numbers stay in the C locale (g_ascii_*). */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  if (argc < 2)
    {
      print_help (stderr);
      return EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return EXIT_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("perpscope-cli %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("perpscope-cli %s", commands[i].name);

        g_set_prgname (prgname);
        return commands[i].func (argc - 1, argv + 1);
      }

  fprintf (stderr, "perpscope-cli: unknown command \"%s\"\n\n", argv[1]);
  print_help (stderr);

  return EXIT_USAGE;
}
