/* perp-chart-model.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-chart"

#include "config.h"

#include <math.h>
#include <string.h>

#include "core/perp-indicators.h"

#include "perp-chart-model.h"

/* Aggregates of 2^k consecutive candles, k >= 1 (level 0 is the candles themselves).
 * A pixel column of any width is then a union of O(log n) blocks, so drawing a zoomed
 * out chart costs the number of pixel columns, not the number of candles in view. */
typedef struct
{
  double open;
  double high;
  double low;
  double close;
  double volume;
} Agg;

#define MAX_LEVELS 32

static const guint ema_periods[PERP_CHART_N_EMAS] = { 21, 50, 200 };

typedef struct
{
  GArray *closed;   /* PerpChartSpan, sorted by start */
  GArray *max_end;  /* gint64, prefix maximum of closed[].end */
  GArray *block_max_end;  /* gint64, maximum of closed[].end per PERP_CHART_SPAN_BLOCK */
  GArray *open;     /* PerpChartSpan, sorted by start */
} SpanList;

struct _PerpChartModel
{
  PerpCandles         *candles;
  const PerpStructure *structure;
  guint                n;              /* candles the precomputation covers */
  gint64               interval_ms;

  Agg                 *levels[MAX_LEVELS];
  guint                level_len[MAX_LEVELS];
  guint                level_cap[MAX_LEVELS];
  guint                n_levels;

  double              *ema[PERP_CHART_N_EMAS];
  PerpEma              ema_state[PERP_CHART_N_EMAS];
  guint                ema_cap;

  SpanList             spans[PERP_CHART_N_GROUPS];
  guint                n_objects_seen;

  GArray              *killzones;     /* PerpChartWindow, sorted by start */
  gint64               kz_first_day;
  gint64               kz_last_day;   /* days computed: [first, last] */
  GTimeZone           *kz_tz;

  PerpCandle           forming;
  gboolean             has_forming;
  PerpLiqMap          *liq_map;
  PerpLiqGrid         *liq_grid;

  /* The map's intensity per bucket as prefix sums, for its state at (candles, time). */
  GArray              *profile;
  gint64               profile_first;
  guint                profile_candles;
  gint64               profile_time;
  gboolean             profile_valid;
  PerpPlan             plan;
  gboolean             has_plan;

  /* One frame's columns, reused by the candle and volume layers. */
  GArray              *columns;
  PerpViewportState    columns_vp;
  guint                columns_n;
  gboolean             columns_valid;
};

PerpChartModel *
perp_chart_model_new (void)
{
  PerpChartModel *self = g_new0 (PerpChartModel, 1);

  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    {
      self->spans[g].closed = g_array_new (FALSE, FALSE, sizeof (PerpChartSpan));
      self->spans[g].max_end = g_array_new (FALSE, FALSE, sizeof (gint64));
      self->spans[g].block_max_end = g_array_new (FALSE, FALSE, sizeof (gint64));
      self->spans[g].open = g_array_new (FALSE, FALSE, sizeof (PerpChartSpan));
    }
  self->killzones = g_array_new (FALSE, FALSE, sizeof (PerpChartWindow));
  self->columns = g_array_new (FALSE, FALSE, sizeof (PerpChartColumn));
  self->profile = g_array_new (FALSE, FALSE, sizeof (double));
  self->interval_ms = PERP_MS_PER_HOUR;

  return self;
}

static void
clear_derived (PerpChartModel *self)
{
  for (guint k = 0; k < MAX_LEVELS; k++)
    {
      g_clear_pointer (&self->levels[k], g_free);
      self->level_len[k] = self->level_cap[k] = 0;
    }
  self->n_levels = 0;
  for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
    g_clear_pointer (&self->ema[e], g_free);
  self->ema_cap = 0;
  self->n = 0;
  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    {
      g_array_set_size (self->spans[g].closed, 0);
      g_array_set_size (self->spans[g].max_end, 0);
      g_array_set_size (self->spans[g].block_max_end, 0);
      g_array_set_size (self->spans[g].open, 0);
    }
  g_array_set_size (self->killzones, 0);
  self->kz_first_day = self->kz_last_day = 0;
  g_clear_pointer (&self->kz_tz, g_time_zone_unref);
  self->columns_valid = FALSE;
}

