/* perp-symbol-item.h: one watched symbol in the symbol list, with its latest score
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "perp-engine.h"

G_BEGIN_DECLS

#define PERP_TYPE_SYMBOL_ITEM (perp_symbol_item_get_type ())
G_DECLARE_FINAL_TYPE (PerpSymbolItem, perp_symbol_item, PERP, SYMBOL_ITEM, GObject)

PerpSymbolItem *perp_symbol_item_new              (const char             *symbol);
const char     *perp_symbol_item_get_symbol       (PerpSymbolItem         *self);
double          perp_symbol_item_get_long_pct     (PerpSymbolItem         *self);
const char     *perp_symbol_item_get_long_text    (PerpSymbolItem         *self);
const char     *perp_symbol_item_get_tier_text    (PerpSymbolItem         *self);
const char     *perp_symbol_item_get_direction_text (PerpSymbolItem       *self);
void            perp_symbol_item_set_score        (PerpSymbolItem         *self,
                                                   const PerpScore        *score);

G_END_DECLS
