/* perp-order-book.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-order-book"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perp-order-book.h"

/*
 * Binance's procedure for a local book, as this file applies it:
 *
 *   USDT-M: buffer the stream; take a snapshot; drop events with u < lastUpdateId; the
 *           first event applied must have U <= lastUpdateId <= u; after that, every
 *           event's pu must equal the previous event's u.
 *   spot:   the same, except that events with u <= lastUpdateId are dropped, the first
 *           one must have U <= lastUpdateId + 1 <= u, and afterwards U must equal the
 *           previous u + 1 (spot events carry no pu).
 *
 * Anything else is a sequence break: updates were lost, the levels can no longer be
 * trusted, and only a new snapshot repairs the book.  The book says so (NEEDS_RESYNC)
 * and buffers events for that snapshot; fetching it is the feed's business.
 *
 * Storage: per side, a sorted array cut into chunks of at most CHUNK_CAP levels, the
 * best level last, with a small index of the chunks giving each one's last key and the
 * number of levels below it.  Asks are stored with negated keys, which makes both sides
 * ascending and lets them share every routine.  A lookup, by price or by rank from the
 * best, searches the index, then one chunk; an update never walks the book and moves at
 * most one chunk.  One flat array did the same with fewer lines, but
 * USDT-M's unthrottled depth stream changes many levels far from the top (a median of
 * about 200 levels from the best), and shifting everything above each of them was most
 * of the cost of applying an event.  For the few thousand levels a Binance book grows
 * to, this still beats a tree on every count (no allocation per level, one cache line
 * per four levels).
 */

/* Buffered events beyond this are dropped oldest first; a stream that outruns its
 * snapshot by this much has to start over anyway. */
#define MAX_BUFFERED      8192
/* Tops remembered for bookTickers that arrive after the depth event they describe. */
#define N_RECENT_TOPS     64
#define MAX_PENDING       4096
/* Levels per chunk of a side (see the storage note above): 1 KiB, the most one update
 * moves.  A chunk left under a quarter full joins a neighbour with room for it. */
#define CHUNK_CAP         64
#define CHUNK_LOW         (CHUNK_CAP / 4)
#define CHUNK_LOAD        (CHUNK_CAP * 3 / 4)

G_DEFINE_QUARK (perp-order-book-error-quark, perp_order_book_error)

typedef struct
{
  gint64          last_key;  /* v[len - 1]'s, so that finding a chunk reads only the index */
  PerpPriceLevel *v;         /* CHUNK_CAP levels, len of them in use */
  guint           len;
  guint           below;     /* levels in the chunks before this one (further from the best) */
} Chunk;

typedef struct
{
  Chunk *chunks;   /* ascending; never an empty one */
  guint  n_chunks;
  guint  cap_chunks;
  guint  len;      /* levels over all chunks */
} Side;

typedef struct
{
  PerpDepthEvent  event;
  PerpPriceLevel  levels[];  /* bids, then asks */
} Buffered;

struct _PerpOrderBook
{
  PerpBookMarket  requested;
  PerpBookMarket  market;
  PerpBookState   state;
  Side            sides[2];
  guint64         snapshot_id;
  guint64         last_id;
  gint64          event_time;
  GQueue          buffer;
  PerpBookStats   stats;
};

/* ------------------------------------------------------------------ names */

const char *
perp_book_state_to_string (PerpBookState state)
{
  switch (state)
    {
    case PERP_BOOK_STATE_WAITING_SNAPSHOT:
      return "waiting-snapshot";
    case PERP_BOOK_STATE_SYNCING:
      return "syncing";
    case PERP_BOOK_STATE_LIVE:
      return "live";
    case PERP_BOOK_STATE_NEEDS_RESYNC:
      return "needs-resync";
    default:
      return "?";
    }
}

const char *
perp_book_market_to_string (PerpBookMarket market)
{
  switch (market)
    {
    case PERP_BOOK_MARKET_AUTO:
      return "auto";
    case PERP_BOOK_MARKET_USDM:
      return "usdm";
    case PERP_BOOK_MARKET_SPOT:
      return "spot";
    default:
      return "?";
    }
}

/**
 * perp_book_health_to_string:
 *
 * Returns: (transfer full): "ok", or the problems separated by commas
 *   ("not-synced,crossed")
 */
