/* perp-exchange-info.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-exchange-info"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "perp-json-private.h"

#include "core/perp-decimal.h"
#include "perp-exchange-info.h"

/*
 * The response (recorded in ../shared/data/binance_api_samples/recorded) is one object:
 *
 *   {"timezone": ..., "rateLimits": [...], "assets": [...],
 *    "symbols": [{"symbol": "BTCUSDT", "status": "TRADING", "contractType": "PERPETUAL",
 *                 "quoteAsset": "USDT", "pricePrecision": 2, "quantityPrecision": 3,
 *                 "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.10", ...},
 *                             {"filterType": "LOT_SIZE", "stepSize": "0.001", ...},
 *                             {"filterType": "MARKET_LOT_SIZE", ...},
 *                             {"filterType": "MIN_NOTIONAL", "notional": "100"}, ...]},
 *                ...]}
 *
 * Only the four filters sizing needs are read; the others (MAX_NUM_ORDERS,
 * PERCENT_PRICE, POSITION_RISK_CONTROL, and whatever Binance adds next) are skipped.
 * Filter values are decimal strings and go through perp_quantity_parse(), which gives
 * the same double as the literal, so a tick of "0.10" is exactly the double 0.1.
 *
 * Every symbol is kept, whatever its status or contract type: delivery contracts and
 * symbols about to list are still symbols a user may look up, and their status is kept
 * so a caller can refuse to plan on one that is not TRADING.  (Symbols that have not
 * listed yet may have a tickSize of "0": no tick, which PerpSymbolRules spells 0.)
 *
 * Errors name the source, the symbol and the filter, because a bad value in a 660-symbol
 * response is otherwise a needle in a haystack.
 */

G_DEFINE_QUARK (perp-exchange-info-error-quark, perp_exchange_info_error)

typedef struct
{
  PerpSymbolRules  rules;
  char            *status;
  char            *contract_type;
  char            *quote_asset;
} Entry;

struct _PerpExchangeInfo
{
  GArray     *entries;   /* Entry, in the response's order */
  GHashTable *by_symbol; /* symbol (owned) -> index + 1 */
};

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_clear_pointer (&entry->status, g_free);
  g_clear_pointer (&entry->contract_type, g_free);
  g_clear_pointer (&entry->quote_asset, g_free);
}

void
perp_exchange_info_free (PerpExchangeInfo *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->entries, g_array_unref);
  g_clear_pointer (&self->by_symbol, g_hash_table_unref);
  g_free (self);
}

/* ------------------------------------------------------------------ fields */

static gboolean
wrong_type (JsonNode    *node,
            const char  *what,
            const char  *name,
            const char  *expected,
            GError     **error)
{
  g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
               "%s: \"%s\" is %s, not %s", what, name, _perp_json_describe_node (node), expected);
  return FALSE;
}

/* A string member; absent is an error when @required, else NULL without error. */
static gboolean
get_string (JsonObject   *object,
            const char   *what,
            const char   *name,
            gboolean      required,
            const char  **out,
            GError      **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: no \"%s\" field", what, name);
      return FALSE;
    }

  if (!_perp_json_holds (node, G_TYPE_STRING))
    return wrong_type (node, what, name, "a string", error);

  *out = json_node_get_string (node);

  return TRUE;
}

/* A filter value: Binance sends decimal strings; a plain JSON number is taken too. */
static gboolean
get_decimal (JsonObject  *object,
             const char  *what,
             const char  *name,
             double      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: no \"%s\" field", what, name);
      return FALSE;
    }

  if (_perp_json_holds (node, G_TYPE_STRING))
    {
      const char *text = json_node_get_string (node);

      if (!perp_quantity_parse (text, strlen (text), out))
        {
          g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_NUMBER,
                       "%s: %s \"%s\" is not %s", what, name, text,
                       text[0] == '-' ? "a non-negative number" : "a number");
          return FALSE;
        }
      return TRUE;
    }

  if (_perp_json_holds (node, G_TYPE_INT64) || _perp_json_holds (node, G_TYPE_DOUBLE))
    {
      double value = json_node_get_double (node);

      if (!(isfinite (value) && value >= 0.0))
        {
          g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_NUMBER,
                       "%s: %s %g is not a non-negative number", what, name, value);
          return FALSE;
        }
      *out = value;
      return TRUE;
    }

  return wrong_type (node, what, name, "a decimal string", error);
}

