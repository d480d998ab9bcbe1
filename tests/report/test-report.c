/* test-report.c: the journal's reports in CSV, HTML and PDF
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "core/perp-analysis.h"
#include "core/perp-outcome.h"
#include "core/perp-signal.h"
#include "core/perp-structure.h"
#include "io/perp-candle-csv.h"
#include "io/report/perp-report-private.h"
#include "io/store/perp-journal.h"
#include "perp-test-support.h"

/*
 * The journal is built once, from a real week of BTCUSDT and ETHUSDT 15m candles:
 * every closed candle after a warm-up is scored by the core (PerpAnalysis), planned
 * (perp_plan_build) and decided (perp_signal_decide); the taken signals are followed by
 * the outcome tracker over the candles after them.  The reports are then checked
 * against what the journal itself returns.
 */

#define WARMUP 150
#define QUOTED_REASON "breaker \"daily-loss\", 3 losses\nin a row; size, halved"

static char *tmp_dir;
static char *journal_path;
static char *candles_dir;

static const char *const fixtures[] = {
  "BTCUSDT_15m_2023-03-09_7days.csv",
  "ETHUSDT_15m_2023-03-09_7days.csv",
};

static PerpCandles *
load_fixture (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (candles_dir, name, NULL);
  PerpCsvReport report = { 0 };
  PerpCandles *candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, &report, &error);

  g_assert_no_error (error);
  perp_csv_report_clear (&report);
  perp_candles_set_interval (candles, PERP_INTERVAL_15M);
  return candles;
}

static void
journal_symbol (PerpJournal *journal,
                const char  *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = load_fixture (name);
  g_autofree char *symbol = perp_guess_symbol_from_path (name);
  g_autoptr(PerpAnalysis) analysis = NULL;
  PerpScoreParams score_params;
  PerpPlanParams plan_params;
  PerpSizingParams sizing;
  PerpOutcomeParams outcome_params;
  PerpBreakerVerdict pass = { PERP_BREAKER_PASS, 0.0, 1.0, 0 };
  guint n = perp_candles_get_length (candles);

  perp_score_params_init (&score_params);
  perp_plan_params_init (&plan_params);
  perp_sizing_params_init (&sizing);
  perp_outcome_params_init (&outcome_params);
  analysis = perp_analysis_new (symbol, PERP_INTERVAL_15M, perp_candles_get_fields (candles),
                                PERP_ANALYSIS_HTF_RESAMPLE, NULL, &score_params, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;
      PerpScore score;
      PerpScoreInputs inputs;
      PerpPlan plan;
      PerpSignalStatus status;
      gint64 id;

      perp_candles_get_candle (candles, i, &candle);
      g_assert_true (perp_analysis_push_candle (analysis, &candle, &error));
      if (i < WARMUP)
        continue;
      g_assert_true (perp_analysis_score (analysis, &score, &error));
      g_assert_no_error (error);
      perp_analysis_get_inputs (analysis, &inputs);
      perp_plan_build (&plan_params, &sizing, NULL, &score, &inputs, 1.0, 0.0, &plan);
      status = perp_signal_decide (&score_params, &score, &pass, &plan, NULL);
      id = perp_journal_add_signal (journal, symbol, PERP_INTERVAL_15M, &score,
                                    plan.status == PERP_PLAN_OK || plan.direction != PERP_DIRECTION_NONE ? &plan : NULL,
                                    &pass, status, status == PERP_SIGNAL_TAKEN ? NULL : perp_signal_status_name (status),
                                    &error);
      g_assert_no_error (error);

      if (status == PERP_SIGNAL_TAKEN)
        {
          g_autoptr(PerpOutcomeTracker) tracker = perp_outcome_tracker_new (&plan, perp_interval_to_ms (PERP_INTERVAL_15M),
                                                                            &outcome_params, &error);

          g_assert_no_error (error);
          for (guint k = i + 1; k < n && !perp_outcome_is_closed (perp_outcome_tracker_get (tracker)); k++)
            {
              PerpCandle next;

              perp_candles_get_candle (candles, k, &next);
              g_assert_true (perp_outcome_tracker_add (tracker, &next, &error));
            }
          g_assert_true (perp_journal_update_outcome (journal, id, perp_outcome_tracker_get (tracker), &error));
          g_assert_no_error (error);
        }

      /* One blocked signal whose reason needs every kind of CSV quoting. */
      if (i == WARMUP + 7)
        {
          perp_journal_add_signal (journal, symbol, PERP_INTERVAL_15M, &score, NULL, &pass,
                                   PERP_SIGNAL_BLOCKED, QUOTED_REASON, &error);
          g_assert_no_error (error);
        }
    }
}

static PerpJournal *
open_journal (void)
{
  g_autoptr(GError) error = NULL;
  PerpJournal *journal = perp_journal_open (journal_path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);

  g_assert_no_error (error);
  return journal;
}

static PerpReport *
new_report (PerpJournal            *journal,
            const PerpJournalQuery *query,
            gboolean                with_candles)
{
  g_autoptr(GError) error = NULL;
  PerpReport *report = perp_report_new (journal, query, &error);

  g_assert_no_error (error);
  if (with_candles)
    {
      g_assert_true (perp_report_set_candles (report, candles_dir, &error));
      g_assert_no_error (error);
    }
  return report;
}