void
perp_chart_model_free (PerpChartModel *self)
{
  if (self == NULL)
    return;

  clear_derived (self);
  g_clear_pointer (&self->candles, perp_candles_unref);
  g_clear_pointer (&self->liq_map, perp_liq_map_unref);
  g_clear_pointer (&self->liq_grid, perp_liq_grid_unref);
  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    {
      g_array_unref (self->spans[g].closed);
      g_array_unref (self->spans[g].max_end);
      g_array_unref (self->spans[g].block_max_end);
      g_array_unref (self->spans[g].open);
    }
  g_array_unref (self->killzones);
  g_array_unref (self->columns);
  g_array_unref (self->profile);
  g_free (self);
}

/* ------------------------------------------------------------------ pyramid */

static void
agg_combine (Agg       *into,
             const Agg *a,
             gboolean   first)
{
  if (first)
    {
      *into = *a;
      return;
    }
  into->high = MAX (into->high, a->high);
  into->low = MIN (into->low, a->low);
  into->close = a->close;
  into->volume += a->volume;
}

/* The candle columns, read once per query: the arrays move when the series grows. */
typedef struct
{
  const double *open;
  const double *high;
  const double *low;
  const double *close;
  const double *volume;
} Columns;

static void
columns_get (const PerpChartModel *self,
             Columns              *cols)
{
  cols->open = perp_candles_get_open (self->candles);
  cols->high = perp_candles_get_high (self->candles);
  cols->low = perp_candles_get_low (self->candles);
  cols->close = perp_candles_get_close (self->candles);
  cols->volume = perp_candles_get_volume (self->candles);
}

static inline void
level_get (const PerpChartModel *self,
           const Columns        *cols,
           guint                 k,
           guint                 i,
           Agg                  *out)
{
  if (k == 0)
    {
      out->open = cols->open[i];
      out->high = cols->high[i];
      out->low = cols->low[i];
      out->close = cols->close[i];
      out->volume = cols->volume[i];
    }
  else
    *out = self->levels[k][i];
}

static void
pyramid_extend (PerpChartModel *self,
                guint           n)
{
  Columns cols;

  columns_get (self, &cols);
  for (guint k = 1; k < MAX_LEVELS; k++)
    {
      guint len = n >> k;

      if (len == 0)
        break;
      if (len > self->level_cap[k])
        {
          self->level_cap[k] = MAX (len, self->level_cap[k] * 2);
          self->levels[k] = g_renew (Agg, self->levels[k], self->level_cap[k]);
        }
      for (guint i = self->level_len[k]; i < len; i++)
        {
          Agg a, b;

          level_get (self, &cols, k - 1, 2 * i, &a);
          level_get (self, &cols, k - 1, 2 * i + 1, &b);
          agg_combine (&a, &b, FALSE);
          self->levels[k][i] = a;
        }
      self->level_len[k] = len;
      self->n_levels = k + 1;
    }
  if (self->n_levels == 0 && n > 0)
    self->n_levels = 1;
}

/**
 * perp_chart_model_aggregate:
 * @begin: first candle index
 * @end: index after the last; > @begin
 *
 * OHLCV of candles [@begin, @end) from the pyramid: aligned power-of-two blocks, so
 * O(log n) reads whatever the span.
 */
