/* test-sizing.c: position sizing against Binance's real filters, and the exchangeInfo
 * decoder they come from (tests/fixtures/README.md says how the fixtures were cut)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-sizing.h"
#include "io/perp-exchange-info.h"
#include "perp-test-support.h"

#define SUBSET      "exchangeInfo_subset.json"
#define MALFORMED   "exchangeInfo_malformed.json"
#define RECORDED    "data/binance_api_samples/recorded/fapi_v1_exchangeInfo_2025-12-24.json"

/* ------------------------------------------------------------------ helpers */

#define assert_contains(haystack, needle) \
  assert_contains_impl (__FILE__, __LINE__, G_STRFUNC, (haystack), (needle))

static void
assert_contains_impl (const char *file,
                      int         line,
                      const char *func,
                      const char *haystack,
                      const char *needle)
{
  g_autofree char *message = NULL;

  if (haystack != NULL && strstr (haystack, needle) != NULL)
    return;

  message = g_strdup_printf ("\"%s\" does not contain \"%s\"", haystack != NULL ? haystack : "(null)", needle);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* The double a decimal literal names, through a path independent of the code under test. */
static double
dec (const char *text)
{
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);

  g_assert_true (end != NULL && *end == '\0');
  return value;
}

static PerpExchangeInfo *
load_subset (void)
{
  g_autofree char *path = perp_test_fixture_path (SUBSET);
  g_autoptr(GError) error = NULL;
  PerpExchangeInfo *info = perp_exchange_info_load_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static const PerpSymbolRules *
rules_of (const PerpExchangeInfo *info,
          const char             *symbol)
{
  const PerpSymbolRules *rules = perp_exchange_info_lookup (info, symbol);

  if (rules == NULL)
    g_error ("%s is not in the exchangeInfo under test", symbol);
  return rules;
}

/* High tier, fixed dollar risk: the target is exactly params.risk_usd. */
static void
usd_params (PerpSizingParams *params,
            double            risk_usd)
{
  perp_sizing_params_init (params);
  params->risk_usd = risk_usd;
}

/* Whole steps in @quantity, for comparing quantities as the integers they are. */
static gint64
steps_in (double quantity,
          double step)
{
  return (gint64) llround (quantity / step);
}

/* ------------------------------------------ reference reading of the JSON
 *
 * The decoder's results are compared with a second, deliberately naive reading of the
 * same file: json-glib's generic tree and g_ascii_strtod on each filter string. */

typedef struct
{
  JsonParser *parser;
  JsonArray  *symbols;
} Reference;

static void
reference_load (Reference  *ref,
                const char *path)
{
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  ref->parser = json_parser_new ();
  json_parser_load_from_file (ref->parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (ref->parser));
  ref->symbols = json_object_get_array_member (root, "symbols");
}

static void
reference_clear (Reference *ref)
{
  g_clear_object (&ref->parser);
  ref->symbols = NULL;
}

static double
reference_filter (JsonObject *symbol,
                  const char *type,
                  const char *field)
{
  JsonArray *filters = json_object_get_array_member (symbol, "filters");

  for (guint i = 0; i < json_array_get_length (filters); i++)
    {
      JsonObject *filter = json_array_get_object_element (filters, i);

      if (g_strcmp0 (json_object_get_string_member (filter, "filterType"), type) == 0)
        return dec (json_object_get_string_member (filter, field));
    }

  return 0.0;
}

/* Every field of @rules equals the reference reading of @symbol. */
static void
assert_rules_match (const PerpSymbolRules *rules,
                    JsonObject            *symbol)
{
  g_assert_cmpstr (rules->symbol, ==, json_object_get_string_member (symbol, "symbol"));
  g_assert_cmpfloat (rules->tick_size, ==, reference_filter (symbol, "PRICE_FILTER", "tickSize"));
  g_assert_cmpfloat (rules->min_price, ==, reference_filter (symbol, "PRICE_FILTER", "minPrice"));
  g_assert_cmpfloat (rules->max_price, ==, reference_filter (symbol, "PRICE_FILTER", "maxPrice"));
  g_assert_cmpfloat (rules->step_size, ==, reference_filter (symbol, "LOT_SIZE", "stepSize"));
  g_assert_cmpfloat (rules->min_qty, ==, reference_filter (symbol, "LOT_SIZE", "minQty"));
  g_assert_cmpfloat (rules->max_qty, ==, reference_filter (symbol, "LOT_SIZE", "maxQty"));
  g_assert_cmpfloat (rules->market_step_size, ==, reference_filter (symbol, "MARKET_LOT_SIZE", "stepSize"));
  g_assert_cmpfloat (rules->market_min_qty, ==, reference_filter (symbol, "MARKET_LOT_SIZE", "minQty"));
  g_assert_cmpfloat (rules->market_max_qty, ==, reference_filter (symbol, "MARKET_LOT_SIZE", "maxQty"));
  g_assert_cmpfloat (rules->min_notional, ==, reference_filter (symbol, "MIN_NOTIONAL", "notional"));
  g_assert_cmpint (rules->price_precision, ==, json_object_get_int_member (symbol, "pricePrecision"));
  g_assert_cmpint (rules->quantity_precision, ==, json_object_get_int_member (symbol, "quantityPrecision"));
}

/* ------------------------------------------------------------ the decoder */

static void
test_info_subset (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  g_autofree char *path = perp_test_fixture_path (SUBSET);
  Reference ref = { 0 };
  const PerpSymbolRules *btc;

  reference_load (&ref, path);
  g_assert_cmpuint (perp_exchange_info_get_n_symbols (info), ==, json_array_get_length (ref.symbols));
  g_assert_cmpuint (perp_exchange_info_get_n_symbols (info), >=, 5);

  for (guint i = 0; i < json_array_get_length (ref.symbols); i++)
    {
      JsonObject *symbol = json_array_get_object_element (ref.symbols, i);
      const char *name = json_object_get_string_member (symbol, "symbol");

      /* In order by index, and the same record by name. */
      assert_rules_match (perp_exchange_info_get_rules (info, i), symbol);
      g_assert_true (perp_exchange_info_lookup (info, name) == perp_exchange_info_get_rules (info, i));
      g_assert_cmpstr (perp_exchange_info_get_status (info, name), ==,
                       json_object_get_string_member (symbol, "status"));
      g_assert_cmpstr (perp_exchange_info_get_contract_type (info, name), ==,
                       json_object_get_string_member (symbol, "contractType"));
      g_assert_cmpstr (perp_exchange_info_get_quote_asset (info, name), ==,
                       json_object_get_string_member (symbol, "quoteAsset"));
    }

  /* Spot checks against the strings in the file: "0.10" is exactly the double 0.1. */
  btc = rules_of (info, "BTCUSDT");
  g_assert_cmpfloat (btc->tick_size, ==, 0.1);
  g_assert_cmpfloat (btc->step_size, ==, 0.001);
  g_assert_cmpfloat (btc->min_notional, ==, 100.0);
  g_assert_cmpfloat (rules_of (info, "1000PEPEUSDT")->tick_size, ==, 1e-7);
  g_assert_cmpfloat (rules_of (info, "NEIROUSDT")->tick_size, ==, dec ("0.00000010"));
  g_assert_cmpstr (perp_exchange_info_get_quote_asset (info, "ETHBTC"), ==, "BTC");

  /* A symbol that has not listed yet carries a zero tick: "no tick", not an error. */
  g_assert_cmpfloat (rules_of (info, "OPENUSDT")->tick_size, ==, 0.0);
  g_assert_cmpstr (perp_exchange_info_get_status (info, "OPENUSDT"), ==, "PENDING_TRADING");

  g_assert_null (perp_exchange_info_lookup (info, "FOOUSDT"));
  g_assert_null (perp_exchange_info_lookup (info, "btcusdt"));
  g_assert_null (perp_exchange_info_lookup (info, ""));
  g_assert_null (perp_exchange_info_get_status (info, "FOOUSDT"));

  reference_clear (&ref);
}

static void
test_info_malformed_file (void)
{
  g_autofree char *path = perp_test_fixture_path (MALFORMED);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpExchangeInfo) info = perp_exchange_info_load_file (path, &error);

  g_assert_null (info);
  g_assert_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_NUMBER);
  assert_contains (error->message, MALFORMED);
  assert_contains (error->message, "symbol ETHUSDT: filter LOT_SIZE: stepSize \"abc\" is not a number");
}

