/* perp-config.c: the YAML configuration file
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-config"

#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include <yaml.h>

#include "perp-config.h"

/*
 * One YAML file configures everything an analyst tunes: the symbols, the timeframes,
 * the sessions, the structure engine, the scorer, the plan and sizing, the breakers.
 * data/perpscope.example.yaml lists every key with its default; tests/test-config.c
 * checks that loading it gives exactly perp_config_new_default().
 *
 * The file is loaded with libyaml's document API into a node tree (which keeps each
 * node's position) and then walked against tables of the keys each section takes.  The
 * tables carry offsets into PerpConfig, so adding a field is one line, and the walker
 * is the only code that knows about YAML.  Being strict is the point: a person who
 * mistypes "fundng" must learn it from the load, not from a score that quietly ignores
 * their weight.  So unknown keys, duplicate keys, wrong kinds of value and values out of
 * range are errors that name the file, the line, the column and the full dotted key.
 *
 * Numbers and booleans must be plain scalars: "1" in quotes is a string, as YAML says,
 * and taking it as a number would hide a confusion about what the file means.
 * Durations always carry a unit ("90s", "15m", "2h", "1d", "1h30m"), because a bare
 * 7200 could be seconds or milliseconds and the two differ by a factor of a thousand.
 *
 * Anchors and aliases are refused.  A config has no use for them, and an alias is the
 * one YAML feature that lets a small file make a walker do exponential work.  The walker
 * only descends where the schema has a nested section or list, so its depth is bounded
 * by the schema, not by the input.
 *
 * Cross-field rules (tiers in order, shares summing to 1, ...) belong to the parameter
 * modules' *_check functions, whose messages already name the YAML key; their errors
 * get the position of the section they belong to.  Everything that can be checked on
 * one value is checked here, at the value's own line.
 */

G_DEFINE_QUARK (perp-config-error-quark, perp_config_error)

#define MAX_SCALAR_SHOWN 40
#define MAX_NAMES        64   /* entries of a table: a guint64 tracks which were seen */
#define MAX_SYMBOL_LEN   31   /* PerpSymbolRules.symbol has 32 bytes */
#define MAX_KILLZONE_LEN 32
#define MAX_DURATION_LEN 64

typedef struct _Loader Loader;
typedef struct _Field  Field;

typedef gboolean    (*LoadFunc) (Loader      *l,
                                 const Field *field,
                                 yaml_node_t *key,
                                 yaml_node_t *value,
                                 const char  *path);
typedef const char *(*NameFunc) (guint        i);

typedef enum
{
  FIELD_SECTION,     /* a nested mapping of @fields */
  FIELD_UINT,        /* guint */
  FIELD_DOUBLE,      /* double */
  FIELD_WEIGHT,      /* double >= 0; problems are PERP_CONFIG_ERROR_WEIGHTS */
  FIELD_BOOL,        /* gboolean */
  FIELD_DURATION,    /* gint64 milliseconds, written with a unit */
  FIELD_TIME_OF_DAY, /* guint16 minutes after midnight, written "HH:MM" */
  FIELD_CHOICE,      /* an enum (int-sized) written as one of @choices */
  FIELD_INTERVAL,    /* PerpInterval, written as Binance names it */
  FIELD_CUSTOM,      /* @load does everything */
} FieldType;

enum
{
  FIELD_REQUIRED = 1 << 0,  /* in list entries: the entry must give it */
  FIELD_OPEN_MIN = 1 << 1,  /* @min itself is out of range */
  FIELD_OPEN_MAX = 1 << 2,
  FIELD_NULLABLE = 1 << 3,  /* doubles: null means "not given" and stores NAN */
};

typedef struct
{
  const char *name;
  int         value;
} Choice;

/*
 * One key of a section.  The value is stored at @offset into PerpConfig, plus
 * @stride times the index of the list entry being loaded (killzones, targets).  With
 * @names, the value is a mapping from those names to the elements of an array at
 * @offset (weights per factor, enabled per breaker).
 */
struct _Field
{
  const char   *key;
  FieldType     type;
  guint         flags;
  gsize         offset;
  gsize         stride;
  double        min;
  double        max;
  const Choice *choices;
  const Field  *fields;
  LoadFunc      load;
  NameFunc      names;
  guint         n_names;
  const char   *hint;
};

struct _Loader
{
  const char      *source;
  const char      *data;
  gsize            length;
  yaml_document_t  document;
  guint8          *visited;      /* per node index: reached once already */
  gsize            n_nodes;
  PerpConfig      *config;
  GError         **error;
  guint            element;      /* index of the list entry being loaded */
  yaml_node_t     *higher;       /* timeframes.higher when it names an interval */
  yaml_node_t     *weights_key;  /* score.weights, for the all-zero error */
};

/* ------------------------------------------------------------------ names */

static const char *
factor_name_at (guint i)
{
  return perp_factor_name ((PerpFactor) i);
}

static const char *
breaker_name_at (guint i)
{
  return perp_breaker_name ((PerpBreaker) i);
}

static const char *
tier_name_at (guint i)
{
  return perp_tier_name ((PerpTier) i);
}

static const Choice tier_choices[] = {
  { "low", PERP_TIER_LOW },
  { "medium", PERP_TIER_MEDIUM },
  { "high", PERP_TIER_HIGH },
  { NULL, 0 },
};

static const Choice entry_choices[] = {
  { "next_open", PERP_ENTRY_NEXT_OPEN },
  { "limit", PERP_ENTRY_LIMIT },
  { NULL, 0 },
};

static const Choice volatility_choices[] = {
  { "atr", PERP_STRUCTURE_VOLATILITY_ATR },
  { "cumulative_range", PERP_STRUCTURE_VOLATILITY_CUMULATIVE_RANGE },
  { "none", PERP_STRUCTURE_VOLATILITY_NONE },
  { NULL, 0 },
};

static const Choice resume_choices[] = {
  { "by_hand", PERP_RESUME_BY_HAND },
  { "next_day", PERP_RESUME_NEXT_DAY },
  { NULL, 0 },
};

static const Choice tolerance_choices[] = {
  { "atr", PERP_STRUCTURE_TOLERANCE_ATR },
  { "percent", PERP_STRUCTURE_TOLERANCE_PERCENT },
  { NULL, 0 },
};

static const Choice depth_choices[] = {
  { "internal", PERP_STRUCTURE_DEPTH_INTERNAL },
  { "swing", PERP_STRUCTURE_DEPTH_SWING },
  { NULL, 0 },
};

static const Choice sizing_mode_choices[] = {
  { "usd", PERP_SIZING_RISK_USD },
  { "equity_pct", PERP_SIZING_RISK_EQUITY_PCT },
  { NULL, 0 },
};

/* FIELD_CHOICE stores through an int. */
G_STATIC_ASSERT (sizeof (PerpStructureVolatility) == sizeof (int));
G_STATIC_ASSERT (sizeof (PerpStructureTolerance) == sizeof (int));
G_STATIC_ASSERT (sizeof (PerpStructureDepth) == sizeof (int));
G_STATIC_ASSERT (sizeof (PerpSizingMode) == sizeof (int));
G_STATIC_ASSERT (sizeof (PerpInterval) == sizeof (int));
G_STATIC_ASSERT (PERP_N_FACTORS <= MAX_NAMES && PERP_N_BREAKERS <= MAX_NAMES);

/* ------------------------------------------------------------------ errors */

static gboolean fail (Loader          *l,
                      yaml_mark_t      mark,
                      PerpConfigError  code,
                      const char      *path,
                      const char      *format,
                      ...) G_GNUC_PRINTF (5, 6);

/* Sets "SOURCE:LINE:COLUMN: PATH: message" (marks are 0-based, people count from 1). */
static gboolean
fail (Loader          *l,
      yaml_mark_t      mark,
      PerpConfigError  code,
      const char      *path,
      const char      *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (path != NULL)
    g_set_error (l->error, PERP_CONFIG_ERROR, code, "%s:%zu:%zu: %s: %s",
                 l->source, mark.line + 1, mark.column + 1, path, what);
  else
    g_set_error (l->error, PERP_CONFIG_ERROR, code, "%s:%zu:%zu: %s",
                 l->source, mark.line + 1, mark.column + 1, what);

  return FALSE;
}

static gboolean
is_plain (const yaml_node_t *node)
{
  return node->type == YAML_SCALAR_NODE && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* An empty value ("key:" with nothing after it) or an explicit null. */
static gboolean
is_null (const yaml_node_t *node)
{
  static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

  if (!is_plain (node))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (nulls); i++)
    if (strcmp ((const char *) node->data.scalar.value, nulls[i]) == 0)
      return TRUE;

  return FALSE;
}

/* What a value is, for "expected X, got Y": the scalar itself (quoted, shortened, with
 * control characters masked) or the kind of node. */
