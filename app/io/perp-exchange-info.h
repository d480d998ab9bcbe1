/* perp-exchange-info.h: Binance /fapi/v1/exchangeInfo decoded into per-symbol trading
 * filters
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "core/perp-sizing.h"

G_BEGIN_DECLS

#define PERP_EXCHANGE_INFO_ERROR (perp_exchange_info_error_quark ())

typedef enum
{
  PERP_EXCHANGE_INFO_ERROR_IO,      /* the file cannot be read */
  PERP_EXCHANGE_INFO_ERROR_JSON,    /* the text is not JSON */
  PERP_EXCHANGE_INFO_ERROR_FORMAT,  /* JSON, but not exchangeInfo (a field missing or of the wrong type) */
  PERP_EXCHANGE_INFO_ERROR_NUMBER,  /* a filter value that is not a valid non-negative number */
} PerpExchangeInfoError;

/* Every symbol of the response, in its order, with its filters.  Immutable once loaded,
 * so it can be shared between threads. */
typedef struct _PerpExchangeInfo PerpExchangeInfo;

GQuark                 perp_exchange_info_error_quark        (void);

PerpExchangeInfo      *perp_exchange_info_load_file          (const char              *path,
                                                              GError                 **error);
PerpExchangeInfo      *perp_exchange_info_load_data          (const char              *data,
                                                              gssize                   length,
                                                              const char              *source_name,
                                                              GError                 **error);
void                   perp_exchange_info_free               (PerpExchangeInfo        *self);

guint                  perp_exchange_info_get_n_symbols      (const PerpExchangeInfo  *self);
const PerpSymbolRules *perp_exchange_info_get_rules          (const PerpExchangeInfo  *self,
                                                              guint                    index);
const PerpSymbolRules *perp_exchange_info_lookup             (const PerpExchangeInfo  *self,
                                                              const char              *symbol);
const char            *perp_exchange_info_get_status         (const PerpExchangeInfo  *self,
                                                              const char              *symbol);
const char            *perp_exchange_info_get_contract_type  (const PerpExchangeInfo  *self,
                                                              const char              *symbol);
const char            *perp_exchange_info_get_quote_asset    (const PerpExchangeInfo  *self,
                                                              const char              *symbol);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpExchangeInfo, perp_exchange_info_free)

G_END_DECLS
