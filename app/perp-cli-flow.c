/* perp-cli-flow.c: perpscope-cli flow and bench flow, tick captures through the order
 * book and the trade flow
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-glib/json-glib.h>

#include "core/perp-book-metrics.h"
#include "core/perp-order-book.h"
#include "core/perp-trade-flow.h"
#include "io/perp-tick-reader.h"

#include "perp-cli-private.h"

/* A book without a depth event for this long, while other streams move on, is stale. */
#define STALE_AFTER_MS  5000
/* Sequence breaks reported one by one on stderr before the summary takes over. */
#define MAX_GAP_NOTES   5

typedef struct
{
  gboolean               json;
  gint64                 interval_ms;
  const char            *interval_name;

  PerpOrderBook         *book;
  PerpBookTickerCheck   *check;
  PerpTradeFlow         *flow;
  PerpSpoofTracker      *spoofs;
  PerpBookMetricsParams  metrics_params;
  PerpTradeFlowParams    flow_params;
  GArray                *spoof_list;     /* PerpSpoof, confirmed in the current interval */

  gint64                 next_boundary;  /* end of the interval being filled, -1 before the first event */
  gint64                 now;            /* latest exchange time seen on any stream */
  guint64                n_rows;
  guint64                n_messages[PERP_TICK_N_KINDS];
  guint64                n_skipped_lines;
  guint64                n_spoofs;
  guint64                n_clock_jumps;  /* gaps skipped instead of printed row by row */
  guint                  n_gap_notes;
  char                  *symbol;
} Replay;

/* ------------------------------------------------------------------ output helpers */

static void
json_price (gint64 key)
{
  char buf[PERP_PRICE_KEY_BUF_SIZE];

  /* Prices are exact decimals: write the decimal, not a double's 17 digits. */
  if (key <= 0)
    fputs ("null", stdout);
  else
    fputs (perp_price_key_format (key, buf), stdout);
}

static char *
format_time_s (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);

  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, ms);

  return g_date_time_format (dt, ms % 60000 == 0 ? "%Y-%m-%d %H:%M" : "%Y-%m-%d %H:%M:%S");
}

static const char *
side_letter (PerpBookSide side)
{
  return side == PERP_BOOK_BID ? "B" : "A";
}

/* ------------------------------------------------------------------ rows */

static void
print_text_header (void)
{
  printf ("%-19s %12s %12s %14s %8s %7s %8s %10s %10s %10s %10s %10s %11s %6s %5s  %s\n",
          "time (UTC)", "best bid", "best ask", "mid", "spread", "nobi10", "nobi0.5%",
          "bid0.5%", "ask0.5%", "buy vol", "sell vol", "delta", "cvd", "trades", "large", "walls / book");
}

