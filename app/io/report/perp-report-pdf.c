/* perp-report-pdf.c: the report as an A4 PDF, through one cairo surface
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "perp-report-private.h"

/* A4 in points, and the text block. */
#define PAGE_W   595.276
#define PAGE_H   841.890
#define MARGIN_X 40.0
#define TOP      42.0
#define BOTTOM   (PAGE_H - 48.0)
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)

#define ROW_H        13.0
#define HEADER_H     22.0
/* Three signals a page. */
#define CHART_H      182.0
#define EQUITY_H     200.0

/*
 * The report is laid out twice: a dry pass that only measures and counts the pages,
 * then the real pass that draws, so every footer can say "page i of n".  Both passes
 * measure text on the same scratch context with the same font options, so they break
 * pages at the same places.  Pages are emitted one by one (cairo_show_page): memory
 * holds one page, not the document.
 */
typedef struct
{
  cairo_t    *cr;        /* the PDF's context; NULL in the dry pass */
  cairo_t    *measure;   /* the scratch context all text is measured on */
  PerpCanvas *canvas;
  guint       page;
  guint       n_pages;   /* from the dry pass; 0 during it */
  double      y;
  char       *footer;
} Pdf;

typedef struct
{
  GOutputStream *out;
  GError        *error;
} Sink;

static cairo_status_t
sink_write (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  Sink *sink = closure;

  if (sink->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (sink->out, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static void
set_font_options (cairo_t *cr)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Unhinted metrics: identical on the PDF and on the scratch image surface. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
}

static PangoLayout *
layout_new (cairo_t    *cr,
            const char *text,
            double      size,
            gboolean    bold,
            double      width,
            PangoAlignment align,
            gboolean    wrap)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("DejaVu Sans");

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_alignment (layout, align);
  if (wrap)
    pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  else
    pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static double
text_height (Pdf        *pdf,
             const char *text,
             double      size,
             gboolean    bold,
             double      width)
{
  g_autoptr(PangoLayout) layout = layout_new (pdf->measure, text, size, bold, width, PANGO_ALIGN_LEFT, TRUE);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return (double) logical.height / PANGO_SCALE;
}

/* Text in a box: wrapped when @wrap, else one line ellipsized; vertically centred in
 * @h when @h > 0, else from the top. */
static void
draw_text (Pdf           *pdf,
           double         x,
           double         y,
           double         w,
           double         h,
           const char    *text,
           double         size,
           gboolean       bold,
           double         grey,
           PangoAlignment align,
           gboolean       wrap)
{
  g_autoptr(PangoLayout) layout = NULL;
  PangoRectangle logical;

  if (pdf->cr == NULL)
    return;
  layout = layout_new (pdf->cr, text, size, bold, w, align, wrap);
  pango_layout_get_extents (layout, NULL, &logical);
  cairo_move_to (pdf->cr, x, h > 0 ? y + (h - (double) logical.height / PANGO_SCALE) / 2 : y);
  cairo_set_source_rgb (pdf->cr, grey, grey, grey);
  pango_cairo_show_layout (pdf->cr, layout);
}

static void
hrule (Pdf    *pdf,
       double  y,
       double  width,
       double  grey)
{
  if (pdf->cr == NULL)
    return;
  cairo_move_to (pdf->cr, MARGIN_X, y);
  cairo_line_to (pdf->cr, MARGIN_X + CONTENT_W, y);
  cairo_set_source_rgb (pdf->cr, grey, grey, grey);
  cairo_set_line_width (pdf->cr, width);
  cairo_stroke (pdf->cr);
}

static void
finish_page (Pdf *pdf)
{
  if (pdf->cr != NULL)
    {
      g_autofree char *number = g_strdup_printf ("Page %u of %u", pdf->page, pdf->n_pages);

      hrule (pdf, PAGE_H - 34, 0.4, 0.6);
      draw_text (pdf, MARGIN_X, PAGE_H - 30, CONTENT_W - 80, 0, pdf->footer, 7, FALSE, 0.35,
                 PANGO_ALIGN_LEFT, FALSE);
      draw_text (pdf, MARGIN_X + CONTENT_W - 80, PAGE_H - 30, 80, 0, number, 7, FALSE, 0.35,
                 PANGO_ALIGN_RIGHT, FALSE);
      cairo_show_page (pdf->cr);
    }
}

static void
new_page (Pdf *pdf)
{
  finish_page (pdf);
  pdf->page++;
  pdf->y = TOP;
}

/* Starts a new page unless @height still fits on this one. */
static void
need (Pdf    *pdf,
      double  height)
{
  if (pdf->y + height > BOTTOM && pdf->y > TOP)
    new_page (pdf);
}

static void
heading (Pdf        *pdf,
         const char *text,
         double      keep_with)
{
  need (pdf, 24 + keep_with);
  if (pdf->y > TOP)
    pdf->y += 8;
  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, text, 12.5, TRUE, 0, PANGO_ALIGN_LEFT, FALSE);
  pdf->y += 17;
  hrule (pdf, pdf->y, 1.0, 0);
  pdf->y += 5;
}

static void
paragraph (Pdf        *pdf,
           const char *text,
           double      size,
           double      grey)
{
  double h = text_height (pdf, text, size, FALSE, CONTENT_W);

  need (pdf, h);
  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, text, size, FALSE, grey, PANGO_ALIGN_LEFT, TRUE);
  pdf->y += h + 3;
}