static char *
describe (const yaml_node_t *node)
{
  GString *out;
  const char *text;
  gsize length;
  gsize shown;

  if (node->type == YAML_MAPPING_NODE)
    return g_strdup ("a mapping");
  if (node->type == YAML_SEQUENCE_NODE)
    return g_strdup ("a list");
  if (node->type != YAML_SCALAR_NODE)
    return g_strdup ("nothing");
  if (is_null (node))
    return g_strdup ("nothing");

  text = (const char *) node->data.scalar.value;
  length = node->data.scalar.length;
  shown = MIN (length, MAX_SCALAR_SHOWN);
  /* Do not cut a UTF-8 sequence in half (libyaml has validated the encoding). */
  while (shown < length && shown > 0 && ((guchar) text[shown] & 0xc0) == 0x80)
    shown--;

  out = g_string_new ("\"");
  for (gsize i = 0; i < shown; i++)
    {
      guchar c = (guchar) text[i];

      g_string_append_c (out, c < 0x20 || c == 0x7f ? '?' : (char) c);
    }
  g_string_append (out, shown < length ? "...\"" : "\"");
  if (!is_plain (node))
    g_string_append (out, " (a quoted string)");

  return g_string_free (out, FALSE);
}

static gboolean
fail_expected (Loader            *l,
               const yaml_node_t *node,
               const char        *path,
               const char        *expected)
{
  g_autofree char *got = describe (node);

  return fail (l, node->start_mark, PERP_CONFIG_ERROR_TYPE, path, "expected %s, got %s",
               expected, got);
}

static char *
join_path (const char *path,
           const char *name)
{
  if (path == NULL || path[0] == '\0')
    return g_strdup (name);

  return g_strconcat (path, ".", name, NULL);
}

/* ------------------------------------------------------------------ nodes */

static yaml_node_t *
get_node (Loader *l,
          int     index)
{
  return yaml_document_get_node (&l->document, index);
}

/* Every node is reached once, except through an alias; see the top of the file. */
static gboolean
visit (Loader      *l,
       int          index,
       yaml_mark_t  where,
       const char  *path)
{
  gsize i = (gsize) index;

  g_assert (index >= 1 && i <= l->n_nodes);

  if (l->visited[i - 1])
    return fail (l, where, PERP_CONFIG_ERROR_SYNTAX, path,
                 "anchors and aliases are not supported; write the value out");
  l->visited[i - 1] = TRUE;

  return TRUE;
}

/* The text of a scalar that must be a string: any quoting, no NUL inside. */
static gboolean
get_string (Loader             *l,
            const yaml_node_t  *node,
            const char         *path,
            const char         *expected,
            const char        **out)
{
  const char *text;

  if (node->type != YAML_SCALAR_NODE || is_null (node))
    return fail_expected (l, node, path, expected);

  text = (const char *) node->data.scalar.value;
  if (strlen (text) != node->data.scalar.length)
    return fail (l, node->start_mark, PERP_CONFIG_ERROR_TYPE, path,
                 "%s cannot contain a NUL character", expected);

  *out = text;

  return TRUE;
}

/* Strict numbers: digits, sign, point and exponent only, so no "0x1f", ".inf", "1_000". */
static gboolean
parse_number (const yaml_node_t *node,
              double            *out)
{
  const char *text;
  gsize length;
  char *end = NULL;
  gboolean digit = FALSE;
  double value;

  if (!is_plain (node))
    return FALSE;

  text = (const char *) node->data.scalar.value;
  length = node->data.scalar.length;
  if (length == 0 || length > 64)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (g_ascii_isdigit (text[i]))
        digit = TRUE;
      else if (strchr ("+-.eE", text[i]) == NULL || text[i] == '\0')
        return FALSE;
    }
  if (!digit)
    return FALSE;

  value = g_ascii_strtod (text, &end);
  if (end != text + length || !isfinite (value))
    return FALSE;

  /* -0 is 0: keeps configs comparable bit for bit. */
  *out = value == 0.0 ? 0.0 : value;

  return TRUE;
}

static gboolean
parse_bool (const yaml_node_t *node,
            gboolean          *out)
{
  static const char *const trues[] = { "true", "True", "TRUE" };
  static const char *const falses[] = { "false", "False", "FALSE" };
  const char *text;

  if (!is_plain (node))
    return FALSE;

  text = (const char *) node->data.scalar.value;
  for (guint i = 0; i < G_N_ELEMENTS (trues); i++)
    {
      if (strcmp (text, trues[i]) == 0 || strcmp (text, falses[i]) == 0)
        {
          *out = strcmp (text, trues[i]) == 0;
          return TRUE;
        }
    }

  return FALSE;
}

/* "90s", "15m", "2h", "1d", "250ms", "1h30m", or a bare "0".  Each part is capped at a
 * billion and the text at 64 bytes, so the sum cannot overflow. */
static gboolean
parse_duration (const char *text,
                gint64     *out)
{
  gsize length = strlen (text);
  const char *p = text;
  const char *end = text + length;
  gint64 total = 0;

  if (length == 0 || length > MAX_DURATION_LEN)
    return FALSE;
  if (strcmp (text, "0") == 0)
    {
      *out = 0;
      return TRUE;
    }

  while (p < end)
    {
      gint64 n = 0;
      gint64 unit;
      gboolean any = FALSE;

      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          if (n >= 1000000000)
            return FALSE;
          n = n * 10 + (*p - '0');
          any = TRUE;
        }
      if (!any || p == end)
        return FALSE;

      if (p + 1 < end && p[0] == 'm' && p[1] == 's')
        unit = 1;
      else if (*p == 's')
        unit = 1000;
      else if (*p == 'm')
        unit = PERP_MS_PER_MINUTE;
      else if (*p == 'h')
        unit = PERP_MS_PER_HOUR;
      else if (*p == 'd')
        unit = PERP_MS_PER_DAY;
      else
        return FALSE;
      p += unit == 1 ? 2 : 1;

      total += n * unit;
    }

  *out = total;

  return TRUE;
}

/* The inverse, in the largest unit that divides exactly: 7200000 -> "2h". */
static char *
format_duration (gint64 ms)
{
  static const struct { gint64 unit; const char *name; } units[] = {
    { PERP_MS_PER_DAY, "d" },
    { PERP_MS_PER_HOUR, "h" },
    { PERP_MS_PER_MINUTE, "m" },
    { 1000, "s" },
  };

  if (ms == 0)
    return g_strdup ("0s");
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (ms % units[i].unit == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT "%s", ms / units[i].unit, units[i].name);

  return g_strdup_printf ("%" G_GINT64_FORMAT "ms", ms);
}

/* "HH:MM" (or "H:MM") from 00:00 to 23:59. */
static gboolean
parse_time_of_day (const char *text,
                   guint16    *out)
{
  gsize length = strlen (text);
  const char *colon = strchr (text, ':');
  guint hour = 0;
  guint minute;

  if (colon == NULL || colon == text || colon - text > 2 || text + length - colon != 3)
    return FALSE;
  for (const char *p = text; p < colon; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      hour = hour * 10 + (guint) (*p - '0');
    }
  if (!g_ascii_isdigit (colon[1]) || !g_ascii_isdigit (colon[2]))
    return FALSE;
  minute = (guint) (colon[1] - '0') * 10 + (guint) (colon[2] - '0');
  if (hour > 23 || minute > 59)
    return FALSE;

  *out = (guint16) (hour * 60 + minute);

  return TRUE;
}

/* ------------------------------------------------------------------ values */

static gsize
element_size (FieldType type)
{
  switch (type)
    {
    case FIELD_UINT:
      return sizeof (guint);
    case FIELD_DOUBLE:
    case FIELD_WEIGHT:
      return sizeof (double);
    case FIELD_BOOL:
      return sizeof (gboolean);
    case FIELD_DURATION:
      return sizeof (gint64);
    case FIELD_TIME_OF_DAY:
      return sizeof (guint16);
    case FIELD_CHOICE:
    case FIELD_INTERVAL:
      return sizeof (int);
    case FIELD_SECTION:
    case FIELD_CUSTOM:
    default:
      g_assert_not_reached ();
      return 0;
    }
}

static gpointer
field_address (Loader      *l,
               const Field *field,
               guint        name_index)
{
  gsize offset = field->offset + l->element * field->stride;

  if (field->names != NULL)
    offset += name_index * element_size (field->type);
  g_assert (offset < sizeof (PerpConfig));

  return (guint8 *) l->config + offset;
}

static char *
format_bound (const Field *field,
              double       bound)
{
  if (field->type == FIELD_DURATION)
    return format_duration ((gint64) bound);

  return g_strdup_printf ("%g", bound);
}

/* "[0, 100]", "(0, 1]", ...: the range in the file's own units. */
static char *
format_range (const Field *field)
{
  g_autofree char *min = format_bound (field, field->min);
  g_autofree char *max = format_bound (field, field->max);

  return g_strdup_printf ("%c%s, %s%c", (field->flags & FIELD_OPEN_MIN) ? '(' : '[', min, max,
                          (field->flags & FIELD_OPEN_MAX) ? ')' : ']');
}

static gboolean
in_range (const Field *field,
          double       value)
{
  if ((field->flags & FIELD_OPEN_MIN) ? !(value > field->min) : !(value >= field->min))
    return FALSE;
  if ((field->flags & FIELD_OPEN_MAX) ? !(value < field->max) : !(value <= field->max))
    return FALSE;

  return TRUE;
}

static gboolean
fail_range (Loader            *l,
            const Field       *field,
            const yaml_node_t *node,
            const char        *path)
{
  g_autofree char *range = format_range (field);

  return fail (l, node->start_mark, PERP_CONFIG_ERROR_RANGE, path, "%s is out of range %s%s%s",
               (const char *) node->data.scalar.value, range,
               field->hint != NULL ? "; " : "", field->hint != NULL ? field->hint : "");
}

