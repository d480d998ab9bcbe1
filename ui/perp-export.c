/* perp-export.c: the journal written out as a report, off the main thread
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-export"

#include "config.h"

#include <glib/gi18n.h>

#include "perp-export.h"

/*
 * A report reads the whole journal and may draw hundreds of chart snapshots: seconds
 * of work.  It runs in a GTask thread on its own read-only connection to the same
 * file, so the window's connection (and the writer thread behind it) is never held
 * for the length of an export, and the export cannot change the journal.
 */

typedef struct
{
  char             *journal_path;
  char             *candles_path;
  char             *out_path;
  PerpReportFormat  format;
} ExportData;

static void
export_data_free (gpointer data)
{
  ExportData *ed = data;

  g_free (ed->journal_path);
  g_free (ed->candles_path);
  g_free (ed->out_path);
  g_free (ed);
}

/**
 * perp_export_format_for_path:
 * @path: the file to write
 * @format: (out): its format
 *
 * Returns: %TRUE when @path ends in .csv, .html, .htm or .pdf (any case)
 */
gboolean
perp_export_format_for_path (const char       *path,
                             PerpReportFormat *format)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".csv"))
    *format = PERP_REPORT_FORMAT_CSV;
  else if (g_str_has_suffix (lower, ".html") || g_str_has_suffix (lower, ".htm"))
    *format = PERP_REPORT_FORMAT_HTML;
  else if (g_str_has_suffix (lower, ".pdf"))
    *format = PERP_REPORT_FORMAT_PDF;
  else
    return FALSE;

  return TRUE;
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportData *ed = task_data;
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(PerpReport) report = NULL;
  g_autoptr(GError) error = NULL;
  PerpJournalQuery query;
  guint n_pages = 0;

  journal = perp_journal_open (ed->journal_path, PERP_JOURNAL_FLAGS_READ_ONLY, &error);
  if (journal == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  perp_journal_query_init (&query);
  report = perp_report_new (journal, &query, &error);
  if (report == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Snapshots need candles; without them the report says so per signal. */
  if (ed->candles_path != NULL && ed->format != PERP_REPORT_FORMAT_CSV
      && !perp_report_set_candles (report, ed->candles_path, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!perp_report_write (report, ed->format, ed->out_path, &n_pages, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_int (task, perp_report_get_signals (report)->len);
}

/**
 * perp_export_async:
 * @journal_path: the journal file, opened read-only in a worker thread
 * @candles_path: (nullable): candle CSVs for the chart snapshots of HTML and PDF
 * @format: the report format
 * @out_path: the file to write
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: for @callback
 *
 * Writes every journaled signal to @out_path.
 */
void
perp_export_async (const char          *journal_path,
                   const char          *candles_path,
                   PerpReportFormat     format,
                   const char          *out_path,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *ed;

  g_return_if_fail (journal_path != NULL);
  g_return_if_fail (out_path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  ed = g_new0 (ExportData, 1);
  ed->journal_path = g_strdup (journal_path);
  ed->candles_path = g_strdup (candles_path);
  ed->out_path = g_strdup (out_path);
  ed->format = format;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, perp_export_async);
  g_task_set_task_data (task, ed, export_data_free);
  g_task_run_in_thread (task, export_thread);
}

/**
 * perp_export_finish:
 * @result: the result given to the callback
 * @n_signals: (out) (optional): how many signals the report holds
 * @error: the journal's or the report's error
 *
 * Returns: %TRUE when the file was written
 */
gboolean
perp_export_finish (GAsyncResult  *result,
                    guint         *n_signals,
                    GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == perp_export_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_signals != NULL)
    *n_signals = (guint) n;

  return TRUE;
}