static char *
write_report (PerpReport       *report,
              PerpReportFormat  format,
              const char       *name,
              guint            *n_pages)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  char *contents = NULL;

  g_assert_true (perp_report_write (report, format, path, n_pages, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

/* ------------------------------------------------------------------ CSV */

/* RFC 4180: rows of fields; quoted fields may hold commas, quotes (doubled) and line
 * breaks; records end with CRLF. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"' && field->len == 0)
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          g_assert_cmpint (*p, ==, '"');
          p++;
          g_assert_true (*p == ',' || *p == '\r');
          continue;
        }
      if (*p == ',')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          p++;
          continue;
        }
      if (*p == '\r')
        {
          g_assert_cmpint (p[1], ==, '\n');
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p += 2;
          continue;
        }
      /* A bare line feed or quote outside a quoted field is not RFC 4180. */
      g_assert_cmpint (*p, !=, '\n');
      g_assert_cmpint (*p, !=, '"');
      g_string_append_c (field, *p++);
    }
  g_assert_cmpuint (row->len, ==, 0);
  g_assert_cmpuint (field->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (field, TRUE);
  return rows;
}

static int
column (GPtrArray  *header,
        const char *name)
{
  for (guint c = 0; c < header->len; c++)
    if (g_strcmp0 (g_ptr_array_index (header, c), name) == 0)
      return (int) c;
  g_error ("no column %s", name);
  return -1;
}

static const char *
cell (GPtrArray  *header,
      GPtrArray  *row,
      const char *name)
{
  return g_ptr_array_index (row, column (header, name));
}

/* A number cell: exactly @expected, or empty when there is none. */
static void
assert_number (GPtrArray  *header,
               GPtrArray  *row,
               const char *name,
               gboolean    present,
               double      expected)
{
  const char *text = cell (header, row, name);
  char *end = NULL;
  double value;

  if (!present || !isfinite (expected))
    {
      g_assert_cmpstr (text, ==, "");
      return;
    }
  value = g_ascii_strtod (text, &end);
  g_assert_true (end != text && *end == '\0');
  g_assert_cmpfloat (value, ==, expected);
}

static void
assert_time (GPtrArray  *header,
             GPtrArray  *row,
             const char *name,
             gint64      expected)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (cell (header, row, name), NULL);

  g_assert_nonnull (dt);
  g_assert_true (g_str_has_suffix (cell (header, row, name), "Z"));
  g_assert_cmpint (g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000, ==, expected);
}

static void
check_csv_against_journal (const char             *text,
                           const PerpJournalQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(GPtrArray) rows = parse_csv (text);
  g_autoptr(GPtrArray) signals = perp_journal_list_signals (journal, query, &error);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  GPtrArray *header;
  gint64 previous = G_MININT64;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >=, 1);
  header = g_ptr_array_index (rows, 0);
  g_assert_cmpuint (rows->len - 1, ==, signals->len);
  for (guint i = 0; i < signals->len; i++)
    {
      PerpJournalSignal *s = g_ptr_array_index (signals, i);

      g_hash_table_insert (by_id, &s->id, s);
    }

  for (guint r = 1; r < rows->len; r++)
    {
      GPtrArray *row = g_ptr_array_index (rows, r);
      gint64 id = g_ascii_strtoll (cell (header, row, "id"), NULL, 10);
      const PerpJournalSignal *s = g_hash_table_lookup (by_id, &id);
      const PerpPlan *p;

      g_assert_cmpuint (row->len, ==, header->len);
      g_assert_nonnull (s);
      g_hash_table_remove (by_id, &id);
      p = &s->plan;

      /* In time order. */
      g_assert_cmpint (s->time, >=, previous);
      previous = s->time;

      assert_time (header, row, "time", s->time);
      g_assert_cmpstr (cell (header, row, "symbol"), ==, s->symbol);
      g_assert_cmpstr (cell (header, row, "interval"), ==, perp_interval_to_string (s->interval));
      g_assert_cmpstr (cell (header, row, "direction"), ==, perp_direction_name (s->direction));
      assert_number (header, row, "long_pct", TRUE, s->long_pct);
      g_assert_cmpstr (cell (header, row, "tier"), ==, perp_tier_name (s->tier));
      g_assert_cmpstr (cell (header, row, "status"), ==, perp_signal_status_name (s->status));
      g_assert_cmpstr (cell (header, row, "reason"), ==, s->reason != NULL ? s->reason : "");
      assert_number (header, row, "entry", s->has_plan, p->entry);
      assert_number (header, row, "stop", s->has_plan, p->stop);
      for (guint t = 0; t < 4; t++)
        {
          g_autofree char *name = g_strdup_printf ("tp%u", t + 1);

          assert_number (header, row, name, s->has_plan && t < p->n_targets, p->targets[t].price);
        }
      assert_number (header, row, "size", s->has_plan, p->sizing.quantity);
      assert_number (header, row, "risk", s->has_plan, p->sizing.risk);
      g_assert_cmpstr (cell (header, row, "outcome"), ==,
                       s->has_outcome ? perp_outcome_state_name (s->outcome_state) : "");
      if (s->has_outcome && s->exit_time >= 0)
        assert_time (header, row, "exit_time", s->exit_time);
      else
        g_assert_cmpstr (cell (header, row, "exit_time"), ==, "");
      assert_number (header, row, "realised_r", s->has_outcome, s->result_r);
      assert_number (header, row, "gross_r", s->has_outcome, s->gross_r);
      assert_number (header, row, "mfe_r", s->has_outcome, s->mfe_r);
      assert_number (header, row, "mae_r", s->has_outcome, s->mae_r);
      assert_number (header, row, "fees_r", s->has_outcome, s->fees_r);
    }
  g_assert_cmpuint (g_hash_table_size (by_id), ==, 0);
}