static gboolean
fail_choice (Loader            *l,
             const yaml_node_t *node,
             const char        *path,
             const char        *what,
             GString           *expected)
{
  g_autofree char *got = describe (node);

  return fail (l, node->start_mark, PERP_CONFIG_ERROR_VALUE, path,
               "unknown %s %s (expected one of: %s)", what, got, expected->str);
}

static GString *
interval_names (void)
{
  GString *names = g_string_new (NULL);

  for (int i = PERP_INTERVAL_UNKNOWN + 1; i < PERP_N_INTERVALS; i++)
    g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "",
                            perp_interval_to_string ((PerpInterval) i));

  return names;
}

static gboolean
parse_interval (Loader            *l,
                const yaml_node_t *node,
                const char        *path,
                PerpInterval      *out)
{
  const char *text;
  PerpInterval interval;

  if (!get_string (l, node, path, "a timeframe such as 5m or 1h", &text))
    return FALSE;

  interval = perp_interval_from_string (text);
  if (interval == PERP_INTERVAL_UNKNOWN)
    {
      g_autoptr(GString) names = interval_names ();

      return fail_choice (l, node, path, "timeframe", names);
    }

  *out = interval;

  return TRUE;
}

/* Parses one scalar @node for @field and stores it (element @name_index of a named map). */
static gboolean
load_value (Loader      *l,
            const Field *field,
            yaml_node_t *node,
            const char  *path,
            guint        name_index)
{
  gpointer address = field_address (l, field, name_index);
  const char *text = NULL;
  double number;

  switch (field->type)
    {
    case FIELD_UINT:
      {
        guint value;

        if (!parse_number (node, &number) || number != floor (number))
          return fail_expected (l, node, path, "a whole number");
        if (!in_range (field, number))
          return fail_range (l, field, node, path);
        value = (guint) number;
        memcpy (address, &value, sizeof value);
        return TRUE;
      }

    case FIELD_DOUBLE:
      if ((field->flags & FIELD_NULLABLE) && is_null (node))
        {
          number = NAN;
          memcpy (address, &number, sizeof number);
          return TRUE;
        }
      if (!parse_number (node, &number))
        return fail_expected (l, node, path, "a number");
      if (!in_range (field, number))
        return fail_range (l, field, node, path);
      memcpy (address, &number, sizeof number);
      return TRUE;

    case FIELD_WEIGHT:
      if (!parse_number (node, &number))
        return fail_expected (l, node, path, "a number");
      if (number < 0.0)
        return fail (l, node->start_mark, PERP_CONFIG_ERROR_WEIGHTS, path,
                     "weight %s is negative; weights are relative shares, 0 or more "
                     "(0 turns the factor off)", (const char *) node->data.scalar.value);
      if (!in_range (field, number))
        return fail (l, node->start_mark, PERP_CONFIG_ERROR_WEIGHTS, path,
                     "weight %s is too large (at most %g; weights are relative, so "
                     "scale them all down)", (const char *) node->data.scalar.value, field->max);
      memcpy (address, &number, sizeof number);
      return TRUE;

    case FIELD_BOOL:
      {
        gboolean value;

        if (!parse_bool (node, &value))
          return fail_expected (l, node, path, "true or false");
        memcpy (address, &value, sizeof value);
        return TRUE;
      }

    case FIELD_DURATION:
      {
        gint64 value;

        if (!get_string (l, node, path, "a duration", &text))
          return FALSE;
        if (!parse_duration (text, &value) && parse_number (node, &number))
          return fail (l, node->start_mark, PERP_CONFIG_ERROR_TYPE, path,
                       "expected a duration with a unit, such as \"90s\", \"15m\", \"2h\" "
                       "or \"1d\", got %s (a bare number could be seconds or "
                       "milliseconds; write \"%sms\" for milliseconds)", text, text);
        if (!parse_duration (text, &value))
          return fail_expected (l, node, path,
                                "a duration with a unit, such as \"90s\", \"15m\", \"2h\" or "
                                "\"1d\" (units: ms, s, m, h, d; parts may be combined, "
                                "as in \"1h30m\")");
        if (!in_range (field, (double) value))
          return fail_range (l, field, node, path);
        memcpy (address, &value, sizeof value);
        return TRUE;
      }

    case FIELD_TIME_OF_DAY:
      {
        guint16 value;

        if (!get_string (l, node, path, "a time of day \"HH:MM\"", &text))
          return FALSE;
        if (!parse_time_of_day (text, &value))
          return fail_expected (l, node, path,
                                "a time of day \"HH:MM\" from \"00:00\" to \"23:59\"");
        memcpy (address, &value, sizeof value);
        return TRUE;
      }

    case FIELD_CHOICE:
      if (!get_string (l, node, path, "a name", &text))
        return FALSE;
      for (const Choice *c = field->choices; c->name != NULL; c++)
        if (strcmp (c->name, text) == 0)
          {
            memcpy (address, &c->value, sizeof c->value);
            return TRUE;
          }
      {
        g_autoptr(GString) names = g_string_new (NULL);

        for (const Choice *c = field->choices; c->name != NULL; c++)
          g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", c->name);
        return fail_choice (l, node, path, "value", names);
      }

    case FIELD_INTERVAL:
      {
        PerpInterval value;

        if (!parse_interval (l, node, path, &value))
          return FALSE;
        memcpy (address, &value, sizeof value);
        return TRUE;
      }

    case FIELD_SECTION:
    case FIELD_CUSTOM:
    default:
      g_assert_not_reached ();
      return FALSE;
    }
}

/* ------------------------------------------------------------------ mappings */

static gboolean load_field (Loader      *l,
                            const Field *field,
                            yaml_node_t *key,
                            yaml_node_t *value,
                            const char  *path);

/* Key names are plain text; a list or a mapping as a key is not a config. */
static gboolean
get_key (Loader             *l,
         const yaml_node_t  *key,
         const char         *path,
         const char        **out)
{
  if (key->type != YAML_SCALAR_NODE || strlen ((const char *) key->data.scalar.value) != key->data.scalar.length)
    return fail (l, key->start_mark, PERP_CONFIG_ERROR_TYPE, path,
                 "keys must be plain names, not %s", key->type == YAML_MAPPING_NODE ? "a mapping"
                 : key->type == YAML_SEQUENCE_NODE ? "a list" : "text with a NUL character");

  *out = (const char *) key->data.scalar.value;

  return TRUE;
}

static gboolean
fail_unknown_key (Loader            *l,
                  const yaml_node_t *key,
                  const char        *path,
                  GString           *expected)
{
  return fail (l, key->start_mark, PERP_CONFIG_ERROR_UNKNOWN_KEY, path,
               "unknown key (expected one of: %s)", expected->str);
}

static gboolean
fail_duplicate_key (Loader            *l,
                    const yaml_node_t *key,
                    const char        *path,
                    yaml_mark_t        first)
{
  return fail (l, key->start_mark, PERP_CONFIG_ERROR_DUPLICATE_KEY, path,
               "duplicate key (first given at line %zu)", first.line + 1);
}

/*
 * Walks one mapping.  For each pair: the key must be a plain name, known to @lookup
 * (which returns its index below MAX_NAMES, or -1) and not seen before in this mapping;
 * then @load_pair loads the value.  Returns the seen keys in @seen_out.
 */
typedef int      (*LookupFunc) (gconstpointer  table,
                                const char    *name);
typedef void     (*ExpectFunc) (gconstpointer  table,
                                GString       *out);
typedef gboolean (*PairFunc)   (Loader        *l,
                                gconstpointer  table,
                                int            index,
                                yaml_node_t   *key,
                                yaml_node_t   *value,
                                const char    *path);

static gboolean
walk_mapping (Loader        *l,
              yaml_node_t   *node,
              const char    *path,
              gconstpointer  table,
              LookupFunc     lookup,
              ExpectFunc     expect,
              PairFunc       load_pair,
              guint64       *seen_out)
{
  yaml_mark_t first[MAX_NAMES];
  guint64 seen = 0;

  if (seen_out != NULL)
    *seen_out = 0;
  if (is_null (node))
    return TRUE;
  if (node->type != YAML_MAPPING_NODE)
    return fail_expected (l, node, path, "a mapping of keys");

  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
       pair < node->data.mapping.pairs.top;
       pair++)
    {
      yaml_node_t *key = get_node (l, pair->key);
      yaml_node_t *value = get_node (l, pair->value);
      g_autofree char *child = NULL;
      const char *name = NULL;
      int index;

      g_assert (key != NULL && value != NULL);

      if (!visit (l, pair->key, key->start_mark, path))
        return FALSE;
      if (!get_key (l, key, path, &name))
        return FALSE;
      child = join_path (path, name);
      if (!visit (l, pair->value, key->start_mark, child))
        return FALSE;

      index = lookup (table, name);
      if (index < 0)
        {
          g_autoptr(GString) expected = g_string_new (NULL);

          expect (table, expected);
          return fail_unknown_key (l, key, child, expected);
        }
      g_assert (index < MAX_NAMES);
      if (seen & (G_GUINT64_CONSTANT (1) << index))
        return fail_duplicate_key (l, key, child, first[index]);
      seen |= G_GUINT64_CONSTANT (1) << index;
      first[index] = key->start_mark;

      if (!load_pair (l, table, index, key, value, child))
        return FALSE;
    }

  if (seen_out != NULL)
    *seen_out = seen;

  return TRUE;
}

