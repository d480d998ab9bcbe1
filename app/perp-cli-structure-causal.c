/* perp-cli-structure-causal.c: `perpscope-cli structure` with the causal engine
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "perp-cli-private.h"

/* Candles that have closed by @at: those whose close time (open + interval) is at or
 * before it.  Without an interval, those that opened at or before it. */
static guint
closed_by (const PerpCandles *candles,
           gint64             at)
{
  gint64 interval_ms = perp_candles_get_interval (candles) != PERP_INTERVAL_UNKNOWN
                       ? perp_interval_to_ms (perp_candles_get_interval (candles)) : 0;

  if (at == G_MAXINT64)
    return perp_candles_get_length (candles);

  return perp_candles_lower_bound (candles, at - interval_ms + 1);
}

static const char *
direction_name (int direction)
{
  return direction > 0 ? "bullish" : direction < 0 ? "bearish" : "none";
}

static const char *
trend_name (int trend)
{
  return trend > 0 ? "bullish" : trend < 0 ? "bearish" : "undecided";
}

/* ------------------------------------------------------------------ text */

static void
print_price_range (const PerpStructureObject *o)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE];
  char b[G_ASCII_DTOSTR_BUF_SIZE];

  if (o->top == o->bottom)
    printf ("%-23s", perp_cli_format_double (a, sizeof a, o->top));
  else
    printf ("%11s-%-11s", perp_cli_format_double (a, sizeof a, o->bottom),
            perp_cli_format_double (b, sizeof b, o->top));
}

static void
print_object_line (const PerpStructure       *engine,
                   const PerpStructureObject *o)
{
  g_autofree char *when = perp_cli_format_time (o->candle_time);
  g_autofree char *formed = perp_cli_format_time (o->formed_at);
  const char *label = o->source != 0 ? perp_structure_source_name (engine, o->source)
                                     : perp_structure_depth_name (o->depth);

  printf ("  %-12s %-8s %-18s ", perp_structure_kind_name (o->kind), direction_name (o->direction), label);
  print_price_range (o);
  printf ("  at %s, known %s", when, formed);
  for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
    if (o->event_time[e] >= 0)
      {
        g_autofree char *at = perp_cli_format_time (o->event_time[e]);

        printf (", %s %s", perp_structure_event_name (e), at);
      }
  putchar ('\n');
}

