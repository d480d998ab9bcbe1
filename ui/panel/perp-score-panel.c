/* perp-score-panel.c: the side panel with one symbol's score, reasons, plan and breakers
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-score-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "perp-score-panel.h"

/*
 * Scores arrive on every candle close and, live, on every book or trade event, so the
 * panel is built once in init and an update only sets label texts, a level bar's value
 * and a few style classes.  Rebuilding rows per update would flicker and drop the
 * keyboard focus and any text selection the analyst has in the panel.
 */

typedef struct
{
  GtkWidget *title;
  GtkWidget *value;
  GtkWidget *state;
} FactorRow;

typedef struct
{
  GtkWidget *title;
  GtkWidget *value;
  GtkWidget *detail;
} PlanRow;

enum {
  PLAN_ROW_ENTRY,
  PLAN_ROW_STOP,
  PLAN_ROW_TARGET0,
  PLAN_ROW_SIZE = PLAN_ROW_TARGET0 + PERP_PLAN_MAX_TARGETS,
  PLAN_ROW_RISK,
  PLAN_ROW_REWARD_RISK,
  N_PLAN_ROWS
};

struct _PerpScorePanel
{
  GtkWidget     parent_instance;

  GtkWidget    *box;
  GtkWidget    *symbol_label;
  GtkWidget    *tier_label;
  GtkWidget    *time_label;
  GtkWidget    *long_pct_label;
  GtkWidget    *short_pct_label;
  GtkWidget    *confidence_bar;
  GtkWidget    *coverage_label;
  GtkWidget    *reason_labels[PERP_SCORE_TOP_REASONS];
  FactorRow     factors[PERP_N_FACTORS];
  GtkWidget    *plan_status_label;
  GtkWidget    *plan_grid;
  PlanRow       plan_rows[N_PLAN_ROWS];
  GtkWidget    *breaker_summary;
  GtkWidget    *resume_button;
  GtkWidget    *breaker_labels[PERP_N_BREAKERS];
  GtkWidget    *breaker_states[PERP_N_BREAKERS];

  char         *symbol;
  PerpInterval  interval;
  gint64        time;     /* of the score shown */
  gboolean      utc;      /* times in UTC, else local (Show Local Time) */
  PerpScore     score;
  PerpPlan      plan;
  guint         has_score : 1;
};

G_DEFINE_FINAL_TYPE (PerpScorePanel, perp_score_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SYMBOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Translated titles: the core's names are stable identifiers for files and JSON. */
const char *
perp_tier_title (PerpTier tier)
{
  switch (tier)
    {
    case PERP_TIER_NEUTRAL: return C_("tier", "Neutral");
    case PERP_TIER_LOW:     return C_("tier", "Low");
    case PERP_TIER_MEDIUM:  return C_("tier", "Medium");
    case PERP_TIER_HIGH:    return C_("tier", "High");
    case PERP_N_TIERS:
    default:                return C_("tier", "Unknown");
    }
}

const char *
perp_direction_title (PerpDirection direction)
{
  switch (direction)
    {
    case PERP_DIRECTION_LONG:  return C_("direction", "Long");
    case PERP_DIRECTION_SHORT: return C_("direction", "Short");
    case PERP_DIRECTION_NONE:
    default:                   return C_("direction", "No trade");
    }
}

static const char *
breaker_title (PerpBreaker breaker)
{
  switch (breaker)
    {
    case PERP_BREAKER_COOLDOWN:       return _("Cooldown after a stop");
    case PERP_BREAKER_SIGNAL_RATE:    return _("Signal rate");
    case PERP_BREAKER_DAILY_DRAWDOWN: return _("Daily drawdown");
    case PERP_BREAKER_MAX_OPEN:       return _("Open positions");
    case PERP_BREAKER_CORRELATION:    return _("Correlation");
    case PERP_BREAKER_VOLATILITY:     return _("Volatility");
    case PERP_BREAKER_MARKET_DANGER:  return _("Market danger");
    case PERP_BREAKER_LOW_ACTIVITY:   return _("Low activity hours");
    case PERP_BREAKER_WIN_STREAK:     return _("Win streak");
    case PERP_N_BREAKERS:
    default:                          return _("Unknown breaker");
    }
}

static const char *
stop_anchor_title (PerpStopAnchor anchor)
{
  switch (anchor)
    {
    case PERP_STOP_ORDER_BLOCK: return _("order block");
    case PERP_STOP_FVG:         return _("fair value gap");
    case PERP_STOP_SWING:       return _("swing");
    case PERP_STOP_ATR:         return _("ATR");
    default:                    return "";
    }
}

/* The long form, for the clipboard text. */
static const char *
stop_anchor_phrase (PerpStopAnchor anchor)
{
  switch (anchor)
    {
    case PERP_STOP_ORDER_BLOCK: return _("beyond the order block");
    case PERP_STOP_FVG:         return _("beyond the fair value gap");
    case PERP_STOP_SWING:       return _("beyond the swing");
    case PERP_STOP_ATR:         return _("at the ATR distance");
    default:                    return "";
    }
}

static const char *
plan_status_text (PerpPlanStatus status)
{
  switch (status)
    {
    case PERP_PLAN_OK:           return "";
    case PERP_PLAN_NO_DIRECTION: return _("Neutral score: no trade to plan.");
    case PERP_PLAN_NO_ATR:       return _("Not enough candles for the ATR: no stop distance yet.");
    case PERP_PLAN_LOW_REWARD:   return _("Reward to risk of the targets is under the minimum.");
    case PERP_PLAN_NO_SIZE:      return _("No valid position size within the exchange’s limits.");
    default:                     return _("No plan.");
    }
}

/**
 * perp_format_data_time:
 * @time_ms: Unix time in ms (UTC)
 * @utc: %FALSE for the local time zone (Show Local Time)
 *
 * Returns: (transfer full): "2024-03-31 23:55 UTC" (or "2024-04-01 01:55 CEST"), or an
 *   em dash when @time_ms < 0
 */
char *
perp_format_data_time (gint64   time_ms,
                       gboolean utc)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (time_ms < 0)
    return g_strdup ("—");

  dt = g_date_time_new_from_unix_utc (time_ms / 1000);
  if (dt == NULL)
    return g_strdup ("—");
  if (utc)
    return g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");

  local = g_date_time_to_local (dt);
  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M %Z") : g_strdup ("—");
}