static void
print_row (Replay                *r,
           gint64                 start,
           const PerpFlowBar     *bar,
           const PerpFlowWindow  *window,
           const PerpBookMetrics *m,
           guint                  n_spoofs)
{
  const PerpBookBand *band = &m->bands[1];
  g_autofree char *health = perp_book_health_to_string (m->health);
  g_autofree char *when = NULL;
  char prices[2][PERP_PRICE_KEY_BUF_SIZE];

  if (r->json)
    {
      printf ("%s{\"open_time\":%" G_GINT64_FORMAT ",\"book_time\":%" G_GINT64_FORMAT ",\"book\":\"%s\"",
              r->n_rows > 0 ? "," : "", start, m->event_time, health);
      printf (",\"best_bid\":"); json_price (m->best_bid_key);
      printf (",\"best_bid_qty\":"); perp_cli_print_json_number (m->best_bid_qty);
      printf (",\"best_ask\":"); json_price (m->best_ask_key);
      printf (",\"best_ask_qty\":"); perp_cli_print_json_number (m->best_ask_qty);
      printf (",\"mid\":"); perp_cli_print_json_number (m->mid);
      printf (",\"spread\":"); perp_cli_print_json_number (m->spread);
      printf (",\"nobi_top%u\":", m->top_n); perp_cli_print_json_number (m->nobi_top);
      for (guint b = 0; b < PERP_BOOK_N_BANDS; b++)
        {
          char pct[16];

          g_ascii_formatd (pct, sizeof pct, "%g", m->bands[b].fraction * 100.0);
          printf (",\"band_%s\":{\"nobi\":", pct); perp_cli_print_json_number (m->bands[b].nobi);
          printf (",\"bid_qty\":"); perp_cli_print_json_number (m->health == PERP_BOOK_HEALTH_OK ? m->bands[b].bid_qty : NAN);
          printf (",\"ask_qty\":"); perp_cli_print_json_number (m->health == PERP_BOOK_HEALTH_OK ? m->bands[b].ask_qty : NAN);
          printf (",\"bid_notional\":"); perp_cli_print_json_number (m->health == PERP_BOOK_HEALTH_OK ? m->bands[b].bid_notional : NAN);
          printf (",\"ask_notional\":"); perp_cli_print_json_number (m->health == PERP_BOOK_HEALTH_OK ? m->bands[b].ask_notional : NAN);
          printf ("}");
        }
      printf (",\"thin\":%s", m->health != PERP_BOOK_HEALTH_OK ? "null" : m->thin != PERP_BOOK_THIN_NONE ? "true" : "false");
      printf (",\"buy_volume\":"); perp_cli_print_json_number (bar->buy_volume);
      printf (",\"sell_volume\":"); perp_cli_print_json_number (bar->sell_volume);
      printf (",\"delta\":"); perp_cli_print_json_number (bar->delta);
      printf (",\"cvd\":"); perp_cli_print_json_number (bar->cvd);
      printf (",\"window_delta\":"); perp_cli_print_json_number (window->delta);
      printf (",\"trades_per_s\":"); perp_cli_print_json_number (window->trades_per_s);
      printf (",\"velocity_change\":"); perp_cli_print_json_number (window->velocity_change);
      printf (",\"trades\":%u,\"large_trades\":%u,\"divergence\":\"%s\",\"spoofs\":%u,",
              bar->n_trades, bar->n_large, perp_flow_divergence_to_string (bar->divergence), n_spoofs);
      printf ("\"walls_total\":%u,\"walls\":[", m->n_walls_total);
      for (guint w = 0; w < m->n_walls; w++)
        {
          const PerpBookWall *wall = &m->walls[w];

          printf ("%s{\"side\":\"%s\",\"price\":%s,\"qty\":", w > 0 ? "," : "",
                  wall->side == PERP_BOOK_BID ? "bid" : "ask",
                  perp_price_key_format (wall->price_key, prices[0]));
          perp_cli_print_json_number (wall->qty);
          printf (",\"multiple\":"); perp_cli_print_json_number (wall->multiple);
          printf (",\"distance\":"); perp_cli_print_json_number (wall->distance);
          printf ("}");
        }
      printf ("],\"spoof_levels\":[");
      for (guint i = 0; i < r->spoof_list->len; i++)
        {
          const PerpSpoof *spoof = &g_array_index (r->spoof_list, PerpSpoof, i);

          printf ("%s{\"side\":\"%s\",\"price\":%s,\"max_qty\":", i > 0 ? "," : "",
                  spoof->side == PERP_BOOK_BID ? "bid" : "ask",
                  perp_price_key_format (spoof->price_key, prices[0]));
          perp_cli_print_json_number (spoof->max_qty);
          printf (",\"appeared_at\":%" G_GINT64_FORMAT ",\"vanished_at\":%" G_GINT64_FORMAT "}",
                  spoof->appeared_at, spoof->vanished_at);
        }
      printf ("]}\n");
      r->n_rows++;
      return;
    }

  when = format_time_s (start);
  printf ("%-19s", when);
  if (m->health == PERP_BOOK_HEALTH_OK)
    printf (" %12s %12s %14.10g %8.4g %+7.3f %+8.3f %10.5g %10.5g",
            perp_price_key_format (m->best_bid_key, prices[0]),
            perp_price_key_format (m->best_ask_key, prices[1]),
            m->mid, m->spread, m->nobi_top, band->nobi, band->bid_qty, band->ask_qty);
  else
    printf (" %12s %12s %14s %8s %7s %8s %10s %10s", "-", "-", "-", "-", "-", "-", "-", "-");
  printf (" %10.5g %10.5g %+10.5g %+11.6g %6u %5u  ",
          bar->buy_volume, bar->sell_volume, bar->delta, bar->cvd, bar->n_trades, bar->n_large);

  if (m->health != PERP_BOOK_HEALTH_OK)
    {
      printf ("book %s (%s)", health, perp_book_state_to_string (perp_order_book_get_state (r->book)));
    }
  else
    {
      printf ("%u", m->n_walls_total);
      if (m->n_walls > 0)
        {
          const PerpBookWall *wall = &m->walls[0];

          printf (" (largest %s %s x %.5g, %.3f%% away)", side_letter (wall->side),
                  perp_price_key_format (wall->price_key, prices[0]), wall->qty, wall->distance * 100.0);
        }
      if (m->thin != PERP_BOOK_THIN_NONE)
        printf (" thin");
    }
  if (n_spoofs > 0)
    printf (" spoofs %u", n_spoofs);
  putchar ('\n');
  r->n_rows++;
}