char *
perp_book_health_to_string (PerpBookHealth health)
{
  static const struct { PerpBookHealth flag; const char *name; } names[] = {
    { PERP_BOOK_HEALTH_NOT_SYNCED, "not-synced" },
    { PERP_BOOK_HEALTH_EMPTY_SIDE, "empty-side" },
    { PERP_BOOK_HEALTH_CROSSED, "crossed" },
    { PERP_BOOK_HEALTH_STALE, "stale" },
  };
  GString *s;

  if (health == PERP_BOOK_HEALTH_OK)
    return g_strdup ("ok");

  s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (health & names[i].flag)
      {
        if (s->len > 0)
          g_string_append_c (s, ',');
        g_string_append (s, names[i].name);
      }

  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ sides */

static inline gint64
stored_key (PerpBookSide side,
            gint64       price_key)
{
  return side == PERP_BOOK_ASK ? -price_key : price_key;
}

/*
 * The searches below are branch-free bisections (Khuong and Morin's layout paper): each
 * halving is a conditional move, not a jump.  A USDT-M event updates dozens of levels
 * at prices spread over the book, and with ordinary bisections or gallops nearly every
 * step was a mispredicted branch, several per level: more time than the moves.
 */

/* First index in v[0, len) whose key is >= @key, @len if none. */
static inline guint
levels_lower_bound (const PerpPriceLevel *v,
                    guint                 len,
                    gint64                key)
{
  const PerpPriceLevel *base = v;
  guint n = len;

  if (n == 0)
    return 0;
  while (n > 1)
    {
      guint half = n / 2;

      base = base[half].price_key < key ? base + half : base;
      n -= half;
    }

  return (guint) (base - v) + (base->price_key < key);
}

/* The first chunk whose last key is >= @key, @s->n_chunks if none. */
static inline guint
side_find_chunk (const Side *s,
                 gint64      key)
{
  const Chunk *base = s->chunks;
  guint n = s->n_chunks;

  if (n == 0)
    return 0;
  while (n > 1)
    {
      guint half = n / 2;

      base = base[half].last_key < key ? base + half : base;
      n -= half;
    }

  return (guint) (base - s->chunks) + (base->last_key < key);
}

/* Where @key is or would go: its chunk and the index in it.  Returns whether it is there. */
static gboolean
side_find (const Side *s,
           gint64      key,
           guint      *chunk,
           guint      *index)
{
  const Chunk *c;
  guint ci = side_find_chunk (s, key);

  if (ci == s->n_chunks)
    {
      /* Above every level (or the side is empty): after the last one. */
      *chunk = ci > 0 ? ci - 1 : 0;
      *index = ci > 0 ? s->chunks[ci - 1].len : 0;
      return FALSE;
    }

  c = &s->chunks[ci];
  *chunk = ci;
  *index = levels_lower_bound (c->v, c->len, key);

  /* The chunk's last key is >= @key, so the index is inside it. */
  return c->v[*index].price_key == key;
}

/* Opens an empty slot for a chunk at @ci (its levels to be filled by the caller). */
static Chunk *
side_insert_chunk (Side  *s,
                   guint  ci)
{
  Chunk *c;

  if (s->n_chunks == s->cap_chunks)
    {
      s->cap_chunks = MAX (16, s->cap_chunks * 2);
      s->chunks = g_renew (Chunk, s->chunks, s->cap_chunks);
    }

  memmove (s->chunks + ci + 1, s->chunks + ci, (s->n_chunks - ci) * sizeof (Chunk));
  s->n_chunks++;

  c = &s->chunks[ci];
  c->v = g_new (PerpPriceLevel, CHUNK_CAP);
  c->len = 0;
  c->below = ci > 0 ? s->chunks[ci - 1].below + s->chunks[ci - 1].len : 0;
  c->last_key = G_MININT64;

  return c;
}

static void
side_remove_chunk (Side  *s,
                   guint  ci)
{
  g_free (s->chunks[ci].v);
  memmove (s->chunks + ci, s->chunks + ci + 1, (s->n_chunks - ci - 1) * sizeof (Chunk));
  s->n_chunks--;
}

static void
side_clear (Side *s)
{
  for (guint ci = 0; ci < s->n_chunks; ci++)
    g_free (s->chunks[ci].v);
  s->n_chunks = 0;
  s->len = 0;
}

static void
side_free (Side *s)
{
  side_clear (s);
  g_clear_pointer (&s->chunks, g_free);
  s->cap_chunks = 0;
}

/* Inserts a new level at @index of chunk @ci, splitting the chunk if it is full. */
static void
side_insert (Side   *s,
             guint   ci,
             guint   index,
             gint64  key,
             double  qty)
{
  Chunk *c;

  if (s->n_chunks == 0)
    side_insert_chunk (s, 0);

  c = &s->chunks[ci];
  if (c->len == CHUNK_CAP)
    {
      Chunk *upper = side_insert_chunk (s, ci + 1);

      c = &s->chunks[ci];   /* the index may have moved */
      memcpy (upper->v, c->v + CHUNK_CAP / 2, (CHUNK_CAP / 2) * sizeof (PerpPriceLevel));
      upper->len = CHUNK_CAP / 2;
      upper->last_key = c->last_key;
      c->len = CHUNK_CAP / 2;
      c->last_key = c->v[c->len - 1].price_key;
      upper->below = c->below + c->len;

      if (index > CHUNK_CAP / 2)
        {
          c = upper;
          ci++;
          index -= CHUNK_CAP / 2;
        }
    }

  memmove (c->v + index + 1, c->v + index, (c->len - index) * sizeof (PerpPriceLevel));
  c->v[index].price_key = key;
  c->v[index].qty = qty;
  c->len++;
  c->last_key = c->v[c->len - 1].price_key;
  s->len++;

  /* Only the chunks between here and the best level count one more below them: few,
   * as most updates land near the top. */
  for (guint j = ci + 1; j < s->n_chunks; j++)
    s->chunks[j].below++;
}

/* Removes level @index of chunk @ci; a chunk left with few levels joins a neighbour
 * that has room for them, so that the index stays short as levels come and go. */
static void
side_remove (Side  *s,
             guint  ci,
             guint  index)
{
  Chunk *c = &s->chunks[ci];

  memmove (c->v + index, c->v + index + 1, (c->len - index - 1) * sizeof (PerpPriceLevel));
  c->len--;
  s->len--;
  for (guint j = ci + 1; j < s->n_chunks; j++)
    s->chunks[j].below--;

  if (c->len == 0)
    {
      side_remove_chunk (s, ci);
      return;
    }
  c->last_key = c->v[c->len - 1].price_key;

  if (c->len >= CHUNK_LOW)
    return;

  if (ci + 1 < s->n_chunks && c->len + s->chunks[ci + 1].len <= CHUNK_LOAD)
    {
      Chunk *next = &s->chunks[ci + 1];

      memcpy (c->v + c->len, next->v, next->len * sizeof (PerpPriceLevel));
      c->len += next->len;
      c->last_key = next->last_key;
      side_remove_chunk (s, ci + 1);
    }
  else if (ci > 0 && s->chunks[ci - 1].len + c->len <= CHUNK_LOAD)
    {
      Chunk *prev = &s->chunks[ci - 1];

      memcpy (prev->v + prev->len, c->v, c->len * sizeof (PerpPriceLevel));
      prev->len += c->len;
      prev->last_key = c->last_key;
      side_remove_chunk (s, ci);
    }
}

static void
side_set (Side   *s,
          gint64  key,
          double  qty)
{
  guint ci;
  guint index;
  gboolean found = side_find (s, key, &ci, &index);

  if (qty == 0.0)
    {
      /* Binance also sends zeros for levels outside the snapshot's depth: no-op. */
      if (found)
        side_remove (s, ci, index);
      return;
    }

  if (found)
    s->chunks[ci].v[index].qty = qty;
  else
    side_insert (s, ci, index, key, qty);
}

static int
compare_levels (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  gint64 x = ((const PerpPriceLevel *) a)->price_key;
  gint64 y = ((const PerpPriceLevel *) b)->price_key;

  return (x > y) - (x < y);
}

/* Replaces the side with @levels (in any order); a repeated price keeps its last
 * quantity, as applying the list in order would. */
static void
side_load (Side                 *s,
           PerpBookSide          side,
           const PerpPriceLevel *levels,
           guint                 n)
{
  g_autofree PerpPriceLevel *v = g_new (PerpPriceLevel, MAX (n, 1));
  guint out = 0;

  side_clear (s);

  for (guint i = 0; i < n; i++)
    {
      v[i].price_key = stored_key (side, levels[i].price_key);
      v[i].qty = levels[i].qty;
    }

  /* g_qsort_with_data() is a stable sort, so "last wins" holds among equal prices. */
  if (n > 1)
    {
      gboolean sorted = TRUE;

      for (guint i = 1; i < n && sorted; i++)
        sorted = v[i - 1].price_key < v[i].price_key;
      if (!sorted)
        g_qsort_with_data (v, n, sizeof (PerpPriceLevel), compare_levels, NULL);
    }

  for (guint i = 0; i < n; i++)
    {
      if (out > 0 && v[out - 1].price_key == v[i].price_key)
        out--;
      v[out++] = v[i];
      if (v[out - 1].qty == 0.0)
        out--;
    }

  /* Chunks start three quarters full: room to grow before the first splits. */
  for (guint i = 0; i < out; i += CHUNK_LOAD)
    {
      Chunk *c = side_insert_chunk (s, s->n_chunks);

      c->below = i;
      c->len = MIN (CHUNK_LOAD, out - i);
      memcpy (c->v, v + i, c->len * sizeof (PerpPriceLevel));
      c->last_key = c->v[c->len - 1].price_key;
    }
  s->len = out;
}

/* Level @index counted from the best one, in stored form.  Chunks hold similar numbers
 * of levels, so interpolating on the counts below them lands on the chunk or next to
 * it; a bisection of the index settles the rare lopsided side.  Callers read levels in
 * rank order, a few hundred per call of perp_book_band(), so this must not walk. */
static const PerpPriceLevel *
side_get (const Side *s,
          guint       index)
{
  guint position;
  guint ci;
  guint lo = 1;
  guint hi;

  if (index >= s->len)
    return NULL;

  /* Counted from the worst level up, as the counts are. */
  position = s->len - 1 - index;
  ci = (guint) ((guint64) position * s->n_chunks / s->len);
  for (guint step = 0; step < 4; step++)
    {
      const Chunk *c = &s->chunks[ci];

      /* chunks[0].below is 0 and the last chunk ends at len: neither moves out. */
      if (c->below > position)
        ci--;
      else if (position >= c->below + c->len)
        ci++;
      else
        return &c->v[position - c->below];
    }

  /* The first chunk that starts above the level; the one before holds it. */
  hi = s->n_chunks;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (s->chunks[mid].below <= position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return &s->chunks[lo - 1].v[position - s->chunks[lo - 1].below];
}

static gboolean
side_best (const Side   *s,
           PerpBookSide  side,
           PerpPriceLevel *level)
{
  const PerpPriceLevel *best;

  if (s->n_chunks == 0)
    return FALSE;

  best = &s->chunks[s->n_chunks - 1].v[s->chunks[s->n_chunks - 1].len - 1];
  level->price_key = stored_key (side, best->price_key);
  level->qty = best->qty;

  return TRUE;
}

/* ------------------------------------------------------------------ the book */

/**
 * perp_order_book_new:
 * @market: whose sequencing rules to follow (%PERP_BOOK_MARKET_AUTO: the first event's)
 *
 * Returns: (transfer full): an empty book waiting for its snapshot
 */
PerpOrderBook *
perp_order_book_new (PerpBookMarket market)
{
  PerpOrderBook *self;

  g_return_val_if_fail (market <= PERP_BOOK_MARKET_SPOT, NULL);

  self = g_new0 (PerpOrderBook, 1);
  self->requested = market;
  self->market = market;
  self->state = PERP_BOOK_STATE_WAITING_SNAPSHOT;
  g_queue_init (&self->buffer);

  return self;
}

static void
clear_buffer (PerpOrderBook *self)
{
  Buffered *b;

  while ((b = g_queue_pop_head (&self->buffer)) != NULL)
    g_free (b);
}

void
perp_order_book_free (PerpOrderBook *self)
{
  if (self == NULL)
    return;

  clear_buffer (self);
  side_free (&self->sides[PERP_BOOK_BID]);
  side_free (&self->sides[PERP_BOOK_ASK]);
  g_free (self);
}

/**
 * perp_order_book_reset:
 *
 * Forgets everything (levels, buffered events, the market it locked onto, the counters)
 * and waits for a snapshot again, as after a reconnect.
 */
void
perp_order_book_reset (PerpOrderBook *self)
{
  g_return_if_fail (self != NULL);

  clear_buffer (self);
  side_clear (&self->sides[PERP_BOOK_BID]);
  side_clear (&self->sides[PERP_BOOK_ASK]);
  self->market = self->requested;
  self->state = PERP_BOOK_STATE_WAITING_SNAPSHOT;
  self->snapshot_id = 0;
  self->last_id = 0;
  self->event_time = 0;
  memset (&self->stats, 0, sizeof self->stats);
}

PerpBookMarket
perp_order_book_get_market (const PerpOrderBook *self)
{
  g_return_val_if_fail (self != NULL, PERP_BOOK_MARKET_AUTO);

  return self->market;
}

PerpBookState
perp_order_book_get_state (const PerpOrderBook *self)
{
  g_return_val_if_fail (self != NULL, PERP_BOOK_STATE_NEEDS_RESYNC);

  return self->state;
}

/**
 * perp_order_book_get_stats:
 * @stats: (out caller-allocates): the counters since creation or the last reset
 */
void
perp_order_book_get_stats (const PerpOrderBook *self,
                           PerpBookStats       *stats)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

/**
 * perp_order_book_get_update_id:
 *
 * Returns: u of the last event applied (lastUpdateId right after a snapshot), 0 before
 *   the first snapshot
 */
guint64
perp_order_book_get_update_id (const PerpOrderBook *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->last_id;
}

/**
 * perp_order_book_get_event_time:
 *
 * Returns: the exchange time (E, ms) of the last event applied or of the snapshot, 0
 *   when unknown (a spot snapshot carries none)
 */
gint64
perp_order_book_get_event_time (const PerpOrderBook *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->event_time;
}

static gboolean
is_crossed (const PerpOrderBook *self)
{
  PerpPriceLevel bid;
  PerpPriceLevel ask;

  return side_best (&self->sides[PERP_BOOK_BID], PERP_BOOK_BID, &bid)
         && side_best (&self->sides[PERP_BOOK_ASK], PERP_BOOK_ASK, &ask)
         && bid.price_key >= ask.price_key;
}

static void
buffer_event (PerpOrderBook        *self,
              const PerpDepthEvent *event)
{
  guint n = event->n_bids + event->n_asks;
  Buffered *b;

  if (self->buffer.length >= MAX_BUFFERED)
    {
      g_free (g_queue_pop_head (&self->buffer));
      self->stats.n_dropped++;
    }

  b = g_malloc (sizeof (Buffered) + n * sizeof (PerpPriceLevel));
  b->event = *event;
  if (event->n_bids > 0)
    memcpy (b->levels, event->bids, event->n_bids * sizeof (PerpPriceLevel));
  if (event->n_asks > 0)
    memcpy (b->levels + event->n_bids, event->asks, event->n_asks * sizeof (PerpPriceLevel));
  b->event.bids = b->levels;
  b->event.asks = b->levels + event->n_bids;
  g_queue_push_tail (&self->buffer, b);
}

static void
apply_levels (PerpOrderBook        *self,
              const PerpDepthEvent *event)
{
  Side *bids = &self->sides[PERP_BOOK_BID];
  Side *asks = &self->sides[PERP_BOOK_ASK];

  for (guint i = 0; i < event->n_bids; i++)
    side_set (bids, event->bids[i].price_key, event->bids[i].qty);
  for (guint i = 0; i < event->n_asks; i++)
    side_set (asks, -event->asks[i].price_key, event->asks[i].qty);

  self->last_id = event->final_update_id;
  self->event_time = event->event_time;
  self->stats.n_applied++;
  self->stats.n_level_updates += event->n_bids + event->n_asks;
  if (is_crossed (self))
    self->stats.n_crossed++;
}

static gboolean
levels_valid (const PerpPriceLevel *levels,
              guint                 n)
{
  for (guint i = 0; i < n; i++)
    if (levels[i].price_key <= 0 || !(levels[i].qty >= 0.0) || !isfinite (levels[i].qty))
      return FALSE;

  return TRUE;
}

static PerpBookResult
enter_resync (PerpOrderBook         *self,
              const PerpDepthEvent  *event,
              gboolean               replaying,
              GError               **error,
              PerpOrderBookError     code,
              const char            *format,
              ...) G_GNUC_PRINTF (6, 7);

static PerpBookResult
enter_resync (PerpOrderBook         *self,
              const PerpDepthEvent  *event,
              gboolean               replaying,
              GError               **error,
              PerpOrderBookError     code,
              const char            *format,
              ...)
{
  va_list args;

  self->state = PERP_BOOK_STATE_NEEDS_RESYNC;
  self->stats.n_gaps++;
  /* The event may be newer than the next snapshot: keep it for the replay. */
  if (code != PERP_ORDER_BOOK_ERROR_INVALID && code != PERP_ORDER_BOOK_ERROR_MARKET)
    {
      buffer_event (self, event);
      if (!replaying)
        self->stats.n_buffered++;
    }

  if (error != NULL)
    {
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      g_set_error_literal (error, PERP_ORDER_BOOK_ERROR, code, message);
    }

  return PERP_BOOK_RESULT_GAP;
}

static PerpBookResult
apply_depth (PerpOrderBook         *self,
             const PerpDepthEvent  *event,
             gboolean               replaying,
             GError               **error)
{
  PerpBookMarket market = event->has_prev_final_update_id ? PERP_BOOK_MARKET_USDM : PERP_BOOK_MARKET_SPOT;
  gboolean usdm;
  guint64 L;

  if (event->first_update_id > event->final_update_id
      || !levels_valid (event->bids, event->n_bids)
      || !levels_valid (event->asks, event->n_asks))
    return enter_resync (self, event, replaying, error, PERP_ORDER_BOOK_ERROR_INVALID,
                         "depth event U=%" G_GUINT64_FORMAT " u=%" G_GUINT64_FORMAT
                         ": %s", event->first_update_id, event->final_update_id,
                         event->first_update_id > event->final_update_id
                         ? "U is after u" : "a level with a non-positive price or a negative quantity");

  if (self->market == PERP_BOOK_MARKET_AUTO)
    self->market = market;
  else if (self->market != market)
    return enter_resync (self, event, replaying, error, PERP_ORDER_BOOK_ERROR_MARKET,
                         "a %s depth event (u=%" G_GUINT64_FORMAT ") on a %s book",
                         perp_book_market_to_string (market), event->final_update_id,
                         perp_book_market_to_string (self->market));

  usdm = self->market == PERP_BOOK_MARKET_USDM;

  switch (self->state)
    {
    case PERP_BOOK_STATE_WAITING_SNAPSHOT:
    case PERP_BOOK_STATE_NEEDS_RESYNC:
      buffer_event (self, event);
      if (!replaying)
        self->stats.n_buffered++;
      return PERP_BOOK_RESULT_BUFFERED;

    case PERP_BOOK_STATE_SYNCING:
      L = self->snapshot_id;
      if (usdm ? event->final_update_id < L : event->final_update_id <= L)
        {
          self->stats.n_skipped++;
          return PERP_BOOK_RESULT_SKIPPED;
        }
      if (usdm ? event->first_update_id > L : event->first_update_id > L + 1)
        return enter_resync (self, event, replaying, error, PERP_ORDER_BOOK_ERROR_STALE_SNAPSHOT,
                             "the first event after the snapshot (lastUpdateId %" G_GUINT64_FORMAT
                             ") starts at U=%" G_GUINT64_FORMAT ": the updates in between are lost",
                             L, event->first_update_id);
      apply_levels (self, event);
      self->state = PERP_BOOK_STATE_LIVE;
      return PERP_BOOK_RESULT_APPLIED;

    case PERP_BOOK_STATE_LIVE:
      if (event->final_update_id <= self->last_id)
        {
          self->stats.n_skipped++;
          return PERP_BOOK_RESULT_SKIPPED;
        }
      if (usdm && event->prev_final_update_id != self->last_id)
        return enter_resync (self, event, replaying, error, PERP_ORDER_BOOK_ERROR_SEQUENCE,
                             "depth event u=%" G_GUINT64_FORMAT " has pu=%" G_GUINT64_FORMAT
                             ", the previous event's u was %" G_GUINT64_FORMAT,
                             event->final_update_id, event->prev_final_update_id, self->last_id);
      if (!usdm && event->first_update_id != self->last_id + 1)
        return enter_resync (self, event, replaying, error, PERP_ORDER_BOOK_ERROR_SEQUENCE,
                             "depth event U=%" G_GUINT64_FORMAT " does not follow the previous u=%"
                             G_GUINT64_FORMAT, event->first_update_id, self->last_id);
      apply_levels (self, event);
      return PERP_BOOK_RESULT_APPLIED;

    default:
      g_assert_not_reached ();
    }

  return PERP_BOOK_RESULT_GAP;
}

/**
 * perp_order_book_apply_depth:
 * @event: a diff-depth event, in stream order
 * @error: set when the result is %PERP_BOOK_RESULT_GAP, saying which ids did not follow
 *
 * Buffers, skips or applies @event by the rules at the top of this file.
 *
 * Returns: what became of the event
 */
PerpBookResult
perp_order_book_apply_depth (PerpOrderBook         *self,
                             const PerpDepthEvent  *event,
                             GError               **error)
{
  g_return_val_if_fail (self != NULL, PERP_BOOK_RESULT_GAP);
  g_return_val_if_fail (event != NULL, PERP_BOOK_RESULT_GAP);
  g_return_val_if_fail (event->n_bids == 0 || event->bids != NULL, PERP_BOOK_RESULT_GAP);
  g_return_val_if_fail (event->n_asks == 0 || event->asks != NULL, PERP_BOOK_RESULT_GAP);

  return apply_depth (self, event, FALSE, error);
}

/**
 * perp_order_book_apply_snapshot:
 * @snapshot: a REST depth snapshot taken after the stream was opened
 * @error: set when the buffered events do not reach back to the snapshot
 *
 * Replaces the levels with the snapshot's and replays the buffered events through the
 * rules.  On failure the book needs another resync (with a newer snapshot) and keeps the
 * buffered events from the break on.
 *
 * Returns: %TRUE if the book is in sync (live, or waiting for the event that spans the
 *   snapshot)
 */
gboolean
perp_order_book_apply_snapshot (PerpOrderBook            *self,
                                const PerpDepthSnapshot  *snapshot,
                                GError                  **error)
{
  GQueue pending = G_QUEUE_INIT;
  g_autoptr(GError) first_error = NULL;
  Buffered *b;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (snapshot != NULL, FALSE);

  if (!levels_valid (snapshot->bids, snapshot->n_bids) || !levels_valid (snapshot->asks, snapshot->n_asks))
    {
      g_set_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_INVALID,
                   "snapshot %" G_GUINT64_FORMAT ": a level with a non-positive price or a negative quantity",
                   snapshot->last_update_id);
      return FALSE;
    }

  side_load (&self->sides[PERP_BOOK_BID], PERP_BOOK_BID, snapshot->bids, snapshot->n_bids);
  side_load (&self->sides[PERP_BOOK_ASK], PERP_BOOK_ASK, snapshot->asks, snapshot->n_asks);
  self->snapshot_id = snapshot->last_update_id;
  self->last_id = snapshot->last_update_id;
  self->event_time = snapshot->event_time;
  self->state = PERP_BOOK_STATE_SYNCING;
  self->stats.n_snapshots++;

  /* Replay through the same rules; a break re-buffers the rest for the next snapshot. */
  pending = self->buffer;
  g_queue_init (&self->buffer);
  while ((b = g_queue_pop_head (&pending)) != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (apply_depth (self, &b->event, TRUE, &local_error) == PERP_BOOK_RESULT_GAP && first_error == NULL)
        first_error = g_steal_pointer (&local_error);
      g_free (b);
    }

  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_order_book_check:
 * @now_ms: the current exchange time (the latest event time seen on any stream)
 * @max_age_ms: how old the last depth event may be; 0 or less skips that check
 *
 * Returns: why the book must not be used now, %PERP_BOOK_HEALTH_OK if it may
 */
PerpBookHealth
perp_order_book_check (const PerpOrderBook *self,
                       gint64               now_ms,
                       gint64               max_age_ms)
{
  PerpBookHealth health = PERP_BOOK_HEALTH_OK;

  g_return_val_if_fail (self != NULL, PERP_BOOK_HEALTH_NOT_SYNCED);

  if (self->state != PERP_BOOK_STATE_LIVE)
    health |= PERP_BOOK_HEALTH_NOT_SYNCED;
  if (self->sides[PERP_BOOK_BID].len == 0 || self->sides[PERP_BOOK_ASK].len == 0)
    health |= PERP_BOOK_HEALTH_EMPTY_SIDE;
  if (is_crossed (self))
    health |= PERP_BOOK_HEALTH_CROSSED;
  if (max_age_ms > 0 && now_ms - self->event_time > max_age_ms)
    health |= PERP_BOOK_HEALTH_STALE;

  return health;
}

guint
perp_order_book_get_n_levels (const PerpOrderBook *self,
                              PerpBookSide         side)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (side <= PERP_BOOK_ASK, 0);

  return self->sides[side].len;
}

/**
 * perp_order_book_get_level:
 * @index: 0 for the best level, 1 for the next one away from the spread, ...
 * @level: (out caller-allocates): the level
 *
 * Returns: %FALSE if the side has no level @index
 */
gboolean
perp_order_book_get_level (const PerpOrderBook *self,
                           PerpBookSide         side,
                           guint                index,
                           PerpPriceLevel      *level)
{
  const PerpPriceLevel *l;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (side <= PERP_BOOK_ASK, FALSE);
  g_return_val_if_fail (level != NULL, FALSE);

  l = side_get (&self->sides[side], index);
  if (l == NULL)
    return FALSE;

  level->price_key = stored_key (side, l->price_key);
  level->qty = l->qty;

  return TRUE;
}

/**
 * perp_order_book_get_best:
 * @level: (out caller-allocates): the best bid or ask
 *
 * Returns: %FALSE if the side is empty
 */
gboolean
perp_order_book_get_best (const PerpOrderBook *self,
                          PerpBookSide         side,
                          PerpPriceLevel      *level)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (side <= PERP_BOOK_ASK, FALSE);
  g_return_val_if_fail (level != NULL, FALSE);

  return side_best (&self->sides[side], side, level);
}