/* ------------------------------------------------------------------ tables */

typedef struct
{
  guint         n_columns;
  const double *widths;
  const char  **headers;
  const char   *group_header;  /* optional first header line: "label|span|label|span..." */
} Table;

static void
table_header (Pdf         *pdf,
              const Table *table)
{
  double x = MARGIN_X;

  if (table->group_header != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (table->group_header, "|", -1);
      guint column = 0;

      for (guint i = 0; parts[i] != NULL && parts[i + 1] != NULL; i += 2)
        {
          guint span = (guint) g_ascii_strtoull (parts[i + 1], NULL, 10);
          double w = 0;

          for (guint c = 0; c < span && column < table->n_columns; c++, column++)
            w += table->widths[column];
          draw_text (pdf, x + 2, pdf->y, w - 4, ROW_H, parts[i], 7.5, TRUE, 0, PANGO_ALIGN_CENTER, FALSE);
          if (parts[i][0] != '\0' && pdf->cr != NULL)
            {
              cairo_move_to (pdf->cr, x + 4, pdf->y + ROW_H);
              cairo_line_to (pdf->cr, x + w - 4, pdf->y + ROW_H);
              cairo_set_source_rgb (pdf->cr, 0.5, 0.5, 0.5);
              cairo_set_line_width (pdf->cr, 0.4);
              cairo_stroke (pdf->cr);
            }
          x += w;
        }
      pdf->y += ROW_H;
      x = MARGIN_X;
    }
  for (guint c = 0; c < table->n_columns; c++)
    {
      draw_text (pdf, x + 2, pdf->y, table->widths[c] - 4, HEADER_H, table->headers[c], 7.2, TRUE, 0,
                 c == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT, TRUE);
      x += table->widths[c];
    }
  pdf->y += HEADER_H;
  hrule (pdf, pdf->y, 0.8, 0);
}

static void
table_start (Pdf         *pdf,
             const Table *table)
{
  double h = HEADER_H + (table->group_header != NULL ? ROW_H : 0);

  /* The header never sits alone at the foot of a page. */
  need (pdf, h + 2 * ROW_H);
  table_header (pdf, table);
}

static void
table_row (Pdf          *pdf,
           const Table  *table,
           char        **cells)
{
  double x = MARGIN_X;

  if (pdf->y + ROW_H > BOTTOM)
    {
      new_page (pdf);
      table_header (pdf, table);
    }
  for (guint c = 0; c < table->n_columns; c++)
    {
      draw_text (pdf, x + 2, pdf->y, table->widths[c] - 4, ROW_H, cells[c], 7.5, FALSE, 0,
                 c == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT, FALSE);
      x += table->widths[c];
    }
  pdf->y += ROW_H;
  hrule (pdf, pdf->y, 0.3, 0.6);
}