static void
test_csv_round_trip (void)
{
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, FALSE);
  g_autofree char *text = write_report (report, PERP_REPORT_FORMAT_CSV, "all.csv", NULL);
  g_autoptr(GPtrArray) rows = parse_csv (text);
  guint n_taken = 0, n_outcomes = 0, n_quoted = 0;
  PerpJournalQuery all;

  perp_journal_query_init (&all);
  check_csv_against_journal (text, &all);

  /* The data is worth checking: taken signals with outcomes, every status, the quoted
   * reason intact. */
  for (guint r = 1; r < rows->len; r++)
    {
      GPtrArray *header = g_ptr_array_index (rows, 0);
      GPtrArray *row = g_ptr_array_index (rows, r);

      n_taken += g_strcmp0 (cell (header, row, "status"), perp_signal_status_name (PERP_SIGNAL_TAKEN)) == 0;
      n_outcomes += cell (header, row, "outcome")[0] != '\0';
      n_quoted += g_strcmp0 (cell (header, row, "reason"), QUOTED_REASON) == 0;
    }
  g_test_message ("%u signals, %u taken, %u outcomes", rows->len - 1, n_taken, n_outcomes);
  g_assert_cmpuint (n_taken, >=, 10);
  g_assert_cmpuint (n_outcomes, ==, n_taken);
  g_assert_cmpuint (n_quoted, ==, 2);
  g_assert_nonnull (strstr (text, "\"breaker \"\"daily-loss\"\", 3 losses\nin a row; size, halved\""));
}

static void
test_csv_filter (void)
{
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = NULL;
  g_autofree char *text = NULL;
  PerpJournalQuery query;

  perp_journal_query_init (&query);
  query.from = 1678579200000;   /* 2023-03-12 00:00 UTC */
  query.to = 1678752000000;     /* 2023-03-14 00:00 UTC */
  query.symbol = "ETHUSDT";
  report = new_report (journal, &query, FALSE);
  text = write_report (report, PERP_REPORT_FORMAT_CSV, "filtered.csv", NULL);
  check_csv_against_journal (text, &query);

  {
    g_autoptr(GPtrArray) rows = parse_csv (text);
    GPtrArray *header = g_ptr_array_index (rows, 0);

    g_assert_cmpuint (rows->len, >, 1);
    for (guint r = 1; r < rows->len; r++)
      {
        GPtrArray *row = g_ptr_array_index (rows, r);
        g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (cell (header, row, "time"), NULL);
        gint64 t = g_date_time_to_unix (dt) * 1000;

        g_assert_cmpstr (cell (header, row, "symbol"), ==, "ETHUSDT");
        g_assert_cmpint (t, >=, query.from);
        g_assert_cmpint (t, <, query.to);
      }
  }
}

/* ------------------------------------------------------------------ HTML */

/* The test's own formatting of the statistics, written from the report's stated
 * conventions: "41.7 %", "+1.25 R", "1.85" ("∞", "–"). */
static char *
fmt_percent (double fraction)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return isfinite (fraction) ? g_strconcat (g_ascii_formatd (buf, sizeof buf, "%.1f", 100 * fraction), " %", NULL)
                             : g_strdup ("–");
}

static char *
fmt_r (double r)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return isfinite (r) ? g_strconcat (g_ascii_formatd (buf, sizeof buf, "%+.2f", r), " R", NULL) : g_strdup ("–");
}

static char *
fmt_ratio (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isinf (v) && v > 0)
    return g_strdup ("∞");
  return isfinite (v) ? g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", v)) : g_strdup ("–");
}

