/* perp-book-metrics.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-book-metrics"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-book-metrics.h"

/*
 * Every number here is read off the book as it stands after its last applied event, and
 * carries that event's exchange time.  A book that is not in sync, has an empty side,
 * is crossed or is stale gives no numbers at all (NAN and a health flag): an imbalance
 * computed from a broken book looks exactly like a real one, so it must never reach the
 * scorer unmarked.
 *
 * The bands walk outwards from the best level and stop at the band's edge, so their
 * cost is the number of levels inside the band, never the size of the book.
 */

/**
 * perp_book_metrics_params_init:
 * @params: (out caller-allocates): filled with the defaults documented on the struct
 */
void
perp_book_metrics_params_init (PerpBookMetricsParams *params)
{
  g_return_if_fail (params != NULL);

  params->top_n = 10;
  params->bands[0] = 0.001;
  params->bands[1] = 0.005;
  params->bands[2] = 0.01;
  params->wall_band = 0.01;
  params->wall_factor = 10.0;
  params->wall_min_levels = 5;
  params->thin_band = 0.005;
  params->thin_min_notional = 0.0;
  params->thin_min_levels = 5;
  params->thin_max_spread_bps = 10.0;
}

static double
imbalance (double bid,
           double ask)
{
  return bid + ask > 0.0 ? (bid - ask) / (bid + ask) : NAN;
}

static gboolean
get_mid (const PerpOrderBook *book,
         double              *mid)
{
  PerpPriceLevel bid;
  PerpPriceLevel ask;

  if (!perp_order_book_get_best (book, PERP_BOOK_BID, &bid)
      || !perp_order_book_get_best (book, PERP_BOOK_ASK, &ask))
    return FALSE;

  *mid = (perp_price_key_to_double (bid.price_key) + perp_price_key_to_double (ask.price_key)) / 2.0;

  return TRUE;
}

/**
 * perp_book_nobi_top:
 * @n: levels per side
 *
 * Normalised order-book imbalance over the best @n levels of each side:
 * (bid volume - ask volume) / (bid volume + ask volume).  The book's health is the
 * caller's business (perp_book_metrics_compute() checks it).
 *
 * Returns: a value in [-1, 1], NAN if both sides are empty
 */
double
perp_book_nobi_top (const PerpOrderBook *book,
                    guint                n)
{
  double volume[2] = { 0.0, 0.0 };

  g_return_val_if_fail (book != NULL, NAN);

  for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      PerpPriceLevel level;

      for (guint i = 0; i < n && perp_order_book_get_level (book, side, i, &level); i++)
        volume[side] += level.qty;
    }

  return imbalance (volume[PERP_BOOK_BID], volume[PERP_BOOK_ASK]);
}

/**
 * perp_book_band:
 * @fraction: half-width of the band, as a fraction of mid (0.005 for 0.5 %)
 * @band: (out caller-allocates): depth and imbalance within mid × (1 ± @fraction)
 *
 * Returns: %FALSE (and zeros, NAN imbalance) if a side is empty, so there is no mid
 */
gboolean
perp_book_band (const PerpOrderBook *book,
                double               fraction,
                PerpBookBand        *band)
{
  double mid;
  double reach;
  double qty[2] = { 0.0, 0.0 };
  double notional[2] = { 0.0, 0.0 };
  guint levels[2] = { 0, 0 };

  g_return_val_if_fail (book != NULL, FALSE);
  g_return_val_if_fail (fraction >= 0.0, FALSE);
  g_return_val_if_fail (band != NULL, FALSE);

  memset (band, 0, sizeof *band);
  band->fraction = fraction;
  band->nobi = NAN;

  if (!get_mid (book, &mid))
    return FALSE;

  /* A level exactly on the edge belongs to the band, whatever the rounding of
   * fraction × mid (0.001 × 1000 is not quite 1 in binary). */
  reach = fraction * mid * (1.0 + 1e-12);

  for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      PerpPriceLevel level;

      for (guint i = 0; perp_order_book_get_level (book, side, i, &level); i++)
        {
          double price = perp_price_key_to_double (level.price_key);

          if ((side == PERP_BOOK_BID ? mid - price : price - mid) > reach)
            break;
          qty[side] += level.qty;
          notional[side] += price * level.qty;
          levels[side]++;
        }
    }

  band->bid_qty = qty[PERP_BOOK_BID];
  band->ask_qty = qty[PERP_BOOK_ASK];
  band->bid_notional = notional[PERP_BOOK_BID];
  band->ask_notional = notional[PERP_BOOK_ASK];
  band->bid_levels = levels[PERP_BOOK_BID];
  band->ask_levels = levels[PERP_BOOK_ASK];
  band->nobi = imbalance (band->bid_qty, band->ask_qty);

  return TRUE;
}

