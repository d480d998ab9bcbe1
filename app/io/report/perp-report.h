/* perp-report.h: reports of the signal journal in CSV, HTML and PDF
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "io/store/perp-journal.h"

G_BEGIN_DECLS

/*
 * A report reads the journal once (the signals in the query's range with their
 * outcomes, and the journal's own statistics over the taken ones) and writes it out:
 *
 * - CSV: one row per signal with its plan and outcome, RFC 4180 quoting, numbers in
 *   the shortest form that reads back as the same double, times in ISO 8601 UTC.
 * - HTML: one self-contained file (inline CSS, inline SVG charts) for screen and paper.
 * - PDF: A4 through one cairo PDF surface, page by page, with page numbers.
 *
 * HTML and PDF carry the statistics (overall, by symbol, tier, session and factor, as
 * the journal computes them), the equity curve in R, a calibration table and, for the
 * latest taken signals, a chart snapshot: the candles around the signal with its
 * plan and exit, and the order blocks and fair value gaps the causal structure engine
 * knew of at the signal.  Candles come from candle CSV files named like
 * SYMBOL_INTERVAL_*.csv (perp_report_set_candles()); a signal without candles says so.
 */

#define PERP_REPORT_ERROR (perp_report_error_quark ())

typedef enum
{
  PERP_REPORT_ERROR_WRITE,    /* the output file cannot be written */
  PERP_REPORT_ERROR_CANDLES,  /* the candles path does not exist or holds no candle file */
} PerpReportError;

typedef enum
{
  PERP_REPORT_FORMAT_CSV,
  PERP_REPORT_FORMAT_HTML,
  PERP_REPORT_FORMAT_PDF,
} PerpReportFormat;

/* Per-signal chart snapshots kept in HTML and PDF by default (the latest ones). */
#define PERP_REPORT_DEFAULT_SNAPSHOTS 200

/* Stated-confidence buckets of the calibration table: [50, 55), [55, 65), [65, 80),
 * [80, 100], over the closed taken trades. */
#define PERP_REPORT_N_BUCKETS 4

typedef struct
{
  double low;
  double high;
  guint  n_trades;
  guint  n_wins;
  double sum_confidence;
  double sum_r;
} PerpReportBucket;

typedef struct _PerpReport PerpReport;

GQuark            perp_report_error_quark       (void);

PerpReport       *perp_report_new               (PerpJournal             *journal,
                                                 const PerpJournalQuery  *query,
                                                 GError                 **error);
void              perp_report_free              (PerpReport              *self);

gboolean          perp_report_set_candles       (PerpReport              *self,
                                                 const char              *path,
                                                 GError                 **error);
gboolean          perp_report_add_candles       (PerpReport              *self,
                                                 const char              *path,
                                                 GError                 **error);
void              perp_report_set_max_snapshots (PerpReport              *self,
                                                 guint                    max_snapshots);
void              perp_report_set_generated_at  (PerpReport              *self,
                                                 gint64                   time);

const GPtrArray  *perp_report_get_signals       (const PerpReport        *self);
guint             perp_report_get_n_status      (const PerpReport        *self,
                                                 PerpSignalStatus         status);
const PerpJournalStats *perp_report_get_overall (const PerpReport        *self);
const GPtrArray  *perp_report_get_stats         (const PerpReport        *self,
                                                 PerpJournalGroup         group);
const PerpReportBucket *perp_report_get_calibration (const PerpReport    *self);
double            perp_report_get_gross_r       (const PerpReport        *self);
double            perp_report_get_funding_r     (const PerpReport        *self);
double            perp_report_get_confidence_correlation (const PerpReport *self);
guint             perp_report_get_n_snapshots   (const PerpReport        *self);

gboolean          perp_report_write             (PerpReport              *self,
                                                 PerpReportFormat         format,
                                                 const char              *path,
                                                 guint                   *n_pages,
                                                 GError                 **error);

gboolean          perp_report_format_from_name  (const char              *name,
                                                 PerpReportFormat        *format);

char             *perp_report_format_r          (double                   r);
char             *perp_report_format_ratio      (double                   value);
char             *perp_report_format_percent    (double                   fraction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpReport, perp_report_free)

G_END_DECLS