static char *
expected_row (const char             *key,
              const PerpJournalStats *st)
{
  g_autofree char *win = fmt_percent (st->win_rate);
  g_autofree char *pf = fmt_ratio (st->profit_factor);
  g_autofree char *exp = fmt_r (st->expectancy_r);
  g_autofree char *avg = fmt_r (st->avg_r);
  g_autofree char *total = fmt_r (st->total_r);
  char dd[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("<tr><td>%s</td><td>%u</td><td>%u / %u / %u</td><td>%s</td><td>%s</td><td>%s</td>"
                          "<td>%s</td><td>%s</td><td>%s R</td><td>%u</td></tr>",
                          key, st->n_trades, st->n_wins, st->n_losses, st->n_scratches, win, pf, exp, avg, total,
                          g_ascii_formatd (dd, sizeof dd, "%.2f", st->max_drawdown_r), st->longest_losing_streak);
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
assert_balanced (const char *html,
                 const char *tag)
{
  g_autofree char *open_tag = g_strdup_printf ("<%s", tag);
  g_autofree char *open_sp = g_strdup_printf ("<%s ", tag);
  g_autofree char *open_gt = g_strdup_printf ("<%s>", tag);
  g_autofree char *close_tag = g_strdup_printf ("</%s>", tag);

  g_assert_cmpuint (count (html, open_sp) + count (html, open_gt), ==, count (html, close_tag));
  g_assert_cmpuint (count (html, open_tag), >=, 1);
}

/* Every inline SVG is well-formed XML (GMarkup is a strict XML parser). */
static guint
check_svgs (const char *html)
{
  guint n = 0;

  for (const char *p = strstr (html, "<svg"); p != NULL; p = strstr (p + 1, "<svg"))
    {
      g_autoptr(GError) error = NULL;
      static const GMarkupParser parser = { NULL, NULL, NULL, NULL, NULL };
      GMarkupParseContext *context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
      const char *end = strstr (p, "</svg>");

      g_assert_nonnull (end);
      end += strlen ("</svg>");
      g_markup_parse_context_parse (context, p, end - p, &error);
      if (error == NULL)
        g_markup_parse_context_end_parse (context, &error);
      g_assert_no_error (error);
      g_markup_parse_context_free (context);
      n++;
    }
  return n;
}

static void
check_group (const char       *html,
             PerpJournal      *journal,
             PerpJournalGroup  group)
{
  g_autoptr(GError) error = NULL;
  PerpJournalQuery taken;
  g_autoptr(GPtrArray) rows = NULL;

  perp_journal_query_init (&taken);
  taken.status = PERP_SIGNAL_TAKEN;
  rows = perp_journal_stats (journal, &taken, group, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >=, 1);
  for (guint i = 0; i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);
      g_autofree char *key = group == PERP_JOURNAL_GROUP_NONE ? g_strdup ("All taken trades") : g_strdup (row->key);
      g_autofree char *expected = expected_row (key, &row->stats);

      if (strstr (html, expected) == NULL)
        g_error ("the HTML has no row %s", expected);
    }
}

static void
test_html_statistics (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, TRUE);
  g_autofree char *html = write_report (report, PERP_REPORT_FORMAT_HTML, "report.html", NULL);
  g_autoptr(GPtrArray) signals = NULL;
  PerpJournalQuery all;
  guint n_closed = 0;
  double total = 0;
  guint bucket_n[4] = { 0 }, bucket_wins[4] = { 0 };
  static const char *const tags[] = { "html", "head", "body", "style", "table", "thead", "tbody", "tr", "td",
                                      "th", "svg", "section", "article", "h1", "h2", "h3", "p", "title" };

  /* Well-formed basics, self-contained. */
  g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>\n<html lang=\"en\">"));
  g_assert_true (g_str_has_suffix (html, "</html>\n"));
  g_assert_true (g_utf8_validate (html, -1, NULL));
  g_assert_nonnull (strstr (html, "<meta charset=\"utf-8\">"));
  for (guint t = 0; t < G_N_ELEMENTS (tags); t++)
    assert_balanced (html, tags[t]);
  g_assert_null (strstr (html, "<script"));
  g_assert_null (strstr (html, "<link"));
  g_assert_null (strstr (html, "src=\"http"));
  g_assert_null (strstr (html, "url(http"));
  /* The equity curve and one chart per snapshot. */
  g_assert_cmpuint (check_svgs (html), ==, 1 + perp_report_get_n_snapshots (report));

  /* The statistics as the journal computes them. */
  check_group (html, journal, PERP_JOURNAL_GROUP_NONE);
  check_group (html, journal, PERP_JOURNAL_GROUP_SYMBOL);
  check_group (html, journal, PERP_JOURNAL_GROUP_TIER);
  check_group (html, journal, PERP_JOURNAL_GROUP_SESSION);

  /* The factor table: each factor's agree/disagree/neutral trades. */
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      PerpJournalQuery taken;
      g_autoptr(GPtrArray) rows = NULL;
      guint sum = 0;
      g_autofree char *row_start = g_strdup_printf ("<tr><td>%s</td>", perp_factor_title ((PerpFactor) f));
      const char *row;

      perp_journal_query_init (&taken);
      taken.status = PERP_SIGNAL_TAKEN;
      rows = perp_journal_stats (journal, &taken, PERP_JOURNAL_GROUP_FACTOR, (PerpFactor) f, &error);
      g_assert_no_error (error);
      row = strstr (html, row_start);
      g_assert_nonnull (row);
      for (guint i = 0; i < rows->len; i++)
        {
          const PerpJournalStatsRow *r = g_ptr_array_index (rows, i);
          g_autofree char *win = fmt_percent (r->stats.win_rate);
          g_autofree char *avg = fmt_r (r->stats.avg_r);
          g_autofree char *cells = g_strdup_printf ("<td>%u</td><td>%s</td><td>%s</td>", r->stats.n_trades, win, avg);
          const char *end = strstr (row, "</tr>");
          g_autofree char *line = g_strndup (row, end - row);

          g_assert_nonnull (strstr (line, cells));
          sum += r->stats.n_trades;
        }
      g_assert_cmpuint (sum, >, 0);
    }

  /* Equity curve and calibration, computed here from the signals. */
  perp_journal_query_init (&all);
  signals = perp_journal_list_signals (journal, &all, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (signals, i);
      guint b;

      /* The journal's closed states: not pending, open or never filled. */
      if (s->status != PERP_SIGNAL_TAKEN || !s->has_outcome
          || !(s->outcome_state == PERP_OUTCOME_STOPPED || s->outcome_state == PERP_OUTCOME_BREAK_EVEN
               || s->outcome_state == PERP_OUTCOME_TRAILED || s->outcome_state == PERP_OUTCOME_TARGETS
               || s->outcome_state == PERP_OUTCOME_EXPIRED))
        continue;
      n_closed++;
      total += s->result_r;
      b = s->confidence < 55 ? 0 : s->confidence < 65 ? 1 : s->confidence < 80 ? 2 : 3;
      bucket_n[b]++;
      bucket_wins[b] += s->result_r > 0;
    }
  g_assert_cmpuint (n_closed, >=, 5);
  {
    g_autofree char *final = fmt_r (total);
    g_autofree char *label = g_strdup_printf (">%s</text>", final);
    g_autofree char *caption = g_strdup_printf ("(%u trades, exits", n_closed);

    g_assert_nonnull (strstr (html, label));
    g_assert_nonnull (strstr (html, caption));
  }
  for (guint b = 0; b < 4; b++)
    {
      static const char *const names[4] = { "50–55 %", "55–65 %", "65–80 %", "80–100 %" };
      g_autofree char *win = fmt_percent (bucket_n[b] > 0 ? (double) bucket_wins[b] / bucket_n[b] : NAN);
      g_autofree char *start = g_strdup_printf ("<tr><td>%s</td><td>%u</td><td>", names[b], bucket_n[b]);
      const char *row = strstr (html, start);
      g_autofree char *line = NULL;
      g_autofree char *win_cell = g_strdup_printf ("<td>%s</td>", win);

      g_assert_nonnull (row);
      line = g_strndup (row, strstr (row, "</tr>") - row);
      g_assert_nonnull (strstr (line, win_cell));
    }
}