/* Keeps @walls sorted by quantity, largest first, at most @max of them. */
static void
insert_wall (PerpBookWall       *walls,
             guint              *n,
             guint               max,
             const PerpBookWall *wall)
{
  guint i = *n;

  if (i == max)
    {
      if (max == 0 || walls[max - 1].qty >= wall->qty)
        return;
      i--;
    }
  else
    {
      (*n)++;
    }

  while (i > 0 && walls[i - 1].qty < wall->qty)
    {
      walls[i] = walls[i - 1];
      i--;
    }
  walls[i] = *wall;
}

/**
 * perp_book_find_walls:
 * @walls: (out caller-allocates) (array length=max_walls): where to write the walls
 *
 * A wall is a level within @params->wall_band of mid holding more than
 * @params->wall_factor times the average level size of its side within that band.
 * The average includes the wall: a band with a single huge level and nothing else has
 * no wall, which is right, since there is nothing for it to stand out from.
 *
 * Returns: the number of walls found; the @max_walls largest are written, largest first
 */
guint
perp_book_find_walls (const PerpOrderBook         *book,
                      const PerpBookMetricsParams *params,
                      PerpBookWall                *walls,
                      guint                        max_walls)
{
  PerpBookBand band;
  double mid;
  guint n = 0;
  guint found = 0;

  g_return_val_if_fail (book != NULL, 0);
  g_return_val_if_fail (params != NULL, 0);
  g_return_val_if_fail (walls != NULL || max_walls == 0, 0);

  if (!get_mid (book, &mid) || !perp_book_band (book, params->wall_band, &band))
    return 0;

  for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      guint n_levels = side == PERP_BOOK_BID ? band.bid_levels : band.ask_levels;
      double total = side == PERP_BOOK_BID ? band.bid_qty : band.ask_qty;
      double average;
      PerpPriceLevel level;

      if (n_levels < MAX (params->wall_min_levels, 1))
        continue;
      average = total / n_levels;

      for (guint i = 0; i < n_levels && perp_order_book_get_level (book, side, i, &level); i++)
        {
          PerpBookWall wall;

          if (!(level.qty > params->wall_factor * average))
            continue;

          wall.side = side;
          wall.price_key = level.price_key;
          wall.price = perp_price_key_to_double (level.price_key);
          wall.qty = level.qty;
          wall.notional = wall.price * level.qty;
          wall.multiple = level.qty / average;
          wall.distance = fabs (wall.price - mid) / mid;
          wall.event_time = perp_order_book_get_event_time (book);
          insert_wall (walls, &n, max_walls, &wall);
          found++;
        }
    }

  return found;
}

/**
 * perp_book_metrics_compute:
 * @params: (nullable): what to compute; %NULL for the defaults
 * @now_ms: the current exchange time, for the staleness check
 * @max_age_ms: how old the book's last event may be (0: no staleness check)
 * @metrics: (out caller-allocates): the metrics
 *
 * Returns: %TRUE if the book was fit to use and @metrics holds numbers; otherwise
 *   @metrics->health says why and the numbers are NAN
 */
