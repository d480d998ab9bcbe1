/* perp-candle-csv.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-csv"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-candle-csv.h"
#include "perp-csv-private.h"

/*
 * Candle CSV files in the two layouts Perpscope meets:
 *
 *  - freqtrade's 6 columns with a header: open_time,open,high,low,close,volume;
 *  - Binance's 12-column kline layout (data.binance.vision), with or without a header:
 *    open_time, open, high, low, close, volume, close_time, quote_volume, count,
 *    taker_buy_volume, taker_buy_quote_volume, ignore.
 *
 * Files are read whole through a memory map and parsed in place.  Numbers go through a
 * strict decimal parser with Clinger's exact fast path (mantissa below 2^53, power of
 * ten up to 22), so the common case costs a few nanoseconds and still gives the same
 * correctly rounded double as strtod; anything longer falls back to g_ascii_strtod.
 */

#define MAX_FIELDS 64

G_DEFINE_QUARK (perp-csv-error-quark, perp_csv_error)

typedef struct
{
  int index[PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME + 1];  /* file column of each candle column, -1 if absent */
  guint n_columns;
  PerpCandleFields fields;
} Layout;


static const double powers_of_ten[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static gboolean
parse_double_slow (const char *p,
                   const char *end,
                   double     *out)
{
  g_autofree char *copy = NULL;
  char *endptr = NULL;
  gsize len = end - p;

  if (len == 0)
    return FALSE;

  /* g_ascii_strtod also takes "nan", "inf" and hex floats: none of those is a price. */
  for (const char *q = p; q < end; q++)
    if (!g_ascii_isdigit (*q) && *q != '.' && *q != '-' && *q != '+' && *q != 'e' && *q != 'E')
      return FALSE;

  copy = g_strndup (p, len);
  *out = g_ascii_strtod (copy, &endptr);

  return endptr == copy + len && isfinite (*out);
}

static gboolean
parse_double (const char *p,
              const char *end,
              double     *out)
{
  const char *start = p;
  guint64 mantissa = 0;
  int significant = 0;
  int exp10 = 0;
  gboolean negative = FALSE;
  gboolean any_digit = FALSE;
  double value;

  if (p < end && (*p == '-' || *p == '+'))
    negative = (*p++ == '-');

  for (; p < end && g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (mantissa == 0 && *p == '0')
        continue;
      if (++significant > 19)
        return parse_double_slow (start, end, out);
      mantissa = mantissa * 10 + (guint64) (*p - '0');
    }

  if (p < end && *p == '.')
    {
      for (p++; p < end && g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          exp10--;
          if (mantissa == 0 && *p == '0')
            continue;
          if (++significant > 19)
            return parse_double_slow (start, end, out);
          mantissa = mantissa * 10 + (guint64) (*p - '0');
        }
    }

  if (!any_digit)
    return FALSE;

  if (p < end)
    {
      if (*p != 'e' && *p != 'E')
        return FALSE;
      return parse_double_slow (start, end, out);
    }

  if (mantissa > (G_GUINT64_CONSTANT (1) << 53) || exp10 < -22 || exp10 > 22)
    return parse_double_slow (start, end, out);

  value = (double) mantissa;
  if (exp10 < 0)
    value /= powers_of_ten[-exp10];
  else
    value *= powers_of_ten[exp10];

  *out = negative ? -value : value;

  return TRUE;
}

static gboolean
parse_int64 (const char *p,
             const char *end,
             gint64     *out)
{
  guint64 value = 0;
  gboolean negative = FALSE;

  if (p < end && *p == '-')
    negative = TRUE, p++;

  if (p == end)
    return FALSE;

  for (; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (value > (G_MAXINT64 - 9) / 10)
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
    }

  *out = negative ? -(gint64) value : (gint64) value;

  return TRUE;
}

static gboolean
parse_fixed_digits (const char *p,
                    guint       n,
                    int        *out)
{
  int v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      v = v * 10 + (p[i] - '0');
    }
  *out = v;

  return TRUE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static gint64
days_from_civil (int y,
                 int m,
                 int d)
{
  int era;
  int yoe;
  int doy;
  int doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return (gint64) era * 146097 + doe - 719468;
}

/* "YYYY.MM.DD HH:MM:SS" (MetaTrader exports) or "YYYY-MM-DD HH:MM:SS" / "...THH:MM:SS",
 * taken as UTC, to Unix milliseconds. */
static gboolean
parse_datetime (const char *p,
                const char *end,
                gint64     *out)
{
  int y, mo, d, h, mi, sec;

  if (end - p != 19
      || !(p[4] == '.' || p[4] == '-') || p[7] != p[4]
      || !(p[10] == ' ' || p[10] == 'T') || p[13] != ':' || p[16] != ':')
    return FALSE;

  if (!parse_fixed_digits (p, 4, &y) || !parse_fixed_digits (p + 5, 2, &mo)
      || !parse_fixed_digits (p + 8, 2, &d) || !parse_fixed_digits (p + 11, 2, &h)
      || !parse_fixed_digits (p + 14, 2, &mi) || !parse_fixed_digits (p + 17, 2, &sec))
    return FALSE;

  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return FALSE;

  *out = ((days_from_civil (y, mo, d) * 24 + h) * 60 + mi) * G_GINT64_CONSTANT (60000)
         + sec * G_GINT64_CONSTANT (1000);

  return TRUE;
}

/* Splits [line, end) on commas, trimming blanks around each field.  Returns the number
 * of fields, which may exceed MAX_FIELDS (only the first MAX_FIELDS are stored). */
guint
_perp_csv_split_fields (const char   *line,
                        const char   *end,
                        PerpCsvField *fields,
                        guint         max)
{
  guint n = 0;
  const char *p = line;

  for (;;)
    {
      const char *comma = memchr (p, ',', end - p);
      const char *field_end = comma != NULL ? comma : end;
      const char *s = p;
      const char *e = field_end;

      while (s < e && (*s == ' ' || *s == '\t'))
        s++;
      while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;

      if (n < max)
        {
          fields[n].start = s;
          fields[n].end = e;
        }
      n++;

      if (comma == NULL)
        return n;
      p = comma + 1;
    }
}

static gboolean
field_is (const PerpCsvField *f,
          const char  *name)
{
  gsize len = strlen (name);

  return (gsize) (f->end - f->start) == len && g_ascii_strncasecmp (f->start, name, len) == 0;
}

static void
layout_init (Layout *layout,
             guint   n_columns)
{
  for (guint i = 0; i < G_N_ELEMENTS (layout->index); i++)
    layout->index[i] = -1;
  layout->n_columns = n_columns;
  layout->fields = PERP_CANDLE_FIELD_NONE;
}

static void
layout_finish (Layout *layout)
{
  if (layout->index[PERP_CANDLE_COLUMN_QUOTE_VOLUME] >= 0)
    layout->fields |= PERP_CANDLE_FIELD_QUOTE_VOLUME;
  if (layout->index[PERP_CANDLE_COLUMN_TRADE_COUNT] >= 0)
    layout->fields |= PERP_CANDLE_FIELD_TRADE_COUNT;
  if (layout->index[PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME] >= 0)
    layout->fields |= PERP_CANDLE_FIELD_TAKER_BUY_VOLUME;
}

static gboolean
layout_from_header (Layout       *layout,
                    const PerpCsvField  *fields,
                    guint         n_fields,
                    const char   *volume_column,
                    const char   *name,
                    guint         line,
                    GError      **error)
{
  static const struct {
    PerpCandleColumn column;
    const char *names[4];
  } aliases[] = {
    { PERP_CANDLE_COLUMN_OPEN_TIME, { "open_time", "timestamp", "date", NULL } },
    { PERP_CANDLE_COLUMN_OPEN, { "open", NULL } },
    { PERP_CANDLE_COLUMN_HIGH, { "high", NULL } },
    { PERP_CANDLE_COLUMN_LOW, { "low", NULL } },
    { PERP_CANDLE_COLUMN_CLOSE, { "close", NULL } },
    { PERP_CANDLE_COLUMN_VOLUME, { "volume", NULL } },
    { PERP_CANDLE_COLUMN_QUOTE_VOLUME, { "quote_volume", "quote_asset_volume", NULL } },
    { PERP_CANDLE_COLUMN_TRADE_COUNT, { "count", "trades", "number_of_trades", NULL } },
    { PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME, { "taker_buy_volume", "taker_buy_base_asset_volume", NULL } },
  };

  layout_init (layout, n_fields);

  for (guint f = 0; f < MIN (n_fields, MAX_FIELDS); f++)
    for (guint a = 0; a < G_N_ELEMENTS (aliases); a++)
      for (guint k = 0; aliases[a].names[k] != NULL; k++)
        if (field_is (&fields[f], aliases[a].names[k]) && layout->index[aliases[a].column] < 0)
          layout->index[aliases[a].column] = (int) f;

  if (volume_column != NULL)
    {
      layout->index[PERP_CANDLE_COLUMN_VOLUME] = -1;
      for (guint f = 0; f < MIN (n_fields, MAX_FIELDS); f++)
        if (field_is (&fields[f], volume_column))
          layout->index[PERP_CANDLE_COLUMN_VOLUME] = (int) f;
      if (layout->index[PERP_CANDLE_COLUMN_VOLUME] < 0)
        {
          g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                       "%s:%u: the header has no \"%s\" column to read volume from",
                       name, line, volume_column);
          return FALSE;
        }
    }

  for (guint c = PERP_CANDLE_COLUMN_OPEN_TIME; c <= PERP_CANDLE_COLUMN_VOLUME; c++)
    if (layout->index[c] < 0)
      {
        g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                     "%s:%u: the header has no \"%s\" column (need open_time,open,high,low,close,volume)",
                     name, line, perp_candle_column_name (c));
        return FALSE;
      }

  layout_finish (layout);

  return TRUE;
}

