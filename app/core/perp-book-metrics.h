/* perp-book-metrics.h: what a local order book says about the market
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-order-book.h"

G_BEGIN_DECLS

#define PERP_BOOK_N_BANDS   3
#define PERP_BOOK_MAX_WALLS 8

/**
 * PerpBookMetricsParams:
 * @top_n: levels per side for the top-N imbalance (10)
 * @bands: half-widths of the price bands around mid, as fractions (0.001, 0.005, 0.01)
 * @wall_band: walls are looked for within this fraction of mid (0.01)
 * @wall_factor: a wall holds more than this many times the band's average level (10;
 *   sizes are heavy-tailed, and at 5 a BTCUSDT book shows 50 to 100 walls within 1 %)
 * @wall_min_levels: a side needs this many levels in the band for an average (5)
 * @thin_band: the band the thin-book test looks at (0.005)
 * @thin_min_notional: a side with less quote notional than this in @thin_band is thin;
 *   0 switches the test off (default 0: what is thin depends on the symbol)
 * @thin_min_levels: a side with fewer levels than this in @thin_band is thin (5)
 * @thin_max_spread_bps: a spread wider than this, in basis points of mid, is thin (10)
 */
typedef struct
{
  guint  top_n;
  double bands[PERP_BOOK_N_BANDS];
  double wall_band;
  double wall_factor;
  guint  wall_min_levels;
  double thin_band;
  double thin_min_notional;
  guint  thin_min_levels;
  double thin_max_spread_bps;
} PerpBookMetricsParams;

/**
 * PerpBookBand:
 * @fraction: the half-width, 0.005 for 0.5 % either side of mid
 * @nobi: (bid_qty - ask_qty) / (bid_qty + ask_qty), in [-1, 1]; NAN if both are 0
 *
 * Depth within a price band around mid.  Quantities are base asset, notionals quote.
 */
typedef struct
{
  double fraction;
  double bid_qty;
  double ask_qty;
  double bid_notional;
  double ask_notional;
  guint  bid_levels;
  guint  ask_levels;
  double nobi;
} PerpBookBand;

/**
 * PerpBookWall:
 * @multiple: @qty over the average level size in the band on its side
 * @distance: |price - mid| / mid
 * @event_time: the book's event time when the wall was seen
 */
typedef struct
{
  PerpBookSide side;
  gint64       price_key;
  double       price;
  double       qty;
  double       notional;
  double       multiple;
  double       distance;
  gint64       event_time;
} PerpBookWall;

typedef enum
{
  PERP_BOOK_THIN_NONE     = 0,
  PERP_BOOK_THIN_SPREAD   = 1 << 0,
  PERP_BOOK_THIN_NOTIONAL = 1 << 1,
  PERP_BOOK_THIN_LEVELS   = 1 << 2,
} PerpBookThin;

/**
 * PerpBookMetrics:
 * @event_time: exchange time (E) of the last depth event in the book: what the numbers
 *   describe
 * @update_id: that event's final update id
 * @best_bid_key: the best bid's exact price (perp-decimal.h), 0 when not fit to use
 * @health: why the book was not fit to use; the numbers are NAN unless it is
 *   %PERP_BOOK_HEALTH_OK
 * @nobi_top: imbalance over the best @top_n levels per side
 * @walls: (array length=n_walls): the largest walls, largest first
 * @n_walls_total: walls found, of which the PERP_BOOK_MAX_WALLS largest are in @walls
 * @thin: why the book is thin, %PERP_BOOK_THIN_NONE if it is not
 */
typedef struct
{
  gint64         event_time;
  guint64        update_id;
  PerpBookHealth health;
  gint64         best_bid_key;
  gint64         best_ask_key;
  double         best_bid;
  double         best_bid_qty;
  double         best_ask;
  double         best_ask_qty;
  double         mid;
  double         spread;
  double         spread_bps;
  guint          top_n;
  double         nobi_top;
  PerpBookBand   bands[PERP_BOOK_N_BANDS];
  PerpBookWall   walls[PERP_BOOK_MAX_WALLS];
  guint          n_walls;
  guint          n_walls_total;
  PerpBookThin   thin;
} PerpBookMetrics;

/**
 * PerpSpoofParams:
 * @near_band: only levels within this fraction of mid are watched (0.002)
 * @size_factor: a large level holds more than this many times the average level size
 *   within @near_band on its side (20; at 10, BTCUSDT shows some 70 a minute)
 * @min_levels: a side needs this many levels in the band for an average (5)
 * @min_lifetime_ms: a level pulled sooner than this is quote flicker (market makers
 *   refresh quotes every few milliseconds), too brief to mislead anyone (500)
 * @max_lifetime_ms: a large level that stays longer than this is a wall, not a spoof (5000)
 * @grace_ms: trades are waited for this long after a level vanished before it counts as
 *   a spoof: the trade and depth streams are not ordered against each other (1000)
 * @refresh_ms: how often the average level size is recomputed, in event time (1000)
 */
typedef struct
{
  double near_band;
  double size_factor;
  guint  min_levels;
  gint64 min_lifetime_ms;
  gint64 max_lifetime_ms;
  gint64 grace_ms;
  gint64 refresh_ms;
} PerpSpoofParams;

/**
 * PerpSpoof:
 * @max_qty: the most the level held while it was large
 * @distance: |price - mid| / mid when it appeared
 * @appeared_at: event time of the depth event that made it large
 * @vanished_at: event time of the depth event that pulled it
 *
 * A large level near the price that appeared and was pulled within a few seconds,
 * without any trade reaching its price.
 */
typedef struct
{
  PerpBookSide side;
  gint64       price_key;
  double       price;
  double       max_qty;
  double       distance;
  gint64       appeared_at;
  gint64       vanished_at;
} PerpSpoof;

typedef struct _PerpSpoofTracker PerpSpoofTracker;

void              perp_book_metrics_params_init  (PerpBookMetricsParams       *params);
double            perp_book_nobi_top             (const PerpOrderBook         *book,
                                                  guint                        n);
gboolean          perp_book_band                 (const PerpOrderBook         *book,
                                                  double                       fraction,
                                                  PerpBookBand                *band);
guint             perp_book_find_walls           (const PerpOrderBook         *book,
                                                  const PerpBookMetricsParams *params,
                                                  PerpBookWall                *walls,
                                                  guint                        max_walls);
gboolean          perp_book_metrics_compute      (const PerpOrderBook         *book,
                                                  const PerpBookMetricsParams *params,
                                                  gint64                       now_ms,
                                                  gint64                       max_age_ms,
                                                  PerpBookMetrics             *metrics);

void              perp_spoof_params_init         (PerpSpoofParams             *params);
PerpSpoofTracker *perp_spoof_tracker_new         (const PerpSpoofParams       *params);
void              perp_spoof_tracker_free        (PerpSpoofTracker            *self);
void              perp_spoof_tracker_reset       (PerpSpoofTracker            *self);
void              perp_spoof_tracker_observe_depth (PerpSpoofTracker          *self,
                                                  const PerpOrderBook         *book,
                                                  const PerpDepthEvent        *event);
void              perp_spoof_tracker_observe_trade (PerpSpoofTracker          *self,
                                                  gint64                       price_key,
                                                  gint64                       trade_time);
guint             perp_spoof_tracker_collect     (PerpSpoofTracker            *self,
                                                  gint64                       now_ms,
                                                  GArray                      *spoofs);
guint             perp_spoof_tracker_get_n_watched (const PerpSpoofTracker    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpSpoofTracker, perp_spoof_tracker_free)

G_END_DECLS
