/* perp-structure.c: the causal market-structure engine
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-structure"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "perp-structure-live-private.h"
#include "perp-trigger-queue-private.h"
#include "perp-indicators.h"
#include "perp-structure.h"

/*
 * How one closed candle is processed (perp_structure_push):
 *
 *  1. Price triggers of the objects already known fire: touches, half fills,
 *     mitigations, breaks, levels taken.  They are kept in four queues (wick above,
 *     wick below, close above, close below) keyed on the price that fires them and
 *     bucketed by price (perp-trigger-queue-private.h), so a candle costs a few
 *     comparisons when nothing fires (quiet ()) and a bucket visit per event
 *     otherwise, however many objects wait.  An object's steps and their keys are
 *     worked out once when it forms (watch ()), and it waits on one step at a time.
 *     Objects formed on this candle wait from the next one: nothing can be touched
 *     by the candle that formed it.  In a series pushed at once, the steps reached
 *     within a few candles are taken without the queues (wait ()).
 *  2. Pivots at each depth (LuxAlgo's "legs": bar n - len is a new leg high when its
 *     high is above every high after it), from one monotone stack of the bars no later
 *     bar has reached yet, shared by every depth.
 *  3. Structure breaks at the internal and swing depths, with the order block chosen
 *     from the bars between the broken pivot and the break.
 *  4. Fair value gaps.
 *  5. Calendar periods and killzones: their highs and lows become levels when the
 *     window closes.
 *
 * The engine keeps its own copy of the highs, lows and closes because order-block
 * selection and the leg's extremes look back to a pivot that may be far away.
 *
 * Speed: a candle costs a few hundred instructions, and a mispredicted branch costs
 * as much as dozens of them, so where the data makes a branch's outcome a coin toss
 * (how many bars a new high covers, whether a bar is a pivot, which entries of a
 * bucket a price reaches) the code works it out without branching, even at some
 * instructions' cost; the rare and the out-of-line work (new objects, windows)
 * stays out of the per-candle loop.  BENCHMARKS.md has the figures.
 */

#define N_DEPTHS 3 /* internal, swing, equal: PerpStructureDepth - 1 (step () has them unrolled) */
#define N_CALENDAR_SOURCES 3
#define RANGE_BLOCK 16 /* candles per block of range_of () */
#define STACK_PAD   3  /* see cover_stack () */
#define AHEAD       8  /* candles a step looks ahead in a series: see wait () */
#define PICK_FROM_HIGH 0 /* in a Bar's picks */
#define PICK_FROM_LOW  1

G_DEFINE_QUARK (perp-structure-error-quark, perp_structure_error)

/* ------------------------------------------------------------------ triggers */

enum
{
  TRIGGER_WICK_HIGH,  /* fires when high >= key */
  TRIGGER_WICK_LOW,   /* fires when low <= price (key = -price) */
  TRIGGER_CLOSE_HIGH,
  TRIGGER_CLOSE_LOW,
  N_TRIGGERS
};

G_STATIC_ASSERT (N_TRIGGERS == 4); /* fire_triggers () drains them unrolled */

enum
{
  ACTION_TAKE,     /* a level traded through: mitigated, and swept if the close came back */
  ACTION_TOUCH,
  ACTION_HALF,
  ACTION_MITIGATE,
  ACTION_BREAK,
  ACTION_START,    /* not a trigger: "just formed" */
  ACTION_DONE,     /* not a trigger: nothing left to wait for */
};

#define N_RULE_STEPS (ACTION_START + 1)

/* The event each action sets; a level taken may also be swept, and a break also
 * breaks. */
static const guint8 action_events[] = {
  [ACTION_TAKE] = PERP_STRUCTURE_EVENT_MITIGATED,
  [ACTION_TOUCH] = PERP_STRUCTURE_EVENT_TOUCHED,
  [ACTION_HALF] = PERP_STRUCTURE_EVENT_HALF_FILLED,
  [ACTION_MITIGATE] = PERP_STRUCTURE_EVENT_MITIGATED,
  [ACTION_BREAK] = PERP_STRUCTURE_EVENT_MITIGATED,
};

#define MAX_STEPS    3 /* an order block's touch, mitigation and break: watch () copies 3 */

enum
{
  EDGE_TOP,
  EDGE_BOTTOM,
  EDGE_MIDDLE,
};

/* What an object does after a step: the next action and the trigger that fires it,
 * on which edge, strictly beyond it or not. */
typedef struct
{
  guint8 action;
  guint8 trigger;
  guint8 edge;
  guint8 strict;
} StepRule;

/* The steps of a kind of object in one direction, in order: the rules above followed
 * from ACTION_START. */
typedef struct
{
  guint8 trigger[MAX_STEPS];
  guint8 action[MAX_STEPS];
  guint8 n_steps;
  guint8 next;    /* in a Watch: the step armed now (n_steps when none is) */
} StepChain;

/* Where a step's key comes from: every trigger of an object is on the side price
 * comes from, so its keys are the near edge, the middle, and the far edge reached or
 * gone through. */
enum
{
  KEY_NEAR,
  KEY_MIDDLE,
  KEY_FAR,
  KEY_BEYOND,
  N_KEY_SOURCES
};

/* An object's steps as the queues see them, with their keys computed once when it
 * forms, beside the public object so that following it reads one small record. */
typedef struct
{
  double    key[MAX_STEPS];
  StepChain steps;
} Watch;

enum
{
  COVERED_HIGH = 1 << 0, /* a later bar's high reached this bar's */
  COVERED_LOW = 1 << 1,  /* a later bar's low reached this bar's */
};

/* ------------------------------------------------------------------ state */

/* A candle's prices that the engine looks back at, in one record: one stream of stores
 * per candle instead of one per value, and the scans that read several of them (the
 * ranges, the gap tests) read one line. */
typedef struct
{
  double high;
  double low;
  /* What order-block selection compares: the low (from a pivot high) or the high, or
   * the other one for a too-volatile bar, which LuxAlgo keeps out of the pick that
   * way. */
  double pick[2];  /* PICK_FROM_HIGH, PICK_FROM_LOW */
} Bar;

/* The bars whose high no later high has reached yet (or whose low no later low), in
 * the order they came, so their prices strictly fall (lows are kept negated, so
 * theirs too): a new bar removes the ones it reaches from the top and goes on top. */
typedef struct
{
  double price;
  guint  index;
} Uncovered;

typedef struct
{
  gboolean valid;
  gboolean crossed;
  double   level;
  guint    index;
  guint    object;
  double   armed;       /* level while valid and not crossed, else out of reach (+-inf) */
  double   pick;        /* the price of the order block a break of this pivot would
                         * choose so far: where it is, is found when a break needs it */
} Pivot;

typedef struct
{
  guint      len;
  int        leg;     /* +1 after a pivot low, -1 after a pivot high, 0 before either */
  int       trend;
  Pivot     high;
  Pivot     low;
} Depth;

/* RANGE_BLOCK candles' highest high and lowest low, and where they are (the earliest
 * on ties): range_of () reads the prices with the places, without going back to the
 * history for them. */
typedef struct
{
  double max;
  double min;
  guint  max_index;
  guint  min_index;
} RangeBlock;

typedef struct
{
  gint64 day;
  gint32 start;
  gint32 end;
} DayOffsets;

/* UTC seconds from..to (inclusive) in which the time zone keeps one of its intervals,
 * so one offset: see day_offsets (). */
typedef struct
{
  gint64 from;
  gint64 to;
  gint32 offset;
} ZoneSpan;

/* A window (calendar period or killzone).  Its high and low are read off the history
 * when it closes (or when a reading asks), so a candle costs one comparison per window. */
typedef struct
{
  guint    source;
  gint64   day;       /* killzones: local day number of the current window */
  gint64   start;
  gint64   end;
  gboolean seen;
  gboolean partial;    /* began before the first candle: its range would be wrong */
  gboolean in_window;
  gint64   next_check; /* before this time a candle cannot open or close the window */
  guint    first;      /* the window's first candle, when seen */
  /* The window the last candle completed: that candle opened inside it, so a reading
   * after it is still "in" that window, though tracking has moved to the next. */
  guint    completed_index;
  guint    completed_first;
  gint64   completed_start;
  gint64   completed_end;
} Window;

struct _PerpStructure
{
  PerpStructureConfig  config;
  char                *killzone_names[PERP_STRUCTURE_MAX_KILLZONES];
  char                *time_zone_name;
  GTimeZone           *time_zone; /* NULL for UTC */
  gint64               interval_ms;
  guint                max_len;   /* of the depths: from that candle on, every depth tests */

  /* history: the per-candle arrays below, in one allocation (see reserve ()) */
  guint                n;
  guint                capacity;
  char                *history;
  gint64              *time;
  Bar                 *bars;
  /* COVERED_HIGH, COVERED_LOW: see cover ().  Not bytes: a store through a char type
   * may alias anything, which would make the compiler reload every other value. */
  guint16             *covered;
  RangeBlock          *blocks;       /* per RANGE_BLOCK candles, the current one so far */
  Uncovered           *uncovered_highs;
  Uncovered           *uncovered_lows;
  /* with the bottom entry, which nothing covers, and STACK_PAD copies of it below: the
   * stacks have room for every candle */
  guint                n_uncovered_highs;
  guint                n_uncovered_lows;
  double               close;
  double               prev_open;
  double               prev_close;

  /* volatility */
  double               atr_sum;   /* of the true ranges, until the ATR has its period */
  double               atr_value;
  double               atr_period; /* the ATR length, and one less, as doubles */
  double               atr_weight;
  double               sum_true_range;
  double               sum_body;  /* of |close - open| / open, for the FVG auto threshold
                                   * (only summed when that is on) */

  Depth                depths[N_DEPTHS];
  double               break_above; /* see check_breaks () */
  double               break_below;
  double               prev_equal_high;
  double               prev_equal_low;
  guint                prev_equal_high_index;
  guint                prev_equal_low_index;
  gboolean             has_prev_equal_high;
  gboolean             has_prev_equal_low;

  /* the leg depth's extremes since its last pivots: the legs need where their extreme
   * is, the swing range only its value */
  double               max_since_high;
  double               min_since_high;
  double               max_since_low;
  double               min_since_low;
  guint                min_since_high_index;
  guint                max_since_low_index;

  guint                last_fvg;  /* object of the previous candle's gap, for joining */

  StepRule             rules[PERP_STRUCTURE_N_KINDS][2][N_RULE_STEPS];
  StepChain            chains[PERP_STRUCTURE_N_KINDS][2];
  guint8               chain_keys[PERP_STRUCTURE_N_KINDS][2][MAX_STEPS]; /* KEY_* */
  PerpTriggerQueue     triggers[N_TRIGGERS];
  double               quiet_below[2];  /* see quiet (): high side, low side */
  double               quiet_middle[2];
  double               reach[N_TRIGGERS]; /* of the candle being pushed, as keys */
  guint               *fired;     /* objects whose armed step a candle reached, in the
                                   * order they did, with the gaps merged (add_gap ()):
                                   * kept until the live index has read them, as the
                                   * objects that may have ended since it last did (see
                                   * live_updated ()).  An object comes once per step at
                                   * most, and once merged: room for MAX_STEPS + 1 per
                                   * object, and no test on the way. */
  guint                n_logged;  /* of them kept */
  guint               *broken;    /* order blocks broken on this candle: breakers to make
                                   * (room for one per object) */
  guint                n_broken;

  /* The series being pushed, for the steps taken ahead (wait ()): candle k's open time
   * is ahead_time[k + ahead_delta], its high, low and close ahead_price[trigger][k +
   * ahead_delta], for k before ahead_end (only read while the series is pushed). */
  const gint64        *ahead_time;
  const double        *ahead_price[N_TRIGGERS];
  gint64               ahead_delta;
  guint                ahead_end;

  DayOffsets           day_offsets[2];
  ZoneSpan             zone_span;
  gint64               next_window_check;
  guint                n_windows;
  Window               windows[N_CALENDAR_SOURCES + PERP_STRUCTURE_MAX_KILLZONES];