/* A section: the table is a NULL-terminated Field array. */
static int
lookup_field (gconstpointer  table,
              const char    *name)
{
  const Field *fields = table;

  for (int i = 0; fields[i].key != NULL; i++)
    if (strcmp (fields[i].key, name) == 0)
      return i;

  return -1;
}

static void
expect_fields (gconstpointer  table,
               GString       *out)
{
  const Field *fields = table;

  for (guint i = 0; fields[i].key != NULL; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", fields[i].key);
}

static gboolean
load_field_pair (Loader        *l,
                 gconstpointer  table,
                 int            index,
                 yaml_node_t   *key,
                 yaml_node_t   *value,
                 const char    *path)
{
  const Field *fields = table;

  return load_field (l, &fields[index], key, value, path);
}

static gboolean
load_section (Loader      *l,
              const Field *fields,
              yaml_node_t *node,
              const char  *path)
{
  guint64 seen;

  if (!walk_mapping (l, node, path, fields, lookup_field, expect_fields, load_field_pair, &seen))
    return FALSE;

  for (guint i = 0; fields[i].key != NULL; i++)
    if ((fields[i].flags & FIELD_REQUIRED) && !(seen & (G_GUINT64_CONSTANT (1) << i)))
      {
        g_autoptr(GString) keys = g_string_new (NULL);
        g_autofree char *child = join_path (path, fields[i].key);

        for (guint k = 0; fields[k].key != NULL; k++)
          if (fields[k].flags & FIELD_REQUIRED)
            g_string_append_printf (keys, "%s%s", keys->len > 0 ? ", " : "", fields[k].key);
        return fail (l, node->start_mark, PERP_CONFIG_ERROR_MISSING_KEY, child,
                     "missing (each entry needs %s)", keys->str);
      }

  return TRUE;
}

/* A mapping from the names of @field (factors, breakers, tiers) to its elements. */
static int
lookup_name (gconstpointer  table,
             const char    *name)
{
  const Field *field = table;

  for (guint i = 0; i < field->n_names; i++)
    if (strcmp (field->names (i), name) == 0)
      return (int) i;

  return -1;
}

static void
expect_names (gconstpointer  table,
              GString       *out)
{
  const Field *field = table;

  for (guint i = 0; i < field->n_names; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", field->names (i));
}

static gboolean
load_name_pair (Loader        *l,
                gconstpointer  table,
                int            index,
                yaml_node_t   *key,
                yaml_node_t   *value,
                const char    *path)
{
  return load_value (l, table, value, path, (guint) index);
}

static gboolean
load_field (Loader      *l,
            const Field *field,
            yaml_node_t *key,
            yaml_node_t *value,
            const char  *path)
{
  if (field->type == FIELD_SECTION)
    return load_section (l, field->fields, value, path);
  if (field->type == FIELD_CUSTOM)
    return field->load (l, field, key, value, path);
  if (field->type == FIELD_WEIGHT)
    l->weights_key = key;
  if (field->names != NULL)
    return walk_mapping (l, value, path, field, lookup_name, expect_names, load_name_pair, NULL);

  return load_value (l, field, value, path, 0);
}

/* ------------------------------------------------------------------ lists */

/* Checks that @node is a list of at most @max items (at least @min). */
static gboolean
get_list (Loader       *l,
          yaml_node_t  *node,
          const char   *path,
          const char   *what,
          guint         min,
          guint         max,
          guint        *n_items)
{
  gsize n;

  if (node->type != YAML_SEQUENCE_NODE)
    return fail_expected (l, node, path, what);

  n = node->data.sequence.items.top - node->data.sequence.items.start;
  if (n < min)
    return fail (l, node->start_mark, PERP_CONFIG_ERROR_RANGE, path,
                 n == 0 ? "the list is empty; give at least %u" : "give at least %u items", min);
  if (n > max)
    return fail (l, node->start_mark, PERP_CONFIG_ERROR_RANGE, path,
                 "%zu items, at most %u", n, max);

  *n_items = (guint) n;

  return TRUE;
}

/* The @i-th item of a list checked by get_list(), visited, with its path "key[i]". */
static yaml_node_t *
get_item (Loader      *l,
          yaml_node_t *list,
          guint        i,
          const char  *path,
          char       **item_path)
{
  int index = list->data.sequence.items.start[i];
  yaml_node_t *item = get_node (l, index);

  g_assert (item != NULL);

  *item_path = g_strdup_printf ("%s[%u]", path, i);
  if (!visit (l, index, list->start_mark, *item_path))
    return NULL;

  return item;
}

static gboolean
load_symbols (Loader      *l,
              const Field *field,
              yaml_node_t *key,
              yaml_node_t *value,
              const char  *path)
{
  g_autoptr(GPtrArray) symbols = NULL;
  guint n;

  if (!get_list (l, value, path, "a list of symbols such as [BTCUSDT, ETHUSDT]", 1, 10000, &n))
    return FALSE;

  symbols = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);
      const char *text;
      gsize length;
      char *symbol;

      if (item == NULL || !get_string (l, item, item_path, "a symbol such as BTCUSDT", &text))
        return FALSE;

      length = strlen (text);
      for (gsize k = 0; k < length; k++)
        if (!g_ascii_isalnum (text[k]) && text[k] != '_')
          return fail (l, item->start_mark, PERP_CONFIG_ERROR_VALUE, item_path,
                       "\"%s\" is not a symbol: letters, digits and _ only, as in BTCUSDT",
                       text);
      if (length > MAX_SYMBOL_LEN)
        return fail (l, item->start_mark, PERP_CONFIG_ERROR_VALUE, item_path,
                     "\"%.*s...\" is not a symbol: at most %d characters",
                     MAX_SYMBOL_LEN, text, MAX_SYMBOL_LEN);

      symbol = g_ascii_strup (text, -1);
      for (guint k = 0; k < symbols->len; k++)
        if (strcmp (g_ptr_array_index (symbols, k), symbol) == 0)
          {
            g_free (symbol);
            return fail (l, item->start_mark, PERP_CONFIG_ERROR_VALUE, item_path,
                         "%s is already listed as %s[%u]", text, path, k);
          }
      g_ptr_array_add (symbols, symbol);
    }
  g_ptr_array_add (symbols, NULL);

  g_strfreev (l->config->symbols);
  l->config->symbols = (char **) g_ptr_array_free (g_steal_pointer (&symbols), FALSE);

  return TRUE;
}

static gboolean
load_higher (Loader      *l,
             const Field *field,
             yaml_node_t *key,
             yaml_node_t *value,
             const char  *path)
{
  const char *text;
  PerpInterval interval;

  if (value->type == YAML_SCALAR_NODE && strcmp ((const char *) value->data.scalar.value, "auto") == 0)
    {
      l->higher = NULL;
      l->config->score.htf_interval = PERP_INTERVAL_UNKNOWN;
      return TRUE;
    }

  if (!get_string (l, value, path, "auto or a timeframe such as 1h", &text))
    return FALSE;
  interval = perp_interval_from_string (text);
  if (interval == PERP_INTERVAL_UNKNOWN)
    {
      g_autoptr(GString) names = interval_names ();

      g_string_prepend (names, "auto, ");
      return fail_choice (l, value, path, "timeframe", names);
    }

  l->higher = value;
  l->config->htf_interval = interval;
  l->config->score.htf_interval = interval;

  return TRUE;
}

static gboolean
load_chart (Loader      *l,
            const Field *field,
            yaml_node_t *key,
            yaml_node_t *value,
            const char  *path)
{
  g_autofree PerpInterval *intervals = NULL;
  guint n;

  if (!get_list (l, value, path, "a list of timeframes such as [1m, 5m, 1h]", 1,
                 PERP_N_INTERVALS - 1, &n))
    return FALSE;

  intervals = g_new0 (PerpInterval, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);

      if (item == NULL || !parse_interval (l, item, item_path, &intervals[i]))
        return FALSE;
      for (guint k = 0; k < i; k++)
        if (intervals[k] == intervals[i])
          return fail (l, item->start_mark, PERP_CONFIG_ERROR_VALUE, item_path,
                       "%s is already listed as %s[%u]",
                       perp_interval_to_string (intervals[i]), path, k);
    }

  g_free (l->config->chart_intervals);
  l->config->chart_intervals = g_steal_pointer (&intervals);
  l->config->n_chart_intervals = n;

  return TRUE;
}

/* A base URL of the feed (the field's member, a char *): the scheme is checked here
 * so a typo fails at load time, not as a connection error minutes later.  REST URLs
 * are http(s), the stream endpoints ws(s). */
static gboolean
load_feed_url (Loader      *l,
               const Field *field,
               yaml_node_t *key,
               yaml_node_t *value,
               const char  *path)
{
  static const char *rest_schemes[] = { "https", "http", NULL };
  static const char *ws_schemes[] = { "wss", "ws", NULL };
  const char **schemes = g_str_has_prefix (field->key, "ws_") ? ws_schemes : rest_schemes;
  char **out = G_STRUCT_MEMBER_P (l->config, field->offset);
  g_autofree char *scheme = NULL;
  const char *text;

  if (!get_string (l, value, path, "a URL", &text))
    return FALSE;
  scheme = g_uri_parse_scheme (text);
  if (scheme == NULL || !g_strv_contains (schemes, scheme) || !g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL))
    {
      g_autofree char *got = describe (value);
      g_autofree char *list = g_strjoinv ("://, ", (char **) schemes);

      return fail (l, value->start_mark, PERP_CONFIG_ERROR_VALUE, path,
                   "%s is not a URL starting with %s://", got, list);
    }
  g_free (*out);
  *out = g_strdup (text);
  return TRUE;
}