gboolean
perp_book_metrics_compute (const PerpOrderBook         *book,
                           const PerpBookMetricsParams *params,
                           gint64                       now_ms,
                           gint64                       max_age_ms,
                           PerpBookMetrics             *metrics)
{
  PerpBookMetricsParams defaults;
  PerpPriceLevel bid;
  PerpPriceLevel ask;
  PerpBookBand thin_band;

  g_return_val_if_fail (book != NULL, FALSE);
  g_return_val_if_fail (metrics != NULL, FALSE);

  if (params == NULL)
    {
      perp_book_metrics_params_init (&defaults);
      params = &defaults;
    }

  memset (metrics, 0, sizeof *metrics);
  metrics->event_time = perp_order_book_get_event_time (book);
  metrics->update_id = perp_order_book_get_update_id (book);
  metrics->top_n = params->top_n;
  metrics->best_bid = metrics->best_bid_qty = metrics->best_ask = metrics->best_ask_qty = NAN;
  metrics->mid = metrics->spread = metrics->spread_bps = metrics->nobi_top = NAN;
  for (guint b = 0; b < PERP_BOOK_N_BANDS; b++)
    {
      metrics->bands[b].fraction = params->bands[b];
      metrics->bands[b].nobi = NAN;
    }

  metrics->health = perp_order_book_check (book, now_ms, max_age_ms);
  if (metrics->health != PERP_BOOK_HEALTH_OK)
    return FALSE;

  perp_order_book_get_best (book, PERP_BOOK_BID, &bid);
  perp_order_book_get_best (book, PERP_BOOK_ASK, &ask);
  metrics->best_bid_key = bid.price_key;
  metrics->best_ask_key = ask.price_key;
  metrics->best_bid = perp_price_key_to_double (bid.price_key);
  metrics->best_bid_qty = bid.qty;
  metrics->best_ask = perp_price_key_to_double (ask.price_key);
  metrics->best_ask_qty = ask.qty;
  metrics->mid = (metrics->best_bid + metrics->best_ask) / 2.0;
  metrics->spread = metrics->best_ask - metrics->best_bid;
  metrics->spread_bps = metrics->spread / metrics->mid * 1e4;
  metrics->nobi_top = perp_book_nobi_top (book, params->top_n);

  for (guint b = 0; b < PERP_BOOK_N_BANDS; b++)
    perp_book_band (book, params->bands[b], &metrics->bands[b]);

  metrics->n_walls_total = perp_book_find_walls (book, params, metrics->walls, PERP_BOOK_MAX_WALLS);
  metrics->n_walls = MIN (metrics->n_walls_total, PERP_BOOK_MAX_WALLS);

  perp_book_band (book, params->thin_band, &thin_band);
  if (params->thin_max_spread_bps > 0.0 && metrics->spread_bps > params->thin_max_spread_bps)
    metrics->thin |= PERP_BOOK_THIN_SPREAD;
  if (params->thin_min_notional > 0.0
      && MIN (thin_band.bid_notional, thin_band.ask_notional) < params->thin_min_notional)
    metrics->thin |= PERP_BOOK_THIN_NOTIONAL;
  if (MIN (thin_band.bid_levels, thin_band.ask_levels) < params->thin_min_levels)
    metrics->thin |= PERP_BOOK_THIN_LEVELS;

  return TRUE;
}

/* ------------------------------------------------------------------ spoof tracking */

/*
 * Spoofing, as far as public data can show it: a large order near the price that is
 * shown and pulled within seconds, and that nobody traded against.  The tracker looks
 * only at the levels each depth event changes (never the whole book): one that becomes
 * larger than size_factor times the average level near mid starts being watched; when
 * it drops back below that size after min_lifetime_ms and within max_lifetime_ms it is
 * "pulled".  On BTCUSDT most large quotes near the top live under half a second: that is
 * market makers requoting, and counting it would drown the few orders shown long enough
 * to sway a reader of the book.  A pulled level
 * becomes a spoof only after grace_ms without a trade at or through its price (trades
 * are reported on another stream and may arrive after the depth event their fill caused).
 * A level that trades was consumed, not pulled; one that stays is a wall.
 *
 * The average level size is refreshed once per refresh_ms of event time: it moves
 * slowly, and recomputing it per event would walk the band 20 000 times a second.
 */

typedef struct
{
  gint64       hash_key;     /* price key, negated for asks */
  PerpBookSide side;
  gint64       price_key;
  double       max_qty;
  double       distance;
  gint64       appeared_at;
  gint64       vanished_at;
  gboolean     traded;
} Watch;

/* Confirmed spoofs kept for collect(); beyond this the oldest go, so a caller that
 * never collects cannot make the tracker grow without bound. */
#define MAX_CONFIRMED 4096

struct _PerpSpoofTracker
{
  PerpSpoofParams  params;
  GHashTable      *watched;    /* &Watch.hash_key -> Watch */
  GArray          *pulled;     /* Watch: pulled, waiting out the grace period */
  GArray          *confirmed;  /* PerpSpoof: past the grace period, not yet collected */
  double           threshold[2];
  /* The hash keys of the watched levels lie in [watch_lo, watch_hi] (maybe a wider range
   * once some were dropped): a small level outside it needs no lookup, and most depth
   * updates are small and far from the top. */
  gint64           watch_lo;
  gint64           watch_hi;
  double           mid;
  gint64           refreshed_at;
  gboolean         have_threshold;
};

/**
 * perp_spoof_params_init:
 * @params: (out caller-allocates): filled with the defaults documented on the struct
 */