void
perp_chart_model_aggregate (const PerpChartModel *self,
                            guint                 begin,
                            guint                 end,
                            PerpChartColumn      *out)
{
  guint a = begin;
  gboolean first = TRUE;
  Agg acc = { 0, };
  Columns cols;

  g_return_if_fail (self != NULL && out != NULL);
  g_return_if_fail (begin < end && end <= self->n);

  columns_get (self, &cols);
  while (a < end)
    {
      guint k = 0;
      Agg block;

      while (k + 1 < self->n_levels
             && (a & ((1u << (k + 1)) - 1)) == 0
             && (guint64) a + (1u << (k + 1)) <= end)
        k++;
      level_get (self, &cols, k, a >> k, &block);
      agg_combine (&acc, &block, first);
      first = FALSE;
      a += 1u << k;
    }

  out->first = begin;
  out->last = end;
  out->open = acc.open;
  out->high = acc.high;
  out->low = acc.low;
  out->close = acc.close;
  out->volume = acc.volume;
}

gboolean
perp_chart_model_price_extent (const PerpChartModel *self,
                               double                t0,
                               double                t1,
                               double               *lo,
                               double               *hi)
{
  guint a, b;
  PerpChartColumn c;
  gint64 lo_t;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->n == 0)
    return FALSE;

  /* Candles overlapping [t0, t1): those opening after t0 - interval. */
  lo_t = (gint64) floor (t0) - self->interval_ms + 1;
  a = perp_candles_lower_bound (self->candles, lo_t);
  b = perp_candles_lower_bound (self->candles, (gint64) ceil (t1));
  b = MIN (b, self->n);
  if (a >= b)
    return FALSE;

  perp_chart_model_aggregate (self, a, b, &c);
  *lo = c.low;
  *hi = c.high;
  return TRUE;
}

/* ------------------------------------------------------------------ columns */

/* The first candle at or after @from opening at or after @t: galloping from @from,
 * since the next column boundary is a few candles on, not anywhere in millions. */