/* A precision: an integer number of decimals, or absent (then @out is left alone). */
static gboolean
get_precision (JsonObject  *object,
               const char  *what,
               const char  *name,
               int         *out,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;

  if (!_perp_json_holds (node, G_TYPE_INT64))
    return wrong_type (node, what, name, "an integer", error);

  value = json_node_get_int (node);
  if (value < 0 || value > 18)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_NUMBER,
                   "%s: %s %" G_GINT64_FORMAT " is not a number of decimals (0 to 18)",
                   what, name, value);
      return FALSE;
    }

  *out = (int) value;

  return TRUE;
}

/* The decimals a step is written with, for a missing quantityPrecision. */
static int
step_decimals (double step)
{
  for (int d = 0; d <= 12 && step > 0.0; d++)
    {
      double scaled = step * pow (10.0, d);

      if (scaled >= 1.0 - 1e-9 && fabs (scaled - nearbyint (scaled)) <= 1e-9 * scaled)
        return d;
    }

  return 0;
}

/* ----------------------------------------------------------------- symbols */

static gboolean
parse_filter (JsonNode         *node,
              const char       *symbol_what,
              guint             index,
              PerpSymbolRules  *rules,
              GError          **error)
{
  g_autofree char *what = NULL;
  JsonObject *filter;
  const char *type = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: filters[%u] is %s, not an object", symbol_what, index, _perp_json_describe_node (node));
      return FALSE;
    }

  filter = json_node_get_object (node);
  what = g_strdup_printf ("%s: filters[%u]", symbol_what, index);
  if (!get_string (filter, what, "filterType", TRUE, &type, error))
    return FALSE;

  g_free (what);
  what = g_strdup_printf ("%s: filter %s", symbol_what, type);

  if (strcmp (type, "PRICE_FILTER") == 0)
    return get_decimal (filter, what, "tickSize", &rules->tick_size, error)
           && get_decimal (filter, what, "minPrice", &rules->min_price, error)
           && get_decimal (filter, what, "maxPrice", &rules->max_price, error);

  if (strcmp (type, "LOT_SIZE") == 0)
    return get_decimal (filter, what, "stepSize", &rules->step_size, error)
           && get_decimal (filter, what, "minQty", &rules->min_qty, error)
           && get_decimal (filter, what, "maxQty", &rules->max_qty, error);

  if (strcmp (type, "MARKET_LOT_SIZE") == 0)
    return get_decimal (filter, what, "stepSize", &rules->market_step_size, error)
           && get_decimal (filter, what, "minQty", &rules->market_min_qty, error)
           && get_decimal (filter, what, "maxQty", &rules->market_max_qty, error);

  /* Futures name the floor "notional"; spot's older filter called it "minNotional". */
  if (strcmp (type, "MIN_NOTIONAL") == 0)
    {
      const char *field = "notional";

      if (!json_object_has_member (filter, field) && json_object_has_member (filter, "minNotional"))
        field = "minNotional";

      return get_decimal (filter, what, field, &rules->min_notional, error);
    }

  return TRUE;
}

