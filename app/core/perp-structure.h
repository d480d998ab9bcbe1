/* perp-structure.h: the causal market-structure engine
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-candles.h"

G_BEGIN_DECLS

/*
 * The causal ("nothing repaints") structure engine.
 *
 * It is fed one closed candle at a time and keeps every object it has detected in one
 * list, in the order they became knowable.  Each object records the candle it refers to
 * (the pivot bar, the order-block bar, the middle bar of a gap) and the candle at whose
 * close it became knowable (`formed_at`), and every later change of state (touched, half
 * filled, swept, mitigated, broken) with the open time of the candle that caused it.
 * Nothing is ever rewritten: an object's bounds never change after it is formed, so the
 * list after candle t is exactly the full run's list restricted to formed_at <= t with
 * the events after t removed.  tests/test-structure.c checks that on real data.
 *
 * Semantics follow TradingView's "Smart Money Concepts [LuxAlgo]" as described in
 * ../shared/conformance/smc/DEFINITIONS.md §9 (forward pivots, BOS/CHoCH with a carried
 * trend, order blocks chosen at the break), with the documented choices below.  The
 * peer-compatible batch mode (look-ahead included) lives in perp-smc-compat.h.
 *
 * Times are candle open times in Unix milliseconds (UTC).  "At time t" means "after the
 * candle opening at t has closed".
 */

#define PERP_STRUCTURE_ERROR (perp_structure_error_quark ())

typedef enum
{
  PERP_STRUCTURE_ERROR_CONFIG,    /* a configuration value out of its range */
  PERP_STRUCTURE_ERROR_TIME_ZONE, /* a time zone the system does not know */
  PERP_STRUCTURE_ERROR_ORDER,     /* a candle not after the previous one */
} PerpStructureError;

typedef enum
{
  PERP_STRUCTURE_PIVOT_HIGH,     /* swing high at a depth; top = bottom = the high */
  PERP_STRUCTURE_PIVOT_LOW,
  PERP_STRUCTURE_BOS,            /* break of structure; top = bottom = the level broken */
  PERP_STRUCTURE_CHOCH,          /* change of character: a break against the carried trend */
  PERP_STRUCTURE_ORDER_BLOCK,    /* chosen at a BOS/CHoCH; bounds = that bar's high and low */
  PERP_STRUCTURE_BREAKER,        /* an order block closed through, with its polarity flipped */
  PERP_STRUCTURE_FVG,            /* three-candle fair value gap */
  PERP_STRUCTURE_EQUAL_HIGHS,    /* liquidity pool: two consecutive highs within tolerance */
  PERP_STRUCTURE_EQUAL_LOWS,
  PERP_STRUCTURE_RANGE_HIGH,     /* high of a completed day, week, month or killzone */
  PERP_STRUCTURE_RANGE_LOW,
  PERP_STRUCTURE_N_KINDS
} PerpStructureKind;

#define PERP_STRUCTURE_KIND_MASK(kind) (1u << (kind))
#define PERP_STRUCTURE_ALL_KINDS ((1u << PERP_STRUCTURE_N_KINDS) - 1)

/* Which pivots an object comes from. */
typedef enum
{
  PERP_STRUCTURE_DEPTH_NONE,
  PERP_STRUCTURE_DEPTH_INTERNAL, /* short pivots (default length 5) */
  PERP_STRUCTURE_DEPTH_SWING,    /* long pivots (default length 50) */
  PERP_STRUCTURE_DEPTH_EQUAL,    /* the pivots that equal highs/lows compare (default 3) */
} PerpStructureDepth;

/* What an object's state changes are.  MITIGATED ends an object's active life; what it
 * means per kind: an FVG fully filled, an order block mitigated (by wick or close, as
 * configured), a breaker closed back through, a level (pivot, pool, range) taken. */
typedef enum
{
  PERP_STRUCTURE_EVENT_TOUCHED,      /* price traded into the zone (FVG, OB, breaker) */
  PERP_STRUCTURE_EVENT_HALF_FILLED,  /* FVG: price reached its midpoint */
  PERP_STRUCTURE_EVENT_SWEPT,        /* level: wick through it and close back on its side */
  PERP_STRUCTURE_EVENT_MITIGATED,
  PERP_STRUCTURE_EVENT_BROKEN,       /* OB: closed through its far side (a breaker is born) */
  PERP_STRUCTURE_EVENT_MERGED,       /* FVG: joined into the next gap's object (join option) */
  PERP_STRUCTURE_N_EVENTS
} PerpStructureEvent;

