/* perp-report-chart.c: the report's charts, drawn once for cairo (PDF) and SVG (HTML)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "perp-report-private.h"

#define FONT_FAMILY "DejaVu Sans, Liberation Sans, Arial, sans-serif"

struct _PerpCanvas
{
  cairo_t *cr;    /* the cairo backend, or */
  GString *svg;   /* the SVG backend */
  /* Text widths in SVG are measured with pango on this scratch context, so the layout
   * (label boxes, collisions) is the same in both outputs. */
  cairo_surface_t *scratch_surface;
  cairo_t         *scratch;
};

PerpCanvas *
perp_canvas_new_cairo (cairo_t *cr)
{
  PerpCanvas *canvas = g_new0 (PerpCanvas, 1);

  canvas->cr = cairo_reference (cr);
  return canvas;
}

static void
svg_escape (GString    *out,
            const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

PerpCanvas *
perp_canvas_new_svg (GString    *out,
                     double      width,
                     double      height,
                     const char *title)
{
  PerpCanvas *canvas = g_new0 (PerpCanvas, 1);

  canvas->svg = out;
  canvas->scratch_surface = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  canvas->scratch = cairo_create (canvas->scratch_surface);
  g_string_append_printf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                               "width=\"100%%\" role=\"img\" font-family=\"%s\">",
                          width, height, FONT_FAMILY);
  if (title != NULL)
    {
      g_string_append (out, "<title>");
      svg_escape (out, title);
      g_string_append (out, "</title>");
    }
  return canvas;
}

void
perp_canvas_free (PerpCanvas *canvas)
{
  if (canvas == NULL)
    return;
  if (canvas->svg != NULL)
    g_string_append (canvas->svg, "</svg>\n");
  g_clear_pointer (&canvas->cr, cairo_destroy);
  g_clear_pointer (&canvas->scratch, cairo_destroy);
  g_clear_pointer (&canvas->scratch_surface, cairo_surface_destroy);
  g_free (canvas);
}

static void
svg_color (GString        *out,
           const char     *attribute,
           const PerpRgba *color)
{
  if (color == NULL)
    {
      g_string_append_printf (out, " %s=\"none\"", attribute);
      return;
    }
  g_string_append_printf (out, " %s=\"#%02x%02x%02x\"", attribute,
                          (int) lround (color->r * 255), (int) lround (color->g * 255),
                          (int) lround (color->b * 255));
  if (color->a < 1.0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (out, " %s-opacity=\"%s\"", attribute,
                              g_ascii_formatd (buf, sizeof buf, "%.3g", color->a));
    }
}

/* Coordinates with two decimals, in the C locale. */
static void
svg_num (GString    *out,
         const char *attribute,
         double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, " %s=\"%s\"", attribute, g_ascii_formatd (buf, sizeof buf, "%.2f", value));
}

static void
set_source (cairo_t        *cr,
            const PerpRgba *color)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, color->a);
}

/* Whether every one of @n coordinates is a number.  A shape with a NaN or infinite
 * coordinate (a journal row without a price) is left out, not drawn as "nan". */