static guint
lower_bound_from (const gint64 *open_time,
                  guint         n,
                  guint         from,
                  gint64        t)
{
  guint lo = from, hi, step = 1;

  if (from >= n || open_time[from] >= t)
    return from;
  /* open_time[lo] < t: widen until open_time[hi] >= t or the end. */
  hi = from + 1;
  while (hi < n && open_time[hi] < t)
    {
      lo = hi;
      step *= 2;
      hi = n - lo > step ? lo + step : n;
    }
  /* First index in (lo, hi] with open_time >= t. */
  lo++;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (open_time[mid] < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

const PerpChartColumn *
perp_chart_model_get_columns (PerpChartModel          *self,
                              const PerpViewportState *vp,
                              guint                   *n_columns)
{
  const gint64 *open_time;
  double px_per_candle;

  g_return_val_if_fail (self != NULL && vp != NULL && n_columns != NULL, NULL);

  if (self->columns_valid
      && self->columns_n == self->n
      && self->columns_vp.t0 == vp->t0
      && self->columns_vp.t1 == vp->t1
      && self->columns_vp.plot_width == vp->plot_width)
    {
      *n_columns = self->columns->len;
      return (const PerpChartColumn *) (gpointer) self->columns->data;
    }

  g_array_set_size (self->columns, 0);
  self->columns_vp = *vp;
  self->columns_n = self->n;
  self->columns_valid = TRUE;
  *n_columns = 0;
  if (self->n == 0 || vp->plot_width <= 0)
    return (const PerpChartColumn *) (gpointer) self->columns->data;

  open_time = perp_candles_get_open_time (self->candles);
  px_per_candle = self->interval_ms / (vp->t1 - vp->t0) * vp->plot_width;

  if (px_per_candle >= 2.0)
    {
      /* One column per candle, with a gap between bodies. */
      guint a = perp_candles_lower_bound (self->candles, (gint64) floor (vp->t0) - self->interval_ms + 1);
      guint b = MIN (perp_candles_lower_bound (self->candles, (gint64) ceil (vp->t1)), self->n);
      double body = MAX (1.0, floor (px_per_candle * 0.7));

      if ((guint) body % 2 == 0 && body > 2)
        body -= 1;  /* odd widths centre the wick */
      for (guint i = a; i < b; i++)
        {
          PerpChartColumn c;
          double center = perp_viewport_state_time_to_x (vp, open_time[i] + self->interval_ms / 2.0);

          perp_chart_model_aggregate (self, i, i + 1, &c);
          c.x = floor (center - body / 2.0 + 0.5);
          c.width = body;
          g_array_append_val (self->columns, c);
        }
    }
  else
    {
      /* At most one candle per pixel column: everything opening in the column. */
      guint a = perp_candles_lower_bound (self->candles, (gint64) floor (vp->t0));

      for (int x = 0; x < vp->plot_width && a < self->n; x++)
        {
          double te = perp_viewport_state_x_to_time (vp, x + 1);
          guint b = a;
          PerpChartColumn c;

          if (open_time[a] >= te)
            continue;
          b = lower_bound_from (open_time, self->n, a, (gint64) ceil (te));
          if (b <= a)
            b = a + 1;
          perp_chart_model_aggregate (self, a, b, &c);
          c.x = x;
          c.width = 1;
          g_array_append_val (self->columns, c);
          a = b;
        }
    }

  *n_columns = self->columns->len;
  return (const PerpChartColumn *) (gpointer) self->columns->data;
}

/* ------------------------------------------------------------------ EMA */

static void
ema_extend (PerpChartModel *self,
            guint           n)
{
  const double *close = perp_candles_get_close (self->candles);

  if (n > self->ema_cap)
    {
      self->ema_cap = MAX (n, self->ema_cap * 2);
      for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
        self->ema[e] = g_renew (double, self->ema[e], self->ema_cap);
    }
  if (self->n == 0)
    for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
      perp_ema_init (&self->ema_state[e], ema_periods[e]);
  for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
    for (guint i = self->n; i < n; i++)
      self->ema[e][i] = perp_ema_update (&self->ema_state[e], close[i]);
}

const double *
perp_chart_model_get_ema (const PerpChartModel *self,
                          guint                 which,
                          guint                *period)
{
  g_return_val_if_fail (self != NULL && which < PERP_CHART_N_EMAS, NULL);

  if (period != NULL)
    *period = ema_periods[which];
  return self->ema[which];
}

/* ------------------------------------------------------------------ spans */

static int
span_cmp (gconstpointer a,
          gconstpointer b)
{
  const PerpChartSpan *x = a;
  const PerpChartSpan *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static gint64
event_or_max (const PerpStructureObject *o,
              PerpStructureEvent         e)
{
  return o->event_time[e] >= 0 ? o->event_time[e] : G_MAXINT64;
}

/* Rebuilt from the whole list: ends move as objects get mitigated, and a sort of a few
 * hundred thousand spans once per closed candle is cheaper than tracking them. */
static void
spans_rebuild (PerpChartModel *self)
{
  const PerpStructureObject *objects;
  guint n_objects = 0;
  gint64 cutoff = perp_chart_model_get_cutoff (self);
  /* Index of the latest range level per (kind, source) for day and week. */
  gint last_level[2][3];
  GArray *all[PERP_CHART_N_GROUPS];

  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    {
      g_array_set_size (self->spans[g].closed, 0);
      g_array_set_size (self->spans[g].max_end, 0);
      g_array_set_size (self->spans[g].block_max_end, 0);
      g_array_set_size (self->spans[g].open, 0);
      all[g] = g_array_new (FALSE, FALSE, sizeof (PerpChartSpan));
    }
  memset (last_level, -1, sizeof last_level);

  if (self->structure != NULL && self->n > 0)
    objects = perp_structure_get_objects (self->structure, &n_objects);
  else
    objects = NULL;

  for (guint i = 0; i < n_objects; i++)
    {
      PerpStructureObject o;
      PerpChartSpan span;
      PerpChartGroup group;

      if (objects[i].formed_at > cutoff)
        break;  /* formed order: nothing later is known at the cutoff */
      perp_structure_object_as_of (&objects[i], cutoff, &o);
      span.id = o.id;
      span.start = o.candle_time;
      span.end = G_MAXINT64;

      switch ((PerpStructureKind) o.kind)
        {
        case PERP_STRUCTURE_FVG:
          group = PERP_CHART_GROUP_FVG;
          span.end = MIN (event_or_max (&o, PERP_STRUCTURE_EVENT_MITIGATED),
                          event_or_max (&o, PERP_STRUCTURE_EVENT_MERGED));
          break;
        case PERP_STRUCTURE_ORDER_BLOCK:
          group = PERP_CHART_GROUP_BLOCKS;
          span.end = MIN (event_or_max (&o, PERP_STRUCTURE_EVENT_MITIGATED),
                          event_or_max (&o, PERP_STRUCTURE_EVENT_BROKEN));
          break;
        case PERP_STRUCTURE_BREAKER:
          group = PERP_CHART_GROUP_BLOCKS;
          span.start = o.formed_at;
          span.end = event_or_max (&o, PERP_STRUCTURE_EVENT_MITIGATED);
          break;
        case PERP_STRUCTURE_RANGE_HIGH:
        case PERP_STRUCTURE_RANGE_LOW:
          {
            guint s = o.source == PERP_STRUCTURE_SOURCE_DAY ? 0 : o.source == PERP_STRUCTURE_SOURCE_WEEK ? 1 : 2;
            guint kk = o.kind == PERP_STRUCTURE_RANGE_HIGH ? 0 : 1;

            if (s == 2)
              continue;
            group = PERP_CHART_GROUP_LEVELS;
            span.start = o.formed_at;
            span.end = event_or_max (&o, PERP_STRUCTURE_EVENT_MITIGATED);
            /* A previous day's level stops being "the previous day's" when the
             * next day completes. */
            if (last_level[s][kk] >= 0)
              {
                PerpChartSpan *prev = &g_array_index (all[group], PerpChartSpan, last_level[s][kk]);
                prev->end = MIN (prev->end, o.formed_at);
              }
            last_level[s][kk] = all[group]->len;
          }
          break;
        case PERP_STRUCTURE_EQUAL_HIGHS:
        case PERP_STRUCTURE_EQUAL_LOWS:
          group = PERP_CHART_GROUP_LIQUIDITY;
          if (o.parent != PERP_STRUCTURE_NO_OBJECT && o.parent < n_objects)
            span.start = objects[o.parent].candle_time;
          span.end = event_or_max (&o, PERP_STRUCTURE_EVENT_MITIGATED);
          break;
        case PERP_STRUCTURE_BOS:
        case PERP_STRUCTURE_CHOCH:
          group = PERP_CHART_GROUP_STRUCTURE;
          if (o.parent != PERP_STRUCTURE_NO_OBJECT && o.parent < n_objects)
            span.start = objects[o.parent].candle_time;
          span.end = o.formed_at;
          break;
        case PERP_STRUCTURE_PIVOT_HIGH:
        case PERP_STRUCTURE_PIVOT_LOW:
          group = PERP_CHART_GROUP_SWINGS;
          span.end = o.candle_time;
          break;
        case PERP_STRUCTURE_N_KINDS:
        default:
          continue;
        }
      g_array_append_val (all[group], span);
    }

  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    {
      SpanList *list = &self->spans[g];
      gint64 max_end = G_MININT64;

      for (guint i = 0; i < all[g]->len; i++)
        {
          PerpChartSpan *s = &g_array_index (all[g], PerpChartSpan, i);

          if (s->end == G_MAXINT64)
            g_array_append_val (list->open, *s);
          else
            g_array_append_val (list->closed, *s);
        }
      g_array_sort (list->closed, span_cmp);
      g_array_sort (list->open, span_cmp);
      g_array_set_size (list->max_end, list->closed->len);
      g_array_set_size (list->block_max_end, (list->closed->len + PERP_CHART_SPAN_BLOCK - 1) / PERP_CHART_SPAN_BLOCK);
      for (guint i = 0; i < list->closed->len; i++)
        {
          gint64 end = g_array_index (list->closed, PerpChartSpan, i).end;
          gint64 *block = &g_array_index (list->block_max_end, gint64, i / PERP_CHART_SPAN_BLOCK);

          max_end = MAX (max_end, end);
          g_array_index (list->max_end, gint64, i) = max_end;
          *block = i % PERP_CHART_SPAN_BLOCK == 0 ? end : MAX (*block, end);
        }
      g_array_unref (all[g]);
    }
  self->n_objects_seen = n_objects;
}

const PerpChartSpan *
perp_chart_model_get_spans (const PerpChartModel *self,
                            PerpChartGroup        group,
                            gboolean              open,
                            guint                *n_spans)
{
  GArray *array;

  g_return_val_if_fail (self != NULL && group < PERP_CHART_N_GROUPS && n_spans != NULL, NULL);

  array = open ? self->spans[group].open : self->spans[group].closed;
  *n_spans = array->len;
  return (const PerpChartSpan *) (gpointer) array->data;
}

const gint64 *
perp_chart_model_get_span_max_end (const PerpChartModel *self,
                                   PerpChartGroup        group)
{
  g_return_val_if_fail (self != NULL && group < PERP_CHART_N_GROUPS, NULL);

  return (const gint64 *) (gpointer) self->spans[group].max_end->data;
}

/* The latest end of the closed spans of each run of PERP_CHART_SPAN_BLOCK, in start
 * order: lets a drawing skip a whole run of spans that all ended before the view,
 * where the prefix maximum only tells when to stop. */
const gint64 *
perp_chart_model_get_span_block_max_end (const PerpChartModel *self,
                                         PerpChartGroup        group)
{
  g_return_val_if_fail (self != NULL && group < PERP_CHART_N_GROUPS, NULL);

  return (const gint64 *) (gpointer) self->spans[group].block_max_end->data;
}

/* ------------------------------------------------------------------ killzones */

static int
window_cmp (gconstpointer a,
            gconstpointer b)
{
  const PerpChartWindow *x = a;
  const PerpChartWindow *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (int) x->zone - (int) y->zone;
}

/* UTC ms of a local wall-clock time; a time skipped by a clock change moves forward
 * with the clock, as the structure engine does. */
static gint64
local_to_utc (GTimeZone *tz,
              gint64     day,
              guint      minute)
{
  gint64 local = day * 86400 + (gint64) minute * 60;
  int interval = g_time_zone_adjust_time (tz, G_TIME_TYPE_DAYLIGHT, &local);

  return (local - g_time_zone_get_offset (tz, interval)) * 1000;
}

static gint64
local_day (GTimeZone *tz,
           gint64     t)
{
  gint64 seconds = perp_floor_div (t, 1000);
  int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, seconds);

  return perp_floor_div (seconds + g_time_zone_get_offset (tz, interval), 86400);
}

static void
killzones_extend (PerpChartModel *self)
{
  PerpStructureConfig defaults;
  const PerpStructureConfig *config;
  gint64 first, last, d0, d1;

  if (self->n == 0)
    return;

  if (self->structure != NULL)
    config = perp_structure_get_config (self->structure);
  else
    {
      perp_structure_config_init (&defaults);
      config = &defaults;
    }

  if (self->kz_tz == NULL)
    {
      if (config->time_zone == NULL || g_strcmp0 (config->time_zone, "UTC") == 0)
        self->kz_tz = g_time_zone_new_utc ();
      else
        self->kz_tz = g_time_zone_new_identifier (config->time_zone);
      if (self->kz_tz == NULL)
        self->kz_tz = g_time_zone_new_utc ();  /* the engine refused it already */
    }

  perp_chart_model_get_time_extent (self, &first, &last);
  d0 = local_day (self->kz_tz, first) - 1;
  d1 = local_day (self->kz_tz, last + self->interval_ms) + 1;
  if (self->killzones->len > 0)
    {
      if (d1 <= self->kz_last_day)
        return;
      d0 = self->kz_last_day + 1;
    }
  else
    self->kz_first_day = d0;

  for (gint64 d = d0; d <= d1; d++)
    for (guint z = 0; z < config->n_killzones; z++)
      {
        const PerpKillzone *zone = &config->killzones[z];
        PerpChartWindow w;

        w.zone = z;
        w.start = local_to_utc (self->kz_tz, d, zone->start_minute);
        w.end = local_to_utc (self->kz_tz, zone->end_minute > zone->start_minute ? d : d + 1,
                              zone->end_minute);
        g_array_append_val (self->killzones, w);
      }
  self->kz_last_day = d1;
  g_array_sort (self->killzones, window_cmp);
}

const PerpChartWindow *
perp_chart_model_get_killzones (const PerpChartModel *self,
                                guint                *n_windows)
{
  g_return_val_if_fail (self != NULL && n_windows != NULL, NULL);

  *n_windows = self->killzones->len;
  return (const PerpChartWindow *) (gpointer) self->killzones->data;
}

/* ------------------------------------------------------------------ data */

void
perp_chart_model_set_data (PerpChartModel      *self,
                           PerpCandles         *candles,
                           const PerpStructure *structure)
{
  g_return_if_fail (self != NULL);

  if (candles != NULL)
    perp_candles_ref (candles);
  g_clear_pointer (&self->candles, perp_candles_unref);
  self->candles = candles;
  self->structure = structure;
  clear_derived (self);
  if (candles != NULL)
    {
      gint64 ms = perp_interval_to_ms (perp_candles_get_interval (candles));

      if (ms <= 0)
        ms = perp_interval_to_ms (perp_candles_guess_interval (candles));
      self->interval_ms = ms > 0 ? ms : PERP_MS_PER_HOUR;
    }
  perp_chart_model_data_changed (self);
}

void
perp_chart_model_data_changed (PerpChartModel *self)
{
  guint n;

  g_return_if_fail (self != NULL);

  n = self->candles != NULL ? perp_candles_get_length (self->candles) : 0;
  if (n < self->n)
    {
      /* Shrunk: the series was replaced in place; start over. */
      PerpCandles *candles = self->candles != NULL ? perp_candles_ref (self->candles) : NULL;

      perp_chart_model_set_data (self, candles, self->structure);
      g_clear_pointer (&candles, perp_candles_unref);
      return;
    }

  if (n > 0)
    {
      pyramid_extend (self, n);
      ema_extend (self, n);
    }
  self->n = n;
  self->columns_valid = FALSE;
  killzones_extend (self);
  spans_rebuild (self);
}

void
perp_chart_model_set_forming (PerpChartModel   *self,
                              const PerpCandle *candle)
{
  g_return_if_fail (self != NULL);

  self->has_forming = candle != NULL;
  if (candle != NULL)
    self->forming = *candle;
}

void
perp_chart_model_set_liq_map (PerpChartModel *self,
                              PerpLiqMap     *map)
{
  g_return_if_fail (self != NULL);

  if (map != NULL)
    perp_liq_map_ref (map);
  g_clear_pointer (&self->liq_map, perp_liq_map_unref);
  self->liq_map = map;
  self->profile_valid = FALSE;
}

/**
 * perp_chart_model_get_liq_profile:
 * @first_bucket: (out): the bucket of prefix[0]'s upper end minus one
 * @n_buckets: (out): buckets covered; the array holds @n_buckets + 1 sums
 *
 * The liquidation map as it stands, per bucket, as prefix sums: prefix[i] is the
 * intensity of buckets first .. first + i - 1.  Recomputed only when the map has
 * moved on (a candle added), so panning and zooming read it for free.
 *
 * Returns: (nullable): the sums, or NULL without a map or levels
 */
const double *
perp_chart_model_get_liq_profile (PerpChartModel *self,
                                  gint64         *first_bucket,
                                  guint          *n_buckets)
{
  gint64 first, last;

  g_return_val_if_fail (self != NULL && first_bucket != NULL && n_buckets != NULL, NULL);

  if (self->liq_map == NULL || perp_liq_map_get_n_candles (self->liq_map) == 0)
    return NULL;
  if (!self->profile_valid
      || self->profile_candles != perp_liq_map_get_n_candles (self->liq_map)
      || self->profile_time != perp_liq_map_get_time (self->liq_map))
    {
      double sum = 0;
      gint64 time = perp_liq_map_get_time (self->liq_map);

      g_array_set_size (self->profile, 0);
      self->profile_first = 0;
      if (perp_liq_map_get_bucket_range (self->liq_map, &first, &last))
        {
          self->profile_first = first;
          g_array_append_val (self->profile, sum);
          for (gint64 k = first; k <= last; k++)
            {
              sum += perp_liq_map_get_bucket (self->liq_map, k, time, PERP_LIQ_SIDE_BOTH);
              g_array_append_val (self->profile, sum);
            }
        }
      self->profile_candles = perp_liq_map_get_n_candles (self->liq_map);
      self->profile_time = time;
      self->profile_valid = TRUE;
    }
  if (self->profile->len < 2)
    return NULL;
  *first_bucket = self->profile_first;
  *n_buckets = self->profile->len - 1;
  return (const double *) (gpointer) self->profile->data;
}

void
perp_chart_model_set_liq_grid (PerpChartModel *self,
                               PerpLiqGrid    *grid)
{
  g_return_if_fail (self != NULL);

  if (grid != NULL)
    perp_liq_grid_ref (grid);
  g_clear_pointer (&self->liq_grid, perp_liq_grid_unref);
  self->liq_grid = grid;
}

void
perp_chart_model_set_plan (PerpChartModel *self,
                           const PerpPlan *plan)
{
  g_return_if_fail (self != NULL);

  self->has_plan = plan != NULL && plan->status == PERP_PLAN_OK
                   && plan->direction != PERP_DIRECTION_NONE
                   && isfinite (plan->entry) && isfinite (plan->stop);
  if (self->has_plan)
    self->plan = *plan;
}

PerpCandles *
perp_chart_model_get_candles (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->candles;
}

const PerpStructure *
perp_chart_model_get_structure (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->structure;
}

gint64
perp_chart_model_get_interval_ms (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, PERP_MS_PER_HOUR);
  return self->interval_ms;
}

/* Open times of the first and last closed candles the chart holds. */
gboolean
perp_chart_model_get_time_extent (const PerpChartModel *self,
                                  gint64               *first,
                                  gint64               *last)
{
  const gint64 *t;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->n == 0)
    return FALSE;
  t = perp_candles_get_open_time (self->candles);
  if (first != NULL)
    *first = t[0];
  if (last != NULL)
    *last = t[self->n - 1];
  return TRUE;
}