static char *
format_qty (double qty)
{
  g_autofree char *text = g_strdup_printf ("%.6f", qty);
  char *end = text + strlen (text) - 1;

  /* Trailing zeros of a quantity say nothing; the exchange step decides the precision. */
  while (end > text && *end == '0')
    *end-- = '\0';
  if (end > text && *end == '.')
    *end = '\0';

  return g_steal_pointer (&text);
}

static char *
format_money (double amount)
{
  return g_strdup_printf ("$%.2f", amount);
}

/**
 * perp_plan_format_text:
 * @symbol: the symbol
 * @interval: the signal timeframe
 * @score: the score the plan is for
 * @plan: the plan
 *
 * The plan as plain text for the clipboard: one line per item, prices as the panel
 * shows them, so what is pasted into a chat or an order ticket matches the screen.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL when @plan has no trade
 */
char *
perp_plan_format_text (const char      *symbol,
                       PerpInterval     interval,
                       const PerpScore *score,
                       const PerpPlan  *plan)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *when = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *stop = NULL;
  g_autofree char *qty = NULL;
  g_autofree char *notional = NULL;
  g_autofree char *risk = NULL;

  g_return_val_if_fail (symbol != NULL, NULL);
  g_return_val_if_fail (score != NULL, NULL);
  g_return_val_if_fail (plan != NULL, NULL);

  if (plan->status != PERP_PLAN_OK || plan->direction == PERP_DIRECTION_NONE)
    return NULL;

  out = g_string_new (NULL);
  /* UTC whatever the window shows: the text is for sharing. */
  when = perp_format_data_time (plan->time, TRUE);
  entry = perp_format_price (plan->entry);
  stop = perp_format_price (plan->stop);
  qty = format_qty (plan->sizing.quantity);
  notional = perp_format_price (plan->sizing.notional);
  risk = format_money (plan->sizing.risk);

  /* Translators: "BTCUSDT Long, High tier, 5m, 2024-03-31 23:55 UTC" */
  g_string_append_printf (out, _("%s %s, %s tier, %s, %s"),
                          symbol, perp_direction_title (plan->direction),
                          perp_tier_title (plan->tier), perp_interval_to_string (interval), when);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Confidence: Long %.0f %% / Short %.0f %%"),
                          score->long_pct, score->short_pct);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Entry: %s"), entry);
  g_string_append_c (out, '\n');
  /* Translators: "Stop: 70,971 (beyond the swing)" */
  g_string_append_printf (out, _("Stop: %s (%s)"), stop, stop_anchor_phrase (plan->stop_anchor));
  g_string_append_c (out, '\n');
  for (guint i = 0; i < plan->n_targets && i < PERP_PLAN_MAX_TARGETS; i++)
    {
      g_autofree char *price = perp_format_price (plan->targets[i].price);

      /* Translators: "TP1: 72,100 (1.5 R, 50 % of the position)" */
      g_string_append_printf (out, _("TP%u: %s (%.1f R, %.0f %% of the position)"),
                              i + 1, price, plan->targets[i].r, plan->targets[i].share * 100.0);
      g_string_append_c (out, '\n');
    }
  g_string_append_printf (out, _("Size: %s %s (notional %s USDT)"), qty, symbol, notional);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Risk: %s"), risk);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Reward to risk: %.2f"), plan->reward_risk);
  g_string_append_c (out, '\n');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GtkWidget *
make_label (const char *css_class,
            float       xalign)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static GtkWidget *
make_section_title (const char *title)
{
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_add_css_class (label, "section-title");
  gtk_widget_add_css_class (label, "heading");

  return label;
}

static void
set_sided_class (GtkWidget *widget,
                 int        side)
{
  if (side > 0)
    {
      gtk_widget_remove_css_class (widget, "short-text");
      gtk_widget_add_css_class (widget, "long-text");
    }
  else if (side < 0)
    {
      gtk_widget_remove_css_class (widget, "long-text");
      gtk_widget_add_css_class (widget, "short-text");
    }
  else
    {
      gtk_widget_remove_css_class (widget, "long-text");
      gtk_widget_remove_css_class (widget, "short-text");
    }
}

