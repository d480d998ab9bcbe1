/* perp-cli-structure.c: `perpscope-cli structure` and `bench structure`
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-cli"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "core/perp-smc-compat.h"

#include "perp-cli-private.h"

/* The parameters of one compat run: the peer's defaults as its own tests call it,
 * changed by the command-line options. */
typedef struct
{
  guint             swing_length;
  gboolean          close_break;
  gboolean          close_mitigation;
  double            range_percent;
  PerpSmcSession    session;
  guint             session_start;
  guint             session_end;
  gboolean          all_time_frames;
  PerpSmcTimeFrame  time_frame;
} SmcParams;

/* The calls of the peer's own tests (the cases in shared/conformance/smc/data). */
static const SmcParams peer_test_params = {
  .swing_length = 5,
  .close_break = TRUE,
  .range_percent = 0.01,
  .session = PERP_SMC_SESSION_LONDON,
  .all_time_frames = TRUE,
};

typedef struct
{
  const char *name;
  double     *values;
} OutColumn;

/* Everything one compat run computes: one array per output column. */
enum
{
  SWING_HL, SWING_LEVEL,
  FVG, FVG_TOP, FVG_BOTTOM, FVG_MITIGATED,
  FVGC, FVGC_TOP, FVGC_BOTTOM, FVGC_MITIGATED,
  BOS, CHOCH, BOS_LEVEL, BOS_BROKEN,
  OB, OB_TOP, OB_BOTTOM, OB_VOLUME, OB_MITIGATED, OB_PERCENTAGE,
  LIQ, LIQ_LEVEL, LIQ_END, LIQ_SWEPT,
  SESSION_ACTIVE, SESSION_HIGH, SESSION_LOW,
  RETR_DIRECTION, RETR_CURRENT, RETR_DEEPEST,
  PHL_FIRST,                                 /* 4 columns per time frame from here */
  N_RESULT_COLUMNS = PHL_FIRST + 3 * 4
};

#define PHL(tf, k) (PHL_FIRST + (tf) * 4 + (k))

typedef struct
{
  gsize   n;
  double *col[N_RESULT_COLUMNS];
} SmcResult;

static const char *time_frame_suffix[] = {
  [PERP_SMC_TIME_FRAME_4H] = "4h",
  [PERP_SMC_TIME_FRAME_1D] = "1D",
  [PERP_SMC_TIME_FRAME_W] = "W",
};

static void
smc_result_init (SmcResult *r,
                 gsize      n)
{
  r->n = n;
  for (guint i = 0; i < N_RESULT_COLUMNS; i++)
    r->col[i] = g_new (double, MAX (n, 1));
}

static void
smc_result_clear (SmcResult *r)
{
  for (guint i = 0; i < N_RESULT_COLUMNS; i++)
    g_clear_pointer (&r->col[i], g_free);
}

/* The compat run as steps, so that the bench can time each function. */
static void
step_swings (const PerpCandles *candles,
             PerpSmcContext    *context,
             const SmcParams   *p,
             double           **c)
{
  /* With the run's context, which keeps the swings' rows for bos_choch, ob and
   * liquidity. */
  if (context != NULL)
    perp_smc_context_swing_highs_lows (context, p->swing_length, c[SWING_HL], c[SWING_LEVEL]);
  else
    perp_smc_swing_highs_lows (candles, p->swing_length, c[SWING_HL], c[SWING_LEVEL]);
}

static void
step_fvg (const PerpCandles *candles,
          PerpSmcContext    *context,
          const SmcParams   *p,
          double           **c)
{
  perp_smc_fvg (candles, context, FALSE, c[FVG], c[FVG_TOP], c[FVG_BOTTOM], c[FVG_MITIGATED]);
}

static void
step_fvg_join (const PerpCandles *candles,
               PerpSmcContext    *context,
               const SmcParams   *p,
               double           **c)
{
  perp_smc_fvg (candles, context, TRUE, c[FVGC], c[FVGC_TOP], c[FVGC_BOTTOM], c[FVGC_MITIGATED]);
}