static void
test_html_snapshots (void)
{
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, TRUE);
  g_autoptr(PerpReport) bare = new_report (journal, NULL, FALSE);
  g_autofree char *html = NULL;
  g_autofree char *bare_html = NULL;
  g_autofree char *cap = NULL;
  const GPtrArray *signals = perp_report_get_signals (report);
  guint n_taken = 0;
  gint64 latest = -1;

  for (guint i = 0; i < signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (signals, i);

      if (s->status == PERP_SIGNAL_TAKEN)
        {
          n_taken++;
          latest = MAX (latest, s->id);
        }
    }
  g_assert_cmpuint (n_taken, >, 5);

  /* Capped to the latest five, and it says so. */
  perp_report_set_max_snapshots (report, 5);
  html = write_report (report, PERP_REPORT_FORMAT_HTML, "capped.html", NULL);
  g_assert_cmpuint (count (html, "<article class=\"signal\""), ==, 5);
  cap = g_strdup_printf ("Charts of the latest 5 of the %u taken signals", n_taken);
  g_assert_nonnull (strstr (html, cap));
  {
    g_autofree char *anchor = g_strdup_printf ("id=\"signal-%" G_GINT64_FORMAT "\"", latest);

    g_assert_nonnull (strstr (html, anchor));
  }
  /* Each chart is an SVG with candles (one rect per candle at least) and the plan. */
  g_assert_cmpuint (count (html, "<svg"), ==, 6);
  g_assert_cmpuint (count (html, "\">Entry "), ==, 5);   /* the SVG label */
  g_assert_cmpuint (count (html, "<p>Entry "), ==, 5);    /* the plan line */
  g_assert_null (strstr (html, "No candles"));

  /* Without candles every snapshot says so instead of a chart. */
  bare_html = write_report (bare, PERP_REPORT_FORMAT_HTML, "bare.html", NULL);
  g_assert_cmpuint (count (bare_html, "<article class=\"signal\""), ==, MIN (n_taken, PERP_REPORT_DEFAULT_SNAPSHOTS));
  g_assert_cmpuint (count (bare_html, "No candles were given (--candles): no chart."), ==,
                    MIN (n_taken, PERP_REPORT_DEFAULT_SNAPSHOTS));
}

/* Candles from several files (a backtest of BTC and ETH recordings given one by one):
 * each added file serves its symbol's charts; a failed add keeps the others; set
 * replaces them all. */
static void
test_html_candles_added (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, FALSE);
  g_autofree char *btc = g_build_filename (candles_dir, fixtures[0], NULL);
  g_autofree char *eth = g_build_filename (candles_dir, fixtures[1], NULL);
  g_autofree char *odd = g_build_filename (tmp_dir, "candles.csv", NULL);
  g_autofree char *html = NULL;

  perp_report_set_max_snapshots (report, 1000);

  g_assert_true (perp_report_set_candles (report, btc, &error));
  g_assert_no_error (error);
  html = write_report (report, PERP_REPORT_FORMAT_HTML, "btc-only.html", NULL);
  g_assert_null (strstr (html, "No candles for BTCUSDT"));
  g_assert_nonnull (strstr (html, "No candles for ETHUSDT"));
  g_clear_pointer (&html, g_free);

  g_assert_true (perp_report_add_candles (report, eth, &error));
  g_assert_no_error (error);
  g_assert_false (perp_report_add_candles (report, "/nonexistent/candles", &error));
  g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (odd, "not named like candles\n", -1, NULL));
  g_assert_false (perp_report_add_candles (report, odd, &error));
  g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES);
  g_clear_error (&error);
  html = write_report (report, PERP_REPORT_FORMAT_HTML, "both.html", NULL);
  g_assert_null (strstr (html, "No candles"));
  g_assert_cmpuint (count (html, "<svg"), >, 2);
  g_clear_pointer (&html, g_free);

  g_assert_true (perp_report_set_candles (report, eth, &error));
  g_assert_no_error (error);
  html = write_report (report, PERP_REPORT_FORMAT_HTML, "eth-only.html", NULL);
  g_assert_nonnull (strstr (html, "No candles for BTCUSDT"));
  g_assert_null (strstr (html, "No candles for ETHUSDT"));
}

/* ------------------------------------------------------------------ snapshots */

/* Every structure zone drawn must be one that a run of the engine stopped at the
 * signal candle holds as active, with the same bounds: nothing formed later, nothing
 * already mitigated. */
