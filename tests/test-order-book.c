/* test-order-book.c: exact decimals, the local order book's sequencing rules and
 * storage, its metrics and the spoof tracker, on constructed events
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/perp-book-metrics.h"
#include "core/perp-decimal.h"
#include "core/perp-order-book.h"
#include "io/perp-tick-reader.h"

#define MAX_LEVELS 64
#define NO_PU      (-1)

/* ------------------------------------------------------------------ builders */

typedef struct
{
  PerpDepthEvent ev;
  PerpPriceLevel bids[MAX_LEVELS];
  PerpPriceLevel asks[MAX_LEVELS];
} Event;

typedef struct
{
  PerpDepthSnapshot snap;
  PerpPriceLevel    bids[MAX_LEVELS];
  PerpPriceLevel    asks[MAX_LEVELS];
} Snapshot;

static gint64
key (const char *price)
{
  gint64 k = 0;

  g_assert_true (perp_price_key_parse (price, strlen (price), &k));

  return k;
}

/* "100.5:1.25 100.4:0" into levels. */
static guint
parse_levels (const char     *spec,
              PerpPriceLevel *out)
{
  g_auto(GStrv) items = g_strsplit (spec != NULL ? spec : "", " ", -1);
  guint n = 0;

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) pair = NULL;

      if (items[i][0] == '\0')
        continue;
      pair = g_strsplit (items[i], ":", 2);
      g_assert_nonnull (pair[1]);
      g_assert_cmpuint (n, <, MAX_LEVELS);
      out[n].price_key = key (pair[0]);
      out[n].qty = g_ascii_strtod (pair[1], NULL);
      n++;
    }

  return n;
}

/* A depth event; @pu < 0 makes it a spot event (no pu). */
static const PerpDepthEvent *
event (Event      *e,
       gint64      time,
       guint64     U,
       guint64     u,
       gint64      pu,
       const char *bids,
       const char *asks)
{
  memset (e, 0, sizeof *e);
  e->ev.event_time = time;
  e->ev.transaction_time = time;
  e->ev.first_update_id = U;
  e->ev.final_update_id = u;
  e->ev.has_prev_final_update_id = pu >= 0;
  e->ev.prev_final_update_id = pu >= 0 ? (guint64) pu : 0;
  e->ev.n_bids = parse_levels (bids, e->bids);
  e->ev.n_asks = parse_levels (asks, e->asks);
  e->ev.bids = e->bids;
  e->ev.asks = e->asks;

  return &e->ev;
}

static const PerpDepthSnapshot *
snapshot (Snapshot   *s,
          guint64     last_update_id,
          gint64      time,
          const char *bids,
          const char *asks)
{
  memset (s, 0, sizeof *s);
  s->snap.last_update_id = last_update_id;
  s->snap.event_time = time;
  s->snap.n_bids = parse_levels (bids, s->bids);
  s->snap.n_asks = parse_levels (asks, s->asks);
  s->snap.bids = s->bids;
  s->snap.asks = s->asks;

  return &s->snap;
}

static PerpBookResult
apply (PerpOrderBook *book,
       gint64         time,
       guint64        U,
       guint64        u,
       gint64         pu,
       const char    *bids,
       const char    *asks)
{
  Event e;

  return perp_order_book_apply_depth (book, event (&e, time, U, u, pu, bids, asks), NULL);
}

