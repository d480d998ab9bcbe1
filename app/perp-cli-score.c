/* perp-cli-score.c: perpscope-cli score and bench score
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/perp-analysis.h"
#include "core/perp-book-metrics.h"
#include "core/perp-order-book.h"
#include "core/perp-signal.h"
#include "io/perp-config.h"
#include "io/perp-exchange-info.h"
#include "io/perp-series-csv.h"
#include "io/perp-tick-reader.h"

#include "perp-cli-private.h"
#include "io/perp-data-path.h"


/* Everything one "score" run gathered, for the two printers. */
typedef struct
{
  const char            *symbol;
  PerpInterval           interval;
  PerpInterval           htf_interval;
  gboolean               htf_from_file;
  const PerpConfig      *config;
  PerpScore              score;
  PerpBreakerVerdict     verdict;
  PerpPlan               plan;
  const PerpSymbolRules *rules;
  const char            *rules_source;
  const char            *signal_status;
  double                 required_confidence;
} Report;

/* ------------------------------------------------------------------ inputs */

/* "BTCUSDT_5m_2023-...csv" and "FILUSDT-1m-2023-08.csv" both start with the symbol. */
static char *
symbol_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  gsize n = 0;

  while (g_ascii_isupper (base[n]) || g_ascii_isdigit (base[n]))
    n++;
  return n >= 5 ? g_strndup (base, n) : NULL;
}