static void
test_snapshot_causal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, TRUE);
  guint n_objects_checked = 0;

  g_assert_true (perp_report_build_snapshots (report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->snapshots->len, >, 5);

  for (guint i = 0; i < report->snapshots->len; i++)
    {
      const PerpReportSnapshot *snap = g_ptr_array_index (report->snapshots, i);
      const PerpJournalSignal *s = snap->signal;
      g_autofree char *name = g_strdup_printf ("%s_15m_2023-03-09_7days.csv", s->symbol);
      g_autoptr(PerpCandles) candles = load_fixture (name);
      g_autoptr(PerpStructure) engine = NULL;
      PerpStructureConfig config;
      const PerpCandle *window;
      const gint64 *open_time = perp_candles_get_open_time (candles);
      gint64 interval_ms = perp_interval_to_ms (s->interval);
      guint first = 0, signal_index, n_truncated;
      const PerpStructureObject *truncated;

      g_assert_null (snap->missing);
      g_assert_nonnull (snap->candles);
      window = (const PerpCandle *) (gpointer) snap->candles->data;

      /* The signal candle is the one that closed at the signal time. */
      g_assert_cmpint (window[snap->signal_index].open_time + interval_ms, ==, s->time);

      /* The window is the file's candles, unaltered. */
      while (open_time[first] != window[0].open_time)
        first++;
      for (guint k = 0; k < snap->candles->len; k++)
        {
          PerpCandle c;

          perp_candles_get_candle (candles, first + k, &c);
          g_assert_cmpmem (&c, sizeof c, &window[k], sizeof c);
        }

      signal_index = first + snap->signal_index;
      perp_structure_config_init (&config);
      engine = perp_structure_new (&config, PERP_INTERVAL_15M, &error);
      g_assert_no_error (error);
      g_assert_true (perp_structure_push_candles (engine, candles, 0, signal_index + 1, &error));
      truncated = perp_structure_get_objects (engine, &n_truncated);

      for (guint k = 0; k < snap->objects->len; k++)
        {
          const PerpStructureObject *o = &g_array_index (snap->objects, PerpStructureObject, k);
          const PerpStructureObject *t;

          g_assert_cmpint (o->formed_at, <=, window[snap->signal_index].open_time);
          g_assert_cmpuint (o->id, <, n_truncated);
          t = &truncated[o->id];
          g_assert_cmpint (t->kind, ==, o->kind);
          g_assert_cmpint (t->formed_at, ==, o->formed_at);
          g_assert_cmpfloat (t->top, ==, o->top);
          g_assert_cmpfloat (t->bottom, ==, o->bottom);
          g_assert_true (perp_structure_object_active_at (t, window[snap->signal_index].open_time));
          g_assert_true (o->kind == PERP_STRUCTURE_FVG || o->kind == PERP_STRUCTURE_ORDER_BLOCK
                         || o->kind == PERP_STRUCTURE_BREAKER);
          n_objects_checked++;
        }

      /* Exits, when the trade closed, are those the journal stored. */
      if (s->has_outcome && s->exit_time >= 0)
        {
          g_assert_cmpuint (snap->outcome.n_exits, >, 0);
          g_assert_cmpint (snap->outcome.exits[snap->outcome.n_exits - 1].time, ==, s->exit_time);
        }
    }
  g_test_message ("%u zones checked", n_objects_checked);
  g_assert_cmpuint (n_objects_checked, >, 0);
}

/* ------------------------------------------------------------------ PDF */

static gboolean
have_poppler (void)
{
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");

  if (pdftoppm != NULL && pdfinfo != NULL && pdftotext != NULL)
    return TRUE;
  if (g_getenv ("CI") != NULL)
    g_error ("poppler-utils (pdftoppm, pdfinfo, pdftotext) are missing on CI");
  g_test_skip ("poppler-utils (pdftoppm, pdfinfo, pdftotext) are not installed");
  return FALSE;
}

static char *
run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

/* Renders @page at 50 dpi and checks its size and that it is not blank. */
static void
check_page_png (const char *pdf,
                guint       page,
                double     *ink)
{
  g_autofree char *prefix = g_build_filename (tmp_dir, "page", NULL);
  g_autofree char *page_text = g_strdup_printf ("%u", page);
  g_autofree char *png = g_strdup_printf ("%s.png", prefix);
  const char *argv[] = { "pdftoppm", "-r", "50", "-png", "-singlefile", "-f", page_text, "-l", page_text,
                         pdf, prefix, NULL };
  cairo_surface_t *image;
  int width, height, stride;
  const guint8 *data;
  guint64 dark = 0;

  /* pdftoppm writes the PNG; what it prints says nothing. */
  g_free (run (argv));
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  width = cairo_image_surface_get_width (image);
  height = cairo_image_surface_get_height (image);
  /* A4 is 210 x 297 mm: 413.4 x 584.6 pixels at 50 dpi. */
  g_assert_cmpint (abs (width - 413), <=, 1);
  g_assert_cmpint (abs (height - 585), <=, 1);
  cairo_surface_flush (image);
  data = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 px = *(const guint32 *) (gconstpointer) (data + y * stride + 4 * x);
        guint lum = ((px >> 16) & 0xff) + ((px >> 8) & 0xff) + (px & 0xff);

        dark += lum < 3 * 200;
      }
  *ink = (double) dark / (width * height);
  cairo_surface_destroy (image);
  g_unlink (png);
}

static void
test_pdf (void)
{
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, TRUE);
  g_autofree char *pdf = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, "report.pdf", NULL);
  g_autofree char *info = NULL;
  guint n_pages = 0;
  double ink;

  pdf = write_report (report, PERP_REPORT_FORMAT_PDF, "report.pdf", &n_pages);
  g_assert_true (g_str_has_prefix (pdf, "%PDF-"));
  g_assert_cmpuint (n_pages, >=, 3);
  /* Three charts a page at most, after the statistics. */
  g_assert_cmpuint (n_pages, >=, 2 + (perp_report_get_n_snapshots (report) + 2) / 3);

  if (!have_poppler ())
    return;

  {
    const char *argv[] = { "pdfinfo", path, NULL };

    info = run (argv);
  }
  g_assert_nonnull (strstr (info, "Page size:       595.276 x 841.89 pts (A4)"));
  {
    const char *p = strstr (info, "Pages:");

    g_assert_nonnull (p);
    g_assert_cmpuint ((guint) g_ascii_strtoull (p + 6, NULL, 10), ==, n_pages);
  }

  /* Every page says "Page i of n", n being the real count. */
  for (guint page = 1; page <= n_pages; page += MAX (n_pages - 1, 1))
    {
      g_autofree char *page_text = g_strdup_printf ("%u", page);
      const char *argv[] = { "pdftotext", "-f", page_text, "-l", page_text, path, "-", NULL };
      g_autofree char *text = run (argv);
      g_autofree char *footer = g_strdup_printf ("Page %u of %u", page, n_pages);

      g_assert_nonnull (strstr (text, footer));
      if (page == 1)
        {
          g_assert_nonnull (strstr (text, "Signal journal report"));
          g_assert_nonnull (strstr (text, "Equity curve"));
        }
    }

  check_page_png (path, 1, &ink);
  g_test_message ("page 1: %.1f %% ink", 100 * ink);
  g_assert_cmpfloat (ink, >, 0.01);
  g_assert_cmpfloat (ink, <, 0.6);

  /* The first page of charts (the statistics take at most three). */
  for (guint page = 2; page <= MIN (4, n_pages); page++)
    {
      g_autofree char *page_text = g_strdup_printf ("%u", page);
      const char *argv[] = { "pdftotext", "-f", page_text, "-l", page_text, path, "-", NULL };
      g_autofree char *text = run (argv);

      if (strstr (text, "Charts of the") == NULL)
        continue;
      g_assert_nonnull (strstr (text, "Entry "));
      check_page_png (path, page, &ink);
      g_test_message ("page %u (charts): %.1f %% ink", page, 100 * ink);
      g_assert_cmpfloat (ink, >, 0.03);
      return;
    }
  g_assert_not_reached ();
}