static void
set_plan_row (PerpScorePanel *self,
              guint           row,
              const char     *value,
              const char     *detail)
{
  PlanRow *r = &self->plan_rows[row];
  gboolean visible = value != NULL;

  gtk_widget_set_visible (r->title, visible);
  gtk_widget_set_visible (r->value, visible);
  gtk_widget_set_visible (r->detail, visible);
  if (visible)
    {
      gtk_label_set_label (GTK_LABEL (r->value), value);
      gtk_label_set_label (GTK_LABEL (r->detail), detail != NULL ? detail : "");
    }
}

static void
show_empty (PerpScorePanel *self)
{
  gtk_label_set_label (GTK_LABEL (self->tier_label), C_("tier", "Waiting"));
  gtk_widget_remove_css_class (self->tier_label, "long");
  gtk_widget_remove_css_class (self->tier_label, "short");
  gtk_label_set_label (GTK_LABEL (self->time_label), _("Waiting for the first score…"));
  gtk_label_set_label (GTK_LABEL (self->long_pct_label), "—");
  gtk_label_set_label (GTK_LABEL (self->short_pct_label), "—");
  gtk_level_bar_set_value (GTK_LEVEL_BAR (self->confidence_bar), 50.0);
  gtk_label_set_label (GTK_LABEL (self->coverage_label), "");

  for (guint i = 0; i < PERP_SCORE_TOP_REASONS; i++)
    gtk_widget_set_visible (self->reason_labels[i], FALSE);

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      gtk_label_set_label (GTK_LABEL (self->factors[f].value), "—");
      gtk_label_set_label (GTK_LABEL (self->factors[f].state), "");
      set_sided_class (self->factors[f].value, 0);
      gtk_widget_set_tooltip_text (self->factors[f].title, NULL);
    }

  gtk_label_set_label (GTK_LABEL (self->plan_status_label), _("No plan yet."));
  gtk_widget_set_visible (self->plan_status_label, TRUE);
  for (guint r = 0; r < N_PLAN_ROWS; r++)
    set_plan_row (self, r, NULL, NULL);

  gtk_label_set_label (GTK_LABEL (self->breaker_summary), "—");
  for (guint b = 0; b < PERP_N_BREAKERS; b++)
    {
      gtk_widget_set_visible (self->breaker_labels[b], FALSE);
      gtk_widget_set_visible (self->breaker_states[b], FALSE);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.copy-plan", FALSE);
}

static void
copy_plan_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  PerpScorePanel *self = PERP_SCORE_PANEL (widget);
  g_autofree char *text = perp_score_panel_dup_plan_text (self);

  if (text == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  gtk_widget_activate_action (widget, "win.plan-copied", NULL);
}

static void
perp_score_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PerpScorePanel *self = PERP_SCORE_PANEL (object);

  switch (prop_id)
    {
    case PROP_SYMBOL:
      g_value_set_string (value, perp_score_panel_get_symbol (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_score_panel_dispose (GObject *object)
{
  PerpScorePanel *self = PERP_SCORE_PANEL (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (perp_score_panel_parent_class)->dispose (object);
}

static void
perp_score_panel_finalize (GObject *object)
{
  PerpScorePanel *self = PERP_SCORE_PANEL (object);

  g_clear_pointer (&self->symbol, g_free);

  G_OBJECT_CLASS (perp_score_panel_parent_class)->finalize (object);
}

static void
perp_score_panel_class_init (PerpScorePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = perp_score_panel_get_property;
  object_class->dispose = perp_score_panel_dispose;
  object_class->finalize = perp_score_panel_finalize;

  properties[PROP_SYMBOL] =
    g_param_spec_string ("symbol", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "scorepanel");
  gtk_widget_class_install_action (widget_class, "panel.copy-plan", NULL, copy_plan_action);
}

static GtkWidget *
build_factor_grid (PerpScorePanel *self)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      FactorRow *row = &self->factors[f];

      row->title = make_label (NULL, 0.0f);
      gtk_label_set_label (GTK_LABEL (row->title), perp_factor_title ((PerpFactor) f));
      gtk_label_set_ellipsize (GTK_LABEL (row->title), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (row->title, TRUE);
      row->value = make_label ("numeric", 1.0f);
      gtk_label_set_width_chars (GTK_LABEL (row->value), 6);
      row->state = make_label ("caption", 1.0f);
      gtk_label_set_width_chars (GTK_LABEL (row->state), 9);

      gtk_grid_attach (GTK_GRID (grid), row->title, 0, (int) f, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), row->value, 1, (int) f, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), row->state, 2, (int) f, 1, 1);
    }

  return grid;
}

static GtkWidget *
build_plan_grid (PerpScorePanel *self)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);

  for (guint r = 0; r < N_PLAN_ROWS; r++)
    {
      PlanRow *row = &self->plan_rows[r];
      g_autofree char *title = NULL;

      if (r == PLAN_ROW_ENTRY)
        title = g_strdup (_("Entry"));
      else if (r == PLAN_ROW_STOP)
        title = g_strdup (_("Stop"));
      else if (r < PLAN_ROW_SIZE)
        /* Translators: take-profit target number N */
        title = g_strdup_printf (_("TP%u"), r - PLAN_ROW_TARGET0 + 1);
      else if (r == PLAN_ROW_SIZE)
        title = g_strdup (_("Size"));
      else if (r == PLAN_ROW_RISK)
        title = g_strdup (_("Risk"));
      else
        title = g_strdup (_("Reward : risk"));

      row->title = make_label ("dim-label", 0.0f);
      gtk_label_set_label (GTK_LABEL (row->title), title);
      row->value = make_label ("numeric", 1.0f);
      gtk_widget_set_hexpand (row->value, TRUE);
      row->detail = make_label ("caption", 0.0f);
      gtk_widget_add_css_class (row->detail, "dim-label");
      gtk_label_set_ellipsize (GTK_LABEL (row->detail), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (row->detail), 14);

      gtk_grid_attach (GTK_GRID (grid), row->title, 0, (int) r, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), row->value, 1, (int) r, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), row->detail, 2, (int) r, 1, 1);
    }

  return grid;
}

