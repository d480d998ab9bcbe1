/* perp-report-html.c: the report as one self-contained HTML file
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "perp-report-private.h"

/* Black on white, thin rules, tables that do not split a row across pages: the file
 * prints as well as it reads on screen. */
static const char css[] =
  "@page { size: A4; margin: 16mm 14mm; }\n"
  "body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 10pt;"
  " color: #000; background: #fff; max-width: 190mm; margin: 0 auto; padding: 8mm 4mm; line-height: 1.35; }\n"
  "h1 { font-size: 18pt; margin: 0 0 2mm; }\n"
  "h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1.5px solid #000; padding-bottom: 1mm; }\n"
  "h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; }\n"
  "p { margin: 1mm 0; }\n"
  ".meta { color: #333; font-size: 9pt; }\n"
  "table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 8.5pt; }\n"
  "th, td { border-bottom: 0.5px solid #999; padding: 1.2mm 1.5mm; text-align: right; white-space: nowrap; }\n"
  "th { border-bottom: 1px solid #000; font-weight: bold; vertical-align: bottom; }\n"
  "th:first-child, td:first-child { text-align: left; }\n"
  "tr { page-break-inside: avoid; }\n"
  "thead { display: table-header-group; }\n"
  "svg { display: block; margin: 1mm 0; }\n"
  ".signal { page-break-inside: avoid; break-inside: avoid; margin: 0 0 5mm; padding-top: 1mm;"
  " border-top: 0.5px solid #999; }\n"
  ".signal p { font-size: 8.5pt; }\n"
  ".note { color: #444; font-size: 8pt; }\n"
  "@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; } }\n";

static void
escape (GString    *out,
        const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

static void
stats_table (GString     *out,
             const char  *first_header,
             GPtrArray   *rows)
{
  g_string_append (out, "<table>\n<thead><tr>");
  for (guint c = 0; c < PERP_REPORT_N_STATS_COLUMNS; c++)
    {
      g_string_append (out, "<th>");
      escape (out, c == 0 ? first_header : perp_report_stats_headers[c]);
      g_string_append (out, "</th>");
    }
  g_string_append (out, "</tr></thead>\n<tbody>\n");
  for (guint i = 0; i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);
      char *cells[PERP_REPORT_N_STATS_COLUMNS];

      perp_report_stats_cells (row->key, &row->stats, cells);
      g_string_append (out, "<tr>");
      for (guint c = 0; c < PERP_REPORT_N_STATS_COLUMNS; c++)
        {
          g_string_append (out, "<td>");
          escape (out, cells[c]);
          g_string_append (out, "</td>");
          g_free (cells[c]);
        }
      g_string_append (out, "</tr>\n");
    }
  if (rows->len == 0)
    g_string_append_printf (out, "<tr><td colspan=\"%d\">No closed trades.</td></tr>\n",
                            PERP_REPORT_N_STATS_COLUMNS);
  g_string_append (out, "</tbody>\n</table>\n");
}

static const PerpJournalStats *
factor_group (GPtrArray  *rows,
              const char *key)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->key, key) == 0)
        return &row->stats;
    }
  return NULL;
}

static const char *const factor_groups[3] = { "agree", "disagree", "neutral" };

static void
factor_table (GString    *out,
              PerpReport *self)
{
  g_string_append (out, "<table>\n<thead><tr><th rowspan=\"2\">Factor</th>"
                        "<th colspan=\"3\">Agreed with the signal</th>"
                        "<th colspan=\"3\">Disagreed</th><th colspan=\"3\">Neutral</th></tr>\n<tr>");
  for (guint g = 0; g < 3; g++)
    g_string_append (out, "<th>Trades</th><th>Win rate</th><th>Average R</th>");
  g_string_append (out, "</tr></thead>\n<tbody>\n");
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      g_string_append (out, "<tr><td>");
      escape (out, perp_factor_title ((PerpFactor) f));
      g_string_append (out, "</td>");
      for (guint g = 0; g < 3; g++)
        {
          const PerpJournalStats *st = factor_group (self->by_factor[f], factor_groups[g]);
          g_autofree char *win = perp_report_format_percent (st != NULL ? st->win_rate : NAN);
          g_autofree char *avg = perp_report_format_r (st != NULL ? st->avg_r : NAN);

          g_string_append_printf (out, "<td>%u</td><td>%s</td><td>%s</td>", st != NULL ? st->n_trades : 0,
                                  win, avg);
        }
      g_string_append (out, "</tr>\n");
    }
  g_string_append (out, "</tbody>\n</table>\n");
}

static void
calibration_table (GString    *out,
                   PerpReport *self)
{
  g_string_append (out, "<table>\n<thead><tr><th>Stated confidence</th><th>Trades</th>"
                        "<th>Mean stated</th><th>Realised win rate</th><th>Average R</th></tr></thead>\n<tbody>\n");
  for (guint b = 0; b < PERP_REPORT_N_BUCKETS; b++)
    {
      const PerpReportBucket *bucket = &self->buckets[b];
      double n = bucket->n_trades;
      g_autofree char *stated = perp_report_format_percent (n > 0 ? bucket->sum_confidence / n / 100.0 : NAN);
      g_autofree char *win = perp_report_format_percent (n > 0 ? bucket->n_wins / n : NAN);
      g_autofree char *avg = perp_report_format_r (n > 0 ? bucket->sum_r / n : NAN);

      g_string_append_printf (out, "<tr><td>%.0f–%.0f %%</td><td>%u</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                              bucket->low, bucket->high, bucket->n_trades, stated, win, avg);
    }
  g_string_append (out, "</tbody>\n</table>\n");
}

static gboolean
flush (GOutputStream  *out,
       GString        *buffer,
       GError        **error)
{
  if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, NULL, error))
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