static gboolean
all_finite (const double *v,
            guint         n)
{
  for (guint i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

void
perp_canvas_rect (PerpCanvas     *canvas,
                  double          x,
                  double          y,
                  double          width,
                  double          height,
                  const PerpRgba *fill,
                  const PerpRgba *stroke,
                  double          line_width)
{
  if (!all_finite ((const double[]) { x, y, width, height }, 4))
    return;
  if (canvas->cr != NULL)
    {
      cairo_t *cr = canvas->cr;

      cairo_rectangle (cr, x, y, width, height);
      if (fill != NULL)
        {
          set_source (cr, fill);
          cairo_fill_preserve (cr);
        }
      if (stroke != NULL)
        {
          set_source (cr, stroke);
          cairo_set_line_width (cr, line_width);
          cairo_set_dash (cr, NULL, 0, 0);
          cairo_stroke_preserve (cr);
        }
      cairo_new_path (cr);
      return;
    }

  g_string_append (canvas->svg, "<rect");
  svg_num (canvas->svg, "x", x);
  svg_num (canvas->svg, "y", y);
  svg_num (canvas->svg, "width", width);
  svg_num (canvas->svg, "height", height);
  svg_color (canvas->svg, "fill", fill);
  svg_color (canvas->svg, "stroke", stroke);
  if (stroke != NULL)
    svg_num (canvas->svg, "stroke-width", line_width);
  g_string_append (canvas->svg, "/>");
}

void
perp_canvas_line (PerpCanvas     *canvas,
                  double          x1,
                  double          y1,
                  double          x2,
                  double          y2,
                  const PerpRgba *color,
                  double          line_width,
                  double          dash)
{
  if (!all_finite ((const double[]) { x1, y1, x2, y2 }, 4))
    return;
  if (canvas->cr != NULL)
    {
      cairo_t *cr = canvas->cr;

      cairo_move_to (cr, x1, y1);
      cairo_line_to (cr, x2, y2);
      set_source (cr, color);
      cairo_set_line_width (cr, line_width);
      if (dash > 0)
        cairo_set_dash (cr, &dash, 1, 0);
      else
        cairo_set_dash (cr, NULL, 0, 0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      return;
    }

  g_string_append (canvas->svg, "<line");
  svg_num (canvas->svg, "x1", x1);
  svg_num (canvas->svg, "y1", y1);
  svg_num (canvas->svg, "x2", x2);
  svg_num (canvas->svg, "y2", y2);
  svg_color (canvas->svg, "stroke", color);
  svg_num (canvas->svg, "stroke-width", line_width);
  if (dash > 0)
    svg_num (canvas->svg, "stroke-dasharray", dash);
  g_string_append (canvas->svg, "/>");
}

static void
svg_points (GString      *out,
            const double *xy,
            guint         n_points)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, " points=\"");
  for (guint i = 0; i < n_points; i++)
    {
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.2f", xy[2 * i]));
      g_string_append_c (out, ',');
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.2f", xy[2 * i + 1]));
      if (i + 1 < n_points)
        g_string_append_c (out, ' ');
    }
  g_string_append_c (out, '"');
}

void
perp_canvas_polyline (PerpCanvas     *canvas,
                      const double   *xy,
                      guint           n_points,
                      const PerpRgba *color,
                      double          line_width)
{
  if (n_points < 2 || !all_finite (xy, 2 * n_points))
    return;
  if (canvas->cr != NULL)
    {
      cairo_t *cr = canvas->cr;

      cairo_move_to (cr, xy[0], xy[1]);
      for (guint i = 1; i < n_points; i++)
        cairo_line_to (cr, xy[2 * i], xy[2 * i + 1]);
      set_source (cr, color);
      cairo_set_line_width (cr, line_width);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_stroke (cr);
      return;
    }

  g_string_append (canvas->svg, "<polyline fill=\"none\" stroke-linejoin=\"round\"");
  svg_points (canvas->svg, xy, n_points);
  svg_color (canvas->svg, "stroke", color);
  svg_num (canvas->svg, "stroke-width", line_width);
  g_string_append (canvas->svg, "/>");
}

void
perp_canvas_polygon (PerpCanvas     *canvas,
                     const double   *xy,
                     guint           n_points,
                     const PerpRgba *fill)
{
  if (n_points < 3 || !all_finite (xy, 2 * n_points))
    return;
  if (canvas->cr != NULL)
    {
      cairo_t *cr = canvas->cr;

      cairo_move_to (cr, xy[0], xy[1]);
      for (guint i = 1; i < n_points; i++)
        cairo_line_to (cr, xy[2 * i], xy[2 * i + 1]);
      cairo_close_path (cr);
      set_source (cr, fill);
      cairo_fill (cr);
      return;
    }

  g_string_append (canvas->svg, "<polygon");
  svg_points (canvas->svg, xy, n_points);
  svg_color (canvas->svg, "fill", fill);
  g_string_append (canvas->svg, "/>");
}

static PangoLayout *
make_layout (cairo_t    *cr,
             const char *text,
             double      size,
             gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("DejaVu Sans");

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (font);
  return layout;
}

double
perp_canvas_text_width (PerpCanvas *canvas,
                        const char *text,
                        double      size,
                        gboolean    bold)
{
  g_autoptr(PangoLayout) layout = make_layout (canvas->cr != NULL ? canvas->cr : canvas->scratch,
                                               text, size, bold);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return (double) logical.width / PANGO_SCALE;
}

/* One line of text whose box is vertically centred on @y; returns its width. */
double
perp_canvas_text (PerpCanvas     *canvas,
                  double          x,
                  double          y,
                  const char     *text,
                  double          size,
                  gboolean        bold,
                  const PerpRgba *color,
                  PerpAlign       align)
{
  double width = perp_canvas_text_width (canvas, text, size, bold);
  double left = align == PERP_ALIGN_START ? x : align == PERP_ALIGN_CENTER ? x - width / 2 : x - width;

  if (!all_finite ((const double[]) { x, y }, 2))
    return width;

  if (canvas->cr != NULL)
    {
      g_autoptr(PangoLayout) layout = make_layout (canvas->cr, text, size, bold);
      PangoRectangle logical;

      pango_layout_get_extents (layout, NULL, &logical);
      cairo_move_to (canvas->cr, left, y - (double) logical.height / PANGO_SCALE / 2);
      set_source (canvas->cr, color);
      pango_cairo_show_layout (canvas->cr, layout);
      return width;
    }

  g_string_append (canvas->svg, "<text");
  svg_num (canvas->svg, "x", left);
  svg_num (canvas->svg, "y", y);
  svg_num (canvas->svg, "font-size", size);
  if (bold)
    g_string_append (canvas->svg, " font-weight=\"bold\"");
  g_string_append (canvas->svg, " dominant-baseline=\"central\"");
  svg_color (canvas->svg, "fill", color);
  g_string_append_c (canvas->svg, '>');
  svg_escape (canvas->svg, text);
  g_string_append (canvas->svg, "</text>");
  return width;
}

/* ------------------------------------------------------------------ palette */

/* Dark on white, told apart in grey too (solid, dashed, dotted), for paper. */
static const PerpRgba ink = { 0.10, 0.10, 0.10, 1 };
static const PerpRgba grey = { 0.45, 0.45, 0.45, 1 };
static const PerpRgba grid = { 0.86, 0.86, 0.86, 1 };
static const PerpRgba frame = { 0.55, 0.55, 0.55, 1 };
static const PerpRgba white = { 1, 1, 1, 1 };
static const PerpRgba label_bg = { 1, 1, 1, 0.85 };
static const PerpRgba candle_down = { 0.25, 0.25, 0.25, 1 };
static const PerpRgba entry_color = { 0.09, 0.30, 0.62, 1 };
static const PerpRgba stop_color = { 0.72, 0.13, 0.11, 1 };
static const PerpRgba target_color = { 0.10, 0.48, 0.20, 1 };
static const PerpRgba equity_color = { 0.09, 0.30, 0.62, 1 };
static const PerpRgba equity_fill = { 0.09, 0.30, 0.62, 0.08 };
static const PerpRgba bull_fill = { 0.10, 0.55, 0.25, 0.14 };
static const PerpRgba bull_edge = { 0.10, 0.48, 0.20, 0.7 };
static const PerpRgba bear_fill = { 0.80, 0.20, 0.15, 0.13 };
static const PerpRgba bear_edge = { 0.72, 0.13, 0.11, 0.7 };

/* A "nice" step (1, 2, 2.5, 5 × 10^k) giving about @ticks ticks over @span. */
static double
nice_step (double span,
           int    ticks)
{
  double raw = span / MAX (ticks, 1);
  double magnitude = pow (10, floor (log10 (raw)));
  double f = raw / magnitude;

  if (!isfinite (raw) || raw <= 0)
    return 1;
  return (f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10) * magnitude;
}

/* The decimals a tick step needs. */
static int
step_decimals (double step)
{
  int d = 0;

  while (d < 8 && fabs (step * pow (10, d) - round (step * pow (10, d))) > 1e-6)
    d++;
  return d;
}

static char *
format_fixed (double value,
              int    decimals)
{
  char format[16];
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (format, sizeof format, "%%.%df", decimals);
  return g_strdup (g_ascii_formatd (buf, sizeof buf, format, value));
}

static char *
format_date (gint64       ms,
             const char  *format)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (perp_floor_div (ms, 1000));

  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("?");
}