static void
table_end (Pdf *pdf)
{
  pdf->y += 8;
}

static const double stats_widths[PERP_REPORT_N_STATS_COLUMNS] = {
  91, 38, 60, 44, 44, 50, 50, 50, 54, 34,
};

static void
stats_table (Pdf        *pdf,
             const char *first,
             GPtrArray  *rows)
{
  const char *headers[PERP_REPORT_N_STATS_COLUMNS];
  Table table = { PERP_REPORT_N_STATS_COLUMNS, stats_widths, headers, NULL };

  for (guint c = 0; c < PERP_REPORT_N_STATS_COLUMNS; c++)
    headers[c] = c == 0 ? first : perp_report_stats_headers[c];
  table_start (pdf, &table);
  for (guint i = 0; i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);
      char *cells[PERP_REPORT_N_STATS_COLUMNS];

      perp_report_stats_cells (row->key, &row->stats, cells);
      table_row (pdf, &table, cells);
      for (guint c = 0; c < PERP_REPORT_N_STATS_COLUMNS; c++)
        g_free (cells[c]);
    }
  if (rows->len == 0)
    {
      char *cells[PERP_REPORT_N_STATS_COLUMNS] = { (char *) "No closed trades.", };

      for (guint c = 1; c < PERP_REPORT_N_STATS_COLUMNS; c++)
        cells[c] = (char *) "";
      table_row (pdf, &table, cells);
    }
  table_end (pdf);
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

static void
factor_table (Pdf        *pdf,
              PerpReport *self)
{
  static const double widths[10] = { 110, 45, 45, 45, 45, 45, 45, 45, 45, 45 };
  static const char *groups[3] = { "agree", "disagree", "neutral" };
  const char *headers[10] = { "Factor", "Trades", "Win rate", "Average R", "Trades", "Win rate", "Average R",
                              "Trades", "Win rate", "Average R" };
  Table table = { 10, widths, headers, "|1|Agreed with the signal|3|Disagreed|3|Neutral|3" };

  table_start (pdf, &table);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      char *cells[10];

      cells[0] = g_strdup (perp_factor_title ((PerpFactor) f));
      for (guint g = 0; g < 3; g++)
        {
          const PerpJournalStats *st = factor_group (self->by_factor[f], groups[g]);

          cells[1 + 3 * g] = g_strdup_printf ("%u", st != NULL ? st->n_trades : 0);
          cells[2 + 3 * g] = perp_report_format_percent (st != NULL ? st->win_rate : NAN);
          cells[3 + 3 * g] = perp_report_format_r (st != NULL ? st->avg_r : NAN);
        }
      table_row (pdf, &table, cells);
      for (guint c = 0; c < 10; c++)
        g_free (cells[c]);
    }
  table_end (pdf);
}

static void
calibration_table (Pdf        *pdf,
                   PerpReport *self)
{
  static const double widths[5] = { 115, 100, 100, 100, 100 };
  const char *headers[5] = { "Stated confidence", "Trades", "Mean stated", "Realised win rate", "Average R" };
  Table table = { 5, widths, headers, NULL };

  table_start (pdf, &table);
  for (guint b = 0; b < PERP_REPORT_N_BUCKETS; b++)
    {
      const PerpReportBucket *bucket = &self->buckets[b];
      double n = bucket->n_trades;
      char *cells[5];

      cells[0] = g_strdup_printf ("%.0f–%.0f %%", bucket->low, bucket->high);
      cells[1] = g_strdup_printf ("%u", bucket->n_trades);
      cells[2] = perp_report_format_percent (n > 0 ? bucket->sum_confidence / n / 100.0 : NAN);
      cells[3] = perp_report_format_percent (n > 0 ? bucket->n_wins / n : NAN);
      cells[4] = perp_report_format_r (n > 0 ? bucket->sum_r / n : NAN);
      table_row (pdf, &table, cells);
      for (guint c = 0; c < 5; c++)
        g_free (cells[c]);
    }
  table_end (pdf);
}