/* The sources of range highs and lows: the calendar periods, then the killzones in the
 * order of the configuration. */
enum
{
  PERP_STRUCTURE_SOURCE_NONE = 0,
  PERP_STRUCTURE_SOURCE_DAY,
  PERP_STRUCTURE_SOURCE_WEEK,
  PERP_STRUCTURE_SOURCE_MONTH,
  PERP_STRUCTURE_SOURCE_KILLZONE, /* + index into PerpStructureConfig.killzones */
};

#define PERP_STRUCTURE_NO_OBJECT G_MAXUINT32

/**
 * PerpStructureObject:
 * @id: index in the engine's list
 * @kind: a #PerpStructureKind
 * @depth: a #PerpStructureDepth
 * @direction: +1 bullish (support, a low, an upward break), -1 bearish
 * @source: for range levels, a PERP_STRUCTURE_SOURCE_*; otherwise 0
 * @parent: the object this one was derived from (a break's pivot, an order block's
 *   break, a breaker's order block, a merged gap's predecessor) or %PERP_STRUCTURE_NO_OBJECT
 * @candle_index: the candle the object refers to
 * @formed_index: the candle at whose close the object became knowable
 * @top: upper price bound
 * @bottom: lower price bound (equal to @top for levels)
 * @candle_time: open time of @candle_index
 * @formed_at: open time of @formed_index
 * @event_time: per #PerpStructureEvent, open time of the candle that caused it, or -1
 */
typedef struct
{
  guint32 id;
  guint8  kind;
  guint8  depth;
  gint8   direction;
  guint8  source;
  guint32 parent;
  guint32 candle_index;
  guint32 formed_index;
  double  top;
  double  bottom;
  gint64  candle_time;
  gint64  formed_at;
  gint64  event_time[PERP_STRUCTURE_N_EVENTS];
} PerpStructureObject;

/**
 * PerpStructureLiveSet:
 * @PERP_STRUCTURE_LIVE_ZONES: order blocks, breakers and fair value gaps
 * @PERP_STRUCTURE_LIVE_HIGH_POOLS: buy-side liquidity, where resting stops sit above
 *   price: equal highs, the high of a completed day, week or month, swing pivot highs
 *   (not killzone ranges, not internal pivots: too small to count)
 * @PERP_STRUCTURE_LIVE_LOW_POOLS: sell-side liquidity, the mirror
 *
 * The groups of live objects perp_structure_get_live_set () gives apart.
 */
typedef enum
{
  PERP_STRUCTURE_LIVE_ZONES,
  PERP_STRUCTURE_LIVE_HIGH_POOLS,
  PERP_STRUCTURE_LIVE_LOW_POOLS,
  PERP_STRUCTURE_N_LIVE_SETS
} PerpStructureLiveSet;

/**
 * PerpStructureLiveObject:
 * @top: the object's @top
 * @bottom: its @bottom
 * @id: its index in the engine's list, for the rest of it
 *
 * What a scan of the live objects reads, packed: copies of the fields of the same
 * names of the object's #PerpStructureObject (which never change once it is formed).
 */
typedef struct
{
  double  top;
  double  bottom;
  guint32 id;
  guint8  kind;
  guint8  depth;
  gint8   direction;
  guint8  source;
} PerpStructureLiveObject;

typedef enum
{
  PERP_STRUCTURE_VOLATILITY_ATR,              /* range >= factor x ATR */
  PERP_STRUCTURE_VOLATILITY_CUMULATIVE_RANGE, /* range >= factor x mean true range so far */
  PERP_STRUCTURE_VOLATILITY_NONE,
} PerpStructureVolatility;

typedef enum
{
  PERP_STRUCTURE_TOLERANCE_ATR,     /* |a - b| < tolerance x ATR */
  PERP_STRUCTURE_TOLERANCE_PERCENT, /* |a - b| < tolerance % of the first level */
} PerpStructureTolerance;