/* ------------------------------------------------------------------ equity curve */

void
perp_report_draw_equity (const PerpReport *report,
                         PerpCanvas       *canvas,
                         double            x,
                         double            y,
                         double            width,
                         double            height)
{
  guint n = report->equity_r->len;
  const double *eq = (const double *) (gpointer) report->equity_r->data;
  double left = x + 46, right = x + width - 10, top = y + 10, bottom = y + height - 24;
  double lo = 0, hi = 0, step;
  int decimals;
  g_autofree double *xy = NULL;

  perp_canvas_rect (canvas, x, y, width, height, &white, NULL, 0);
  if (n == 0)
    {
      perp_canvas_rect (canvas, left, top, right - left, bottom - top, NULL, &frame, 0.6);
      perp_canvas_text (canvas, (left + right) / 2, (top + bottom) / 2,
                        "No closed trades in this range: no equity curve.", 9, FALSE, &grey, PERP_ALIGN_CENTER);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      lo = MIN (lo, eq[i]);
      hi = MAX (hi, eq[i]);
    }
  if (hi - lo < 1)
    {
      hi += 0.5;
      lo -= 0.5;
    }
  step = nice_step (hi - lo, 5);
  lo = floor (lo / step) * step;
  hi = ceil (hi / step) * step;
  decimals = step_decimals (step);

#define EQ_Y(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
#define EQ_X(i) (n == 1 ? (left + right) / 2 : left + (double) (i) / (double) (n - 1) * (right - left))

  for (double v = lo; v <= hi + step / 2; v += step)
    {
      g_autofree char *label = format_fixed (v, decimals);
      g_autofree char *text = g_strdup_printf ("%s R", label);

      perp_canvas_line (canvas, left, EQ_Y (v), right, EQ_Y (v), fabs (v) < step / 2 ? &grey : &grid,
                        fabs (v) < step / 2 ? 0.8 : 0.5, 0);
      perp_canvas_text (canvas, left - 4, EQ_Y (v), text, 7, FALSE, &grey, PERP_ALIGN_END);
    }
  perp_canvas_rect (canvas, left, top, right - left, bottom - top, NULL, &frame, 0.6);

  /* The x axis is the trade number (trades are what R accrues over); the first and last
   * exits' dates anchor it in time. */
  {
    double tstep = nice_step (n, 6);

    for (double t = 0; t <= n; t += MAX (tstep, 1))
      {
        g_autofree char *label = g_strdup_printf ("%.0f", t);
        double tx = n == 1 ? (left + right) / 2 : left + t / (double) n * (right - left);

        perp_canvas_line (canvas, tx, bottom, tx, bottom + 3, &frame, 0.6, 0);
        perp_canvas_text (canvas, tx, bottom + 8, label, 7, FALSE, &grey, PERP_ALIGN_CENTER);
      }
  }
  {
    g_autofree char *first = format_date (g_array_index (report->equity_time, gint64, 0), "%Y-%m-%d");
    g_autofree char *last = format_date (g_array_index (report->equity_time, gint64, n - 1), "%Y-%m-%d");
    g_autofree char *caption = g_strdup_printf ("Cumulative R net of costs after each closed trade "
                                                "(%u trades, exits %s to %s)", n, first, last);

    perp_canvas_text (canvas, (left + right) / 2, bottom + 18, caption, 7.5, FALSE, &ink, PERP_ALIGN_CENTER);
  }

  /* The curve starts at 0 R before the first trade. */
  xy = g_new (double, 2 * (n + 1) + 4);
  xy[0] = left;
  xy[1] = EQ_Y (0);
  for (guint i = 0; i < n; i++)
    {
      xy[2 * (i + 1)] = left + (double) (i + 1) / (double) n * (right - left);
      xy[2 * (i + 1) + 1] = EQ_Y (eq[i]);
    }
  xy[2 * (n + 1)] = right;
  xy[2 * (n + 1) + 1] = EQ_Y (0);
  xy[2 * (n + 1) + 2] = left;
  xy[2 * (n + 1) + 3] = EQ_Y (0);
  perp_canvas_polygon (canvas, xy, n + 2, &equity_fill);
  perp_canvas_polyline (canvas, xy, n + 1, &equity_color, 1.4);
  {
    g_autofree char *final = perp_report_format_r (eq[n - 1]);

    perp_canvas_text (canvas, right - 2, top + 8, final, 8, TRUE, &equity_color, PERP_ALIGN_END);
  }
#undef EQ_X
#undef EQ_Y
}