static void
test_write_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = open_journal ();
  g_autoptr(PerpReport) report = new_report (journal, NULL, FALSE);
  g_autofree char *missing_dir = g_build_filename (tmp_dir, "no-such-folder", "report.csv", NULL);
  g_autofree char *kept = g_build_filename (tmp_dir, "kept.csv", NULL);
  g_autofree char *contents = NULL;

  g_assert_false (perp_report_write (report, PERP_REPORT_FORMAT_CSV, missing_dir, NULL, &error));
  g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, missing_dir));
  g_clear_error (&error);

  /* Candles that are not there, or not named SYMBOL_INTERVAL_*.csv. */
  g_assert_false (perp_report_set_candles (report, "/nonexistent/candles", &error));
  g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES);
  g_assert_nonnull (strstr (error->message, "/nonexistent/candles"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (kept, "old", -1, NULL));
  g_assert_false (perp_report_set_candles (report, kept, &error));
  g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_CANDLES);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");

  /* Never over the journal it reads (a file chooser can name it), under any name. */
  {
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *dir = g_path_get_dirname (journal_path);
    g_autofree char *base = g_path_get_basename (journal_path);
    g_autofree char *dotted = g_build_filename (dir, ".", base, NULL);
    gsize n_before, n_after;

    g_assert_true (g_file_get_contents (journal_path, &before, &n_before, NULL));
    g_assert_false (perp_report_write (report, PERP_REPORT_FORMAT_CSV, dotted, NULL, &error));
    g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE);
    g_assert_nonnull (strstr (error->message, "the journal itself"));
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (journal_path, &after, &n_after, NULL));
    g_assert_cmpmem (before, n_before, after, n_after);
  }
}

/* A journal row without prices (written by hand or by another tool: the app always
 * stores them) leaves those lines out of the charts instead of writing "nan" into
 * the SVG; the rest of each chart is drawn. */
static void
test_html_missing_prices (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_build_filename (tmp_dir, "no-prices.sqlite", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *html = NULL;
  gsize length;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (journal_path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
  g_assert_cmpint (sqlite3_open (copy, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE signals SET entry = NULL, stop = NULL WHERE status = 'signal';"
                                     "UPDATE exits SET fill = NULL", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), >, 0);
  sqlite3_close (db);

  {
    g_autoptr(PerpJournal) journal = perp_journal_open (copy, PERP_JOURNAL_FLAGS_READ_ONLY, &error);
    g_autoptr(PerpReport) report = NULL;

    g_assert_no_error (error);
    report = new_report (journal, NULL, TRUE);
    html = write_report (report, PERP_REPORT_FORMAT_HTML, "no-prices.html", NULL);
  }
  g_assert_null (strstr (html, "=\"nan\""));
  g_assert_null (strstr (html, "=\"-nan\""));
  g_assert_null (strstr (html, "=\"inf\""));
  g_assert_cmpuint (count (html, "<svg"), >, 2);
  g_unlink (copy);
}

/* A write that fails part-way (here: the file size limit, as a full disk would) leaves
 * no half report: a new file is removed, an existing one keeps its old contents. */
static void
test_write_cut_short (void)
{
  /* The child runs main () again, with a folder of its own: it writes into ours. */
  const char *dir = g_test_subprocess () ? g_getenv ("PERP_TEST_CUT_SHORT_DIR") : tmp_dir;
  g_autofree char *fresh = NULL;
  g_autofree char *kept = NULL;

  g_assert_nonnull (dir);
  fresh = g_build_filename (dir, "cut-short.html", NULL);
  kept = g_build_filename (dir, "cut-short-kept.html", NULL);
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpJournal) journal = open_journal ();
      g_autoptr(PerpReport) report = new_report (journal, NULL, TRUE);
      struct rlimit limit = { 64 * 1024, 64 * 1024 };

      signal (SIGXFSZ, SIG_IGN);   /* a write past the limit fails with EFBIG instead */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_assert_false (perp_report_write (report, PERP_REPORT_FORMAT_HTML, fresh, NULL, &error));
      g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE);
      g_assert_nonnull (strstr (error->message, fresh));
      g_clear_error (&error);
      g_assert_false (perp_report_write (report, PERP_REPORT_FORMAT_HTML, kept, NULL, &error));
      g_assert_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE);
      return;
    }

  g_unlink (fresh);
  g_assert_true (g_file_set_contents (kept, "the report before", -1, NULL));
  g_setenv ("PERP_TEST_CUT_SHORT_DIR", tmp_dir, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "the report before");
  }
}

/* ------------------------------------------------------------------ CLI */

static int
run_cli (const char *const *args,
         char             **out,
         char             **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("PERP_CLI");
  int status;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  g_ptr_array_add (argv, (gpointer) "export");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
expect_cli (const char *const *args,
            int                code,
            const char        *in_stderr)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = run_cli (args, &out, &err);

  g_test_message ("exit %d: %s", status, err);
  g_assert_cmpint (status, ==, code);
  if (in_stderr != NULL)
    g_assert_nonnull (strstr (err, in_stderr));
}