/**
 * perp_order_book_get_qty_at:
 *
 * Returns: the quantity resting at @price_key on @side, 0 if there is no such level
 */
double
perp_order_book_get_qty_at (const PerpOrderBook *self,
                            PerpBookSide         side,
                            gint64               price_key)
{
  const Side *s;
  guint ci;
  guint index;

  g_return_val_if_fail (self != NULL, 0.0);
  g_return_val_if_fail (side <= PERP_BOOK_ASK, 0.0);

  s = &self->sides[side];
  if (!side_find (s, stored_key (side, price_key), &ci, &index))
    return 0.0;

  return s->chunks[ci].v[index].qty;
}

/* ------------------------------------------------------------------ bookTicker check */

/*
 * The exchange's own best bid and ask, stamped with the update id they follow, prove the
 * book: after the depth event whose final id is u, the book's top must equal the
 * bookTicker with that u.  The two streams are not ordered against each other, so the
 * check keeps the tops after the last few applied events (for tickers that come late)
 * and the tickers newer than the book (for tickers that come early).
 */

typedef struct
{
  guint64        update_id;
  PerpBookTicker top;
  gboolean       complete;
} Top;

struct _PerpBookTickerCheck
{
  Top      recent[N_RECENT_TOPS];
  guint    n_recent;
  guint    next_recent;
  GArray  *pending;       /* PerpBookTicker, ascending update ids, from pending_head on */
  guint    pending_head;
  guint64  book_id;
  gboolean have_book_id;
  guint64  n_checked;
  guint64  n_failed;
  char    *first_failure;
};

