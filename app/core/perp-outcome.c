/* perp-outcome.c: what became of a trade plan, candle by candle
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-outcome"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-outcome.h"

G_DEFINE_QUARK (perp-outcome-error-quark, perp_outcome_error)

typedef enum
{
  STOP_INITIAL,
  STOP_BREAK_EVEN,
  STOP_TRAIL,
} StopKind;

struct _PerpOutcomeTracker
{
  PerpOutcomeParams params;
  PerpOutcome       outcome;
  double            target_price[PERP_PLAN_MAX_TARGETS];
  double            target_share[PERP_PLAN_MAX_TARGETS];
  double            d;             /* +1 long, -1 short */
  gint64            interval_ms;
  gint64            deadline;      /* close time at or after which the rest exits; -1 none */
  gint64            last_time;
  gint64            last_funding;  /* the last settlement's time (floored), G_MININT64 */
  guint             next_target;   /* 0-based index of the next target to hit */
  guint             break_even_after;
  guint             trail_after;
  StopKind          stop_kind;
};

static const char * const state_names[PERP_N_OUTCOME_STATES] = {
  [PERP_OUTCOME_PENDING]    = "pending",
  [PERP_OUTCOME_OPEN]       = "open",
  [PERP_OUTCOME_STOPPED]    = "stopped",
  [PERP_OUTCOME_BREAK_EVEN] = "break_even",
  [PERP_OUTCOME_TRAILED]    = "trailed",
  [PERP_OUTCOME_TARGETS]    = "targets",
  [PERP_OUTCOME_EXPIRED]    = "expired",
  [PERP_OUTCOME_NOT_FILLED] = "not_filled",
};

static const char * const exit_names[PERP_N_EXIT_KINDS] = {
  [PERP_EXIT_TARGET]     = "target",
  [PERP_EXIT_STOP]       = "stop",
  [PERP_EXIT_BREAK_EVEN] = "break_even",
  [PERP_EXIT_TRAIL]      = "trail",
  [PERP_EXIT_TIME]       = "time",
};

const char *
perp_outcome_state_name (PerpOutcomeState state)
{
  return (guint) state < PERP_N_OUTCOME_STATES ? state_names[state] : "unknown";
}

/**
 * perp_outcome_state_from_name:
 *
 * Returns: the state, or %PERP_N_OUTCOME_STATES for an unknown name
 */
PerpOutcomeState
perp_outcome_state_from_name (const char *name)
{
  for (guint i = 0; name != NULL && i < PERP_N_OUTCOME_STATES; i++)
    if (strcmp (name, state_names[i]) == 0)
      return (PerpOutcomeState) i;
  return PERP_N_OUTCOME_STATES;
}

const char *
perp_exit_kind_name (PerpExitKind kind)
{
  return (guint) kind < PERP_N_EXIT_KINDS ? exit_names[kind] : "unknown";
}

/**
 * perp_exit_kind_from_name:
 *
 * Returns: the kind, or %PERP_N_EXIT_KINDS for an unknown name
 */
PerpExitKind
perp_exit_kind_from_name (const char *name)
{
  for (guint i = 0; name != NULL && i < PERP_N_EXIT_KINDS; i++)
    if (strcmp (name, exit_names[i]) == 0)
      return (PerpExitKind) i;
  return PERP_N_EXIT_KINDS;
}

gboolean
perp_outcome_is_closed (const PerpOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);

  return outcome->state != PERP_OUTCOME_PENDING && outcome->state != PERP_OUTCOME_OPEN;
}

void
perp_outcome_params_init (PerpOutcomeParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->entry_mode = PERP_ENTRY_NEXT_OPEN;
  params->taker_fee = 0.0005;
  params->slippage_bps = 2.0;
  params->max_candles = 0;
}