/* The side written as "price:qty price:qty", best first, for comparisons. */
static char *
side_string (const PerpOrderBook *book,
             PerpBookSide         side)
{
  GString *s = g_string_new (NULL);
  PerpPriceLevel level;

  for (guint i = 0; perp_order_book_get_level (book, side, i, &level); i++)
    {
      char buf[PERP_PRICE_KEY_BUF_SIZE];
      char qty[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (s, "%s%s:%s", i > 0 ? " " : "", perp_price_key_format (level.price_key, buf),
                              g_ascii_formatd (qty, sizeof qty, "%g", level.qty));
    }

  return g_string_free (s, FALSE);
}

#define assert_side(book, side, expected) \
  G_STMT_START { \
    g_autofree char *actual__ = side_string ((book), (side)); \
    g_assert_cmpstr (actual__, ==, (expected)); \
  } G_STMT_END

/* ------------------------------------------------------------------ decimals */

static void
test_price_key (void)
{
  static const struct { const char *text; gboolean ok; gint64 key; } cases[] = {
    { "61800.20", TRUE, G_GINT64_CONSTANT (6180020000000) },
    { "61800.2", TRUE, G_GINT64_CONSTANT (6180020000000) },
    { "61800.20000000", TRUE, G_GINT64_CONSTANT (6180020000000) },
    { "61800.200000000000", TRUE, G_GINT64_CONSTANT (6180020000000) },
    { "0.00032000", TRUE, 32000 },
    { "0.00000001", TRUE, 1 },
    { "7", TRUE, 700000000 },
    { "7.", TRUE, 700000000 },
    { ".5", TRUE, 50000000 },
    { "92233720368", TRUE, G_GINT64_CONSTANT (9223372036800000000) },
    { "92233720369", FALSE, 0 },
    { "0.000000001", FALSE, 0 },
    { "1.000000009", FALSE, 0 },
    { "", FALSE, 0 },
    { ".", FALSE, 0 },
    { "-1", FALSE, 0 },
    { "+1", FALSE, 0 },
    { "1e3", FALSE, 0 },
    { "1.2.3", FALSE, 0 },
    { " 1", FALSE, 0 },
    { "abc", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 k = -1;
      gboolean ok = perp_price_key_parse (cases[i].text, strlen (cases[i].text), &k);

      g_test_message ("\"%s\"", cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpint (k, ==, cases[i].key);
    }

  /* Only the given length is read. */
  {
    gint64 k = 0;

    g_assert_true (perp_price_key_parse ("12.5xyz", 4, &k));
    g_assert_cmpint (k, ==, 1250000000);
  }
}

static void
test_price_key_format_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < 100000; i++)
    {
      gint64 k = (gint64) g_rand_int_range (rand, 1, G_MAXINT32) * g_rand_int_range (rand, 1, 100000);
      char buf[PERP_PRICE_KEY_BUF_SIZE];
      gint64 back = 0;

      perp_price_key_format (k, buf);
      g_assert_true (perp_price_key_parse (buf, strlen (buf), &back));
      g_assert_cmpint (back, ==, k);
      /* Shortest form: no trailing zeros after the point. */
      g_assert_false (strchr (buf, '.') != NULL && buf[strlen (buf) - 1] == '0');
      /* And the double is the one strtod gives for the same decimal. */
      g_assert_cmpfloat (perp_price_key_to_double (k), ==, g_ascii_strtod (buf, NULL));
    }
}

static void
test_quantity_matches_strtod (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  static const char *odd[] = {
    "0", "0.0", "000.000", "1", "0.00000001", "12345678901234567890123", "0.1234567890123456789012345",
    "9007199254740993", "1.7976931348623157", "123456789012345678.5", "5.", ".5",
  };
  static const char *bad[] = { "", ".", "-1", "1e5", "1,5", "nan", "inf", "1 ", "0x10" };

  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      double v = -1.0;

      g_assert_true (perp_quantity_parse (odd[i], strlen (odd[i]), &v));
      g_assert_cmpfloat (v, ==, g_ascii_strtod (odd[i], NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      double v;

      g_test_message ("\"%s\"", bad[i]);
      g_assert_false (perp_quantity_parse (bad[i], strlen (bad[i]), &v));
    }

  for (guint i = 0; i < 200000; i++)
    {
      char text[64];
      int whole_digits = g_rand_int_range (rand, 0, 10);
      int frac_digits = g_rand_int_range (rand, whole_digits == 0 ? 1 : 0, 12);
      int n = 0;
      double v = -1.0;

      for (int d = 0; d < whole_digits; d++)
        text[n++] = (char) ('0' + g_rand_int_range (rand, 0, 10));
      if (frac_digits > 0 || whole_digits == 0)
        text[n++] = '.';
      for (int d = 0; d < frac_digits; d++)
        text[n++] = (char) ('0' + g_rand_int_range (rand, 0, 10));
      text[n] = '\0';

      g_assert_true (perp_quantity_parse (text, n, &v));
      g_assert_cmpfloat (v, ==, g_ascii_strtod (text, NULL));
    }
}

/* Prices and quantities as the depth decoder reads them (through the one-pass readers
 * for plain decimals, perp_price_key_parse_plain() and perp_quantity_parse_plain())
 * against perp-decimal.c's full parsers: the same key, the same double, and the same
 * strings refused. */
static void
test_depth_decoder_agrees (void)
{
  static const char *odd[] = {
    "0", "1", "61496.50", "61496.5", "0.00000001", "0.000000010", "0.000000001", "1.123456789",
    "1.12345678", "1.123456780", "9999999999.99999999", "99999999999", "92233720368", "92233720368.5",
    "00000000000012.5", "5.", ".5", "000.000", "0.014", "123456789012345", "1234567890123456",
    "12345678.1234567", "0.1234567890123456789", "9007199254740993", "", ".", "-1", "+1", "1e5",
    "1,5", "1 ", " 1", "1.2.3", "0x10", "nan", "１",
  };
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < G_N_ELEMENTS (odd) + 100000; i++)
    {
      char random_text[32];
      const char *text = random_text;
      g_autofree char *as_price = NULL;
      g_autofree char *as_qty = NULL;
      g_autoptr(GError) price_error = NULL;
      g_autoptr(GError) qty_error = NULL;
      gint64 want_key = 0;
      double want_qty = 0;
      gboolean price_ok;
      gboolean qty_ok;
      PerpTickEvent ev;

      if (i < G_N_ELEMENTS (odd))
        {
          text = odd[i];
        }
      else
        {
          /* Mostly digits with a point somewhere, now and then something else. */
          int n = g_rand_int_range (rand, 0, 24);

          for (int c = 0; c < n; c++)
            {
              int r = g_rand_int_range (rand, 0, 40);

              random_text[c] = r < 34 ? (char) ('0' + r % 10) : r < 38 ? '.' : "-e x"[r - 38];
            }
          random_text[n] = '\0';
        }

      price_ok = perp_price_key_parse (text, strlen (text), &want_key) && want_key > 0;
      qty_ok = perp_quantity_parse (text, strlen (text), &want_qty);

      /* The one-pass readers take a subset, and give exactly the full parsers' values. */
      {
        gint64 plain_key;
        double plain_qty;

        if (perp_price_key_parse_plain (text, &plain_key))
          {
            g_assert_true (perp_price_key_parse (text, strlen (text), &want_key));
            g_assert_cmpint (plain_key, ==, want_key);
          }
        if (perp_quantity_parse_plain (text, &plain_qty))
          {
            g_assert_true (qty_ok);
            g_assert_true (memcmp (&plain_qty, &want_qty, sizeof want_qty) == 0);
          }
      }

      as_price = g_strdup_printf ("{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"%s\",\"1\"]],\"a\":[]}", text);
      as_qty = g_strdup_printf ("{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":2,\"b\":[],\"a\":[[\"1\",\"%s\"]]}", text);

      if (price_ok)
        {
          g_assert_true (perp_tick_decoder_decode (decoder, as_price, -1, &ev, &price_error));
          g_assert_no_error (price_error);
          g_assert_cmpuint (ev.depth.n_bids, ==, 1);
          g_assert_cmpint (ev.depth.bids[0].price_key, ==, want_key);
        }
      else
        {
          g_assert_false (perp_tick_decoder_decode (decoder, as_price, -1, &ev, &price_error));
          g_assert_error (price_error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER);
          g_assert_nonnull (strstr (price_error->message, "b[0] price is"));
        }

      if (qty_ok)
        {
          g_assert_true (perp_tick_decoder_decode (decoder, as_qty, -1, &ev, &qty_error));
          g_assert_no_error (qty_error);
          g_assert_cmpuint (ev.depth.n_asks, ==, 1);
          /* Bit for bit, and strtod's double (which perp_quantity_parse() is held to). */
          g_assert_true (memcmp (&ev.depth.asks[0].qty, &want_qty, sizeof want_qty) == 0);
          g_assert_cmpfloat (ev.depth.asks[0].qty, ==, g_ascii_strtod (text, NULL));
        }
      else
        {
          g_assert_false (perp_tick_decoder_decode (decoder, as_qty, -1, &ev, &qty_error));
          g_assert_error (qty_error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER);
          g_assert_nonnull (strstr (qty_error->message, "a[0] quantity is"));
        }
    }
}

/* ------------------------------------------------------------------ sequencing */

static void
test_usdm_sync (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(GError) error = NULL;
  PerpBookStats stats;
  Snapshot s;

  /* Before the snapshot everything is buffered. */
  g_assert_cmpint (apply (book, 1, 90, 95, 85, "99:1", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (apply (book, 2, 96, 104, 95, "99:2", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (apply (book, 3, 105, 110, 104, "98:5", "101:7"), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_WAITING_SNAPSHOT);
  g_assert_true (perp_order_book_check (book, 0, 0) & PERP_BOOK_HEALTH_NOT_SYNCED);

  /* lastUpdateId 100: the first event (u=95 < 100) is dropped, the second spans it
   * (96 <= 100 <= 104) and the third follows it by pu. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:9 97:1", "100:3 102:4"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpuint (perp_order_book_get_update_id (book), ==, 110);
  g_assert_cmpint (perp_order_book_get_event_time (book), ==, 3);
  assert_side (book, PERP_BOOK_BID, "99:2 98:5 97:1");
  assert_side (book, PERP_BOOK_ASK, "100:3 101:7 102:4");

  perp_order_book_get_stats (book, &stats);
  g_assert_cmpuint (stats.n_buffered, ==, 3);
  g_assert_cmpuint (stats.n_skipped, ==, 1);
  g_assert_cmpuint (stats.n_applied, ==, 2);
  g_assert_cmpuint (stats.n_snapshots, ==, 1);

  /* Live: pu must be the previous u. */
  g_assert_cmpint (apply (book, 4, 111, 120, 110, "99:0", "100:1"), ==, PERP_BOOK_RESULT_APPLIED);
  assert_side (book, PERP_BOOK_BID, "98:5 97:1");
  assert_side (book, PERP_BOOK_ASK, "100:1 101:7 102:4");
  g_assert_cmpint (perp_order_book_check (book, 4, 1000), ==, PERP_BOOK_HEALTH_OK);
}

static void
test_usdm_first_event_rule (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(GError) error = NULL;
  Snapshot s;
  Event e;

  /* An event ending exactly at lastUpdateId spans it (U <= L <= u) and is applied. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:1", "101:1"), NULL));
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_SYNCING);
  g_assert_cmpint (apply (book, 1, 90, 99, 80, "99:5", NULL), ==, PERP_BOOK_RESULT_SKIPPED);
  g_assert_cmpint (apply (book, 1, 95, 100, 99, "99:6", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  assert_side (book, PERP_BOOK_BID, "99:6");

  /* A snapshot older than the stream: the first event starts past it. */
  perp_order_book_reset (book);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:1", "101:1"), NULL));
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 1, 102, 110, 101, "99:2", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_STALE_SNAPSHOT);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);
  g_clear_error (&error);

  /* A newer snapshot repairs it with the event kept from the break. */
  g_assert_cmpint (apply (book, 2, 111, 115, 110, "98:3", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 108, 0, "99:1 97:1", "101:1"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpuint (perp_order_book_get_update_id (book), ==, 115);
  assert_side (book, PERP_BOOK_BID, "99:2 98:3 97:1");
}

static void
test_usdm_break_and_resync (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  g_autoptr(GError) error = NULL;
  PerpBookStats stats;
  Snapshot s;
  Event e;

  g_assert_cmpint (apply (book, 1, 95, 105, 94, "99:1", "101:1"), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (perp_order_book_get_market (book), ==, PERP_BOOK_MARKET_USDM);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:3", "101:3"), NULL));
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);

  /* An event lost between u=105 and this one. */
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 2, 111, 120, 110, "99:4", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_SEQUENCE);
  g_assert_nonnull (strstr (error->message, "pu=110"));
  g_assert_nonnull (strstr (error->message, "105"));
  g_clear_error (&error);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);
  g_assert_true (perp_order_book_check (book, 2, 0) & PERP_BOOK_HEALTH_NOT_SYNCED);
  /* The levels are not changed by what follows a break. */
  g_assert_cmpint (apply (book, 3, 121, 130, 120, "99:5", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  assert_side (book, PERP_BOOK_BID, "99:1");

  /* The resync: a snapshot at 118 drops nothing it must keep, replays 111..120 and
   * 121..130. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 118, 0, "99:3 98:1", "101:3"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  assert_side (book, PERP_BOOK_BID, "99:5 98:1");
  perp_order_book_get_stats (book, &stats);
  g_assert_cmpuint (stats.n_gaps, ==, 1);
  g_assert_cmpuint (stats.n_snapshots, ==, 2);
}

static void
test_usdm_duplicates (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  PerpBookStats stats;
  Snapshot s;

  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:3", "101:3"), NULL));
  g_assert_cmpint (apply (book, 1, 95, 105, 94, "99:1", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (apply (book, 2, 106, 110, 105, "99:2", NULL), ==, PERP_BOOK_RESULT_APPLIED);

  /* The same event again, and an older one late: both already in the book. */
  g_assert_cmpint (apply (book, 2, 106, 110, 105, "99:2", NULL), ==, PERP_BOOK_RESULT_SKIPPED);
  g_assert_cmpint (apply (book, 1, 95, 105, 94, "99:1", NULL), ==, PERP_BOOK_RESULT_SKIPPED);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  assert_side (book, PERP_BOOK_BID, "99:2");
  g_assert_cmpint (apply (book, 3, 111, 112, 110, "99:7", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  assert_side (book, PERP_BOOK_BID, "99:7");

  perp_order_book_get_stats (book, &stats);
  g_assert_cmpuint (stats.n_skipped, ==, 2);
  g_assert_cmpuint (stats.n_gaps, ==, 0);
}

static void
test_spot_rules (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  g_autoptr(GError) error = NULL;
  Snapshot s;
  Event e;

  /* Spot drops u <= lastUpdateId (USDT-M keeps u == lastUpdateId), then needs
   * U <= lastUpdateId + 1 <= u, then U == previous u + 1. */
  g_assert_cmpint (apply (book, 1, 90, 100, NO_PU, "99:1", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (apply (book, 2, 101, 103, NO_PU, "99:2", NULL), ==, PERP_BOOK_RESULT_BUFFERED);
  g_assert_cmpint (perp_order_book_get_market (book), ==, PERP_BOOK_MARKET_SPOT);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:5", "101:5"), NULL));
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  assert_side (book, PERP_BOOK_BID, "99:2");

  g_assert_cmpint (apply (book, 3, 104, 104, NO_PU, "99:3", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (apply (book, 4, 104, 104, NO_PU, "99:3", NULL), ==, PERP_BOOK_RESULT_SKIPPED);

  /* An overlap (104 again, then new ids) is not U == previous u + 1: a resync. */
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 5, 104, 108, NO_PU, "99:9", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_SEQUENCE);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);
}

static void
test_spot_first_event (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_SPOT);
  g_autoptr(GError) error = NULL;
  Snapshot s;
  Event e;

  /* No buffered events at all: the rule applies to the first one after the snapshot. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:5", "101:5"), NULL));
  g_assert_cmpint (apply (book, 1, 95, 100, NO_PU, "99:1", NULL), ==, PERP_BOOK_RESULT_SKIPPED);
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 2, 102, 105, NO_PU, "99:2", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_STALE_SNAPSHOT);
}

static void
test_market_mismatch_and_invalid (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(GError) error = NULL;
  Snapshot s;
  Event e;

  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:5", "101:5"), NULL));
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 1, 95, 105, NO_PU, "99:2", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_MARKET);
  g_clear_error (&error);

  perp_order_book_reset (book);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:5", "101:5"), NULL));
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 1, 106, 105, 99, "99:2", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_INVALID);
  g_clear_error (&error);

  perp_order_book_reset (book);
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:5", "101:5"), NULL));
  g_assert_cmpint (perp_order_book_apply_depth (book, event (&e, 1, 95, 105, 99, "99:-2", NULL), &error),
                   ==, PERP_BOOK_RESULT_GAP);
  g_assert_error (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_INVALID);
  assert_side (book, PERP_BOOK_BID, "99:5");
}

static void
test_absolute_quantities (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  Snapshot s;

  /* Unsorted snapshot with a repeated price (the last one wins) and a zero. */
  g_assert_true (perp_order_book_apply_snapshot (book,
    snapshot (&s, 100, 0, "98:1 99.5:2 97:3 98:4 96:0", "102:1 101:2 101:5 103:0"), NULL));
  assert_side (book, PERP_BOOK_BID, "99.5:2 98:4 97:3");
  assert_side (book, PERP_BOOK_ASK, "101:5 102:1");

  /* Quantities replace, zero removes, zero for an absent level does nothing, and
   * "98.00000000" is the level "98". */
  g_assert_cmpint (apply (book, 1, 100, 101, 99, "98.00000000:6 97:0 95:0 96.25:1", "101:0 104:0.5"),
                   ==, PERP_BOOK_RESULT_APPLIED);
  assert_side (book, PERP_BOOK_BID, "99.5:2 98:6 96.25:1");
  assert_side (book, PERP_BOOK_ASK, "102:1 104:0.5");
  g_assert_cmpfloat (perp_order_book_get_qty_at (book, PERP_BOOK_BID, key ("98")), ==, 6.0);
  g_assert_cmpfloat (perp_order_book_get_qty_at (book, PERP_BOOK_BID, key ("97")), ==, 0.0);
  g_assert_cmpfloat (perp_order_book_get_qty_at (book, PERP_BOOK_ASK, key ("104")), ==, 0.5);
  g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_BID), ==, 3);
  g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_ASK), ==, 2);
}

/* Thousands of random updates against a plain array indexed by tick. */
static void
test_random_updates (void)
{
  enum { N_TICKS = 4000, N_EVENTS = 20000 };
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2024);
  g_autofree double *ref = g_new0 (double, 2 * N_TICKS);
  const gint64 base = key ("50000");
  const gint64 tick = key ("0.1");
  PerpPriceLevel bids[8];
  PerpPriceLevel asks[8];
  /* lastUpdateId 2: the first event (U = u = 2) spans it. */
  PerpDepthSnapshot snap = { .last_update_id = 2 };
  guint64 u = 1;

  g_assert_true (perp_order_book_apply_snapshot (book, &snap, NULL));

  for (guint n = 0; n < N_EVENTS; n++)
    {
      PerpDepthEvent e = { .event_time = n, .first_update_id = u + 1, .final_update_id = u + 1,
                           .prev_final_update_id = u, .has_prev_final_update_id = TRUE,
                           .bids = bids, .asks = asks };

      /* Bids in the lower half of the ticks, asks in the upper, so the book never crosses. */
      e.n_bids = g_rand_int_range (rand, 0, 8);
      e.n_asks = g_rand_int_range (rand, 0, 8);
      for (guint i = 0; i < e.n_bids + e.n_asks; i++)
        {
          gboolean bid = i < e.n_bids;
          gint32 t = bid ? g_rand_int_range (rand, 0, N_TICKS / 2) : g_rand_int_range (rand, N_TICKS / 2, N_TICKS);
          double qty = g_rand_int_range (rand, 0, 3) == 0 ? 0.0 : g_rand_int_range (rand, 1, 1000) / 8.0;
          PerpPriceLevel *l = bid ? &bids[i] : &asks[i - e.n_bids];

          l->price_key = base + t * tick;
          l->qty = qty;
          ref[(bid ? 0 : N_TICKS) + t] = qty;
        }
      g_assert_cmpint (perp_order_book_apply_depth (book, &e, NULL), ==, PERP_BOOK_RESULT_APPLIED);
      u++;

      if (n % 1000 != 999)
        continue;

      for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
        {
          guint expected_levels = 0;
          guint i = 0;

          /* Walk the reference from the best price outwards. */
          for (gint32 k = 0; k < N_TICKS; k++)
            {
              gint32 t = side == PERP_BOOK_BID ? N_TICKS - 1 - k : k;
              double q = ref[(side == PERP_BOOK_BID ? 0 : N_TICKS) + t];
              PerpPriceLevel level;

              if (q == 0.0)
                continue;
              expected_levels++;
              g_assert_true (perp_order_book_get_level (book, side, i++, &level));
              g_assert_cmpint (level.price_key, ==, base + t * tick);
              g_assert_cmpfloat (level.qty, ==, q);
            }
          g_assert_cmpuint (perp_order_book_get_n_levels (book, side), ==, expected_levels);
        }
    }
}

/* The book against a plain array indexed by tick: every level, by index from the best
 * and by price, and the level counts. */
static void
assert_book_matches (const PerpOrderBook *book,
                     const double        *ref,
                     gint32               n_ticks,
                     gint64               base,
                     gint64               tick)
{
  for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      const double *r = ref + (side == PERP_BOOK_BID ? 0 : n_ticks);
      PerpPriceLevel level;
      guint i = 0;

      for (gint32 k = 0; k < n_ticks; k++)
        {
          gint32 t = side == PERP_BOOK_BID ? n_ticks - 1 - k : k;
          gint64 price = base + (side == PERP_BOOK_BID ? 0 : n_ticks * tick) + t * tick;

          g_assert_cmpfloat (perp_order_book_get_qty_at (book, side, price), ==, r[t]);
          if (r[t] == 0.0)
            continue;
          if (i == 0)
            {
              g_assert_true (perp_order_book_get_best (book, side, &level));
              g_assert_cmpint (level.price_key, ==, price);
            }
          g_assert_true (perp_order_book_get_level (book, side, i++, &level));
          g_assert_cmpint (level.price_key, ==, price);
          g_assert_cmpfloat (level.qty, ==, r[t]);
        }
      g_assert_cmpuint (perp_order_book_get_n_levels (book, side), ==, i);
      g_assert_false (perp_order_book_get_level (book, side, i, &level));
      if (i == 0)
        g_assert_false (perp_order_book_get_best (book, side, &level));
    }
}

/* The book keeps each side in chunks of a few dozen levels that split when full and
 * merge when nearly empty.  These runs of updates hit the chunk boundaries on purpose
 * (long runs of inserts at one place, at the top and at the bottom, deletes of whole
 * ranges and of every other level, a side emptied and refilled), with the whole book
 * compared after every event against a plain array. */
static void
test_chunk_boundaries (void)
{
  enum { N_TICKS = 1024, MAX_RUN = 48 };
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);
  g_autofree double *ref = g_new0 (double, 2 * N_TICKS);
  g_autofree PerpPriceLevel *snap_bids = g_new (PerpPriceLevel, N_TICKS);
  g_autofree PerpPriceLevel *snap_asks = g_new (PerpPriceLevel, N_TICKS);
  PerpPriceLevel levels[MAX_RUN];
  const gint64 base = key ("20000");
  const gint64 tick = key ("0.5");
  PerpDepthSnapshot snap = { .last_update_id = 10 };
  guint64 u = 9;
  guint n_events = 0;

  /* Every fourth tick of each side, given in a shuffled order: gaps to insert into. */
  for (gint32 t = 0; t < N_TICKS; t += 4)
    {
      PerpPriceLevel *b = &snap_bids[snap.n_bids++];
      PerpPriceLevel *a = &snap_asks[snap.n_asks++];

      b->price_key = base + t * tick;
      b->qty = ref[t] = 1 + t;
      a->price_key = base + (N_TICKS + t) * tick;
      a->qty = ref[N_TICKS + t] = 2 + t;
    }
  for (guint i = snap.n_bids - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      PerpPriceLevel tmp = snap_bids[i];

      snap_bids[i] = snap_bids[j];
      snap_bids[j] = tmp;
    }
  snap.bids = snap_bids;
  snap.asks = snap_asks;
  g_assert_true (perp_order_book_apply_snapshot (book, &snap, NULL));
  assert_book_matches (book, ref, N_TICKS, base, tick);

  for (guint phase = 0; phase < 10; phase++)
    for (guint rep = 0; rep < (phase == 9 ? 400u : 24u); rep++)
      {
        PerpDepthEvent e = { .event_time = n_events, .first_update_id = u + 1,
                             .final_update_id = u + 1, .prev_final_update_id = u,
                             .has_prev_final_update_id = TRUE, .bids = levels, .asks = levels };
        gboolean bid = (rep % 2) == 0;
        double *r = ref + (bid ? 0 : N_TICKS);
        gint64 side_base = base + (bid ? 0 : N_TICKS * tick);
        guint n = 0;

        for (guint i = 0; i < MAX_RUN; i++)
          {
            gint32 t;
            double qty;

            switch (phase)
              {
              case 0: /* fill the gaps of one stretch, one tick after another */
                t = (gint32) (512 + rep / 2 * 12 + i / 3 * 4 + 1 + i % 3);
                qty = 3;
                break;
              case 1: /* every tick from the top down and from the bottom up */
                t = (gint32) (i % 2 == 0 ? N_TICKS - 1 - ((rep / 2) * 24 + i / 2)
                                         : (rep / 2) * 24 + i / 2);
                qty = 4;
                break;
              case 2: /* delete whole ranges */
                t = (gint32) ((rep / 2) * 37 + i) % N_TICKS;
                qty = 0;
                break;
              case 3: /* delete every other level of a stretch */
                t = (gint32) (600 + (rep / 2) * 2 * MAX_RUN + 2 * i) % N_TICKS;
                qty = 0;
                break;
              case 4: /* change quantities only, no level comes or goes */
                t = g_rand_int_range (rand, 0, N_TICKS);
                qty = r[t] == 0.0 ? 0.0 : r[t] + 1;
                break;
              case 5: /* empty the side completely, in long runs from the top */
              case 6:
                {
                  gint32 run = (gint32) (rep / 2) + (phase == 6 ? 12 : 0);

                  t = bid ? N_TICKS - 1 - run * MAX_RUN - (gint32) i : run * MAX_RUN + (gint32) i;
                }
                if (t < 0 || t >= N_TICKS)
                  continue;
                qty = 0;
                break;
              case 7: /* refill from nothing, bottom up */
                t = (gint32) ((rep / 2) * MAX_RUN + i);
                qty = 5 + i;
                break;
              case 8: /* anything anywhere */
                t = g_rand_int_range (rand, 0, N_TICKS);
                qty = g_rand_int_range (rand, 0, 2) == 0 ? 0.0 : g_rand_int_range (rand, 1, 100);
                break;
              case 9: /* a long churn, mostly inserts: chunks split at every position */
              default:
                t = g_rand_int_range (rand, 0, N_TICKS);
                qty = g_rand_int_range (rand, 0, 4) == 0 ? 0.0 : g_rand_int_range (rand, 1, 100);
                break;
              }

            levels[n].price_key = side_base + t * tick;
            levels[n].qty = qty;
            r[t] = qty;
            n++;
          }

        if (bid)
          e.n_bids = n;
        else
          e.n_asks = n;
        g_assert_cmpint (perp_order_book_apply_depth (book, &e, NULL), ==, PERP_BOOK_RESULT_APPLIED);
        u++;
        n_events++;
        assert_book_matches (book, ref, N_TICKS, base, tick);

        /* After the emptying phases both sides are empty. */
        if (phase == 6 && rep == 23)
          {
            g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_BID), ==, 0);
            g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_ASK), ==, 0);
          }
      }

  /* A side grown from nothing in random order, over and over: its chunks fill up and
   * split with the new level landing at every position. */
  {
    g_autofree PerpPriceLevel *many = g_new (PerpPriceLevel, N_TICKS);
    g_autofree gint32 *order = g_new (gint32, N_TICKS);

    for (gint32 t = 0; t < N_TICKS; t++)
      order[t] = t;

    for (guint cycle = 0; cycle < 40; cycle++)
      {
        for (guint step = 0; step <= 256 / 32; step++)
          {
            PerpDepthEvent e = { .event_time = n_events, .first_update_id = u + 1,
                                 .final_update_id = u + 1, .prev_final_update_id = u,
                                 .has_prev_final_update_id = TRUE, .bids = many };

            if (step == 0)
              {
                /* Empty the side, then shuffle the ticks to come. */
                for (gint32 t = 0; t < N_TICKS; t++)
                  {
                    many[t].price_key = base + t * tick;
                    many[t].qty = ref[t] = 0.0;
                  }
                e.n_bids = N_TICKS;
                for (guint i = N_TICKS - 1; i > 0; i--)
                  {
                    guint j = g_rand_int_range (rand, 0, i + 1);
                    gint32 tmp = order[i];

                    order[i] = order[j];
                    order[j] = tmp;
                  }
              }
            else
              {
                for (guint i = 0; i < 32; i++)
                  {
                    gint32 t = order[(step - 1) * 32 + i];

                    many[i].price_key = base + t * tick;
                    many[i].qty = ref[t] = 1 + cycle;
                  }
                e.n_bids = 32;
              }

            g_assert_cmpint (perp_order_book_apply_depth (book, &e, NULL), ==, PERP_BOOK_RESULT_APPLIED);
            u++;
            n_events++;
            assert_book_matches (book, ref, N_TICKS, base, tick);
          }
        g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_BID), ==, 256);
      }
  }

  /* A reset frees the levels and a new snapshot starts clean. */
  perp_order_book_reset (book);
  g_assert_cmpuint (perp_order_book_get_n_levels (book, PERP_BOOK_BID), ==, 0);
  memset (ref, 0, 2 * N_TICKS * sizeof (double));
  for (guint i = 0; i < snap.n_bids; i++)
    ref[(snap_bids[i].price_key - base) / tick] = snap_bids[i].qty;
  for (guint i = 0; i < snap.n_asks; i++)
    ref[(snap_asks[i].price_key - base) / tick] = snap_asks[i].qty;
  g_assert_true (perp_order_book_apply_snapshot (book, &snap, NULL));
  assert_book_matches (book, ref, N_TICKS, base, tick);
}