void
perp_spoof_params_init (PerpSpoofParams *params)
{
  g_return_if_fail (params != NULL);

  params->near_band = 0.002;
  params->size_factor = 20.0;
  params->min_levels = 5;
  params->min_lifetime_ms = 500;
  params->max_lifetime_ms = 5000;
  params->grace_ms = 1000;
  params->refresh_ms = 1000;
}

/**
 * perp_spoof_tracker_new:
 * @params: (nullable): %NULL for the defaults
 *
 * Returns: (transfer full): a tracker watching nothing yet
 */
PerpSpoofTracker *
perp_spoof_tracker_new (const PerpSpoofParams *params)
{
  PerpSpoofTracker *self = g_new0 (PerpSpoofTracker, 1);

  if (params != NULL)
    self->params = *params;
  else
    perp_spoof_params_init (&self->params);

  self->watched = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->pulled = g_array_new (FALSE, FALSE, sizeof (Watch));
  self->confirmed = g_array_new (FALSE, FALSE, sizeof (PerpSpoof));
  self->watch_lo = G_MAXINT64;
  self->watch_hi = G_MININT64;

  return self;
}

void
perp_spoof_tracker_free (PerpSpoofTracker *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->watched);
  g_array_unref (self->pulled);
  g_array_unref (self->confirmed);
  g_free (self);
}

/**
 * perp_spoof_tracker_reset:
 *
 * Forgets every watched and pulled level (after the book was resynchronised: levels
 * that "vanish" across a snapshot tell nothing).
 */
void
perp_spoof_tracker_reset (PerpSpoofTracker *self)
{
  g_return_if_fail (self != NULL);

  g_hash_table_remove_all (self->watched);
  g_array_set_size (self->pulled, 0);
  g_array_set_size (self->confirmed, 0);
  self->have_threshold = FALSE;
  self->watch_lo = G_MAXINT64;
  self->watch_hi = G_MININT64;
}

static void
refresh (PerpSpoofTracker    *self,
         const PerpOrderBook *book,
         gint64               now)
{
  PerpBookBand band;
  GHashTableIter iter;
  Watch *w;

  self->have_threshold = TRUE;
  self->refreshed_at = now;
  self->mid = NAN;
  self->threshold[PERP_BOOK_BID] = self->threshold[PERP_BOOK_ASK] = INFINITY;

  if (get_mid (book, &self->mid) && perp_book_band (book, self->params.near_band, &band))
    {
      guint min_levels = MAX (self->params.min_levels, 1);

      if (band.bid_levels >= min_levels)
        self->threshold[PERP_BOOK_BID] = self->params.size_factor * band.bid_qty / band.bid_levels;
      if (band.ask_levels >= min_levels)
        self->threshold[PERP_BOOK_ASK] = self->params.size_factor * band.ask_qty / band.ask_levels;
    }

  /* Levels that outlived max_lifetime_ms are walls: stop watching them. */
  self->watch_lo = G_MAXINT64;
  self->watch_hi = G_MININT64;
  g_hash_table_iter_init (&iter, self->watched);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    {
      if (now - w->appeared_at > self->params.max_lifetime_ms)
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      self->watch_lo = MIN (self->watch_lo, w->hash_key);
      self->watch_hi = MAX (self->watch_hi, w->hash_key);
    }
}

static void
observe_level (PerpSpoofTracker     *self,
               PerpBookSide          side,
               const PerpPriceLevel *level,
               gint64                now)
{
  gint64 hash_key = side == PERP_BOOK_ASK ? -level->price_key : level->price_key;
  gboolean large = level->qty > self->threshold[side];
  Watch *w;

  if (!large && (hash_key < self->watch_lo || hash_key > self->watch_hi))
    return;

  w = g_hash_table_lookup (self->watched, &hash_key);
  if (large)
    {
      double distance;

      if (w != NULL)
        {
          w->max_qty = MAX (w->max_qty, level->qty);
          return;
        }

      distance = fabs (perp_price_key_to_double (level->price_key) - self->mid) / self->mid;
      if (!(distance <= self->params.near_band))
        return;

      w = g_new0 (Watch, 1);
      w->hash_key = hash_key;
      w->side = side;
      w->price_key = level->price_key;
      w->max_qty = level->qty;
      w->distance = distance;
      w->appeared_at = now;
      g_hash_table_insert (self->watched, &w->hash_key, w);
      self->watch_lo = MIN (self->watch_lo, hash_key);
      self->watch_hi = MAX (self->watch_hi, hash_key);
      return;
    }

  if (w == NULL)
    return;

  if (!w->traded
      && now - w->appeared_at >= self->params.min_lifetime_ms
      && now - w->appeared_at <= self->params.max_lifetime_ms)
    {
      w->vanished_at = now;
      g_array_append_val (self->pulled, *w);
    }
  g_hash_table_remove (self->watched, &hash_key);
}