static void
step_bos_choch (const PerpCandles *candles,
                PerpSmcContext    *context,
                const SmcParams   *p,
                double           **c)
{
  perp_smc_bos_choch (candles, context, c[SWING_HL], c[SWING_LEVEL], p->close_break,
                      c[BOS], c[CHOCH], c[BOS_LEVEL], c[BOS_BROKEN]);
}

static void
step_ob (const PerpCandles *candles,
         PerpSmcContext    *context,
         const SmcParams   *p,
         double           **c)
{
  perp_smc_ob (candles, context, c[SWING_HL], c[SWING_LEVEL], p->close_mitigation,
               c[OB], c[OB_TOP], c[OB_BOTTOM], c[OB_VOLUME], c[OB_MITIGATED], c[OB_PERCENTAGE]);
}

static void
step_liquidity (const PerpCandles *candles,
                PerpSmcContext    *context,
                const SmcParams   *p,
                double           **c)
{
  perp_smc_liquidity (candles, context, c[SWING_HL], c[SWING_LEVEL], p->range_percent,
                      c[LIQ], c[LIQ_LEVEL], c[LIQ_END], c[LIQ_SWEPT]);
}

static void
step_previous_high_low (const PerpCandles *candles,
                        PerpSmcContext    *context,
                        const SmcParams   *p,
                        double           **c)
{
  for (guint tf = 0; tf < G_N_ELEMENTS (time_frame_suffix); tf++)
    if (p->all_time_frames || tf == p->time_frame)
      perp_smc_previous_high_low (candles, tf, c[PHL (tf, 0)], c[PHL (tf, 1)],
                                  c[PHL (tf, 2)], c[PHL (tf, 3)]);
}

static void
step_sessions (const PerpCandles *candles,
               PerpSmcContext    *context,
               const SmcParams   *p,
               double           **c)
{
  perp_smc_sessions (candles, p->session, p->session_start, p->session_end,
                     c[SESSION_ACTIVE], c[SESSION_HIGH], c[SESSION_LOW]);
}

static void
step_retracements (const PerpCandles *candles,
                   PerpSmcContext    *context,
                   const SmcParams   *p,
                   double           **c)
{
  perp_smc_retracements (candles, c[SWING_HL], c[SWING_LEVEL],
                         c[RETR_DIRECTION], c[RETR_CURRENT], c[RETR_DEEPEST]);
}

/* In dependency order: the swings first. */
typedef void (*SmcStep) (const PerpCandles *candles, PerpSmcContext *context,
                         const SmcParams *p, double **c);

static const struct {
  const char *name;
  SmcStep     run;
} smc_steps[] = {
  { "swing_highs_lows(5)", step_swings },
  { "fvg()", step_fvg },
  { "fvg(join_consecutive)", step_fvg_join },
  { "bos_choch(close_break)", step_bos_choch },
  { "ob()", step_ob },
  { "liquidity(0.01)", step_liquidity },
  { "previous_high_low(4h, 1D, W)", step_previous_high_low },
  { "sessions(London)", step_sessions },
  { "retracements()", step_retracements },
};

/* Every case, with one context: each block-extreme index is built once. */
static void
smc_run (const PerpCandles *candles,
         const SmcParams   *p,
         SmcResult         *r)
{
  g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);

  for (guint k = 0; k < G_N_ELEMENTS (smc_steps); k++)
    smc_steps[k].run (candles, context, p, r->col);
}

/* One CSV per case, as the peer's expected files: a header, one row per candle, an
 * empty cell for NaN, 17 significant digits. */
