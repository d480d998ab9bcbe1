/* perp-liquidation-map.h
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "perp-candles.h"

G_BEGIN_DECLS

/*
 * A *modelled* liquidation map: where positions opened at recent prices would be
 * liquidated if they carried typical leverage.  It is an estimate built from candles
 * and open interest, not exchange data.  docs/liquidation-map.md says the same at
 * more length.
 *
 * The model, per closed candle:
 *
 *  1. Positions opened.  An open-interest increase ΔOI > 0 over the candle (see
 *     perp_oi_series_candle_deltas()) is new positions.  Each contract has a long and
 *     a short holder, but one side is usually liquidity that is hedged elsewhere or
 *     carries little leverage.  So the model gives ΔOI × long_share to leveraged
 *     longs and ΔOI × (1 - long_share) to leveraged shorts, which keeps the total
 *     equal to the OI increase.  long_share comes from:
 *       - %PERP_LIQ_SPLIT_EVEN: 0.5 (the default; no view);
 *       - %PERP_LIQ_SPLIT_CANDLE_DIRECTION: direction_share on a candle that closed up,
 *         1 - direction_share on one that closed down, 0.5 on a doji;
 *       - %PERP_LIQ_SPLIT_TAKER_BUY: taker-buy volume / volume (whoever crossed the
 *         spread was keen to get in), 0.5 when the candle has no taker-buy volume.
 *     ΔOI ≤ 0 or unknown (NAN) adds nothing: closes cannot be told apart from one
 *     another, so the model lets the decay below stand in for them.
 *  2. Entry price.  The candle's typical price (h + l + c) / 3
 *     (%PERP_LIQ_ENTRY_TYPICAL), or range_points evenly spaced prices across
 *     [low, high], each with an equal share of ΔOI (%PERP_LIQ_ENTRY_RANGE).
 *  3. Leverage.  The positions are spread over leverage tiers (default 10x, 25x, 50x,
 *     100x with weights 0.4, 0.3, 0.2, 0.1; weights are normalised to sum 1).
 *     Isolated-margin liquidation prices with maintenance margin ratio mmr
 *     (default 0.004, Binance's lowest BTCUSDT bracket):
 *         long:  entry × (1 - 1/L + mmr)
 *         short: entry × (1 + 1/L - mmr)
 *     (perp_liq_long_price(), perp_liq_short_price()).  Tiers need 1/L > mmr.
 *  4. Intensity.  Each level adds its quote notional, entry × ΔOI × side share ×
 *     tier weight, to the price bucket floor(price / bucket_size).  Long and short
 *     liquidations are kept apart.  Intensity is in quote units (USDT).
 *  5. Trading through.  Before the candle's own levels are added, every level in a
 *     bucket that the candle traded in is removed: the buckets from
 *     floor(min(low, previous close) / size) to floor(max(high, previous close) /
 *     size), so a gap between candles counts as traded.  A new level is removed at
 *     once if the candle's close already reached its bucket, since price then went
 *     through it after the entry.  The candle's other levels are tested from the next
 *     candle on, because the order of trades inside a candle is unknown.  As a result,
 *     after each candle every long level lies in a bucket below the close's and every
 *     short level in one above it.
 *  6. Decay.  Intensity halves every half_life_ms (default 72 h; 0 disables decay).
 *     This stands in for positions closed or moved without trading through the level.
 *
 * Real liquidations (forceOrder prints) are kept apart from the model, so the two
 * can be compared.  Binance publishes at most one print per symbol per second, so the
 * prints undercount in a cascade.
 *
 * What the model cannot know: the real leverage distribution, which positions were
 * closed (ΔOI is a net figure: an increase may hide as many closes), cross margin
 * (a cross-margined position is liquidated on the account's equity, not at a
 * per-position price), hedged positions, margin added later, exact entry prices and
 * Binance's notional-dependent maintenance brackets.  Commercial heatmaps are models
 * of the same kind with their own guesses; none of them is exchange data.
 *
 * Cost: adding a candle touches the buckets it traded through and its new levels.
 * Decay is one global scale factor, renormalised every 64 half-lives, so it never
 * visits the buckets.  A heatmap column (#PerpLiqGrid) costs the buckets and rows in
 * its price range and is appended once per candle, never recomputed.
 *
 * Times: a candle's levels are stamped at its end, open_time + interval.  Queries at a
 * time before the last candle's end read the state at that end.  The map keeps no
 * history.
 */