static void
test_info_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpExchangeInfo) info = perp_exchange_info_load_file ("/nonexistent/exchangeInfo.json", &error);

  g_assert_null (info);
  g_assert_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_IO);
  assert_contains (error->message, "/nonexistent/exchangeInfo.json");
}

#define FILTERS_OK \
  "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.10\",\"minPrice\":\"1\",\"maxPrice\":\"9\"}," \
  "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.001\",\"minQty\":\"0.001\",\"maxQty\":\"5\"}]"

static void
test_info_malformed_data (void)
{
  static const struct
  {
    const char *json;
    int         code;
    const char *says;
  } cases[] = {
    { "{\"symbols\":[{\"symbol\":\"BTCUSDT\"", PERP_EXCHANGE_INFO_ERROR_JSON, "test-source: not JSON" },
    { "", PERP_EXCHANGE_INFO_ERROR_JSON, "test-source: not JSON" },
    { "[1,2]", PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: the response is an array, not an object" },
    { "{\"timezone\":\"UTC\"}", PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: no \"symbols\" field" },
    { "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", PERP_EXCHANGE_INFO_ERROR_FORMAT, "Invalid symbol." },
    { "{\"symbols\":{}}", PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: \"symbols\" is an object, not an array" },
    { "{\"symbols\":[7]}", PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: symbols[0] is a number, not an object" },
    { "{\"symbols\":[{\"filters\":[]}]}", PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: symbols[0]: no \"symbol\" field" },
    { "{\"symbols\":[{\"symbol\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\",\"filters\":[]}]}",
      PERP_EXCHANGE_INFO_ERROR_FORMAT, "too long" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\"}]}", PERP_EXCHANGE_INFO_ERROR_FORMAT,
      "test-source: symbol FOOUSDT: no \"filters\" field" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":[{\"tickSize\":\"1\"}]}]}", PERP_EXCHANGE_INFO_ERROR_FORMAT,
      "test-source: symbol FOOUSDT: filters[0]: no \"filterType\" field" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":[{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"abc\",\"minQty\":\"1\",\"maxQty\":\"2\"}]}]}",
      PERP_EXCHANGE_INFO_ERROR_NUMBER, "test-source: symbol FOOUSDT: filter LOT_SIZE: stepSize \"abc\" is not a number" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"-0.1\",\"minPrice\":\"1\",\"maxPrice\":\"2\"}]}]}",
      PERP_EXCHANGE_INFO_ERROR_NUMBER, "filter PRICE_FILTER: tickSize \"-0.1\" is not a non-negative number" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":true,\"minPrice\":\"1\",\"maxPrice\":\"2\"}]}]}",
      PERP_EXCHANGE_INFO_ERROR_FORMAT, "filter PRICE_FILTER: \"tickSize\" is a boolean, not a decimal string" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":[{\"filterType\":\"MIN_NOTIONAL\"}]}]}",
      PERP_EXCHANGE_INFO_ERROR_FORMAT, "symbol FOOUSDT: filter MIN_NOTIONAL: no \"notional\" field" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"pricePrecision\":\"2\",\"filters\":[]}]}",
      PERP_EXCHANGE_INFO_ERROR_FORMAT, "symbol FOOUSDT: \"pricePrecision\" is a string, not an integer" },
    { "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":" FILTERS_OK "},{\"symbol\":\"FOOUSDT\",\"filters\":[]}]}",
      PERP_EXCHANGE_INFO_ERROR_FORMAT, "test-source: symbol FOOUSDT appears twice (symbols[1])" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpExchangeInfo) info = perp_exchange_info_load_data (cases[i].json, -1, "test-source", &error);

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_null (info);
      g_assert_error (error, PERP_EXCHANGE_INFO_ERROR, cases[i].code);
      assert_contains (error->message, cases[i].says);
    }
}

/* Unknown filters are skipped, JSON numbers are taken as well as strings, and missing
 * precisions fall back to the decimals of the tick and step. */
static void
test_info_lenient_parts (void)
{
  static const char json[] =
    "{\"symbols\":[{\"symbol\":\"FOOUSDT\",\"filters\":["
    "{\"filterType\":\"PRICE_FILTER\",\"tickSize\":0.01,\"minPrice\":\"0.01\",\"maxPrice\":\"100\"},"
    "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.1\",\"minQty\":\"0.1\",\"maxQty\":\"1000\"},"
    "{\"filterType\":\"SOMETHING_NEW\",\"x\":[1,2,3]}]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpExchangeInfo) info = perp_exchange_info_load_data (json, strlen (json), NULL, &error);
  const PerpSymbolRules *rules;

  g_assert_no_error (error);
  rules = rules_of (info, "FOOUSDT");
  g_assert_cmpfloat (rules->tick_size, ==, 0.01);
  g_assert_cmpfloat (rules->step_size, ==, 0.1);
  g_assert_cmpfloat (rules->market_step_size, ==, 0.0);
  g_assert_cmpfloat (rules->min_notional, ==, 0.0);
  g_assert_cmpint (rules->price_precision, ==, 2);
  g_assert_cmpint (rules->quantity_precision, ==, 1);
  g_assert_null (perp_exchange_info_get_status (info, "FOOUSDT"));
}

/* --------------------------------------------------------------- the grid */

/* Every price on the grid, written as the exchange writes it, rounds to exactly the
 * double of its literal in all three modes.  The naive floor (p / tick) × tick misses
 * some of them: the count proves the loop exercises the hard cases. */
static void
test_round_price_exact (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  const PerpSymbolRules *pepe = rules_of (info, "1000PEPEUSDT");
  guint naive_misses = 0;

  for (int i = 0; i < 20000; i++)
    {
      char text[64];
      double price;

      /* BTC around 61,000 on its 0.1 tick. */
      g_snprintf (text, sizeof text, "%d.%d", 61000 + i / 10, i % 10);
      price = dec (text);
      g_assert_cmpfloat (perp_rules_round_price (btc, price, -1), ==, price);
      g_assert_cmpfloat (perp_rules_round_price (btc, price, 0), ==, price);
      g_assert_cmpfloat (perp_rules_round_price (btc, price, +1), ==, price);
      if (floor (price / btc->tick_size) * btc->tick_size != price)
        naive_misses++;

      /* 1000PEPE around 0.004 on its 0.0000001 tick. */
      g_snprintf (text, sizeof text, "0.00%05d", 40000 + i);
      price = dec (text);
      g_assert_cmpfloat (perp_rules_round_price (pepe, price, -1), ==, price);
      g_assert_cmpfloat (perp_rules_round_price (pepe, price, 0), ==, price);
      g_assert_cmpfloat (perp_rules_round_price (pepe, price, +1), ==, price);
      if (floor (price / pepe->tick_size) * pepe->tick_size != price)
        naive_misses++;
    }
  g_assert_cmpuint (naive_misses, >, 0);

  /* Off the grid: down, nearest and up, and a tie goes away from zero. */
  g_assert_cmpfloat (perp_rules_round_price (btc, 61420.34, -1), ==, 61420.3);
  g_assert_cmpfloat (perp_rules_round_price (btc, 61420.34, 0), ==, 61420.3);
  g_assert_cmpfloat (perp_rules_round_price (btc, 61420.34, +1), ==, 61420.4);
  g_assert_cmpfloat (perp_rules_round_price (btc, 61420.35, 0), ==, 61420.4);
  g_assert_cmpfloat (perp_rules_round_price (btc, 61420.36, -1), ==, 61420.3);
  g_assert_cmpfloat (perp_rules_round_price (pepe, 0.00412345, 0), ==, 0.0041235);
  g_assert_cmpfloat (perp_rules_round_price (pepe, 0.00412344, 0), ==, 0.0041234);
  g_assert_cmpfloat (perp_rules_round_price (pepe, 0.00412341, +1), ==, 0.0041235);

  /* No tick: unchanged. */
  g_assert_cmpfloat (perp_rules_round_price (rules_of (info, "OPENUSDT"), 0.123456789, 0), ==, 0.123456789);
}

static void
test_price_decimals (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *open = rules_of (info, "OPENUSDT");

  /* The decimals the tick needs, not the digits Binance writes it with ("0.10" has
   * pricePrecision 2, "0.00000010" has 8). */
  g_assert_cmpint (perp_rules_price_decimals (rules_of (info, "BTCUSDT")), ==, 1);
  g_assert_cmpint (perp_rules_price_decimals (rules_of (info, "ETHUSDT")), ==, 2);
  g_assert_cmpint (perp_rules_price_decimals (rules_of (info, "1000PEPEUSDT")), ==, 7);
  g_assert_cmpint (perp_rules_price_decimals (rules_of (info, "NEIROUSDT")), ==, 7);
  g_assert_cmpint (rules_of (info, "NEIROUSDT")->price_precision, ==, 8);
  /* Without a tick, pricePrecision it is. */
  g_assert_cmpint (perp_rules_price_decimals (open), ==, open->price_precision);
}

static void
test_floor_quantity (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  PerpSymbolRules coarse_market = *btc;

  /* The classic trap: 0.043 / 0.001 is 42.99999999999999 in binary, so the naive floor
   * loses a step (0.042); so does 0.3 / 0.1 on a 0.1 step.  The sizing floor must not. */
  g_assert_cmpfloat (floor (0.043 / 0.001) * 0.001, <, 0.043);
  g_assert_cmpfloat (perp_rules_floor_quantity (btc, 0.043, FALSE), ==, 0.043);
  g_assert_cmpfloat (perp_rules_floor_quantity (btc, 0.003, FALSE), ==, 0.003);
  coarse_market.step_size = 0.1;
  coarse_market.market_step_size = 0.1;
  g_assert_cmpfloat (floor (0.3 / 0.1) * 0.1, <, 0.3);
  g_assert_cmpfloat (perp_rules_floor_quantity (&coarse_market, 0.3, TRUE), ==, 0.3);
  coarse_market = *btc;

  for (int i = 1; i <= 5000; i++)
    {
      char text[32];
      double qty;

      g_snprintf (text, sizeof text, "%d.%03d", i / 1000, i % 1000);
      qty = dec (text);
      g_assert_cmpfloat (perp_rules_floor_quantity (btc, qty, FALSE), ==, qty);
      g_assert_cmpfloat (perp_rules_floor_quantity (btc, qty, TRUE), ==, qty);
      /* Just under the next step floors to this one, cleanly. */
      g_assert_cmpfloat (perp_rules_floor_quantity (btc, qty + 0.0009, FALSE), ==, qty);
    }

  g_assert_cmpfloat (perp_rules_floor_quantity (rules_of (info, "1000PEPEUSDT"), 8103.99, TRUE), ==, 8103.0);
  g_assert_cmpfloat (perp_rules_floor_quantity (btc, 0.0009, TRUE), ==, 0.0);
  g_assert_cmpfloat (perp_rules_floor_quantity (btc, -1.0, TRUE), ==, 0.0);

  /* A market order uses MARKET_LOT_SIZE's step when there is one. */
  coarse_market.market_step_size = 0.01;
  g_assert_cmpfloat (perp_rules_floor_quantity (&coarse_market, 0.037, FALSE), ==, 0.037);
  g_assert_cmpfloat (perp_rules_floor_quantity (&coarse_market, 0.037, TRUE), ==, 0.03);
  coarse_market.market_step_size = 0.0;
  g_assert_cmpfloat (perp_rules_floor_quantity (&coarse_market, 0.037, TRUE), ==, 0.037);
}

/* ----------------------------------------------------------------- params */

static void
test_params (void)
{
  static const struct
  {
    const char *key;
    const char *says;
  } cases[] = {
    { "risk_usd", "risk.risk_usd must be > 0 (got -1)" },
    { "risk_usd_nan", "risk.risk_usd must be > 0 (got nan)" },
    { "equity", "risk.equity must be > 0 (got 0)" },
    { "pct_no_equity", "risk.equity must be set when risk.mode is equity_pct" },
    { "risk_pct", "risk.risk_pct must be > 0 and <= 100 (got 150)" },
    { "tier_scale", "risk.tier_scale.high must be between 0 and 1 (got 1.5)" },
    { "heat_range", "risk.max_heat_pct must be between 0 and 100 (got -2)" },
    { "heat_no_equity", "risk.max_heat_pct needs risk.equity" },
  };
  PerpSizingParams params;
  g_autoptr(GError) error = NULL;

  perp_sizing_params_init (&params);
  g_assert_cmpint (params.mode, ==, PERP_SIZING_RISK_USD);
  g_assert_cmpfloat (params.risk_usd, ==, 1.0);
  g_assert_true (isnan (params.equity));
  g_assert_cmpfloat (params.tier_scale[PERP_TIER_NEUTRAL], ==, 0.0);
  g_assert_cmpfloat (params.tier_scale[PERP_TIER_HIGH], ==, 1.0);
  g_assert_true (params.market_order);
  g_assert_true (perp_sizing_params_check (&params, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) case_error = NULL;

      perp_sizing_params_init (&params);
      if (g_str_equal (cases[i].key, "risk_usd"))
        params.risk_usd = -1.0;
      else if (g_str_equal (cases[i].key, "risk_usd_nan"))
        params.risk_usd = NAN;
      else if (g_str_equal (cases[i].key, "equity"))
        params.equity = 0.0;
      else if (g_str_equal (cases[i].key, "pct_no_equity"))
        params.mode = PERP_SIZING_RISK_EQUITY_PCT;
      else if (g_str_equal (cases[i].key, "risk_pct"))
        {
          params.mode = PERP_SIZING_RISK_EQUITY_PCT;
          params.equity = 1000.0;
          params.risk_pct = 150.0;
        }
      else if (g_str_equal (cases[i].key, "tier_scale"))
        params.tier_scale[PERP_TIER_HIGH] = 1.5;
      else if (g_str_equal (cases[i].key, "heat_range"))
        params.max_heat_pct = -2.0;
      else if (g_str_equal (cases[i].key, "heat_no_equity"))
        params.max_heat_pct = 5.0;
      else
        g_assert_not_reached ();

      g_assert_false (perp_sizing_params_check (&params, &case_error));
      g_assert_error (case_error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS);
      assert_contains (case_error->message, cases[i].says);
    }

  /* The percentage mode with its equity, and a heat limit with it, are fine. */
  perp_sizing_params_init (&params);
  params.mode = PERP_SIZING_RISK_EQUITY_PCT;
  params.equity = 2000.0;
  params.max_heat_pct = 5.0;
  g_assert_true (perp_sizing_params_check (&params, &error));
  g_assert_no_error (error);
}

/* ----------------------------------------------------------------- sizing */

/* The original plan's example: $1 at a realistic BTC stop, 312.5 away. */
static void
test_btc_one_dollar (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing long_size;
  PerpSizing short_size;
  double entry = 87412.3;
  double dist;
  gint64 expected_steps;
  double expected_risk;

  usd_params (&params, 1.0);

  /* Prices off the tick: the entry goes to the nearest tick, the stop away from it. */
  perp_size_position (&params, btc, PERP_TIER_HIGH, 87412.26, 87099.84, 0.0, &long_size);
  g_assert_cmpint (long_size.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (long_size.entry, ==, entry);
  g_assert_cmpfloat (long_size.stop, ==, 87099.8);

  /* qty = floor (risk / |entry - stop| / step) steps: 1 / 312.5 = 0.0032 BTC, which is
   * 3.2 steps of 0.001, so 3 steps. */
  dist = entry - 87099.8;
  expected_steps = (gint64) floor (params.risk_usd / dist / btc->step_size + 1e-9);
  g_assert_cmpint (expected_steps, ==, 3);
  g_assert_cmpfloat_with_epsilon (long_size.ideal_qty, params.risk_usd / dist, 1e-15);
  g_assert_cmpint (steps_in (long_size.quantity, btc->step_size), ==, expected_steps);
  g_assert_cmpfloat (long_size.quantity, ==, 0.003);

  expected_risk = long_size.quantity * dist;
  g_assert_cmpfloat_with_epsilon (long_size.risk, expected_risk, 1e-12);
  g_assert_cmpfloat_with_epsilon (long_size.notional, long_size.quantity * entry, 1e-9);
  g_assert_cmpfloat (long_size.notional, >=, btc->min_notional);
  g_assert_cmpfloat (long_size.target_risk, ==, params.risk_usd);

  /* Under the target because of the step, and by exactly how much. */
  g_assert_cmpfloat (long_size.risk_diff_pct, <, 0.0);
  g_assert_cmpfloat_with_epsilon (long_size.risk_diff_pct,
                                  (expected_risk - params.risk_usd) / params.risk_usd * 100.0, 1e-9);
  g_assert_true (isnan (long_size.heat_pct));

  /* The same distance above the entry is a short of the same size. */
  perp_size_position (&params, btc, PERP_TIER_HIGH, entry, 87724.77, 0.0, &short_size);
  g_assert_cmpint (short_size.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (short_size.stop, ==, 87724.8);
  g_assert_cmpfloat (short_size.quantity, ==, long_size.quantity);

  text = perp_sizing_describe (&long_size, btc);
  g_test_message ("%s", text);
  expect = g_strdup_printf ("0.003 BTCUSDT (notional %.2f USDT) risks %.2f USDT, %.1f %% under the 1.00 USDT target because of the 0.001 step",
                            long_size.notional, long_size.risk, -long_size.risk_diff_pct);
  g_assert_cmpstr (text, ==, expect);
}

/* A risk that buys a whole number of steps takes all of the target. */
static void
test_exact_target (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  PerpSizingParams params;
  PerpSizing sizing;

  usd_params (&params, 1.0);
  /* 1 / 250 = 0.004: four steps exactly. */
  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.3, 61170.3, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (sizing.quantity, ==, 0.004);
  g_assert_cmpfloat_with_epsilon (sizing.risk, 1.0, 1e-12);
  g_assert_cmpfloat (sizing.risk_diff_pct, <=, 0.0);
  g_assert_cmpfloat (sizing.risk_diff_pct, >, -1e-9);

  text = perp_sizing_describe (&sizing, btc);
  assert_contains (text, "0.004 BTCUSDT");
  assert_contains (text, "the whole target");
}

/* BTCUSDT and BTCUSDC carry the largest MIN_NOTIONAL of the whole response (100). */
static void
test_min_notional (void)
{
  static const char * const symbols[] = { "BTCUSDT", "BTCUSDC" };
  g_autoptr(PerpExchangeInfo) info = load_subset ();

  for (guint s = 0; s < G_N_ELEMENTS (symbols); s++)
    {
      const PerpSymbolRules *rules = rules_of (info, symbols[s]);
      const char *quote = perp_exchange_info_get_quote_asset (info, symbols[s]);
      g_autofree char *text = NULL;
      g_autofree char *expect_notional = NULL;
      g_autofree char *expect_needs = NULL;
      PerpSizingParams params;
      PerpSizing sizing;
      PerpSizing retry;
      double entry = 87412.3;
      double stop = 86412.3;
      double dist = entry - stop;
      double floored;
      double min_qty_for_notional;
      double expected_min_risk;

      usd_params (&params, 1.0);
      perp_size_position (&params, rules, PERP_TIER_HIGH, entry, stop, 0.0, &sizing);

      /* $1 over 1000 buys one step, 0.001 BTC: a notional of ~87, under the 100 floor. */
      floored = floor (params.risk_usd / dist / rules->step_size + 1e-9) * rules->step_size;
      g_assert_cmpfloat (floored * entry, <, rules->min_notional);
      g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_MIN_NOTIONAL);
      g_assert_cmpfloat (sizing.quantity, ==, 0.0);
      g_assert_cmpfloat (sizing.risk, ==, 0.0);
      g_assert_cmpfloat_with_epsilon (sizing.notional, floored * entry, 1e-9);
      g_assert_cmpfloat (sizing.risk_diff_pct, ==, -100.0);

      /* The least that passes: notional / entry rounded up to the step (100 / 87412.3
       * = 0.00114 -> 0.002), at this stop distance. */
      min_qty_for_notional = ceil (rules->min_notional / entry / rules->step_size - 1e-9) * rules->step_size;
      expected_min_risk = MAX (rules->min_qty, min_qty_for_notional) * dist;
      g_assert_cmpfloat_with_epsilon (sizing.min_valid_risk, expected_min_risk, 1e-9);

      text = perp_sizing_describe (&sizing, rules);
      g_test_message ("%s", text);
      expect_notional = g_strdup_printf ("a notional of %.2f %s, under the 100.00 %s minimum", floored * entry, quote, quote);
      expect_needs = g_strdup_printf ("needs at least %.2f %s", expected_min_risk, quote);
      assert_contains (text, expect_notional);
      assert_contains (text, expect_needs);
      assert_contains (text, "at a 1000.0 stop distance buys 0.001 ");

      /* And the suggestion is true: that risk passes. */
      usd_params (&params, sizing.min_valid_risk);
      perp_size_position (&params, rules, PERP_TIER_HIGH, entry, stop, 0.0, &retry);
      g_assert_cmpint (retry.status, ==, PERP_SIZING_OK);
      g_assert_cmpfloat_with_epsilon (retry.quantity, MAX (rules->min_qty, min_qty_for_notional), 1e-12);
      g_assert_cmpfloat (retry.notional, >=, rules->min_notional);
    }
}

static void
test_below_min_qty (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing sizing;
  PerpSizing retry;
  double entry = 61420.3;
  double stop = 60170.3;
  double target;
  double expected_min_risk;

  /* The low tier takes half the $1: 0.50 over 1250 is 0.0004 BTC, under one step. */
  usd_params (&params, 1.0);
  target = params.risk_usd * params.tier_scale[PERP_TIER_LOW];
  perp_size_position (&params, btc, PERP_TIER_LOW, entry, stop, 0.0, &sizing);
  g_assert_cmpfloat (sizing.target_risk, ==, target);
  g_assert_cmpfloat (target / (entry - stop), <, btc->min_qty);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BELOW_MIN_QTY);
  g_assert_cmpfloat (sizing.quantity, ==, 0.0);

  /* The minimum notional binds before the minimum quantity here: 100 / 61420.3 =
   * 0.00163 -> 0.002 BTC. */
  expected_min_risk = MAX (btc->min_qty, ceil (btc->min_notional / entry / btc->step_size - 1e-9) * btc->step_size)
                      * (entry - stop);
  g_assert_cmpfloat_with_epsilon (sizing.min_valid_risk, expected_min_risk, 1e-9);

  text = perp_sizing_describe (&sizing, btc);
  g_test_message ("%s", text);
  expect = g_strdup_printf ("No valid size: 0.50 USDT at a 1250.0 stop distance buys 0.000400 BTCUSDT, under the minimum quantity of 0.001; it needs at least %.2f USDT",
                            expected_min_risk);
  g_assert_cmpstr (text, ==, expect);

  params.risk_usd = sizing.min_valid_risk / params.tier_scale[PERP_TIER_LOW];
  perp_size_position (&params, btc, PERP_TIER_LOW, entry, stop, 0.0, &retry);
  g_assert_cmpint (retry.status, ==, PERP_SIZING_OK);
}

/* A 1000x contract: a tick of 0.0000001 and whole-unit steps. */
static void
test_thousand_pepe (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *pepe = rules_of (info, "1000PEPEUSDT");
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing sizing;
  double entry = 0.0041234;
  double stop = 0.0040000;
  double dist = entry - stop;
  double expected_qty;

  usd_params (&params, 1.0);
  perp_size_position (&params, pepe, PERP_TIER_HIGH, 0.00412344, stop, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (sizing.entry, ==, entry);
  g_assert_cmpfloat (sizing.stop, ==, stop);

  /* 1 / 0.0001234 = 8103.7 contracts of 1000 PEPE, floored to the step of 1. */
  expected_qty = floor (params.risk_usd / dist / pepe->step_size + 1e-9) * pepe->step_size;
  g_assert_cmpfloat (sizing.quantity, ==, expected_qty);
  g_assert_cmpfloat_with_epsilon (sizing.risk, expected_qty * dist, 1e-12);
  g_assert_cmpfloat (sizing.risk, <=, params.risk_usd);
  g_assert_cmpfloat (sizing.notional, >=, pepe->min_notional);

  text = perp_sizing_describe (&sizing, pepe);
  g_test_message ("%s", text);
  expect = g_strdup_printf ("%.0f 1000PEPEUSDT (notional %.2f USDT) risks %.2f USDT",
                            expected_qty, expected_qty * entry, expected_qty * dist);
  assert_contains (text, expect);
  /* 8103 × 0.0001234 is 0.99991: a shortfall too small for one decimal, and still one. */
  g_assert_cmpfloat (sizing.risk_diff_pct, <, -0.001);
  g_assert_cmpfloat (sizing.risk_diff_pct, >, -0.1);
  assert_contains (text, " % under the 1.00 USDT target because of the 1 step");
}

static void
test_tiers (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *eth = rules_of (info, "ETHUSDT");
  g_autofree char *text = NULL;
  PerpSizingParams params;
  double previous = 0.0;

  usd_params (&params, 20.0);
  for (int tier = PERP_TIER_NEUTRAL; tier < PERP_N_TIERS; tier++)
    {
      PerpSizing sizing;
      double target = params.risk_usd * params.tier_scale[tier];

      perp_size_position (&params, eth, (PerpTier) tier, 2950.37, 2905.12, 0.0, &sizing);
      g_assert_cmpfloat (sizing.target_risk, ==, target);
      if (tier == PERP_TIER_NEUTRAL)
        {
          g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_NO_RISK);
          g_assert_cmpfloat (sizing.quantity, ==, 0.0);
          g_assert_true (isnan (sizing.risk_diff_pct));
          text = perp_sizing_describe (&sizing, eth);
          assert_contains (text, "target risk at this tier is 0 USDT");
          continue;
        }

      g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
      g_assert_cmpfloat (sizing.quantity, ==,
                         floor (target / (2950.37 - 2905.12) / eth->step_size + 1e-9) * eth->step_size);
      g_assert_cmpfloat (sizing.quantity, >, previous);
      previous = sizing.quantity;
    }
}

static void
test_equity_pct (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *eth = rules_of (info, "ETHUSDT");
  PerpSizingParams params;
  PerpSizing sizing;
  double target;
  double dist = 2950.37 - 2905.12;
  double open_risk = 12.5;

  perp_sizing_params_init (&params);
  params.mode = PERP_SIZING_RISK_EQUITY_PCT;
  params.equity = 2000.0;
  params.risk_pct = 0.5;
  g_assert_true (perp_sizing_params_check (&params, NULL));

  /* 0.5 % of 2000 is 10, three quarters of it on the medium tier. */
  target = params.equity * params.risk_pct / 100.0 * params.tier_scale[PERP_TIER_MEDIUM];
  perp_size_position (&params, eth, PERP_TIER_MEDIUM, 2950.37, 2905.12, open_risk, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (sizing.target_risk, ==, target);
  g_assert_cmpfloat (sizing.quantity, ==, floor (target / dist / eth->step_size + 1e-9) * eth->step_size);
  g_assert_cmpfloat_with_epsilon (sizing.heat_pct, (open_risk + sizing.risk) / params.equity * 100.0, 1e-12);
}

static void
test_heat (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *eth = rules_of (info, "ETHUSDT");
  const double open_risks[] = { 5.0, 10.0 };
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing sizing;
  double dist = 2950.37 - 2905.12;
  double would_risk;
  double would_heat;
  double open_risk;

  perp_sizing_params_init (&params);
  params.risk_usd = 10.0;
  params.equity = 1000.0;
  params.max_heat_pct = 2.0;
  g_assert_true (perp_sizing_params_check (&params, NULL));

  open_risk = 15.0;
  would_risk = floor (params.risk_usd / dist / eth->step_size + 1e-9) * eth->step_size * dist;
  would_heat = (open_risk + would_risk) / params.equity * 100.0;
  g_assert_cmpfloat (would_heat, >, params.max_heat_pct);

  perp_size_position (&params, eth, PERP_TIER_HIGH, 2950.37, 2905.12, open_risk, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_HEAT);
  g_assert_cmpfloat (sizing.quantity, ==, 0.0);
  g_assert_cmpfloat (sizing.risk, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (sizing.heat_pct, would_heat, 1e-12);

  text = perp_sizing_describe (&sizing, eth);
  g_test_message ("%s", text);
  expect = g_strdup_printf ("would risk %.2f USDT more and take the open risk to %.1f %% of equity",
                            would_risk, would_heat);
  assert_contains (text, expect);

  /* Less open risk fits. */
  open_risk = 5.0;
  perp_size_position (&params, eth, PERP_TIER_HIGH, 2950.37, 2905.12, open_risk, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat_with_epsilon (sizing.heat_pct, (open_risk + would_risk) / params.equity * 100.0, 1e-12);
  g_assert_cmpfloat (sizing.heat_pct, <=, params.max_heat_pct);

  /* Unknown open risk cannot be shown to fit: fail safe. */
  perp_size_position (&params, eth, PERP_TIER_HIGH, 2950.37, 2905.12, NAN, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_HEAT);

  g_assert_cmpfloat_with_epsilon (perp_portfolio_heat_pct (open_risks, G_N_ELEMENTS (open_risks), 1000.0),
                                  (open_risks[0] + open_risks[1]) / 1000.0 * 100.0, 1e-12);
  g_assert_cmpfloat (perp_portfolio_heat_pct (NULL, 0, 1000.0), ==, 0.0);
  g_assert_true (isnan (perp_portfolio_heat_pct (open_risks, 2, NAN)));
  g_assert_true (isnan (perp_portfolio_heat_pct (open_risks, 2, 0.0)));
}

static void
test_bad_stop (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  PerpSizingParams params;
  PerpSizing sizing;

  usd_params (&params, 1.0);

  /* At the entry, also once the entry is rounded to its tick. */
  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.3, 61420.3, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BAD_STOP);
  g_assert_cmpfloat (sizing.quantity, ==, 0.0);
  text = perp_sizing_describe (&sizing, btc);
  assert_contains (text, "the stop 61420.3 is at the entry 61420.3");

  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.28, 61420.3, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BAD_STOP);

  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.3, 0.0, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BAD_STOP);
  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.3, -5.0, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BAD_STOP);
  perp_size_position (&params, btc, PERP_TIER_HIGH, NAN, 61000.0, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_BAD_STOP);
  g_clear_pointer (&text, g_free);
  text = perp_sizing_describe (&sizing, btc);
  assert_contains (text, "must both be positive prices");

  /* No risk wins over a bad stop: the order of the checks is part of the contract. */
  perp_size_position (&params, btc, PERP_TIER_NEUTRAL, 61420.3, 61420.3, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_NO_RISK);
}

static void
test_price_filter (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing sizing;

  usd_params (&params, 1.0);
  /* The stop under PRICE_FILTER's minPrice (261.10 for BTCUSDT). */
  perp_size_position (&params, btc, PERP_TIER_HIGH, 300.0, btc->min_price - 11.0, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_PRICE_FILTER);
  text = perp_sizing_describe (&sizing, btc);
  expect = g_strdup_printf ("the stop %.1f is below BTCUSDT's minimum price %.1f", btc->min_price - 11.0, btc->min_price);
  assert_contains (text, expect);

  perp_size_position (&params, btc, PERP_TIER_HIGH, btc->max_price + 100.0, btc->max_price - 100.0, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_PRICE_FILTER);
}

static void
test_above_max_qty (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *btc = rules_of (info, "BTCUSDT");
  g_autofree char *text = NULL;
  g_autofree char *expect = NULL;
  PerpSizingParams params;
  PerpSizing sizing;
  double dist = 0.5;

  /* $1000 over five ticks is 2000 BTC, twice MARKET_LOT_SIZE's maxQty: rejected, not
   * capped. */
  usd_params (&params, 1000.0);
  g_assert_cmpfloat (params.risk_usd / dist, >, btc->market_max_qty);
  perp_size_position (&params, btc, PERP_TIER_HIGH, 61420.3, 61420.3 - dist, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_REJECT_ABOVE_MAX_QTY);
  g_assert_cmpfloat (sizing.quantity, ==, 0.0);

  text = perp_sizing_describe (&sizing, btc);
  g_test_message ("%s", text);
  expect = g_strdup_printf ("buys %.3f BTCUSDT, over the maximum quantity of %.3f", params.risk_usd / dist, btc->market_max_qty);
  assert_contains (text, expect);
}

static void
test_status_names (void)
{
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_OK), ==, "ok");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_NO_RISK), ==, "no_risk");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_BAD_STOP), ==, "bad_stop");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_BELOW_MIN_QTY), ==, "below_min_qty");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_MIN_NOTIONAL), ==, "min_notional");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_ABOVE_MAX_QTY), ==, "above_max_qty");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_PRICE_FILTER), ==, "price_filter");
  g_assert_cmpstr (perp_sizing_status_name (PERP_SIZING_REJECT_HEAT), ==, "heat");
}