gboolean
perp_outcome_params_check (const PerpOutcomeParams  *params,
                           GError                  **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  if (params->entry_mode != PERP_ENTRY_NEXT_OPEN && params->entry_mode != PERP_ENTRY_LIMIT)
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PARAMS,
                   "outcome entry mode %d is not one of next-open or limit", params->entry_mode);
      return FALSE;
    }
  if (!(params->taker_fee >= 0.0 && params->taker_fee < 0.1))
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PARAMS,
                   "outcome taker fee %g is outside [0, 0.1) (a fraction: 0.0005 is 0.05 %%)",
                   params->taker_fee);
      return FALSE;
    }
  if (!(params->slippage_bps >= 0.0 && params->slippage_bps < 1000.0))
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PARAMS,
                   "outcome slippage %g bps is outside [0, 1000)", params->slippage_bps);
      return FALSE;
    }
  return TRUE;
}

static gboolean
plan_fail (GError     **error,
           const char  *what)
{
  g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_PLAN,
               "cannot track the plan: %s", what);
  return FALSE;
}

static gboolean
check_plan (const PerpPlan  *plan,
            GError         **error)
{
  double d;

  if (plan->direction != PERP_DIRECTION_LONG && plan->direction != PERP_DIRECTION_SHORT)
    return plan_fail (error, "it has no direction");
  d = plan->direction;
  if (!isfinite (plan->entry) || !isfinite (plan->stop) || plan->entry <= 0.0)
    return plan_fail (error, "its entry or stop is not a price");
  if (!(d * (plan->entry - plan->stop) > 0.0))
    return plan_fail (error, "its stop is not on the losing side of the entry");
  if (plan->n_targets < 1 || plan->n_targets > PERP_PLAN_MAX_TARGETS)
    return plan_fail (error, "it has no targets");
  for (guint i = 0; i < plan->n_targets; i++)
    {
      const PerpTarget *t = &plan->targets[i];

      if (!isfinite (t->price) || !(d * (t->price - plan->entry) > 0.0))
        return plan_fail (error, "a target is not on the winning side of the entry");
      if (i > 0 && !(d * (t->price - plan->targets[i - 1].price) >= 0.0))
        return plan_fail (error, "its targets are not in order away from the entry");
      if (!(t->share >= 0.0 && t->share <= 1.0))
        return plan_fail (error, "a target share is outside [0, 1]");
    }
  if (plan->expires_at >= 0 && plan->expires_at <= plan->time)
    return plan_fail (error, "its time stop is not after the signal");
  return TRUE;
}

/**
 * perp_outcome_tracker_new:
 * @plan: the plan; copied
 * @interval_ms: the signal timeframe (candles are fed at this interval)
 * @params: (nullable): costs and the entry rule; %NULL for the defaults
 *
 * Returns: (transfer full) (nullable): the tracker, or %NULL when the plan cannot be
 *   traded (no direction, a stop or a target on the wrong side)
 */
PerpOutcomeTracker *
perp_outcome_tracker_new (const PerpPlan           *plan,
                          gint64                    interval_ms,
                          const PerpOutcomeParams  *params,
                          GError                  **error)
{
  PerpOutcomeTracker *self;
  PerpOutcome *o;
  double share_left = 1.0;

  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (interval_ms > 0, NULL);

  if (params != NULL && !perp_outcome_params_check (params, error))
    return NULL;
  if (!check_plan (plan, error))
    return NULL;

  self = g_new0 (PerpOutcomeTracker, 1);
  if (params != NULL)
    self->params = *params;
  else
    perp_outcome_params_init (&self->params);

  self->d = plan->direction;
  self->break_even_after = plan->break_even_after;
  self->trail_after = plan->trail_after;
  self->interval_ms = interval_ms;
  self->last_time = G_MININT64;
  self->last_funding = G_MININT64;
  self->deadline = plan->expires_at >= 0 ? plan->expires_at : -1;
  if (self->params.max_candles > 0)
    {
      gint64 cap = plan->time + (gint64) self->params.max_candles * interval_ms;

      if (self->deadline < 0 || cap < self->deadline)
        self->deadline = cap;
    }

  /* The last target closes whatever is left, so rounding in the shares (or a ladder
   * whose shares do not add up) never leaves a sliver open forever. */
  for (guint i = 0; i < plan->n_targets; i++)
    {
      self->target_price[i] = plan->targets[i].price;
      self->target_share[i] = i + 1 == plan->n_targets ? share_left
                              : MIN (plan->targets[i].share, share_left);
      share_left -= self->target_share[i];
    }

  o = &self->outcome;
  o->state = PERP_OUTCOME_PENDING;
  o->direction = plan->direction;
  o->entry_mode = self->params.entry_mode;
  o->signal_time = plan->time;
  o->expires_at = self->deadline;
  o->plan_entry = plan->entry;
  o->initial_stop = plan->stop;
  o->risk_per_unit = fabs (plan->entry - plan->stop);
  o->entry_time = -1;
  o->entry_price = NAN;
  o->entry_fill = NAN;
  o->stop = plan->stop;
  o->first_hit_time = -1;
  o->n_targets = plan->n_targets;
  for (guint i = 0; i < PERP_PLAN_MAX_TARGETS; i++)
    o->target_time[i] = -1;
  o->break_even_time = -1;
  o->trail_time = -1;
  o->remaining = 1.0;
  o->exit_time = -1;

  return self;
}