/**
 * PerpKillzone:
 * @name: short name, e.g. "london-open"
 * @start_minute: minutes after local midnight
 * @end_minute: exclusive; at or before @start_minute the window runs past midnight
 */
typedef struct
{
  const char *name;
  guint16     start_minute;
  guint16     end_minute;
} PerpKillzone;

#define PERP_STRUCTURE_MAX_FIB_LEVELS 8
#define PERP_STRUCTURE_MAX_KILLZONES  8

/**
 * PerpStructureConfig:
 * @internal_length: bars right of an internal pivot (LuxAlgo: 5)
 * @swing_length: bars right of a swing pivot (LuxAlgo: 50)
 * @equal_length: bars right of the pivots compared for equal highs/lows (LuxAlgo: 3)
 * @wick_break: break structure when the wick crosses the level, not the close
 * @close_mitigation: mitigate order blocks by close beyond them, not by wick
 * @volatility: which bars order-block selection ignores as too volatile
 * @volatility_factor: their range, as a multiple of the measure (LuxAlgo: 2)
 * @atr_length: ATR period for the volatility filter and the tolerance (LuxAlgo: 200)
 * @fvg_auto_threshold: gaps need a middle candle whose body change exceeds twice the
 *   running mean of all bodies so far
 * @fvg_join: a gap on the candle after a gap of the same direction joins it
 * @equal_tolerance_mode: how @equal_tolerance is read
 * @equal_tolerance: see #PerpStructureTolerance (LuxAlgo: 0.1 x ATR)
 * @leg_depth: pivots the active leg and the premium/discount range use
 * @fib_levels: retracement ratios of the active leg
 * @time_zone: zone of the killzone windows (an IANA name, or "UTC"); periods are UTC
 * @killzones: the sessions tracked
 */
typedef struct
{
  guint                   internal_length;
  guint                   swing_length;
  guint                   equal_length;
  gboolean                wick_break;
  gboolean                close_mitigation;
  PerpStructureVolatility volatility;
  double                  volatility_factor;
  guint                   atr_length;
  gboolean                fvg_auto_threshold;
  gboolean                fvg_join;
  PerpStructureTolerance  equal_tolerance_mode;
  double                  equal_tolerance;
  PerpStructureDepth      leg_depth;
  guint                   n_fib_levels;
  double                  fib_levels[PERP_STRUCTURE_MAX_FIB_LEVELS];
  const char             *time_zone;
  guint                   n_killzones;
  PerpKillzone            killzones[PERP_STRUCTURE_MAX_KILLZONES];
} PerpStructureConfig;

typedef enum
{
  PERP_STRUCTURE_ZONE_NONE,
  PERP_STRUCTURE_ZONE_DISCOUNT,
  PERP_STRUCTURE_ZONE_EQUILIBRIUM,
  PERP_STRUCTURE_ZONE_PREMIUM,
} PerpStructureZone;

/**
 * PerpStructureLeg:
 * @direction: +1 for a leg up from a swing low, -1 down from a swing high, 0 before any
 * @anchor: price of the opposite swing the leg starts from
 * @extreme: furthest price reached since
 * @levels: price of each configured Fibonacci ratio (measured back from @extreme)
 * @retracement: how far price has come back from @extreme, as a fraction of the leg
 */
typedef struct
{
  int     direction;
  guint   anchor_index;
  guint   extreme_index;
  gint64  anchor_time;
  gint64  extreme_time;
  double  anchor;
  double  extreme;
  guint   n_levels;
  double  ratios[PERP_STRUCTURE_MAX_FIB_LEVELS];
  double  levels[PERP_STRUCTURE_MAX_FIB_LEVELS];
  double  retracement;
} PerpStructureLeg;

/**
 * PerpStructureSession:
 * @source: PERP_STRUCTURE_SOURCE_* of this tracker
 * @in_window: whether the last candle opened inside the window
 * @start: current (or next) window, UTC milliseconds
 * @high: running high of the window so far, NAN before its first candle
 */
typedef struct
{
  guint    source;
  gboolean in_window;
  gint64   start;
  gint64   end;
  double   high;
  double   low;
} PerpStructureSession;