/* Closes the interval that ends at @end and prints it. */
static void
emit_interval (Replay *r,
               gint64  end)
{
  PerpBookMetrics metrics;
  PerpFlowWindow window;
  PerpFlowBar bar;
  gint64 start = end - r->interval_ms;
  guint n_bars;
  guint n_spoofs;

  perp_trade_flow_advance (r->flow, end);
  n_bars = perp_trade_flow_get_n_bars (r->flow);
  if (n_bars > 0 && perp_trade_flow_get_bar (r->flow, n_bars - 1)->open_time == start)
    {
      bar = *perp_trade_flow_get_bar (r->flow, n_bars - 1);
    }
  else
    {
      PerpFlowTotals totals;

      memset (&bar, 0, sizeof bar);
      perp_trade_flow_get_totals (r->flow, &totals);
      bar.cvd = totals.cvd;
    }

  perp_book_metrics_compute (r->book, &r->metrics_params, r->now, STALE_AFTER_MS, &metrics);
  g_array_set_size (r->spoof_list, 0);
  n_spoofs = perp_spoof_tracker_collect (r->spoofs, end, r->spoof_list);
  r->n_spoofs += n_spoofs;
  perp_trade_flow_get_window (r->flow, end, &window);

  print_row (r, start, &bar, &window, &metrics, n_spoofs);
}

/* The last, incomplete interval: the forming bar as it stands. */
static void
emit_last (Replay *r)
{
  PerpBookMetrics metrics;
  PerpFlowWindow window;
  PerpFlowBar bar;
  guint n_spoofs;

  if (r->next_boundary < 0)
    return;

  if (!perp_trade_flow_get_forming (r->flow, &bar) || bar.open_time != r->next_boundary - r->interval_ms)
    {
      PerpFlowTotals totals;

      memset (&bar, 0, sizeof bar);
      perp_trade_flow_get_totals (r->flow, &totals);
      bar.cvd = totals.cvd;
    }

  perp_book_metrics_compute (r->book, &r->metrics_params, r->now, STALE_AFTER_MS, &metrics);
  g_array_set_size (r->spoof_list, 0);
  n_spoofs = perp_spoof_tracker_collect (r->spoofs, G_MAXINT64 / 2, r->spoof_list);
  r->n_spoofs += n_spoofs;
  perp_trade_flow_get_window (r->flow, MAX (r->now, r->next_boundary - r->interval_ms), &window);

  print_row (r, r->next_boundary - r->interval_ms, &bar, &window, &metrics, n_spoofs);
}

/* ------------------------------------------------------------------ replay */

static void
note_gap (Replay               *r,
          const PerpTickReader *reader,
          const GError         *error)
{
  if (r->n_gap_notes++ < MAX_GAP_NOTES)
    fprintf (stderr, "perpscope-cli: %s:%" G_GUINT64_FORMAT ": %s; the book needs a resync\n",
             perp_tick_reader_get_path (reader), perp_tick_reader_get_line (reader), error->message);
}

static void
apply_event (Replay               *r,
             const PerpTickReader *reader,
             const PerpTickEvent  *event)
{
  g_autoptr(GError) error = NULL;

  switch (event->kind)
    {
    case PERP_TICK_DEPTH:
      switch (perp_order_book_apply_depth (r->book, &event->depth, &error))
        {
        case PERP_BOOK_RESULT_APPLIED:
          perp_book_ticker_check_depth (r->check, r->book);
          perp_spoof_tracker_observe_depth (r->spoofs, r->book, &event->depth);
          break;
        case PERP_BOOK_RESULT_GAP:
          note_gap (r, reader, error);
          break;
        case PERP_BOOK_RESULT_BUFFERED:
        case PERP_BOOK_RESULT_SKIPPED:
        default:
          break;
        }
      break;

    case PERP_TICK_SNAPSHOT:
      /* Levels that "vanish" across a snapshot are not spoofs. */
      perp_spoof_tracker_reset (r->spoofs);
      if (!perp_order_book_apply_snapshot (r->book, &event->snapshot, &error))
        note_gap (r, reader, error);
      else if (perp_order_book_get_state (r->book) == PERP_BOOK_STATE_LIVE)
        {
          perp_book_ticker_check_depth (r->check, r->book);
        }
      break;

    case PERP_TICK_TRADE:
      perp_trade_flow_add (r->flow, &event->trade);
      perp_spoof_tracker_observe_trade (r->spoofs, event->trade.price_key, event->trade.trade_time);
      break;

    case PERP_TICK_BOOK_TICKER:
      perp_book_ticker_check_ticker (r->check, &event->ticker);
      break;

    case PERP_TICK_KLINE:
    case PERP_TICK_MARK_PRICE:
    case PERP_TICK_LIQUIDATION:
    case PERP_TICK_OTHER:
    default:
      break;
    }
}