/* The journal's file: "" (or no key) means the default in the user data folder. */
static gboolean
load_journal_path (Loader *l, const Field *field, yaml_node_t *key, yaml_node_t *value, const char *path)
{
  const char *text;

  if (!get_string (l, value, path, "a file path", &text))
    return FALSE;
  g_free (l->config->journal_path);
  l->config->journal_path = *text != '\0' ? g_strdup (text) : NULL;
  return TRUE;
}

static gboolean
load_time_zone (Loader      *l,
                const Field *field,
                yaml_node_t *key,
                yaml_node_t *value,
                const char  *path)
{
  const char *text;
  GTimeZone *zone;

  if (!get_string (l, value, path, "a time zone such as America/New_York or UTC", &text))
    return FALSE;

  /* GLib also reads a tzfile from an absolute path; a config names zones, not files. */
  if (text[0] == '\0' || text[0] == '/' || strstr (text, "..") != NULL)
    zone = NULL;
  else if (strcmp (text, "UTC") == 0)
    zone = g_time_zone_new_utc ();
  else
    zone = g_time_zone_new_identifier (text);

  if (zone == NULL)
    {
      g_autofree char *got = describe (value);

      return fail (l, value->start_mark, PERP_CONFIG_ERROR_VALUE, path,
                   "unknown time zone %s (expected an IANA name such as America/New_York, "
                   "or UTC; is tzdata installed?)", got);
    }
  g_time_zone_unref (zone);

  g_free (l->config->time_zone);
  l->config->time_zone = g_strdup (text);
  l->config->structure.time_zone = l->config->time_zone;

  return TRUE;
}

static gboolean
load_killzone_name (Loader      *l,
                    const Field *field,
                    yaml_node_t *key,
                    yaml_node_t *value,
                    const char  *path)
{
  PerpConfig *config = l->config;
  const char *text;
  gsize length;

  if (!get_string (l, value, path, "a killzone name such as london-open", &text))
    return FALSE;

  length = strlen (text);
  if (length == 0 || length > MAX_KILLZONE_LEN)
    return fail (l, value->start_mark, PERP_CONFIG_ERROR_VALUE, path,
                 "a killzone name has 1 to %d characters", MAX_KILLZONE_LEN);
  for (gsize k = 0; k < length; k++)
    if (!g_ascii_isalnum (text[k]) && text[k] != '-' && text[k] != '_')
      return fail (l, value->start_mark, PERP_CONFIG_ERROR_VALUE, path,
                   "\"%s\" is not a killzone name: letters, digits, - and _ only", text);
  for (guint k = 0; k < l->element; k++)
    if (strcmp (config->killzone_names[k], text) == 0)
      return fail (l, value->start_mark, PERP_CONFIG_ERROR_VALUE, path,
                   "\"%s\" is already the name of sessions.killzones[%u]", text, k);

  g_free (config->killzone_names[l->element]);
  config->killzone_names[l->element] = g_strdup (text);
  config->structure.killzones[l->element].name = config->killzone_names[l->element];

  return TRUE;
}

static const Field killzone_fields[] = {
  { .key = "name", .type = FIELD_CUSTOM, .flags = FIELD_REQUIRED, .load = load_killzone_name },
  { .key = "start", .type = FIELD_TIME_OF_DAY, .flags = FIELD_REQUIRED,
    .offset = offsetof (PerpConfig, structure.killzones[0].start_minute),
    .stride = sizeof (PerpKillzone) },
  { .key = "end", .type = FIELD_TIME_OF_DAY, .flags = FIELD_REQUIRED,
    .offset = offsetof (PerpConfig, structure.killzones[0].end_minute),
    .stride = sizeof (PerpKillzone) },
  { .key = "boost", .type = FIELD_DOUBLE, .min = 0, .max = 1,
    .offset = offsetof (PerpConfig, score.killzone_boost), .stride = sizeof (double) },
  { NULL },
};

/* The built-in boost of the killzone called @name (the score's defaults are by name),
 * or 0 for a killzone the defaults do not have. */
static double
default_boost (const char *name)
{
  PerpStructureConfig structure;
  PerpScoreParams score;

  perp_structure_config_init (&structure);
  perp_score_params_init (&score);
  for (guint k = 0; k < structure.n_killzones && k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    if (g_strcmp0 (structure.killzones[k].name, name) == 0)
      return score.killzone_boost[k];

  return 0.0;
}

static gboolean
load_killzones (Loader      *l,
                const Field *field,
                yaml_node_t *key,
                yaml_node_t *value,
                const char  *path)
{
  PerpConfig *config = l->config;
  guint n;

  if (!get_list (l, value, path, "a list of killzones, each {name, start, end, boost}", 0,
                 PERP_STRUCTURE_MAX_KILLZONES, &n))
    return FALSE;

  /* The list replaces the default one.  Boosts belong to positions in it, so they are
   * cleared too; an entry without one gets the default boost of its name. */
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    {
      g_clear_pointer (&config->killzone_names[k], g_free);
      config->structure.killzones[k] = (PerpKillzone) { NULL, 0, 0 };
      config->score.killzone_boost[k] = 0.0;
    }
  config->structure.n_killzones = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);
      const PerpKillzone *zone = &config->structure.killzones[i];
      gboolean ok;

      if (item == NULL)
        return FALSE;
      if (item->type != YAML_MAPPING_NODE)
        return fail_expected (l, item, item_path, "a killzone {name, start, end, boost}");

      config->score.killzone_boost[i] = NAN;
      l->element = i;
      ok = load_section (l, killzone_fields, item, item_path);
      l->element = 0;
      if (!ok)
        return FALSE;
      if (isnan (config->score.killzone_boost[i]))
        config->score.killzone_boost[i] = default_boost (zone->name);

      if (zone->start_minute == zone->end_minute)
        return fail (l, item->start_mark, PERP_CONFIG_ERROR_RANGE, item_path,
                     "starts and ends at %02u:%02u; a killzone needs a window (an end at or "
                     "before the start runs past midnight)",
                     zone->start_minute / 60u, zone->start_minute % 60u);
      config->structure.n_killzones = i + 1;
    }

  return TRUE;
}

static gboolean
load_fib_levels (Loader      *l,
                 const Field *field,
                 yaml_node_t *key,
                 yaml_node_t *value,
                 const char  *path)
{
  static const Field level = { .key = "fib_levels", .type = FIELD_DOUBLE, .min = 0, .max = 2 };
  PerpStructureConfig *structure = &l->config->structure;
  double levels[PERP_STRUCTURE_MAX_FIB_LEVELS] = { 0 };
  guint n;

  if (!get_list (l, value, path, "a list of ratios such as [0.5, 0.618]", 0,
                 PERP_STRUCTURE_MAX_FIB_LEVELS, &n))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);

      if (item == NULL)
        return FALSE;
      if (!parse_number (item, &levels[i]))
        return fail_expected (l, item, item_path, "a number");
      if (!in_range (&level, levels[i]))
        return fail_range (l, &level, item, item_path);
    }

  structure->n_fib_levels = n;
  memcpy (structure->fib_levels, levels, sizeof levels);

  return TRUE;
}

static const Field target_fields[] = {
  { .key = "r", .type = FIELD_DOUBLE, .flags = FIELD_REQUIRED | FIELD_OPEN_MIN, .min = 0, .max = 100,
    .offset = offsetof (PerpConfig, plan.targets_r), .stride = sizeof (double) },
  { .key = "share", .type = FIELD_DOUBLE, .flags = FIELD_REQUIRED | FIELD_OPEN_MIN, .min = 0, .max = 1,
    .offset = offsetof (PerpConfig, plan.target_shares), .stride = sizeof (double) },
  { NULL },
};

static gboolean
load_targets (Loader      *l,
              const Field *field,
              yaml_node_t *key,
              yaml_node_t *value,
              const char  *path)
{
  PerpPlanParams *plan = &l->config->plan;
  double shares = 0.0;
  guint n;

  if (!get_list (l, value, path, "a list of targets, each {r, share}", 1, PERP_PLAN_MAX_TARGETS, &n))
    return FALSE;

  memset (plan->targets_r, 0, sizeof plan->targets_r);
  memset (plan->target_shares, 0, sizeof plan->target_shares);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);
      gboolean ok;

      if (item == NULL)
        return FALSE;
      if (item->type != YAML_MAPPING_NODE)
        return fail_expected (l, item, item_path, "a target {r, share}");

      l->element = i;
      ok = load_section (l, target_fields, item, item_path);
      l->element = 0;
      if (!ok)
        return FALSE;

      if (i > 0 && !(plan->targets_r[i] > plan->targets_r[i - 1]))
        return fail (l, item->start_mark, PERP_CONFIG_ERROR_INVALID, item_path,
                     "r %g is not above the r of %s[%u] (%g); targets go from the nearest "
                     "to the furthest", plan->targets_r[i], path, i - 1, plan->targets_r[i - 1]);
      shares += plan->target_shares[i];
    }

  /* The same tolerance as perp_plan_params_check(): shares like 0.3 are not exact. */
  if (fabs (shares - 1.0) > 1e-9)
    return fail (l, value->start_mark, PERP_CONFIG_ERROR_INVALID, path,
                 "the shares add up to %g; they are fractions of the position and must "
                 "add up to 1", shares);
  plan->n_targets = n;

  return TRUE;
}