void
perp_outcome_tracker_free (PerpOutcomeTracker *self)
{
  g_free (self);
}

/**
 * perp_outcome_tracker_get:
 *
 * Returns: (transfer none): the outcome so far
 */
const PerpOutcome *
perp_outcome_tracker_get (const PerpOutcomeTracker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->outcome;
}

static double
slip (const PerpOutcomeTracker *self,
      double                    price,
      double                    against)
{
  return price * (1.0 + against * self->params.slippage_bps * 1e-4);
}

/* Every change of a result or a cost goes through here, so the net stays their sum. */
static inline void
update_realised (PerpOutcome *o)
{
  o->realised_r = o->gross_r - o->fees_r - o->slippage_r - o->funding_r;
}

static void
excursion (PerpOutcomeTracker *self,
           double              price)
{
  PerpOutcome *o = &self->outcome;
  double x = self->d * (price - o->entry_price);

  if (x > o->mfe_price)
    o->mfe_price = x;
  if (x < o->mae_price)
    o->mae_price = x;
  o->mfe_r = o->mfe_price / o->risk_per_unit;
  o->mae_r = o->mae_price / o->risk_per_unit;
}

static void
enter (PerpOutcomeTracker *self,
       gint64              time,
       double              price,
       gboolean            market)
{
  PerpOutcome *o = &self->outcome;

  o->state = PERP_OUTCOME_OPEN;
  o->entry_time = time;
  o->entry_price = price;
  /* Buying pays up, selling gets less: slippage is always against the trade. */
  o->entry_fill = market ? slip (self, price, self->d) : price;
  o->slippage_r += fabs (o->entry_fill - price) / o->risk_per_unit;
  o->fees_r += self->params.taker_fee * o->entry_fill / o->risk_per_unit;
  update_realised (o);
}

static void
add_exit (PerpOutcomeTracker *self,
          PerpExitKind        kind,
          guint               target,
          gint64              time,
          double              price,
          double              share,
          gboolean            market)
{
  PerpOutcome *o = &self->outcome;
  PerpExit *e;

  g_assert (o->n_exits < PERP_OUTCOME_MAX_EXITS);

  e = &o->exits[o->n_exits++];
  e->kind = kind;
  e->target = target;
  e->time = time;
  e->price = price;
  e->fill = market ? slip (self, price, -self->d) : price;
  e->share = share;
  e->r = share * self->d * (price - o->entry_price) / o->risk_per_unit;

  o->gross_r += e->r;
  o->slippage_r += share * fabs (e->fill - price) / o->risk_per_unit;
  o->fees_r += self->params.taker_fee * share * e->fill / o->risk_per_unit;
  update_realised (o);
  o->remaining -= share;
  if (o->remaining < 1e-12)
    o->remaining = 0.0;
  o->exit_time = o->remaining > 0.0 ? -1 : time;

  if (o->first_hit == 0 && kind != PERP_EXIT_TIME)
    {
      o->first_hit = kind == PERP_EXIT_TARGET ? (int) target : -1;
      o->first_hit_time = time;
    }
}