static gboolean
replay_file (Replay              *r,
             const char          *path,
             PerpTickReaderFlags  flags)
{
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  guint64 n_events = 0;

  reader = perp_tick_reader_open (path, flags, &error);
  if (reader == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }

  while (perp_tick_reader_next (reader, &event, &error))
    {
      gint64 t = perp_tick_event_time (&event);

      n_events++;
      r->n_messages[event.kind]++;
      if (r->symbol == NULL && event.symbol != NULL)
        r->symbol = g_strdup (event.symbol);

      /* Spot tickers and snapshots carry no exchange time: they do not move the clock. */
      if (t > 0)
        {
          if (r->next_boundary < 0)
            {
              gint64 start = t - ((t % r->interval_ms) + r->interval_ms) % r->interval_ms;

              r->next_boundary = start + r->interval_ms;
              perp_trade_flow_advance (r->flow, start);
            }
          /* A gap of more than a day's worth of intervals (a capture resumed later, or
           * a wrong time stamp years ahead) is one jump, not a row per empty interval. */
          if (t >= r->next_boundary
              && ((guint64) t - (guint64) r->next_boundary) / (guint64) r->interval_ms
                 > PERP_TRADE_FLOW_MAX_EMPTY_BARS)
            {
              emit_interval (r, r->next_boundary);
              r->next_boundary = t - ((t % r->interval_ms) + r->interval_ms) % r->interval_ms + r->interval_ms;
              r->n_clock_jumps++;
            }
          while (t >= r->next_boundary)
            {
              emit_interval (r, r->next_boundary);
              r->next_boundary += r->interval_ms;
            }
          r->now = MAX (r->now, t);
        }

      apply_event (r, reader, &event);
    }

  r->n_skipped_lines += perp_tick_reader_get_n_skipped (reader);
  if (perp_tick_reader_get_n_skipped (reader) > 0)
    fprintf (stderr, "perpscope-cli: %s: skipped %" G_GUINT64_FORMAT " malformed line%s; the first: %s\n",
             path, perp_tick_reader_get_n_skipped (reader),
             perp_tick_reader_get_n_skipped (reader) == 1 ? "" : "s",
             perp_tick_reader_get_first_skipped (reader));

  if (error != NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }

  if (n_events == 0)
    {
      fprintf (stderr, "perpscope-cli: %s: no messages%s\n", path,
               perp_tick_reader_get_n_skipped (reader) > 0 ? " (every line was malformed)" : "");
      return FALSE;
    }

  return TRUE;
}