static gboolean
layout_headerless (Layout      *layout,
                   guint        n_fields,
                   const char  *name,
                   guint        line,
                   GError     **error)
{
  layout_init (layout, n_fields);

  if (n_fields != 6 && n_fields != 12)
    {
      g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                   "%s:%u: %u columns and no header: expected 6 (open_time,open,high,low,close,volume) "
                   "or Binance's 12-column kline layout",
                   name, line, n_fields);
      return FALSE;
    }

  for (guint c = PERP_CANDLE_COLUMN_OPEN_TIME; c <= PERP_CANDLE_COLUMN_VOLUME; c++)
    layout->index[c] = (int) c;

  if (n_fields == 12)
    {
      layout->index[PERP_CANDLE_COLUMN_QUOTE_VOLUME] = 7;
      layout->index[PERP_CANDLE_COLUMN_TRADE_COUNT] = 8;
      layout->index[PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME] = 9;
    }

  layout_finish (layout);

  return TRUE;
}

/* "FILE:LINE: column N (name): what", the one error format of the CSV loaders. */
void
_perp_csv_set_row_error (GError     **error,
                         PerpCsvError code,
                         const char  *name,
                         guint        line,
                         guint        column,
                         const char  *column_name,
                         const char  *format,
                         ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, PERP_CSV_ERROR, code, "%s:%u: column %u (%s): %s",
               name, line, column, column_name, what);
}