/* Pulled levels whose grace period is over become spoofs (or are dropped, if a trade
 * reached them), so that only the few still in their grace period are matched against
 * every trade. */
static void
settle (PerpSpoofTracker *self,
        gint64            now)
{
  guint kept = 0;

  for (guint i = 0; i < self->pulled->len; i++)
    {
      Watch w = g_array_index (self->pulled, Watch, i);

      if (now < w.vanished_at + self->params.grace_ms)
        {
          g_array_index (self->pulled, Watch, kept++) = w;
          continue;
        }
      if (!w.traded)
        {
          PerpSpoof spoof = {
            .side = w.side,
            .price_key = w.price_key,
            .price = perp_price_key_to_double (w.price_key),
            .max_qty = w.max_qty,
            .distance = w.distance,
            .appeared_at = w.appeared_at,
            .vanished_at = w.vanished_at,
          };

          if (self->confirmed->len >= MAX_CONFIRMED)
            g_array_remove_index (self->confirmed, 0);
          g_array_append_val (self->confirmed, spoof);
        }
    }
  g_array_set_size (self->pulled, kept);
}

/**
 * perp_spoof_tracker_observe_depth:
 * @book: the book right after it applied @event
 * @event: the depth event just applied
 *
 * Watches the levels @event made large and notes the watched ones it pulled.
 */
void
perp_spoof_tracker_observe_depth (PerpSpoofTracker     *self,
                                  const PerpOrderBook  *book,
                                  const PerpDepthEvent *event)
{
  gint64 now;

  g_return_if_fail (self != NULL);
  g_return_if_fail (book != NULL);
  g_return_if_fail (event != NULL);

  if (perp_order_book_get_state (book) != PERP_BOOK_STATE_LIVE)
    return;

  now = event->event_time;
  settle (self, now);
  if (!self->have_threshold || now - self->refreshed_at >= self->params.refresh_ms
      || now < self->refreshed_at)
    refresh (self, book, now);

  if (isnan (self->mid))
    return;

  for (guint i = 0; i < event->n_bids; i++)
    observe_level (self, PERP_BOOK_BID, &event->bids[i], now);
  for (guint i = 0; i < event->n_asks; i++)
    observe_level (self, PERP_BOOK_ASK, &event->asks[i], now);
}

static inline gboolean
reaches (const Watch *w,
         gint64       price_key)
{
  return w->side == PERP_BOOK_BID ? price_key <= w->price_key : price_key >= w->price_key;
}

/**
 * perp_spoof_tracker_observe_trade:
 * @price_key: the trade's price
 * @trade_time: the trade's time (T)
 *
 * A trade at or through a watched level's price clears it of spoofing.
 */
void
perp_spoof_tracker_observe_trade (PerpSpoofTracker *self,
                                  gint64            price_key,
                                  gint64            trade_time)
{
  GHashTableIter iter;
  Watch *w;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->watched);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    if (trade_time >= w->appeared_at && reaches (w, price_key))
      w->traded = TRUE;

  for (guint i = 0; i < self->pulled->len; i++)
    {
      w = &g_array_index (self->pulled, Watch, i);
      if (trade_time >= w->appeared_at && trade_time <= w->vanished_at + self->params.grace_ms
          && reaches (w, price_key))
        w->traded = TRUE;
    }
}

/**
 * perp_spoof_tracker_collect:
 * @now_ms: the current exchange time
 * @spoofs: (element-type PerpSpoof): where to append the spoofs confirmed by now
 *
 * Hands over the spoofs confirmed since the last call (the oldest are dropped past a
 * few thousand uncollected ones).
 *
 * Returns: the number of spoofs appended
 */
guint
perp_spoof_tracker_collect (PerpSpoofTracker *self,
                            gint64            now_ms,
                            GArray           *spoofs)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (spoofs != NULL, 0);

  settle (self, now_ms);
  n = self->confirmed->len;
  if (n > 0)
    g_array_append_vals (spoofs, self->confirmed->data, n);
  g_array_set_size (self->confirmed, 0);

  return n;
}

/**
 * perp_spoof_tracker_get_n_watched:
 *
 * Returns: the number of large levels watched right now
 */
guint
perp_spoof_tracker_get_n_watched (const PerpSpoofTracker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->watched);
}