gboolean
perp_report_write_html (PerpReport     *self,
                        GOutputStream  *out,
                        GError        **error)
{
  g_autoptr(GString) html = g_string_sized_new (1 << 16);
  g_autofree char *scope = perp_report_scope_text (self);
  g_autofree char *counts = perp_report_counts_text (self);
  g_autofree char *generated = perp_report_format_time (self->generated_at);
  g_autoptr(GPtrArray) overall = g_ptr_array_new ();
  PerpJournalStatsRow all = { (char *) "All taken trades", self->overall };

  g_string_append (html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta name=\"generator\" content=\"Perpscope\">\n"
                         "<title>Perpscope signal journal report</title>\n<style>\n");
  g_string_append (html, css);
  g_string_append (html, "</style>\n</head>\n<body>\n<header>\n<h1>Signal journal report</h1>\n<p class=\"meta\">");
  escape (html, scope);
  g_string_append (html, ". Journal ");
  escape (html, self->journal_path != NULL ? self->journal_path : "");
  g_string_append (html, ", generated ");
  escape (html, generated);
  g_string_append (html, ".</p>\n<p>");
  escape (html, counts);
  g_string_append (html, ".</p>\n</header>\n");

  g_string_append (html, "<section>\n<h2>Summary</h2>\n<p class=\"note\">Statistics over the taken signals "
                         "whose trade closed (stopped, break-even, trailed, targets, time stop), in R net of "
                         "fees, slippage and funding, as the journal computes them.</p>\n");
  g_ptr_array_add (overall, &all);
  stats_table (html, "Scope", overall);
  {
    g_autofree char *win = perp_report_format_r (self->overall.avg_win_r);
    g_autofree char *loss = perp_report_format_r (self->overall.avg_loss_r);

    g_string_append_printf (html, "<p>Average win %s, average loss %s.</p>\n", win, loss);
  }
  g_string_append (html, "<h3>Equity curve</h3>\n");
  {
    PerpCanvas *canvas = perp_canvas_new_svg (html, 680, 230, "Equity curve in R");

    perp_report_draw_equity (self, canvas, 0, 0, 680, 230);
    perp_canvas_free (canvas);
  }
  g_string_append (html, "</section>\n<section>\n<h2>By symbol</h2>\n");
  stats_table (html, "Symbol", self->by_symbol);
  g_string_append (html, "<h2>By tier</h2>\n");
  stats_table (html, "Tier", self->by_tier);
  g_string_append (html, "<h2>By session</h2>\n<p class=\"note\">Sessions of the signal time in fixed UTC "
                         "hours: asian 00–07, london 07–12, london-ny-overlap 12–16, new-york 16–21, "
                         "late 21–24.</p>\n");
  stats_table (html, "Session", self->by_session);
  g_string_append (html, "<h2>By factor</h2>\n<p class=\"note\">Each factor's reading at the signal against "
                         "the signal's direction.</p>\n");
  factor_table (html, self);
  {
    g_autofree char *note = perp_report_calibration_note (self);

    g_string_append_printf (html, "<h2>Calibration</h2>\n<p class=\"note\">%s</p>\n", note);
  }
  calibration_table (html, self);
  g_string_append (html, "</section>\n");
  if (!flush (out, html, error))
    return FALSE;

  g_string_append (html, "<section>\n<h2>Signals</h2>\n<p class=\"note\">");
  if (self->snapshots->len < self->n_with_plan)
    g_string_append_printf (html, "Charts of the latest %u of the %u taken signals, newest first; "
                                  "the CSV export lists every signal.", self->snapshots->len, self->n_with_plan);
  else
    g_string_append_printf (html, "Charts of the %u taken signal%s, newest first.",
                            self->snapshots->len, self->snapshots->len == 1 ? "" : "s");
  g_string_append (html, " Candles around the signal; the dashed line is the signal candle's close; "
                         "boxes are the order blocks (OB, BRK: breaker) and fair value gaps (FVG) the "
                         "structure engine knew of then; diamonds are the exits.</p>\n");
  for (guint i = 0; i < self->snapshots->len; i++)
    {
      const PerpReportSnapshot *snap = g_ptr_array_index (self->snapshots, i);
      g_autofree char *title = perp_report_snapshot_title (snap);
      g_autofree char *plan = perp_report_snapshot_plan_text (snap);
      g_autofree char *outcome = perp_report_snapshot_outcome_text (snap);
      PerpCanvas *canvas;

      g_string_append_printf (html, "<article class=\"signal\" id=\"signal-%" G_GINT64_FORMAT "\">\n<h3>",
                              snap->signal->id);
      escape (html, title);
      g_string_append (html, "</h3>\n");
      canvas = perp_canvas_new_svg (html, 680, 260, title);
      perp_report_draw_snapshot (snap, canvas, 0, 0, 680, 260);
      perp_canvas_free (canvas);
      g_string_append (html, "<p>");
      escape (html, plan);
      g_string_append (html, "</p>\n<p>");
      escape (html, outcome);
      g_string_append (html, "</p>\n");
      if (snap->source != NULL)
        {
          g_string_append_printf (html, "<p class=\"note\">%u structure zone%s drawn; candles from ",
                                  snap->objects->len, snap->objects->len == 1 ? "" : "s");
          escape (html, snap->source);
          g_string_append (html, ".</p>\n");
        }
      g_string_append (html, "</article>\n");
      if (html->len > (1 << 16) && !flush (out, html, error))
        return FALSE;
    }
  if (self->snapshots->len == 0)
    g_string_append (html, "<p>No taken signal in this range.</p>\n");
  g_string_append (html, "</section>\n</body>\n</html>\n");
  return flush (out, html, error);
}
