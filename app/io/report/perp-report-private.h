/* perp-report-private.h: what the report's writers share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>

#include "core/perp-structure.h"
#include "perp-report.h"

G_BEGIN_DECLS

/**
 * PerpReportSnapshot:
 * @signal: (transfer none): the signal, owned by the report's list
 * @outcome: its stored outcome with the exits (valid when @signal->has_outcome)
 * @candles: PerpCandle, the window around the signal; empty when @missing is set
 * @signal_index: the signal candle's index in @candles (the last closed one at the signal)
 * @objects: PerpStructureObject, the active order blocks, breakers and gaps known at the
 *   signal candle's close, as they were then
 * @missing: (nullable): why there is no chart
 * @source: (nullable): the candle file's base name
 */
typedef struct
{
  const PerpJournalSignal *signal;
  PerpOutcome              outcome;
  GArray                  *candles;
  guint                    signal_index;
  GArray                  *objects;
  char                    *missing;
  char                    *source;
} PerpReportSnapshot;

typedef struct
{
  char         *path;
  char         *symbol;
  PerpInterval  interval;
} PerpReportCandleFile;

struct _PerpReport
{
  PerpJournal          *journal;
  gboolean              snapshot_held;   /* of a read-only journal, until freed */
  char                 *journal_path;
  PerpJournalQuery      query;
  char                 *symbol;
  gint64                generated_at;

  GPtrArray            *signals;         /* PerpJournalSignal, by time then id */
  guint                 n_by_status[PERP_N_SIGNAL_STATUSES];
  guint                 n_with_plan;     /* signals perp_report_wants_snapshot() */

  PerpJournalStats      overall;
  GPtrArray            *by_symbol;       /* PerpJournalStatsRow */
  GPtrArray            *by_tier;
  GPtrArray            *by_session;
  GPtrArray            *by_factor[PERP_N_FACTORS];

  GArray               *equity_time;     /* gint64: exit times of the closed taken trades */
  GArray               *equity_r;        /* double: the cumulative R after each */
  double                gross_r;         /* their results before costs, summed */
  double                funding_r;       /* the funding they paid, summed */
  double                confidence_r_correlation; /* their confidence against their results */

  PerpReportBucket      buckets[PERP_REPORT_N_BUCKETS];

  char                 *candles_path;
  GPtrArray            *candle_files;    /* PerpReportCandleFile */
  guint                 max_snapshots;
  GPtrArray            *snapshots;       /* PerpReportSnapshot, newest first; NULL until built */
};

/* Drawing on either cairo (PDF) or SVG text (HTML), so that the charts are drawn by
 * one piece of code for both. */
typedef struct
{
  double r, g, b, a;
} PerpRgba;

typedef enum
{
  PERP_ALIGN_START,
  PERP_ALIGN_CENTER,
  PERP_ALIGN_END,
} PerpAlign;

typedef struct _PerpCanvas PerpCanvas;

PerpCanvas *perp_canvas_new_cairo       (cairo_t          *cr);
PerpCanvas *perp_canvas_new_svg         (GString          *out,
                                         double            width,
                                         double            height,
                                         const char       *title);
void        perp_canvas_free            (PerpCanvas       *canvas);
void        perp_canvas_rect            (PerpCanvas       *canvas,
                                         double            x,
                                         double            y,
                                         double            width,
                                         double            height,
                                         const PerpRgba   *fill,
                                         const PerpRgba   *stroke,
                                         double            line_width);
void        perp_canvas_line            (PerpCanvas       *canvas,
                                         double            x1,
                                         double            y1,
                                         double            x2,
                                         double            y2,
                                         const PerpRgba   *color,
                                         double            line_width,
                                         double            dash);
void        perp_canvas_polyline        (PerpCanvas       *canvas,
                                         const double     *xy,
                                         guint             n_points,
                                         const PerpRgba   *color,
                                         double            line_width);
void        perp_canvas_polygon         (PerpCanvas       *canvas,
                                         const double     *xy,
                                         guint             n_points,
                                         const PerpRgba   *fill);
double      perp_canvas_text            (PerpCanvas       *canvas,
                                         double            x,
                                         double            y,
                                         const char       *text,
                                         double            size,
                                         gboolean          bold,
                                         const PerpRgba   *color,
                                         PerpAlign         align);
double      perp_canvas_text_width      (PerpCanvas       *canvas,
                                         const char       *text,
                                         double            size,
                                         gboolean          bold);

void        perp_report_draw_equity     (const PerpReport *report,
                                         PerpCanvas       *canvas,
                                         double            x,
                                         double            y,
                                         double            width,
                                         double            height);
void        perp_report_draw_snapshot   (const PerpReportSnapshot *snapshot,
                                         PerpCanvas       *canvas,
                                         double            x,
                                         double            y,
                                         double            width,
                                         double            height);

gboolean    perp_report_wants_snapshot  (const PerpJournalSignal *signal);
gboolean    perp_report_build_snapshots (PerpReport       *self,
                                         GError          **error);
char       *perp_report_format_time     (gint64            ms);
char       *perp_report_format_price    (double            price);
char       *perp_report_scope_text      (const PerpReport *self);
char       *perp_report_counts_text     (const PerpReport *self);
char       *perp_report_calibration_note (const PerpReport *self);
char       *perp_report_snapshot_title  (const PerpReportSnapshot *snapshot);
char       *perp_report_snapshot_plan_text (const PerpReportSnapshot *snapshot);
char       *perp_report_snapshot_outcome_text (const PerpReportSnapshot *snapshot);
const char *perp_report_outcome_title   (PerpOutcomeState  state);

/* The columns of the statistics tables, shared by HTML and PDF so both read alike. */
#define PERP_REPORT_N_STATS_COLUMNS 10
extern const char *const perp_report_stats_headers[PERP_REPORT_N_STATS_COLUMNS];
void        perp_report_stats_cells     (const char             *key,
                                         const PerpJournalStats *stats,
                                         char                  **cells);

gboolean    perp_report_write_csv       (PerpReport       *self,
                                         GOutputStream    *out,
                                         GError          **error);
gboolean    perp_report_write_html      (PerpReport       *self,
                                         GOutputStream    *out,
                                         GError          **error);
gboolean    perp_report_write_pdf       (PerpReport       *self,
                                         GOutputStream    *out,
                                         guint            *n_pages,
                                         GError          **error);

G_END_DECLS