/* ------------------------------------------------------------------ pages */

static void
snapshot_block (Pdf                      *pdf,
                const PerpReportSnapshot *snap)
{
  g_autofree char *title = perp_report_snapshot_title (snap);
  g_autofree char *plan = perp_report_snapshot_plan_text (snap);
  g_autofree char *outcome = perp_report_snapshot_outcome_text (snap);
  g_autofree char *note = snap->source != NULL
    ? g_strdup_printf ("%u structure zone%s drawn; candles from %s.", snap->objects->len,
                       snap->objects->len == 1 ? "" : "s", snap->source)
    : NULL;
  double plan_h = text_height (pdf, plan, 7.5, FALSE, CONTENT_W);
  double outcome_h = text_height (pdf, outcome, 7.5, FALSE, CONTENT_W);
  double note_h = note != NULL ? text_height (pdf, note, 6.5, FALSE, CONTENT_W) : 0;
  double height = 16 + CHART_H + 4 + plan_h + 2 + outcome_h + 2 + note_h + 14;

  need (pdf, height);
  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, title, 9, TRUE, 0, PANGO_ALIGN_LEFT, FALSE);
  pdf->y += 16;
  if (pdf->cr != NULL)
    perp_report_draw_snapshot (snap, pdf->canvas, MARGIN_X, pdf->y, CONTENT_W, CHART_H);
  pdf->y += CHART_H + 4;
  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, plan, 7.5, FALSE, 0, PANGO_ALIGN_LEFT, TRUE);
  pdf->y += plan_h + 2;
  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, outcome, 7.5, FALSE, 0, PANGO_ALIGN_LEFT, TRUE);
  pdf->y += outcome_h + 2;
  if (note != NULL)
    {
      draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, note, 6.5, FALSE, 0.35, PANGO_ALIGN_LEFT, TRUE);
      pdf->y += note_h;
    }
  pdf->y += 14;
}