static void
print_summary (Replay      *r,
               char       **files)
{
  PerpBookStats stats;
  PerpFlowTotals totals;
  guint64 n_messages = 0;
  guint n_bids = perp_order_book_get_n_levels (r->book, PERP_BOOK_BID);
  guint n_asks = perp_order_book_get_n_levels (r->book, PERP_BOOK_ASK);
  const char *market = perp_book_market_to_string (perp_order_book_get_market (r->book));
  const char *state = perp_book_state_to_string (perp_order_book_get_state (r->book));
  guint64 n_checked = perp_book_ticker_check_get_n_checked (r->check);
  guint64 n_failed = perp_book_ticker_check_get_n_failed (r->check);

  perp_order_book_get_stats (r->book, &stats);
  perp_trade_flow_get_totals (r->flow, &totals);
  for (guint k = 0; k < PERP_TICK_N_KINDS; k++)
    n_messages += r->n_messages[k];

  if (r->json)
    {
      printf ("],\"summary\":{\"symbol\":");
      if (r->symbol != NULL)
        perp_cli_print_json_string (r->symbol);
      else
        printf ("null");
      printf (",\"market\":\"%s\",\"messages\":%" G_GUINT64_FORMAT, market, n_messages);
      for (guint k = 0; k < PERP_TICK_N_KINDS; k++)
        printf (",\"%s_messages\":%" G_GUINT64_FORMAT, perp_tick_kind_to_string (k), r->n_messages[k]);
      printf (",\"skipped_lines\":%" G_GUINT64_FORMAT ",\"rows\":%" G_GUINT64_FORMAT, r->n_skipped_lines, r->n_rows);
      printf (",\"book_state\":\"%s\",\"depth_applied\":%" G_GUINT64_FORMAT ",\"depth_buffered\":%" G_GUINT64_FORMAT
              ",\"depth_skipped\":%" G_GUINT64_FORMAT ",\"resyncs\":%" G_GUINT64_FORMAT
              ",\"snapshots\":%" G_GUINT64_FORMAT ",\"crossed\":%" G_GUINT64_FORMAT
              ",\"bid_levels\":%u,\"ask_levels\":%u",
              state, stats.n_applied, stats.n_buffered, stats.n_skipped, stats.n_gaps,
              stats.n_snapshots, stats.n_crossed, n_bids, n_asks);
      printf (",\"book_ticker_checks\":%" G_GUINT64_FORMAT ",\"book_ticker_failed\":%" G_GUINT64_FORMAT,
              n_checked, n_failed);
      printf (",\"trades\":%" G_GUINT64_FORMAT ",\"buy_volume\":", totals.n_trades);
      perp_cli_print_json_number (totals.buy_volume);
      printf (",\"sell_volume\":");
      perp_cli_print_json_number (totals.sell_volume);
      printf (",\"delta\":");
      perp_cli_print_json_number (totals.buy_volume - totals.sell_volume);
      printf (",\"cvd\":");
      perp_cli_print_json_number (totals.cvd);
      printf (",\"large_trades\":%" G_GUINT64_FORMAT ",\"late_trades\":%" G_GUINT64_FORMAT
              ",\"clock_jumps\":%" G_GUINT64_FORMAT ",\"spoofs\":%" G_GUINT64_FORMAT ",\"files\":[",
              totals.n_large, totals.n_late, r->n_clock_jumps, r->n_spoofs);
      for (guint i = 0; files[i] != NULL; i++)
        {
          if (i > 0)
            putchar (',');
          perp_cli_print_json_string (files[i]);
        }
      printf ("]}}\n");
      return;
    }

  printf ("\nsummary\n");
  for (guint i = 0; files[i] != NULL; i++)
    printf ("  file:              %s\n", files[i]);
  printf ("  symbol:            %s (%s rules)\n", r->symbol != NULL ? r->symbol : "unknown", market);
  printf ("  messages:          %" G_GUINT64_FORMAT " (depth %" G_GUINT64_FORMAT ", trade %" G_GUINT64_FORMAT
          ", bookTicker %" G_GUINT64_FORMAT ", snapshot %" G_GUINT64_FORMAT ", other %" G_GUINT64_FORMAT ")",
          n_messages, r->n_messages[PERP_TICK_DEPTH], r->n_messages[PERP_TICK_TRADE],
          r->n_messages[PERP_TICK_BOOK_TICKER], r->n_messages[PERP_TICK_SNAPSHOT], r->n_messages[PERP_TICK_OTHER]);
  if (r->n_skipped_lines > 0)
    printf (", %" G_GUINT64_FORMAT " malformed line%s skipped", r->n_skipped_lines, r->n_skipped_lines == 1 ? "" : "s");
  printf ("\n  rows:              %" G_GUINT64_FORMAT " of %s\n", r->n_rows, r->interval_name);
  printf ("  book:              %s; depth events applied %" G_GUINT64_FORMAT ", buffered %" G_GUINT64_FORMAT
          ", skipped %" G_GUINT64_FORMAT "; snapshots %" G_GUINT64_FORMAT "; levels %u bid / %u ask\n",
          state, stats.n_applied, stats.n_buffered, stats.n_skipped, stats.n_snapshots, n_bids, n_asks);
  printf ("  resyncs needed:    %" G_GUINT64_FORMAT "\n", stats.n_gaps);
  printf ("  crossed:           %" G_GUINT64_FORMAT " event%s left the book crossed\n",
          stats.n_crossed, stats.n_crossed == 1 ? "" : "s");
  printf ("  bookTicker checks: %" G_GUINT64_FORMAT " made, %" G_GUINT64_FORMAT " failed\n", n_checked, n_failed);
  printf ("  trades:            %" G_GUINT64_FORMAT "; buy %.10g, sell %.10g, delta %+.10g, CVD %+.10g\n",
          totals.n_trades, totals.buy_volume, totals.sell_volume,
          totals.buy_volume - totals.sell_volume, totals.cvd);
  printf ("  large trades:      %" G_GUINT64_FORMAT " (over %.3g x the mean size of the previous %u)\n",
          totals.n_large, r->flow_params.large_factor, r->flow_params.average_trades);
  if (totals.n_late > 0)
    printf ("  late trades:       %" G_GUINT64_FORMAT " (counted into the next interval)\n", totals.n_late);
  if (r->n_clock_jumps > 0)
    printf ("  clock jumps:       %" G_GUINT64_FORMAT " (gaps of over %d intervals, skipped without rows)\n",
            r->n_clock_jumps, PERP_TRADE_FLOW_MAX_EMPTY_BARS);
  printf ("  spoofs:            %" G_GUINT64_FORMAT "\n", r->n_spoofs);
}

static gboolean
parse_interval (const char  *text,
                gint64      *ms)
{
  if (text == NULL || strcmp (text, "1m") == 0)
    *ms = 60000;
  else if (strcmp (text, "1s") == 0)
    *ms = 1000;
  else
    return FALSE;

  return TRUE;
}