static void
test_cli (void)
{
  g_autofree char *out_csv = g_build_filename (tmp_dir, "cli.csv", NULL);
  g_autofree char *out_pdf = g_build_filename (tmp_dir, "cli.pdf", NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.sqlite", NULL);
  g_autofree char *garbage = g_build_filename (tmp_dir, "garbage.sqlite", NULL);
  g_autofree char *unwritable = g_build_filename (tmp_dir, "no-such-folder", "x.pdf", NULL);
  g_autofree char *out = NULL, *err = NULL;

  if (g_getenv ("PERP_CLI") == NULL)
    {
      g_test_skip ("PERP_CLI is not set (run through meson test)");
      return;
    }

  {
    const char *args[] = { "--journal", journal_path, "--format", "csv", "--out", out_csv,
                           "--from", "2023-03-12", "--to", "2023-03-14T00:00:00Z", "--symbol", "BTCUSDT", NULL };
    PerpJournalQuery query;
    g_autofree char *text = NULL;

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    g_assert_true (g_file_get_contents (out_csv, &text, NULL, NULL));
    perp_journal_query_init (&query);
    query.from = 1678579200000;
    query.to = 1678752000000;
    query.symbol = "BTCUSDT";
    check_csv_against_journal (text, &query);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "pdf", "--out", out_pdf,
                           "--candles", candles_dir, "--max-charts", "3", NULL };
    g_autofree char *pdf_info = NULL;
    g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");
    const char *pages;

    g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, ", 3 charts, "));
    pages = strstr (out, " charts, ");
    g_assert_nonnull (pages);
    if (pdfinfo != NULL)
      {
        const char *argv[] = { "pdfinfo", out_pdf, NULL };
        const char *p;

        pdf_info = run (argv);
        p = strstr (pdf_info, "Pages:");
        g_assert_cmpuint (g_ascii_strtoull (p + 6, NULL, 10), ==, g_ascii_strtoull (pages + 9, NULL, 10));
      }
  }

  g_assert_true (g_file_set_contents (garbage, "this is not a database, not even close to one", -1, NULL));
  {
    const char *args[] = { "--journal", missing, "--format", "csv", "--out", out_csv, NULL };

    expect_cli (args, 1, missing);
  }
  {
    const char *args[] = { "--journal", garbage, "--format", "csv", "--out", out_csv, NULL };

    expect_cli (args, 1, garbage);
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "pdf", "--out", unwritable, NULL };

    expect_cli (args, 1, unwritable);
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "csv", "--out", out_csv, "--candles",
                           "/nonexistent/klines", NULL };

    expect_cli (args, 1, "/nonexistent/klines");
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "docx", "--out", out_csv, NULL };

    expect_cli (args, 2, "docx");
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "csv", "--out", out_csv, "--from", "yesterday", NULL };

    expect_cli (args, 2, "yesterday");
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "csv", "--out", out_csv, "--from", "2023-03-14",
                           "--to", "2023-03-12", NULL };

    expect_cli (args, 2, "--to");
  }
  {
    const char *args[] = { "--journal", journal_path, "--format", "csv", NULL };

    expect_cli (args, 2, "--out");
  }
}

/* A journal from a newer Perpscope is refused by the journal, with its message. */
static void
test_cli_newer_journal (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *newer = g_build_filename (tmp_dir, "newer.sqlite", NULL);
  g_autofree char *out_csv = g_build_filename (tmp_dir, "newer.csv", NULL);

  if (g_getenv ("PERP_CLI") == NULL)
    {
      g_test_skip ("PERP_CLI is not set (run through meson test)");
      return;
    }

  /* A real journal whose stored schema version is then raised past this build's. */
  {
    g_autoptr(PerpJournal) journal = perp_journal_open (newer, PERP_JOURNAL_FLAGS_NONE, &error);

    g_assert_no_error (error);
    g_assert_nonnull (journal);
  }
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
    sqlite3_close (db);
  }
  {
    const char *args[] = { "--journal", newer, "--format", "csv", "--out", out_csv, NULL };

    expect_cli (args, 1, "99");
  }
}

/* ------------------------------------------------------------------ main */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_rmdir (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("perp-report-XXXXXX", &error);
  g_assert_no_error (error);
  journal_path = g_build_filename (tmp_dir, "journal.sqlite", NULL);
  candles_dir = perp_test_fixture_path ("report");
  {
    g_autoptr(PerpJournal) journal = perp_journal_open (journal_path, PERP_JOURNAL_FLAGS_NONE, &error);

    g_assert_no_error (error);
    for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
      journal_symbol (journal, fixtures[f]);
  }

  g_test_add_func ("/report/csv/round-trip", test_csv_round_trip);
  g_test_add_func ("/report/csv/filter", test_csv_filter);
  g_test_add_func ("/report/html/statistics", test_html_statistics);
  g_test_add_func ("/report/html/snapshots", test_html_snapshots);
  g_test_add_func ("/report/html/candles-added", test_html_candles_added);
  g_test_add_func ("/report/write/cut-short", test_write_cut_short);
  g_test_add_func ("/report/html/missing-prices", test_html_missing_prices);
  g_test_add_func ("/report/snapshot/causal", test_snapshot_causal);
  g_test_add_func ("/report/pdf", test_pdf);
  g_test_add_func ("/report/write-errors", test_write_errors);
  g_test_add_func ("/report/cli", test_cli);
  g_test_add_func ("/report/cli/newer-journal", test_cli_newer_journal);

  result = g_test_run ();

  remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (journal_path);
  g_free (candles_dir);
  return result;
}