static gboolean
write_case (const char      *dir,
            const char      *file,
            const OutColumn *cols,
            guint            n_cols,
            gsize            n,
            GError         **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  FILE *out;
  gboolean ok;

  out = g_fopen (path, "w");
  if (out == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  for (guint c = 0; c < n_cols; c++)
    fprintf (out, "%s%s", c > 0 ? "," : "", cols[c].name);
  fputc ('\n', out);

  for (gsize i = 0; i < n; i++)
    {
      for (guint c = 0; c < n_cols; c++)
        {
          double v = cols[c].values[i];

          if (c > 0)
            fputc (',', out);
          if (!isnan (v))
            fputs (g_ascii_formatd (buf, sizeof buf, "%.17g", v), out);
        }
      fputc ('\n', out);
    }

  ok = fflush (out) == 0 && !ferror (out);
  ok = (fclose (out) == 0) && ok;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s failed", path);

  return ok;
}

static gboolean
write_all_cases (const char      *dir,
                 const SmcParams *p,
                 SmcResult       *r,
                 GError         **error)
{
  static const struct {
    const char *file;
    guint       first;
    const char *names[6];
  } cases[] = {
    { "swing_highs_lows_result_data.csv", SWING_HL, { "HighLow", "Level" } },
    { "fvg_result_data.csv", FVG, { "FVG", "Top", "Bottom", "MitigatedIndex" } },
    { "fvg_consecutive_result_data.csv", FVGC, { "FVG", "Top", "Bottom", "MitigatedIndex" } },
    { "bos_choch_result_data.csv", BOS, { "BOS", "CHOCH", "Level", "BrokenIndex" } },
    { "ob_result_data.csv", OB, { "OB", "Top", "Bottom", "OBVolume", "MitigatedIndex", "Percentage" } },
    { "liquidity_result_data.csv", LIQ, { "Liquidity", "Level", "End", "Swept" } },
    { "sessions_result_data.csv", SESSION_ACTIVE, { "Active", "High", "Low" } },
    { "retracements_result_data.csv", RETR_DIRECTION, { "Direction", "CurrentRetracement%", "DeepestRetracement%" } },
  };
  static const char *phl_names[] = { "PreviousHigh", "PreviousLow", "BrokenHigh", "BrokenLow" };
  OutColumn cols[6];

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      guint n_cols = 0;

      for (; n_cols < G_N_ELEMENTS (cases[k].names) && cases[k].names[n_cols] != NULL; n_cols++)
        {
          cols[n_cols].name = cases[k].names[n_cols];
          cols[n_cols].values = r->col[cases[k].first + n_cols];
        }
      if (!write_case (dir, cases[k].file, cols, n_cols, r->n, error))
        return FALSE;
    }

  for (guint tf = 0; tf < G_N_ELEMENTS (time_frame_suffix); tf++)
    {
      g_autofree char *file = NULL;

      if (!p->all_time_frames && tf != p->time_frame)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (phl_names); k++)
        {
          cols[k].name = phl_names[k];
          cols[k].values = r->col[PHL (tf, k)];
        }
      file = g_strdup_printf ("previous_high_low_result_data_%s.csv", time_frame_suffix[tf]);
      if (!write_case (dir, file, cols, G_N_ELEMENTS (phl_names), r->n, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_hhmm (const char *text,
            guint      *minute)
{
  unsigned h, m;
  char tail;

  if (text == NULL || sscanf (text, "%2u:%2u%c", &h, &m, &tail) != 2 || h > 23 || m > 59)
    return FALSE;
  *minute = h * 60 + m;

  return TRUE;
}

int
perp_cli_cmd_structure (int    argc,
                        char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *compat = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *session = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *time_frame = NULL;
  g_autofree char *volume_column = NULL;
  PerpCsvReport report = { 0 };
  PerpCsvOptions csv_options = { 0 };
  SmcParams p = peer_test_params;
  SmcResult result = { 0 };
  gboolean close_break = FALSE;
  gboolean wick_break = FALSE;
  gboolean close_mitigation = FALSE;
  gboolean lenient = FALSE;
  gboolean json = FALSE;
  gboolean fvg_auto = FALSE;
  gboolean fvg_join = FALSE;
  g_autofree char *at_text = NULL;
  g_autofree char *time_zone = NULL;
  g_autofree char *leg = NULL;
  int internal_length = 0;
  int limit = 10;
  gint64 at = G_MAXINT64;
  PerpStructureConfig config;
  int swing_length = 0;
  double range_percent = peer_test_params.range_percent;
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Candle CSV file", "FILE" },
    { "compat", 0, 0, G_OPTION_ARG_STRING, &compat, "Reproduce a peer's batch outputs: smc (smartmoneyconcepts 0.0.27)", "PEER" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Folder for the output CSVs (created if missing)", "DIR" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, "What is known at this time: Unix ms or ISO 8601, UTC (default: the end)", "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON: the reading and every object known, with its states", NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Objects listed per kind in the text output (default 10)", "N" },
    { "internal-length", 0, 0, G_OPTION_ARG_INT, &internal_length, "Bars right of an internal pivot (default 5)", "N" },
    { "swing-length", 0, 0, G_OPTION_ARG_INT, &swing_length, "Bars right of a swing pivot (default 50; compat: 5, also for the functions using swings)", "N" },
    { "time-zone", 0, 0, G_OPTION_ARG_STRING, &time_zone, "Zone of the killzone windows (default America/New_York)", "TZ" },
    { "fvg-auto", 0, 0, G_OPTION_ARG_NONE, &fvg_auto, "Only gaps whose middle candle's body beats twice the mean body", NULL },
    { "fvg-join", 0, 0, G_OPTION_ARG_NONE, &fvg_join, "Join gaps on consecutive candles", NULL },
    { "leg", 0, 0, G_OPTION_ARG_STRING, &leg, "Pivots of the active leg and swing range: swing (default) or internal", "DEPTH" },
    { "close-break", 0, 0, G_OPTION_ARG_NONE, &close_break, "BOS/CHoCH broken by a close (the default)", NULL },
    { "wick-break", 0, 0, G_OPTION_ARG_NONE, &wick_break, "BOS/CHoCH broken by a wick", NULL },
    { "close-mitigation", 0, 0, G_OPTION_ARG_NONE, &close_mitigation, "Order blocks mitigated by the body, not the wick", NULL },
    { "range-percent", 0, 0, G_OPTION_ARG_DOUBLE, &range_percent, "Liquidity band as a share of the whole range (default 0.01)", "X" },
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, "Session for sessions_result_data.csv (default London)", "NAME" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start, "Start of a Custom session, HH:MM UTC", "HH:MM" },
    { "end", 0, 0, G_OPTION_ARG_STRING, &end, "End of a Custom session, HH:MM UTC", "HH:MM" },
    { "time-frame", 0, 0, G_OPTION_ARG_STRING, &time_frame, "Only this previous_high_low time frame: 4h, 1D or W", "TF" },
    { "volume-column", 0, 0, G_OPTION_ARG_STRING, &volume_column, "Read volume from this CSV column (e.g. Tickvol)", "NAME" },
    { "lenient", 0, 0, G_OPTION_ARG_NONE, &lenient, "Skip malformed rows (and count them) instead of failing", NULL },
    { NULL }
  };

  context = g_option_context_new ("- market structure");
  g_option_context_set_summary (context, "structure");
  g_option_context_set_description (context,
    "By default, the causal engine (nothing repaints): every object known once the\n"
    "candles closed by --at (default: all) have been fed one by one, with its state\n"
    "at that time; the trend, the active leg with its Fibonacci levels, the swing\n"
    "range's premium/discount zone and the running sessions.\n"
    "\n"
    "With --compat smc, writes the smartmoneyconcepts peer's outputs (look-ahead and all,\n"
    "never to be used as signals) as one CSV per case into --out: swing_highs_lows,\n"
    "fvg, fvg_consecutive, bos_choch, ob, liquidity, previous_high_low (4h, 1D, W),\n"
    "sessions and retracements, named and laid out like the files in\n"
    "shared/conformance/smc/data.  Without options, the calls are those of the peer's\n"
    "own tests; the options change the parameters of the calls they name.");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "structure: unexpected argument \"%s\"", argv[1]);
  if (csv == NULL)
    return perp_cli_usage_error (context, "structure: --csv FILE is required");
  if (close_break && wick_break)
    return perp_cli_usage_error (context, "structure: --close-break and --wick-break exclude each other");
  if (swing_length < 0 || swing_length > 10000 || internal_length < 0 || internal_length > 10000)
    return perp_cli_usage_error (context, "structure: pivot lengths must be between 1 and 10000");
  if (compat == NULL)
    {
      if (out_dir != NULL || session != NULL || start != NULL || end != NULL || time_frame != NULL
          || close_break || range_percent != peer_test_params.range_percent)
        return perp_cli_usage_error (context, "structure: --out, --session, --start, --end, --time-frame, "
                                     "--close-break and --range-percent are for --compat smc");
      if (limit < 1)
        return perp_cli_usage_error (context, "structure: --limit must be at least 1");
      if (at_text != NULL && !perp_cli_parse_time (at_text, &at))
        return perp_cli_usage_error (context, "structure: --at \"%s\" is neither Unix milliseconds nor an ISO 8601 time", at_text);

      perp_structure_config_init (&config);
      if (internal_length > 0)
        config.internal_length = (guint) internal_length;
      if (swing_length > 0)
        config.swing_length = (guint) swing_length;
      if (time_zone != NULL)
        config.time_zone = time_zone;
      config.wick_break = wick_break;
      config.close_mitigation = close_mitigation;
      config.fvg_auto_threshold = fvg_auto;
      config.fvg_join = fvg_join;
      if (leg != NULL)
        {
          if (strcmp (leg, "swing") == 0)
            config.leg_depth = PERP_STRUCTURE_DEPTH_SWING;
          else if (strcmp (leg, "internal") == 0)
            config.leg_depth = PERP_STRUCTURE_DEPTH_INTERNAL;
          else
            return perp_cli_usage_error (context, "structure: --leg must be swing or internal");
        }

      csv_options.flags = lenient ? PERP_CSV_FLAGS_LENIENT : PERP_CSV_FLAGS_NONE;
      csv_options.volume_column = volume_column;
      candles = perp_cli_load_candles (csv, &csv_options, &report);
      perp_csv_report_clear (&report);
      if (candles == NULL)
        return EXIT_DATA;

      return perp_cli_structure_causal (candles, &config, at, json, (guint) limit, csv);
    }
  if (strcmp (compat, "smc") != 0)
    return perp_cli_usage_error (context, "structure: unknown peer \"%s\": --compat smc", compat);
  if (at_text != NULL || json || internal_length != 0 || time_zone != NULL || fvg_auto || fvg_join || leg != NULL)
    return perp_cli_usage_error (context, "structure: --at, --json, --internal-length, --time-zone, --fvg-auto, "
                                 "--fvg-join and --leg are for the causal engine, not --compat smc");
  if (out_dir == NULL)
    return perp_cli_usage_error (context, "structure: --out DIR is required");
  if (!(range_percent > 0.0) || !isfinite (range_percent))
    return perp_cli_usage_error (context, "structure: --range-percent must be a positive number");

  if (swing_length > 0)
    p.swing_length = (guint) swing_length;
  p.close_break = !wick_break;
  p.close_mitigation = close_mitigation;
  p.range_percent = range_percent;

  if (session != NULL)
    {
      int s = perp_smc_session_from_name (session);

      if (s < 0)
        return perp_cli_usage_error (context, "structure: unknown session \"%s\"", session);
      p.session = (PerpSmcSession) s;
    }
  if (p.session == PERP_SMC_SESSION_CUSTOM)
    {
      if (!parse_hhmm (start, &p.session_start) || !parse_hhmm (end, &p.session_end))
        return perp_cli_usage_error (context, "structure: a Custom session needs --start HH:MM and --end HH:MM");
    }
  else if (start != NULL || end != NULL)
    {
      return perp_cli_usage_error (context, "structure: --start and --end are for --session Custom");
    }

  if (time_frame != NULL)
    {
      p.all_time_frames = FALSE;
      if (strcmp (time_frame, "4h") == 0)
        p.time_frame = PERP_SMC_TIME_FRAME_4H;
      else if (strcmp (time_frame, "1D") == 0)
        p.time_frame = PERP_SMC_TIME_FRAME_1D;
      else if (strcmp (time_frame, "W") == 0)
        p.time_frame = PERP_SMC_TIME_FRAME_W;
      else
        return perp_cli_usage_error (context, "structure: --time-frame must be 4h, 1D or W");
    }

  csv_options.flags = lenient ? PERP_CSV_FLAGS_LENIENT : PERP_CSV_FLAGS_NONE;
  csv_options.volume_column = volume_column;
  candles = perp_cli_load_candles (csv, &csv_options, &report);
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;

  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      fprintf (stderr, "perpscope-cli: cannot create %s: %s\n", out_dir, g_strerror (errno));
      return EXIT_DATA;
    }

  smc_result_init (&result, perp_candles_get_length (candles));
  smc_run (candles, &p, &result);
  if (!write_all_cases (out_dir, &p, &result, &error))
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      exit_code = EXIT_DATA;
    }
  smc_result_clear (&result);

  return exit_code;
}