int
perp_cli_cmd_flow (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) ticks = NULL;
  g_autofree char *interval = NULL;
  gboolean lenient = FALSE;
  gboolean json = FALSE;
  int exit_code = EXIT_OK;
  gboolean ok = TRUE;
  Replay r;
  const GOptionEntry entries[] = {
    { "ticks", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ticks,
      "Tick capture (JSON lines, gzip or plain); repeat to read the parts of one capture in order", "FILE" },
    { "interval", 0, 0, G_OPTION_ARG_STRING, &interval, "Row interval: 1s or 1m (default 1m)", "INTERVAL" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON instead of text", NULL },
    { "lenient", 0, 0, G_OPTION_ARG_NONE, &lenient, "Skip malformed lines (and count them) instead of failing", NULL },
    { NULL }
  };

  context = g_option_context_new ("- replay a tick capture through the order book and trade flow");
  g_option_context_set_summary (context, "flow");
  g_option_context_set_description (context,
    "Rebuilds the local order book from the capture's REST snapshot and diff-depth events\n"
    "(Binance's sequence rules, USDT-M or spot as the events say) and the trade flow from its\n"
    "trades, and prints one row per interval: best bid and ask, mid, spread, imbalance over\n"
    "the top 10 levels and within 0.5 % of mid, depth within 0.5 %, taker buy and sell volume,\n"
    "delta, CVD, trades, large trades and walls.  Book columns read \"-\" while the book is\n"
    "not fit to use (no snapshot yet, a sequence break, crossed, stale), saying why.\n"
    "Every bookTicker whose update id ends a depth event checks the book's best bid and ask;\n"
    "the summary counts the checks and resyncs.  Exit status 1 if any check failed.");
  g_option_context_add_main_entries (context, entries, NULL);

  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (ticks == NULL || ticks[0] == NULL)
    return perp_cli_usage_error (context, "flow: --ticks FILE is required");
  if (argc > 1)
    return perp_cli_usage_error (context, "flow: unexpected argument \"%s\"", argv[1]);

  memset (&r, 0, sizeof r);
  if (!parse_interval (interval, &r.interval_ms))
    return perp_cli_usage_error (context, "flow: --interval must be 1s or 1m, not \"%s\"", interval);

  r.json = json;
  r.interval_name = r.interval_ms == 1000 ? "1s" : "1m";
  r.next_boundary = -1;
  perp_trade_flow_params_init (&r.flow_params);
  r.flow_params.bar_ms = r.interval_ms;
  perp_book_metrics_params_init (&r.metrics_params);
  r.book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  r.check = perp_book_ticker_check_new ();
  r.flow = perp_trade_flow_new (&r.flow_params);
  r.spoofs = perp_spoof_tracker_new (NULL);
  r.spoof_list = g_array_new (FALSE, FALSE, sizeof (PerpSpoof));

  /* A file that cannot be opened is found before any output. */
  for (guint i = 0; ticks[i] != NULL; i++)
    {
      g_autoptr(PerpTickReader) probe = NULL;
      g_autoptr(GError) error = NULL;

      probe = perp_tick_reader_open (ticks[i], PERP_TICK_READER_FLAGS_NONE, &error);
      if (probe == NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          ok = FALSE;
          break;
        }
    }

  if (ok)
    {
      static char buffer[1 << 16];

      setvbuf (stdout, buffer, _IOFBF, sizeof buffer);
      if (json)
        printf ("{\"interval\":\"%s\",\"rows\":[\n", r.interval_name);
      else
        print_text_header ();
    }

  for (guint i = 0; ticks[i] != NULL && ok; i++)
    ok = replay_file (&r, ticks[i], lenient ? PERP_TICK_READER_FLAGS_LENIENT : PERP_TICK_READER_FLAGS_NONE);

  if (ok)
    {
      emit_last (&r);
      print_summary (&r, ticks);
      if (perp_book_ticker_check_get_n_failed (r.check) > 0)
        {
          fprintf (stderr, "perpscope-cli: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " bookTicker checks failed; the first: %s\n",
                   perp_book_ticker_check_get_n_failed (r.check), perp_book_ticker_check_get_n_checked (r.check),
                   perp_book_ticker_check_get_first_failure (r.check));
          exit_code = EXIT_DATA;
        }
    }
  else
    {
      exit_code = EXIT_DATA;
    }

  if (fflush (stdout) != 0 || ferror (stdout))
    exit_code = EXIT_DATA;

  g_array_unref (r.spoof_list);
  perp_spoof_tracker_free (r.spoofs);
  perp_trade_flow_free (r.flow);
  perp_book_ticker_check_free (r.check);
  perp_order_book_free (r.book);
  g_free (r.symbol);

  return exit_code;
}

/* ------------------------------------------------------------------ bench */

typedef struct
{
  GPtrArray *lines;     /* char *, owned */
  GArray    *lengths;   /* gsize */
  GArray    *kinds;     /* PerpTickKind */
} Capture;

typedef enum
{
  SUBSET_ALL,
  SUBSET_TRADES,
  SUBSET_DEPTH,   /* depth events and the snapshot they sync from */
} Subset;

typedef enum
{
  STAGE_PARSE,    /* json-glib's parse alone: the floor under any json-glib decoder */
  STAGE_DECODE,
  STAGE_APPLY,    /* what the engine does with a message: the book, the trade flow */
  STAGE_FLOW,     /* what `flow` adds: the bookTicker check and the spoof tracker */
} Stage;

