/* fuzz-exchange-info.c: the exchangeInfo loader
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a /fapi/v1/exchangeInfo response (or the bundled file), loaded from
 * memory; every symbol it accepts is then looked up by name, as the sizing does.
 */

#include <string.h>

#include "io/perp-exchange-info.h"

#include "fuzz-target.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PerpExchangeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  /* An explicit length: the response is not NUL-terminated. */
  info = perp_exchange_info_load_data ((const char *) data, (gssize) size, "fuzz.json", &error);
  g_assert ((info != NULL) == (error == NULL));
  if (info == NULL)
    return 0;

  n = perp_exchange_info_get_n_symbols (info);
  for (guint i = 0; i < n; i++)
    {
      const PerpSymbolRules *rules = perp_exchange_info_get_rules (info, i);

      g_assert (rules != NULL);
      g_assert (perp_exchange_info_lookup (info, rules->symbol) == rules);
      (void) perp_exchange_info_get_status (info, rules->symbol);
      (void) perp_exchange_info_get_contract_type (info, rules->symbol);
      (void) perp_exchange_info_get_quote_asset (info, rules->symbol);
    }
  (void) perp_exchange_info_lookup (info, "BTCUSDT");

  return 0;
}