  PerpStructureObject *objects;
  Watch               *watches;   /* per object */
  guint                n_objects;
  guint                objects_capacity;

  gboolean             has_forming;
  PerpCandle           forming;

  /* What is still in play, for the scorer: caught up when asked, so a const engine
   * updates it (perp_structure_get_live). */
  PerpStructureLive    live;
};

/* ------------------------------------------------------------------ config */

static const PerpKillzone default_killzones[] = {
  /* ICT's killzones, New York local time */
  { "asian",             20 * 60,      0 },
  { "london-open",        2 * 60,  5 * 60 },
  { "new-york-open",      7 * 60, 10 * 60 },
  { "london-close",      10 * 60, 12 * 60 },
  { "london-ny-overlap",  8 * 60, 12 * 60 },
};

static const double default_fib_levels[] = { 0.5, 0.618, 0.705, 0.79 };

void
perp_structure_config_init (PerpStructureConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->internal_length = 5;
  config->swing_length = 50;
  config->equal_length = 3;
  config->volatility = PERP_STRUCTURE_VOLATILITY_ATR;
  config->volatility_factor = 2.0;
  config->atr_length = 200;
  config->equal_tolerance_mode = PERP_STRUCTURE_TOLERANCE_ATR;
  config->equal_tolerance = 0.1;
  config->leg_depth = PERP_STRUCTURE_DEPTH_SWING;
  config->n_fib_levels = G_N_ELEMENTS (default_fib_levels);
  memcpy (config->fib_levels, default_fib_levels, sizeof default_fib_levels);
  config->time_zone = "America/New_York";
  config->n_killzones = G_N_ELEMENTS (default_killzones);
  memcpy (config->killzones, default_killzones, sizeof default_killzones);
}