typedef struct
{
  PerpOrderBook       *book;
  PerpBookTickerCheck *check;
  PerpTradeFlow       *flow;
  PerpSpoofTracker    *spoofs;
} Engines;

static gboolean
in_subset (PerpTickKind kind,
           Subset       subset)
{
  switch (subset)
    {
    case SUBSET_TRADES:
      return kind == PERP_TICK_TRADE;
    case SUBSET_DEPTH:
      return kind == PERP_TICK_DEPTH || kind == PERP_TICK_SNAPSHOT;
    case SUBSET_ALL:
    default:
      return TRUE;
    }
}

/* The checks (@e->check, @e->spoofs) are NULL at STAGE_APPLY. */
static void
engines_apply (Engines             *e,
               const PerpTickEvent *event)
{
  switch (event->kind)
    {
    case PERP_TICK_DEPTH:
      if (perp_order_book_apply_depth (e->book, &event->depth, NULL) == PERP_BOOK_RESULT_APPLIED
          && e->check != NULL)
        {
          perp_book_ticker_check_depth (e->check, e->book);
          perp_spoof_tracker_observe_depth (e->spoofs, e->book, &event->depth);
        }
      break;
    case PERP_TICK_SNAPSHOT:
      perp_order_book_apply_snapshot (e->book, &event->snapshot, NULL);
      break;
    case PERP_TICK_TRADE:
      perp_trade_flow_add (e->flow, &event->trade);
      if (e->spoofs != NULL)
        perp_spoof_tracker_observe_trade (e->spoofs, event->trade.price_key, event->trade.trade_time);
      break;
    case PERP_TICK_BOOK_TICKER:
      if (e->check != NULL)
        perp_book_ticker_check_ticker (e->check, &event->ticker);
      break;
    case PERP_TICK_KLINE:
    case PERP_TICK_MARK_PRICE:
    case PERP_TICK_LIQUIDATION:
    case PERP_TICK_OTHER:
    default:
      break;
    }
}

/* CPU time of this thread: on a shared machine the wall clock also counts the time
 * other jobs had the core, which varied the same pass by 2x. */
static gint64
thread_cpu_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

/* One timed pass; returns the messages per CPU second, or a negative value on a decode
 * error. */
static double
bench_pass (const Capture   *capture,
            PerpTickDecoder *decoder,
            JsonParser      *parser,
            Subset           subset,
            Stage            stage,
            guint64         *n_messages,
            guint64         *n_levels)
{
  gboolean apply = stage == STAGE_APPLY || stage == STAGE_FLOW;
  Engines e = { NULL, };
  PerpTickEvent event;
  guint64 n = 0;
  guint64 levels = 0;
  gint64 start;
  double seconds;

  if (apply)
    {
      e.book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
      e.flow = perp_trade_flow_new (NULL);
    }
  if (stage == STAGE_FLOW)
    {
      e.check = perp_book_ticker_check_new ();
      e.spoofs = perp_spoof_tracker_new (NULL);
    }

  start = thread_cpu_ns ();
  for (guint i = 0; i < capture->lines->len; i++)
    {
      const char *line = g_ptr_array_index (capture->lines, i);
      gssize length = (gssize) g_array_index (capture->lengths, gsize, i);

      if (!in_subset (g_array_index (capture->kinds, PerpTickKind, i), subset))
        continue;
      if (stage == STAGE_PARSE)
        {
          if (!json_parser_load_from_data (parser, line, length, NULL))
            return -1.0;
          n++;
          continue;
        }
      if (!perp_tick_decoder_decode (decoder, line, length, &event, NULL))
        return -1.0;
      if (apply)
        engines_apply (&e, &event);
      if (event.kind == PERP_TICK_DEPTH)
        levels += event.depth.n_bids + event.depth.n_asks;
      n++;
    }
  seconds = (thread_cpu_ns () - start) / 1e9;

  g_clear_pointer (&e.spoofs, perp_spoof_tracker_free);
  g_clear_pointer (&e.flow, perp_trade_flow_free);
  g_clear_pointer (&e.check, perp_book_ticker_check_free);
  g_clear_pointer (&e.book, perp_order_book_free);

  *n_messages = n;
  *n_levels = levels;

  return seconds > 0.0 ? n / seconds : 0.0;
}

static gboolean
load_capture (const char *path,
              Capture    *capture,
              double     *load_ms)
{
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = perp_cli_now_ns ();
  const char *line;
  gsize length;

  reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, &error);
  if (reader == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }

  capture->lines = g_ptr_array_new_with_free_func (g_free);
  capture->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  capture->kinds = g_array_new (FALSE, FALSE, sizeof (PerpTickKind));

  while ((line = perp_tick_reader_next_line (reader, &length, &error)) != NULL)
    {
      PerpTickEvent event;
      g_autoptr(GError) decode_error = NULL;

      if (length == 0)
        continue;
      if (!perp_tick_decoder_decode (decoder, line, (gssize) length, &event, &decode_error))
        {
          fprintf (stderr, "perpscope-cli: %s:%" G_GUINT64_FORMAT ": %s\n",
                   path, perp_tick_reader_get_line (reader), decode_error->message);
          return FALSE;
        }
      g_ptr_array_add (capture->lines, g_strndup (line, length));
      g_array_append_val (capture->lengths, length);
      g_array_append_val (capture->kinds, event.kind);
    }

  if (error != NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }

  *load_ms = (perp_cli_now_ns () - start) / 1e6;

  return TRUE;
}