#define PERP_LIQ_MAP_ERROR (perp_liq_map_error_quark ())

typedef enum
{
  PERP_LIQ_MAP_ERROR_PARAMS,         /* parameters that make no model */
  PERP_LIQ_MAP_ERROR_INVALID,        /* a candle or print no market can produce */
  PERP_LIQ_MAP_ERROR_NOT_INCREASING, /* a candle or print earlier than the last one */
  PERP_LIQ_MAP_ERROR_RANGE,          /* levels would need more than max_buckets buckets */
} PerpLiqMapError;

#define PERP_LIQ_MAX_TIERS 8

/**
 * PerpLiqSides:
 * @PERP_LIQ_SIDE_LONG: long positions (liquidated below price; forceOrder side SELL)
 * @PERP_LIQ_SIDE_SHORT: short positions (liquidated above price; forceOrder side BUY)
 * @PERP_LIQ_SIDE_BOTH: both
 */
typedef enum
{
  PERP_LIQ_SIDE_LONG  = 1 << 0,
  PERP_LIQ_SIDE_SHORT = 1 << 1,
  PERP_LIQ_SIDE_BOTH  = PERP_LIQ_SIDE_LONG | PERP_LIQ_SIDE_SHORT,
} PerpLiqSides;

typedef enum
{
  PERP_LIQ_ENTRY_TYPICAL,
  PERP_LIQ_ENTRY_RANGE,
} PerpLiqEntry;

typedef enum
{
  PERP_LIQ_SPLIT_EVEN,
  PERP_LIQ_SPLIT_CANDLE_DIRECTION,
  PERP_LIQ_SPLIT_TAKER_BUY,
} PerpLiqSplit;

typedef enum
{
  PERP_LIQ_ABOVE,
  PERP_LIQ_BELOW,
} PerpLiqDirection;

/**
 * PerpLiqMapParams:
 * @n_tiers: number of leverage tiers used (1 .. %PERP_LIQ_MAX_TIERS)
 * @leverage: leverage of each tier (>= 1, and 1/L > @maintenance_margin)
 * @weight: share of new positions in each tier (>= 0, normalised to sum 1)
 * @maintenance_margin: maintenance margin ratio, e.g. 0.004
 * @bucket_size: price bucket height in quote units (see perp_liq_suggest_bucket_size())
 * @half_life_ms: intensity halves after this long; 0 for no decay
 * @entry: where the new positions are assumed to have opened
 * @range_points: number of entry prices across the range for %PERP_LIQ_ENTRY_RANGE
 * @split: how new positions divide between longs and shorts
 * @direction_share: long share on an up candle for %PERP_LIQ_SPLIT_CANDLE_DIRECTION
 * @max_buckets: most buckets the map may span; a candle needing more is refused
 */
typedef struct
{
  guint        n_tiers;
  double       leverage[PERP_LIQ_MAX_TIERS];
  double       weight[PERP_LIQ_MAX_TIERS];
  double       maintenance_margin;
  double       bucket_size;
  gint64       half_life_ms;
  PerpLiqEntry entry;
  guint        range_points;
  PerpLiqSplit split;
  double       direction_share;
  guint        max_buckets;
} PerpLiqMapParams;

/**
 * PerpLiqPrint:
 * @time: event time, Unix ms (forceOrder `T`)
 * @side: the side of the position liquidated: %PERP_LIQ_SIDE_LONG for a forceOrder
 *   with `S` = SELL (the exchange sold a long out), %PERP_LIQ_SIDE_SHORT for BUY
 * @price: average fill price (`ap`), or the order price (`p`) if there is none
 * @quantity: filled quantity in base units (`z`)
 */
