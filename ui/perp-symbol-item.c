/* perp-symbol-item.c: one watched symbol in the symbol list, with its latest score
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-symbol-item"

#include "config.h"

#include <math.h>

#include "panel/perp-score-panel.h"
#include "perp-symbol-item.h"

/*
 * The list's cells bind to these properties through expressions, so a new score
 * updates the row's labels in place and the sorter re-sorts by "long-pct".  Before
 * the first score Long % is -1, which sorts unscored symbols last.
 */

struct _PerpSymbolItem
{
  GObject  parent_instance;

  char    *symbol;
  double   long_pct;
  char    *long_text;
  char    *tier_text;
  char    *direction_text;
};

G_DEFINE_FINAL_TYPE (PerpSymbolItem, perp_symbol_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SYMBOL,
  PROP_LONG_PCT,
  PROP_LONG_TEXT,
  PROP_TIER_TEXT,
  PROP_DIRECTION_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
perp_symbol_item_finalize (GObject *object)
{
  PerpSymbolItem *self = PERP_SYMBOL_ITEM (object);

  g_clear_pointer (&self->symbol, g_free);
  g_clear_pointer (&self->long_text, g_free);
  g_clear_pointer (&self->tier_text, g_free);
  g_clear_pointer (&self->direction_text, g_free);

  G_OBJECT_CLASS (perp_symbol_item_parent_class)->finalize (object);
}

static void
perp_symbol_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PerpSymbolItem *self = PERP_SYMBOL_ITEM (object);

  switch (prop_id)
    {
    case PROP_SYMBOL:
      g_value_set_string (value, self->symbol);
      break;

    case PROP_LONG_PCT:
      g_value_set_double (value, self->long_pct);
      break;

    case PROP_LONG_TEXT:
      g_value_set_string (value, self->long_text);
      break;

    case PROP_TIER_TEXT:
      g_value_set_string (value, self->tier_text);
      break;

    case PROP_DIRECTION_TEXT:
      g_value_set_string (value, self->direction_text);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_symbol_item_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PerpSymbolItem *self = PERP_SYMBOL_ITEM (object);

  switch (prop_id)
    {
    case PROP_SYMBOL:
      self->symbol = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_symbol_item_class_init (PerpSymbolItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = perp_symbol_item_finalize;
  object_class->get_property = perp_symbol_item_get_property;
  object_class->set_property = perp_symbol_item_set_property;

  properties[PROP_SYMBOL] =
    g_param_spec_string ("symbol", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LONG_PCT] =
    g_param_spec_double ("long-pct", NULL, NULL, -1.0, 100.0, -1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LONG_TEXT] =
    g_param_spec_string ("long-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIER_TEXT] =
    g_param_spec_string ("tier-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRECTION_TEXT] =
    g_param_spec_string ("direction-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
perp_symbol_item_init (PerpSymbolItem *self)
{
  self->long_pct = -1.0;
  self->long_text = g_strdup ("—");
  self->tier_text = g_strdup ("");
  self->direction_text = g_strdup ("");
}

/**
 * perp_symbol_item_new:
 * @symbol: the symbol, "BTCUSDT"
 *
 * Returns: (transfer full): a new item without a score
 */
PerpSymbolItem *
perp_symbol_item_new (const char *symbol)
{
  g_return_val_if_fail (symbol != NULL, NULL);

  return g_object_new (PERP_TYPE_SYMBOL_ITEM, "symbol", symbol, NULL);
}

const char *
perp_symbol_item_get_symbol (PerpSymbolItem *self)
{
  g_return_val_if_fail (PERP_IS_SYMBOL_ITEM (self), NULL);

  return self->symbol;
}

/**
 * perp_symbol_item_get_long_pct:
 * @self: a #PerpSymbolItem
 *
 * Returns: the latest Long %, or -1 before the first score
 */
double
perp_symbol_item_get_long_pct (PerpSymbolItem *self)
{
  g_return_val_if_fail (PERP_IS_SYMBOL_ITEM (self), -1.0);

  return self->long_pct;
}

const char *
perp_symbol_item_get_long_text (PerpSymbolItem *self)
{
  g_return_val_if_fail (PERP_IS_SYMBOL_ITEM (self), NULL);

  return self->long_text;
}

const char *
perp_symbol_item_get_tier_text (PerpSymbolItem *self)
{
  g_return_val_if_fail (PERP_IS_SYMBOL_ITEM (self), NULL);

  return self->tier_text;
}

const char *
perp_symbol_item_get_direction_text (PerpSymbolItem *self)
{
  g_return_val_if_fail (PERP_IS_SYMBOL_ITEM (self), NULL);

  return self->direction_text;
}

/**
 * perp_symbol_item_set_score:
 * @self: a #PerpSymbolItem
 * @score: the symbol's latest score
 *
 * Notifies only the properties whose value changed.
 */
void
perp_symbol_item_set_score (PerpSymbolItem  *self,
                            const PerpScore *score)
{
  g_autofree char *long_text = NULL;
  double long_pct;

  g_return_if_fail (PERP_IS_SYMBOL_ITEM (self));
  g_return_if_fail (score != NULL);

  long_pct = isfinite (score->long_pct) ? CLAMP (score->long_pct, 0.0, 100.0) : -1.0;
  long_text = long_pct >= 0.0 ? g_strdup_printf ("%.0f %%", long_pct) : g_strdup ("—");

  g_object_freeze_notify (G_OBJECT (self));
  if (self->long_pct != long_pct)
    {
      self->long_pct = long_pct;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LONG_PCT]);
    }
  if (set_str (&self->long_text, long_text))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LONG_TEXT]);
  if (set_str (&self->tier_text, perp_tier_title (score->tier)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIER_TEXT]);
  if (set_str (&self->direction_text, perp_direction_title (score->direction)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION_TEXT]);
  g_object_thaw_notify (G_OBJECT (self));
}