/* Parses one data row into @candle, or says which field is wrong. */
static gboolean
parse_row (const Layout  *layout,
           const PerpCsvField   *fields,
           guint          n_fields,
           const char    *name,
           guint          line,
           PerpCandle    *candle,
           GError       **error)
{
  double *targets[] = {
    [PERP_CANDLE_COLUMN_OPEN] = &candle->open,
    [PERP_CANDLE_COLUMN_HIGH] = &candle->high,
    [PERP_CANDLE_COLUMN_LOW] = &candle->low,
    [PERP_CANDLE_COLUMN_CLOSE] = &candle->close,
    [PERP_CANDLE_COLUMN_VOLUME] = &candle->volume,
    [PERP_CANDLE_COLUMN_QUOTE_VOLUME] = &candle->quote_volume,
    [PERP_CANDLE_COLUMN_TRADE_COUNT] = NULL,
    [PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME] = &candle->taker_buy_volume,
  };
  int idx;

  if (n_fields != layout->n_columns)
    {
      if (n_fields < layout->n_columns)
        _perp_csv_set_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, name, line, n_fields + 1, "missing",
                       "the row has %u of %u columns (truncated line?)", n_fields, layout->n_columns);
      else
        _perp_csv_set_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, name, line, layout->n_columns + 1, "extra",
                       "the row has %u columns, the file %u", n_fields, layout->n_columns);
      return FALSE;
    }

  perp_candle_init (candle, 0, 0, 0, 0, 0, 0);

  idx = layout->index[PERP_CANDLE_COLUMN_OPEN_TIME];
  if (!parse_int64 (fields[idx].start, fields[idx].end, &candle->open_time)
      && !parse_datetime (fields[idx].start, fields[idx].end, &candle->open_time))
    {
      _perp_csv_set_row_error (error, PERP_CSV_ERROR_NUMBER, name, line, idx + 1, "open_time",
                     "\"%.*s\" is neither a time in milliseconds nor YYYY-MM-DD HH:MM:SS",
                     (int) MIN (fields[idx].end - fields[idx].start, 40), fields[idx].start);
      return FALSE;
    }
  /* Binance's spot archives switched to microseconds in 2025: a time past the year
   * 5000 in milliseconds is one of those, whatever its neighbours use. */
  if (candle->open_time > G_GINT64_CONSTANT (100000000000000))
    candle->open_time /= 1000;
  if (!perp_time_is_valid (candle->open_time))
    {
      _perp_csv_set_row_error (error, PERP_CSV_ERROR_NUMBER, name, line, idx + 1, "open_time",
                     "%" G_GINT64_FORMAT " is not a time in milliseconds from 1970 to 9999",
                     candle->open_time);
      return FALSE;
    }

  for (guint c = PERP_CANDLE_COLUMN_OPEN; c <= PERP_CANDLE_COLUMN_TAKER_BUY_VOLUME; c++)
    {
      gboolean ok;

      idx = layout->index[c];
      if (idx < 0)
        continue;

      if (c == PERP_CANDLE_COLUMN_TRADE_COUNT)
        ok = parse_int64 (fields[idx].start, fields[idx].end, &candle->trade_count);
      else
        ok = parse_double (fields[idx].start, fields[idx].end, targets[c]);

      if (!ok)
        {
          _perp_csv_set_row_error (error, PERP_CSV_ERROR_NUMBER, name, line, idx + 1,
                         perp_candle_column_name (c), "\"%.*s\" is not a number",
                         (int) MIN (fields[idx].end - fields[idx].start, 40), fields[idx].start);
          return FALSE;
        }
    }

  return TRUE;
}