/**
 * perp_book_ticker_check_new:
 *
 * Returns: (transfer full): a check with nothing counted yet
 */
PerpBookTickerCheck *
perp_book_ticker_check_new (void)
{
  PerpBookTickerCheck *self = g_new0 (PerpBookTickerCheck, 1);

  self->pending = g_array_new (FALSE, FALSE, sizeof (PerpBookTicker));

  return self;
}

void
perp_book_ticker_check_free (PerpBookTickerCheck *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->pending);
  g_free (self->first_failure);
  g_free (self);
}

/**
 * perp_book_ticker_check_reset:
 *
 * Forgets the remembered tops and tickers (after a book reset), keeping the counts.
 */
void
perp_book_ticker_check_reset (PerpBookTickerCheck *self)
{
  g_return_if_fail (self != NULL);

  self->n_recent = 0;
  self->next_recent = 0;
  g_array_set_size (self->pending, 0);
  self->pending_head = 0;
  self->have_book_id = FALSE;
}

/* The shortest decimal that reads back as @value, for messages people read. */
static const char *
format_qty (char   buf[G_ASCII_DTOSTR_BUF_SIZE],
            double value)
{
  g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.17g", value);

  return buf;
}

static void
compare_top (PerpBookTickerCheck  *self,
             const Top            *top,
             const PerpBookTicker *ticker)
{
  char a[4][PERP_PRICE_KEY_BUF_SIZE];
  char q[4][G_ASCII_DTOSTR_BUF_SIZE];

  self->n_checked++;
  if (top->complete
      && top->top.bid_key == ticker->bid_key && top->top.bid_qty == ticker->bid_qty
      && top->top.ask_key == ticker->ask_key && top->top.ask_qty == ticker->ask_qty)
    return;

  self->n_failed++;
  if (self->first_failure != NULL)
    return;

  self->first_failure =
    g_strdup_printf ("after update %" G_GUINT64_FORMAT ": book %s x %s / %s x %s, "
                     "bookTicker %s x %s / %s x %s",
                     ticker->update_id,
                     perp_price_key_format (top->top.bid_key, a[0]), format_qty (q[0], top->top.bid_qty),
                     perp_price_key_format (top->top.ask_key, a[1]), format_qty (q[1], top->top.ask_qty),
                     perp_price_key_format (ticker->bid_key, a[2]), format_qty (q[2], ticker->bid_qty),
                     perp_price_key_format (ticker->ask_key, a[3]), format_qty (q[3], ticker->ask_qty));
}

