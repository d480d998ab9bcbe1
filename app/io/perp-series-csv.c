/* perp-series-csv.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-csv"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-series-csv.h"
#include "perp-csv-private.h"

/*
 * Two-column time series with a header, as in ../shared/data/funding:
 *
 *     funding_time,funding_rate
 *     1672531200000,0.00010000
 *
 * Strict: a header naming both columns, integer millisecond times in strictly
 * increasing order, and a finite number in every value cell.  Errors use the candle
 * loader's domain and form, "FILE:LINE: column N (name): ...".  The files are small
 * (a row per 8 h settlement), so numbers go through g_ascii_strtod after a character
 * check rather than through the candle loader's fast path.
 */


void
perp_time_series_free (PerpTimeSeries *series)
{
  if (series == NULL)
    return;

  g_free (series->time_column);
  g_free (series->value_column);
  g_free (series->time);
  g_free (series->value);
  g_free (series);
}


static gboolean
parse_time (const PerpCsvField *f,
            gint64      *out)
{
  g_autofree char *copy = g_strndup (f->start, f->end - f->start);

  return g_ascii_string_to_signed (copy, 10, G_MININT64, G_MAXINT64, out, NULL);
}

static gboolean
parse_value (const PerpCsvField *f,
             double      *out)
{
  g_autofree char *copy = NULL;
  gboolean any_digit = FALSE;
  char *endptr = NULL;

  /* g_ascii_strtod also reads "nan", "inf" and hex floats, none of which is data. */
  for (const char *q = f->start; q < f->end; q++)
    {
      if (g_ascii_isdigit (*q))
        any_digit = TRUE;
      else if (*q != '.' && *q != '-' && *q != '+' && *q != 'e' && *q != 'E')
        return FALSE;
    }
  if (!any_digit)
    return FALSE;

  copy = g_strndup (f->start, f->end - f->start);
  *out = g_ascii_strtod (copy, &endptr);

  return *endptr == '\0' && isfinite (*out);
}

static gboolean
line_is_blank (const char *p,
               const char *end)
{
  for (; p < end; p++)
    if (*p != ' ' && *p != '\t')
      return FALSE;
  return TRUE;
}

/**
 * perp_series_csv_parse:
 * @name: the file's name, for error messages
 * @text: (array length=length): the file's contents
 *
 * Parses a two-column time-series CSV (see the comment at the top of this file).
 *
 * Returns: (transfer full) (nullable): the series, or %NULL with @error naming the
 *   file, line and column of the first problem
 */
PerpTimeSeries *
perp_series_csv_parse (const char  *name,
                       const char  *text,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(PerpTimeSeries) series = NULL;
  g_autoptr(GArray) times = NULL;
  g_autoptr(GArray) values = NULL;
  const char *p = text;
  const char *end = text + length;
  guint line = 0;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  times = g_array_new (FALSE, FALSE, sizeof (gint64));
  values = g_array_new (FALSE, FALSE, sizeof (double));

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;
      PerpCsvField fields[3];
      guint n_fields;
      gint64 t;
      double v;

      line++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;

      if (line_is_blank (p, line_end))
        {
          p = next;
          continue;
        }

      n_fields = _perp_csv_split_fields (p, line_end, fields, G_N_ELEMENTS (fields));

      if (series == NULL)
        {
          if (parse_time (&fields[0], &t))
            {
              g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                           "%s:%u: no header: the first line must name the columns (time,value), "
                           "for example funding_time,funding_rate", name, line);
              return NULL;
            }
          if (n_fields != 2 || fields[0].start == fields[0].end || fields[1].start == fields[1].end)
            {
              g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                           "%s:%u: the header names %u column%s, expected two: a time and a value "
                           "(for example funding_time,funding_rate)",
                           name, line, n_fields, n_fields == 1 ? "" : "s");
              return NULL;
            }

          series = g_new0 (PerpTimeSeries, 1);
          series->time_column = g_strndup (fields[0].start, fields[0].end - fields[0].start);
          series->value_column = g_strndup (fields[1].start, fields[1].end - fields[1].start);
          p = next;
          continue;
        }

      if (n_fields < 2)
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, name, line, 2, series->value_column,
                         "missing: the row has 1 of 2 columns (truncated line?)");
          return NULL;
        }
      if (n_fields > 2)
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, name, line, 3, "extra",
                         "the row has %u columns, the header 2", n_fields);
          return NULL;
        }

      if (!parse_time (&fields[0], &t) || !perp_time_is_valid (t))
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_NUMBER, name, line, 1, series->time_column,
                         "\"%.*s\" is not a time in milliseconds from 1970 to 9999",
                         (int) MIN (fields[0].end - fields[0].start, 40), fields[0].start);
          return NULL;
        }

      if (times->len > 0 && t <= g_array_index (times, gint64, times->len - 1))
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_NOT_INCREASING, name, line, 1, series->time_column,
                         "%" G_GINT64_FORMAT " is not after the previous row's %" G_GINT64_FORMAT,
                         t, g_array_index (times, gint64, times->len - 1));
          return NULL;
        }

      if (!parse_value (&fields[1], &v))
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_NUMBER, name, line, 2, series->value_column,
                         "\"%.*s\" is not a finite number",
                         (int) MIN (fields[1].end - fields[1].start, 40), fields[1].start);
          return NULL;
        }

      g_array_append_val (times, t);
      g_array_append_val (values, v);
      p = next;
    }

  if (series == NULL || times->len == 0)
    {
      g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_EMPTY,
                   "%s: no rows%s", name, series != NULL ? " after the header" : "");
      return NULL;
    }

  series->length = times->len;
  series->time = (gint64 *) (gpointer) g_array_free (g_steal_pointer (&times), FALSE);
  series->value = (double *) (gpointer) g_array_free (g_steal_pointer (&values), FALSE);

  return g_steal_pointer (&series);
}

/**
 * perp_series_csv_load:
 * @path: a two-column time-series CSV file
 *
 * Returns: (transfer full) (nullable): the series, or %NULL with @error set
 */
PerpTimeSeries *
perp_series_csv_load (const char  *path,
                      GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *contents;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_IO, "%s", local_error->message);
      return NULL;
    }

  contents = g_mapped_file_get_contents (mapped);

  return perp_series_csv_parse (path, contents != NULL ? contents : "",
                                g_mapped_file_get_length (mapped), error);
}
