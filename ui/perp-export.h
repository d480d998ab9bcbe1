/* perp-export.h: the journal written out as a report, off the main thread
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "io/report/perp-report.h"

G_BEGIN_DECLS

gboolean perp_export_format_for_path (const char           *path,
                                      PerpReportFormat     *format);

void     perp_export_async           (const char           *journal_path,
                                      const char           *candles_path,
                                      PerpReportFormat      format,
                                      const char           *out_path,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean perp_export_finish          (GAsyncResult         *result,
                                      guint                *n_signals,
                                      GError              **error);

G_END_DECLS