/* Appends @candle, turning the series' refusal into an error naming the CSV column. */
static gboolean
append_row (PerpCandles       *candles,
            const Layout      *layout,
            const PerpCandle  *candle,
            const char        *name,
            guint              line,
            GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  PerpCandleColumn column = PERP_CANDLE_COLUMN_OPEN_TIME;
  const char *reason = NULL;

  if (perp_candles_append (candles, candle, &local_error))
    return TRUE;

  if (g_error_matches (local_error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_NOT_INCREASING))
    {
      _perp_csv_set_row_error (error, PERP_CSV_ERROR_NOT_INCREASING, name, line,
                     layout->index[PERP_CANDLE_COLUMN_OPEN_TIME] + 1, "open_time",
                     "%s", local_error->message);
      return FALSE;
    }

  perp_candle_check (candle, layout->fields, &column, &reason);
  _perp_csv_set_row_error (error, PERP_CSV_ERROR_INVALID, name, line, layout->index[column] + 1,
                 perp_candle_column_name (column), "%s",
                 reason != NULL ? reason : local_error->message);

  return FALSE;
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
 * perp_candle_csv_parse:
 * @name: the file's name, for error messages
 * @text: (array length=length): the file's contents
 * @flags: %PERP_CSV_FLAGS_LENIENT to skip malformed rows instead of failing
 * @report: (out caller-allocates) (optional): what was read; free with perp_csv_report_clear()
 *
 * Parses a candle CSV file (see the comment at the top of this file for the layouts).
 * Blank lines are ignored.  The interval is inferred from the open times.
 *
 * Returns: (transfer full) (nullable): the candles, or %NULL with @error naming the
 *   file, line and column of the first malformed row
 */
PerpCandles *
perp_candle_csv_parse (const char     *name,
                       const char     *text,
                       gsize           length,
                       PerpCsvFlags    flags,
                       PerpCsvReport  *report,
                       GError        **error)
{
  PerpCsvOptions options = { .flags = flags };

  return perp_candle_csv_parse_with_options (name, text, length, &options, report, error);
}

/**
 * perp_candle_csv_parse_with_options:
 *
 * perp_candle_csv_parse() with more choices than the flags (see #PerpCsvOptions).
 *
 * Returns: (transfer full) (nullable): the candles, or %NULL with @error set
 */
PerpCandles *
perp_candle_csv_parse_with_options (const char            *name,
                                    const char            *text,
                                    gsize                  length,
                                    const PerpCsvOptions  *options,
                                    PerpCsvReport         *report,
                                    GError               **error)
{
  g_autoptr(PerpCandles) candles = NULL;
  PerpCsvField fields[MAX_FIELDS];
  PerpCsvReport local_report = { 0 };
  const char *p = text;
  const char *end = text + length;
  gboolean have_layout = FALSE;
  gboolean lenient;
  Layout layout;
  guint line = 0;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  lenient = (options->flags & PERP_CSV_FLAGS_LENIENT) != 0;

  /* Spreadsheets save CSV with a UTF-8 byte order mark. */
  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;
      g_autoptr(GError) row_error = NULL;
      PerpCandle candle;
      guint n_fields;

      line++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;

      if (line_is_blank (p, line_end))
        {
          p = next;
          continue;
        }

      n_fields = _perp_csv_split_fields (p, line_end, fields, MAX_FIELDS);

      if (!have_layout)
        {
          gint64 ignored;
          gboolean has_header = !parse_int64 (fields[0].start, fields[0].end, &ignored);

          if (n_fields > MAX_FIELDS)
            {
              g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                           "%s:%u: %u columns is not a candle layout", name, line, n_fields);
              return NULL;
            }

          if (!has_header && options->volume_column != NULL)
            {
              g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER,
                           "%s:%u: no header, so no \"%s\" column to read volume from",
                           name, line, options->volume_column);
              return NULL;
            }

          if (has_header
              ? !layout_from_header (&layout, fields, n_fields, options->volume_column, name, line, error)
              : !layout_headerless (&layout, n_fields, name, line, error))
            return NULL;

          local_report.has_header = has_header;
          local_report.n_columns = n_fields;
          have_layout = TRUE;

          candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, layout.fields);
          /* A guess from the first line's length, to avoid most reallocations. */
          perp_candles_reserve (candles, (guint) MIN (G_MAXUINT / 2, length / MAX (line_end - p + 1, 16) + 16));

          if (has_header)
            {
              p = next;
              continue;
            }
        }

      if (parse_row (&layout, fields, n_fields, name, line, &candle, &row_error)
          && append_row (candles, &layout, &candle, name, line, &row_error))
        local_report.n_rows++;

      if (row_error != NULL)
        {
          if (!lenient)
            {
              g_propagate_error (error, g_steal_pointer (&row_error));
              perp_csv_report_clear (&local_report);
              return NULL;
            }
          if (local_report.n_skipped++ == 0)
            local_report.first_skipped = g_strdup (row_error->message);
        }

      p = next;
    }

  if (candles == NULL || perp_candles_get_length (candles) == 0)
    {
      g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_EMPTY,
                   "%s: no candles%s", name,
                   local_report.n_skipped > 0 ? " (every row was malformed)" : "");
      perp_csv_report_clear (&local_report);
      return NULL;
    }

  perp_candles_set_interval (candles, perp_candles_guess_interval (candles));

  if (report != NULL)
    *report = local_report;
  else
    perp_csv_report_clear (&local_report);

  return g_steal_pointer (&candles);
}