static gboolean
config_check (const PerpStructureConfig  *config,
              GError                    **error)
{
#define CONFIG_FAIL(...) \
  G_STMT_START { \
    g_set_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_CONFIG, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  if (config->internal_length < 1 || config->internal_length > 10000)
    CONFIG_FAIL ("internal pivot length %u is not between 1 and 10000", config->internal_length);
  if (config->swing_length < 1 || config->swing_length > 10000)
    CONFIG_FAIL ("swing pivot length %u is not between 1 and 10000", config->swing_length);
  if (config->equal_length < 1 || config->equal_length > 10000)
    CONFIG_FAIL ("equal-highs pivot length %u is not between 1 and 10000", config->equal_length);
  if (config->atr_length < 1 || config->atr_length > 100000)
    CONFIG_FAIL ("ATR length %u is not between 1 and 100000", config->atr_length);
  if (!(config->volatility_factor > 0.0 && config->volatility_factor < 1000.0))
    CONFIG_FAIL ("volatility factor %g is not between 0 and 1000", config->volatility_factor);
  if (!(config->equal_tolerance >= 0.0 && config->equal_tolerance <= 100.0))
    CONFIG_FAIL ("equal-highs tolerance %g is not between 0 and 100", config->equal_tolerance);
  if (config->leg_depth != PERP_STRUCTURE_DEPTH_INTERNAL && config->leg_depth != PERP_STRUCTURE_DEPTH_SWING)
    CONFIG_FAIL ("the active leg must use the internal or the swing pivots");
  if ((guint) config->volatility > PERP_STRUCTURE_VOLATILITY_NONE)
    CONFIG_FAIL ("unknown volatility filter %d", config->volatility);
  if ((guint) config->equal_tolerance_mode > PERP_STRUCTURE_TOLERANCE_PERCENT)
    CONFIG_FAIL ("unknown tolerance mode %d", config->equal_tolerance_mode);
  if (config->n_fib_levels > PERP_STRUCTURE_MAX_FIB_LEVELS)
    CONFIG_FAIL ("%u Fibonacci levels, at most %d", config->n_fib_levels, PERP_STRUCTURE_MAX_FIB_LEVELS);
  for (guint i = 0; i < config->n_fib_levels; i++)
    if (!(config->fib_levels[i] >= 0.0 && config->fib_levels[i] <= 2.0))
      CONFIG_FAIL ("Fibonacci ratio %g is not between 0 and 2", config->fib_levels[i]);
  if (config->n_killzones > PERP_STRUCTURE_MAX_KILLZONES)
    CONFIG_FAIL ("%u killzones, at most %d", config->n_killzones, PERP_STRUCTURE_MAX_KILLZONES);
  for (guint i = 0; i < config->n_killzones; i++)
    {
      const PerpKillzone *zone = &config->killzones[i];

      if (zone->name == NULL || zone->name[0] == '\0')
        CONFIG_FAIL ("killzone %u has no name", i + 1);
      if (zone->start_minute >= 24 * 60 || zone->end_minute >= 24 * 60)
        CONFIG_FAIL ("killzone \"%s\": times must be before 24:00", zone->name);
      if (zone->start_minute == zone->end_minute)
        CONFIG_FAIL ("killzone \"%s\" starts and ends at the same time", zone->name);
    }

  return TRUE;
#undef CONFIG_FAIL
}

const PerpStructureConfig *
perp_structure_get_config (const PerpStructure *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->config;
}

/* ------------------------------------------------------------------ pivots */

/* Candle @i's @price reaches the entries at the top of the stack whose prices are at
 * most its own: they are covered (@flag) and leave, and @i goes on top.  How many
 * leave is as good as random (none about half the time, one a quarter, two an
 * eighth...), so the first four are worked out without branches, over the bottom
 * entry's padding if need be: the loop is for the rare rest.  Returns the new top. */
static inline Uncovered *
cover_stack (Uncovered *top,
             guint16   *covered,
             double     price,
             guint      i,
             guint      flag)
{
  guint c1 = top[0].price <= price;
  guint c2 = c1 & (top[-1].price <= price);
  guint c3 = c2 & (top[-2].price <= price);
  guint c4 = c3 & (top[-3].price <= price);

  covered[top[0].index] |= flag & -c1;
  covered[top[-1].index] |= flag & -c2;
  covered[top[-2].index] |= flag & -c3;
  covered[top[-3].index] |= flag & -c4;
  top -= c1 + c2 + c3 + c4;
  if (G_UNLIKELY (c4))
    while (top->price <= price)
      covered[(top--)->index] |= flag;
  top[1].price = price;
  top[1].index = i;

  return top + 1;
}

/* Bar @i's high and low cover the earlier bars they reach.  A bar p is a pivot high at
 * depth len when no high of the len bars after it reaches its own: when, len bars
 * later, it is not covered yet.  One pass serves every depth.  (The lows' stack holds
 * them negated, so that one routine serves both.) */
static inline void
cover (PerpStructure *self,
       guint          i,
       double         high,
       double         low)
{
  Uncovered *highs = self->uncovered_highs;
  Uncovered *lows = self->uncovered_lows;

  self->covered[i] = 0;
  self->n_uncovered_highs = cover_stack (highs + self->n_uncovered_highs - 1, self->covered,
                                         high, i, COVERED_HIGH) + 1 - highs;
  self->n_uncovered_lows = cover_stack (lows + self->n_uncovered_lows - 1, self->covered,
                                        -low, i, COVERED_LOW) + 1 - lows;
}

/* ------------------------------------------------------------------ objects */

G_ALWAYS_INLINE static inline guint
add_object (PerpStructure     *self,
            PerpStructureKind  kind,
            PerpStructureDepth depth,
            int                direction,
            guint              source,
            guint              candle_index,
            double             top,
            double             bottom,
            guint              parent)
{
  PerpStructureObject *object;
  guint formed = self->n - 1;

  if (self->n_objects == self->objects_capacity)
    {
      self->objects_capacity = MAX (2 * self->objects_capacity, 1024);
      self->objects = g_renew (PerpStructureObject, self->objects, self->objects_capacity);
      /* An object waits on one trigger at a time, so a candle fires at most one each,
       * and at most once per step in all (see the list). */
      self->fired = g_renew (guint, self->fired, (gsize) (MAX_STEPS + 1) * self->objects_capacity);
      self->watches = g_renew (Watch, self->watches, self->objects_capacity);
      self->broken = g_renew (guint, self->broken, self->objects_capacity);
    }

  object = &self->objects[self->n_objects];
  object->id = self->n_objects;
  object->kind = kind;
  object->depth = depth;
  object->direction = direction;
  object->source = source;
  object->parent = parent;
  object->candle_index = candle_index;
  object->formed_index = formed;
  object->top = top;
  object->bottom = bottom;
  object->candle_time = self->time[candle_index];
  object->formed_at = self->time[formed];
  for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
    object->event_time[e] = -1;

  return self->n_objects++;
}

static inline void
set_event (PerpStructureObject *object,
           PerpStructureEvent   event,
           gint64               time)
{
  if (object->event_time[event] < 0)
    object->event_time[event] = time;
}

/* What an object waits for, step by step: a level to be taken; a gap to be touched,
 * half filled and filled; an order block to be touched, mitigated (by wick, unless
 * mitigation is by close) and broken by a close; a breaker to be touched and closed
 * back through.  Each step implies the ones before it, so an object has exactly one
 * trigger armed at a time, and a candle that reaches several steps takes them at once. */
static guint
next_action (const PerpStructureConfig *config,
             PerpStructureKind          kind,
             guint                      done)
{
  switch (kind)
    {
    case PERP_STRUCTURE_FVG:
      return done == ACTION_START ? ACTION_TOUCH : done == ACTION_TOUCH ? ACTION_HALF
           : done == ACTION_HALF ? ACTION_MITIGATE : ACTION_DONE;

    case PERP_STRUCTURE_ORDER_BLOCK:
      if (done == ACTION_START)
        return ACTION_TOUCH;
      if (done == ACTION_TOUCH)
        return config->close_mitigation ? ACTION_BREAK : ACTION_MITIGATE;
      return done == ACTION_MITIGATE ? ACTION_BREAK : ACTION_DONE;

    case PERP_STRUCTURE_BREAKER:
      return done == ACTION_START ? ACTION_TOUCH : done == ACTION_TOUCH ? ACTION_MITIGATE : ACTION_DONE;

    case PERP_STRUCTURE_PIVOT_HIGH:
    case PERP_STRUCTURE_PIVOT_LOW:
    case PERP_STRUCTURE_EQUAL_HIGHS:
    case PERP_STRUCTURE_EQUAL_LOWS:
    case PERP_STRUCTURE_RANGE_HIGH:
    case PERP_STRUCTURE_RANGE_LOW:
      return done == ACTION_START ? ACTION_TAKE : ACTION_DONE;

    case PERP_STRUCTURE_BOS:
    case PERP_STRUCTURE_CHOCH:
    case PERP_STRUCTURE_N_KINDS:
    default:
      return ACTION_DONE;
    }
}

/* Where @action fires.  A bullish object sits below price (a low, a support zone):
 * its near edge is the top and price reaches it from above. */
static void
action_trigger (PerpStructureKind  kind,
                gboolean           bullish,
                guint              action,
                guint             *trigger,
                guint             *edge,
                gboolean          *strict)
{
  guint near = bullish ? EDGE_TOP : EDGE_BOTTOM;
  guint far = bullish ? EDGE_BOTTOM : EDGE_TOP;
  guint wick = bullish ? TRIGGER_WICK_LOW : TRIGGER_WICK_HIGH;
  guint close = bullish ? TRIGGER_CLOSE_LOW : TRIGGER_CLOSE_HIGH;

  *trigger = wick;
  *edge = far;
  *strict = TRUE;
  switch (action)
    {
    case ACTION_TOUCH:
      *edge = near;
      *strict = FALSE;
      break;
    case ACTION_HALF:
      *edge = EDGE_MIDDLE;
      *strict = FALSE;
      break;
    case ACTION_MITIGATE:
      /* A gap is filled when price gets back to its far edge; an order block is
       * mitigated when the wick goes through it; a breaker fails on a close through. */
      if (kind == PERP_STRUCTURE_FVG)
        *strict = FALSE;
      else if (kind == PERP_STRUCTURE_BREAKER)
        *trigger = close;
      break;
    case ACTION_BREAK:
      *trigger = close;
      break;
    case ACTION_TAKE:
    default:
      break;
    }
}

/* The steps above as a table for every kind, direction and step done, built once for
 * the configuration: following an object costs a lookup per step. */
static void
rules_init (PerpStructure *self)
{
  for (guint kind = 0; kind < PERP_STRUCTURE_N_KINDS; kind++)
    for (guint bullish = 0; bullish < 2; bullish++)
      for (guint done = 0; done < N_RULE_STEPS; done++)
        {
          StepRule *rule = &self->rules[kind][bullish][done];
          guint action = next_action (&self->config, kind, done);
          guint trigger = 0;
          guint edge = 0;
          gboolean strict = FALSE;

          if (action != ACTION_DONE)
            action_trigger (kind, bullish, action, &trigger, &edge, &strict);
          rule->action = action;
          rule->trigger = trigger;
          rule->edge = edge;
          rule->strict = strict;
        }

  for (guint kind = 0; kind < PERP_STRUCTURE_N_KINDS; kind++)
    for (guint bullish = 0; bullish < 2; bullish++)
      {
        const StepRule *rules = self->rules[kind][bullish];
        StepChain *chain = &self->chains[kind][bullish];
        guint done = ACTION_START;
        guint n = 0;

        memset (chain, 0, sizeof *chain);
        memset (self->chain_keys[kind][bullish], KEY_NEAR, MAX_STEPS);
        for (; rules[done].action != ACTION_DONE; done = rules[done].action, n++)
          {
            const StepRule *rule = &rules[done];
            guint near = bullish ? EDGE_TOP : EDGE_BOTTOM;
            gboolean low_side = rule->trigger == TRIGGER_WICK_LOW || rule->trigger == TRIGGER_CLOSE_LOW;

            g_assert (n < MAX_STEPS && rule->action < G_N_ELEMENTS (action_events));
            /* watch () relies on these: the side follows the direction, only the far
             * edge is ever strict. */
            g_assert (low_side == (gboolean) bullish);
            g_assert (!rule->strict || (rule->edge != near && rule->edge != EDGE_MIDDLE));
            /* take_ahead () relies on this: only a first step is a take. */
            g_assert (rule->action != ACTION_TAKE || n == 0);
            chain->trigger[n] = rule->trigger;
            chain->action[n] = rule->action;
            self->chain_keys[kind][bullish][n] = rule->edge == EDGE_MIDDLE ? KEY_MIDDLE
                                               : rule->edge == near ? KEY_NEAR
                                               : rule->strict ? KEY_BEYOND : KEY_FAR;
          }
        chain->n_steps = n;
      }
}

/* nextafter (x, INFINITY) without the library call: the next double is one unit in
 * the last place away from zero for a positive x, towards it for a negative one. */
static inline double
next_up (double x)
{
  guint64 bits;

  if (x == 0.0)
    return nextafter (x, INFINITY);
  if (!(x < INFINITY))
    return x;
  memcpy (&bits, &x, sizeof bits);
  bits = x > 0.0 ? bits + 1 : bits - 1;
  memcpy (&x, &bits, sizeof x);

  return x;
}

/* @action of @o happened on the candle opening at @t (the chains only hold actions). */
G_ALWAYS_INLINE static inline void
apply (PerpStructure       *self,
       PerpStructureObject *o,
       guint                action,
       gint64               t)
{
  set_event (o, action_events[action], t);
  if (action == ACTION_TAKE)
    {
      if (o->direction > 0 ? self->close >= o->bottom : self->close <= o->top)
        set_event (o, PERP_STRUCTURE_EVENT_SWEPT, t);
    }
  else if (action == ACTION_BREAK)
    {
      set_event (o, PERP_STRUCTURE_EVENT_BROKEN, t);
      self->broken[self->n_broken++] = o->id;
    }
}

/* The quiet band: while a candle's prices stay inside it, no queue has anything to do.
 * It is the intersection of the four queues' idle conditions (close need not lie
 * between low and high, so the band holds the candle's extremes with the close), kept
 * up to date as keys come in (arm ()) and recomputed after the queues are drained
 * (quiet_band_update ()).  About half the candles of the recorded data are quiet. */

/* @payload's step waits on @trigger for @key. */
G_ALWAYS_INLINE static inline void
arm (PerpStructure *self,
     guint          trigger,
     double         key,
     guint          payload)
{
  double *below = &self->quiet_below[trigger & 1];

  perp_trigger_queue_push (&self->triggers[trigger], key, payload);
  *below = MIN (*below, key);
}

/* The larger of @a and @b, NAN if either is (an unplaced queue is never idle). */
static inline double
max_or_nan (double a,
            double b)
{
  return a >= b ? a : b >= a ? b : NAN;
}

G_ALWAYS_INLINE static inline void
quiet_band_update (PerpStructure *self)
{
  for (guint side = 0; side < 2; side++)
    {
      const PerpTriggerQueue *wick = &self->triggers[TRIGGER_WICK_HIGH + side];
      const PerpTriggerQueue *close = &self->triggers[TRIGGER_CLOSE_HIGH + side];

      self->quiet_below[side] = MIN (wick->below, close->below);
      self->quiet_middle[side] = max_or_nan (wick->middle_low, close->middle_low);
    }
}

static inline gboolean
quiet (const PerpStructure *self,
       double               high,
       double               low,
       double               close)
{
  double top = MAX (high, close);
  double bottom = MIN (low, close);

  return top < self->quiet_below[0] && bottom >= self->quiet_middle[0]
         && -bottom < self->quiet_below[1] && -top >= self->quiet_middle[1];
}

/* Which of the AHEAD candles from @prices on (highs, lows or closes) reach @key on the
 * side @sign gives (+1: from below; -1: from above, as the queues' keys are negated
 * for it): bit k for the candle k on.  Without branches, as whether a candle reaches a
 * key near the price is as good as random; two candles at a time where the machine
 * has SSE2 (x86-64 always does): GCC does not vectorise such a loop at -O2. */
static inline guint
reach_mask (const double *prices,
            double        sign,
            double        key)
{
#ifdef __SSE2__
  __m128d signs = _mm_set1_pd (sign);
  __m128d keys = _mm_set1_pd (key);

  G_STATIC_ASSERT (AHEAD == 8);
  return (guint) _mm_movemask_pd (_mm_cmpge_pd (_mm_mul_pd (_mm_loadu_pd (prices), signs), keys))
         | (guint) _mm_movemask_pd (_mm_cmpge_pd (_mm_mul_pd (_mm_loadu_pd (prices + 2), signs), keys)) << 2
         | (guint) _mm_movemask_pd (_mm_cmpge_pd (_mm_mul_pd (_mm_loadu_pd (prices + 4), signs), keys)) << 4
         | (guint) _mm_movemask_pd (_mm_cmpge_pd (_mm_mul_pd (_mm_loadu_pd (prices + 6), signs), keys)) << 6;
#else
  guint mask = 0;

  for (guint k = 0; k < AHEAD; k++)
    mask |= (guint) (sign * prices[k] >= key) << k;

  return mask;
#endif
}

/* @a if @pick, else @b, by masks: GCC makes a branch of "x = c ? a : x", which would
 * be as good as random here. */
static inline gint64
select_time (guint  pick,
             gint64 a,
             gint64 b)
{
  return b ^ ((a ^ b) & -(gint64) pick);
}

/* Looks for step @k of @o in the AHEAD candles from the one at @at in the series, from
 * the *@pos-th of them on (where the step before it was taken), and takes it where it
 * is found; *@pos becomes its place, or AHEAD when not found.  A step beyond the chain,
 * or a break (see wait ()), is not found.  Without a branch: whether a step is reached
 * is as good as random.  Returns 1 when the step was taken here. */
G_ALWAYS_INLINE static inline guint
take_ahead (PerpStructure       *self,
            PerpStructureObject *o,
            const Watch         *w,
            guint                k,
            gint64               at,
            guint               *pos)
{
  static const double sign[N_TRIGGERS] = { 1.0, -1.0, 1.0, -1.0 };
  guint step = MIN (k, MAX_STEPS - 1);
  guint trigger = w->steps.trigger[step];
  guint action = w->steps.action[step];
  guint open = (k < w->steps.n_steps) & (action != ACTION_BREAK);
  guint mask = reach_mask (self->ahead_price[trigger] + at, sign[trigger], w->key[step]) & (~0u << *pos) & -open;
  guint found = mask != 0;
  gint64 candle;
  gint64 when;
  guint event = action_events[action];

  *pos = (guint) __builtin_ctz (mask | 1u << AHEAD);
  /* (Where not found, the first candle: the index must stay in the series.) */
  candle = at + (*pos & (AHEAD - 1));
  when = self->ahead_time[candle];
  o->event_time[event] = select_time (found, when, o->event_time[event]);
  /* A level traded through is swept when the close comes back: when the close does
   * not reach the step's key (the far edge, strictly beyond), see apply ().  Only a
   * first step can be a take (see rules_init ()): for the others, where @k is known
   * when inlined, this goes. */
  if (k == 0)
    {
      guint swept = found & (action == ACTION_TAKE)
                    & !(sign[trigger] * self->ahead_price[TRIGGER_CLOSE_HIGH][candle] >= w->key[step]);

      o->event_time[PERP_STRUCTURE_EVENT_SWEPT] = select_time (swept, when,
                                                               o->event_time[PERP_STRUCTURE_EVENT_SWEPT]);
    }

  return found;
}

/* @object waits for its step @s from the candle after the current one on.
 *
 * Most steps are taken within a few candles of being armed (a gap is touched by the
 * next candle almost half the time), and a trip through the queues (a push, a drain
 * of the reach's bucket, following the object) costs a few hundred instructions and
 * several mispredicted branches.  In a series pushed at once the next candles are
 * known already: the object's next @n_ahead steps (a constant, so that the steps
 * looked for cost no branch) are looked for in the next AHEAD candles, each from the
 * candle of the one before, and those found are taken there and then, with the time
 * of their candle.  Only the first step not found goes to the queues, which hold it
 * until the first candle that reaches it: beyond those looked at.
 *
 * Taking a step early is safe because nothing in the engine depends on it before its
 * candle: a step's only effect is its object's event, except a break, which makes a
 * breaker on its candle and so is always left to the queues; and a gap joined into
 * its successor loses the events taken early beyond the join (add_gap ()).  A series
 * is pushed whole, so by its end every event written is in the past again. */
G_ALWAYS_INLINE static inline void
wait (PerpStructure *self,
      guint          object,
      guint          s,
      guint          n_ahead)
{
  PerpStructureObject *o = &self->objects[object];
  Watch *w = &self->watches[object];
  guint first = self->n; /* the candle after the current one */

  if (G_LIKELY (s < w->steps.n_steps && self->ahead_end - first >= AHEAD))
    {
      gint64 at = first + self->ahead_delta;
      guint pos = 0;
      guint taken;

      taken = take_ahead (self, o, w, s, at, &pos);
      if (n_ahead > 1)
        taken += take_ahead (self, o, w, s + 1, at, &pos);
      if (n_ahead > 2)
        taken += take_ahead (self, o, w, s + 2, at, &pos);
      s += taken;
    }

  w->steps.next = s;
  if (s < w->steps.n_steps)
    arm (self, w->steps.trigger[s], w->key[s], object);
}

/* A new object's steps, with their keys: its bounds never change, so they are known
 * now.  It waits from the next candle on: the candle that formed it cannot act on it.
 * (Every kind watched has at least one step.) */
G_ALWAYS_INLINE static inline void
watch (PerpStructure *self,
       guint          object,
       guint          kind,
       gboolean       bullish,
       double         top,
       double         bottom,
       guint          n_ahead)
{
  const StepChain *chain = &self->chains[kind][bullish];
  const guint8 *sources = self->chain_keys[kind][bullish];
  Watch *w = &self->watches[object];
  double keys[N_KEY_SOURCES];
  double middle = 0.5 * (top + bottom);

  /* The queues are drained of every key up to what the candle reached, so a step's
   * price becomes a key that the reach is at least exactly when the step fires: negated
   * for the low triggers (price comes down to them), one step further for a strict
   * comparison. */
  if (bullish)
    {
      keys[KEY_NEAR] = -top;
      keys[KEY_MIDDLE] = -middle;
      keys[KEY_FAR] = -bottom;
    }
  else
    {
      keys[KEY_NEAR] = bottom;
      keys[KEY_MIDDLE] = middle;
      keys[KEY_FAR] = top;
    }
  keys[KEY_BEYOND] = next_up (keys[KEY_FAR]);
  w->key[0] = keys[sources[0]];
  w->key[1] = keys[sources[1]];
  w->key[2] = keys[sources[2]];
  w->steps = *chain;
  wait (self, object, 0, n_ahead);
}

/* A new object that waits for price: every kind but the breaks themselves.  Its first
 * @n_ahead steps may be taken in the candles ahead, see wait (): the callers know the
 * kind, and pass the number of steps of its chains that are not breaks.  (Inlined
 * into each, where it is a constant.) */
G_ALWAYS_INLINE static inline guint
add_watched (PerpStructure     *self,
             PerpStructureKind  kind,
             PerpStructureDepth depth,
             int                direction,
             guint              source,
             guint              candle_index,
             double             top,
             double             bottom,
             guint              parent,
             guint              n_ahead)
{
  guint object = add_object (self, kind, depth, direction, source, candle_index, top, bottom, parent);

  watch (self, object, kind, direction > 0, top, bottom, n_ahead);

  return object;
}

/* The armed step of @object fired: takes it and every further step the current candle
 * reaches, then waits for the first one it does not. */
static inline void
advance (PerpStructure *self,
         guint          object,
         gint64         t)
{
  PerpStructureObject *o = &self->objects[object];
  Watch *w = &self->watches[object];
  guint s = w->steps.next;

  apply (self, o, w->steps.action[s], t);
  for (s++; s < w->steps.n_steps && w->key[s] <= self->reach[w->steps.trigger[s]]; s++)
    apply (self, o, w->steps.action[s], t);
  wait (self, object, s, MAX_STEPS - 1);
}

static void
make_breaker (PerpStructure *self,
              guint          order_block)
{
  const PerpStructureObject *ob = &self->objects[order_block];

  add_watched (self, PERP_STRUCTURE_BREAKER, ob->depth, -ob->direction, 0,
               ob->candle_index, ob->top, ob->bottom, order_block, 2 /* touched, mitigated */);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return (x > y) - (x < y);
}

G_NO_INLINE static void make_breakers (PerpStructure *self);

/* The candle opening at @t reached some trigger (see quiet ()). */
G_NO_INLINE static void
fire_triggers (PerpStructure *self,
               gint64         t,
               double         high,
               double         low,
               double         close)
{
  /* (Kept after those the live index has not read yet: see the list.) */
  guint *fired = self->fired + self->n_logged;
  guint n_fired = 0;

  self->reach[TRIGGER_WICK_HIGH] = high;
  self->reach[TRIGGER_WICK_LOW] = -low;
  self->reach[TRIGGER_CLOSE_HIGH] = close;
  self->reach[TRIGGER_CLOSE_LOW] = -close;

  /* Every trigger the candle reaches is taken out before any is handled: handling one
   * arms the object's next step, always beyond this candle's reach, and objects do
   * not depend on each other's steps, so the order does not matter. */
  n_fired += perp_trigger_queue_drain (&self->triggers[0], self->reach[0], fired + n_fired);
  n_fired += perp_trigger_queue_drain (&self->triggers[1], self->reach[1], fired + n_fired);
  n_fired += perp_trigger_queue_drain (&self->triggers[2], self->reach[2], fired + n_fired);
  n_fired += perp_trigger_queue_drain (&self->triggers[3], self->reach[3], fired + n_fired);
  quiet_band_update (self);
  self->n_logged += n_fired;

  for (guint f = 0; f < n_fired; f++)
    {
      guint object = fired[f];

      /* A gap joined into its successor lives on in that object. */
      if (G_UNLIKELY (self->objects[object].event_time[PERP_STRUCTURE_EVENT_MERGED] >= 0))
        continue;
      advance (self, object, t);
    }

  if (self->n_broken > 0)
    make_breakers (self);
}

/* Made after every trigger has fired (nothing acts on the candle that formed it), in
 * the order of their order blocks, whatever order the queues gave them in. */
G_NO_INLINE static void
make_breakers (PerpStructure *self)
{
  if (self->n_broken > 16)
    qsort (self->broken, self->n_broken, sizeof (guint), compare_ids);
  else
    for (guint b = 1; b < self->n_broken; b++)
      {
        guint id = self->broken[b];
        guint j = b;

        for (; j > 0 && self->broken[j - 1] > id; j--)
          self->broken[j] = self->broken[j - 1];
        self->broken[j] = id;
      }
  /* (Adding objects may move the list: it is read through self each time.) */
  for (guint b = 0; b < self->n_broken; b++)
    make_breaker (self, self->broken[b]);
  self->n_broken = 0;
}

/* ------------------------------------------------------------------ pivots and breaks */

static double
volatility (const PerpStructure *self)
{
  /* ATR once it has its period, the mean true range until then (and for the
   * cumulative-range filter): one measure, defined from the first candle. */
  if (self->config.volatility != PERP_STRUCTURE_VOLATILITY_CUMULATIVE_RANGE && !isnan (self->atr_value))
    return self->atr_value;
  return self->sum_true_range / self->n;
}

static void
track_leg_extremes (PerpStructure *self,
                    guint          i,
                    double         h,
                    double         l)
{
  if (h > self->max_since_high)
    self->max_since_high = h;
  if (h > self->max_since_low)
    self->max_since_low = h, self->max_since_low_index = i;
  if (l < self->min_since_high)
    self->min_since_high = l, self->min_since_high_index = i;
  if (l < self->min_since_low)
    self->min_since_low = l;
}

/* @a if @pick, else @b.  Whether a candle makes a new extreme is as good as random:
 * a select (cmov) costs less than the branch's mispredictions. */
static inline guint
select_index (gboolean pick,
              guint    a,
              guint    b)
{
  return pick ? a : b;
}

/* Candle @i joins its block's highest high and lowest low (the earliest on ties). */
static inline void
block_add (PerpStructure *self,
           guint          i,
           double         high,
           double         low)
{
  RangeBlock *block = &self->blocks[i / RANGE_BLOCK];
  RangeBlock b = *block; /* (in place, GCC makes branches of the selects) */

  if (i % RANGE_BLOCK == 0)
    {
      b.max = high;
      b.min = low;
      b.max_index = b.min_index = i;
    }
  else
    {
      /* (Without branches, see select_index ().) */
      b.max_index = select_index (high > b.max, i, b.max_index);
      b.max = MAX (high, b.max);
      b.min_index = select_index (low < b.min, i, b.min_index);
      b.min = MIN (low, b.min);
    }
  *block = b;
}

/* The highest high and lowest low of candles @first..@last, the earliest on ties: candle
 * by candle up to a block boundary and after the last whole block, block by block in
 * between.  Scanning in candle order with strict comparisons keeps the earliest. */
static void
range_of (const PerpStructure *self,
          guint                first,
          guint                last,
          guint               *high_index,
          guint               *low_index)
{
  const Bar *bars = self->bars;
  double max = bars[first].high;
  double min = bars[first].low;
  guint h = first;
  guint l = first;
  guint j = first + 1;

  for (; j <= last && j % RANGE_BLOCK != 0; j++)
    {
      h = select_index (bars[j].high > max, j, h);
      max = MAX (bars[j].high, max);
      l = select_index (bars[j].low < min, j, l);
      min = MIN (bars[j].low, min);
    }
  for (; j + RANGE_BLOCK - 1 <= last; j += RANGE_BLOCK)
    {
      const RangeBlock *block = &self->blocks[j / RANGE_BLOCK];

      h = select_index (block->max > max, block->max_index, h);
      max = MAX (block->max, max);
      l = select_index (block->min < min, block->min_index, l);
      min = MIN (block->min, min);
    }
  for (; j <= last; j++)
    {
      h = select_index (bars[j].high > max, j, h);
      max = MAX (bars[j].high, max);
      l = select_index (bars[j].low < min, j, l);
      min = MIN (bars[j].low, min);
    }
  *high_index = h;
  *low_index = l;
}

/* Restarts the leg depth's extremes at a new pivot bar @p: scans p..now once. */
static void
restart_extremes (PerpStructure *self,
                  guint          p,
                  gboolean       at_high)
{
  guint h;
  guint l;

  range_of (self, p, self->n - 1, &h, &l);
  if (at_high)
    {
      self->max_since_high = self->bars[h].high;
      self->min_since_high = self->bars[l].low, self->min_since_high_index = l;
    }
  else
    {
      self->max_since_low = self->bars[h].high, self->max_since_low_index = h;
      self->min_since_low = self->bars[l].low;
    }
}

/* The order block of a break is the bar with the lowest low (bullish break, of a pivot
 * high) or the highest high (bearish) from the broken pivot up to the bar before the
 * break, the earliest on ties.  LuxAlgo swaps a too-volatile bar's high and low, which
 * keeps it out of the pick.  Each pivot keeps the pick's price up to date as candles
 * close (a min or max per candle), and a break, which is rare, looks for the first bar
 * at that price (pick_find ()): keeping the bar's index per candle as well cost more
 * than the breaks' scans. */
static void
pick_start (const PerpStructure *self,
            Pivot               *pivot,
            gboolean             from_high)
{
  const Bar *bars = self->bars;
  guint end = self->n - 1;

  if (from_high)
    {
      double pick = bars[pivot->index].pick[PICK_FROM_HIGH];

      for (guint j = pivot->index + 1; j < end; j++)
        pick = MIN (bars[j].pick[PICK_FROM_HIGH], pick);
      pivot->pick = pick;
    }
  else
    {
      double pick = bars[pivot->index].pick[PICK_FROM_LOW];

      for (guint j = pivot->index + 1; j < end; j++)
        pick = MAX (bars[j].pick[PICK_FROM_LOW], pick);
      pivot->pick = pick;
    }
}

/* The bar of @pivot's pick, broken by the current candle: the first from the pivot on
 * at the pick's price.  (Every bar up to the one before the break took part in the
 * pick, so the scan stops there at the latest.) */
static guint
pick_find (const PerpStructure *self,
           const Pivot         *pivot,
           gboolean             from_high)
{
  guint side = from_high ? PICK_FROM_HIGH : PICK_FROM_LOW;
  const Bar *bar = &self->bars[pivot->index];
  const Bar *last = &self->bars[self->n - 2];

  while (bar < last && bar->pick[side] != pivot->pick)
    bar++;

  return bar - self->bars;
}

/* The current candle joins the picks of @depth's pivots (the earlier price on ties, as
 * pick_find () looks for the first bar at it). */
static inline void
pick_extend (Depth  *depth,
             double  pick_from_high,
             double  pick_from_low)
{
  depth->high.pick = MIN (pick_from_high, depth->high.pick);
  depth->low.pick = MAX (pick_from_low, depth->low.pick);
}

/* Where a close (or wick) would cross some armed pivot of the internal or swing depth:
 * above the lower of their highs, below the higher of their lows. */
static void
breaks_band_update (PerpStructure *self)
{
  self->break_above = MIN (self->depths[0].high.armed, self->depths[1].high.armed);
  self->break_below = MAX (self->depths[0].low.armed, self->depths[1].low.armed);
}

static void
equal_pivot (PerpStructure *self,
             guint          p,
             gboolean       is_high)
{
  double level = is_high ? self->bars[p].high : self->bars[p].low;
  double *prev = is_high ? &self->prev_equal_high : &self->prev_equal_low;
  guint *prev_index = is_high ? &self->prev_equal_high_index : &self->prev_equal_low_index;
  gboolean *has_prev = is_high ? &self->has_prev_equal_high : &self->has_prev_equal_low;

  if (*has_prev)
    {
      double tolerance = self->config.equal_tolerance_mode == PERP_STRUCTURE_TOLERANCE_ATR
                         ? self->config.equal_tolerance * volatility (self)
                         : self->config.equal_tolerance / 100.0 * fabs (*prev);

      if (fabs (level - *prev) < tolerance || level == *prev)
        {
          add_watched (self, is_high ? PERP_STRUCTURE_EQUAL_HIGHS : PERP_STRUCTURE_EQUAL_LOWS,
                       PERP_STRUCTURE_DEPTH_EQUAL, is_high ? -1 : 1, 0, *prev_index,
                       MAX (level, *prev), MIN (level, *prev), PERP_STRUCTURE_NO_OBJECT, 1 /* taken */);
        }
    }
  *prev = level;
  *prev_index = p;
  *has_prev = TRUE;
}

static void
new_pivot (PerpStructure *self,
           guint          d,
           guint          p,
           gboolean       is_high)
{
  Depth *depth = &self->depths[d];
  Pivot *pivot = is_high ? &depth->high : &depth->low;
  double level = is_high ? self->bars[p].high : self->bars[p].low;

  if (d + 1 == PERP_STRUCTURE_DEPTH_EQUAL)
    {
      equal_pivot (self, p, is_high);
      return;
    }

  pivot->valid = TRUE;
  pivot->crossed = FALSE;
  pivot->armed = level;
  breaks_band_update (self);
  pivot->level = level;
  pivot->index = p;
  pivot->object = add_watched (self, is_high ? PERP_STRUCTURE_PIVOT_HIGH : PERP_STRUCTURE_PIVOT_LOW,
                               d + 1, is_high ? -1 : 1, 0, p, level, level, PERP_STRUCTURE_NO_OBJECT,
                               1 /* taken */);
  pick_start (self, pivot, is_high);

  if (d + 1 == self->config.leg_depth)
    restart_extremes (self, p, is_high);
}

/* LuxAlgo's legs: bar p = now - len starts a bearish leg (a pivot high) when its high
 * is above every high after it, a bullish one (a pivot low) when its low is below every
 * low after it.  A pivot is a change of leg. */
static inline void
find_pivots (PerpStructure *self,
             guint          d,
             guint          p)
{
  /* The leg after bar p by the bars it was reached by (COVERED_*) and the leg before
   * it: reached by no bar, it is a high first; by the highs only, a low; by the lows
   * only, a high; both ways, the leg goes on.  Whether a bar is reached both ways
   * within the depth is as good as random: a table lookup instead of a branch, leaving
   * one that is rarely taken. */
  static const signed char legs[4][3] = {
    { -1, -1, -1 },
    { 1, 1, 1 },
    { -1, -1, -1 },
    { -1, 0, 1 },
  };
  Depth *depth = &self->depths[d];
  int leg = legs[self->covered[p]][depth->leg + 1];

  if (G_UNLIKELY (leg != depth->leg))
    {
      depth->leg = leg;
      new_pivot (self, d, p, leg < 0);
    }
}

static void
add_order_block (PerpStructure *self,
                 guint          d,
                 const Pivot   *pivot,
                 guint          brk,
                 gboolean       bullish)
{
  guint best = pick_find (self, pivot, bullish);

  add_watched (self, PERP_STRUCTURE_ORDER_BLOCK, d + 1, bullish ? 1 : -1, 0, best,
               self->bars[best].high, self->bars[best].low, brk, 2 /* touched, mitigated; not broken */);
}

/* A close (or wick) has crossed @pivot's level: a break unless the swing structure
 * owns that level. */
static void
break_pivot (PerpStructure *self,
             guint          d,
             gboolean       bullish)
{
  Depth *depth = &self->depths[d];
  Pivot *pivot = bullish ? &depth->high : &depth->low;
  const Pivot *swing_pivot = bullish ? &self->depths[PERP_STRUCTURE_DEPTH_SWING - 1].high
                                     : &self->depths[PERP_STRUCTURE_DEPTH_SWING - 1].low;
  guint brk;

  /* LuxAlgo: an internal break of the very level the swing pivot holds is left to the
   * swing structure. */
  if (d + 1 == PERP_STRUCTURE_DEPTH_INTERNAL && swing_pivot->valid && swing_pivot->level == pivot->level)
    return;

  pivot->crossed = TRUE;
  pivot->armed = bullish ? INFINITY : -INFINITY;
  breaks_band_update (self);
  brk = add_object (self,
                    depth->trend == (bullish ? -1 : 1) ? PERP_STRUCTURE_CHOCH : PERP_STRUCTURE_BOS,
                    d + 1, bullish ? 1 : -1, 0, pivot->index, pivot->level, pivot->level, pivot->object);
  depth->trend = bullish ? 1 : -1;
  add_order_block (self, d, pivot, brk, bullish);
}

/* Breaks at the internal and swing depths: the price of this candle and of the one
 * before (closes, or wicks) against each uncrossed pivot, one comparison pair each, in
 * the order internal up, internal down, swing up, swing down. */
static void
check_breaks_slow (PerpStructure *self,
                   double         up_now,
                   double         down_now)
{
  guint i = self->n - 1;
  double up_before;
  double down_before;

  if (i == 0)
    return;
  if (self->config.wick_break)
    {
      up_before = self->bars[i - 1].high;
      down_before = self->bars[i - 1].low;
    }
  else
    up_before = down_before = self->prev_close;

  for (guint d = 0; d < 2; d++)
    {
      const Depth *depth = &self->depths[d];

      if (up_now > depth->high.armed && up_before <= depth->high.level)
        break_pivot (self, d, TRUE);
      if (down_now < depth->low.armed && down_before >= depth->low.level)
        break_pivot (self, d, FALSE);
    }
}

/* Most candles go past no armed pivot of either depth: two comparisons (see
 * breaks_band_update ()). */
static inline void
check_breaks (PerpStructure *self,
              double         high,
              double         low,
              double         close)
{
  double up_now = self->config.wick_break ? high : close;
  double down_now = self->config.wick_break ? low : close;

  if (G_UNLIKELY (up_now > self->break_above || down_now < self->break_below))
    check_breaks_slow (self, up_now, down_now);
}

/* ------------------------------------------------------------------ gaps */

/* A fair value gap formed at the close of the current candle (see step ()): out of
 * line, as about three candles in four make none. */
G_NO_INLINE static void
add_gap (PerpStructure *self,
         gboolean       bullish,
         double         open,
         double         close)
{
  guint i = self->n - 1;
  double top;
  double bottom;
  guint gap;

  if (self->config.fvg_auto_threshold)
    {
      /* The middle candle's body change against twice the mean body change of every
       * candle up to it (the current one is not in either). */
      double body = fabs (self->prev_close - self->prev_open) / self->prev_open;

      if (!(body > 2.0 * (self->sum_body - fabs (close - open) / open) / (double) (i)))
        return;
    }

  top = bullish ? self->bars[i].low : self->bars[i - 2].low;
  bottom = bullish ? self->bars[i - 2].high : self->bars[i].high;

  if (self->config.fvg_join && self->last_fvg != PERP_STRUCTURE_NO_OBJECT)
    {
      PerpStructureObject *prev = &self->objects[self->last_fvg];
      gint64 filled = prev->event_time[PERP_STRUCTURE_EVENT_MITIGATED];

      /* Not filled by this candle.  Its steps may have been taken ahead, on later
       * candles (see wait ()): joined, it has no events after this candle. */
      if (prev->formed_index == i - 1 && prev->direction == (bullish ? 1 : -1)
          && (filled < 0 || filled > self->time[i]))
        {
          self->fired[self->n_logged++] = prev->id; /* it ends: see the list */
          for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
            if (prev->event_time[e] > self->time[i])
              prev->event_time[e] = -1;
          set_event (prev, PERP_STRUCTURE_EVENT_MERGED, self->time[i]);
          gap = add_watched (self, PERP_STRUCTURE_FVG, PERP_STRUCTURE_DEPTH_NONE, prev->direction, 0,
                             prev->candle_index, MAX (top, prev->top), MIN (bottom, prev->bottom), prev->id,
                             3 /* touched, half filled, filled */);
          self->last_fvg = gap;
          return;
        }
    }

  gap = add_watched (self, PERP_STRUCTURE_FVG, PERP_STRUCTURE_DEPTH_NONE, bullish ? 1 : -1, 0,
                     i - 1, top, bottom, PERP_STRUCTURE_NO_OBJECT, 3 /* touched, half filled, filled */);
  self->last_fvg = gap;
}

/* ------------------------------------------------------------------ windows */

static gint64
local_day_of (const PerpStructure *self,
              gint64               t)
{
  gint64 offset_ms = 0;

  if (self->time_zone != NULL)
    {
      gint64 seconds = perp_floor_div (t, 1000);
      int interval = g_time_zone_find_interval (self->time_zone, G_TIME_TYPE_UNIVERSAL, seconds);

      offset_ms = (gint64) g_time_zone_get_offset (self->time_zone, interval) * 1000;
    }

  return perp_floor_div (t + offset_ms, PERP_MS_PER_DAY);
}

/* Far enough from an interval's ends that a local time this far inside is no other
 * interval's (a zone's offsets are under a day). */
#define ZONE_MARGIN  (2 * 86400)
#define ZONE_HORIZON (G_GINT64_CONSTANT (1) << 26) /* seconds looked ahead: two years */

/* Learns how long from UTC second @u on the zone stays in the interval it is in at
 * @u, to within an hour: the interval's index only grows with the time, so a
 * bisection on GLib's lookup finds where it changes, in about 17 lookups where each
 * day took one. */
G_NO_INLINE static void
zone_span_learn (PerpStructure *self,
                 gint64         u)
{
  int interval = g_time_zone_find_interval (self->time_zone, G_TIME_TYPE_UNIVERSAL, u);
  gint64 inside = u;
  gint64 beyond = u + ZONE_HORIZON;

  if (g_time_zone_find_interval (self->time_zone, G_TIME_TYPE_UNIVERSAL, beyond) == interval)
    inside = beyond;
  else
    while (beyond - inside > 3600)
      {
        gint64 middle = inside + (beyond - inside) / 2;

        if (g_time_zone_find_interval (self->time_zone, G_TIME_TYPE_UNIVERSAL, middle) == interval)
          inside = middle;
        else
          beyond = middle;
      }
  self->zone_span.from = u;
  self->zone_span.to = inside;
  self->zone_span.offset = g_time_zone_get_offset (self->time_zone, interval);
}

/* Whether the local day @day, with the margin, lies in the span learnt. */
static inline gboolean
zone_span_covers (const PerpStructure *self,
                  gint64               day)
{
  return day * 86400 - ZONE_MARGIN >= self->zone_span.from
         && (day + 1) * 86400 + ZONE_MARGIN <= self->zone_span.to;
}

/* The zone's offset at local midnight starting @day and at the next one.  GLib's
 * lookups walk the zone's transitions from the first (a few thousand instructions for
 * America/New_York), so the killzones of a day share one pair, and the days inside one
 * of the zone's intervals take its offset from the span learnt (zone_span_learn ()).
 * That is what GLib answers for them: a local time a margin inside an interval is in
 * no neighbour's local range, skipped or repeated.  Only the days around a clock
 * change ask GLib. */
static const DayOffsets *
day_offsets (PerpStructure *self,
             gint64         day)
{
  DayOffsets *cached = &self->day_offsets[day & 1];
  gint64 u = day * 86400 - ZONE_MARGIN;

  if (cached->day == day)
    return cached;

  /* Days come in order: one past the span learns the next.  (A day near the end of
   * the span has a clock change close: GLib decides.) */
  if (u < self->zone_span.from || u > self->zone_span.to)
    zone_span_learn (self, u);
  if (zone_span_covers (self, day))
    cached->start = cached->end = self->zone_span.offset;
  else
    {
      const DayOffsets *before = &self->day_offsets[(day - 1) & 1];
      gint64 midnight = day * 86400;
      gint64 next = midnight + 86400;
      int b = g_time_zone_adjust_time (self->time_zone, G_TIME_TYPE_DAYLIGHT, &next);

      /* This day's start is the day before's end. */
      if (before->day == day - 1)
        cached->start = before->end;
      else
        cached->start = g_time_zone_get_offset (self->time_zone,
                                                g_time_zone_adjust_time (self->time_zone, G_TIME_TYPE_DAYLIGHT,
                                                                         &midnight));
      cached->end = g_time_zone_get_offset (self->time_zone, b);
    }
  cached->day = day;

  return cached;
}

/* UTC of a local wall-clock time.  A time that does not exist (skipped by a clock
 * change) moves forward with the clock; one that exists twice is its first occurrence. */
static gint64
local_to_utc (PerpStructure *self,
              gint64         day,
              guint          minute)
{
  gint64 local_seconds = day * 86400 + (gint64) minute * 60;
  const DayOffsets *offsets;
  int interval;

  if (self->time_zone == NULL)
    return local_seconds * 1000;

  /* No clock change that day: one offset for the whole day. */
  offsets = day_offsets (self, day);
  if (offsets->start == offsets->end)
    return (local_seconds - offsets->start) * 1000;

  interval = g_time_zone_adjust_time (self->time_zone, G_TIME_TYPE_DAYLIGHT, &local_seconds);
  return (local_seconds - g_time_zone_get_offset (self->time_zone, interval)) * 1000;
}

static void
window_for_day (PerpStructure *self,
                Window        *w,
                gint64         day)
{
  const PerpKillzone *zone = &self->config.killzones[w->source - PERP_STRUCTURE_SOURCE_KILLZONE];

  w->day = day;
  w->start = local_to_utc (self, day, zone->start_minute);
  w->end = local_to_utc (self, zone->end_minute > zone->start_minute ? day : day + 1, zone->end_minute);
}

static gint64
month_start (gint64 t,
             int    months_ahead)
{
  GDateTime *utc = g_date_time_new_from_unix_utc (perp_floor_div (t, 1000));
  int year = g_date_time_get_year (utc);
  int month = g_date_time_get_month (utc) - 1 + months_ahead;
  GDateTime *first;
  gint64 ms;

  year += month / 12;
  month %= 12;
  first = g_date_time_new_utc (year, month + 1, 1, 0, 0, 0);
  ms = g_date_time_to_unix (first) * 1000;
  g_date_time_unref (first);
  g_date_time_unref (utc);

  return ms;
}

/* Moves @w to the first window that ends after @t. */
static void
window_advance (PerpStructure *self,
                Window        *w,
                gint64         t)
{
  switch (w->source)
    {
    case PERP_STRUCTURE_SOURCE_DAY:
      w->start = perp_floor_div (t, PERP_MS_PER_DAY) * PERP_MS_PER_DAY;
      w->end = w->start + PERP_MS_PER_DAY;
      break;

    case PERP_STRUCTURE_SOURCE_WEEK:
      w->start = perp_interval_bucket_start (PERP_INTERVAL_1W, t);
      w->end = w->start + 7 * PERP_MS_PER_DAY;
      break;

    case PERP_STRUCTURE_SOURCE_MONTH:
      w->start = month_start (t, 0);
      w->end = month_start (t, 1);
      break;

    default:
      if (w->end == G_MININT64)
        window_for_day (self, w, local_day_of (self, t) - 1);
      while (w->end <= t)
        window_for_day (self, w, w->day + 1);
      break;
    }
}

/* The window's candles end at @last: its high and low become levels. */
static void
window_close (PerpStructure *self,
              Window        *w,
              guint          last)
{
  guint h;
  guint l;

  w->seen = FALSE;
  if (w->partial)
    {
      w->partial = FALSE;
      return;
    }

  range_of (self, w->first, last, &h, &l);
  add_watched (self, PERP_STRUCTURE_RANGE_HIGH, PERP_STRUCTURE_DEPTH_NONE, -1, w->source,
               h, self->bars[h].high, self->bars[h].high, PERP_STRUCTURE_NO_OBJECT, 1 /* taken */);
  add_watched (self, PERP_STRUCTURE_RANGE_LOW, PERP_STRUCTURE_DEPTH_NONE, 1, w->source,
               l, self->bars[l].low, self->bars[l].low, PERP_STRUCTURE_NO_OBJECT, 1 /* taken */);
}

/* A candle belongs to the window its open time falls in.  The window's levels form at
 * the close of the candle that completes it, or (after missing candles) at the first
 * candle past it. */
static void
track_window_slow (PerpStructure *self,
                   Window        *w)
{
  guint i = self->n - 1;
  gint64 t = self->time[i];

  if (t >= w->end)
    {
      gboolean first = w->end == G_MININT64;

      if (w->seen)
        window_close (self, w, i - 1);
      window_advance (self, w, t);
      w->partial = first && t > w->start;
    }

  w->in_window = t >= w->start;
  if (w->in_window)
    {
      if (!w->seen)
        {
          w->seen = TRUE;
          w->first = i;
        }
      if (self->interval_ms > 0 && t + self->interval_ms >= w->end)
        {
          w->completed_index = i;
          w->completed_first = w->first;
          w->completed_start = w->start;
          w->completed_end = w->end;
          window_close (self, w, i);
          window_advance (self, w, w->end);
          w->in_window = FALSE;
        }
    }

  /* Until this time, a candle neither opens nor closes the window. */
  w->next_check = w->in_window ? w->end - MAX (self->interval_ms, 1) : w->start;
}

/* The candle opening at @t may open or close a window (see step ()). */
G_NO_INLINE static void
track_windows (PerpStructure *self,
               gint64         t)
{
  gint64 next = G_MAXINT64;

  for (guint w = 0; w < self->n_windows; w++)
    {
      if (t >= self->windows[w].next_check)
        track_window_slow (self, &self->windows[w]);
      next = MIN (next, self->windows[w].next_check);
    }
  self->next_window_check = next;
}

/* ------------------------------------------------------------------ life cycle */

/* Back to "no candle seen", keeping every buffer for the next run. */
static void
reset_state (PerpStructure *self)
{
  const PerpStructureConfig *config = &self->config;

  self->n = 0;
  self->n_objects = 0;
  self->n_logged = 0;
  self->close = self->prev_open = self->prev_close = NAN;

  self->atr_sum = 0.0;
  self->atr_value = NAN;
  self->sum_true_range = 0.0;
  self->sum_body = 0.0;

  for (guint d = 0; d < N_DEPTHS; d++)
    {
      Depth *depth = &self->depths[d];

      depth->leg = depth->trend = 0;
      memset (&depth->high, 0, sizeof depth->high);
      memset (&depth->low, 0, sizeof depth->low);
      depth->high.armed = INFINITY;
      depth->low.armed = -INFINITY;
    }
  breaks_band_update (self);
  self->has_prev_equal_high = self->has_prev_equal_low = FALSE;
  self->n_uncovered_highs = self->n_uncovered_lows = 1 + STACK_PAD;

  self->max_since_high = self->max_since_low = -INFINITY;
  self->min_since_high = self->min_since_low = INFINITY;
  self->last_fvg = PERP_STRUCTURE_NO_OBJECT;

  for (guint k = 0; k < N_TRIGGERS; k++)
    perp_trigger_queue_reset (&self->triggers[k]);
  quiet_band_update (self);
  self->n_broken = 0;
  self->ahead_end = 0;

  self->n_windows = N_CALENDAR_SOURCES + config->n_killzones;
  memset (self->windows, 0, sizeof self->windows);
  for (guint w = 0; w < self->n_windows; w++)
    {
      self->windows[w].source = PERP_STRUCTURE_SOURCE_DAY + w;
      self->windows[w].start = self->windows[w].end = G_MININT64;
      self->windows[w].completed_index = G_MAXUINT;
      self->windows[w].next_check = G_MININT64;
    }

  self->day_offsets[0].day = self->day_offsets[1].day = G_MININT64;
  /* (An empty span: the first day learns one.) */
  self->zone_span.from = G_MAXINT64;
  self->zone_span.to = G_MININT64;
  self->next_window_check = G_MININT64;
  self->has_forming = FALSE;
  _perp_structure_live_reset (&self->live);
}

static void reserve (PerpStructure *self,
                     guint          n);

PerpStructure *
perp_structure_new (const PerpStructureConfig  *config,
                    PerpInterval                interval,
                    GError                    **error)
{
  PerpStructure *self;
  PerpStructureConfig defaults;
  GTimeZone *zone = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config == NULL)
    {
      perp_structure_config_init (&defaults);
      config = &defaults;
    }
  if (!config_check (config, error))
    return NULL;

  if (config->time_zone != NULL && g_strcmp0 (config->time_zone, "UTC") != 0)
    {
      zone = g_time_zone_new_identifier (config->time_zone);
      if (zone == NULL)
        {
          g_set_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_TIME_ZONE,
                       "unknown time zone \"%s\" (is tzdata installed?)", config->time_zone);
          return NULL;
        }
    }

  self = g_new0 (PerpStructure, 1);
  self->config = *config;
  self->time_zone = zone;
  self->time_zone_name = g_strdup (config->time_zone != NULL ? config->time_zone : "UTC");
  self->config.time_zone = self->time_zone_name;
  for (guint k = 0; k < config->n_killzones; k++)
    {
      self->killzone_names[k] = g_strdup (config->killzones[k].name);
      self->config.killzones[k].name = self->killzone_names[k];
    }
  self->interval_ms = interval != PERP_INTERVAL_UNKNOWN ? perp_interval_to_ms (interval) : 0;

  self->atr_period = config->atr_length;
  self->atr_weight = config->atr_length - 1;
  self->depths[0].len = config->internal_length;
  self->depths[1].len = config->swing_length;
  self->depths[2].len = config->equal_length;
  self->max_len = MAX (MAX (config->internal_length, config->swing_length), config->equal_length);
  for (guint k = 0; k < N_TRIGGERS; k++)
    perp_trigger_queue_init (&self->triggers[k]);
  /* The stacks' bottom entries are out of every bar's reach: no test for empty.  (The
   * padding's index is a real candle's, 0, but the marks it is given are empty.) */
  reserve (self, 1);
  for (guint k = 0; k < 1 + STACK_PAD; k++)
    self->uncovered_highs[k] = self->uncovered_lows[k] = (Uncovered) { INFINITY, 0 };
  rules_init (self);
  _perp_structure_live_init (&self->live);

  reset_state (self);

  return self;
}