/* The higher-timeframe candles that had closed by now: it never leaks. */
static gboolean
push_htf (PerpAnalysis       *analysis,
          const PerpCandles  *htf,
          const char         *path,
          gint64              now,
          GError            **error)
{
  gint64 htf_ms = perp_interval_to_ms (perp_candles_get_interval (htf));

  for (guint i = 0; i < perp_candles_get_length (htf); i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (htf, i, &candle);
      if (candle.open_time + htf_ms > now)
        break;
      if (!perp_analysis_push_htf_candle (analysis, &candle, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_funding (PerpAnalysis  *analysis,
              const char    *path,
              gint64         now,
              GError       **error)
{
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, error);

  if (series == NULL)
    return FALSE;
  for (guint i = 0; i < series->length && series->time[i] <= now; i++)
    if (!perp_analysis_push_funding (analysis, series->time[i], series->value[i], error))
      {
        g_prefix_error (error, "%s: row %u: ", path, i + 1);
        return FALSE;
      }
  return TRUE;
}

/* Open interest, and the liquidation map it weights. */
static gboolean
load_open_interest (PerpAnalysis       *analysis,
                    const PerpCandles  *candles,
                    guint               n,
                    const char         *path,
                    gint64              now,
                    GError            **error)
{
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, error);
  g_autoptr(PerpOiSeries) oi = NULL;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autofree double *deltas = NULL;
  const gint64 *open_time = perp_candles_get_open_time (candles);
  const double *close = perp_candles_get_close (candles);
  gint64 interval_ms = perp_interval_to_ms (perp_candles_get_interval (candles));
  PerpLiqMapParams params;

  if (series == NULL)
    return FALSE;
  oi = perp_oi_series_new ();
  for (guint i = 0; i < series->length && series->time[i] <= now; i++)
    {
      /* Classified against the close of the candle the sample falls in. */
      guint c = perp_candles_lower_bound (candles, series->time[i] - interval_ms + 1);
      double price = c < n ? close[c] : close[n - 1];

      if (!perp_oi_series_append (oi, series->time[i], series->value[i], NAN, price, error))
        {
          g_prefix_error (error, "%s: row %u: ", path, i + 1);
          return FALSE;
        }
    }
  perp_analysis_set_open_interest (analysis, oi);

  deltas = g_new (double, n);
  perp_oi_series_candle_deltas (oi, open_time, n, interval_ms, deltas);
  perp_liq_map_params_init_default (&params, close[n - 1]);
  map = perp_liq_map_new (&params, interval_ms, error);
  if (map == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      if (!perp_liq_map_add_candle (map, &candle, deltas[i], NULL, error))
        return FALSE;
    }
  perp_analysis_set_liquidation_map (analysis, map);
  return TRUE;
}

typedef struct
{
  PerpOrderBook   *book;
  PerpTradeFlow   *flow;
  PerpBookMetrics  metrics;
} TickState;

static void
tick_state_clear (TickState *state)
{
  g_clear_pointer (&state->book, perp_order_book_free);
  g_clear_pointer (&state->flow, perp_trade_flow_free);
}

/* Replays a tick capture into a book and a trade flow up to now (inclusive), and
 * stops at the first message after it: nothing from the future gets in. */
static gboolean
load_ticks (const char  *path,
            gint64       now,
            gint64       interval_ms,
            TickState   *state,
            GError     **error)
{
  g_autoptr(PerpTickReader) reader = perp_tick_reader_open (path, 0, error);
  PerpTradeFlowParams flow_params;
  PerpBookMetricsParams metrics_params;
  PerpTickEvent event;

  if (reader == NULL)
    return FALSE;
  state->book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  perp_trade_flow_params_init (&flow_params);
  flow_params.bar_ms = interval_ms;
  state->flow = perp_trade_flow_new (&flow_params);

  while (perp_tick_reader_next (reader, &event, error))
    {
      gint64 t = perp_tick_event_time (&event);

      if (t > now)
        break;
      switch (event.kind)
        {
        case PERP_TICK_DEPTH:
          perp_order_book_apply_depth (state->book, &event.depth, NULL);
          break;
        case PERP_TICK_SNAPSHOT:
          perp_order_book_apply_snapshot (state->book, &event.snapshot, NULL);
          break;
        case PERP_TICK_TRADE:
          perp_trade_flow_add (state->flow, &event.trade);
          break;
        case PERP_TICK_BOOK_TICKER:
        case PERP_TICK_KLINE:
        case PERP_TICK_MARK_PRICE:
        case PERP_TICK_LIQUIDATION:
        case PERP_TICK_OTHER:
        default:
          break;
        }
    }
  if (error != NULL && *error != NULL)
    return FALSE;

  perp_trade_flow_advance (state->flow, now);
  perp_book_metrics_params_init (&metrics_params);
  perp_book_metrics_compute (state->book, &metrics_params, now, 5000, &state->metrics);
  return TRUE;
}

/* ------------------------------------------------------------------ output */

static void
print_json_reason (const PerpReason *reason)
{
  g_autofree char *text = perp_reason_format (reason);

  printf ("{\"template\":");
  perp_cli_print_json_string (perp_reason_id_name (reason->id));
  printf (",\"text\":");
  perp_cli_print_json_string (text);
  printf (",\"args\":[");
  for (guint a = 0; a < reason->n_args; a++)
    {
      if (a > 0)
        printf (",");
      perp_cli_print_json_number (reason->args[a]);
    }
  printf ("]}");
}

static void
print_json_time (const char *key,
                 gint64      ms)
{
  printf (",\"%s\":", key);
  if (ms < 0)
    printf ("null");
  else
    printf ("%" G_GINT64_FORMAT, ms);
}

static void
print_json (const Report *r)
{
  const PerpScore *s = &r->score;
  const PerpPlan *p = &r->plan;
  const PerpSizing *z = &p->sizing;
  g_autofree char *size_text = perp_sizing_describe (z, r->rules);
  gboolean first;

  printf ("{\"schema\":\"perpscope.score/1\",\"symbol\":");
  perp_cli_print_json_string (r->symbol);
  printf (",\"interval\":\"%s\",\"htf_interval\":", perp_interval_to_string (r->interval));
  if (r->htf_interval != PERP_INTERVAL_UNKNOWN)
    printf ("\"%s\"", perp_interval_to_string (r->htf_interval));
  else
    printf ("null");
  printf (",\"time\":%" G_GINT64_FORMAT, s->time);
  printf (",\"candle_open_time\":%" G_GINT64_FORMAT, s->time - perp_interval_to_ms (r->interval));
  printf (",\"price\":"); perp_cli_print_json_number (s->price);
  printf (",\"atr\":"); perp_cli_print_json_number (s->atr);
  printf (",\"long_pct\":"); perp_cli_print_json_number (s->long_pct);
  printf (",\"short_pct\":"); perp_cli_print_json_number (s->short_pct);
  printf (",\"confidence\":"); perp_cli_print_json_number (s->confidence);
  printf (",\"direction\":\"%s\",\"tier\":\"%s\"", perp_direction_name (s->direction), perp_tier_name (s->tier));
  printf (",\"evidence\":"); perp_cli_print_json_number (s->evidence);
  printf (",\"coverage\":"); perp_cli_print_json_number (s->coverage);
  printf (",\"signal\":{\"status\":\"%s\",\"required_confidence\":", r->signal_status);
  perp_cli_print_json_number (r->required_confidence);
  printf ("}");

  printf (",\"top_reasons\":[");
  first = TRUE;
  for (guint t = 0; t < PERP_SCORE_TOP_REASONS; t++)
    if (s->top[t] >= 0)
      {
        const PerpFactorScore *f = &s->factors[s->top[t]];

        printf ("%s{\"factor\":\"%s\",\"contribution\":", first ? "" : ",", perp_factor_name (f->factor));
        perp_cli_print_json_number (f->contribution);
        printf (",\"reason\":");
        print_json_reason (&f->reason);
        printf ("}");
        first = FALSE;
      }
  printf ("]");

  for (int want = PERP_DATA_STALE; want <= PERP_DATA_MISSING; want++)
    {
      printf (",\"%s\":[", want == PERP_DATA_STALE ? "stale" : "missing");
      first = TRUE;
      for (guint f = 0; f < PERP_N_FACTORS; f++)
        if ((int) s->factors[f].state == want)
          {
            printf ("%s\"%s\"", first ? "" : ",", perp_factor_name (f));
            first = FALSE;
          }
      printf ("]");
    }

  printf (",\"factors\":[");
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const PerpFactorScore *factor = &s->factors[f];

      printf ("%s{\"name\":\"%s\",\"value\":", f > 0 ? "," : "", perp_factor_name (f));
      perp_cli_print_json_number (factor->value);
      printf (",\"state\":\"%s\"", perp_data_state_name (factor->state));
      print_json_time ("age_ms", factor->age_ms);
      printf (",\"weight\":"); perp_cli_print_json_number (factor->weight);
      printf (",\"contribution\":"); perp_cli_print_json_number (factor->contribution);
      printf (",\"reason\":");
      print_json_reason (&factor->reason);
      printf ("}");
    }
  printf ("]");

  printf (",\"plan\":{\"status\":\"%s\",\"direction\":\"%s\"", perp_plan_status_name (p->status),
          perp_direction_name (p->direction));
  printf (",\"entry\":"); perp_cli_print_json_number (p->entry);
  printf (",\"stop\":"); perp_cli_print_json_number (p->stop);
  printf (",\"stop_anchor\":\"%s\"", perp_stop_anchor_name (p->stop_anchor));
  printf (",\"stop_structure\":"); perp_cli_print_json_number (p->stop_structure);
  printf (",\"stop_adjusted\":%d", p->stop_adjusted);
  printf (",\"risk_per_unit\":"); perp_cli_print_json_number (p->risk_per_unit);
  printf (",\"targets\":[");
  for (guint t = 0; t < p->n_targets; t++)
    {
      printf ("%s{\"price\":", t > 0 ? "," : "");
      perp_cli_print_json_number (p->targets[t].price);
      printf (",\"r\":"); perp_cli_print_json_number (p->targets[t].r);
      printf (",\"share\":"); perp_cli_print_json_number (p->targets[t].share);
      printf (",\"kind\":\"%s\"}", perp_target_kind_name (p->targets[t].kind));
    }
  printf ("],\"reward_risk\":"); perp_cli_print_json_number (p->reward_risk);
  print_json_time ("expires_at", p->expires_at);
  printf (",\"break_even_after\":%u,\"trail_after\":%u", p->break_even_after, p->trail_after);
  printf (",\"size\":{\"status\":\"%s\",\"quantity\":", perp_sizing_status_name (z->status));
  perp_cli_print_json_number (z->quantity);
  printf (",\"notional\":"); perp_cli_print_json_number (z->notional);
  printf (",\"risk\":"); perp_cli_print_json_number (z->risk);
  printf (",\"target_risk\":"); perp_cli_print_json_number (z->target_risk);
  printf (",\"risk_diff_pct\":"); perp_cli_print_json_number (z->risk_diff_pct);
  printf (",\"min_valid_risk\":"); perp_cli_print_json_number (z->min_valid_risk);
  printf (",\"heat_pct\":"); perp_cli_print_json_number (z->heat_pct);
  printf (",\"filters\":");
  if (r->rules != NULL)
    perp_cli_print_json_string (r->rules_source);
  else
    printf ("null");
  printf (",\"text\":");
  perp_cli_print_json_string (size_text);
  printf ("}}");

  printf (",\"breakers\":{\"action\":\"%s\",\"threshold_raise\":",
          perp_breaker_action_name (r->verdict.action));
  perp_cli_print_json_number (r->verdict.threshold_raise);
  printf (",\"size_factor\":"); perp_cli_print_json_number (r->verdict.size_factor);
  printf (",\"results\":[");
  for (guint b = 0; b < r->verdict.n_results; b++)
    {
      const PerpBreakerResult *res = &r->verdict.results[b];

      printf ("%s{\"name\":\"%s\",\"action\":\"%s\"", b > 0 ? "," : "",
              perp_breaker_name (res->breaker), perp_breaker_action_name (res->action));
      print_json_time ("until", res->until);
      printf (",\"reason\":");
      perp_cli_print_json_string (res->reason);
      printf ("}");
    }
  printf ("]}}\n");
}

static void
print_text (const Report *r)
{
  const PerpScore *s = &r->score;
  const PerpPlan *p = &r->plan;
  g_autofree char *when = perp_cli_format_time (s->time - perp_interval_to_ms (r->interval));
  g_autofree char *price = perp_format_price (s->price);
  g_autoptr(GString) gaps = g_string_new (NULL);

  printf ("%s %s, candle of %s, price %s\n", r->symbol, perp_interval_to_string (r->interval), when, price);
  printf ("Long %.1f %%  Short %.1f %%  ->  %s, tier %s (%s)\n", s->long_pct, s->short_pct,
          perp_direction_name (s->direction), perp_tier_name (s->tier), r->signal_status);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    if (s->factors[f].state != PERP_DATA_FRESH)
      g_string_append_printf (gaps, "%s%s %s", gaps->len > 0 ? ", " : "",
                              perp_factor_title (f), perp_data_state_name (s->factors[f].state));
  printf ("Data coverage %.0f %%%s%s\n", s->coverage * 100.0, gaps->len > 0 ? ": " : "", gaps->str);

  printf ("\nTop reasons:\n");
  for (guint t = 0; t < PERP_SCORE_TOP_REASONS; t++)
    if (s->top[t] >= 0)
      {
        g_autofree char *text = perp_reason_format (&s->factors[s->top[t]].reason);

        printf ("  %u. %s (%s, %+.3f)\n", t + 1, text, perp_factor_title (s->factors[s->top[t]].factor),
                s->factors[s->top[t]].contribution);
      }

  printf ("\nPlan: %s\n", perp_plan_status_name (p->status));
  if (p->status != PERP_PLAN_NO_DIRECTION && p->status != PERP_PLAN_NO_ATR)
    {
      g_autofree char *entry = perp_format_price (p->entry);
      g_autofree char *stop = perp_format_price (p->stop);
      g_autofree char *anchor = perp_format_price (p->stop_structure);
      g_autofree char *size = perp_sizing_describe (&p->sizing, r->rules);

      printf ("  %s  entry %s  stop %s (beyond %s%s%s%s)\n", perp_direction_name (p->direction),
              entry, stop, perp_stop_anchor_name (p->stop_anchor),
              isfinite (p->stop_structure) ? " at " : "", isfinite (p->stop_structure) ? anchor : "",
              p->stop_adjusted < 0 ? ", widened to the minimum distance"
              : p->stop_adjusted > 0 ? ", tightened to the maximum distance" : "");
      for (guint t = 0; t < p->n_targets; t++)
        {
          g_autofree char *target = perp_format_price (p->targets[t].price);

          printf ("  TP%u %s  %.2f R  %.0f %%%s\n", t + 1, target, p->targets[t].r,
                  p->targets[t].share * 100.0,
                  p->targets[t].kind == PERP_TARGET_LIQUIDITY ? "  (opposing liquidity)" : "");
        }
      printf ("  R:R %.2f", p->reward_risk);
      if (p->expires_at >= 0)
        {
          g_autofree char *expires = perp_cli_format_time (p->expires_at);

          printf ("; time stop %s", expires);
        }
      if (p->break_even_after > 0)
        printf ("; stop to entry after TP%u", p->break_even_after);
      if (p->trail_after > 0)
        printf ("; trail to the previous target after TP%u", p->trail_after);
      printf ("\n  %s%s\n", size, r->rules == NULL ? " (no exchange filters: not rounded)" : "");
    }

  printf ("\nBreakers: %s", perp_breaker_action_name (r->verdict.action));
  if (r->verdict.threshold_raise > 0.0)
    printf (", threshold +%.0f", r->verdict.threshold_raise);
  if (r->verdict.size_factor != 1.0)
    printf (", size x%.2f", r->verdict.size_factor);
  printf ("\n");
  for (guint b = 0; b < r->verdict.n_results; b++)
    printf ("  %-15s %-6s %s\n", perp_breaker_name (r->verdict.results[b].breaker),
            perp_breaker_action_name (r->verdict.results[b].action), r->verdict.results[b].reason);

  printf ("\nFactors:\n  %-22s %7s %7s %8s  %s\n", "factor", "value", "weight", "state", "reason");
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const PerpFactorScore *factor = &s->factors[f];
      g_autofree char *text = perp_reason_format (&factor->reason);

      printf ("  %-22s %+7.3f %7.3f %8s  %s\n", perp_factor_title (f), factor->value, factor->weight,
              perp_data_state_name (factor->state), text);
    }
}