static void
test_crossed_and_stale (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autofree char *health = NULL;
  PerpBookStats stats;
  Snapshot s;

  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 1000, "99:1", "101:1"), NULL));
  g_assert_cmpint (apply (book, 1000, 100, 101, 99, NULL, NULL), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (perp_order_book_check (book, 1500, 1000), ==, PERP_BOOK_HEALTH_OK);
  g_assert_cmpint (perp_order_book_check (book, 2001, 1000), ==, PERP_BOOK_HEALTH_STALE);
  g_assert_cmpint (perp_order_book_check (book, 99999, 0), ==, PERP_BOOK_HEALTH_OK);

  g_assert_cmpint (apply (book, 1100, 102, 102, 101, "101:2", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (perp_order_book_check (book, 1100, 1000), ==, PERP_BOOK_HEALTH_CROSSED);
  health = perp_book_health_to_string (perp_order_book_check (book, 5000, 1000));
  g_assert_cmpstr (health, ==, "crossed,stale");

  /* Lifting the ask uncrosses it; the counter keeps what happened. */
  g_assert_cmpint (apply (book, 1200, 103, 103, 102, NULL, "101:0 102:1"), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (perp_order_book_check (book, 1200, 1000), ==, PERP_BOOK_HEALTH_OK);
  g_assert_cmpint (apply (book, 1300, 104, 104, 103, "101:0", "102:0"), ==, PERP_BOOK_RESULT_APPLIED);
  g_assert_cmpint (perp_order_book_check (book, 1300, 1000), ==, PERP_BOOK_HEALTH_EMPTY_SIDE);
  perp_order_book_get_stats (book, &stats);
  g_assert_cmpuint (stats.n_crossed, ==, 1);
}

static void
test_buffer_limit (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  PerpBookStats stats;
  Snapshot s;

  for (guint64 i = 0; i < 9000; i++)
    g_assert_cmpint (apply (book, 1, 10 + i, 10 + i, (gint64) (9 + i), "99:1", NULL), ==, PERP_BOOK_RESULT_BUFFERED);

  perp_order_book_get_stats (book, &stats);
  g_assert_cmpuint (stats.n_dropped, >, 0);
  g_assert_cmpuint (stats.n_buffered, ==, 9000);

  /* The newest events were kept: a snapshot in their range syncs. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 9000, 0, "98:1", "101:1"), NULL));
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpuint (perp_order_book_get_update_id (book), ==, 9009);
}

/* ------------------------------------------------------------------ bookTicker check */

static void
test_ticker_check (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(PerpBookTickerCheck) check = perp_book_ticker_check_new ();
  PerpBookTicker t = { 0, };
  Snapshot s;

  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:1", "101:1"), NULL));

  /* A ticker that comes before its depth event... */
  t = (PerpBookTicker) { .update_id = 105, .bid_key = key ("99"), .bid_qty = 2, .ask_key = key ("101"), .ask_qty = 1 };
  perp_book_ticker_check_ticker (check, &t);
  /* ...and one inside the next event's range, which no book state matches. */
  t.update_id = 103;
  perp_book_ticker_check_ticker (check, &t);
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (check), ==, 0);

  g_assert_cmpint (apply (book, 1, 95, 105, 94, "99:2", NULL), ==, PERP_BOOK_RESULT_APPLIED);
  perp_book_ticker_check_depth (check, book);
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (check), ==, 1);
  g_assert_cmpuint (perp_book_ticker_check_get_n_failed (check), ==, 0);

  /* One that comes after, and disagrees. */
  g_assert_cmpint (apply (book, 2, 106, 110, 105, NULL, "101:3"), ==, PERP_BOOK_RESULT_APPLIED);
  perp_book_ticker_check_depth (check, book);
  t = (PerpBookTicker) { .update_id = 110, .bid_key = key ("99"), .bid_qty = 2, .ask_key = key ("101"), .ask_qty = 1 };
  perp_book_ticker_check_ticker (check, &t);
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (check), ==, 2);
  g_assert_cmpuint (perp_book_ticker_check_get_n_failed (check), ==, 1);
  g_assert_nonnull (strstr (perp_book_ticker_check_get_first_failure (check), "101 x 3"));

  /* An old one no longer remembered is not a check at all. */
  t.update_id = 50;
  perp_book_ticker_check_ticker (check, &t);
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (check), ==, 2);
}