/**
 * perp_structure_reset:
 *
 * Forgets every candle and object, keeping the configuration and the memory, so a
 * replay or a backtest can run again without allocating.
 */
void
perp_structure_reset (PerpStructure *self)
{
  g_return_if_fail (self != NULL);

  reset_state (self);
}

void
perp_structure_free (PerpStructure *self)
{
  if (self == NULL)
    return;

  for (guint k = 0; k < PERP_STRUCTURE_MAX_KILLZONES; k++)
    g_free (self->killzone_names[k]);
  g_free (self->time_zone_name);
  g_clear_pointer (&self->time_zone, g_time_zone_unref);
  g_free (self->history);
  for (guint k = 0; k < N_TRIGGERS; k++)
    perp_trigger_queue_clear (&self->triggers[k]);
  g_free (self->fired);
  g_free (self->broken);
  g_free (self->objects);
  g_free (self->watches);
  _perp_structure_live_clear (&self->live);
  g_free (self);
}

/* The per-candle arrays are read and written by every step, a dozen streams with the
 * input's columns.  Large allocations start at the same offset in a page and the L1
 * cache's sets repeat every 4 KiB, so as separate allocations all those streams fell in
 * the same set, more of them than it has ways: nearly every access missed (callgrind:
 * 12 L1 misses per candle, 4 now).  So they share one allocation, each one
 * HISTORY_STAGGER bytes further round those 4 KiB than the one before, the first half a
 * page away from where large allocations (the input's columns) start. */