/* Milliseconds of a full causal pass with the default configuration, sorted.  One
 * engine is reset between runs, as a replay or backtest does: the runs measure the
 * detectors, not the kernel handing out fresh pages (the warm-up run pays for those). */
static gboolean
bench_causal (const PerpCandles *candles,
              double            *samples,
              int                runs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpStructure) engine = perp_structure_new (NULL, perp_candles_get_interval (candles), &error);
  guint n = perp_candles_get_length (candles);

  for (int i = -1; engine != NULL && i < runs; i++)
    {
      gint64 t0 = perp_cli_now_ns ();

      perp_structure_reset (engine);
      if (!perp_structure_push_candles (engine, candles, 0, n, &error))
        break;
      if (i >= 0)
        samples[i] = (perp_cli_now_ns () - t0) / 1e6;
    }
  if (error != NULL)
    {
      fprintf (stderr, "perpscope-cli: bench structure: %s\n", error->message);
      return FALSE;
    }
  qsort (samples, runs, sizeof (double), perp_cli_compare_double);

  return TRUE;
}

/* Candles per second of the causal pass, of the compat pass over every function, and of
 * each compat function. */
int
perp_cli_bench_structure (const char *csv,
                          int         runs)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autofree double *samples = g_new (double, runs);
  PerpCsvReport report = { 0 };
  SmcParams p = peer_test_params;
  SmcResult r = { 0 };
  gsize n;

  candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &report);
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;

  n = perp_candles_get_length (candles);
  smc_result_init (&r, n);

  printf ("file: %s (%zu candles), %d runs after 1 warm-up\n\n", csv, n, runs);
  printf ("%-44s %14s %12s\n", "pass", "candles/s", "ms (median)");

  if (!bench_causal (candles, samples, runs))
    return EXIT_DATA;
  printf ("%-44s %14.0f %12.3f\n", "causal engine, every detector, both depths",
          n / (samples[runs / 2] / 1e3), samples[runs / 2]);

  smc_run (candles, &p, &r);
  for (int i = 0; i < runs; i++)
    {
      gint64 t0 = perp_cli_now_ns ();

      smc_run (candles, &p, &r);
      samples[i] = (perp_cli_now_ns () - t0) / 1e6;
    }
  qsort (samples, runs, sizeof (double), perp_cli_compare_double);
  printf ("%-44s %14.0f %12.3f\n", "compat (smc), all 11 cases",
          n / (samples[runs / 2] / 1e3), samples[runs / 2]);

  for (guint k = 0; k < G_N_ELEMENTS (smc_steps); k++)
    {
      for (int i = 0; i < runs; i++)
        {
          gint64 t0 = perp_cli_now_ns ();

          /* Alone, as a single call: it builds what it needs. */
          smc_steps[k].run (candles, NULL, &p, r.col);
          samples[i] = (perp_cli_now_ns () - t0) / 1e6;
        }
      qsort (samples, runs, sizeof (double), perp_cli_compare_double);
      printf ("  %-42s %14.0f %12.3f\n", smc_steps[k].name,
              n / (samples[runs / 2] / 1e3), samples[runs / 2]);
    }

  smc_result_clear (&r);

  return EXIT_OK;
}