/* ------------------------------------------------------------------ metrics */

static PerpOrderBook *
metrics_book (const char *bids,
              const char *asks)
{
  PerpOrderBook *book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  Snapshot s;

  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 1000, bids, asks), NULL));
  g_assert_cmpint (apply (book, 1000, 100, 101, 99, NULL, NULL), ==, PERP_BOOK_RESULT_APPLIED);

  return book;
}

static double
sum_qty (const char *spec,
         guint       max_levels)
{
  PerpPriceLevel levels[MAX_LEVELS];
  guint n = parse_levels (spec, levels);
  double sum = 0.0;

  for (guint i = 0; i < n && i < max_levels; i++)
    sum += levels[i].qty;

  return sum;
}

static void
test_nobi_top (void)
{
  const char *bids = "100:1 99:2 98:3 97:4";
  const char *asks = "101:2 102:2 103:9 104:1";
  g_autoptr(PerpOrderBook) book = metrics_book (bids, asks);

  for (guint n = 1; n <= 5; n++)
    {
      double b = sum_qty (bids, n);
      double a = sum_qty (asks, n);

      g_assert_cmpfloat_with_epsilon (perp_book_nobi_top (book, n), (b - a) / (b + a), 1e-15);
    }
}

static void
test_bands (void)
{
  /* Mid 1000: the 0.1 % band is [999, 1001], 0.5 % is [995, 1005]. */
  g_autoptr(PerpOrderBook) book = metrics_book ("999.5:1 999:2 998.9:4 995:8 994.99:16",
                                                "1000.5:3 1001:5 1001.01:7 1005:9 1006:11");
  PerpBookBand band;

  g_assert_true (perp_book_band (book, 0.001, &band));
  g_assert_cmpuint (band.bid_levels, ==, 2);
  g_assert_cmpuint (band.ask_levels, ==, 2);
  g_assert_cmpfloat (band.bid_qty, ==, 3.0);
  g_assert_cmpfloat (band.ask_qty, ==, 8.0);
  g_assert_cmpfloat_with_epsilon (band.bid_notional, 999.5 + 2 * 999.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (band.nobi, (3.0 - 8.0) / 11.0, 1e-15);

  g_assert_true (perp_book_band (book, 0.005, &band));
  g_assert_cmpuint (band.bid_levels, ==, 4);
  g_assert_cmpuint (band.ask_levels, ==, 4);
  g_assert_cmpfloat (band.bid_qty, ==, 15.0);
  g_assert_cmpfloat (band.ask_qty, ==, 24.0);
}

static void
test_walls_and_thin (void)
{
  g_autoptr(GString) bids = g_string_new (NULL);
  g_autoptr(PerpOrderBook) book = NULL;
  PerpBookMetricsParams params;
  PerpBookMetrics m;
  double average;

  /* Twenty 1-lot bids from 999.9 down, then 100 lots at 997: with the default factor
   * of 10 a wall needs more than ten levels beside it, since the average includes it. */
  for (guint i = 0; i < 20; i++)
    {
      char price[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (bids, "%s:1 ", g_ascii_formatd (price, sizeof price, "%.1f", 999.9 - 0.1 * i));
    }
  g_string_append (bids, "997:100");
  book = metrics_book (bids->str, "1000.1:1 1000.2:1 1000.3:1 1000.4:1 1000.5:1 1000.6:1");

  perp_book_metrics_params_init (&params);
  g_assert_true (perp_book_metrics_compute (book, &params, 1000, 5000, &m));
  g_assert_cmpint (m.health, ==, PERP_BOOK_HEALTH_OK);
  g_assert_cmpint (m.event_time, ==, 1000);
  g_assert_cmpuint (m.update_id, ==, 101);
  g_assert_cmpint (m.best_bid_key, ==, key ("999.9"));
  g_assert_cmpint (m.best_ask_key, ==, key ("1000.1"));
  g_assert_cmpfloat_with_epsilon (m.mid, 1000.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (m.spread, 0.2, 1e-9);
  g_assert_cmpfloat_with_epsilon (m.spread_bps, 2.0, 1e-9);

  /* One wall: the 100 at 997, 0.3 % below mid. */
  average = 120.0 / 21.0;
  g_assert_cmpuint (m.n_walls_total, ==, 1);
  g_assert_cmpuint (m.n_walls, ==, 1);
  g_assert_cmpint (m.walls[0].side, ==, PERP_BOOK_BID);
  g_assert_cmpint (m.walls[0].price_key, ==, key ("997"));
  g_assert_cmpfloat_with_epsilon (m.walls[0].multiple, 100.0 / average, 1e-12);
  g_assert_cmpfloat_with_epsilon (m.walls[0].distance, 0.003, 1e-12);
  g_assert_cmpint (m.walls[0].event_time, ==, 1000);
  g_assert_cmpint (m.thin, ==, PERP_BOOK_THIN_NONE);

  /* At half the average every ask (all at the average) stands out too, the other bids
   * (far below the average) still do not; the largest stays first. */
  params.wall_factor = 0.5;
  g_assert_true (perp_book_metrics_compute (book, &params, 1000, 5000, &m));
  g_assert_cmpuint (m.n_walls_total, ==, 7);
  g_assert_cmpuint (m.n_walls, ==, 7);
  g_assert_cmpint (m.walls[0].price_key, ==, key ("997"));
  for (guint i = 1; i < m.n_walls; i++)
    g_assert_cmpint (m.walls[i].side, ==, PERP_BOOK_ASK);

  /* Thin: too few levels in the band, too wide a spread, or too little notional. */
  perp_book_metrics_params_init (&params);
  params.thin_min_levels = 7;
  params.thin_max_spread_bps = 1.0;
  params.thin_min_notional = 1e6;
  g_assert_true (perp_book_metrics_compute (book, &params, 1000, 5000, &m));
  g_assert_cmpint (m.thin, ==, PERP_BOOK_THIN_LEVELS | PERP_BOOK_THIN_SPREAD | PERP_BOOK_THIN_NOTIONAL);
}

static void
test_unfit_book_gives_nan (void)
{
  g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(PerpOrderBook) live = metrics_book ("99:1", "101:1");
  PerpBookMetrics m;
  Snapshot s;

  g_assert_false (perp_book_metrics_compute (book, NULL, 0, 0, &m));
  g_assert_true (m.health & PERP_BOOK_HEALTH_NOT_SYNCED);
  g_assert_true (isnan (m.mid) && isnan (m.nobi_top) && isnan (m.bands[1].nobi));

  /* Synced but waiting for the spanning event: still not fit. */
  g_assert_true (perp_order_book_apply_snapshot (book, snapshot (&s, 100, 0, "99:1", "101:1"), NULL));
  g_assert_false (perp_book_metrics_compute (book, NULL, 0, 0, &m));
  g_assert_true (m.health & PERP_BOOK_HEALTH_NOT_SYNCED);

  /* Stale. */
  g_assert_false (perp_book_metrics_compute (live, NULL, 10000, 5000, &m));
  g_assert_cmpint (m.health, ==, PERP_BOOK_HEALTH_STALE);
  g_assert_true (perp_book_metrics_compute (live, NULL, 5000, 5000, &m));
}

/* ------------------------------------------------------------------ spoofs */

typedef struct
{
  PerpOrderBook    *book;
  PerpSpoofTracker *tracker;
  GArray           *spoofs;
  guint64           u;
} SpoofRig;

/* A book around 1000 with forty 1-lot levels per side, 0.05 apart, within 0.2 % of mid:
 * enough that one large level barely moves the average it is compared with. */
static void
rig_init (SpoofRig *rig)
{
  g_autoptr(GString) bids = g_string_new (NULL);
  g_autoptr(GString) asks = g_string_new (NULL);
  PerpSpoofParams params;
  Snapshot s;

  for (guint i = 0; i < 40; i++)
    {
      char price[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (bids, "%s:1 ", g_ascii_formatd (price, sizeof price, "%.2f", 999.95 - 0.05 * i));
      g_string_append_printf (asks, "%s:1 ", g_ascii_formatd (price, sizeof price, "%.2f", 1000.05 + 0.05 * i));
    }

  perp_spoof_params_init (&params);
  rig->book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  rig->tracker = perp_spoof_tracker_new (&params);
  rig->spoofs = g_array_new (FALSE, FALSE, sizeof (PerpSpoof));
  rig->u = 100;
  g_assert_true (perp_order_book_apply_snapshot (rig->book, snapshot (&s, 100, 0, bids->str, asks->str), NULL));
}

static void
rig_depth (SpoofRig   *rig,
           gint64      time,
           const char *bids,
           const char *asks)
{
  Event e;

  event (&e, time, rig->u, rig->u + 1, (gint64) rig->u, bids, asks);
  g_assert_cmpint (perp_order_book_apply_depth (rig->book, &e.ev, NULL), ==, PERP_BOOK_RESULT_APPLIED);
  perp_spoof_tracker_observe_depth (rig->tracker, rig->book, &e.ev);
  rig->u++;
}

static void
rig_clear (SpoofRig *rig)
{
  perp_order_book_free (rig->book);
  perp_spoof_tracker_free (rig->tracker);
  g_array_unref (rig->spoofs);
}

static void
test_spoof_pulled (void)
{
  SpoofRig rig;
  PerpSpoof *spoof;

  rig_init (&rig);
  rig_depth (&rig, 1000, NULL, NULL);
  /* 400 lots near mid (the average level is about 1): large. */
  rig_depth (&rig, 1100, "999.5:400", NULL);
  g_assert_cmpuint (perp_spoof_tracker_get_n_watched (rig.tracker), ==, 1);
  rig_depth (&rig, 1500, "999.5:450", NULL);
  /* Pulled after 1.9 s, nothing traded there. */
  rig_depth (&rig, 3000, "999.5:1", NULL);
  g_assert_cmpuint (perp_spoof_tracker_get_n_watched (rig.tracker), ==, 0);

  /* Not before the grace period is over: a trade may still come. */
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 3500, rig.spoofs), ==, 0);
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 4000, rig.spoofs), ==, 1);
  spoof = &g_array_index (rig.spoofs, PerpSpoof, 0);
  g_assert_cmpint (spoof->side, ==, PERP_BOOK_BID);
  g_assert_cmpint (spoof->price_key, ==, key ("999.5"));
  g_assert_cmpfloat (spoof->max_qty, ==, 450.0);
  g_assert_cmpint (spoof->appeared_at, ==, 1100);
  g_assert_cmpint (spoof->vanished_at, ==, 3000);
  g_assert_cmpfloat_with_epsilon (spoof->distance, 0.5 / 1000.0, 1e-12);
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 9000, rig.spoofs), ==, 0);

  rig_clear (&rig);
}