#define HISTORY_STAGGER  384 /* six cache lines */

/* One array of @count @size-byte values of the new history at *@at, with the first
 * @kept of the @old one (NULL on the first call), and *@at past it and the stagger. */
static gpointer
history_place (char          **at,
               gconstpointer   old,
               gsize           kept,
               gsize           count,
               gsize           size)
{
  gpointer array = *at;

  if (old != NULL)
    memcpy (array, old, kept * size);
  *at += (count * size + 63) / 64 * 64 + HISTORY_STAGGER;

  return array;
}

static void
reserve (PerpStructure *self,
         guint          n)
{
  /* The uncovered stacks hold the bottom entry with its padding and each candle at
   * most once; the range blocks are one per RANGE_BLOCK candles. */
  gsize old_stack = self->capacity + 1 + STACK_PAD;
  gsize old_blocks = self->capacity / RANGE_BLOCK + 1;
  gsize capacity;
  gsize stack;
  gsize blocks;
  gsize total;
  char *history;
  char *at;

  if (n <= self->capacity)
    return;

  /* (A multiple of 512 candles keeps the arrays of 8-byte values whole pages, so that
   * the stagger alone decides where each one starts.) */
  capacity = MAX (n, MAX (2 * (gsize) self->capacity, 1024));
  capacity = (capacity + 511) / 512 * 512;
  stack = capacity + 1 + STACK_PAD;
  blocks = capacity / RANGE_BLOCK + 1;
  total = 64 + 2048 + (capacity * sizeof (gint64) + HISTORY_STAGGER)
          + (capacity * sizeof (Bar) + HISTORY_STAGGER)
          + (capacity * sizeof (guint16) + 63 + HISTORY_STAGGER)
          + 2 * (stack * sizeof (Uncovered) + 63 + HISTORY_STAGGER)
          + (blocks * sizeof (RangeBlock) + 63 + HISTORY_STAGGER);

  history = g_malloc (total);
  at = (char *) (((guintptr) history + 63) / 64 * 64) + 2048;
  self->time = history_place (&at, self->time, self->capacity, capacity, sizeof (gint64));
  self->bars = history_place (&at, self->bars, self->capacity, capacity, sizeof (Bar));
  self->covered = history_place (&at, self->covered, self->capacity, capacity, sizeof (guint16));
  self->uncovered_highs = history_place (&at, self->uncovered_highs, old_stack, stack, sizeof (Uncovered));
  self->uncovered_lows = history_place (&at, self->uncovered_lows, old_stack, stack, sizeof (Uncovered));
  self->blocks = history_place (&at, self->blocks, old_blocks, blocks, sizeof (RangeBlock));
  g_assert (at <= history + total);
  g_free (self->history);
  self->history = history;
  self->capacity = capacity;
}