static void
lay_out (Pdf        *pdf,
         PerpReport *self)
{
  g_autofree char *scope = perp_report_scope_text (self);
  g_autofree char *counts = perp_report_counts_text (self);
  g_autofree char *generated = perp_report_format_time (self->generated_at);
  g_autofree char *meta = g_strdup_printf ("%s. Journal %s, generated %s.", scope,
                                           self->journal_path != NULL ? self->journal_path : "", generated);
  g_autofree char *counts_line = g_strdup_printf ("%s.", counts);
  g_autoptr(GPtrArray) overall = g_ptr_array_new ();
  PerpJournalStatsRow all = { (char *) "All taken trades", self->overall };

  pdf->page = 1;
  pdf->y = TOP;

  draw_text (pdf, MARGIN_X, pdf->y, CONTENT_W, 0, "Signal journal report", 20, TRUE, 0, PANGO_ALIGN_LEFT, FALSE);
  pdf->y += 30;
  paragraph (pdf, meta, 8.5, 0.25);
  paragraph (pdf, counts_line, 8.5, 0);

  heading (pdf, "Summary", HEADER_H + 2 * ROW_H);
  paragraph (pdf, "Statistics over the taken signals whose trade closed (stopped, break-even, trailed, "
                  "targets, time stop), in R net of fees, slippage and funding, as the journal computes them.", 7.5, 0.3);
  g_ptr_array_add (overall, &all);
  stats_table (pdf, "Scope", overall);
  {
    g_autofree char *win = perp_report_format_r (self->overall.avg_win_r);
    g_autofree char *loss = perp_report_format_r (self->overall.avg_loss_r);
    g_autofree char *line = g_strdup_printf ("Average win %s, average loss %s.", win, loss);

    paragraph (pdf, line, 8, 0);
  }

  heading (pdf, "Equity curve", EQUITY_H);
  if (pdf->cr != NULL)
    perp_report_draw_equity (self, pdf->canvas, MARGIN_X, pdf->y, CONTENT_W, EQUITY_H);
  pdf->y += EQUITY_H + 8;

  heading (pdf, "By symbol", HEADER_H + 2 * ROW_H);
  stats_table (pdf, "Symbol", self->by_symbol);
  heading (pdf, "By tier", HEADER_H + 2 * ROW_H);
  stats_table (pdf, "Tier", self->by_tier);
  heading (pdf, "By session", HEADER_H + 3 * ROW_H);
  paragraph (pdf, "Sessions of the signal time in fixed UTC hours: asian 00–07, london 07–12, "
                  "london-ny-overlap 12–16, new-york 16–21, late 21–24.", 7.5, 0.3);
  stats_table (pdf, "Session", self->by_session);
  heading (pdf, "By factor", HEADER_H + 3 * ROW_H);
  paragraph (pdf, "Each factor's reading at the signal against the signal's direction.", 7.5, 0.3);
  factor_table (pdf, self);
  heading (pdf, "Calibration", HEADER_H + 3 * ROW_H);
  {
    g_autofree char *note = perp_report_calibration_note (self);

    paragraph (pdf, note, 7.5, 0.3);
  }
  calibration_table (pdf, self);

  /* The signals start on a page of their own. */
  new_page (pdf);
  heading (pdf, "Signals", 40);
  {
    g_autofree char *intro = NULL;

    if (self->snapshots->len < self->n_with_plan)
      intro = g_strdup_printf ("Charts of the latest %u of the %u taken signals, newest first; the CSV "
                               "export lists every signal.", self->snapshots->len, self->n_with_plan);
    else
      intro = g_strdup_printf ("Charts of the %u taken signal%s, newest first.", self->snapshots->len,
                               self->snapshots->len == 1 ? "" : "s");
    paragraph (pdf, intro, 8, 0);
    paragraph (pdf, "Candles around the signal (hollow up, filled down); the dashed line is the signal "
                    "candle's close; shaded boxes are the order blocks (OB, BRK: breaker) and fair value "
                    "gaps (FVG) the structure engine knew of then, green bullish, red bearish; entry blue, "
                    "stop red dashed, targets green dotted; diamonds are the exits.", 7.5, 0.3);
    pdf->y += 6;
  }
  for (guint i = 0; i < self->snapshots->len; i++)
    snapshot_block (pdf, g_ptr_array_index (self->snapshots, i));
  if (self->snapshots->len == 0)
    paragraph (pdf, "No taken signal in this range.", 8.5, 0);

  finish_page (pdf);
}

gboolean
perp_report_write_pdf (PerpReport     *self,
                       GOutputStream  *out,
                       guint          *n_pages,
                       GError        **error)
{
  Sink sink = { out, NULL };
  cairo_surface_t *scratch_surface = cairo_image_surface_create (CAIRO_FORMAT_A8, 4, 4);
  cairo_t *scratch = cairo_create (scratch_surface);
  cairo_surface_t *surface;
  cairo_status_t status;
  g_autofree char *scope = perp_report_scope_text (self);
  Pdf pdf = { NULL, scratch, NULL, 0, 0, 0, NULL };

  set_font_options (scratch);
  pdf.footer = g_strdup_printf ("Perpscope · Signal journal report · %s", scope);

  /* Dry pass: the page count. */
  lay_out (&pdf, self);
  pdf.n_pages = pdf.page;

  surface = cairo_pdf_surface_create_for_stream (sink_write, &sink, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, "Perpscope signal journal report");
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Perpscope");
  pdf.cr = cairo_create (surface);
  set_font_options (pdf.cr);
  pdf.canvas = perp_canvas_new_cairo (pdf.cr);
  lay_out (&pdf, self);
  g_warn_if_fail (pdf.page == pdf.n_pages);

  perp_canvas_free (pdf.canvas);
  cairo_destroy (pdf.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  cairo_destroy (scratch);
  cairo_surface_destroy (scratch_surface);
  g_free (pdf.footer);

  if (sink.error != NULL)
    {
      g_propagate_error (error, sink.error);
      return FALSE;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PERP_REPORT_ERROR, PERP_REPORT_ERROR_WRITE, "cairo: %s", cairo_status_to_string (status));
      return FALSE;
    }
  *n_pages = pdf.n_pages;
  return TRUE;
}