typedef struct
{
  gint64       time;
  PerpLiqSides side;
  double       price;
  double       quantity;
} PerpLiqPrint;

/**
 * PerpLiqStep:
 * @added_long: intensity of the long levels this candle's new positions created
 * @added_short: the same for shorts
 * @consumed_long: long intensity removed because price traded through it (some of it
 *   possibly created by this very candle), at the candle's end time
 * @consumed_short: the same for shorts
 *
 * What one candle did to the map; the consumed amounts are the model's estimate of
 * liquidations during the candle, to compare with the prints.
 */
typedef struct
{
  double added_long;
  double added_short;
  double consumed_long;
  double consumed_short;
} PerpLiqStep;

/**
 * PerpLiqClusterQuery:
 * @threshold: a bucket whose intensity (of @sides) is at least this is dense; > 0
 * @merge_gap: dense runs separated by at most this many sparse buckets are one cluster
 * @max_distance: a cluster must start within this fraction of the price (0.05 = 5 %);
 *   0 for no limit
 * @sides: which liquidations count
 */
typedef struct
{
  double       threshold;
  guint        merge_gap;
  double       max_distance;
  PerpLiqSides sides;
} PerpLiqClusterQuery;

/**
 * PerpLiqCluster:
 * @price_lo: lower edge of the cluster's lowest bucket
 * @price_hi: upper edge of its highest bucket
 * @peak_price: middle of its densest bucket
 * @peak_intensity: intensity of that bucket
 * @intensity: total intensity of the buckets from @price_lo to @price_hi
 * @long_intensity: the long part of @intensity (counted whatever the query's sides)
 * @short_intensity: the short part
 * @distance: relative distance from the query price to the cluster's near edge
 * @n_buckets: buckets spanned
 */
typedef struct
{
  double price_lo;
  double price_hi;
  double peak_price;
  double peak_intensity;
  double intensity;
  double long_intensity;
  double short_intensity;
  double distance;
  guint  n_buckets;
} PerpLiqCluster;

typedef struct _PerpLiqMap  PerpLiqMap;
typedef struct _PerpLiqGrid PerpLiqGrid;

#define PERP_TYPE_LIQ_MAP  (perp_liq_map_get_type ())
#define PERP_TYPE_LIQ_GRID (perp_liq_grid_get_type ())

GQuark        perp_liq_map_error_quark         (void);
GType         perp_liq_map_get_type            (void) G_GNUC_CONST;
GType         perp_liq_grid_get_type           (void) G_GNUC_CONST;

double        perp_liq_long_price              (double                  entry,
                                                double                  leverage,
                                                double                  maintenance_margin);
double        perp_liq_short_price             (double                  entry,
                                                double                  leverage,
                                                double                  maintenance_margin);
double        perp_liq_suggest_bucket_size     (double                  price,
                                                double                  relative);

void          perp_liq_map_params_init_default (PerpLiqMapParams       *params,
                                                double                  reference_price);
gboolean      perp_liq_map_params_check        (const PerpLiqMapParams *params,
                                                GError                **error);

PerpLiqMap   *perp_liq_map_new                 (const PerpLiqMapParams *params,
                                                gint64                  interval_ms,
                                                GError                **error);
PerpLiqMap   *perp_liq_map_ref                 (PerpLiqMap             *self);
void          perp_liq_map_unref               (PerpLiqMap             *self);
const PerpLiqMapParams *
              perp_liq_map_get_params          (const PerpLiqMap       *self);
gint64        perp_liq_map_get_interval        (const PerpLiqMap       *self);
guint         perp_liq_map_get_n_candles       (const PerpLiqMap       *self);
gint64        perp_liq_map_get_time            (const PerpLiqMap       *self);
gint64        perp_liq_map_bucket_index        (const PerpLiqMap       *self,
                                                double                  price);
double        perp_liq_map_bucket_price        (const PerpLiqMap       *self,
                                                gint64                  bucket);