static void
test_spoof_not_when_traded (void)
{
  SpoofRig rig;

  /* Filled by a sell that reached it: consumed, not pulled. */
  rig_init (&rig);
  rig_depth (&rig, 1000, NULL, NULL);
  rig_depth (&rig, 1100, NULL, "1000.4:400");
  perp_spoof_tracker_observe_trade (rig.tracker, key ("1000.4"), 1900);
  rig_depth (&rig, 2000, NULL, "1000.4:0");
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 10000, rig.spoofs), ==, 0);

  /* The trade's report arriving after the depth event, within the grace period. */
  rig_depth (&rig, 11000, NULL, "1000.6:400");
  rig_depth (&rig, 12000, NULL, "1000.6:0");
  perp_spoof_tracker_observe_trade (rig.tracker, key ("1000.7"), 11990);
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 20000, rig.spoofs), ==, 0);

  /* A trade that did not reach the level does not clear it. */
  rig_depth (&rig, 21000, NULL, "1000.8:400");
  perp_spoof_tracker_observe_trade (rig.tracker, key ("1000.7"), 21500);
  rig_depth (&rig, 22000, NULL, "1000.8:0");
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 30000, rig.spoofs), ==, 1);

  rig_clear (&rig);
}

static void
test_spoof_not_flicker_wall_or_far (void)
{
  SpoofRig rig;

  rig_init (&rig);
  rig_depth (&rig, 1000, NULL, NULL);
  /* Requoted within 100 ms: flicker. */
  rig_depth (&rig, 1100, "999.6:400", NULL);
  rig_depth (&rig, 1200, "999.6:0", NULL);
  /* Stays 8 s: a wall. */
  rig_depth (&rig, 2000, "999.7:400", NULL);
  rig_depth (&rig, 10000, "999.7:0", NULL);
  /* Large but 2 % away. */
  rig_depth (&rig, 11000, "980:4000", NULL);
  g_assert_cmpuint (perp_spoof_tracker_get_n_watched (rig.tracker), ==, 0);
  rig_depth (&rig, 12000, "980:0", NULL);
  g_assert_cmpuint (perp_spoof_tracker_collect (rig.tracker, 60000, rig.spoofs), ==, 0);

  rig_clear (&rig);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/decimal/price-key", test_price_key);
  g_test_add_func ("/core/decimal/price-key-format-round-trip", test_price_key_format_round_trip);
  g_test_add_func ("/core/decimal/quantity-matches-strtod", test_quantity_matches_strtod);
  g_test_add_func ("/core/decimal/depth-decoder-agrees", test_depth_decoder_agrees);
  g_test_add_func ("/core/book/usdm/buffer-then-sync", test_usdm_sync);
  g_test_add_func ("/core/book/usdm/first-event-spans-snapshot", test_usdm_first_event_rule);
  g_test_add_func ("/core/book/usdm/break-then-resync", test_usdm_break_and_resync);
  g_test_add_func ("/core/book/usdm/duplicates-skipped", test_usdm_duplicates);
  g_test_add_func ("/core/book/spot/rules", test_spot_rules);
  g_test_add_func ("/core/book/spot/first-event", test_spot_first_event);
  g_test_add_func ("/core/book/market-mismatch-and-invalid", test_market_mismatch_and_invalid);
  g_test_add_func ("/core/book/absolute-quantities", test_absolute_quantities);
  g_test_add_func ("/core/book/random-updates-match-reference", test_random_updates);
  g_test_add_func ("/core/book/chunk-boundaries-match-reference", test_chunk_boundaries);
  g_test_add_func ("/core/book/crossed-and-stale", test_crossed_and_stale);
  g_test_add_func ("/core/book/buffer-limit", test_buffer_limit);
  g_test_add_func ("/core/book/ticker-check", test_ticker_check);
  g_test_add_func ("/core/book-metrics/nobi-top", test_nobi_top);
  g_test_add_func ("/core/book-metrics/bands", test_bands);
  g_test_add_func ("/core/book-metrics/walls-and-thin", test_walls_and_thin);
  g_test_add_func ("/core/book-metrics/unfit-book-gives-nan", test_unfit_book_gives_nan);
  g_test_add_func ("/core/spoof/pulled", test_spoof_pulled);
  g_test_add_func ("/core/spoof/not-when-traded", test_spoof_not_when_traded);
  g_test_add_func ("/core/spoof/not-flicker-wall-or-far", test_spoof_not_flicker_wall_or_far);

  return g_test_run ();
}