/**
 * PerpStructureReading:
 * @time: open time of the last closed candle
 * @price: the live price: the forming candle's close when one is set, else the last close
 * @trend: per #PerpStructureDepth, +1 bullish, -1 bearish, 0 no break yet
 * @range_top: top of the current swing range (highest high since the last swing high)
 * @equilibrium: its midpoint
 * @zone: where @price sits: premium above 52.5 %, discount below 47.5 %
 * @sessions: the calendar periods and the killzones, running
 */
typedef struct
{
  gint64               time;
  double               price;
  int                  trend[4];
  PerpStructureLeg     leg;
  double               range_top;
  double               range_bottom;
  double               equilibrium;
  PerpStructureZone    zone;
  guint                n_sessions;
  PerpStructureSession sessions[3 + PERP_STRUCTURE_MAX_KILLZONES];
} PerpStructureReading;

typedef struct _PerpStructure PerpStructure;

GQuark                     perp_structure_error_quark     (void);

void                       perp_structure_config_init     (PerpStructureConfig        *config);

PerpStructure             *perp_structure_new             (const PerpStructureConfig  *config,
                                                           PerpInterval                interval,
                                                           GError                    **error);
void                       perp_structure_free            (PerpStructure              *self);
void                       perp_structure_reset           (PerpStructure              *self);
const PerpStructureConfig *perp_structure_get_config      (const PerpStructure        *self);

gboolean                   perp_structure_push            (PerpStructure              *self,
                                                           const PerpCandle           *candle,
                                                           GError                    **error);
gboolean                   perp_structure_push_candles    (PerpStructure              *self,
                                                           const PerpCandles          *candles,
                                                           guint                       begin,
                                                           guint                       end,
                                                           GError                    **error);
void                       perp_structure_set_forming     (PerpStructure              *self,
                                                           const PerpCandle           *forming);

guint                      perp_structure_get_n_candles   (const PerpStructure        *self);
const PerpStructureObject *perp_structure_get_objects     (const PerpStructure        *self,
                                                           guint                      *n_objects);
void                       perp_structure_get_reading     (const PerpStructure        *self,
                                                           PerpStructureReading       *reading);

const guint               *perp_structure_get_live        (const PerpStructure        *self,
                                                           guint                      *n_ids);
const PerpStructureLiveObject *perp_structure_get_live_set (const PerpStructure     *self,
                                                           PerpStructureLiveSet        set,
                                                           guint                      *n_objects);
const guint               *perp_structure_get_ended       (const PerpStructure        *self,
                                                           gint64                      since,
                                                           guint                      *n_ids);
guint                      perp_structure_find_pivot      (const PerpStructure        *self,
                                                           PerpStructureDepth          depth,
                                                           int                         direction,
                                                           double                      beyond);

GArray                    *perp_structure_query_active    (const PerpStructure        *self,
                                                           gint64                      time,
                                                           guint                       kind_mask);
GArray                    *perp_structure_query_near      (const PerpStructure        *self,
                                                           double                      price,
                                                           double                      distance,
                                                           guint                       kind_mask);
GArray                    *perp_structure_query_latest    (const PerpStructure        *self,
                                                           PerpStructureKind           kind,
                                                           guint                       n);

gboolean                   perp_structure_object_known_at (const PerpStructureObject  *object,
                                                           gint64                      time);
gboolean                   perp_structure_object_active_at(const PerpStructureObject  *object,
                                                           gint64                      time);
void                       perp_structure_object_as_of    (const PerpStructureObject  *object,
                                                           gint64                      time,
                                                           PerpStructureObject        *out);
int                        perp_structure_object_pool_side(const PerpStructureObject  *object);

const char                *perp_structure_kind_name       (PerpStructureKind           kind);
const char                *perp_structure_event_name      (PerpStructureEvent          event);
const char                *perp_structure_depth_name      (PerpStructureDepth          depth);
const char                *perp_structure_zone_name       (PerpStructureZone           zone);
const char                *perp_structure_source_name     (const PerpStructure        *self,
                                                           guint                       source);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpStructure, perp_structure_free)

G_END_DECLS