static void
print_text (const PerpStructure        *engine,
            const PerpStructureReading *r,
            const char                 *csv,
            guint                       limit)
{
  const PerpStructureConfig *config = perp_structure_get_config (engine);
  const PerpStructureLeg *leg = &r->leg;
  g_autofree char *now = perp_cli_format_time (r->time);
  char a[G_ASCII_DTOSTR_BUF_SIZE];
  char b[G_ASCII_DTOSTR_BUF_SIZE];
  char c[G_ASCII_DTOSTR_BUF_SIZE];
  static const PerpStructureKind listed[] = {
    PERP_STRUCTURE_ORDER_BLOCK, PERP_STRUCTURE_BREAKER, PERP_STRUCTURE_FVG,
    PERP_STRUCTURE_EQUAL_HIGHS, PERP_STRUCTURE_EQUAL_LOWS, PERP_STRUCTURE_RANGE_HIGH,
    PERP_STRUCTURE_RANGE_LOW, PERP_STRUCTURE_PIVOT_HIGH, PERP_STRUCTURE_PIVOT_LOW,
  };
  const PerpStructureObject *objects;
  guint n_objects;

  objects = perp_structure_get_objects (engine, &n_objects);

  printf ("%s: %u candles, as of the close of the candle opening %s (price %s)\n",
          csv, perp_structure_get_n_candles (engine), now, perp_cli_format_double (a, sizeof a, r->price));
  printf ("trend: internal %s, swing %s\n",
          trend_name (r->trend[PERP_STRUCTURE_DEPTH_INTERNAL]), trend_name (r->trend[PERP_STRUCTURE_DEPTH_SWING]));

  if (leg->direction != 0)
    {
      g_autofree char *from = perp_cli_format_time (leg->anchor_time);
      g_autofree char *to = perp_cli_format_time (leg->extreme_time);

      printf ("active leg (%s pivots): %s from %s (%s) to %s (%s), retraced %.1f %%\n",
              perp_structure_depth_name (config->leg_depth), leg->direction > 0 ? "up" : "down",
              perp_cli_format_double (a, sizeof a, leg->anchor), from,
              perp_cli_format_double (b, sizeof b, leg->extreme), to, 100.0 * leg->retracement);
      printf ("  fib:");
      for (guint f = 0; f < leg->n_levels; f++)
        printf ("  %g %s", leg->ratios[f], perp_cli_format_double (a, sizeof a, leg->levels[f]));
      putchar ('\n');
    }
  if (!isnan (r->range_top))
    printf ("swing range: %s-%s, equilibrium %s; price in %s\n",
            perp_cli_format_double (a, sizeof a, r->range_bottom),
            perp_cli_format_double (b, sizeof b, r->range_top),
            perp_cli_format_double (c, sizeof c, r->equilibrium),
            perp_structure_zone_name (r->zone));

  printf ("sessions (%s):\n", config->time_zone);
  for (guint s = 0; s < r->n_sessions; s++)
    {
      const PerpStructureSession *session = &r->sessions[s];
      g_autofree char *start = perp_cli_format_time (session->start);
      g_autofree char *end = perp_cli_format_time (session->end);

      printf ("  %-18s %s .. %s  %s", perp_structure_source_name (engine, session->source), start, end,
              session->in_window ? "running" : "next/closed");
      if (!isnan (session->high))
        printf ("  high %s low %s", perp_cli_format_double (a, sizeof a, session->high),
                perp_cli_format_double (b, sizeof b, session->low));
      putchar ('\n');
    }

  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(GArray) ids = perp_structure_query_latest (engine, k == 0 ? PERP_STRUCTURE_BOS : PERP_STRUCTURE_CHOCH, limit);

      printf ("latest %s (%u):\n", k == 0 ? "breaks of structure" : "changes of character", ids->len);
      for (guint i = 0; i < ids->len; i++)
        print_object_line (engine, &objects[g_array_index (ids, guint, i)]);
    }

  for (guint k = 0; k < G_N_ELEMENTS (listed); k++)
    {
      g_autoptr(GArray) ids = perp_structure_query_active (engine, r->time, PERP_STRUCTURE_KIND_MASK (listed[k]));
      guint first = ids->len > limit ? ids->len - limit : 0;

      printf ("active %s: %u", perp_structure_kind_name (listed[k]), ids->len);
      if (first > 0)
        printf (", the latest %u:", limit);
      putchar ('\n');
      for (guint i = first; i < ids->len; i++)
        print_object_line (engine, &objects[g_array_index (ids, guint, i)]);
    }
}

/* ------------------------------------------------------------------ JSON */

