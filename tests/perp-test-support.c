/* perp-test-support.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"

/* The comparison rule of ../shared/conformance/talib/README.md, as compare.py applies it. */
#define TALIB_REL_TOLERANCE   1e-9
#define DEGENERATE_RSI_RANGE  1e-6
#define N_SHOWN               3

typedef enum
{
  SCALE_PRICE,
  SCALE_OSCILLATOR,
  SCALE_VOLUME,
} ScaleClass;

char *
perp_test_fixture_path (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
}

char *
perp_test_shared_path (const char *relative)
{
  g_autofree char *joined = NULL;
  g_autofree char *path = NULL;
  const char *dir;

  g_return_val_if_fail (relative != NULL, NULL);

  dir = g_getenv ("PERP_SHARED_DIR");
  if (dir != NULL && dir[0] != '\0')
    joined = g_build_filename (dir, relative, NULL);
  else
    joined = g_build_filename (PERP_SOURCE_DIR, "..", "shared", relative, NULL);

  path = g_canonicalize_filename (joined, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;

  return g_steal_pointer (&path);
}

/* Splits @line in place at commas; the fields are stripped of surrounding blanks. */
static guint
split_fields (char       *line,
              GPtrArray  *fields)
{
  char *p = line;

  g_assert (line != NULL);
  g_assert (fields != NULL);

  g_ptr_array_set_size (fields, 0);
  for (;;)
    {
      char *comma = strchr (p, ',');

      if (comma != NULL)
        *comma = '\0';
      g_ptr_array_add (fields, g_strstrip (p));
      if (comma == NULL)
        break;
      p = comma + 1;
    }

  return fields->len;
}

static gboolean
is_blank (const char *line)
{
  g_assert (line != NULL);

  for (; *line != '\0'; line++)
    if (!g_ascii_isspace (*line))
      return FALSE;

  return TRUE;
}

PerpTestTable *
perp_test_table_load (const char  *path,
                      GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) file_stream = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) arrays = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GArray) times = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *header = NULL;
  g_autofree gpointer *stolen = NULL;
  PerpTestTable *table;
  const char *start;
  gsize n_stolen = 0;
  guint line_no = 1;
  int time_column = -1;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  file_stream = g_file_read (file, NULL, error);
  if (file_stream == NULL)
    return NULL;

  if (g_str_has_suffix (path, ".gz"))
    {
      g_autoptr(GZlibDecompressor) decompressor = NULL;

      decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      stream = g_converter_input_stream_new (G_INPUT_STREAM (file_stream),
                                             G_CONVERTER (decompressor));
    }
  else
    {
      stream = g_object_ref (G_INPUT_STREAM (file_stream));
    }

  data = g_data_input_stream_new (stream);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (data), 1 << 16);
  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_LF);

  header = g_data_input_stream_read_line (data, NULL, NULL, &local_error);
  if (header == NULL)
    {
      if (local_error != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: empty file", path);
      return NULL;
    }

  /* A UTF-8 byte order mark is not part of the first name. */
  start = header;
  if (g_str_has_prefix (start, "\xEF\xBB\xBF"))
    start += 3;

  fields = g_ptr_array_new ();
  names = g_ptr_array_new_with_free_func (g_free);
  arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  split_fields ((char *) start, fields);
  for (guint j = 0; j < fields->len; j++)
    {
      const char *name = g_ptr_array_index (fields, j);

      if (time_column < 0 && strcmp (name, "open_time") == 0)
        time_column = (int) j;
      g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_add (arrays, g_array_sized_new (FALSE, FALSE, sizeof (double), 1024));
    }

  if (time_column < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: no open_time column in the header", path);
      return NULL;
    }

  times = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1024);

  for (;;)
    {
      g_autofree char *line = NULL;
      gint64 open_time;
      char *end;

      line = g_data_input_stream_read_line (data, NULL, NULL, &local_error);
      if (line == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
              return NULL;
            }
          break;
        }
      line_no++;

      if (is_blank (line))
        continue;

      if (split_fields (line, fields) != names->len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: %u fields, the header has %u",
                       path, line_no, fields->len, names->len);
          return NULL;
        }

      for (guint j = 0; j < fields->len; j++)
        {
          const char *cell = g_ptr_array_index (fields, j);
          double value;

          if (cell[0] == '\0')
            {
              value = NAN;
            }
          else
            {
              value = g_ascii_strtod (cell, &end);
              if (end == cell || *end != '\0')
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s:%u: %s: not a number: \"%s\"",
                               path, line_no, (const char *) g_ptr_array_index (names, j), cell);
                  return NULL;
                }
            }
          g_array_append_val ((GArray *) g_ptr_array_index (arrays, j), value);
        }

      {
        const char *cell = g_ptr_array_index (fields, time_column);

        open_time = g_ascii_strtoll (cell, &end, 10);
        if (end == cell || *end != '\0')
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "%s:%u: open_time: not an integer: \"%s\"", path, line_no, cell);
            return NULL;
          }
        g_array_append_val (times, open_time);
      }
    }

  table = g_new0 (PerpTestTable, 1);
  table->n_rows = times->len;
  table->open_time = (gint64 *) (gpointer) g_array_free (g_steal_pointer (&times), FALSE);
  table->columns = g_new0 (double *, names->len);
  stolen = g_ptr_array_steal (arrays, &n_stolen);
  g_assert (n_stolen == names->len);
  for (gsize j = 0; j < n_stolen; j++)
    table->columns[j] = (double *) (gpointer) g_array_free (stolen[j], FALSE);
  table->names = g_steal_pointer (&names);

  return table;
}