/* Closes the rest at the current stop; the stop's origin names the exit. */
static void
exit_at_stop (PerpOutcomeTracker *self,
              gint64              time,
              double              price)
{
  PerpOutcome *o = &self->outcome;
  PerpExitKind kind;

  switch (self->stop_kind)
    {
    case STOP_BREAK_EVEN:
      kind = PERP_EXIT_BREAK_EVEN;
      o->state = PERP_OUTCOME_BREAK_EVEN;
      break;
    case STOP_TRAIL:
      kind = PERP_EXIT_TRAIL;
      o->state = PERP_OUTCOME_TRAILED;
      break;
    case STOP_INITIAL:
    default:
      kind = PERP_EXIT_STOP;
      o->state = PERP_OUTCOME_STOPPED;
      break;
    }
  add_exit (self, kind, 0, time, price, o->remaining, TRUE);
}

/* After target @number (1-based) is hit: break-even, then trailing.  Stops only ever
 * move toward profit. */
static void
move_stop (PerpOutcomeTracker *self,
           guint               number,
           gint64              time)
{
  PerpOutcome *o = &self->outcome;

  if (self->break_even_after > 0 && number >= self->break_even_after
      && self->d * (o->entry_price - o->stop) > 0.0)
    {
      o->stop = o->entry_price;
      self->stop_kind = STOP_BREAK_EVEN;
      if (o->break_even_time < 0)
        o->break_even_time = time;
    }
  if (self->trail_after > 0 && number >= self->trail_after)
    {
      double to = number >= 2 ? self->target_price[number - 2] : o->entry_price;

      if (self->d * (to - o->stop) > 0.0)
        {
          o->stop = to;
          self->stop_kind = STOP_TRAIL;
          if (o->trail_time < 0)
            o->trail_time = time;
        }
    }
}

/* Target number next_target + 1 was hit at @price (a limit fill, no slippage). */
static void
hit_target (PerpOutcomeTracker *self,
            gint64              time,
            double              price)
{
  PerpOutcome *o = &self->outcome;
  guint k = self->next_target++;

  o->target_time[k] = time;
  add_exit (self, PERP_EXIT_TARGET, k + 1, time, price,
            self->next_target == o->n_targets ? o->remaining
                                              : MIN (self->target_share[k], o->remaining),
            FALSE);
  if (o->remaining <= 0.0)
    {
      o->state = PERP_OUTCOME_TARGETS;
      return;
    }
  move_stop (self, k + 1, time);
}

/* Has the price, moving against the trade, reached @level? */
static inline gboolean
reached_adverse (const PerpOutcomeTracker *self,
                 double                    price,
                 double                    level)
{
  return self->d * (price - level) <= 0.0;
}

static inline gboolean
reached_favourable (const PerpOutcomeTracker *self,
                    double                    price,
                    double                    level)
{
  return self->d * (price - level) >= 0.0;
}

/* A candle whose whole range came after the entry (or the position's earlier candles). */
static void
walk_candle (PerpOutcomeTracker *self,
             const PerpCandle   *c)
{
  PerpOutcome *o = &self->outcome;
  double fav = self->d > 0 ? c->high : c->low;
  double adv = self->d > 0 ? c->low : c->high;

  excursion (self, c->open);

  /* Gaps: the open is the first price of the candle, and orders resting beyond it
   * fill there. */
  if (reached_adverse (self, c->open, o->stop))
    {
      exit_at_stop (self, c->open_time, c->open);
      return;
    }
  while (o->state == PERP_OUTCOME_OPEN
         && reached_favourable (self, c->open, self->target_price[self->next_target]))
    hit_target (self, c->open_time, c->open);
  if (o->state != PERP_OUTCOME_OPEN)
    return;

  /* The worse path first: the stop before any target. */
  if (reached_adverse (self, adv, o->stop))
    {
      excursion (self, o->stop);
      exit_at_stop (self, c->open_time, o->stop);
      return;
    }

  while (reached_favourable (self, fav, self->target_price[self->next_target]))
    {
      double price = self->target_price[self->next_target];

      excursion (self, price);
      hit_target (self, c->open_time, price);
      if (o->state != PERP_OUTCOME_OPEN)
        return;
      /* The stop just moved: assume the low came after this target, before the next. */
      if (reached_adverse (self, adv, o->stop))
        {
          excursion (self, o->stop);
          exit_at_stop (self, c->open_time, o->stop);
          return;
        }
    }

  excursion (self, fav);
  excursion (self, adv);
}