static void
print_json (const PerpStructure        *engine,
            const PerpStructureReading *r,
            const char                 *csv)
{
  const PerpStructureObject *objects;
  guint n_objects;

  objects = perp_structure_get_objects (engine, &n_objects);

  printf ("{\n  \"file\": ");
  perp_cli_print_json_string (csv);
  printf (",\n  \"candles\": %u,\n  \"time\": %" G_GINT64_FORMAT ",\n  \"price\": ",
          perp_structure_get_n_candles (engine), r->time);
  perp_cli_print_json_number (r->price);
  printf (",\n  \"trend\": {\"internal\": %d, \"swing\": %d},\n",
          r->trend[PERP_STRUCTURE_DEPTH_INTERNAL], r->trend[PERP_STRUCTURE_DEPTH_SWING]);

  printf ("  \"leg\": {\"direction\": %d", r->leg.direction);
  if (r->leg.direction != 0)
    {
      printf (", \"anchor\": ");
      perp_cli_print_json_number (r->leg.anchor);
      printf (", \"anchor_time\": %" G_GINT64_FORMAT ", \"extreme\": ", r->leg.anchor_time);
      perp_cli_print_json_number (r->leg.extreme);
      printf (", \"extreme_time\": %" G_GINT64_FORMAT ", \"retracement\": ", r->leg.extreme_time);
      perp_cli_print_json_number (r->leg.retracement);
      printf (", \"fib\": [");
      for (guint f = 0; f < r->leg.n_levels; f++)
        {
          printf ("%s{\"ratio\": ", f > 0 ? ", " : "");
          perp_cli_print_json_number (r->leg.ratios[f]);
          printf (", \"price\": ");
          perp_cli_print_json_number (r->leg.levels[f]);
          putchar ('}');
        }
      putchar (']');
    }
  printf ("},\n  \"range\": {\"top\": ");
  perp_cli_print_json_number (r->range_top);
  printf (", \"bottom\": ");
  perp_cli_print_json_number (r->range_bottom);
  printf (", \"equilibrium\": ");
  perp_cli_print_json_number (r->equilibrium);
  printf (", \"zone\": \"%s\"},\n  \"sessions\": [", perp_structure_zone_name (r->zone));
  for (guint s = 0; s < r->n_sessions; s++)
    {
      const PerpStructureSession *session = &r->sessions[s];

      printf ("%s\n    {\"name\": ", s > 0 ? "," : "");
      perp_cli_print_json_string (perp_structure_source_name (engine, session->source));
      printf (", \"running\": %s, \"start\": %" G_GINT64_FORMAT ", \"end\": %" G_GINT64_FORMAT ", \"high\": ",
              session->in_window ? "true" : "false", session->start, session->end);
      perp_cli_print_json_number (session->high);
      printf (", \"low\": ");
      perp_cli_print_json_number (session->low);
      putchar ('}');
    }

  printf ("\n  ],\n  \"objects\": [");
  for (guint k = 0; k < n_objects; k++)
    {
      const PerpStructureObject *o = &objects[k];
      gboolean first_event = TRUE;

      printf ("%s\n    {\"id\": %u, \"kind\": \"%s\", \"direction\": %d", k > 0 ? "," : "", o->id,
              perp_structure_kind_name (o->kind), o->direction);
      if (o->depth != PERP_STRUCTURE_DEPTH_NONE)
        printf (", \"depth\": \"%s\"", perp_structure_depth_name (o->depth));
      if (o->source != 0)
        {
          printf (", \"source\": ");
          perp_cli_print_json_string (perp_structure_source_name (engine, o->source));
        }
      printf (", \"top\": ");
      perp_cli_print_json_number (o->top);
      printf (", \"bottom\": ");
      perp_cli_print_json_number (o->bottom);
      printf (", \"candle_time\": %" G_GINT64_FORMAT ", \"formed_at\": %" G_GINT64_FORMAT,
              o->candle_time, o->formed_at);
      if (o->parent != PERP_STRUCTURE_NO_OBJECT)
        printf (", \"parent\": %u", o->parent);
      printf (", \"active\": %s, \"events\": {",
              perp_structure_object_active_at (o, r->time) ? "true" : "false");
      for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
        if (o->event_time[e] >= 0)
          {
            printf ("%s\"%s\": %" G_GINT64_FORMAT, first_event ? "" : ", ", perp_structure_event_name (e),
                    o->event_time[e]);
            first_event = FALSE;
          }
      printf ("}}");
    }
  printf ("\n  ]\n}\n");
}

int
perp_cli_structure_causal (const PerpCandles          *candles,
                           const PerpStructureConfig  *config,
                           gint64                      at,
                           gboolean                    json,
                           guint                       limit,
                           const char                 *csv)
{
  g_autoptr(PerpStructure) engine = NULL;
  g_autoptr(GError) error = NULL;
  PerpStructureReading reading;
  guint end = closed_by (candles, at);

  engine = perp_structure_new (config, perp_candles_get_interval (candles), &error);
  if (engine == NULL)
    {
      fprintf (stderr, "perpscope-cli: structure: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (end == 0)
    {
      fprintf (stderr, "perpscope-cli: structure: no candle of %s has closed by the time given\n", csv);
      return EXIT_DATA;
    }
  if (!perp_structure_push_candles (engine, candles, 0, end, &error))
    {
      fprintf (stderr, "perpscope-cli: structure: %s: %s\n", csv, error->message);
      return EXIT_DATA;
    }

  perp_structure_get_reading (engine, &reading);
  if (json)
    print_json (engine, &reading, csv);
  else
    print_text (engine, &reading, csv, limit);

  return EXIT_OK;
}