/**
 * perp_candle_csv_load:
 * @path: a candle CSV file
 *
 * Maps @path and parses it with perp_candle_csv_parse().
 *
 * Returns: (transfer full) (nullable): the candles, or %NULL with @error set
 */
PerpCandles *
perp_candle_csv_load (const char     *path,
                      PerpCsvFlags    flags,
                      PerpCsvReport  *report,
                      GError        **error)
{
  PerpCsvOptions options = { .flags = flags };

  return perp_candle_csv_load_with_options (path, &options, report, error);
}

/**
 * perp_candle_csv_load_with_options:
 *
 * perp_candle_csv_load() with more choices than the flags (see #PerpCsvOptions).
 *
 * Returns: (transfer full) (nullable): the candles, or %NULL with @error set
 */
PerpCandles *
perp_candle_csv_load_with_options (const char            *path,
                                   const PerpCsvOptions  *options,
                                   PerpCsvReport         *report,
                                   GError               **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *contents;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_IO, "%s", local_error->message);
      return NULL;
    }

  length = g_mapped_file_get_length (mapped);
  contents = g_mapped_file_get_contents (mapped);

  return perp_candle_csv_parse_with_options (path, contents != NULL ? contents : "", length,
                                             options, report, error);
}

void
perp_csv_report_clear (PerpCsvReport *report)
{
  g_return_if_fail (report != NULL);

  g_clear_pointer (&report->first_skipped, g_free);
}

/**
 * perp_guess_symbol_from_path:
 *
 * Guesses the symbol from a file name such as "BTCUSDT_5m_2023-01-01_2024-03-31.csv"
 * or "FILUSDT-1m-2023-08.csv": the leading run of upper-case letters and digits.
 *
 * Returns: (transfer full) (nullable): the symbol, or %NULL
 */
char *
perp_guess_symbol_from_path (const char *path)
{
  g_autofree char *base = NULL;
  const char *p;

  g_return_val_if_fail (path != NULL, NULL);

  base = g_path_get_basename (path);
  for (p = base; *p != '\0' && (g_ascii_isupper (*p) || g_ascii_isdigit (*p)); p++)
    ;

  if (p - base < 5 || !g_ascii_isupper (p[-1]))
    return NULL;

  return g_strndup (base, p - base);
}