/* Drops the consumed tickers once they are half the array, so that it stays small while
 * tickers keep running ahead of the book (or the book is not live at all). */
static void
compact_pending (PerpBookTickerCheck *self)
{
  if (self->pending_head == self->pending->len)
    {
      g_array_set_size (self->pending, 0);
      self->pending_head = 0;
    }
  else if (self->pending_head >= 1024 && self->pending_head * 2 >= self->pending->len)
    {
      g_array_remove_range (self->pending, 0, self->pending_head);
      self->pending_head = 0;
    }
}

/**
 * perp_book_ticker_check_depth:
 * @book: the book right after it applied a depth event
 *
 * Records the book's top under the event's final update id and settles the tickers that
 * were waiting for it.  Does nothing unless the book is live.
 */
void
perp_book_ticker_check_depth (PerpBookTickerCheck *self,
                              const PerpOrderBook *book)
{
  PerpPriceLevel bid = { 0, 0.0 };
  PerpPriceLevel ask = { 0, 0.0 };
  Top *top;

  g_return_if_fail (self != NULL);
  g_return_if_fail (book != NULL);

  if (book->state != PERP_BOOK_STATE_LIVE)
    return;

  top = &self->recent[self->next_recent];
  self->next_recent = (self->next_recent + 1) % N_RECENT_TOPS;
  self->n_recent = MIN (self->n_recent + 1, N_RECENT_TOPS);

  top->update_id = book->last_id;
  top->complete = side_best (&book->sides[PERP_BOOK_BID], PERP_BOOK_BID, &bid);
  if (!side_best (&book->sides[PERP_BOOK_ASK], PERP_BOOK_ASK, &ask))
    top->complete = FALSE;
  top->top.update_id = book->last_id;
  top->top.bid_key = bid.price_key;
  top->top.bid_qty = bid.qty;
  top->top.ask_key = ask.price_key;
  top->top.ask_qty = ask.qty;
  self->book_id = book->last_id;
  self->have_book_id = TRUE;

  while (self->pending_head < self->pending->len)
    {
      const PerpBookTicker *t = &g_array_index (self->pending, PerpBookTicker, self->pending_head);

      if (t->update_id > book->last_id)
        break;
      /* One strictly inside an event's range describes a state the book never had. */
      if (t->update_id == book->last_id)
        compare_top (self, top, t);
      self->pending_head++;
    }

  compact_pending (self);
}