static void
perp_score_panel_init (PerpScorePanel *self)
{
  GtkWidget *header;
  GtkWidget *pct_row;
  GtkWidget *side;
  GtkWidget *caption;
  GtkWidget *plan_header;
  GtkWidget *copy_button;
  GtkWidget *reasons;
  GtkWidget *breakers;

  self->interval = PERP_INTERVAL_UNKNOWN;
  self->utc = TRUE;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (self->box, "score-panel");
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  self->symbol_label = make_label ("symbol", 0.0f);
  gtk_widget_set_hexpand (self->symbol_label, TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->symbol_label), FALSE);
  self->tier_label = make_label ("tier-pill", 0.5f);
  gtk_widget_set_valign (self->tier_label, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), self->symbol_label);
  gtk_box_append (GTK_BOX (header), self->tier_label);
  gtk_box_append (GTK_BOX (self->box), header);

  self->time_label = make_label ("dim-label", 0.0f);
  gtk_widget_add_css_class (self->time_label, "caption");
  gtk_box_append (GTK_BOX (self->box), self->time_label);

  pct_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_margin_top (pct_row, 6);
  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->long_pct_label = make_label ("pct", 0.0f);
  gtk_widget_add_css_class (self->long_pct_label, "long-text");
  caption = make_label ("caption", 0.0f);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_label (GTK_LABEL (caption), _("Long"));
  gtk_box_append (GTK_BOX (side), self->long_pct_label);
  gtk_box_append (GTK_BOX (side), caption);
  gtk_widget_set_hexpand (side, TRUE);
  gtk_box_append (GTK_BOX (pct_row), side);
  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->short_pct_label = make_label ("pct", 1.0f);
  gtk_widget_add_css_class (self->short_pct_label, "short-text");
  caption = make_label ("caption", 1.0f);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_label (GTK_LABEL (caption), _("Short"));
  gtk_box_append (GTK_BOX (side), self->short_pct_label);
  gtk_box_append (GTK_BOX (side), caption);
  gtk_box_append (GTK_BOX (pct_row), side);
  gtk_box_append (GTK_BOX (self->box), pct_row);

  /* The bar's filled part is the long side; the default low/high/full offsets would
   * recolour it by value, which here means nothing. */
  self->confidence_bar = gtk_level_bar_new_for_interval (0.0, 100.0);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (self->confidence_bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (self->confidence_bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (self->confidence_bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_widget_add_css_class (self->confidence_bar, "confidence");
  gtk_box_append (GTK_BOX (self->box), self->confidence_bar);

  self->coverage_label = make_label ("caption", 0.0f);
  gtk_widget_add_css_class (self->coverage_label, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->coverage_label);

  gtk_box_append (GTK_BOX (self->box), make_section_title (_("Why")));
  reasons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  for (guint i = 0; i < PERP_SCORE_TOP_REASONS; i++)
    {
      self->reason_labels[i] = make_label (NULL, 0.0f);
      gtk_label_set_wrap (GTK_LABEL (self->reason_labels[i]), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (self->reason_labels[i]), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (self->reason_labels[i]), 40);
      gtk_box_append (GTK_BOX (reasons), self->reason_labels[i]);
    }
  gtk_box_append (GTK_BOX (self->box), reasons);

  gtk_box_append (GTK_BOX (self->box), make_section_title (_("Factors")));
  gtk_box_append (GTK_BOX (self->box), build_factor_grid (self));

  plan_header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  caption = make_section_title (_("Trade plan"));
  gtk_widget_set_hexpand (caption, TRUE);
  gtk_box_append (GTK_BOX (plan_header), caption);
  copy_button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  gtk_widget_add_css_class (copy_button, "flat");
  gtk_widget_set_valign (copy_button, GTK_ALIGN_END);
  gtk_widget_set_tooltip_text (copy_button, _("Copy the plan as text"));
  /* A tooltip is only the description (GTK 4.8): screen readers need the label. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy the plan as text"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy_button), "panel.copy-plan");
  gtk_box_append (GTK_BOX (plan_header), copy_button);
  gtk_box_append (GTK_BOX (self->box), plan_header);

  self->plan_status_label = make_label ("dim-label", 0.0f);
  gtk_label_set_wrap (GTK_LABEL (self->plan_status_label), TRUE);
  gtk_box_append (GTK_BOX (self->box), self->plan_status_label);
  self->plan_grid = build_plan_grid (self);
  gtk_box_append (GTK_BOX (self->box), self->plan_grid);

  gtk_box_append (GTK_BOX (self->box), make_section_title (_("Circuit breakers")));
  self->breaker_summary = make_label (NULL, 0.0f);
  gtk_label_set_wrap (GTK_LABEL (self->breaker_summary), TRUE);
  gtk_box_append (GTK_BOX (self->box), self->breaker_summary);
  breakers = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (breakers), 12);
  gtk_grid_set_row_spacing (GTK_GRID (breakers), 3);
  for (guint b = 0; b < PERP_N_BREAKERS; b++)
    {
      self->breaker_labels[b] = make_label (NULL, 0.0f);
      gtk_widget_set_hexpand (self->breaker_labels[b], TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (self->breaker_labels[b]), PANGO_ELLIPSIZE_END);
      self->breaker_states[b] = make_label ("caption", 1.0f);
      gtk_grid_attach (GTK_GRID (breakers), self->breaker_labels[b], 0, (int) b, 1, 1);
      gtk_grid_attach (GTK_GRID (breakers), self->breaker_states[b], 1, (int) b, 1, 1);
    }
  gtk_box_append (GTK_BOX (self->box), breakers);
  /* The daily-drawdown pause holds until a person lifts it; the window does that in
   * the journal (win.resume-trading). */
  self->resume_button = gtk_button_new_with_mnemonic (_("_Resume Trading"));
  gtk_widget_set_halign (self->resume_button, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (self->resume_button,
                               _("Lift the daily-drawdown pause; it trips again while today's loss is still at the limit"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->resume_button), "win.resume-trading");
  gtk_widget_set_visible (self->resume_button, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->resume_button);

  gtk_label_set_label (GTK_LABEL (self->symbol_label), "—");
  show_empty (self);
}

/**
 * perp_score_panel_new:
 *
 * Returns: (transfer floating): a new panel showing no symbol
 */
GtkWidget *
perp_score_panel_new (void)
{
  return g_object_new (PERP_TYPE_SCORE_PANEL, NULL);
}

/**
 * perp_score_panel_set_symbol:
 * @self: a #PerpScorePanel
 * @symbol: (nullable): the symbol to show, %NULL for none
 * @interval: its signal timeframe
 *
 * Switches the panel to @symbol and clears it until perp_score_panel_update() brings
 * that symbol's score.  Setting the symbol it already shows keeps the score.
 */
void
perp_score_panel_set_symbol (PerpScorePanel *self,
                             const char     *symbol,
                             PerpInterval    interval)
{
  g_return_if_fail (PERP_IS_SCORE_PANEL (self));

  if (g_strcmp0 (self->symbol, symbol) == 0 && self->interval == interval)
    return;

  g_free (self->symbol);
  self->symbol = g_strdup (symbol);
  self->interval = interval;
  self->has_score = FALSE;

  gtk_label_set_label (GTK_LABEL (self->symbol_label), symbol != NULL ? symbol : "—");
  show_empty (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYMBOL]);
}

/**
 * perp_score_panel_get_symbol:
 * @self: a #PerpScorePanel
 *
 * Returns: (nullable) (transfer none): the symbol shown
 */
const char *
perp_score_panel_get_symbol (PerpScorePanel *self)
{
  g_return_val_if_fail (PERP_IS_SCORE_PANEL (self), NULL);

  return self->symbol;
}

/**
 * perp_score_panel_has_score:
 * @self: a #PerpScorePanel
 *
 * Returns: whether a score of the current symbol is shown
 */
gboolean
perp_score_panel_has_score (PerpScorePanel *self)
{
  g_return_val_if_fail (PERP_IS_SCORE_PANEL (self), FALSE);

  return self->has_score;
}

/**
 * perp_score_panel_get_long_pct:
 * @self: a #PerpScorePanel
 *
 * Returns: the Long % shown, or NAN without a score
 */
double
perp_score_panel_get_long_pct (PerpScorePanel *self)
{
  g_return_val_if_fail (PERP_IS_SCORE_PANEL (self), NAN);

  return self->has_score ? self->score.long_pct : NAN;
}

/**
 * perp_score_panel_dup_plan_text:
 * @self: a #PerpScorePanel
 *
 * Returns: (transfer full) (nullable): what the copy button puts on the clipboard, or
 *   %NULL when no plan with a trade is shown
 */
char *
perp_score_panel_dup_plan_text (PerpScorePanel *self)
{
  g_return_val_if_fail (PERP_IS_SCORE_PANEL (self), NULL);

  if (!self->has_score || self->symbol == NULL)
    return NULL;

  return perp_plan_format_text (self->symbol, self->interval, &self->score, &self->plan);
}

static char *
format_age (gint64 age_ms)
{
  if (age_ms < 0)
    return g_strdup ("");
  if (age_ms < 60 * 1000)
    return g_strdup_printf (_("%d s"), (int) (age_ms / 1000));
  if (age_ms < 3600 * 1000)
    return g_strdup_printf (_("%d min"), (int) (age_ms / 60000));
  if (age_ms < 48 * 3600 * 1000)
    return g_strdup_printf (_("%d h"), (int) (age_ms / 3600000));
  return g_strdup_printf (_("%d d"), (int) (age_ms / 86400000));
}

static void
update_factors (PerpScorePanel  *self,
                const PerpScore *score)
{
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const PerpFactorScore *fs = &score->factors[f];
      FactorRow *row = &self->factors[f];
      g_autofree char *value = NULL;
      g_autofree char *state = NULL;
      g_autofree char *reason = NULL;
      g_autofree char *tooltip = NULL;
      PerpFactor factor = fs->factor < PERP_N_FACTORS ? fs->factor : (PerpFactor) f;

      gtk_label_set_label (GTK_LABEL (row->title), perp_factor_title (factor));

      switch (fs->state)
        {
        case PERP_DATA_FRESH:
          value = g_strdup_printf ("%+.2f", fs->value);
          state = g_strdup (C_("data state", "fresh"));
          break;

        case PERP_DATA_STALE:
          {
            g_autofree char *age = format_age (fs->age_ms);

            value = g_strdup_printf ("%+.2f", fs->value);
            /* Translators: a stale data source and its age, "stale 12 min" */
            state = g_strdup_printf (C_("data state", "stale %s"), age);
          }
          break;

        case PERP_DATA_MISSING:
        default:
          value = g_strdup ("—");
          state = g_strdup (C_("data state", "missing"));
          break;
        }

      gtk_label_set_label (GTK_LABEL (row->value), value);
      gtk_label_set_label (GTK_LABEL (row->state), state);
      set_sided_class (row->value,
                       fs->state == PERP_DATA_MISSING || fabs (fs->value) < 0.005
                       ? 0 : (fs->value > 0 ? 1 : -1));

      if (fs->state == PERP_DATA_STALE)
        gtk_widget_add_css_class (row->state, "state-stale");
      else
        gtk_widget_remove_css_class (row->state, "state-stale");
      if (fs->state == PERP_DATA_MISSING)
        {
          gtk_widget_add_css_class (row->state, "state-missing");
          gtk_widget_add_css_class (row->title, "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (row->state, "state-missing");
          gtk_widget_remove_css_class (row->title, "dim-label");
        }
      if (fs->state == PERP_DATA_FRESH)
        gtk_widget_add_css_class (row->state, "dim-label");
      else
        gtk_widget_remove_css_class (row->state, "dim-label");

      reason = perp_reason_format (&fs->reason);
      /* Translators: a factor's tooltip: its reason, then its weight and contribution */
      tooltip = g_strdup_printf (_("%s\nWeight %.0f %%, contribution %+.3f"),
                                 reason != NULL && reason[0] != '\0' ? reason : perp_factor_title (factor),
                                 fs->weight * 100.0, fs->contribution);
      gtk_widget_set_tooltip_text (row->title, tooltip);
    }
}

static void
update_reasons (PerpScorePanel  *self,
                const PerpScore *score)
{
  for (guint i = 0; i < PERP_SCORE_TOP_REASONS; i++)
    {
      int index = score->top[i];
      GtkWidget *label = self->reason_labels[i];

      if (index >= 0 && index < PERP_N_FACTORS)
        {
          const PerpFactorScore *fs = &score->factors[index];
          g_autofree char *reason = perp_reason_format (&fs->reason);
          g_autofree char *text = g_strdup_printf ("%u. %s", i + 1, reason != NULL ? reason : "");

          gtk_label_set_label (GTK_LABEL (label), text);
          gtk_widget_set_tooltip_text (label, perp_factor_title (fs->factor));
          set_sided_class (label, fs->contribution > 0 ? 1 : (fs->contribution < 0 ? -1 : 0));
          gtk_widget_set_visible (label, TRUE);
        }
      else
        gtk_widget_set_visible (label, FALSE);
    }
}

static const char *
sizing_status_text (PerpSizingStatus status)
{
  switch (status)
    {
    case PERP_SIZING_OK:                   return "";
    case PERP_SIZING_REJECT_NO_RISK:       return _("no risk for this tier");
    case PERP_SIZING_REJECT_BAD_STOP:      return _("stop on the wrong side");
    case PERP_SIZING_REJECT_BELOW_MIN_QTY: return _("below the minimum quantity");
    case PERP_SIZING_REJECT_MIN_NOTIONAL:  return _("below the minimum notional");
    case PERP_SIZING_REJECT_ABOVE_MAX_QTY: return _("above the maximum quantity");
    case PERP_SIZING_REJECT_PRICE_FILTER:  return _("outside the price filter");
    case PERP_SIZING_REJECT_HEAT:          return _("over the open-risk limit");
    default:                               return "";
    }
}

static void
update_plan (PerpScorePanel *self,
             const PerpPlan *plan)
{
  gboolean ok = plan->status == PERP_PLAN_OK && plan->direction != PERP_DIRECTION_NONE;
  /* A plan without a valid size, or with a reward under the minimum, still has its
   * levels: show them, and say why it is not a trade. */
  gboolean levels = plan->direction != PERP_DIRECTION_NONE && plan->entry > 0.0
                    && (ok || plan->status == PERP_PLAN_NO_SIZE || plan->status == PERP_PLAN_LOW_REWARD);
  gboolean sized = ok || plan->status == PERP_PLAN_LOW_REWARD;
  g_autofree char *entry = NULL;
  g_autofree char *stop = NULL;
  g_autofree char *stop_detail = NULL;
  g_autofree char *size = NULL;
  g_autofree char *size_detail = NULL;
  g_autofree char *notional = NULL;
  g_autofree char *risk = NULL;
  g_autofree char *risk_detail = NULL;
  g_autofree char *rr = NULL;

  gtk_widget_set_visible (self->plan_status_label, !ok);
  gtk_label_set_label (GTK_LABEL (self->plan_status_label), plan_status_text (plan->status));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.copy-plan", ok);

  if (!levels)
    {
      for (guint r = 0; r < N_PLAN_ROWS; r++)
        set_plan_row (self, r, NULL, NULL);
      return;
    }

  entry = perp_format_price (plan->entry);
  set_plan_row (self, PLAN_ROW_ENTRY, entry, perp_direction_title (plan->direction));

  stop = perp_format_price (plan->stop);
  /* Translators: where the stop is and what it is placed beyond, "-1.2 % · swing" */
  stop_detail = g_strdup_printf (_("%+.2f %% · %s"),
                                 (plan->stop - plan->entry) / plan->entry * 100.0,
                                 stop_anchor_title (plan->stop_anchor));
  set_plan_row (self, PLAN_ROW_STOP, stop, stop_detail);

  for (guint i = 0; i < PERP_PLAN_MAX_TARGETS; i++)
    {
      if (i < plan->n_targets)
        {
          g_autofree char *price = perp_format_price (plan->targets[i].price);
          /* Translators: a target's R multiple and share of the position, "1.5 R · 50 %" */
          g_autofree char *detail = g_strdup_printf (_("%.1f R · %.0f %%"),
                                                     plan->targets[i].r,
                                                     plan->targets[i].share * 100.0);

          set_plan_row (self, PLAN_ROW_TARGET0 + i, price, detail);
        }
      else
        set_plan_row (self, PLAN_ROW_TARGET0 + i, NULL, NULL);
    }

  if (sized)
    {
      size = format_qty (plan->sizing.quantity);
      notional = perp_format_price (plan->sizing.notional);
      /* Translators: the notional value of a position, "≈ 8,777 USDT" */
      size_detail = g_strdup_printf (_("≈ %s USDT"), notional);
      risk = format_money (plan->sizing.risk);
    }
  else
    {
      size = g_strdup ("—");
      size_detail = g_strdup (sizing_status_text (plan->sizing.status));
      risk = g_strdup ("—");
    }
  set_plan_row (self, PLAN_ROW_SIZE, size, size_detail);

  if (plan->sizing.target_risk > 0.0)
    {
      g_autofree char *target = format_money (plan->sizing.target_risk);

      /* Translators: the dollar risk the size aimed for, "target $100.00" */
      risk_detail = g_strdup_printf (_("target %s"), target);
    }
  set_plan_row (self, PLAN_ROW_RISK, risk, risk_detail);

  rr = g_strdup_printf ("%.2f", plan->reward_risk);
  set_plan_row (self, PLAN_ROW_REWARD_RISK, rr, NULL);
}

static void
update_breakers (PerpScorePanel           *self,
                 const PerpBreakerVerdict *verdict)
{
  g_autofree char *summary = NULL;
  guint n = verdict != NULL ? MIN (verdict->n_results, PERP_N_BREAKERS) : 0;

  if (verdict == NULL)
    summary = g_strdup (_("Not checked"));
  else
    switch (verdict->action)
      {
      case PERP_BREAKER_PASS:
        summary = g_strdup_printf (ngettext ("All clear: %u check passed.",
                                             "All clear: %u checks passed.", n), n);
        break;

      case PERP_BREAKER_ADJUST:
        /* Translators: threshold raise in points of confidence, and the size factor */
        summary = g_strdup_printf (_("Adjusted: threshold +%.0f, size × %.2f"),
                                   verdict->threshold_raise, verdict->size_factor);
        break;

      case PERP_BREAKER_BLOCK:
      default:
        summary = g_strdup (_("Blocked: do not take this signal."));
        break;
      }

  gtk_label_set_label (GTK_LABEL (self->breaker_summary), summary);
  {
    gboolean paused = FALSE;

    for (guint b = 0; b < n; b++)
      if (verdict->results[b].breaker == PERP_BREAKER_DAILY_DRAWDOWN
          && verdict->results[b].action == PERP_BREAKER_BLOCK)
        paused = TRUE;
    gtk_widget_set_visible (self->resume_button, paused);
  }
  if (n > 0)
    {
      g_autoptr(GString) tooltip = g_string_new (NULL);

      for (guint b = 0; b < n; b++)
        g_string_append_printf (tooltip, "%s%s: %s", b > 0 ? "\n" : "",
                                breaker_title (verdict->results[b].breaker),
                                verdict->results[b].reason != NULL ? verdict->results[b].reason : "");
      gtk_widget_set_tooltip_text (self->breaker_summary, tooltip->str);
    }
  else
    gtk_widget_set_tooltip_text (self->breaker_summary, NULL);
  set_sided_class (self->breaker_summary,
                   verdict == NULL ? 0 : (verdict->action == PERP_BREAKER_BLOCK ? -1 : 0));
  if (verdict != NULL && verdict->action == PERP_BREAKER_ADJUST)
    gtk_widget_add_css_class (self->breaker_summary, "state-stale");
  else
    gtk_widget_remove_css_class (self->breaker_summary, "state-stale");

  for (guint b = 0; b < PERP_N_BREAKERS; b++)
    {
      GtkWidget *label = self->breaker_labels[b];
      GtkWidget *state = self->breaker_states[b];

      /* Only the breakers that act get a row; the ones that pass are counted in the
       * summary and listed in its tooltip, so the panel stays short. */
      if (b < n && verdict->results[b].action != PERP_BREAKER_PASS)
        {
          const PerpBreakerResult *result = &verdict->results[b];
          const char *action_text;

          gtk_label_set_label (GTK_LABEL (label), breaker_title (result->breaker));
          gtk_widget_set_tooltip_text (label, result->reason);
          gtk_widget_set_tooltip_text (state, result->reason);

          gtk_widget_remove_css_class (state, "dim-label");
          gtk_widget_remove_css_class (state, "state-stale");
          gtk_widget_remove_css_class (state, "state-missing");
          switch (result->action)
            {
            case PERP_BREAKER_PASS:
              action_text = C_("breaker", "pass");
              gtk_widget_add_css_class (state, "dim-label");
              break;

            case PERP_BREAKER_ADJUST:
              action_text = C_("breaker", "adjust");
              gtk_widget_add_css_class (state, "state-stale");
              break;

            case PERP_BREAKER_BLOCK:
            default:
              action_text = C_("breaker", "block");
              gtk_widget_add_css_class (state, "state-missing");
              break;
            }
          gtk_label_set_label (GTK_LABEL (state), action_text);
          gtk_widget_set_visible (label, TRUE);
          gtk_widget_set_visible (state, TRUE);
        }
      else
        {
          gtk_widget_set_visible (label, FALSE);
          gtk_widget_set_visible (state, FALSE);
        }
    }
}

static void
update_time (PerpScorePanel *self)
{
  g_autofree char *when = perp_format_data_time (self->time, self->utc);
  g_autofree char *text = NULL;

  /* Translators: "5m · as of 2024-03-31 23:55 UTC" */
  text = g_strdup_printf (_("%s · as of %s"), perp_interval_to_string (self->interval), when);
  gtk_label_set_label (GTK_LABEL (self->time_label), text);
}

/**
 * perp_score_panel_set_utc:
 * @utc: %TRUE for times in UTC (the default), %FALSE for the local time zone
 */
void
perp_score_panel_set_utc (PerpScorePanel *self,
                          gboolean        utc)
{
  g_return_if_fail (PERP_IS_SCORE_PANEL (self));

  utc = !!utc;
  if (self->utc == utc)
    return;
  self->utc = utc;
  if (self->has_score)
    update_time (self);
}

/**
 * perp_score_panel_update:
 * @self: a #PerpScorePanel
 * @update: a score of the panel's symbol
 *
 * Shows @update.  Updates of other symbols are ignored, so the window may forward
 * every score-changed emission.
 */
void
perp_score_panel_update (PerpScorePanel         *self,
                         const PerpEngineUpdate *update)
{
  const PerpScore *score;
  g_autofree char *long_text = NULL;
  g_autofree char *short_text = NULL;
  g_autofree char *tier_text = NULL;
  g_autofree char *coverage = NULL;

  g_return_if_fail (PERP_IS_SCORE_PANEL (self));
  g_return_if_fail (update != NULL);
  g_return_if_fail (update->score != NULL);

  if (self->symbol == NULL || g_strcmp0 (update->symbol, self->symbol) != 0)
    return;

  score = update->score;
  self->score = *score;
  if (update->plan != NULL)
    self->plan = *update->plan;
  else
    {
      memset (&self->plan, 0, sizeof self->plan);
      self->plan.status = PERP_PLAN_NO_DIRECTION;
    }
  self->interval = update->interval;
  self->has_score = TRUE;

  long_text = g_strdup_printf ("%.0f %%", score->long_pct);
  short_text = g_strdup_printf ("%.0f %%", score->short_pct);
  gtk_label_set_label (GTK_LABEL (self->long_pct_label), long_text);
  gtk_label_set_label (GTK_LABEL (self->short_pct_label), short_text);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (self->confidence_bar), CLAMP (score->long_pct, 0.0, 100.0));

  if (score->direction == PERP_DIRECTION_NONE)
    tier_text = g_strdup (perp_tier_title (score->tier));
  else
    /* Translators: direction and tier in the panel's pill, "Long · High" */
    tier_text = g_strdup_printf (_("%s · %s"), perp_direction_title (score->direction),
                                 perp_tier_title (score->tier));
  gtk_label_set_label (GTK_LABEL (self->tier_label), tier_text);
  if (score->direction == PERP_DIRECTION_LONG)
    {
      gtk_widget_remove_css_class (self->tier_label, "short");
      gtk_widget_add_css_class (self->tier_label, "long");
    }
  else if (score->direction == PERP_DIRECTION_SHORT)
    {
      gtk_widget_remove_css_class (self->tier_label, "long");
      gtk_widget_add_css_class (self->tier_label, "short");
    }
  else
    {
      gtk_widget_remove_css_class (self->tier_label, "long");
      gtk_widget_remove_css_class (self->tier_label, "short");
    }

  self->time = update->time;
  update_time (self);

  /* Translators: the share of the factors' weight backed by fresh data */
  coverage = g_strdup_printf (_("Data coverage %.0f %%"), score->coverage * 100.0);
  gtk_label_set_label (GTK_LABEL (self->coverage_label), coverage);

  update_reasons (self, score);
  update_factors (self, score);
  update_plan (self, &self->plan);
  update_breakers (self, update->verdict);
}