static gboolean
load_low_activity_hours (Loader      *l,
                         const Field *field,
                         yaml_node_t *key,
                         yaml_node_t *value,
                         const char  *path)
{
  static const Field hour = { .key = "low_activity_hours", .type = FIELD_UINT, .min = 0, .max = 23 };
  guint32 mask = 0;
  guint n;

  if (!get_list (l, value, path, "a list of UTC hours such as [3, 4, 5, 6]", 0, 24, &n))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = NULL;
      yaml_node_t *item = get_item (l, value, i, path, &item_path);
      double number;
      guint h;

      if (item == NULL)
        return FALSE;
      if (!parse_number (item, &number) || number != floor (number))
        return fail_expected (l, item, item_path, "a whole number");
      if (!in_range (&hour, number))
        return fail_range (l, &hour, item, item_path);
      h = (guint) number;
      if (mask & (1u << h))
        return fail (l, item->start_mark, PERP_CONFIG_ERROR_VALUE, item_path,
                     "hour %u is listed twice", h);
      mask |= 1u << h;
    }

  l->config->breakers.low_activity_hours = mask;

  return TRUE;
}

/* ------------------------------------------------------------------ the schema */

#define AT(member) .offset = offsetof (PerpConfig, member)

static const Field timeframes_fields[] = {
  { .key = "signal", .type = FIELD_INTERVAL, AT (signal_interval) },
  { .key = "higher", .type = FIELD_CUSTOM, .load = load_higher },
  { .key = "chart", .type = FIELD_CUSTOM, .load = load_chart },
  { NULL },
};

static const Field sessions_fields[] = {
  { .key = "time_zone", .type = FIELD_CUSTOM, .load = load_time_zone },
  { .key = "killzones", .type = FIELD_CUSTOM, .load = load_killzones },
  { NULL },
};

static const Field structure_fields[] = {
  { .key = "internal_length", .type = FIELD_UINT, AT (structure.internal_length), .min = 1, .max = 10000 },
  { .key = "swing_length", .type = FIELD_UINT, AT (structure.swing_length), .min = 1, .max = 10000 },
  { .key = "equal_length", .type = FIELD_UINT, AT (structure.equal_length), .min = 1, .max = 10000 },
  { .key = "wick_break", .type = FIELD_BOOL, AT (structure.wick_break) },
  { .key = "close_mitigation", .type = FIELD_BOOL, AT (structure.close_mitigation) },
  { .key = "volatility", .type = FIELD_CHOICE, AT (structure.volatility), .choices = volatility_choices },
  { .key = "volatility_factor", .type = FIELD_DOUBLE, AT (structure.volatility_factor),
    .flags = FIELD_OPEN_MIN | FIELD_OPEN_MAX, .min = 0, .max = 1000 },
  { .key = "atr_length", .type = FIELD_UINT, AT (structure.atr_length), .min = 1, .max = 100000 },
  { .key = "fvg_auto_threshold", .type = FIELD_BOOL, AT (structure.fvg_auto_threshold) },
  { .key = "fvg_join", .type = FIELD_BOOL, AT (structure.fvg_join) },
  { .key = "equal_tolerance_mode", .type = FIELD_CHOICE, AT (structure.equal_tolerance_mode),
    .choices = tolerance_choices },
  { .key = "equal_tolerance", .type = FIELD_DOUBLE, AT (structure.equal_tolerance), .min = 0, .max = 100 },
  { .key = "leg_depth", .type = FIELD_CHOICE, AT (structure.leg_depth), .choices = depth_choices },
  { .key = "fib_levels", .type = FIELD_CUSTOM, .load = load_fib_levels },
  { NULL },
};

static const Field score_fields[] = {
  { .key = "weights", .type = FIELD_WEIGHT, AT (score.weights), .min = 0, .max = 1000,
    .names = factor_name_at, .n_names = PERP_N_FACTORS },
  { .key = "stale_after", .type = FIELD_DURATION, AT (score.stale_after_ms),
    .min = 0, .max = 30 * PERP_MS_PER_DAY, .names = factor_name_at, .n_names = PERP_N_FACTORS },
  { .key = "missing_after", .type = FIELD_DURATION, AT (score.missing_after_ms),
    .min = 0, .max = 30 * PERP_MS_PER_DAY, .names = factor_name_at, .n_names = PERP_N_FACTORS },
  { .key = "stale_trust", .type = FIELD_DOUBLE, AT (score.stale_trust), .min = 0, .max = 1 },
  { .key = "tier_high", .type = FIELD_DOUBLE, AT (score.tier_high), .flags = FIELD_OPEN_MIN,
    .min = 50, .max = 100 },
  { .key = "tier_medium", .type = FIELD_DOUBLE, AT (score.tier_medium), .flags = FIELD_OPEN_MIN,
    .min = 50, .max = 100 },
  { .key = "tier_low", .type = FIELD_DOUBLE, AT (score.tier_low), .flags = FIELD_OPEN_MIN,
    .min = 50, .max = 100 },
  { .key = "mtf_multiplier", .type = FIELD_DOUBLE, AT (score.mtf_multiplier), .min = 0, .max = 1 },
  { .key = "sweep_lookback", .type = FIELD_UINT, AT (score.sweep_lookback), .min = 1, .max = 10000 },
  { .key = "pool_max_distance", .type = FIELD_DOUBLE, AT (score.pool_max_distance),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 1 },
  { .key = "break_lookback", .type = FIELD_UINT, AT (score.break_lookback), .min = 1, .max = 10000 },
  { .key = "fib_tolerance", .type = FIELD_DOUBLE, AT (score.fib_tolerance), .flags = FIELD_OPEN_MAX,
    .min = 0, .max = 0.5 },
  { .key = "flow_window", .type = FIELD_DURATION, AT (score.flow_window_ms),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = PERP_MS_PER_DAY },
  { .key = "divergence_lookback", .type = FIELD_UINT, AT (score.divergence_lookback), .min = 1, .max = 10000 },
  { .key = "oi_window", .type = FIELD_DURATION, AT (score.oi_window_ms),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 7 * PERP_MS_PER_DAY },
  { .key = "oi_full_change_pct", .type = FIELD_DOUBLE, AT (score.oi_full_change_pct),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 100 },
  { .key = "volume_average", .type = FIELD_UINT, AT (score.volume_average), .min = 2, .max = 10000 },
  { .key = "volume_spike", .type = FIELD_DOUBLE, AT (score.volume_spike),
    .flags = FIELD_OPEN_MIN, .min = 1, .max = 1000 },
  { .key = "book_band", .type = FIELD_UINT, AT (score.book_band), .min = 0, .max = PERP_BOOK_N_BANDS - 1 },
  { NULL },
};

static const Field risk_fields[] = {
  { .key = "mode", .type = FIELD_CHOICE, AT (sizing.mode), .choices = sizing_mode_choices },
  { .key = "risk_usd", .type = FIELD_DOUBLE, AT (sizing.risk_usd), .flags = FIELD_OPEN_MIN,
    .min = 0, .max = 1e9 },
  { .key = "equity", .type = FIELD_DOUBLE, AT (sizing.equity),
    .flags = FIELD_OPEN_MIN | FIELD_NULLABLE, .min = 0, .max = 1e12 },
  { .key = "risk_pct", .type = FIELD_DOUBLE, AT (sizing.risk_pct), .flags = FIELD_OPEN_MIN,
    .min = 0, .max = 100 },
  { .key = "tier_scale", .type = FIELD_DOUBLE, AT (sizing.tier_scale), .min = 0, .max = 1,
    .names = tier_name_at, .n_names = PERP_N_TIERS },
  { .key = "market_order", .type = FIELD_BOOL, AT (sizing.market_order) },
  { .key = "max_heat_pct", .type = FIELD_DOUBLE, AT (sizing.max_heat_pct), .min = 0, .max = 100 },
  { .key = "stop_buffer_atr", .type = FIELD_DOUBLE, AT (plan.stop_buffer_atr), .min = 0, .max = 10 },
  { .key = "atr_stop", .type = FIELD_DOUBLE, AT (plan.atr_stop), .flags = FIELD_OPEN_MIN,
    .min = 0, .max = 50 },
  { .key = "min_stop_atr", .type = FIELD_DOUBLE, AT (plan.min_stop_atr), .min = 0, .max = 50 },
  { .key = "max_stop_atr", .type = FIELD_DOUBLE, AT (plan.max_stop_atr), .flags = FIELD_OPEN_MIN,
    .min = 0, .max = 50 },
  { .key = "min_stop_pct", .type = FIELD_DOUBLE, AT (plan.min_stop_pct), .min = 0, .max = 100 },
  { .key = "max_stop_pct", .type = FIELD_DOUBLE, AT (plan.max_stop_pct), .flags = FIELD_OPEN_MIN,
    .min = 0, .max = 100 },
  { .key = "targets", .type = FIELD_CUSTOM, .load = load_targets },
  { .key = "liquidity_targets", .type = FIELD_BOOL, AT (plan.liquidity_targets) },
  { .key = "min_first_target_r", .type = FIELD_DOUBLE, AT (plan.min_first_target_r), .min = 0, .max = 100 },
  { .key = "min_reward_risk", .type = FIELD_DOUBLE, AT (plan.min_reward_risk), .min = 0, .max = 100 },
  { .key = "time_stop_candles", .type = FIELD_UINT, AT (plan.time_stop_candles), .min = 0, .max = 100000 },
  { .key = "break_even_after", .type = FIELD_UINT, AT (plan.break_even_after), .min = 0,
    .max = PERP_PLAN_MAX_TARGETS },
  { .key = "trail_after", .type = FIELD_UINT, AT (plan.trail_after), .min = 0, .max = PERP_PLAN_MAX_TARGETS },
  { NULL },
};