/* The open time of the last closed candle: the chart shows what was known then, and
 * nothing the structure engine may know of later candles. */
gint64
perp_chart_model_get_cutoff (const PerpChartModel *self)
{
  gint64 last = G_MININT64;

  perp_chart_model_get_time_extent (self, NULL, &last);
  return last;
}

const PerpCandle *
perp_chart_model_get_forming (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->has_forming ? &self->forming : NULL;
}

PerpLiqMap *
perp_chart_model_get_liq_map (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->liq_map;
}

PerpLiqGrid *
perp_chart_model_get_liq_grid (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->liq_grid;
}

const PerpPlan *
perp_chart_model_get_plan (const PerpChartModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->has_plan ? &self->plan : NULL;
}

/* Bytes the model adds on top of the candles and the structure engine. */
gsize
perp_chart_model_get_memory_size (const PerpChartModel *self)
{
  gsize size = sizeof *self;

  g_return_val_if_fail (self != NULL, 0);

  for (guint k = 0; k < MAX_LEVELS; k++)
    size += (gsize) self->level_cap[k] * sizeof (Agg);
  size += (gsize) self->ema_cap * sizeof (double) * PERP_CHART_N_EMAS;
  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    size += (self->spans[g].closed->len + self->spans[g].open->len) * sizeof (PerpChartSpan)
            + (self->spans[g].max_end->len + self->spans[g].block_max_end->len) * sizeof (gint64);
  size += self->killzones->len * sizeof (PerpChartWindow);
  return size;
}