/**
 * perp_book_ticker_check_ticker:
 * @ticker: a bookTicker, in its stream's order
 *
 * Compares @ticker with the book's top after the same update id, now or once the book
 * gets there.
 */
void
perp_book_ticker_check_ticker (PerpBookTickerCheck  *self,
                               const PerpBookTicker *ticker)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (ticker != NULL);

  if (self->have_book_id && ticker->update_id <= self->book_id)
    {
      for (guint i = 0; i < self->n_recent; i++)
        if (self->recent[i].update_id == ticker->update_id)
          {
            compare_top (self, &self->recent[i], ticker);
            break;
          }
      return;
    }

  if (self->pending->len - self->pending_head >= MAX_PENDING)
    {
      self->pending_head++;
      compact_pending (self);
    }

  /* Tickers come in order; a stray older one is put in its place. */
  {
    guint i = self->pending->len;

    while (i > self->pending_head
           && g_array_index (self->pending, PerpBookTicker, i - 1).update_id > ticker->update_id)
      i--;
    g_array_insert_val (self->pending, i, *ticker);
  }
}

guint64
perp_book_ticker_check_get_n_checked (const PerpBookTickerCheck *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_checked;
}

guint64
perp_book_ticker_check_get_n_failed (const PerpBookTickerCheck *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_failed;
}

/**
 * perp_book_ticker_check_get_first_failure:
 *
 * Returns: (transfer none) (nullable): the first mismatch, both tops written out
 */
const char *
perp_book_ticker_check_get_first_failure (const PerpBookTickerCheck *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->first_failure;
}