gboolean      perp_liq_map_get_bucket_range    (const PerpLiqMap       *self,
                                                gint64                 *first,
                                                gint64                 *last);
double        perp_liq_map_get_bucket          (const PerpLiqMap       *self,
                                                gint64                  bucket,
                                                gint64                  time_ms,
                                                PerpLiqSides            sides);
double        perp_liq_map_get_total           (const PerpLiqMap       *self,
                                                gint64                  time_ms,
                                                PerpLiqSides            sides);

gboolean      perp_liq_map_add_candle          (PerpLiqMap             *self,
                                                const PerpCandle       *candle,
                                                double                  oi_delta,
                                                PerpLiqStep            *step,
                                                GError                **error);
gboolean      perp_liq_map_add_candles         (PerpLiqMap             *self,
                                                const PerpCandles      *candles,
                                                const double           *oi_delta,
                                                PerpLiqGrid            *grid,
                                                GError                **error);
gboolean      perp_liq_map_add_print           (PerpLiqMap             *self,
                                                const PerpLiqPrint     *print,
                                                GError                **error);
const PerpLiqPrint *
              perp_liq_map_get_prints          (const PerpLiqMap       *self,
                                                guint                  *n_prints);
guint         perp_liq_map_sum_prints          (const PerpLiqMap       *self,
                                                gint64                  time_from,
                                                gint64                  time_to,
                                                double                  price_lo,
                                                double                  price_hi,
                                                PerpLiqSides            sides,
                                                double                 *quantity,
                                                double                 *notional);

void          perp_liq_map_sample              (const PerpLiqMap       *self,
                                                gint64                  time_ms,
                                                double                  price_lo,
                                                double                  price_hi,
                                                guint                   n_rows,
                                                PerpLiqSides            sides,
                                                double                 *out);
void          perp_liq_map_sample_prints       (const PerpLiqMap       *self,
                                                gint64                  time_from,
                                                gint64                  time_to,
                                                double                  price_lo,
                                                double                  price_hi,
                                                guint                   n_rows,
                                                PerpLiqSides            sides,
                                                double                 *out);
double        perp_liq_map_mean_intensity      (const PerpLiqMap       *self,
                                                gint64                  time_ms,
                                                double                  price_lo,
                                                double                  price_hi,
                                                PerpLiqSides            sides);
gboolean      perp_liq_map_nearest_cluster     (const PerpLiqMap       *self,
                                                gint64                  time_ms,
                                                double                  price,
                                                PerpLiqDirection        direction,
                                                const PerpLiqClusterQuery *query,
                                                PerpLiqCluster         *cluster);

PerpLiqGrid  *perp_liq_grid_new                (double                  price_lo,
                                                double                  price_hi,
                                                guint                   n_rows,
                                                PerpLiqSides            sides);
PerpLiqGrid  *perp_liq_grid_ref                (PerpLiqGrid            *self);
void          perp_liq_grid_unref              (PerpLiqGrid            *self);
guint         perp_liq_grid_get_n_rows         (const PerpLiqGrid      *self);
guint         perp_liq_grid_get_n_columns      (const PerpLiqGrid      *self);
double        perp_liq_grid_get_price_lo       (const PerpLiqGrid      *self);
double        perp_liq_grid_get_price_hi       (const PerpLiqGrid      *self);
PerpLiqSides  perp_liq_grid_get_sides          (const PerpLiqGrid      *self);
const gint64 *perp_liq_grid_get_times          (const PerpLiqGrid      *self);
const double *perp_liq_grid_get_column         (const PerpLiqGrid      *self,
                                                guint                   column);
const double *perp_liq_grid_get_prints_column  (const PerpLiqGrid      *self,
                                                guint                   column);
gboolean      perp_liq_grid_append_column      (PerpLiqGrid            *self,
                                                const PerpLiqMap       *map,
                                                gint64                  open_time,
                                                gint64                  end_time);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpLiqMap, perp_liq_map_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpLiqGrid, perp_liq_grid_unref)

G_END_DECLS