static const Field breakers_fields[] = {
  { .key = "enabled", .type = FIELD_BOOL, AT (breakers.enabled),
    .names = breaker_name_at, .n_names = PERP_N_BREAKERS },
  { .key = "cooldown", .type = FIELD_DURATION, AT (breakers.cooldown_ms), .min = 0,
    .max = 30 * PERP_MS_PER_DAY },
  { .key = "max_signals_per_hour", .type = FIELD_UINT, AT (breakers.max_signals_per_hour),
    .min = 1, .max = 10000, .hint = "set breakers.enabled.signal_rate to false to turn it off" },
  { .key = "daily_drawdown_r", .type = FIELD_DOUBLE, AT (breakers.daily_drawdown_r),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 1000 },
  { .key = "daily_drawdown_resume", .type = FIELD_CHOICE, AT (breakers.daily_drawdown_resume),
    .choices = resume_choices },
  { .key = "max_open_positions", .type = FIELD_UINT, AT (breakers.max_open_positions),
    .min = 1, .max = 10000, .hint = "set breakers.enabled.max_open to false to turn it off" },
  { .key = "max_correlation", .type = FIELD_DOUBLE, AT (breakers.max_correlation), .min = 0, .max = 1 },
  { .key = "volatility_factor", .type = FIELD_DOUBLE, AT (breakers.volatility_factor),
    .flags = FIELD_OPEN_MIN, .min = 1, .max = 1000 },
  { .key = "market_danger_pct", .type = FIELD_DOUBLE, AT (breakers.market_danger_pct),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 100 },
  { .key = "low_activity_hours", .type = FIELD_CUSTOM, .load = load_low_activity_hours },
  { .key = "low_activity_raise", .type = FIELD_DOUBLE, AT (breakers.low_activity_raise), .min = 0, .max = 100 },
  { .key = "win_streak", .type = FIELD_UINT, AT (breakers.win_streak), .min = 1, .max = 10000,
    .hint = "set breakers.enabled.win_streak to false to turn it off" },
  { .key = "win_streak_size", .type = FIELD_DOUBLE, AT (breakers.win_streak_size),
    .flags = FIELD_OPEN_MIN, .min = 0, .max = 1 },
  { NULL },
};

static const Field feed_fields[] = {
  { .key = "rest_url", .type = FIELD_CUSTOM, AT (feed.rest_url), .load = load_feed_url },
  { .key = "ws_url_market", .type = FIELD_CUSTOM, AT (feed.ws_url_market), .load = load_feed_url },
  { .key = "ws_url_public", .type = FIELD_CUSTOM, AT (feed.ws_url_public), .load = load_feed_url },
  { .key = "weight_budget", .type = FIELD_UINT, AT (feed.weight_budget), .min = 1, .max = 2400,
    .hint = "Binance allows 2400 per minute per IP" },
  { .key = "request_timeout_s", .type = FIELD_UINT, AT (feed.request_timeout_s), .min = 1, .max = 600 },
  { .key = "keepalive_s", .type = FIELD_UINT, AT (feed.keepalive_s), .min = 1, .max = 3600 },
  { .key = "backoff_initial_ms", .type = FIELD_UINT, AT (feed.backoff_initial_ms), .min = 1, .max = 600000 },
  { .key = "backoff_max_ms", .type = FIELD_UINT, AT (feed.backoff_max_ms), .min = 1, .max = 3600000 },
  { .key = "rotate_after_s", .type = FIELD_UINT, AT (feed.rotate_after_s), .min = 60, .max = 86400,
    .hint = "Binance closes connections after 24 h" },
  { .key = "streams_per_connection", .type = FIELD_UINT, AT (feed.streams_per_connection), .min = 1,
    .max = 1024, .hint = "Binance allows 1024 streams per connection" },
  { .key = "backfill_candles", .type = FIELD_UINT, AT (feed.backfill_candles), .min = 0, .max = 100000 },
  { .key = "oi_poll_s", .type = FIELD_UINT, AT (feed.oi_poll_s), .min = 1, .max = 86400 },
  { .key = "depth_limit", .type = FIELD_UINT, AT (feed.depth_limit), .min = 5, .max = 1000 },
  { NULL },
};

static const Field journal_fields[] = {
  { .key = "path", .type = FIELD_CUSTOM, .load = load_journal_path },
  { .key = "min_tier", .type = FIELD_CHOICE, AT (journal_min_tier), .choices = tier_choices },
  { .key = "entry", .type = FIELD_CHOICE, AT (outcome.entry_mode), .choices = entry_choices },
  { .key = "taker_fee", .type = FIELD_DOUBLE, AT (outcome.taker_fee), .min = 0, .max = 0.01,
    .hint = "a fraction of notional per side: 0.0005 is 0.05 %" },
  { .key = "slippage_bps", .type = FIELD_DOUBLE, AT (outcome.slippage_bps), .min = 0, .max = 1000 },
  { .key = "max_candles", .type = FIELD_UINT, AT (outcome.max_candles), .min = 0, .max = 1000000 },
  { NULL },
};

static const Field top_fields[] = {
  { .key = "symbols", .type = FIELD_CUSTOM, .load = load_symbols },
  { .key = "timeframes", .type = FIELD_SECTION, .fields = timeframes_fields },
  { .key = "sessions", .type = FIELD_SECTION, .fields = sessions_fields },
  { .key = "structure", .type = FIELD_SECTION, .fields = structure_fields },
  { .key = "score", .type = FIELD_SECTION, .fields = score_fields },
  { .key = "risk", .type = FIELD_SECTION, .fields = risk_fields },
  { .key = "breakers", .type = FIELD_SECTION, .fields = breakers_fields },
  { .key = "feed", .type = FIELD_SECTION, .fields = feed_fields },
  { .key = "journal", .type = FIELD_SECTION, .fields = journal_fields },
  { NULL },
};

#undef AT

/* ------------------------------------------------------------------ defaults */

static const PerpInterval default_chart_intervals[] = {
  PERP_INTERVAL_1M, PERP_INTERVAL_5M, PERP_INTERVAL_15M, PERP_INTERVAL_1H, PERP_INTERVAL_4H,
};

/* Every *_init default, before any check: the state a file is laid over.  (Weights are
 * normalised only at the end, so a file that sets some of them mixes with the defaults
 * as written, not with already-normalised ones.) */
static PerpConfig *
config_new_raw (void)
{
  PerpConfig *config = g_new0 (PerpConfig, 1);
  const char *const symbols[] = { "BTCUSDT", "ETHUSDT", NULL };

  config->symbols = g_strdupv ((char **) symbols);
  config->signal_interval = PERP_INTERVAL_5M;
  config->n_chart_intervals = G_N_ELEMENTS (default_chart_intervals);
  config->chart_intervals = g_memdup2 (default_chart_intervals, sizeof default_chart_intervals);

  perp_structure_config_init (&config->structure);
  perp_score_params_init (&config->score);
  perp_plan_params_init (&config->plan);
  perp_sizing_params_init (&config->sizing);
  perp_breaker_params_init (&config->breakers);
  perp_binance_params_init (&config->feed);
  config->journal_min_tier = PERP_TIER_LOW;
  perp_outcome_params_init (&config->outcome);

  /* The structure defaults point at static strings; the config owns its own. */
  config->time_zone = g_strdup (config->structure.time_zone != NULL ? config->structure.time_zone : "UTC");
  config->structure.time_zone = config->time_zone;
  for (guint k = 0; k < config->structure.n_killzones && k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    {
      config->killzone_names[k] = g_strdup (config->structure.killzones[k].name);
      config->structure.killzones[k].name = config->killzone_names[k];
    }

  return config;
}

static void
resolve_htf (PerpConfig *config)
{
  if (config->score.htf_interval != PERP_INTERVAL_UNKNOWN)
    config->htf_interval = config->score.htf_interval;
  else
    config->htf_interval = perp_score_default_htf (config->signal_interval);
}

/* Where a top-level section starts, for the errors that concern it as a whole. */
static yaml_mark_t
section_mark (Loader     *l,
              const char *section)
{
  yaml_node_t *root = yaml_document_get_root_node (&l->document);
  yaml_mark_t start = { 0, 0, 0 };

  if (root == NULL || root->type != YAML_MAPPING_NODE)
    return start;

  for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
       pair < root->data.mapping.pairs.top;
       pair++)
    {
      yaml_node_t *key = get_node (l, pair->key);

      if (key != NULL && key->type == YAML_SCALAR_NODE
          && strcmp ((const char *) key->data.scalar.value, section) == 0)
        return key->start_mark;
    }

  return start;
}

static gboolean
fail_check (Loader     *l,
            const char *section,
            GError     *check_error)
{
  yaml_mark_t mark = section_mark (l, section);

  fail (l, mark, PERP_CONFIG_ERROR_INVALID, NULL, "%s", check_error->message);
  g_error_free (check_error);

  return FALSE;
}

/* The checks that need the whole file: the higher timeframe against the signal one, the
 * weights together, then each module's own cross-field rules. */