/* One closed candle, already checked.  Inlined into the loop that feeds candles in
 * bulk, which saves a call and its register saves per candle. */
G_ALWAYS_INLINE static inline void
step (PerpStructure *self,
      gint64         t,
      double         open,
      double         high,
      double         low,
      double         close)
{
  guint i = self->n;
  Bar *bar = &self->bars[i];
  double true_range = high - low;
  double pick_from_high;
  double pick_from_low;
  gboolean too_volatile;

  self->time[i] = t;
  bar->high = high;
  bar->low = low;
  self->close = close;
  self->n = i + 1;
  block_add (self, i, high, low);

  if (G_LIKELY (i > 0))
    true_range = MAX (true_range, MAX (fabs (high - self->prev_close), fabs (low - self->prev_close)));
  self->sum_true_range += true_range;
  /* Wilder's ATR exactly as perp_atr_update () computes it (candle 0 has no true range,
   * the first value comes at candle atr_length), from the true range at hand.  The
   * period's conversions to double are exact, so doing them once changes nothing. */
  if (G_LIKELY (i > self->config.atr_length))
    self->atr_value = (self->atr_value * self->atr_weight + true_range) / self->atr_period;
  else if (i == self->config.atr_length)
    self->atr_value = (self->atr_sum + true_range) / self->atr_period;
  else if (i > 0)
    self->atr_sum += true_range;
  if (self->config.fvg_auto_threshold)
    self->sum_body += fabs (close - open) / open;
  too_volatile = self->config.volatility != PERP_STRUCTURE_VOLATILITY_NONE
                 && high - low >= self->config.volatility_factor * volatility (self);
  pick_from_high = too_volatile ? high : low;
  pick_from_low = too_volatile ? low : high;
  bar->pick[PICK_FROM_HIGH] = pick_from_high;
  bar->pick[PICK_FROM_LOW] = pick_from_low;

  /* About half the candles reach no trigger (and nothing broke yet: the list is
   * empty). */
  if (!quiet (self, high, low, close))
    fire_triggers (self, t, high, low, close);

  track_leg_extremes (self, i, high, low);
  cover (self, i, high, low);
  if (G_LIKELY (i >= self->max_len))
    {
      find_pivots (self, 0, i - self->depths[0].len);
      find_pivots (self, 1, i - self->depths[1].len);
      find_pivots (self, 2, i - self->depths[2].len);
    }
  else
    for (guint d = 0; d < N_DEPTHS; d++)
      if (i >= self->depths[d].len)
        find_pivots (self, d, i - self->depths[d].len);
  check_breaks (self, high, low, close);
  /* Every pivot's pick takes this candle; a pick only matters while its pivot waits
   * for a break, and a new pivot starts its own. */
  pick_extend (&self->depths[0], pick_from_high, pick_from_low);
  pick_extend (&self->depths[1], pick_from_high, pick_from_low);
  /* A gap: the candle's low above the high two candles back, or its high below that
   * low. */
  if (G_LIKELY (i >= 2))
    {
      if (low > bar[-2].high)
        add_gap (self, TRUE, open, close);
      else if (high < bar[-2].low)
        add_gap (self, FALSE, open, close);
    }
  /* Most candles neither open nor close any window: one comparison with the earliest
   * time one of them needs looking at. */
  if (G_UNLIKELY (t >= self->next_window_check))
    track_windows (self, t);

  self->prev_open = open;
  self->prev_close = close;
}