/* ------------------------------------------------------------------ the run */

/* Which signal a person would act on: breakers may block it or raise the bar. */
static void
decide_signal (Report *r)
{
  r->signal_status = perp_signal_status_name (perp_signal_decide (&r->config->score, &r->score, &r->verdict,
                                                                  &r->plan, &r->required_confidence));
}

int
perp_cli_cmd_score (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpCandles) htf_candles = NULL;
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autoptr(PerpExchangeInfo) exchange = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *htf_csv = NULL;
  g_autofree char *ticks = NULL;
  g_autofree char *funding = NULL;
  g_autofree char *oi = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *exchange_path = NULL;
  g_autofree char *symbol = NULL;
  g_autofree char *guessed = NULL;
  double equity = NAN;
  double risk_usd = NAN;
  gboolean json = FALSE;
  int exit_code = EXIT_OK;
  PerpCsvReport report = { 0 };
  TickState tick_state = { 0 };
  PerpBreakerState state;
  PerpScoreParams score_params;
  PerpSizingParams sizing;
  Report r = { 0 };
  guint n;
  gint64 interval_ms;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Candle CSV of the signal timeframe (required)", "FILE" },
    { "htf-csv", 0, 0, G_OPTION_ARG_FILENAME, &htf_csv, "Candles of the higher timeframe (default: built from --csv)", "FILE" },
    { "ticks", 0, 0, G_OPTION_ARG_FILENAME, &ticks, "Tick capture for the order book and trade flow", "FILE" },
    { "funding", 0, 0, G_OPTION_ARG_FILENAME, &funding, "Funding-rate CSV (time, rate)", "FILE" },
    { "oi", 0, 0, G_OPTION_ARG_FILENAME, &oi, "Open-interest CSV (time, open interest)", "FILE" },
    { "exchange-info", 0, 0, G_OPTION_ARG_FILENAME, &exchange_path, "Binance exchangeInfo JSON for tick, step and minimum notional (default: the bundled copy)", "FILE" },
    { "symbol", 0, 0, G_OPTION_ARG_STRING, &symbol, "Symbol (default: from the file name)", "SYMBOL" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, "Open time of the last closed candle to use: Unix ms or ISO 8601, UTC (default: the file's last)", "TIME" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "YAML configuration (default: built-in defaults)", "FILE" },
    { "equity", 0, 0, G_OPTION_ARG_DOUBLE, &equity, "Size for risk.risk_pct of this equity", "USDT" },
    { "risk-usd", 0, 0, G_OPTION_ARG_DOUBLE, &risk_usd, "Size for a fixed risk in USDT (default 1)", "USDT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output (schema in docs/score-json.md)", NULL },
    { NULL }
  };

  context = g_option_context_new ("- Long/Short confidence, reasons and trade plan at a time");
  g_option_context_set_summary (context, "score");
  g_option_context_set_description (context,
    "Scores the symbol as of --at: that candle is the last closed candle the score may\n"
    "use, and every other input (higher timeframe, ticks, funding, open interest) is cut\n"
    "at its close.  Sources not given are reported as missing and lower the confidence.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "score: unexpected argument \"%s\"", argv[1]);
  if (csv == NULL)
    return perp_cli_usage_error (context, "score: --csv FILE is required");
  if (isfinite (equity) && isfinite (risk_usd))
    return perp_cli_usage_error (context, "score: give --equity or --risk-usd, not both");
  if ((isfinite (equity) && !(equity > 0.0)) || (isfinite (risk_usd) && !(risk_usd > 0.0)))
    return perp_cli_usage_error (context, "score: --equity and --risk-usd must be above 0");

  config = config_path != NULL ? perp_config_load_file (config_path, &error) : perp_config_new_default ();
  if (config == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return EXIT_DATA;
    }

  candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &report);
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;
  interval_ms = perp_interval_to_ms (perp_candles_get_interval (candles));
  n = perp_candles_get_length (candles);
  if (n == 0 || interval_ms <= 0)
    {
      fprintf (stderr, "perpscope-cli: %s: no candles of a known interval\n", csv);
      return EXIT_DATA;
    }
  if (at_text != NULL)
    {
      gint64 at;
      guint index;

      if (!perp_cli_parse_time (at_text, &at))
        return perp_cli_usage_error (context, "score: --at \"%s\" is neither Unix milliseconds nor an ISO 8601 time", at_text);
      index = perp_candles_lower_bound (candles, at);
      if (index >= n || perp_candles_get_open_time (candles)[index] != at)
        {
          g_autofree char *when = perp_cli_format_time (at);

          fprintf (stderr, "perpscope-cli: %s: no candle opens at %s\n", csv, when);
          return EXIT_DATA;
        }
      n = index + 1;
    }

  guessed = symbol_from_path (csv);
  r.symbol = symbol != NULL ? symbol : guessed != NULL ? guessed : "UNKNOWN";
  r.config = config;
  r.interval = perp_candles_get_interval (candles);

  score_params = config->score;
  if (htf_csv != NULL)
    {
      htf_candles = perp_cli_load_candles (htf_csv, &(PerpCsvOptions) { 0 }, &report);
      perp_csv_report_clear (&report);
      if (htf_candles == NULL)
        return EXIT_DATA;
      score_params.htf_interval = perp_candles_get_interval (htf_candles);
      if (perp_interval_to_ms (score_params.htf_interval) <= interval_ms)
        {
          fprintf (stderr, "perpscope-cli: %s: its %s interval is not above the signal's %s\n", htf_csv,
                   perp_interval_to_string (score_params.htf_interval), perp_interval_to_string (r.interval));
          return EXIT_DATA;
        }
    }

  analysis = perp_analysis_new (r.symbol, r.interval, perp_candles_get_fields (candles),
                                htf_csv != NULL ? PERP_ANALYSIS_HTF_FED : PERP_ANALYSIS_HTF_RESAMPLE,
                                &config->structure, &score_params, &error);
  if (analysis == NULL || !perp_analysis_push_candles (analysis, candles, 0, n, &error))
    {
      fprintf (stderr, "perpscope-cli: %s: %s\n", csv, error->message);
      return EXIT_DATA;
    }
  r.htf_interval = perp_analysis_get_htf_candles (analysis) != NULL
                   ? perp_candles_get_interval (perp_analysis_get_htf_candles (analysis)) : PERP_INTERVAL_UNKNOWN;

  if ((htf_candles != NULL && !push_htf (analysis, htf_candles, htf_csv, perp_analysis_get_now (analysis), &error))
      || (funding != NULL && !load_funding (analysis, funding, perp_analysis_get_now (analysis), &error))
      || (oi != NULL && !load_open_interest (analysis, candles, n, oi, perp_analysis_get_now (analysis), &error))
      || (ticks != NULL && !load_ticks (ticks, perp_analysis_get_now (analysis), interval_ms, &tick_state, &error)))
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      tick_state_clear (&tick_state);
      return EXIT_DATA;
    }
  if (ticks != NULL)
    {
      perp_analysis_set_book (analysis, &tick_state.metrics);
      perp_analysis_set_flow (analysis, tick_state.flow);
    }

  if (!perp_analysis_score (analysis, &r.score, &error))
    {
      fprintf (stderr, "perpscope-cli: %s: %s\n", csv, error->message);
      tick_state_clear (&tick_state);
      return EXIT_DATA;
    }

  /* The breakers read an empty journal here: no stop-outs, no open positions.  The
   * market half (ATR against its average, BTC's hour) comes from the candles. */
  perp_breaker_state_init (&state);
  perp_analysis_fill_breaker_state (analysis, &state);
  state.direction = r.score.direction;
  state.confidence = r.score.confidence;
  perp_breakers_check (&config->breakers, &state, &r.verdict);

  exchange_path = exchange_path != NULL ? exchange_path : perp_data_path_find (PERP_CLI_EXCHANGE_INFO_FILE, G_FILE_TEST_IS_REGULAR);
  if (exchange_path != NULL)
    {
      exchange = perp_exchange_info_load_file (exchange_path, &error);
      if (exchange == NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          tick_state_clear (&tick_state);
          perp_breaker_verdict_clear (&r.verdict);
          return EXIT_DATA;
        }
      r.rules = perp_exchange_info_lookup (exchange, r.symbol);
      r.rules_source = exchange_path;
    }

  sizing = config->sizing;
  if (isfinite (equity))
    {
      sizing.mode = PERP_SIZING_RISK_EQUITY_PCT;
      sizing.equity = equity;
    }
  else if (isfinite (risk_usd))
    {
      sizing.mode = PERP_SIZING_RISK_USD;
      sizing.risk_usd = risk_usd;
    }
  {
    PerpScoreInputs inputs;

    perp_analysis_get_inputs (analysis, &inputs);
    perp_plan_build (&config->plan, &sizing, r.rules, &r.score, &inputs,
                     r.verdict.size_factor, 0.0, &r.plan);
  }
  decide_signal (&r);

  if (json)
    print_json (&r);
  else
    print_text (&r);

  perp_breaker_verdict_clear (&r.verdict);
  tick_state_clear (&tick_state);
  return EXIT_OK;
}