/* ------------------------------------------------------------------ snapshot */

typedef struct
{
  double left, right, top, bottom;
  double lo, hi;
  double slot;
} Frame;

static double
frame_y (const Frame *f,
         double       price)
{
  return f->bottom - (price - f->lo) / (f->hi - f->lo) * (f->bottom - f->top);
}

static double
frame_x (const Frame *f,
         double       index)
{
  return f->left + (index + 0.5) * f->slot;
}

/* A level's label in the right margin, level with it or, when labels would overlap,
 * moved off and tied to it by a short line; @taken holds the y of the labels already
 * placed. */
static void
level_label (PerpCanvas     *canvas,
             const Frame    *f,
             double          price,
             const char     *text,
             const PerpRgba *color,
             GArray         *taken)
{
  double size = 6.5;
  double w = perp_canvas_text_width (canvas, text, size, TRUE) + 6;
  double h = size + 4;
  double ly = frame_y (f, price);

  /* Nudge down (or up at the bottom) until it clears every placed label. */
  for (guint pass = 0; pass < 8; pass++)
    {
      gboolean clash = FALSE;

      for (guint i = 0; i < taken->len; i++)
        if (fabs (g_array_index (taken, double, i) - ly) < h)
          {
            clash = TRUE;
            ly = g_array_index (taken, double, i) + (ly >= g_array_index (taken, double, i) ? h : -h);
          }
      if (!clash)
        break;
    }
  ly = CLAMP (ly, f->top + h / 2, f->bottom - h / 2);
  g_array_append_val (taken, ly);
  perp_canvas_line (canvas, f->right, frame_y (f, price), f->right + 6, ly, color, 0.6, 0);
  perp_canvas_rect (canvas, f->right + 6, ly - h / 2, w, h, &white, color, 0.5);
  perp_canvas_text (canvas, f->right + 9, ly, text, size, TRUE, color, PERP_ALIGN_START);
}