gboolean
perp_structure_push (PerpStructure     *self,
                     const PerpCandle  *candle,
                     GError           **error)
{
  PerpCandleColumn column;
  const char *reason;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!perp_candle_check (candle, PERP_CANDLE_FIELD_NONE, &column, &reason))
    {
      g_set_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INVALID,
                   "candle at %" G_GINT64_FORMAT ": %s %s", candle->open_time,
                   perp_candle_column_name (column), reason);
      return FALSE;
    }
  if (self->n > 0 && candle->open_time <= self->time[self->n - 1])
    {
      g_set_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_ORDER,
                   "candle at %" G_GINT64_FORMAT " is not after the previous one (%" G_GINT64_FORMAT ")",
                   candle->open_time, self->time[self->n - 1]);
      return FALSE;
    }

  reserve (self, self->n + 1);
  /* Nothing to look ahead at. */
  self->ahead_end = self->n + 1;
  step (self, candle->open_time, candle->open, candle->high, candle->low, candle->close);
  self->has_forming = FALSE;

  return TRUE;
}

gboolean
perp_structure_push_candles (PerpStructure      *self,
                             const PerpCandles  *candles,
                             guint               begin,
                             guint               end,
                             GError            **error)
{
  const gint64 *t;
  const double *o;
  const double *h;
  const double *l;
  const double *c;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candles != NULL, FALSE);
  g_return_val_if_fail (begin <= end && end <= perp_candles_get_length (candles), FALSE);

  if (begin == end)
    return TRUE;

  t = perp_candles_get_open_time (candles);
  o = perp_candles_get_open (candles);
  h = perp_candles_get_high (candles);
  l = perp_candles_get_low (candles);
  c = perp_candles_get_close (candles);

  /* A series is checked and increasing already; only its join with what came before
   * needs checking. */
  if (self->n > 0 && t[begin] <= self->time[self->n - 1])
    {
      g_set_error (error, PERP_STRUCTURE_ERROR, PERP_STRUCTURE_ERROR_ORDER,
                   "candle at %" G_GINT64_FORMAT " is not after the previous one (%" G_GINT64_FORMAT ")",
                   t[begin], self->time[self->n - 1]);
      return FALSE;
    }

  reserve (self, self->n + (end - begin));
  self->ahead_time = t;
  self->ahead_price[TRIGGER_WICK_HIGH] = h;
  self->ahead_price[TRIGGER_WICK_LOW] = l;
  self->ahead_price[TRIGGER_CLOSE_HIGH] = c;
  self->ahead_price[TRIGGER_CLOSE_LOW] = c;
  self->ahead_delta = (gint64) begin - self->n;
  self->ahead_end = self->n + (end - begin);
  for (guint i = begin; i < end; i++)
    step (self, t[i], o[i], h[i], l[i], c[i]);
  self->has_forming = FALSE;

  return TRUE;
}

void
perp_structure_set_forming (PerpStructure    *self,
                            const PerpCandle *forming)
{
  g_return_if_fail (self != NULL);

  self->has_forming = forming != NULL && isfinite (forming->close);
  if (self->has_forming)
    self->forming = *forming;
}

/* ------------------------------------------------------------------ queries */

guint
perp_structure_get_n_candles (const PerpStructure *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n;
}

const PerpStructureObject *
perp_structure_get_objects (const PerpStructure *self,
                            guint               *n_objects)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_objects != NULL)
    *n_objects = self->n_objects;
  return self->objects;
}

static PerpStructureLive *
live_updated (const PerpStructure *self)
{
  PerpStructureLive *live = (PerpStructureLive *) &self->live;

  /* (Read, the objects fired are forgotten: only the candles pushed from now on can end
   * the objects the index holds live.) */
  _perp_structure_live_update (live, self->objects, self->n_objects, self->n, self->fired, self->n_logged);
  ((PerpStructure *) self)->n_logged = 0;
  return live;
}

/**
 * perp_structure_get_live:
 * @n_ids: (out): the number of ids
 *
 * The objects still active after the last candle (not mitigated, not merged), other
 * than breaks (BOS and CHoCH, which have no active life to end), in formed order.
 * What a score at the engine's current candle looks through, at a cost that follows
 * what is still in play rather than the length of the history.
 *
 * Returns: (array length=n_ids): ids into perp_structure_get_objects (), valid until
 *   the next candle or query
 */
const guint *
perp_structure_get_live (const PerpStructure *self,
                         guint               *n_ids)
{
  const PerpStructureLive *live;

  g_return_val_if_fail (self != NULL && n_ids != NULL, NULL);

  live = live_updated (self);
  *n_ids = live->n_live;
  return live->live;
}

/**
 * perp_structure_get_live_set:
 * @set: which of the live objects
 * @n_objects: (out): how many
 *
 * The live objects of perp_structure_get_live () that belong to @set, in the same
 * order, as packed records: a scan over them reads a few kilobytes in a row, where one
 * over the objects themselves reads a cache line per object, scattered over megabytes.
 *
 * Returns: (array length=n_objects): the records, valid until the next candle or query
 */
const PerpStructureLiveObject *
perp_structure_get_live_set (const PerpStructure  *self,
                             PerpStructureLiveSet  set,
                             guint                *n_objects)
{
  const PerpStructureLive *live;

  g_return_val_if_fail (self != NULL && n_objects != NULL, NULL);
  g_return_val_if_fail ((guint) set < PERP_STRUCTURE_N_LIVE_SETS, NULL);

  live = live_updated (self);
  *n_objects = live->n_set[set];
  return live->sets[set];
}

/**
 * perp_structure_get_ended:
 * @since: open time of a candle
 * @n_ids: (out): the number of ids
 *
 * The objects whose active life ended (mitigated, or merged) on the candle opening at
 * @since or later, in the order they ended (ties in formed order); breaks excepted.
 *
 * Returns: (array length=n_ids): ids, valid until the next candle or query
 */
const guint *
perp_structure_get_ended (const PerpStructure *self,
                          gint64               since,
                          guint               *n_ids)
{
  g_return_val_if_fail (self != NULL && n_ids != NULL, NULL);

  return _perp_structure_live_ended (live_updated (self), self->objects, since, n_ids);
}