/* ------------------------------------------------------------------ bench */

/* Symbols built from one real file: each starts at a different offset, so their
 * structure and indicators differ the way real symbols' do. */
#define BENCH_SYMBOLS 500
#define BENCH_CANDLES 1000

int
perp_cli_bench_score (const char *csv,
                      int         runs)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree double *cold = g_new (double, runs);
  g_autofree double *live = g_new (double, runs);
  PerpCsvReport report = { 0 };
  PerpAnalysis **symbols;
  guint n;
  guint stride;
  guint per_symbol;
  double checksum = 0.0;

  candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &report);
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;
  n = perp_candles_get_length (candles);
  /* Short files give shorter histories (and say so); the budget is for 1,000. */
  if (n < 100 + (guint) runs + 1)
    {
      fprintf (stderr, "perpscope-cli: %s: bench score needs at least %d candles\n", csv, 100 + runs + 1);
      return EXIT_DATA;
    }
  per_symbol = MIN (BENCH_CANDLES, n - runs - 1);
  stride = (n - per_symbol - runs - 1) / BENCH_SYMBOLS;

  symbols = g_new0 (PerpAnalysis *, BENCH_SYMBOLS);
  for (guint s = 0; s < BENCH_SYMBOLS; s++)
    {
      g_autofree char *name = g_strdup_printf ("SYM%03uUSDT", s);

      symbols[s] = perp_analysis_new (name, perp_candles_get_interval (candles),
                                      perp_candles_get_fields (candles), PERP_ANALYSIS_HTF_RESAMPLE,
                                      &config->structure, &config->score, &error);
      if (symbols[s] == NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          return EXIT_DATA;
        }
    }

  printf ("file: %s; %d symbols x %u candles (offsets %u candles apart), %d runs\n",
          csv, BENCH_SYMBOLS, per_symbol, stride, runs);

  for (int run = 0; run < runs; run++)
    {
      gint64 start;

      /* Cold: every symbol from nothing: 1,000 candles through structure, indicators and
       * the higher timeframe, then one score. */
      start = perp_cli_now_ns ();
      for (guint s = 0; s < BENCH_SYMBOLS; s++)
        {
          PerpScore score;
          guint first = s * stride;

          perp_analysis_reset (symbols[s]);
          if (!perp_analysis_push_candles (symbols[s], candles, first, first + per_symbol, &error)
              || !perp_analysis_score (symbols[s], &score, &error))
            {
              fprintf (stderr, "perpscope-cli: %s\n", error->message);
              return EXIT_DATA;
            }
          checksum += score.long_pct;
        }
      cold[run] = (perp_cli_now_ns () - start) / 1e6;

      /* Live: the next candle closes on every symbol; each takes it and is scored. */
      start = perp_cli_now_ns ();
      for (guint s = 0; s < BENCH_SYMBOLS; s++)
        {
          PerpScore score;
          PerpCandle candle;

          perp_candles_get_candle (candles, s * stride + per_symbol, &candle);
          if (!perp_analysis_push_candle (symbols[s], &candle, &error)
              || !perp_analysis_score (symbols[s], &score, &error))
            {
              fprintf (stderr, "perpscope-cli: %s\n", error->message);
              return EXIT_DATA;
            }
          checksum += score.long_pct;
        }
      live[run] = (perp_cli_now_ns () - start) / 1e6;
    }

  for (guint s = 0; s < BENCH_SYMBOLS; s++)
    perp_analysis_free (symbols[s]);
  g_free (symbols);

  qsort (cold, runs, sizeof (double), perp_cli_compare_double);
  qsort (live, runs, sizeof (double), perp_cli_compare_double);
  printf ("%-58s %9s %9s %9s\n", "ms for all symbols", "median", "min", "max");
  printf ("%-58s %9.2f %9.2f %9.2f\n", "live: one candle closes, push + score each symbol",
          live[runs / 2], live[0], live[runs - 1]);
  printf ("%-58s %9.2f %9.2f %9.2f\n", "cold: the history + score each symbol from nothing",
          cold[runs / 2], cold[0], cold[runs - 1]);
  printf ("live: %.0f symbols/s; cold: %.0f symbols/s (checksum %.3f)\n",
          BENCH_SYMBOLS / (live[runs / 2] / 1e3), BENCH_SYMBOLS / (cold[runs / 2] / 1e3), checksum);
  return EXIT_OK;
}