static gboolean
parse_symbol (JsonNode    *node,
              const char  *source,
              guint        index,
              Entry       *entry,
              GError     **error)
{
  g_autofree char *what = NULL;
  JsonObject *object;
  JsonNode *filters_node;
  JsonArray *filters;
  const char *symbol = NULL;
  const char *text = NULL;
  gsize symbol_len;
  gboolean has_price_precision;
  gboolean has_quantity_precision;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: symbols[%u] is %s, not an object", source, index, _perp_json_describe_node (node));
      return FALSE;
    }

  object = json_node_get_object (node);
  what = g_strdup_printf ("%s: symbols[%u]", source, index);
  if (!get_string (object, what, "symbol", TRUE, &symbol, error))
    return FALSE;

  symbol_len = strlen (symbol);
  if (symbol_len == 0 || symbol_len >= sizeof entry->rules.symbol)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: symbol \"%s\" is %s", what, symbol,
                   symbol_len == 0 ? "empty" : "too long (31 bytes at most)");
      return FALSE;
    }
  memcpy (entry->rules.symbol, symbol, symbol_len + 1);

  g_free (what);
  what = g_strdup_printf ("%s: symbol %s", source, symbol);

  if (!get_string (object, what, "status", FALSE, &text, error))
    return FALSE;
  entry->status = g_strdup (text);
  if (!get_string (object, what, "contractType", FALSE, &text, error))
    return FALSE;
  entry->contract_type = g_strdup (text);
  if (!get_string (object, what, "quoteAsset", FALSE, &text, error))
    return FALSE;
  entry->quote_asset = g_strdup (text);

  entry->rules.price_precision = -1;
  entry->rules.quantity_precision = -1;
  if (!get_precision (object, what, "pricePrecision", &entry->rules.price_precision, error)
      || !get_precision (object, what, "quantityPrecision", &entry->rules.quantity_precision, error))
    return FALSE;
  has_price_precision = entry->rules.price_precision >= 0;
  has_quantity_precision = entry->rules.quantity_precision >= 0;

  filters_node = json_object_get_member (object, "filters");
  if (filters_node == NULL)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: no \"filters\" field", what);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (filters_node))
    return wrong_type (filters_node, what, "filters", "an array", error);

  filters = json_node_get_array (filters_node);
  for (guint i = 0; i < json_array_get_length (filters); i++)
    if (!parse_filter (json_array_get_element (filters, i), what, i, &entry->rules, error))
      return FALSE;

  /* Without the exchange's own precisions, print what the tick and step need. */
  if (!has_price_precision)
    {
      entry->rules.price_precision = 0;
      entry->rules.price_precision = perp_rules_price_decimals (&entry->rules);
    }
  if (!has_quantity_precision)
    entry->rules.quantity_precision = step_decimals (entry->rules.step_size);

  return TRUE;
}

/* ------------------------------------------------------------------ public */

/**
 * perp_exchange_info_load_data:
 * @data: (array length=length): the response body
 * @length: its length, or -1 when @data is nul-terminated
 * @source_name: (nullable): how errors name the data (a file name, a URL)
 *
 * Returns: (transfer full) (nullable): the decoded response, or %NULL with @error
 *   naming @source_name and, for a bad value, the symbol, filter and field
 */
PerpExchangeInfo *
perp_exchange_info_load_data (const char  *data,
                              gssize       length,
                              const char  *source_name,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) json_error = NULL;
  g_autoptr(PerpExchangeInfo) self = NULL;
  const char *source = source_name != NULL ? source_name : "exchangeInfo";
  JsonNode *root;
  JsonObject *object;
  JsonNode *symbols_node;
  JsonArray *symbols;
  guint n;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", length, &json_error))
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_JSON,
                   "%s: not JSON: %s", source, json_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_JSON,
                   "%s: not JSON: the text is empty", source);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                   "%s: the response is %s, not an object", source, _perp_json_describe_node (root));
      return NULL;
    }

  object = json_node_get_object (root);
  symbols_node = json_object_get_member (object, "symbols");
  if (symbols_node == NULL)
    {
      /* Binance answers failures with {"code": -1121, "msg": "..."}: say so. */
      JsonNode *msg = json_object_get_member (object, "msg");

      if (msg != NULL && _perp_json_holds (msg, G_TYPE_STRING))
        g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                     "%s: an error response, not exchangeInfo: %s", source, json_node_get_string (msg));
      else
        g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                     "%s: no \"symbols\" field (not an exchangeInfo response)", source);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (symbols_node))
    {
      wrong_type (symbols_node, source, "symbols", "an array", error);
      return NULL;
    }

  symbols = json_node_get_array (symbols_node);
  n = json_array_get_length (symbols);

  self = g_new0 (PerpExchangeInfo, 1);
  self->entries = g_array_sized_new (FALSE, TRUE, sizeof (Entry), n);
  g_array_set_clear_func (self->entries, entry_clear);
  self->by_symbol = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n; i++)
    {
      Entry entry;

      memset (&entry, 0, sizeof entry);
      if (!parse_symbol (json_array_get_element (symbols, i), source, i, &entry, error))
        {
          entry_clear (&entry);
          return NULL;
        }

      if (g_hash_table_contains (self->by_symbol, entry.rules.symbol))
        {
          g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_FORMAT,
                       "%s: symbol %s appears twice (symbols[%u])", source, entry.rules.symbol, i);
          entry_clear (&entry);
          return NULL;
        }

      g_array_append_val (self->entries, entry);
      g_hash_table_insert (self->by_symbol, g_strdup (entry.rules.symbol),
                           GUINT_TO_POINTER (self->entries->len));
    }

  return g_steal_pointer (&self);
}