void
perp_report_draw_snapshot (const PerpReportSnapshot *snapshot,
                           PerpCanvas               *canvas,
                           double                    x,
                           double                    y,
                           double                    width,
                           double                    height)
{
  const PerpJournalSignal *s = snapshot->signal;
  const PerpPlan *plan = &s->plan;
  const PerpCandle *c;
  guint n;
  Frame f;
  double step;
  int decimals;
  double plan_end;
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 interval_ms = perp_interval_to_ms (s->interval);

  perp_canvas_rect (canvas, x, y, width, height, &white, NULL, 0);
  if (snapshot->candles == NULL || snapshot->candles->len == 0)
    {
      perp_canvas_rect (canvas, x + 0.5, y + 0.5, width - 1, height - 1, NULL, &frame, 0.6);
      perp_canvas_text (canvas, x + width / 2, y + height / 2,
                        snapshot->missing != NULL ? snapshot->missing : "No candles: no chart.",
                        8.5, FALSE, &grey, PERP_ALIGN_CENTER);
      return;
    }

  c = (const PerpCandle *) (gpointer) snapshot->candles->data;
  n = snapshot->candles->len;
  f.left = x + 44;
  f.right = x + width - 96;
  f.top = y + 6;
  f.bottom = y + height - 16;
  /* Room after the signal even when the file ends there, so the plan shows. */
  f.slot = (f.right - f.left) / MAX (n, snapshot->signal_index + 1 + 12);
  f.lo = INFINITY;
  f.hi = -INFINITY;
  for (guint i = 0; i < n; i++)
    {
      f.lo = MIN (f.lo, c[i].low);
      f.hi = MAX (f.hi, c[i].high);
    }
  if (s->has_plan)
    {
      /* fmin/fmax pass over a missing (NaN) price instead of spreading it. */
      f.lo = fmin (f.lo, fmin (plan->stop, plan->entry));
      f.hi = fmax (f.hi, fmax (plan->stop, plan->entry));
      for (guint t = 0; t < plan->n_targets && t < PERP_PLAN_MAX_TARGETS; t++)
        {
          f.lo = fmin (f.lo, plan->targets[t].price);
          f.hi = fmax (f.hi, plan->targets[t].price);
        }
    }
  {
    double pad = (f.hi - f.lo) * 0.04;

    if (!(pad > 0))
      pad = fabs (f.hi) * 0.001 + 1e-9;
    f.lo -= pad;
    f.hi += pad;
  }

  /* Price grid on the right, time along the bottom. */
  step = nice_step (f.hi - f.lo, 5);
  decimals = step_decimals (step);
  for (double v = ceil (f.lo / step) * step; v <= f.hi; v += step)
    {
      g_autofree char *label = format_fixed (v, decimals);

      perp_canvas_line (canvas, f.left, frame_y (&f, v), f.right, frame_y (&f, v), &grid, 0.4, 0);
      perp_canvas_text (canvas, f.left - 4, frame_y (&f, v), label, 6.5, FALSE, &grey, PERP_ALIGN_END);
    }
  for (guint i = 0; i < n; i += MAX (n / 5, 1))
    {
      g_autofree char *label = format_date (c[i].open_time, "%m-%d %H:%M");

      perp_canvas_line (canvas, frame_x (&f, i), f.bottom, frame_x (&f, i), f.bottom + 3, &frame, 0.5, 0);
      perp_canvas_text (canvas, frame_x (&f, i), f.bottom + 8, label, 6.5, FALSE, &grey, PERP_ALIGN_CENTER);
    }

  /* Structure known at the signal: from the candle it refers to up to the signal
   * candle, nothing later (a zone mitigated afterwards was still live then). */
  for (guint k = 0; k < snapshot->objects->len; k++)
    {
      const PerpStructureObject *o = &g_array_index (snapshot->objects, PerpStructureObject, k);
      double start = (double) (o->candle_time - c[0].open_time) / (double) interval_ms;
      double x0 = start < 0 ? f.left : frame_x (&f, start) - f.slot / 2;
      double x1 = frame_x (&f, snapshot->signal_index) + f.slot / 2;
      double y0 = frame_y (&f, MIN (o->top, f.hi)), y1 = frame_y (&f, MAX (o->bottom, f.lo));
      gboolean bull = o->direction > 0;

      if (x1 <= x0)
        continue;
      x0 = MAX (x0, f.left);
      perp_canvas_rect (canvas, x0, y0, x1 - x0, MAX (y1 - y0, 0.8), bull ? &bull_fill : &bear_fill,
                        o->kind == PERP_STRUCTURE_FVG ? NULL : bull ? &bull_edge : &bear_edge, 0.5);
    }

  /* Candles: hollow up, filled down, so they read in black and white. */
  for (guint i = 0; i < n; i++)
    {
      double cx = frame_x (&f, i);
      double body_w = MAX (f.slot * 0.62, 0.6);
      double top = frame_y (&f, MAX (c[i].open, c[i].close));
      double bottom = frame_y (&f, MIN (c[i].open, c[i].close));
      gboolean up = c[i].close >= c[i].open;

      perp_canvas_line (canvas, cx, frame_y (&f, c[i].high), cx, top, &ink, 0.5, 0);
      perp_canvas_line (canvas, cx, bottom, cx, frame_y (&f, c[i].low), &ink, 0.5, 0);
      perp_canvas_rect (canvas, cx - body_w / 2, top, body_w, MAX (bottom - top, 0.5),
                        up ? &white : &candle_down, &ink, 0.4);
    }

  /* The zones' names over the candles, at the zones' right end (the signal), where
   * the reader's eye is. */
  for (guint k = 0; k < snapshot->objects->len; k++)
    {
      const PerpStructureObject *o = &g_array_index (snapshot->objects, PerpStructureObject, k);
      const char *name = o->kind == PERP_STRUCTURE_FVG ? "FVG" : o->kind == PERP_STRUCTURE_BREAKER ? "BRK" : "OB";
      double x1 = frame_x (&f, snapshot->signal_index) + f.slot / 2;
      double ym = (frame_y (&f, MIN (o->top, f.hi)) + frame_y (&f, MAX (o->bottom, f.lo))) / 2;
      double tw = perp_canvas_text_width (canvas, name, 5.5, TRUE);

      perp_canvas_rect (canvas, x1 - tw - 5, ym - 3.5, tw + 4, 7, &label_bg, NULL, 0);
      perp_canvas_text (canvas, x1 - 3, ym, name, 5.5, TRUE, o->direction > 0 ? &bull_edge : &bear_edge,
                        PERP_ALIGN_END);
    }

  /* The signal candle's close: when the signal was known. */
  {
    double sx = frame_x (&f, snapshot->signal_index) + f.slot / 2;

    perp_canvas_line (canvas, sx, f.top, sx, f.bottom, &grey, 0.6, 2);
    perp_canvas_text (canvas, sx + 2, f.top + 5, "signal", 6, FALSE, &grey, PERP_ALIGN_START);
  }

  /* The plan, from the signal to the exit (or to the chart's end). */
  plan_end = f.right;
  if (s->has_outcome && s->exit_time >= 0)
    {
      double exit_index = (double) (s->exit_time - c[0].open_time) / (double) interval_ms;

      if (exit_index < n)
        plan_end = frame_x (&f, exit_index) + f.slot / 2;
    }
  if (s->has_plan)
    {
      double px = frame_x (&f, snapshot->signal_index) + f.slot / 2;

      perp_canvas_line (canvas, px, frame_y (&f, plan->entry), plan_end, frame_y (&f, plan->entry),
                        &entry_color, 1.1, 0);
      perp_canvas_line (canvas, px, frame_y (&f, plan->stop), plan_end, frame_y (&f, plan->stop),
                        &stop_color, 1.1, 3);
      for (guint t = 0; t < plan->n_targets && t < PERP_PLAN_MAX_TARGETS; t++)
        perp_canvas_line (canvas, px, frame_y (&f, plan->targets[t].price), plan_end,
                          frame_y (&f, plan->targets[t].price), &target_color, 0.9, 1.5);
    }

  /* Every exit, the last one labelled with the trade's result. */
  if (s->has_outcome)
    {
      const PerpOutcome *o = &snapshot->outcome;

      for (guint e = 0; e < o->n_exits && e < PERP_OUTCOME_MAX_EXITS; e++)
        {
          double ex = frame_x (&f, (double) (o->exits[e].time - c[0].open_time) / (double) interval_ms);
          double ey = frame_y (&f, o->exits[e].fill);
          double mark[8] = { ex, ey - 4, ex + 4, ey, ex, ey + 4, ex - 4, ey };

          if (ex > f.right || ex < f.left)
            continue;
          perp_canvas_polygon (canvas, mark, 4, &ink);
          if (e + 1 == o->n_exits)
            {
              g_autofree char *r = perp_report_format_r (s->result_r);
              g_autofree char *text = g_strdup_printf ("Exit %s", r);
              double tw = perp_canvas_text_width (canvas, text, 7, TRUE);
              gboolean left_of = ex + 8 + tw > f.right;
              double ty = ey + (ey < (f.top + f.bottom) / 2 ? 10 : -10);

              perp_canvas_rect (canvas, left_of ? ex - 8 - tw - 2 : ex + 6, ty - 5, tw + 4, 10, &label_bg, NULL, 0);
              perp_canvas_text (canvas, left_of ? ex - 6 : ex + 8, ty, text, 7, TRUE, &ink,
                                left_of ? PERP_ALIGN_END : PERP_ALIGN_START);
            }
        }
      if (s->exit_time >= 0 && (double) (s->exit_time - c[0].open_time) / (double) interval_ms >= n)
        perp_canvas_text (canvas, f.right - 4, f.bottom - 6, "exit after the chart's end →", 6.5, FALSE,
                          &grey, PERP_ALIGN_END);
    }

  perp_canvas_rect (canvas, f.left, f.top, f.right - f.left, f.bottom - f.top, NULL, &frame, 0.6);

  /* Labels last, over everything. */
  if (s->has_plan)
    {
      g_autofree char *entry = perp_report_format_price (plan->entry);
      g_autofree char *entry_text = g_strdup_printf ("Entry %s", entry);
      g_autofree char *stop = perp_report_format_price (plan->stop);
      g_autofree char *stop_text = g_strdup_printf ("Stop %s  −1R", stop);

      level_label (canvas, &f, plan->entry, entry_text, &entry_color, taken);
      level_label (canvas, &f, plan->stop, stop_text, &stop_color, taken);
      for (guint t = 0; t < plan->n_targets && t < PERP_PLAN_MAX_TARGETS; t++)
        {
          g_autofree char *price = perp_report_format_price (plan->targets[t].price);
          g_autofree char *r = format_fixed (plan->targets[t].r, 1);
          g_autofree char *text = g_strdup_printf ("TP%u %s  %sR", t + 1, price, r);

          level_label (canvas, &f, plan->targets[t].price, text, &target_color, taken);
        }
    }
}