/**
 * perp_structure_find_pivot:
 * @depth: %PERP_STRUCTURE_DEPTH_INTERNAL or %PERP_STRUCTURE_DEPTH_SWING
 * @direction: +1 for a pivot low under @beyond, -1 for a pivot high over it
 *
 * The latest pivot at @depth strictly beyond @beyond on @direction's side, taken or
 * not: where a structural stop would sit.
 *
 * Returns: its id, or %PERP_STRUCTURE_NO_OBJECT
 */
guint
perp_structure_find_pivot (const PerpStructure *self,
                           PerpStructureDepth   depth,
                           int                  direction,
                           double               beyond)
{
  g_return_val_if_fail (self != NULL, PERP_STRUCTURE_NO_OBJECT);

  return _perp_structure_live_pivot (live_updated (self), self->objects, depth, direction, beyond);
}

/**
 * perp_structure_object_pool_side:
 *
 * Whether @object is a liquidity pool, where resting stops sit (see
 * #PerpStructureLiveSet): equal highs or lows, the high or low of a completed day, week
 * or month, a swing pivot.
 *
 * Returns: +1 for buy-side liquidity (highs), -1 for sell-side (lows), 0 for no pool
 */
int
perp_structure_object_pool_side (const PerpStructureObject *object)
{
  switch (object->kind)
    {
    case PERP_STRUCTURE_EQUAL_HIGHS:
      return 1;
    case PERP_STRUCTURE_EQUAL_LOWS:
      return -1;
    case PERP_STRUCTURE_RANGE_HIGH:
      return object->source <= PERP_STRUCTURE_SOURCE_MONTH ? 1 : 0;
    case PERP_STRUCTURE_RANGE_LOW:
      return object->source <= PERP_STRUCTURE_SOURCE_MONTH ? -1 : 0;
    case PERP_STRUCTURE_PIVOT_HIGH:
      return object->depth == PERP_STRUCTURE_DEPTH_SWING ? 1 : 0;
    case PERP_STRUCTURE_PIVOT_LOW:
      return object->depth == PERP_STRUCTURE_DEPTH_SWING ? -1 : 0;
    default:
      return 0;
    }
}

gboolean
perp_structure_object_known_at (const PerpStructureObject *object,
                                gint64                     time)
{
  return object->formed_at <= time;
}

gboolean
perp_structure_object_active_at (const PerpStructureObject *object,
                                 gint64                     time)
{
  gint64 ended = object->event_time[PERP_STRUCTURE_EVENT_MITIGATED];
  gint64 merged = object->event_time[PERP_STRUCTURE_EVENT_MERGED];

  return object->formed_at <= time && (ended < 0 || ended > time) && (merged < 0 || merged > time);
}

void
perp_structure_object_as_of (const PerpStructureObject *object,
                             gint64                     time,
                             PerpStructureObject       *out)
{
  *out = *object;
  for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
    if (out->event_time[e] > time)
      out->event_time[e] = -1;
}

/* Objects are in formed order: those known at @time are a prefix. */
static guint
known_prefix (const PerpStructure *self,
              gint64               time)
{
  guint lo = 0;
  guint hi = self->n_objects;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->objects[mid].formed_at <= time)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

GArray *
perp_structure_query_active (const PerpStructure *self,
                             gint64               time,
                             guint                kind_mask)
{
  GArray *ids;
  guint known;

  g_return_val_if_fail (self != NULL, NULL);

  ids = g_array_new (FALSE, FALSE, sizeof (guint));
  known = known_prefix (self, time);
  for (guint k = 0; k < known; k++)
    if ((kind_mask & PERP_STRUCTURE_KIND_MASK (self->objects[k].kind))
        && perp_structure_object_active_at (&self->objects[k], time))
      g_array_append_val (ids, k);

  return ids;
}

GArray *
perp_structure_query_near (const PerpStructure *self,
                           double               price,
                           double               distance,
                           guint                kind_mask)
{
  GArray *ids;
  gint64 now;

  g_return_val_if_fail (self != NULL, NULL);

  ids = g_array_new (FALSE, FALSE, sizeof (guint));
  if (self->n == 0)
    return ids;

  now = self->time[self->n - 1];
  for (guint k = 0; k < self->n_objects; k++)
    {
      const PerpStructureObject *o = &self->objects[k];
      double gap = price > o->top ? price - o->top : price < o->bottom ? o->bottom - price : 0.0;

      if ((kind_mask & PERP_STRUCTURE_KIND_MASK (o->kind)) && gap <= distance
          && perp_structure_object_active_at (o, now))
        g_array_append_val (ids, k);
    }

  return ids;
}

GArray *
perp_structure_query_latest (const PerpStructure *self,
                             PerpStructureKind    kind,
                             guint                n)
{
  GArray *ids;

  g_return_val_if_fail (self != NULL, NULL);

  ids = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint k = self->n_objects; k > 0 && ids->len < n; k--)
    if (self->objects[k - 1].kind == kind)
      {
        guint id = k - 1;

        g_array_prepend_val (ids, id);
      }

  return ids;
}

void
perp_structure_get_reading (const PerpStructure  *self,
                            PerpStructureReading *reading)
{
  const Depth *depth;
  PerpStructureLeg *leg;
  gboolean up;

  g_return_if_fail (self != NULL);
  g_return_if_fail (reading != NULL);

  memset (reading, 0, sizeof *reading);
  leg = &reading->leg;
  leg->retracement = NAN;
  reading->range_top = reading->range_bottom = reading->equilibrium = NAN;
  reading->time = self->n > 0 ? self->time[self->n - 1] : -1;
  reading->price = self->has_forming ? self->forming.close : self->n > 0 ? self->close : NAN;
  for (guint d = 0; d < N_DEPTHS; d++)
    reading->trend[d + 1] = self->depths[d].trend;

  depth = &self->depths[self->config.leg_depth - 1];
  if (depth->high.valid || depth->low.valid)
    {
      /* The leg runs the way the trend does; before the first break, away from the
       * latest pivot. */
      if (depth->trend != 0 && depth->high.valid && depth->low.valid)
        up = depth->trend > 0;
      else
        up = depth->low.valid && (!depth->high.valid || depth->low.index > depth->high.index);

      leg->direction = up ? 1 : -1;
      leg->anchor_index = up ? depth->low.index : depth->high.index;
      leg->anchor = up ? depth->low.level : depth->high.level;
      leg->extreme_index = up ? self->max_since_low_index : self->min_since_high_index;
      leg->extreme = up ? self->max_since_low : self->min_since_high;
      leg->anchor_time = self->time[leg->anchor_index];
      leg->extreme_time = self->time[leg->extreme_index];
      leg->n_levels = self->config.n_fib_levels;
      for (guint f = 0; f < leg->n_levels; f++)
        {
          leg->ratios[f] = self->config.fib_levels[f];
          leg->levels[f] = leg->extreme - leg->ratios[f] * (leg->extreme - leg->anchor);
        }
      if (leg->extreme != leg->anchor)
        leg->retracement = (leg->extreme - reading->price) / (leg->extreme - leg->anchor);
    }

  if (depth->high.valid && depth->low.valid)
    {
      reading->range_top = self->max_since_high;
      reading->range_bottom = self->min_since_low;
      reading->equilibrium = 0.5 * (reading->range_top + reading->range_bottom);
      if (reading->range_top > reading->range_bottom)
        {
          double position = (reading->price - reading->range_bottom) / (reading->range_top - reading->range_bottom);

          reading->zone = position > 0.525 ? PERP_STRUCTURE_ZONE_PREMIUM
                        : position < 0.475 ? PERP_STRUCTURE_ZONE_DISCOUNT
                        : PERP_STRUCTURE_ZONE_EQUILIBRIUM;
        }
    }

  reading->n_sessions = self->n_windows;
  for (guint w = 0; w < self->n_windows; w++)
    {
      const Window *window = &self->windows[w];
      PerpStructureSession *session = &reading->sessions[w];

      session->source = window->source;
      session->high = session->low = NAN;
      if (self->n > 0 && window->completed_index == self->n - 1)
        {
          guint h;
          guint l;

          session->in_window = TRUE;
          session->start = window->completed_start;
          session->end = window->completed_end;
          range_of (self, window->completed_first, self->n - 1, &h, &l);
          session->high = self->bars[h].high;
          session->low = self->bars[l].low;
          continue;
        }
      session->in_window = self->n > 0 && window->in_window;
      session->start = window->start;
      session->end = window->end;
      if (window->seen)
        {
          guint h;
          guint l;

          range_of (self, window->first, self->n - 1, &h, &l);
          session->high = self->bars[h].high;
          session->low = self->bars[l].low;
        }
    }
}

/* ------------------------------------------------------------------ names */

const char *
perp_structure_kind_name (PerpStructureKind kind)
{
  static const char *const names[] = {
    [PERP_STRUCTURE_PIVOT_HIGH] = "pivot-high",
    [PERP_STRUCTURE_PIVOT_LOW] = "pivot-low",
    [PERP_STRUCTURE_BOS] = "bos",
    [PERP_STRUCTURE_CHOCH] = "choch",
    [PERP_STRUCTURE_ORDER_BLOCK] = "order-block",
    [PERP_STRUCTURE_BREAKER] = "breaker",
    [PERP_STRUCTURE_FVG] = "fvg",
    [PERP_STRUCTURE_EQUAL_HIGHS] = "equal-highs",
    [PERP_STRUCTURE_EQUAL_LOWS] = "equal-lows",
    [PERP_STRUCTURE_RANGE_HIGH] = "range-high",
    [PERP_STRUCTURE_RANGE_LOW] = "range-low",
  };

  return (guint) kind < G_N_ELEMENTS (names) ? names[kind] : "unknown";
}

const char *
perp_structure_event_name (PerpStructureEvent event)
{
  static const char *const names[] = {
    [PERP_STRUCTURE_EVENT_TOUCHED] = "touched",
    [PERP_STRUCTURE_EVENT_HALF_FILLED] = "half-filled",
    [PERP_STRUCTURE_EVENT_SWEPT] = "swept",
    [PERP_STRUCTURE_EVENT_MITIGATED] = "mitigated",
    [PERP_STRUCTURE_EVENT_BROKEN] = "broken",
    [PERP_STRUCTURE_EVENT_MERGED] = "merged",
  };

  return (guint) event < G_N_ELEMENTS (names) ? names[event] : "unknown";
}

const char *
perp_structure_depth_name (PerpStructureDepth depth)
{
  static const char *const names[] = {
    [PERP_STRUCTURE_DEPTH_NONE] = "",
    [PERP_STRUCTURE_DEPTH_INTERNAL] = "internal",
    [PERP_STRUCTURE_DEPTH_SWING] = "swing",
    [PERP_STRUCTURE_DEPTH_EQUAL] = "equal",
  };

  return (guint) depth < G_N_ELEMENTS (names) ? names[depth] : "unknown";
}

const char *
perp_structure_zone_name (PerpStructureZone zone)
{
  static const char *const names[] = {
    [PERP_STRUCTURE_ZONE_NONE] = "none",
    [PERP_STRUCTURE_ZONE_DISCOUNT] = "discount",
    [PERP_STRUCTURE_ZONE_EQUILIBRIUM] = "equilibrium",
    [PERP_STRUCTURE_ZONE_PREMIUM] = "premium",
  };

  return (guint) zone < G_N_ELEMENTS (names) ? names[zone] : "unknown";
}

const char *
perp_structure_source_name (const PerpStructure *self,
                            guint                source)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (source)
    {
    case PERP_STRUCTURE_SOURCE_NONE:
      return "";
    case PERP_STRUCTURE_SOURCE_DAY:
      return "day";
    case PERP_STRUCTURE_SOURCE_WEEK:
      return "week";
    case PERP_STRUCTURE_SOURCE_MONTH:
      return "month";
    default:
      if (source - PERP_STRUCTURE_SOURCE_KILLZONE < self->config.n_killzones)
        return self->config.killzones[source - PERP_STRUCTURE_SOURCE_KILLZONE].name;
      return "unknown";
    }
}