/* A limit entry filled inside the candle's range at @entry: the part of the candle
 * before the fill is unknown, so only the stop is checked and only the close counts as
 * favourable. */
static void
walk_fill_candle (PerpOutcomeTracker *self,
                  const PerpCandle   *c)
{
  PerpOutcome *o = &self->outcome;
  double adv = self->d > 0 ? c->low : c->high;

  if (reached_adverse (self, adv, o->stop))
    {
      excursion (self, o->stop);
      exit_at_stop (self, c->open_time, o->stop);
      return;
    }
  excursion (self, adv);
  excursion (self, c->close);
}

/**
 * perp_outcome_tracker_add:
 * @candle: the next closed candle after the signal (open time at or after the plan's
 *   time, after the previous one's; gaps are allowed)
 *
 * Candles after the outcome closed are accepted and ignored.
 *
 * Returns: %FALSE with @error for an invalid candle or one out of order
 */
gboolean
perp_outcome_tracker_add (PerpOutcomeTracker  *self,
                          const PerpCandle    *candle,
                          GError             **error)
{
  PerpOutcome *o;
  const char *why = NULL;
  PerpCandleColumn column;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  o = &self->outcome;
  if (!perp_candle_check (candle, PERP_CANDLE_FIELD_NONE, &column, &why))
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE,
                   "candle at %" G_GINT64_FORMAT ": %s: %s", candle->open_time,
                   perp_candle_column_name (column), why);
      return FALSE;
    }
  if (candle->open_time < o->signal_time)
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE,
                   "candle at %" G_GINT64_FORMAT " opens before the signal at %" G_GINT64_FORMAT,
                   candle->open_time, o->signal_time);
      return FALSE;
    }
  if (candle->open_time <= self->last_time)
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_CANDLE,
                   "candle at %" G_GINT64_FORMAT " is not after the previous one at %" G_GINT64_FORMAT,
                   candle->open_time, self->last_time);
      return FALSE;
    }
  self->last_time = candle->open_time;

  if (perp_outcome_is_closed (o))
    return TRUE;
  o->n_candles++;

  if (o->state == PERP_OUTCOME_PENDING)
    {
      if (self->params.entry_mode == PERP_ENTRY_NEXT_OPEN)
        {
          enter (self, candle->open_time, candle->open, TRUE);
          walk_candle (self, candle);
        }
      else if (reached_adverse (self, candle->open, o->plan_entry))
        {
          /* Opened at or through the limit: filled at the open, a better price. */
          enter (self, candle->open_time, candle->open, FALSE);
          walk_candle (self, candle);
        }
      else if (reached_adverse (self, self->d > 0 ? candle->low : candle->high, o->plan_entry))
        {
          enter (self, candle->open_time, o->plan_entry, FALSE);
          walk_fill_candle (self, candle);
        }
    }
  else
    walk_candle (self, candle);

  if (!perp_outcome_is_closed (o)
      && self->deadline >= 0 && candle->open_time + self->interval_ms >= self->deadline)
    {
      if (o->state == PERP_OUTCOME_PENDING)
        {
          o->state = PERP_OUTCOME_NOT_FILLED;
          o->remaining = 0.0;
          o->exit_time = candle->open_time;
        }
      else
        {
          add_exit (self, PERP_EXIT_TIME, 0, candle->open_time, candle->close, o->remaining, TRUE);
          o->state = PERP_OUTCOME_EXPIRED;
        }
    }

  return TRUE;
}

