/* perp-order-book.h: a local order book kept from a snapshot and diff-depth events
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-decimal.h"

G_BEGIN_DECLS

#define PERP_ORDER_BOOK_ERROR (perp_order_book_error_quark ())

typedef enum
{
  PERP_ORDER_BOOK_ERROR_SEQUENCE, /* an update id that does not follow: updates were lost */
  PERP_ORDER_BOOK_ERROR_STALE_SNAPSHOT, /* the snapshot is older than every buffered event */
  PERP_ORDER_BOOK_ERROR_MARKET,   /* a spot event on a USDT-M book, or the reverse */
  PERP_ORDER_BOOK_ERROR_INVALID,  /* an event no exchange sends (U > u, say) */
} PerpOrderBookError;

typedef enum
{
  PERP_BOOK_BID,
  PERP_BOOK_ASK,
} PerpBookSide;

/**
 * PerpPriceLevel:
 * @price_key: the price in units of 1e-8 (see perp-decimal.h)
 * @qty: the absolute quantity at that price; 0 removes the level
 */
typedef struct
{
  gint64 price_key;
  double qty;
} PerpPriceLevel;

/**
 * PerpDepthEvent:
 * @event_time: E, exchange milliseconds
 * @transaction_time: T (USDT-M); the event time where the stream has none (spot)
 * @first_update_id: U
 * @final_update_id: u
 * @prev_final_update_id: pu, the previous event's u (USDT-M only)
 * @has_prev_final_update_id: whether @prev_final_update_id is there; this is what tells
 *   a USDT-M event from a spot one
 * @bids: (array length=n_bids): the changed bid levels
 * @asks: (array length=n_asks): the changed ask levels
 *
 * One diff-depth message (`depthUpdate`).  The arrays belong to whoever decoded the
 * message; the book copies what it keeps.
 */
typedef struct
{
  gint64                event_time;
  gint64                transaction_time;
  guint64               first_update_id;
  guint64               final_update_id;
  guint64               prev_final_update_id;
  gboolean              has_prev_final_update_id;
  const PerpPriceLevel *bids;
  guint                 n_bids;
  const PerpPriceLevel *asks;
  guint                 n_asks;
} PerpDepthEvent;

/**
 * PerpDepthSnapshot:
 * @last_update_id: lastUpdateId
 * @event_time: E of a USDT-M response, 0 for spot (which sends none)
 *
 * A REST depth snapshot (`/fapi/v1/depth`, `/api/v3/depth`).
 */
typedef struct
{
  guint64               last_update_id;
  gint64                event_time;
  const PerpPriceLevel *bids;
  guint                 n_bids;
  const PerpPriceLevel *asks;
  guint                 n_asks;
} PerpDepthSnapshot;

/**
 * PerpBookTicker:
 * @update_id: u, in the same sequence as the depth events' ids
 * @event_time: E (USDT-M), 0 for spot
 *
 * The best bid and ask as the exchange saw them after update @update_id.
 */
typedef struct
{
  guint64 update_id;
  gint64  event_time;
  gint64  bid_key;
  double  bid_qty;
  gint64  ask_key;
  double  ask_qty;
} PerpBookTicker;

/**
 * PerpBookMarket:
 * @PERP_BOOK_MARKET_AUTO: take the rules of the first depth event (one with `pu` is
 *   USDT-M) and hold every later event to them
 *
 * Whose sequencing rules the book follows.
 */
typedef enum
{
  PERP_BOOK_MARKET_AUTO,
  PERP_BOOK_MARKET_USDM,
  PERP_BOOK_MARKET_SPOT,
} PerpBookMarket;

/**
 * PerpBookState:
 * @PERP_BOOK_STATE_WAITING_SNAPSHOT: events are buffered until a snapshot arrives
 * @PERP_BOOK_STATE_SYNCING: the snapshot is loaded; waiting for the event that spans it
 * @PERP_BOOK_STATE_LIVE: every update since the snapshot applied, in sequence
 * @PERP_BOOK_STATE_NEEDS_RESYNC: updates were lost; events are buffered again and the
 *   feed must fetch a new snapshot.  The levels are kept but must not be used.
 */
typedef enum
{
  PERP_BOOK_STATE_WAITING_SNAPSHOT,
  PERP_BOOK_STATE_SYNCING,
  PERP_BOOK_STATE_LIVE,
  PERP_BOOK_STATE_NEEDS_RESYNC,
} PerpBookState;

/**
 * PerpBookResult:
 * @PERP_BOOK_RESULT_APPLIED: the event changed the book
 * @PERP_BOOK_RESULT_BUFFERED: kept until the next snapshot
 * @PERP_BOOK_RESULT_SKIPPED: already contained in the book: older than the snapshot, a
 *   duplicate, or a late copy of an applied event; applying it again would go back in time
 * @PERP_BOOK_RESULT_GAP: the event does not follow the last one: the book now needs a
 *   resync (the event is buffered for it)
 */