static void
capture_clear (Capture *capture)
{
  g_clear_pointer (&capture->lines, g_ptr_array_unref);
  g_clear_pointer (&capture->lengths, g_array_unref);
  g_clear_pointer (&capture->kinds, g_array_unref);
}

int
perp_cli_bench_flow (const char *ticks,
                     int         runs)
{
  static const struct {
    const char *name;
    Subset      subset;
    Stage       stage;
    const char *budget;
  } cases[] = {
    { "all messages, json-glib parse", SUBSET_ALL, STAGE_PARSE, "" },
    { "all messages, decode", SUBSET_ALL, STAGE_DECODE, "" },
    { "all messages, decode + apply", SUBSET_ALL, STAGE_APPLY, "" },
    { "all messages, + flow's checks", SUBSET_ALL, STAGE_FLOW, "" },
    { "trades, json-glib parse", SUBSET_TRADES, STAGE_PARSE, "" },
    { "trades, decode", SUBSET_TRADES, STAGE_DECODE, "" },
    { "trades, decode + apply", SUBSET_TRADES, STAGE_APPLY, "100000" },
    { "trades, + flow's checks", SUBSET_TRADES, STAGE_FLOW, "" },
    { "depth, json-glib parse", SUBSET_DEPTH, STAGE_PARSE, "" },
    { "depth, decode", SUBSET_DEPTH, STAGE_DECODE, "" },
    { "depth, decode + apply", SUBSET_DEPTH, STAGE_APPLY, "20000" },
    { "depth, + flow's checks", SUBSET_DEPTH, STAGE_FLOW, "" },
  };
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree double *samples = g_new (double, runs);
  Capture capture = { NULL, };
  guint64 counts[PERP_TICK_N_KINDS] = { 0, };
  double load_ms = 0.0;
  int exit_code = EXIT_OK;

  if (!load_capture (ticks, &capture, &load_ms))
    {
      capture_clear (&capture);
      return EXIT_DATA;
    }

  for (guint i = 0; i < capture.kinds->len; i++)
    counts[g_array_index (capture.kinds, PerpTickKind, i)]++;

  printf ("file: %s\n", ticks);
  printf ("%u messages (depth %" G_GUINT64_FORMAT ", trade %" G_GUINT64_FORMAT ", bookTicker %" G_GUINT64_FORMAT
          ", snapshot %" G_GUINT64_FORMAT ", other %" G_GUINT64_FORMAT "); %d runs per case after 1 warm-up\n",
          capture.lines->len, counts[PERP_TICK_DEPTH], counts[PERP_TICK_TRADE], counts[PERP_TICK_BOOK_TICKER],
          counts[PERP_TICK_SNAPSHOT], counts[PERP_TICK_OTHER], runs);
  printf ("read + gunzip + split into lines + first decode (untimed below): %.0f ms\n", load_ms);
  printf ("Per CPU second of this thread.  \"apply\" is what the engine does with a message (the\n"
          "order book, the trade flow); \"flow's checks\" adds what `perpscope-cli flow` runs\n"
          "besides (the bookTicker check, the spoof tracker).\n\n");
  printf ("%-32s %12s %12s %12s %12s %14s\n", "messages per second", "median", "min", "max", "budget",
          "levels/s (med)");

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      guint64 n_messages = 0;
      guint64 n_levels = 0;
      double median;

      if (bench_pass (&capture, decoder, parser, cases[c].subset, cases[c].stage, &n_messages, &n_levels) < 0.0)
        {
          fprintf (stderr, "perpscope-cli: %s: a line failed to decode\n", ticks);
          exit_code = EXIT_DATA;
          break;
        }
      for (int run = 0; run < runs; run++)
        samples[run] = bench_pass (&capture, decoder, parser, cases[c].subset, cases[c].stage,
                                   &n_messages, &n_levels);
      qsort (samples, runs, sizeof (double), perp_cli_compare_double);
      median = samples[runs / 2];

      printf ("%-32s %12.0f %12.0f %12.0f %12s", cases[c].name, median, samples[0], samples[runs - 1],
              cases[c].budget);
      if (cases[c].stage != STAGE_PARSE && n_levels > 0 && n_messages > 0)
        printf (" %14.0f", median * (double) n_levels / (double) n_messages);
      printf ("\n");
    }

  capture_clear (&capture);

  return exit_code;
}