/* The share of the position held at @t (whole seconds): entered on a candle opening
 * before it, less what exits on candles opening before it closed.  Exits on later
 * candles were still open at @t, which is how a settlement given after its candle (a
 * late one) is still charged right. */
static double
held_at (const PerpOutcome *o,
         gint64             t)
{
  double held = o->remaining;

  if (o->entry_time < 0 || o->entry_time >= t)
    return 0.0;
  for (guint i = 0; i < o->n_exits; i++)
    if (o->exits[i].time >= t)
      held += o->exits[i].share;

  return MIN (held, 1.0);
}

/**
 * perp_outcome_settlement_time:
 * @funding_time: a settlement's time as reported (Unix ms)
 *
 * Returns: the time the tracker charges it at: floored to whole seconds, as exchanges
 *   report settlements a few milliseconds late (1672560000008 for 08:00:00)
 */
gint64
perp_outcome_settlement_time (gint64 funding_time)
{
  gint64 past_second = funding_time % 1000;

  if (past_second < 0)
    past_second += 1000;
  /* The lowest 808 values' floor is below G_MININT64: they (no settlement's) give it. */
  if (funding_time < G_MININT64 + past_second)
    return G_MININT64;
  return funding_time - past_second;
}

/**
 * perp_outcome_tracker_add_funding:
 * @funding_time: the settlement's time (Unix ms; floored to whole seconds)
 * @rate: the settled rate (0.0001 = 0.01 % of notional)
 * @price: the price the notional is valued at: the mark price at the settlement, or
 *   the close of the candle that ends at it
 *
 * Charges (or credits) the settlement to the position held at its time (see the rules
 * at the top).  Settlements must come in time order, once each, and only once the
 * candle opening at or after them has been given (later is fine): the tracker must
 * know whether the position was still open then.  One at or before the signal, or
 * after the outcome closed, changes nothing.
 *
 * Returns: %FALSE with @error for a rate or price that is not a finite number (a rate
 *   of 100 % or more, a price not above zero), a settlement not after the previous one,
 *   or one whose candles have not all come yet
 */
gboolean
perp_outcome_tracker_add_funding (PerpOutcomeTracker  *self,
                                  gint64               funding_time,
                                  double               rate,
                                  double               price,
                                  GError             **error)
{
  PerpOutcome *o;
  gint64 t;
  double held;

  g_return_val_if_fail (self != NULL, FALSE);

  o = &self->outcome;
  t = perp_outcome_settlement_time (funding_time);
  if (!(isfinite (rate) && fabs (rate) < 1.0 && isfinite (price) && price > 0.0))
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_FUNDING,
                   "funding at %" G_GINT64_FORMAT ": rate %g at price %g is not a settlement",
                   funding_time, rate, price);
      return FALSE;
    }
  if (t <= self->last_funding)
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_FUNDING,
                   "funding at %" G_GINT64_FORMAT " is not after the previous settlement at %" G_GINT64_FORMAT,
                   funding_time, self->last_funding);
      return FALSE;
    }
  if (t <= o->signal_time)
    return TRUE;
  /* Not yet closed: the candle at or after the settlement must have come, or an exit
   * before it could still be missing (and with a gap in the candles, "the candles
   * before it" cannot be told from the interval). */
  if (!perp_outcome_is_closed (o) && self->last_time < t)
    {
      g_set_error (error, PERP_OUTCOME_ERROR, PERP_OUTCOME_ERROR_FUNDING,
                   "funding at %" G_GINT64_FORMAT " came before the candle at or after it", funding_time);
      return FALSE;
    }
  self->last_funding = t;

  held = held_at (o, t);
  if (held <= 0.0)
    return TRUE;
  o->funding_r += self->d * rate * held * price / o->risk_per_unit;
  o->n_fundings++;
  update_realised (o);

  return TRUE;
}