static gboolean
finish (Loader *l)
{
  PerpConfig *config = l->config;
  g_autoptr(PerpStructure) structure = NULL;
  GError *check_error = NULL;
  double total = 0.0;

  resolve_htf (config);
  if (l->higher != NULL
      && perp_interval_to_ms (config->htf_interval) <= perp_interval_to_ms (config->signal_interval))
    return fail (l, l->higher->start_mark, PERP_CONFIG_ERROR_RANGE, "timeframes.higher",
                 "%s is not above the signal timeframe %s",
                 perp_interval_to_string (config->htf_interval),
                 perp_interval_to_string (config->signal_interval));

  for (guint i = 0; i < PERP_N_FACTORS; i++)
    total += config->score.weights[i];
  if (!(total > 0.0))
    {
      yaml_mark_t mark = l->weights_key != NULL ? l->weights_key->start_mark : section_mark (l, "score");

      return fail (l, mark, PERP_CONFIG_ERROR_WEIGHTS, "score.weights",
                   "every weight is zero (factors not listed keep their defaults); give at "
                   "least one factor a positive weight");
    }

  if (!perp_score_params_check (&config->score, &check_error))
    return fail_check (l, "score", check_error);
  if (!perp_sizing_params_check (&config->sizing, &check_error))
    return fail_check (l, "risk", check_error);
  if (!perp_plan_params_check (&config->plan, &check_error))
    return fail_check (l, "risk", check_error);
  if (!perp_breaker_params_check (&config->breakers, &check_error))
    return fail_check (l, "breakers", check_error);

  /* The engine's own validation, time zone included; building one is cheap. */
  structure = perp_structure_new (&config->structure, config->signal_interval, &check_error);
  if (structure == NULL)
    {
      g_autoptr(GError) owned = check_error;
      yaml_mark_t mark = section_mark (l, "structure");

      return fail (l, mark, PERP_CONFIG_ERROR_INVALID, "structure", "%s", owned->message);
    }

  return TRUE;
}

/* ------------------------------------------------------------------ loading */

static gboolean
fail_parser (Loader        *l,
             yaml_parser_t *parser)
{
  yaml_mark_t mark = parser->problem_mark;
  const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";

  switch (parser->error)
    {
    case YAML_MEMORY_ERROR:
      return fail (l, mark, PERP_CONFIG_ERROR_SYNTAX, NULL, "out of memory while reading YAML");

    case YAML_READER_ERROR:
      {
        /* The reader reports a byte offset, not a mark. */
        gsize offset = MIN (parser->problem_offset, l->length);

        mark.line = 0;
        mark.column = 0;
        for (gsize i = 0; i < offset; i++)
          {
            if (l->data[i] == '\n')
              mark.line++, mark.column = 0;
            else if (((guchar) l->data[i] & 0xc0) != 0x80)
              mark.column++;
          }
        return fail (l, mark, PERP_CONFIG_ERROR_SYNTAX, NULL, "not valid YAML text: %s", problem);
      }

    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
      if (parser->context != NULL)
        return fail (l, mark, PERP_CONFIG_ERROR_SYNTAX, NULL, "YAML syntax error: %s (%s at line %zu)",
                     problem, parser->context, parser->context_mark.line + 1);
      return fail (l, mark, PERP_CONFIG_ERROR_SYNTAX, NULL, "YAML syntax error: %s", problem);

    case YAML_NO_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
    default:
      return fail (l, mark, PERP_CONFIG_ERROR_SYNTAX, NULL, "YAML error: %s", problem);
    }
}

/* Reads one document into l->document (exactly one: a second one is an error). */
static gboolean
parse_document (Loader *l)
{
  yaml_parser_t parser;
  yaml_document_t extra;
  gboolean ok = TRUE;

  if (!yaml_parser_initialize (&parser))
    return fail (l, (yaml_mark_t) { 0, 0, 0 }, PERP_CONFIG_ERROR_SYNTAX, NULL, "out of memory");
  yaml_parser_set_input_string (&parser, (const unsigned char *) l->data, l->length);

  if (!yaml_parser_load (&parser, &l->document))
    {
      /* yaml_parser_load() leaves the document zeroed on failure. */
      memset (&l->document, 0, sizeof l->document);
      fail_parser (l, &parser);
      yaml_parser_delete (&parser);
      return FALSE;
    }

  if (!yaml_parser_load (&parser, &extra))
    ok = fail_parser (l, &parser);
  else
    {
      yaml_node_t *root = yaml_document_get_root_node (&extra);

      if (root != NULL)
        ok = fail (l, root->start_mark, PERP_CONFIG_ERROR_SYNTAX, NULL,
                   "a second YAML document; the config is one document");
      yaml_document_delete (&extra);
    }

  yaml_parser_delete (&parser);

  return ok;
}

static gboolean
load_document (Loader *l)
{
  yaml_node_t *root;

  if (!parse_document (l))
    return FALSE;

  l->n_nodes = l->document.nodes.top - l->document.nodes.start;
  l->visited = g_new0 (guint8, MAX (l->n_nodes, 1));

  root = yaml_document_get_root_node (&l->document);
  if (root != NULL)
    {
      if (!visit (l, 1, root->start_mark, NULL))
        return FALSE;
      if (!is_null (root) && root->type != YAML_MAPPING_NODE)
        return fail_expected (l, root, "(top level)", "a mapping of sections (symbols, timeframes, ...)");
      if (!load_section (l, top_fields, root, NULL))
        return FALSE;
    }

  return finish (l);
}

/**
 * perp_config_new_default:
 *
 * Every default: what data/perpscope.example.yaml spells out.
 *
 * Returns: (transfer full): a new config; free with perp_config_free()
 */
PerpConfig *
perp_config_new_default (void)
{
  PerpConfig *config = config_new_raw ();
  g_autoptr(GError) error = NULL;

  resolve_htf (config);
  /* Normalises the weights exactly as a load does, so the two compare equal. */
  if (!perp_score_params_check (&config->score, &error))
    g_critical ("The default score parameters are invalid: %s", error->message);

  return config;
}

/**
 * perp_config_load_data:
 * @data: the YAML text (need not be NUL-terminated)
 * @length: its length in bytes
 * @source_name: what error messages call it, e.g. the file name
 * @error: return location for a #PERP_CONFIG_ERROR
 *
 * Reads a config: every key the text gives replaces its default, every other keeps it.
 * Empty text gives the defaults.
 *
 * Returns: (transfer full) (nullable): the config, or %NULL with @error set, its
 *   message starting "SOURCE:LINE:COLUMN: key.path: "
 */
PerpConfig *
perp_config_load_data (const char  *data,
                       gsize        length,
                       const char  *source_name,
                       GError     **error)
{
  g_autoptr(PerpConfig) config = NULL;
  Loader l = { 0 };
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  config = config_new_raw ();

  l.source = source_name;
  l.data = data != NULL ? data : "";
  l.length = length;
  l.config = config;
  l.error = error;

  ok = load_document (&l);

  yaml_document_delete (&l.document);
  g_free (l.visited);

  if (!ok)
    return NULL;

  return g_steal_pointer (&config);
}

/**
 * perp_config_load_file:
 * @path: a YAML file
 * @error: return location for a #PERP_CONFIG_ERROR
 *
 * Like perp_config_load_data(), naming @path in errors and remembering it in
 * #PerpConfig.path.
 *
 * Returns: (transfer full) (nullable): the config, or %NULL with @error set
 */
PerpConfig *
perp_config_load_file (const char  *path,
                       GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) read_error = NULL;
  PerpConfig *config;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &read_error))
    {
      g_set_error (error, PERP_CONFIG_ERROR, PERP_CONFIG_ERROR_IO, "%s", read_error->message);
      return NULL;
    }

  config = perp_config_load_data (contents, length, path, error);
  if (config != NULL)
    config->path = g_strdup (path);

  return config;
}

/**
 * perp_config_free:
 * @config: (nullable): a config
 */
/**
 * perp_config_copy:
 *
 * A deep copy: the structure configuration's strings point into the copy's own
 * storage, so the copy outlives the original.
 */
PerpConfig *
perp_config_copy (const PerpConfig *config)
{
  PerpConfig *copy = g_memdup2 (config, sizeof *config);

  copy->symbols = g_strdupv (config->symbols);
  copy->chart_intervals = g_memdup2 (config->chart_intervals, sizeof (PerpInterval) * config->n_chart_intervals);
  copy->path = g_strdup (config->path);
  perp_binance_params_copy (&config->feed, &copy->feed);
  copy->journal_path = g_strdup (config->journal_path);
  copy->time_zone = g_strdup (config->time_zone);
  if (config->structure.time_zone == config->time_zone)
    copy->structure.time_zone = copy->time_zone;
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    {
      copy->killzone_names[k] = g_strdup (config->killzone_names[k]);
      if (config->killzone_names[k] != NULL && config->structure.killzones[k].name == config->killzone_names[k])
        copy->structure.killzones[k].name = copy->killzone_names[k];
    }
  return copy;
}

void
perp_config_free (PerpConfig *config)
{
  if (config == NULL)
    return;

  g_strfreev (config->symbols);
  g_free (config->chart_intervals);
  g_free (config->path);
  perp_binance_params_clear (&config->feed);
  g_free (config->journal_path);
  g_free (config->time_zone);
  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    g_free (config->killzone_names[k]);
  g_free (config);
}