void
perp_test_table_free (PerpTestTable *table)
{
  if (table == NULL)
    return;

  if (table->columns != NULL && table->names != NULL)
    {
      for (guint j = 0; j < table->names->len; j++)
        g_free (table->columns[j]);
    }
  g_free (table->columns);
  g_free (table->open_time);
  g_clear_pointer (&table->names, g_ptr_array_unref);
  g_free (table);
}

int
perp_test_table_column (const PerpTestTable *table,
                        const char          *name)
{
  g_return_val_if_fail (table != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint j = 0; j < table->names->len; j++)
    if (strcmp (g_ptr_array_index (table->names, j), name) == 0)
      return (int) j;

  return -1;
}

static ScaleClass
scale_class (PerpIndicatorColumn column)
{
  switch (column)
    {
    case PERP_COLUMN_SMA20:
    case PERP_COLUMN_EMA9:
    case PERP_COLUMN_EMA21:
    case PERP_COLUMN_EMA50:
    case PERP_COLUMN_EMA200:
    case PERP_COLUMN_ATR14:
    case PERP_COLUMN_MACD:
    case PERP_COLUMN_MACD_SIGNAL:
    case PERP_COLUMN_MACD_HIST:
    case PERP_COLUMN_BB_UPPER:
    case PERP_COLUMN_BB_MIDDLE:
    case PERP_COLUMN_BB_LOWER:
      return SCALE_PRICE;

    case PERP_COLUMN_OBV:
      return SCALE_VOLUME;

    case PERP_COLUMN_RSI14:
    case PERP_COLUMN_NATR14:
    case PERP_COLUMN_STOCHRSI_K:
    case PERP_COLUMN_STOCHRSI_D:
    case PERP_COLUMN_ADX14:
    case PERP_COLUMN_PLUS_DI14:
    case PERP_COLUMN_MINUS_DI14:
    case PERP_COLUMN_CCI20:
    case PERP_COLUMN_MFI14:
    case PERP_COLUMN_WILLR14:
      return SCALE_OSCILLATOR;

    case PERP_COLUMN_VWAP_SESSION:
    case PERP_N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  return SCALE_OSCILLATOR;
}

/* The rows of stochrsi_k (@exempt_k) and stochrsi_d (@exempt_d) that depend on a fast-%K
 * window whose 14 expected rsi14 values span less than DEGENERATE_RSI_RANGE
 * (compare.py's stochrsi_exempt()). */
static void
find_stochrsi_exemptions (const PerpTestTable *expected,
                          gboolean            *exempt_k,
                          gboolean            *exempt_d)
{
  const double *rsi;
  int j;

  g_assert (expected != NULL);

  j = perp_test_table_column (expected, "rsi14");
  if (j < 0)
    return;
  rsi = expected->columns[j];

  for (guint i = 13; i < expected->n_rows; i++)
    {
      double lo = INFINITY;
      double hi = -INFINITY;
      gboolean gap = FALSE;

      for (guint r = i - 13; r <= i; r++)
        {
          if (isnan (rsi[r]))
            {
              gap = TRUE;
              break;
            }
          lo = MIN (lo, rsi[r]);
          hi = MAX (hi, rsi[r]);
        }
      if (gap || hi - lo >= DEGENERATE_RSI_RANGE)
        continue;

      for (guint r = i; r < i + 3 && r < expected->n_rows; r++)
        exempt_k[r] = TRUE;
      for (guint r = i; r < i + 5 && r < expected->n_rows; r++)
        exempt_d[r] = TRUE;
    }
}

static void
append_value (GString *s,
              double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_assert (s != NULL);

  if (isnan (value))
    g_string_append (s, "<empty>");
  else
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.17g", value));
}

guint
perp_test_talib_compare (const PerpCandles   *input,
                         double * const       actual[PERP_N_COLUMNS],
                         const PerpTestTable *expected,
                         GString             *report)
{
  g_autofree gboolean *exempt_k = NULL;
  g_autofree gboolean *exempt_d = NULL;
  g_autoptr(GString) shown = NULL;
  gboolean seen[PERP_N_COLUMNS] = { FALSE, };
  const gint64 *open_time;
  const double *close;
  const double *volume;
  double vmax = 0.0;
  guint n;
  guint n_bad_total = 0;
  guint n_exempt = 0;

  g_return_val_if_fail (input != NULL, 1);
  g_return_val_if_fail (actual != NULL, 1);
  g_return_val_if_fail (expected != NULL, 1);
  g_return_val_if_fail (report != NULL, 1);

  n = perp_candles_get_length (input);
  open_time = perp_candles_get_open_time (input);
  close = perp_candles_get_close (input);
  volume = perp_candles_get_volume (input);

  if (expected->n_rows != n)
    {
      g_string_append_printf (report, "  row counts differ: expected %u, input %u\n",
                              expected->n_rows, n);
      return MAX (expected->n_rows, n);
    }

  {
    guint n_bad_time = 0;

    for (guint i = 0; i < n; i++)
      {
        if (expected->open_time[i] == open_time[i])
          continue;
        if (n_bad_time < N_SHOWN)
          g_string_append_printf (report,
                                  "  open_time differs at row %u: expected %" G_GINT64_FORMAT
                                  ", input %" G_GINT64_FORMAT "\n",
                                  i, expected->open_time[i], open_time[i]);
        n_bad_time++;
      }
    if (n_bad_time > 0)
      {
        g_string_append_printf (report, "  open_time: %u of %u rows differ\n", n_bad_time, n);
        return n_bad_time;
      }
  }

  for (guint i = 0; i < n; i++)
    vmax = MAX (vmax, fabs (volume[i]));

  exempt_k = g_new0 (gboolean, n);
  exempt_d = g_new0 (gboolean, n);
  find_stochrsi_exemptions (expected, exempt_k, exempt_d);

  shown = g_string_new (NULL);

  for (guint j = 0; j < expected->names->len; j++)
    {
      const char *name = g_ptr_array_index (expected->names, j);
      const double *b_col = expected->columns[j];
      const double *a_col;
      const gboolean *exempt = NULL;
      PerpIndicatorColumn column;
      ScaleClass scale;
      gint64 first_a = -1;
      gint64 first_e = -1;
      guint n_bad = 0;
      guint n_shown = 0;

      if ((int) j == perp_test_table_column (expected, "open_time"))
        continue;

      column = perp_indicator_column_from_name (name);
      if ((guint) column >= PERP_N_COLUMNS || column == PERP_COLUMN_VWAP_SESSION)
        {
          g_string_append_printf (report, "  %s: not one of the 23 TA-Lib columns\n", name);
          n_bad_total++;
          continue;
        }
      if (seen[column])
        {
          g_string_append_printf (report, "  %s: column repeated in the expected file\n", name);
          n_bad_total++;
          continue;
        }
      seen[column] = TRUE;

      a_col = actual[column];
      if (a_col == NULL)
        {
          g_string_append_printf (report, "  %s: missing in actual\n", name);
          n_bad_total++;
          continue;
        }

      scale = scale_class (column);
      if (column == PERP_COLUMN_STOCHRSI_K)
        exempt = exempt_k;
      else if (column == PERP_COLUMN_STOCHRSI_D)
        exempt = exempt_d;

      g_string_truncate (shown, 0);

      for (guint i = 0; i < n; i++)
        {
          double a = a_col[i];
          double b = b_col[i];
          double s;
          double tol;
          double d;

          if (first_a < 0 && !isnan (a))
            first_a = i;
          if (first_e < 0 && !isnan (b))
            first_e = i;

          if (isnan (a) || isnan (b))
            {
              if (isnan (a) != isnan (b))
                {
                  n_bad++;
                  if (n_shown++ < N_SHOWN)
                    {
                      g_string_append_printf (shown, "    row %u (open_time %" G_GINT64_FORMAT "): expected ",
                                              i, expected->open_time[i]);
                      append_value (shown, b);
                      g_string_append (shown, ", got ");
                      append_value (shown, a);
                      g_string_append_c (shown, '\n');
                    }
                }
              continue;
            }

          if (exempt != NULL && exempt[i])
            {
              n_exempt++;
              if (!(a >= 0.0 && a <= 100.0))
                {
                  n_bad++;
                  if (n_shown++ < N_SHOWN)
                    {
                      g_string_append_printf (shown, "    row %u (open_time %" G_GINT64_FORMAT "): got ",
                                              i, expected->open_time[i]);
                      append_value (shown, a);
                      g_string_append (shown, ", outside [0, 100] (degenerate window)\n");
                    }
                }
              continue;
            }

          switch (scale)
            {
            case SCALE_PRICE:
              s = fabs (close[i]);
              break;
            case SCALE_VOLUME:
              s = vmax;
              break;
            case SCALE_OSCILLATOR:
            default:
              s = 100.0;
              break;
            }
          tol = TALIB_REL_TOLERANCE * MAX (fabs (b), s);
          d = fabs (a - b);
          if (!(d <= tol))
            {
              n_bad++;
              if (n_shown++ < N_SHOWN)
                {
                  g_string_append_printf (shown, "    row %u (open_time %" G_GINT64_FORMAT "): expected ",
                                          i, expected->open_time[i]);
                  append_value (shown, b);
                  g_string_append (shown, ", got ");
                  append_value (shown, a);
                  g_string_append_printf (shown, ", |diff| %.3g > tol %.3g\n", d, tol);
                }
            }
        }

      if (n_bad > 0)
        {
          g_string_append_printf (report, "  %s: %u of %u rows differ", name, n_bad, n);
          if (first_a != first_e)
            g_string_append_printf (report, "; first valid row: expected %" G_GINT64_FORMAT
                                    ", got %" G_GINT64_FORMAT, first_e, first_a);
          g_string_append_c (report, '\n');
          g_string_append_len (report, shown->str, shown->len);
          n_bad_total += n_bad;
        }
    }

  /* Every TA-Lib column must have been checked: a truncated expected file proves nothing. */
  for (guint c = 0; c < PERP_COLUMN_VWAP_SESSION; c++)
    {
      if (!seen[c])
        {
          g_string_append_printf (report, "  %s: absent from the expected file\n",
                                  perp_indicator_column_name ((PerpIndicatorColumn) c));
          n_bad_total++;
        }
    }

  if (n_exempt > 0)
    g_string_append_printf (report,
                            "  note: %u stochrsi cell(s) on degenerate RSI windows checked only for range [0, 100]\n",
                            n_exempt);

  return n_bad_total;
}