/* A BTC-quoted symbol: amounts are in BTC, and tiny ones must not print as 0.00. */
static void
test_btc_quoted (void)
{
  g_autoptr(PerpExchangeInfo) info = load_subset ();
  const PerpSymbolRules *ethbtc = rules_of (info, "ETHBTC");
  g_autofree char *text = NULL;
  PerpSizingParams params;
  PerpSizing sizing;

  usd_params (&params, 0.0005);
  perp_size_position (&params, ethbtc, PERP_TIER_HIGH, 0.034512, 0.033512, 0.0, &sizing);
  g_assert_cmpint (sizing.status, ==, PERP_SIZING_OK);
  g_assert_cmpfloat (sizing.quantity, ==, 0.5);
  text = perp_sizing_describe (&sizing, ethbtc);
  g_test_message ("%s", text);
  /* Three significant digits for coin amounts: 0.5 × 0.034512 = 0.017256 BTC. */
  assert_contains (text, "0.50 ETHBTC (notional 0.0173 BTC) risks 0.000500 BTC");
}

/* ------------------------------------------------------------------- data */

static void
test_data_recorded (void)
{
  g_autofree char *path = perp_test_shared_path (RECORDED);
  g_autoptr(PerpExchangeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Reference ref = { 0 };
  const PerpSymbolRules *largest = NULL;
  guint n_trading = 0;
  guint n_no_tick = 0;

  if (path == NULL)
    {
      g_test_skip ("../shared/" RECORDED " not present (PERP_SHARED_DIR)");
      return;
    }

  info = perp_exchange_info_load_file (path, &error);
  g_assert_no_error (error);
  reference_load (&ref, path);
  g_assert_cmpuint (perp_exchange_info_get_n_symbols (info), ==, json_array_get_length (ref.symbols));
  g_assert_cmpuint (perp_exchange_info_get_n_symbols (info), ==, 660);

  for (guint i = 0; i < perp_exchange_info_get_n_symbols (info); i++)
    {
      const PerpSymbolRules *rules = perp_exchange_info_get_rules (info, i);
      const char *status = perp_exchange_info_get_status (info, rules->symbol);

      assert_rules_match (rules, json_array_get_object_element (ref.symbols, i));
      g_assert_true (perp_exchange_info_lookup (info, rules->symbol) == rules);

      /* Every symbol has a step; every symbol that trades has a tick and a notional
       * floor too.  (A symbol waiting to list may have a tick of "0".) */
      g_assert_cmpfloat (rules->step_size, >, 0.0);
      g_assert_cmpfloat (rules->market_step_size, >, 0.0);
      if (g_strcmp0 (status, "TRADING") == 0)
        {
          n_trading++;
          g_assert_cmpfloat (rules->tick_size, >, 0.0);
          g_assert_cmpfloat (rules->min_notional, >, 0.0);
        }
      if (rules->tick_size <= 0.0)
        {
          n_no_tick++;
          g_test_message ("%s (%s) has no tick", rules->symbol, status);
        }

      /* The exchange's own bounds are on its own grid, so the decimal rounding must
       * give each back unchanged: 660 real ticks and steps. */
      if (rules->tick_size > 0.0)
        {
          g_assert_cmpfloat (perp_rules_round_price (rules, rules->min_price, -1), ==, rules->min_price);
          g_assert_cmpfloat (perp_rules_round_price (rules, rules->min_price, +1), ==, rules->min_price);
          g_assert_cmpfloat (perp_rules_round_price (rules, rules->max_price, 0), ==, rules->max_price);
        }
      g_assert_cmpfloat (perp_rules_floor_quantity (rules, rules->min_qty, FALSE), ==, rules->min_qty);
      g_assert_cmpfloat (perp_rules_floor_quantity (rules, rules->max_qty, FALSE), ==, rules->max_qty);
      g_assert_cmpfloat (perp_rules_floor_quantity (rules, rules->market_min_qty, TRUE), ==, rules->market_min_qty);

      if (largest == NULL || rules->min_notional > largest->min_notional)
        largest = rules;
    }

  g_test_message ("%u symbols, %u trading, %u without a tick; largest MIN_NOTIONAL %g (%s)",
                  perp_exchange_info_get_n_symbols (info), n_trading, n_no_tick,
                  largest->min_notional, largest->symbol);
  g_assert_cmpuint (n_trading, >, 500);
  g_assert_cmpuint (n_no_tick, <=, 1);
  /* The fixture's large-notional symbols are the largest there are. */
  g_assert_cmpfloat (largest->min_notional, ==, rules_of (info, "BTCUSDT")->min_notional);

  reference_clear (&ref);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sizing/exchange-info/subset", test_info_subset);
  g_test_add_func ("/sizing/exchange-info/malformed-file-names-the-field", test_info_malformed_file);
  g_test_add_func ("/sizing/exchange-info/missing-file", test_info_missing_file);
  g_test_add_func ("/sizing/exchange-info/malformed-data-names-the-place", test_info_malformed_data);
  g_test_add_func ("/sizing/exchange-info/lenient-parts", test_info_lenient_parts);
  g_test_add_func ("/sizing/grid/round-price-exact", test_round_price_exact);
  g_test_add_func ("/sizing/grid/price-decimals", test_price_decimals);
  g_test_add_func ("/sizing/grid/floor-quantity", test_floor_quantity);
  g_test_add_func ("/sizing/params/check-names-the-key", test_params);
  g_test_add_func ("/sizing/size/btc-one-dollar", test_btc_one_dollar);
  g_test_add_func ("/sizing/size/exact-target", test_exact_target);
  g_test_add_func ("/sizing/size/min-notional-reject-and-retry", test_min_notional);
  g_test_add_func ("/sizing/size/below-min-qty", test_below_min_qty);
  g_test_add_func ("/sizing/size/1000pepe", test_thousand_pepe);
  g_test_add_func ("/sizing/size/tier-scaling", test_tiers);
  g_test_add_func ("/sizing/size/equity-pct", test_equity_pct);
  g_test_add_func ("/sizing/size/heat-limit", test_heat);
  g_test_add_func ("/sizing/size/bad-stop", test_bad_stop);
  g_test_add_func ("/sizing/size/price-filter", test_price_filter);
  g_test_add_func ("/sizing/size/above-max-qty-rejected", test_above_max_qty);
  g_test_add_func ("/sizing/size/btc-quoted", test_btc_quoted);
  g_test_add_func ("/sizing/status-names", test_status_names);
  g_test_add_func ("/data/sizing/exchange-info-recorded", test_data_recorded);

  return g_test_run ();
}