typedef enum
{
  PERP_BOOK_RESULT_APPLIED,
  PERP_BOOK_RESULT_BUFFERED,
  PERP_BOOK_RESULT_SKIPPED,
  PERP_BOOK_RESULT_GAP,
} PerpBookResult;

/**
 * PerpBookHealth:
 * @PERP_BOOK_HEALTH_NOT_SYNCED: no snapshot yet, or waiting for a resync
 * @PERP_BOOK_HEALTH_EMPTY_SIDE: no bids or no asks
 * @PERP_BOOK_HEALTH_CROSSED: best bid at or above best ask
 * @PERP_BOOK_HEALTH_STALE: no depth event for longer than the caller allows
 *
 * Why a book must not be used right now; %PERP_BOOK_HEALTH_OK when it may.
 */
typedef enum
{
  PERP_BOOK_HEALTH_OK         = 0,
  PERP_BOOK_HEALTH_NOT_SYNCED = 1 << 0,
  PERP_BOOK_HEALTH_EMPTY_SIDE = 1 << 1,
  PERP_BOOK_HEALTH_CROSSED    = 1 << 2,
  PERP_BOOK_HEALTH_STALE      = 1 << 3,
} PerpBookHealth;

/**
 * PerpBookStats:
 * @n_applied: depth events applied
 * @n_buffered: depth events buffered (before a snapshot or during a resync)
 * @n_skipped: depth events skipped as already contained in the book
 * @n_dropped: buffered events thrown away because the buffer was full
 * @n_gaps: sequence breaks (each one put the book in need of a resync)
 * @n_snapshots: snapshots loaded
 * @n_crossed: applied events after which the book was crossed
 * @n_level_updates: price levels set or removed
 */
typedef struct
{
  guint64 n_applied;
  guint64 n_buffered;
  guint64 n_skipped;
  guint64 n_dropped;
  guint64 n_gaps;
  guint64 n_snapshots;
  guint64 n_crossed;
  guint64 n_level_updates;
} PerpBookStats;

typedef struct _PerpOrderBook PerpOrderBook;
typedef struct _PerpBookTickerCheck PerpBookTickerCheck;

GQuark          perp_order_book_error_quark     (void);

const char     *perp_book_state_to_string       (PerpBookState          state);
char           *perp_book_health_to_string      (PerpBookHealth         health);
const char     *perp_book_market_to_string      (PerpBookMarket         market);

PerpOrderBook  *perp_order_book_new             (PerpBookMarket         market);
void            perp_order_book_free            (PerpOrderBook         *self);
void            perp_order_book_reset           (PerpOrderBook         *self);
PerpBookMarket  perp_order_book_get_market      (const PerpOrderBook   *self);
PerpBookState   perp_order_book_get_state       (const PerpOrderBook   *self);
void            perp_order_book_get_stats       (const PerpOrderBook   *self,
                                                 PerpBookStats         *stats);
guint64         perp_order_book_get_update_id   (const PerpOrderBook   *self);
gint64          perp_order_book_get_event_time  (const PerpOrderBook   *self);
PerpBookResult  perp_order_book_apply_depth     (PerpOrderBook         *self,
                                                 const PerpDepthEvent  *event,
                                                 GError               **error);
gboolean        perp_order_book_apply_snapshot  (PerpOrderBook         *self,
                                                 const PerpDepthSnapshot *snapshot,
                                                 GError               **error);
PerpBookHealth  perp_order_book_check           (const PerpOrderBook   *self,
                                                 gint64                 now_ms,
                                                 gint64                 max_age_ms);
guint           perp_order_book_get_n_levels    (const PerpOrderBook   *self,
                                                 PerpBookSide           side);
gboolean        perp_order_book_get_level       (const PerpOrderBook   *self,
                                                 PerpBookSide           side,
                                                 guint                  index,
                                                 PerpPriceLevel        *level);
gboolean        perp_order_book_get_best        (const PerpOrderBook   *self,
                                                 PerpBookSide           side,
                                                 PerpPriceLevel        *level);
double          perp_order_book_get_qty_at      (const PerpOrderBook   *self,
                                                 PerpBookSide           side,
                                                 gint64                 price_key);

PerpBookTickerCheck *perp_book_ticker_check_new          (void);
void                 perp_book_ticker_check_free         (PerpBookTickerCheck  *self);
void                 perp_book_ticker_check_depth        (PerpBookTickerCheck  *self,
                                                          const PerpOrderBook  *book);
void                 perp_book_ticker_check_ticker       (PerpBookTickerCheck  *self,
                                                          const PerpBookTicker *ticker);
void                 perp_book_ticker_check_reset        (PerpBookTickerCheck  *self);
guint64              perp_book_ticker_check_get_n_checked(const PerpBookTickerCheck *self);
guint64              perp_book_ticker_check_get_n_failed (const PerpBookTickerCheck *self);
const char          *perp_book_ticker_check_get_first_failure (const PerpBookTickerCheck *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpOrderBook, perp_order_book_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpBookTickerCheck, perp_book_ticker_check_free)

G_END_DECLS