/**
 * perp_exchange_info_load_file:
 * @path: a saved exchangeInfo response
 *
 * Returns: (transfer full) (nullable): the decoded file, or %NULL with @error naming
 *   @path
 */
PerpExchangeInfo *
perp_exchange_info_load_file (const char  *path,
                              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_IO,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  if (length > G_MAXSSIZE)
    {
      g_set_error (error, PERP_EXCHANGE_INFO_ERROR, PERP_EXCHANGE_INFO_ERROR_IO,
                   "%s: the file is too large", path);
      return NULL;
    }

  return perp_exchange_info_load_data (contents, (gssize) length, path, error);
}

guint
perp_exchange_info_get_n_symbols (const PerpExchangeInfo *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->entries->len;
}

/**
 * perp_exchange_info_get_rules:
 * @index: below perp_exchange_info_get_n_symbols(), in the response's order
 *
 * Returns: (transfer none): the filters of the @index-th symbol
 */
const PerpSymbolRules *
perp_exchange_info_get_rules (const PerpExchangeInfo *self,
                              guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  return &g_array_index (self->entries, Entry, index).rules;
}

static const Entry *
find (const PerpExchangeInfo *self,
      const char             *symbol)
{
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_symbol, symbol));

  if (position == 0)
    return NULL;

  return &g_array_index (self->entries, Entry, position - 1);
}

/**
 * perp_exchange_info_lookup:
 * @symbol: an exact symbol name ("BTCUSDT"; case matters, as on Binance)
 *
 * Returns: (transfer none) (nullable): the symbol's filters, valid as long as @self,
 *   or %NULL when the response has no such symbol
 */
const PerpSymbolRules *
perp_exchange_info_lookup (const PerpExchangeInfo *self,
                           const char             *symbol)
{
  const Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  entry = find (self, symbol);

  return entry != NULL ? &entry->rules : NULL;
}

/**
 * perp_exchange_info_get_status:
 *
 * Returns: (transfer none) (nullable): the symbol's "status" ("TRADING",
 *   "PENDING_TRADING", "SETTLING", ...), or %NULL for an unknown symbol or a response
 *   without it.  Only a TRADING symbol takes orders.
 */
const char *
perp_exchange_info_get_status (const PerpExchangeInfo *self,
                               const char             *symbol)
{
  const Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  entry = find (self, symbol);

  return entry != NULL ? entry->status : NULL;
}

/**
 * perp_exchange_info_get_contract_type:
 *
 * Returns: (transfer none) (nullable): "PERPETUAL", "CURRENT_QUARTER", ..., or %NULL
 */
const char *
perp_exchange_info_get_contract_type (const PerpExchangeInfo *self,
                                      const char             *symbol)
{
  const Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  entry = find (self, symbol);

  return entry != NULL ? entry->contract_type : NULL;
}

/**
 * perp_exchange_info_get_quote_asset:
 *
 * The currency the symbol's prices, notional and risk are in.  Sizing takes its risk in
 * that currency: 1.0 on ETHBTC is one bitcoin, not one dollar.
 *
 * Returns: (transfer none) (nullable): "USDT", "USDC", "BTC", ..., or %NULL
 */
const char *
perp_exchange_info_get_quote_asset (const PerpExchangeInfo *self,
                                    const char             *symbol)
{
  const Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  entry = find (self, symbol);

  return entry != NULL ? entry->quote_asset : NULL;
}
