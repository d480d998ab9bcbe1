/* test-score.c: the scoring core (factor scorers, composite, reasons, trade plan)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every factor is checked on real candles (tests/fixtures) at every candle, against a
 * reading the test derives itself from the data by another route:
 *
 *   technical      TA-Lib's own columns (ETHUSDT_1h_first600.talib.csv)
 *   higher tf      a separate structure engine fed the 1h fixture (or 4h candles the
 *                  test builds from 1h rows) only as each candle closes, and an EMA 50
 *                  the test computes itself
 *   ICT, pools     the structure engine's object list scanned here, object by object
 *   killzone       the candle's time converted to New York time with GTimeZone
 *   order flow     sums of Binance's taker-buy volume column, or the raw trade lines
 *   order book     the book's levels summed here, and the metrics' walls
 *   OI, funding,   constructed OI (no OI recording is in ../shared; see each test),
 *   liquidations   the funding fixture through perp_funding_batch(), and the
 *                  liquidation map's own cluster query called directly
 *
 * The weights the expectations use (0.35 × EMA stack, 0.25 × order block, ...) are the
 * scorer's documented design, written once here as named constants; no expected result
 * is a number copied from the scorer's output.  Loops over candles collect mismatches
 * and fail once with the first few described, so a failure says where and by how much.
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "core/perp-analysis.h"
#include "core/perp-plan.h"
#include "core/perp-score.h"
#include "io/perp-exchange-info.h"
#include "io/perp-series-csv.h"

#include "perp-test-support.h"
#include "test-ticks-common.h"

#define MIN5 (5 * PERP_MS_PER_MINUTE)

/* ------------------------------------------------------------------ helpers */

static inline double
clampd (double x,
        double lo,
        double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static inline double
signd (double x)
{
  return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}

/* Collects the mismatches of a loop over candles and fails once, describing the first
 * few (a g_assert inside a 600-candle loop says neither which candle nor how many). */
typedef struct
{
  const char *what;
  guint       n_checked;
  guint       n_bad;
  GString    *report;
} Checker;

static void
checker_init (Checker    *c,
              const char *what)
{
  c->what = what;
  c->n_checked = 0;
  c->n_bad = 0;
  c->report = g_string_new (NULL);
}

static void G_GNUC_PRINTF (3, 4)
checker_expect (Checker    *c,
                gboolean    ok,
                const char *format,
                ...)
{
  va_list ap;

  c->n_checked++;
  if (ok)
    return;
  if (c->n_bad++ < 8)
    {
      g_string_append (c->report, "  ");
      va_start (ap, format);
      g_string_append_vprintf (c->report, format, ap);
      va_end (ap);
      g_string_append_c (c->report, '\n');
    }
}

static void
checker_finish (Checker *c)
{
  if (c->n_bad > 0)
    g_test_message ("%s: %u of %u checks failed, first ones:\n%s",
                    c->what, c->n_bad, c->n_checked, c->report->str);
  g_string_free (c->report, TRUE);
  c->report = NULL;
  g_assert_cmpuint (c->n_checked, >, 0);
  g_assert_cmpuint (c->n_bad, ==, 0);
}

static gboolean
close_to (double expected,
          double actual,
          double tolerance)
{
  if (isnan (expected) || isnan (actual))
    return isnan (expected) && isnan (actual);
  return fabs (expected - actual) <= tolerance;
}

static PerpCandles *
load_candles (const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  PerpCandles *candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (candles);
  return candles;
}

static const double *
table_column (const PerpTestTable *table,
              const char          *name)
{
  int c = perp_test_table_column (table, name);

  g_assert_cmpint (c, >=, 0);
  return table->columns[c];
}

static void
default_params (PerpScoreParams *params)
{
  g_autoptr(GError) error = NULL;

  perp_score_params_init (params);
  g_assert_true (perp_score_params_check (params, &error));
  g_assert_no_error (error);
}

static PerpAnalysis *
new_analysis (const char            *symbol,
              const PerpCandles     *candles,
              PerpAnalysisHtf        htf,
              const PerpScoreParams *params)
{
  g_autoptr(GError) error = NULL;
  PerpAnalysis *analysis = perp_analysis_new (symbol, perp_candles_get_interval (candles),
                                              perp_candles_get_fields (candles), htf, NULL,
                                              params, &error);

  g_assert_no_error (error);
  g_assert_nonnull (analysis);
  return analysis;
}

static void
push_candle (PerpAnalysis      *analysis,
             const PerpCandles *candles,
             guint              i)
{
  g_autoptr(GError) error = NULL;
  PerpCandle candle;

  perp_candles_get_candle (candles, i, &candle);
  g_assert_true (perp_analysis_push_candle (analysis, &candle, &error));
  g_assert_no_error (error);
}

static void
score_analysis (PerpAnalysis *analysis,
                PerpScore    *score)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (perp_analysis_score (analysis, score, &error));
  g_assert_no_error (error);
}

static void
compute (const PerpScoreParams *params,
         const PerpScoreInputs *inputs,
         PerpScore             *score)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (perp_score_compute (params, inputs, score, &error));
  g_assert_no_error (error);
}

static char *
factor_text (const PerpScore *score,
             PerpFactor       factor)
{
  return perp_reason_format (&score->factors[factor].reason);
}

/* Whether the reason's numbers are these (NAN matches NAN), within @tolerance. */
static gboolean
reason_is (const PerpReason *reason,
           PerpReasonId      id,
           int               side,
           guint             n_args,
           const double     *args,
           double            tolerance)
{
  if (reason->id != id || reason->side != side || reason->n_args != n_args)
    return FALSE;
  for (guint a = 0; a < n_args; a++)
    if (!close_to (args[a], reason->args[a], tolerance * MAX (1.0, fabs (args[a]))))
      return FALSE;
  return TRUE;
}

static const char *
reason_name (const PerpReason *reason)
{
  return perp_reason_id_name (reason->id);
}

/* An EMA as TA-Lib computes it: the first value at index n - 1 is the mean of the first
 * n inputs, then e = k × x + (1 - k) × e with k = 2 / (n + 1). */
static void
ema_talib (const double *x,
           guint         length,
           guint         n,
           double       *out)
{
  double k = 2.0 / (n + 1.0);
  double e = 0.0;

  for (guint i = 0; i < length; i++)
    {
      if (i + 1 < n)
        {
          e += x[i];
          out[i] = NAN;
          continue;
        }
      if (i + 1 == n)
        e = (e + x[i]) / n;
      else
        e = k * x[i] + (1.0 - k) * e;
      out[i] = e;
    }
}

/* ------------------------------------------------- the scorer's documented design
 *
 * The factor formulas as perp-score.c documents them; written once here so that every
 * expectation below is this design applied to data the test reads itself. */

/* technical: 0.35 stack + 0.2 RSI + 0.2 MACD + 0.1 Bollinger + 0.1 StochRSI + 0.05 spike */
#define W_TECH_STACK  0.35
#define W_TECH_RSI    0.2
#define W_TECH_MACD   0.2
#define W_TECH_BB     0.1
#define W_TECH_STOCH  0.1
#define W_TECH_SPIKE  0.05
/* ICT: trend, recent break, order block, FVG, Fibonacci, discount/premium */
#define W_ICT_TREND   0.2
#define W_ICT_BREAK   0.15
#define W_ICT_BLOCK   0.25
#define W_ICT_GAP     0.15
#define W_ICT_FIB     0.1
#define W_ICT_ZONE    0.15
#define W_ICT_HTF     0.3     /* the higher timeframe's ICT reading's share */
/* higher timeframe: 0.6 trend + 0.4 close vs EMA 50 */
#define W_HTF_TREND   0.6
#define W_HTF_EMA     0.4
/* pools: a sweep 0.6, the draw 0.4; a draw alone 0.5 */
#define W_POOL_SWEEP  0.6
#define W_POOL_DRAW   0.4
#define W_POOL_ONLY   0.5
/* book: 0.7 band imbalance + 0.3 walls */
#define W_BOOK_NOBI   0.7
#define W_BOOK_WALLS  0.3
/* order flow without large trades: 0.45 aggression + 0.3 CVD trend + 0.25 divergence */
#define W_FLOW_AGG    0.45
#define W_FLOW_TREND  0.3
#define W_FLOW_DIV    0.25

/* ---------------------------------------------------------------- technical */

/* Every candle from 250 on of a file with TA-Lib's columns: the technical value
 * recomputed from TA-Lib's columns of the same candles with the documented weights, and
 * the reason's template: the EMA stack wording only when all four pairs (close/EMA9,
 * 9/21, 21/50, 50/200) point the same way, else a volume spike (volume >= 2 x the mean of
 * the 20 candles before it) on its candle's side, else "mixed".  Before EMA 21 and RSI
 * 14 exist the factor is missing, saying how many candles it has and needs (TA-Lib's
 * first row with both, + 1).  @counts: reasons seen, [0] bullish stacks, [1] bearish. */
static void
check_technical_file (const char *csv_name,
                      const char *talib_name,
                      guint       counts[PERP_N_REASONS],
                      guint       stacks[2])
{
  g_autoptr(PerpCandles) candles = load_candles (csv_name);
  g_autofree char *talib_path = perp_test_fixture_path (talib_name);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTestTable) talib = perp_test_table_load (talib_path, &error);
  g_autoptr(PerpAnalysis) analysis = NULL;
  const double *ema9, *ema21, *ema50, *ema200, *rsi, *atr, *hist, *bb_up, *bb_lo, *stoch_k, *stoch_d;
  const double *open = perp_candles_get_open (candles);
  const double *close = perp_candles_get_close (candles);
  const double *volume = perp_candles_get_volume (candles);
  guint n = perp_candles_get_length (candles);
  guint first_ema21 = G_MAXUINT, first_rsi = G_MAXUINT;
  guint needed;
  gboolean shown_stack = FALSE;
  PerpScoreParams params;
  Checker c;

  g_assert_no_error (error);
  g_assert_cmpuint (talib->n_rows, ==, n);
  ema9 = table_column (talib, "ema9");
  ema21 = table_column (talib, "ema21");
  ema50 = table_column (talib, "ema50");
  ema200 = table_column (talib, "ema200");
  rsi = table_column (talib, "rsi14");
  atr = table_column (talib, "atr14");
  hist = table_column (talib, "macd_hist");
  bb_up = table_column (talib, "bb_upper");
  bb_lo = table_column (talib, "bb_lower");
  stoch_k = table_column (talib, "stochrsi_k");
  stoch_d = table_column (talib, "stochrsi_d");
  for (guint i = n; i > 0; i--)
    {
      if (!isnan (ema21[i - 1]))
        first_ema21 = i - 1;
      if (!isnan (rsi[i - 1]))
        first_rsi = i - 1;
    }
  /* The scorer needs both; the first row where TA-Lib has both, counted from 1. */
  needed = MAX (first_ema21, first_rsi) + 1;

  default_params (&params);
  analysis = new_analysis ("TEST", candles, PERP_ANALYSIS_HTF_NONE, &params);
  checker_init (&c, csv_name);

  for (guint i = 0; i < n; i++)
    {
      PerpScore score;
      const PerpFactorScore *f = &score.factors[PERP_FACTOR_TECHNICAL];
      const double stack_values[5] = { close[i], ema9[i], ema21[i], ema50[i], ema200[i] };
      double stack = 0.0, volume_average = 0.0, ratio, macd, bb, stoch, spike = 0.0;
      double expected;

      push_candle (analysis, candles, i);
      score_analysis (analysis, &score);

      if (i + 1 < needed)
        {
          const double args[] = { i + 1.0, (double) needed };

          checker_expect (&c, f->state == PERP_DATA_MISSING && f->value == 0.0,
                          "candle %u: not missing before %u candles", i, needed);
          checker_expect (&c, reason_is (&f->reason, PERP_REASON_NOT_ENOUGH_CANDLES, 0, 2, args, 0.0),
                          "candle %u: reason %s (%g, %g), expected not_enough_candles (%u, %u)",
                          i, reason_name (&f->reason), f->reason.args[0], f->reason.args[1], i + 1, needed);
          continue;
        }
      checker_expect (&c, f->state == PERP_DATA_FRESH, "candle %u: state %s", i,
                      perp_data_state_name (f->state));
      if (i < 250)
        continue;

      for (guint k = 0; k < 4; k++)
        {
          /* A close within rounding noise of an EMA could take either sign in two
           * correct implementations; none is that close in these files. */
          g_assert_cmpfloat (fabs (stack_values[k] - stack_values[k + 1]), >, 1e-9 * close[i]);
          stack += signd (stack_values[k] - stack_values[k + 1]);
        }
      stack /= 4.0;
      for (guint k = i - 20; k < i; k++)
        volume_average += volume[k];
      volume_average /= 20.0;
      ratio = volume[i] / volume_average;
      if (ratio >= 2.0)
        spike = signd (close[i] - open[i]);
      macd = clampd (hist[i] / (0.1 * atr[i]), -1.0, 1.0);
      bb = clampd (2.0 * (close[i] - bb_lo[i]) / (bb_up[i] - bb_lo[i]) - 1.0, -1.0, 1.0);
      stoch = clampd ((stoch_k[i] - stoch_d[i]) / 20.0, -1.0, 1.0);
      expected = clampd (W_TECH_STACK * stack + W_TECH_RSI * clampd ((rsi[i] - 50.0) / 25.0, -1.0, 1.0)
                         + W_TECH_MACD * macd + W_TECH_BB * bb + W_TECH_STOCH * stoch
                         + W_TECH_SPIKE * spike, -1.0, 1.0);

      checker_expect (&c, close_to (expected, f->value, 1e-6),
                      "candle %u: value %.9f, from TA-Lib %.9f", i, f->value, expected);
      /* The reason follows the value's side: the full stack, else a spike, when they
       * push the way the value does; else the mixed reading. */
      if (fabs (stack) == 1.0 && stack == signd (f->value))
        {
          const double args[] = { rsi[i] };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_TECH_STACK, (int) stack, 1, args, 1e-8),
                          "candle %u: stack %g but reason %s side %d", i, stack, reason_name (&f->reason),
                          f->reason.side);
          stacks[stack > 0 ? 0 : 1]++;
        }
      else if (spike != 0.0 && spike == signd (f->value))
        {
          const double args[] = { ratio, 20.0 };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_TECH_VOLUME_SPIKE, (int) spike, 2, args, 1e-9),
                          "candle %u: volume x%.2f on a %s candle but reason %s", i, ratio,
                          spike > 0 ? "up" : "down", reason_name (&f->reason));
        }
      else
        {
          const double args[] = { rsi[i], hist[i] };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_TECH_MIXED, (int) signd (f->value), 2, args, 1e-6),
                          "candle %u: mixed stack %g but reason %s", i, stack, reason_name (&f->reason));
        }
      counts[f->reason.id]++;

      /* The rendered sentence of the first stack and of the last candle. */
      if (i == n - 1 || (f->reason.id == PERP_REASON_TECH_STACK && !shown_stack))
        {
          g_autofree char *text = factor_text (&score, PERP_FACTOR_TECHNICAL);
          g_autofree char *rsi_text = g_strdup_printf ("RSI %.0f", rsi[i]);

          if (f->reason.id == PERP_REASON_TECH_STACK)
            {
              shown_stack = TRUE;
              checker_expect (&c, strstr (text, f->reason.side > 0 ? "stacked bullish" : "stacked bearish") != NULL
                                  && strstr (text, rsi_text) != NULL,
                              "candle %u: text \"%s\"", i, text);
            }
          else
            checker_expect (&c, strstr (text, rsi_text) != NULL, "candle %u: text \"%s\"", i, text);
        }
    }
  checker_finish (&c);
}

/* ETHUSDT 1h (a rally: bullish stacks) and FILUSDT 1m (both ways). */
static void
test_technical_talib (void)
{
  guint counts[PERP_N_REASONS] = { 0 };
  guint stacks[2] = { 0, 0 };

  check_technical_file ("ETHUSDT_1h_first600.csv", "ETHUSDT_1h_first600.talib.csv", counts, stacks);
  check_technical_file ("FILUSDT_1m_first400.csv", "FILUSDT_1m_first400.talib.csv", counts, stacks);

  g_test_message ("technical reasons from candle 250: %u stacked bullish, %u stacked bearish, "
                  "%u volume spike, %u mixed", stacks[0], stacks[1],
                  counts[PERP_REASON_TECH_VOLUME_SPIKE], counts[PERP_REASON_TECH_MIXED]);
  /* Every branch of the reason was exercised. */
  g_assert_cmpuint (stacks[0], >, 0);
  g_assert_cmpuint (stacks[1], >, 0);
  g_assert_cmpuint (counts[PERP_REASON_TECH_MIXED], >, 0);
  g_assert_cmpuint (counts[PERP_REASON_TECH_VOLUME_SPIKE], >, 0);
}

/* No indicator row at all: missing, named, and worth nothing. */
static void
test_technical_missing (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autofree char *text = NULL;
  PerpScoreParams params;
  PerpScoreInputs inputs;
  PerpScore score;

  default_params (&params);
  analysis = new_analysis ("ETHUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  for (guint i = 0; i < 300; i++)
    push_candle (analysis, candles, i);
  perp_analysis_get_inputs (analysis, &inputs);
  inputs.indicators = NULL;
  compute (&params, &inputs, &score);

  g_assert_cmpint (score.factors[PERP_FACTOR_TECHNICAL].state, ==, PERP_DATA_MISSING);
  g_assert_cmpfloat (score.factors[PERP_FACTOR_TECHNICAL].value, ==, 0.0);
  g_assert_cmpfloat (score.factors[PERP_FACTOR_TECHNICAL].contribution, ==, 0.0);
  g_assert_cmpint (score.factors[PERP_FACTOR_TECHNICAL].age_ms, ==, -1);
  g_assert_cmpint (score.factors[PERP_FACTOR_TECHNICAL].reason.id, ==, PERP_REASON_MISSING);
  text = factor_text (&score, PERP_FACTOR_TECHNICAL);
  g_assert_cmpstr (text, ==, "Technical: no data");
  /* Without the row there is no ATR either. */
  g_assert_true (isnan (score.atr));
}

/* ---------------------------------------------------------- higher timeframe */

/* The higher timeframe's candles built here from the signal candles: every UTC-aligned
 * bucket of @htf, first open, highest high, lowest low, last close, summed volume. */
static PerpCandles *
build_htf_by_hand (const PerpCandles *signal,
                   PerpInterval       htf)
{
  PerpCandles *out = perp_candles_new (htf, PERP_CANDLE_FIELD_NONE);
  gint64 htf_ms = perp_interval_to_ms (htf);
  gint64 signal_ms = perp_interval_to_ms (perp_candles_get_interval (signal));
  const gint64 *t = perp_candles_get_open_time (signal);
  const double *o = perp_candles_get_open (signal);
  const double *h = perp_candles_get_high (signal);
  const double *l = perp_candles_get_low (signal);
  const double *cl = perp_candles_get_close (signal);
  const double *v = perp_candles_get_volume (signal);
  guint n = perp_candles_get_length (signal);

  for (guint i = 0; i < n;)
    {
      gint64 bucket = t[i] - t[i] % htf_ms;
      PerpCandle c;
      guint j = i;

      perp_candle_init (&c, bucket, o[i], h[i], l[i], cl[i], 0.0);
      for (; j < n && t[j] < bucket + htf_ms; j++)
        {
          c.high = MAX (c.high, h[j]);
          c.low = MIN (c.low, l[j]);
          c.close = cl[j];
          c.volume += v[j];
        }
      /* The fixtures have no gaps: every bucket is whole. */
      g_assert_cmpint ((gint64) (j - i) * signal_ms, ==, htf_ms);
      g_assert_true (perp_candles_append (out, &c, NULL));
      i = j;
    }
  return out;
}

/* The scorer's higher-timeframe factor at every signal candle, against a separate
 * structure engine fed the higher-timeframe candles @htf only once each has closed
 * (open + interval <= now) and an EMA 50 of their closes computed here:
 * value = 0.6 × trend (swing, else internal) + 0.4 × sign (close - EMA 50).  The
 * analysis must hold exactly the closed higher-timeframe candles, equal to @htf's.
 * @seen: [0] readings with a trend, [1] with the EMA term, [2] positive, [3] negative. */
static void
check_htf (const char        *signal_name,
           const PerpCandles *htf,
           guint              seen[4])
{
  g_autoptr(PerpCandles) signal = load_candles (signal_name);
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autoptr(PerpStructure) reference = NULL;
  g_autofree double *ema50 = NULL;
  PerpInterval htf_interval = perp_candles_get_interval (htf);
  gint64 htf_ms = perp_interval_to_ms (htf_interval);
  gint64 signal_ms = perp_interval_to_ms (perp_candles_get_interval (signal));
  guint n_htf = perp_candles_get_length (htf);
  const gint64 *htf_open = perp_candles_get_open_time (htf);
  const double *htf_close = perp_candles_get_close (htf);
  guint fed = 0;
  PerpStructureConfig config;
  PerpScoreParams params;
  Checker c;

  default_params (&params);
  g_assert_cmpint (perp_score_default_htf (perp_candles_get_interval (signal)), ==, htf_interval);
  analysis = new_analysis ("TEST", signal, PERP_ANALYSIS_HTF_RESAMPLE, &params);
  perp_structure_config_init (&config);
  reference = perp_structure_new (&config, htf_interval, NULL);
  g_assert_nonnull (reference);
  ema50 = g_new (double, n_htf);
  ema_talib (htf_close, n_htf, 50, ema50);
  checker_init (&c, signal_name);

  for (guint i = 0; i < perp_candles_get_length (signal); i++)
    {
      PerpScore score;
      const PerpFactorScore *f = &score.factors[PERP_FACTOR_HIGHER_TIMEFRAME];
      const PerpCandles *built;
      gint64 now = perp_candles_get_open_time (signal)[i] + signal_ms;

      push_candle (analysis, signal, i);
      score_analysis (analysis, &score);
      g_assert_cmpint (score.time, ==, now);

      while (fed < n_htf && htf_open[fed] + htf_ms <= now)
        {
          PerpCandle candle;

          perp_candles_get_candle (htf, fed, &candle);
          g_assert_true (perp_structure_push (reference, &candle, NULL));
          fed++;
        }

      /* Causality: exactly the higher-timeframe candles closed by now, and equal. */
      built = perp_analysis_get_htf_candles (analysis);
      checker_expect (&c, perp_candles_get_length (built) == fed,
                      "candle %u (now %" G_GINT64_FORMAT "): %u higher-timeframe candles, %u closed",
                      i, now, perp_candles_get_length (built), fed);
      if (fed > 0 && perp_candles_get_length (built) == fed)
        {
          PerpCandle a, b;

          perp_candles_get_candle (built, fed - 1, &a);
          perp_candles_get_candle (htf, fed - 1, &b);
          checker_expect (&c, a.open_time == b.open_time && a.open == b.open && a.high == b.high
                              && a.low == b.low && a.close == b.close
                              && close_to (b.volume, a.volume, 1e-9 * b.volume),
                          "candle %u: built %s candle %u differs", i, perp_interval_to_string (htf_interval), fed - 1);
        }

      if (fed == 0)
        {
          checker_expect (&c, f->state == PERP_DATA_MISSING && f->reason.id == PERP_REASON_MISSING,
                          "candle %u: no closed %s candle yet, state %s", i,
                          perp_interval_to_string (htf_interval), perp_data_state_name (f->state));
          continue;
        }
      {
        PerpStructureReading reading;
        int trend;
        double above;
        double expected;
        const double args[] = { htf_close[fed - 1], ema50[fed - 1] };

        perp_structure_get_reading (reference, &reading);
        trend = reading.trend[PERP_STRUCTURE_DEPTH_SWING] != 0 ? reading.trend[PERP_STRUCTURE_DEPTH_SWING]
                                                               : reading.trend[PERP_STRUCTURE_DEPTH_INTERNAL];
        if (isfinite (ema50[fed - 1]))
          /* A close within rounding noise of the EMA could go either way. */
          g_assert_cmpfloat (fabs (htf_close[fed - 1] - ema50[fed - 1]), >, 1e-9 * htf_close[fed - 1]);
        above = isfinite (ema50[fed - 1]) ? signd (htf_close[fed - 1] - ema50[fed - 1]) : 0.0;
        expected = W_HTF_TREND * trend + W_HTF_EMA * above;

        checker_expect (&c, f->state == PERP_DATA_FRESH, "candle %u: state %s", i, perp_data_state_name (f->state));
        checker_expect (&c, close_to (expected, f->value, 1e-12),
                        "candle %u: value %g, expected %g (trend %d, close vs EMA 50 %g)", i, f->value,
                        expected, trend, above);
        if (trend == 0 && above == 0.0)
          checker_expect (&c, f->reason.id == PERP_REASON_HTF_NONE, "candle %u: reason %s", i, reason_name (&f->reason));
        else
          checker_expect (&c, reason_is (&f->reason, PERP_REASON_HTF_TREND, trend != 0 ? trend : (int) above, 2, args, 1e-9)
                              && g_strcmp0 (f->reason.text, perp_interval_to_string (htf_interval)) == 0,
                          "candle %u: reason %s side %d (%g, %g)", i, reason_name (&f->reason), f->reason.side,
                          f->reason.args[0], f->reason.args[1]);
        seen[0] += trend != 0;
        seen[1] += above != 0.0;
        seen[2] += expected > 0;
        seen[3] += expected < 0;
      }
    }
  checker_finish (&c);
}

/* BTCUSDT 5m resampled to 1h inside the analysis, against the 1h fixture of the same
 * two days (48 hours: no EMA 50 yet, so the trend alone), and ETHUSDT 1h resampled to
 * 4h against 4h candles built here (150 of them: the EMA term from the 50th on). */
static void
test_htf_resample (void)
{
  g_autoptr(PerpCandles) hours = load_candles ("BTCUSDT_1h_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) eth = load_candles ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) eth_4h = build_htf_by_hand (eth, PERP_INTERVAL_4H);
  guint seen[4] = { 0, 0, 0, 0 };

  /* The hand-built resampling reproduces Binance's own 1h file from its 5m file. */
  {
    g_autoptr(PerpCandles) btc5 = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
    g_autoptr(PerpCandles) by_hand = build_htf_by_hand (btc5, PERP_INTERVAL_1H);

    g_assert_cmpuint (perp_candles_get_length (by_hand), ==, perp_candles_get_length (hours));
    for (guint h = 0; h < perp_candles_get_length (hours); h++)
      {
        g_assert_cmpint (perp_candles_get_open_time (by_hand)[h], ==, perp_candles_get_open_time (hours)[h]);
        g_assert_cmpfloat (perp_candles_get_high (by_hand)[h], ==, perp_candles_get_high (hours)[h]);
        g_assert_cmpfloat (perp_candles_get_low (by_hand)[h], ==, perp_candles_get_low (hours)[h]);
        g_assert_cmpfloat (perp_candles_get_close (by_hand)[h], ==, perp_candles_get_close (hours)[h]);
      }
  }

  check_htf ("BTCUSDT_5m_2024-01-01_2days.csv", hours, seen);
  check_htf ("ETHUSDT_1h_first600.csv", eth_4h, seen);
  g_test_message ("higher timeframe: %u readings with a trend, %u with the EMA term, %u bullish, %u bearish",
                  seen[0], seen[1], seen[2], seen[3]);
  g_assert_cmpuint (seen[0], >, 0);
  g_assert_cmpuint (seen[1], >, 0);
  g_assert_cmpuint (seen[2], >, 0);
  g_assert_cmpuint (seen[3], >, 0);
}

/* ------------------------------------------------------ replaying the 5m fixture */

typedef void (*CandleFunc) (guint                  i,
                            PerpAnalysis          *analysis,
                            const PerpScoreInputs *inputs,
                            const PerpScore       *score,
                            gpointer               user_data);

/* Feeds @candles one by one through a fresh analysis and calls @func after each score. */
static void
replay_candles (const PerpCandles     *candles,
                PerpAnalysisHtf        htf,
                const PerpScoreParams *params,
                CandleFunc             func,
                gpointer               user_data)
{
  g_autoptr(PerpAnalysis) analysis = new_analysis ("BTCUSDT", candles, htf, params);

  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      PerpScoreInputs inputs;
      PerpScore score;

      push_candle (analysis, candles, i);
      perp_analysis_get_inputs (analysis, &inputs);
      compute (params, &inputs, &score);
      func (i, analysis, &inputs, &score, user_data);
    }
}

/* -------------------------------------------------------------------- ICT */

/* Whether @a became knowable after @b (the object list is in that order; ids break ties). */
static gboolean
formed_later (const PerpStructureObject *a,
              const PerpStructureObject *b)
{
  return b == NULL || a->formed_at > b->formed_at || (a->formed_at == b->formed_at && a->id > b->id);
}

typedef struct
{
  double                     value;
  const PerpStructureObject *block;  /* active order block / breaker price is in */
  const PerpStructureObject *gap;    /* active FVG price is in */
  const PerpStructureObject *brk;    /* BOS / CHoCH within break_lookback */
  double                     brk_bars;
  int                        trend;
  gboolean                   at_fib;
  double                     zone_position;
  PerpStructureReading       reading;
} IctExpect;

/* The ICT reading derived from the structure engine's objects at its last candle:
 * 0.2 × trend (swing, else internal) + 0.15 × the latest BOS/CHoCH formed within
 * break_lookback candles + 0.25 × the latest-formed active order block or breaker
 * containing @price + 0.15 × such an FVG + 0.1 × the leg's direction when its
 * retracement is within fib_tolerance of the Fibonacci band + 0.15 in discount,
 * -0.15 in premium; clamped to [-1, 1]. */
static void
ict_expect (const PerpStructure   *structure,
            double                 price,
            gint64                 interval_ms,
            const PerpScoreParams *params,
            IctExpect             *e)
{
  const PerpStructureObject *objects;
  guint n_objects;
  gint64 now;
  double lo = INFINITY, hi = -INFINITY;
  double v;

  memset (e, 0, sizeof *e);
  perp_structure_get_reading (structure, &e->reading);
  now = e->reading.time;
  objects = perp_structure_get_objects (structure, &n_objects);
  for (guint k = 0; k < n_objects; k++)
    {
      const PerpStructureObject *o = &objects[k];
      gboolean in = price >= o->bottom && price <= o->top;

      if (!perp_structure_object_known_at (o, now))
        continue;
      if ((o->kind == PERP_STRUCTURE_ORDER_BLOCK || o->kind == PERP_STRUCTURE_BREAKER)
          && in && perp_structure_object_active_at (o, now) && formed_later (o, e->block))
        e->block = o;
      else if (o->kind == PERP_STRUCTURE_FVG && in && perp_structure_object_active_at (o, now)
               && formed_later (o, e->gap))
        e->gap = o;
      else if ((o->kind == PERP_STRUCTURE_BOS || o->kind == PERP_STRUCTURE_CHOCH)
               && now - o->formed_at < (gint64) params->break_lookback * interval_ms
               && formed_later (o, e->brk))
        e->brk = o;
    }

  e->trend = e->reading.trend[PERP_STRUCTURE_DEPTH_SWING] != 0 ? e->reading.trend[PERP_STRUCTURE_DEPTH_SWING]
                                                               : e->reading.trend[PERP_STRUCTURE_DEPTH_INTERNAL];
  v = W_ICT_TREND * e->trend;
  if (e->brk != NULL)
    {
      e->brk_bars = (double) ((now - e->brk->formed_at) / interval_ms);
      v += W_ICT_BREAK * e->brk->direction;
    }
  if (e->block != NULL)
    v += W_ICT_BLOCK * e->block->direction;
  if (e->gap != NULL)
    v += W_ICT_GAP * e->gap->direction;
  for (guint r = 0; r < e->reading.leg.n_levels; r++)
    {
      lo = MIN (lo, e->reading.leg.ratios[r]);
      hi = MAX (hi, e->reading.leg.ratios[r]);
    }
  if (e->reading.leg.direction != 0 && e->reading.leg.n_levels > 0
      && e->reading.leg.retracement >= lo - params->fib_tolerance
      && e->reading.leg.retracement <= hi + params->fib_tolerance)
    {
      e->at_fib = TRUE;
      v += W_ICT_FIB * e->reading.leg.direction;
    }
  if (e->reading.range_top > e->reading.range_bottom)
    e->zone_position = (price - e->reading.range_bottom) / (e->reading.range_top - e->reading.range_bottom);
  if (e->reading.zone == PERP_STRUCTURE_ZONE_DISCOUNT)
    v += W_ICT_ZONE;
  else if (e->reading.zone == PERP_STRUCTURE_ZONE_PREMIUM)
    v -= W_ICT_ZONE;
  e->value = clampd (v, -1.0, 1.0);
}

/* The reason: the most specific thing at price that agrees with the side of the
 * factor's (blended) value (order block, FVG, break, Fibonacci, zone), else the
 * trend when it agrees, else the higher timeframe when there is one, else nothing. */
static gboolean
ict_reason_matches (const IctExpect  *e,
                    int               side,
                    const char       *htf_name,
                    const PerpReason *reason)
{

  if (e->block != NULL && e->block->direction == side)
    {
      const double args[] = { e->block->bottom, e->block->top };

      return reason_is (reason, PERP_REASON_ICT_IN_ORDER_BLOCK, side, 2, args, 0.0)
             && g_strcmp0 (reason->text, e->block->kind == PERP_STRUCTURE_BREAKER ? "breaker" : "order-block") == 0;
    }
  if (e->gap != NULL && e->gap->direction == side)
    {
      const double args[] = { e->gap->bottom, e->gap->top };

      return reason_is (reason, PERP_REASON_ICT_IN_FVG, side, 2, args, 0.0);
    }
  if (e->brk != NULL && e->brk->direction == side)
    {
      const double args[] = { e->brk->top, e->brk_bars };

      return reason_is (reason, PERP_REASON_ICT_AFTER_BREAK, side, 2, args, 0.0)
             && g_strcmp0 (reason->text, e->brk->kind == PERP_STRUCTURE_CHOCH ? "CHoCH" : "BOS") == 0;
    }
  if (e->at_fib && e->reading.leg.direction == side)
    {
      const double args[] = { e->reading.leg.retracement * 100.0, e->reading.leg.anchor, e->reading.leg.extreme };

      return reason_is (reason, PERP_REASON_ICT_AT_FIB, side, 3, args, 1e-12);
    }
  if ((e->reading.zone == PERP_STRUCTURE_ZONE_DISCOUNT && side > 0)
      || (e->reading.zone == PERP_STRUCTURE_ZONE_PREMIUM && side < 0))
    {
      const double args[] = { e->zone_position * 100.0 };

      return reason_is (reason, PERP_REASON_ICT_ZONE, side, 1, args, 1e-12);
    }
  if (e->trend != 0 && e->trend == side)
    return reason_is (reason, PERP_REASON_ICT_TREND, e->trend, 0, NULL, 0.0);
  if (side != 0 && htf_name != NULL)
    return reason_is (reason, PERP_REASON_ICT_HIGHER_TF, side, 0, NULL, 0.0)
           && g_strcmp0 (reason->text, htf_name) == 0;
  return reason_is (reason, PERP_REASON_ICT_NONE, 0, 0, NULL, 0.0);
}

typedef struct
{
  const PerpScoreParams *params;
  Checker                c;
  guint                  reasons[PERP_N_REASONS];
  guint                  n_blended;
  guint                  n_bullish_ob_text;
  guint                  n_at_fib;
  guint                  n_zone[4];
} IctRun;

static void
ict_candle (guint                  i,
            PerpAnalysis          *analysis,
            const PerpScoreInputs *inputs,
            const PerpScore       *score,
            gpointer               user_data)
{
  IctRun *run = user_data;
  const PerpFactorScore *f = &score->factors[PERP_FACTOR_ICT];
  double price = perp_candles_get_close (inputs->candles)[i];
  double expected;
  IctExpect e;

  ict_expect (inputs->structure, price, perp_interval_to_ms (perp_candles_get_interval (inputs->candles)),
              run->params, &e);
  g_assert_cmpint (e.reading.time, ==, perp_candles_get_open_time (inputs->candles)[i]);
  expected = e.value;
  /* The higher timeframe's own reading, at this price, counts for 30 %. */
  if (inputs->htf_structure != NULL && perp_structure_get_n_candles (inputs->htf_structure) > 0)
    {
      IctExpect h;

      ict_expect (inputs->htf_structure, price, perp_interval_to_ms (perp_candles_get_interval (inputs->htf_candles)),
                  run->params, &h);
      expected = clampd ((1.0 - W_ICT_HTF) * e.value + W_ICT_HTF * h.value, -1.0, 1.0);
      run->n_blended++;
    }

  checker_expect (&run->c, f->state == PERP_DATA_FRESH, "candle %u: state %s", i, perp_data_state_name (f->state));
  checker_expect (&run->c, close_to (expected, f->value, 1e-12),
                  "candle %u: ICT %g, from the objects %g (signal %g)", i, f->value, expected, e.value);
  checker_expect (&run->c, ict_reason_matches (&e, (int) signd (expected),
                                               inputs->htf_candles != NULL && perp_structure_get_n_candles (inputs->htf_structure) > 0
                                               ? perp_interval_to_string (perp_candles_get_interval (inputs->htf_candles)) : NULL,
                                               &f->reason),
                  "candle %u: reason %s side %d (%g, %g) for signal reading %g (block %d, gap %d, break %d, fib %d, zone %d)",
                  i, reason_name (&f->reason), f->reason.side, f->reason.args[0], f->reason.args[1], e.value,
                  e.block ? e.block->direction : 0, e.gap ? e.gap->direction : 0, e.brk ? e.brk->direction : 0,
                  e.at_fib, e.reading.zone);
  run->reasons[f->reason.id]++;
  run->n_at_fib += e.at_fib;
  run->n_zone[e.reading.zone]++;

  /* Inside a bullish order block: the sentence names both bounds as people read them. */
  if (f->reason.id == PERP_REASON_ICT_IN_ORDER_BLOCK && f->reason.side > 0 && e.block != NULL)
    {
      g_autofree char *text = factor_text (score, PERP_FACTOR_ICT);
      g_autofree char *bottom = perp_format_price (e.block->bottom);
      g_autofree char *top = perp_format_price (e.block->top);
      g_autofree char *range = g_strdup_printf ("%s-%s", bottom, top);

      checker_expect (&run->c, e.block->direction > 0 && price >= e.block->bottom && price <= e.block->top
                               && strstr (text, "bullish") != NULL && strstr (text, range) != NULL,
                      "candle %u: \"%s\" should name %s", i, text, range);
      run->n_bullish_ob_text++;
    }
  (void) analysis;
}

/* BTCUSDT and ETHUSDT 5m (2024-01-01..02) and FILUSDT 1m, every candle: the ICT value
 * and its reason against the object list (and, once a higher-timeframe candle has
 * closed, that timeframe's own reading at the same price blended in at 30 %). */
static void
test_ict_objects (void)
{
  static const char *const files[] = {
    "BTCUSDT_5m_2024-01-01_2days.csv", "ETHUSDT_5m_2024-01-01_2days.csv", "FILUSDT_1m_first400.csv",
  };
  PerpScoreParams params;
  IctRun run = { 0 };

  default_params (&params);
  run.params = &params;
  checker_init (&run.c, "ICT");
  for (guint k = 0; k < G_N_ELEMENTS (files); k++)
    {
      g_autoptr(PerpCandles) candles = load_candles (files[k]);

      replay_candles (candles, PERP_ANALYSIS_HTF_RESAMPLE, &params, ict_candle, &run);
    }
  checker_finish (&run.c);

  g_test_message ("ICT reasons: %u order block, %u FVG, %u break, %u Fibonacci, %u zone, %u trend, %u none; "
                  "%u blended with the higher timeframe; %u in a bullish OB",
                  run.reasons[PERP_REASON_ICT_IN_ORDER_BLOCK], run.reasons[PERP_REASON_ICT_IN_FVG],
                  run.reasons[PERP_REASON_ICT_AFTER_BREAK], run.reasons[PERP_REASON_ICT_AT_FIB],
                  run.reasons[PERP_REASON_ICT_ZONE], run.reasons[PERP_REASON_ICT_TREND],
                  run.reasons[PERP_REASON_ICT_NONE], run.n_blended, run.n_bullish_ob_text);
  g_test_message ("ICT terms: at a Fibonacci level on %u candles, in discount on %u, in premium on %u",
                  run.n_at_fib, run.n_zone[PERP_STRUCTURE_ZONE_DISCOUNT], run.n_zone[PERP_STRUCTURE_ZONE_PREMIUM]);
  g_assert_cmpuint (run.n_at_fib, >, 0);
  g_assert_cmpuint (run.n_zone[PERP_STRUCTURE_ZONE_DISCOUNT], >, 0);
  g_assert_cmpuint (run.n_zone[PERP_STRUCTURE_ZONE_PREMIUM], >, 0);
  g_assert_cmpuint (run.n_bullish_ob_text, >, 0);
  g_assert_cmpuint (run.n_blended, >, 0);
  g_assert_cmpuint (run.reasons[PERP_REASON_ICT_IN_FVG], >, 0);
  g_assert_cmpuint (run.reasons[PERP_REASON_ICT_AFTER_BREAK], >, 0);
}

/* ---------------------------------------------------------- liquidity pools */

/* Resting stops, as perp-score-private.h defines pools: equal highs/lows, the previous
 * day's, week's or month's high/low, and swing pivots (not killzone ranges, not
 * internal pivots).  @side: +1 buy-side (above), -1 sell-side (below). */
static gboolean
is_pool (const PerpStructureObject *o,
         int                        side)
{
  gboolean calendar = o->source == PERP_STRUCTURE_SOURCE_DAY || o->source == PERP_STRUCTURE_SOURCE_WEEK
                      || o->source == PERP_STRUCTURE_SOURCE_MONTH;

  if (side > 0)
    return o->kind == PERP_STRUCTURE_EQUAL_HIGHS
           || (o->kind == PERP_STRUCTURE_RANGE_HIGH && calendar)
           || (o->kind == PERP_STRUCTURE_PIVOT_HIGH && o->depth == PERP_STRUCTURE_DEPTH_SWING);
  return o->kind == PERP_STRUCTURE_EQUAL_LOWS
         || (o->kind == PERP_STRUCTURE_RANGE_LOW && calendar)
         || (o->kind == PERP_STRUCTURE_PIVOT_LOW && o->depth == PERP_STRUCTURE_DEPTH_SWING);
}

typedef struct
{
  const PerpScoreParams *params;
  Checker                c;
  guint                  reasons[PERP_N_REASONS];
} PoolRun;

/* A pool swept (wicked through, closed back) within sweep_lookback candles reads as a
 * stop hunt: sell-side swept is bullish, buy-side bearish, fading linearly with age
 * (0.6 of the value), plus 0.4 × the draw; without a sweep, 0.5 × the draw, where the
 * draw is (1/d_above - 1/d_below) / (1/d_above + 1/d_below) over the nearest active
 * pools within pool_max_distance of price on each side. */
static void
pool_candle (guint                  i,
             PerpAnalysis          *analysis,
             const PerpScoreInputs *inputs,
             const PerpScore       *score,
             gpointer               user_data)
{
  PoolRun *run = user_data;
  const PerpFactorScore *f = &score->factors[PERP_FACTOR_LIQUIDITY_POOLS];
  const PerpStructureObject *objects;
  const PerpStructureObject *above = NULL, *below = NULL, *swept = NULL;
  gint64 last = perp_candles_get_open_time (inputs->candles)[i];
  double price = perp_candles_get_close (inputs->candles)[i];
  double max_gap = run->params->pool_max_distance * price;
  double draw = 0.0;
  guint n_objects;

  objects = perp_structure_get_objects (inputs->structure, &n_objects);
  for (guint k = 0; k < n_objects; k++)
    {
      const PerpStructureObject *o = &objects[k];
      gint64 at = o->event_time[PERP_STRUCTURE_EVENT_SWEPT];
      int side = is_pool (o, 1) ? 1 : is_pool (o, -1) ? -1 : 0;

      if (side == 0 || !perp_structure_object_known_at (o, last))
        continue;
      if (at >= 0 && at <= last && last - at < (gint64) run->params->sweep_lookback * MIN5
          && (swept == NULL || at >= swept->event_time[PERP_STRUCTURE_EVENT_SWEPT]))
        swept = o;
      if (!perp_structure_object_active_at (o, last))
        continue;
      if (side > 0 && o->bottom > price && o->bottom - price <= max_gap && (above == NULL || o->bottom < above->bottom))
        above = o;
      if (side < 0 && o->top < price && price - o->top <= max_gap && (below == NULL || o->top > below->top))
        below = o;
    }
  if (above != NULL || below != NULL)
    {
      double pa = above != NULL ? 1.0 / (above->bottom - price) : 0.0;
      double pb = below != NULL ? 1.0 / (price - below->top) : 0.0;

      draw = (pa - pb) / (pa + pb);
    }

  if (swept != NULL)
    {
      double bars = (double) ((last - swept->event_time[PERP_STRUCTURE_EVENT_SWEPT]) / MIN5);
      double sweep = (is_pool (swept, -1) ? 1.0 : -1.0) * (1.0 - bars / run->params->sweep_lookback);
      const double args[] = { swept->top, bars };

      checker_expect (&run->c, close_to (clampd (W_POOL_SWEEP * sweep + W_POOL_DRAW * draw, -1, 1), f->value, 1e-12),
                      "candle %u: value %g after a sweep %g ago with draw %g", i, f->value, bars, draw);
      /* The sweep is the reason when it pushes the way the value does; otherwise the
       * draw, which then must. */
      if (signd (sweep) == signd (f->value))
        checker_expect (&run->c, reason_is (&f->reason, sweep > 0 ? PERP_REASON_POOL_SWEPT_LOWS : PERP_REASON_POOL_SWEPT_HIGHS,
                                            sweep > 0 ? 1 : -1, 2, args, 0.0),
                        "candle %u: reason %s (%g, %g), expected the sweep of %g %g candles ago",
                        i, reason_name (&f->reason), f->reason.args[0], f->reason.args[1], swept->top, bars);
      else
        {
          gboolean up = draw >= 0.0;
          double level = up ? above->bottom : below->top;
          const double draw_args[] = { level, fabs (level - price) / price * 100.0 };

          /* (A sweep and a draw that cancel exactly leave 0: the draw names it.) */
          checker_expect (&run->c, (signd (draw) == signd (f->value) || f->value == 0.0)
                                   && reason_is (&f->reason, up ? PERP_REASON_POOL_DRAW_ABOVE : PERP_REASON_POOL_DRAW_BELOW,
                                                 up ? 1 : -1, 2, draw_args, 1e-12),
                          "candle %u: reason %s (%g), expected the draw to %g against the faded sweep",
                          i, reason_name (&f->reason), f->reason.args[0], level);
        }
    }
  else if (above != NULL || below != NULL)
    {
      gboolean up = draw >= 0.0;
      double level = up ? above->bottom : below->top;
      const double args[] = { level, fabs (level - price) / price * 100.0 };

      checker_expect (&run->c, close_to (W_POOL_ONLY * draw, f->value, 1e-12),
                      "candle %u: value %g, draw %g", i, f->value, draw);
      checker_expect (&run->c, reason_is (&f->reason, up ? PERP_REASON_POOL_DRAW_ABOVE : PERP_REASON_POOL_DRAW_BELOW,
                                          up ? 1 : -1, 2, args, 1e-12),
                      "candle %u: reason %s (%g), expected the pool at %g", i, reason_name (&f->reason),
                      f->reason.args[0], level);
    }
  else
    {
      const double args[] = { run->params->pool_max_distance * 100.0 };

      checker_expect (&run->c, f->value == 0.0 && reason_is (&f->reason, PERP_REASON_POOL_NONE, 0, 1, args, 1e-12),
                      "candle %u: no pool within reach but value %g, reason %s", i, f->value, reason_name (&f->reason));
    }
  run->reasons[f->reason.id]++;
  (void) analysis;
}

static void
test_pools (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  PerpScoreParams params;
  PoolRun run = { 0 };

  default_params (&params);
  run.params = &params;
  checker_init (&run.c, "liquidity pools");
  replay_candles (candles, PERP_ANALYSIS_HTF_NONE, &params, pool_candle, &run);
  checker_finish (&run.c);

  g_test_message ("pool reasons: %u sell-side swept, %u buy-side swept, %u draw above, %u draw below, %u none",
                  run.reasons[PERP_REASON_POOL_SWEPT_LOWS], run.reasons[PERP_REASON_POOL_SWEPT_HIGHS],
                  run.reasons[PERP_REASON_POOL_DRAW_ABOVE], run.reasons[PERP_REASON_POOL_DRAW_BELOW],
                  run.reasons[PERP_REASON_POOL_NONE]);
  g_assert_cmpuint (run.reasons[PERP_REASON_POOL_SWEPT_LOWS] + run.reasons[PERP_REASON_POOL_SWEPT_HIGHS], >, 0);
  g_assert_cmpuint (run.reasons[PERP_REASON_POOL_DRAW_ABOVE], >, 0);
  g_assert_cmpuint (run.reasons[PERP_REASON_POOL_DRAW_BELOW], >, 0);
}

/* ---------------------------------------------------------------- killzone */

typedef struct
{
  const PerpScoreParams *params;
  PerpStructureConfig    config;
  GTimeZone             *new_york;
  Checker                c;
  guint                  n_overlap;
  guint                  n_outside;
  guint                  n_other;
} KillzoneRun;

/* The candle's open time in New York (perp-structure.h: a session is "in window" when
 * the last candle opened inside it; so the 11:55 candle is in the 08:00-12:00 overlap,
 * the 07:55 one is not); the boost is the largest of the windows that contain it, and
 * the value that boost in the direction of the signal timeframe's own ICT reading (the
 * factor has no direction of its own). */
static void
killzone_candle (guint                  i,
                 PerpAnalysis          *analysis,
                 const PerpScoreInputs *inputs,
                 const PerpScore       *score,
                 gpointer               user_data)
{
  KillzoneRun *run = user_data;
  const PerpFactorScore *f = &score->factors[PERP_FACTOR_KILLZONE];
  gint64 open = perp_candles_get_open_time (inputs->candles)[i];
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (open / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, run->new_york);
  guint minute = (guint) (g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local));
  double boost = 0.0;
  gboolean inside = FALSE;
  IctExpect e;

  for (guint k = 0; k < run->config.n_killzones; k++)
    {
      const PerpKillzone *zone = &run->config.killzones[k];
      gboolean in = zone->end_minute > zone->start_minute
                    ? minute >= zone->start_minute && minute < zone->end_minute
                    : minute >= zone->start_minute || minute < zone->end_minute;

      if (in)
        {
          inside = TRUE;
          boost = MAX (boost, run->params->killzone_boost[k]);
        }
    }
  ict_expect (inputs->structure, perp_candles_get_close (inputs->candles)[i], MIN5, run->params, &e);

  if (minute >= 8 * 60 && minute < 12 * 60)
    {
      /* The London/NY overlap is the strongest window. */
      checker_expect (&run->c, boost == 1.0, "candle %u: overlap boost %g", i, boost);
      run->n_overlap++;
    }
  if (!inside)
    {
      g_autofree char *text = factor_text (score, PERP_FACTOR_KILLZONE);

      checker_expect (&run->c, f->value == 0.0 && f->reason.id == PERP_REASON_KILLZONE_NONE
                               && g_strcmp0 (text, "Outside the killzones") == 0,
                      "candle %u (%02u:%02u New York): outside every window but value %g, \"%s\"",
                      i, minute / 60, minute % 60, f->value, text);
      run->n_outside++;
      return;
    }
  run->n_other++;
  checker_expect (&run->c, f->value == signd (e.value) * boost && f->reason.id == PERP_REASON_KILLZONE_ACTIVE
                           && f->reason.n_args == 1 && f->reason.args[0] == boost,
                  "candle %u (%02u:%02u New York): value %g reason %s, expected %g x boost %g",
                  i, minute / 60, minute % 60, f->value, reason_name (&f->reason), signd (e.value), boost);
  if (boost == 1.0 && f->reason.id == PERP_REASON_KILLZONE_ACTIVE)
    {
      g_autofree char *text = factor_text (score, PERP_FACTOR_KILLZONE);

      checker_expect (&run->c, g_strcmp0 (text, "During the London/NY overlap (boost 1.00)") == 0,
                      "candle %u: \"%s\"", i, text);
    }
  (void) analysis;
}

/* BTCUSDT 5m over two days: every candle's New York time decides the boost. */
static void
test_killzone (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  PerpScoreParams params;
  KillzoneRun run = { 0 };

  default_params (&params);
  run.params = &params;
  perp_structure_config_init (&run.config);
  g_assert_cmpstr (run.config.time_zone, ==, "America/New_York");
  run.new_york = g_time_zone_new_identifier ("America/New_York");
  if (run.new_york == NULL)
    {
      g_test_skip ("no America/New_York time zone (tzdata missing)");
      return;
    }
  checker_init (&run.c, "killzone");
  replay_candles (candles, PERP_ANALYSIS_HTF_NONE, &params, killzone_candle, &run);
  checker_finish (&run.c);
  g_time_zone_unref (run.new_york);

  g_test_message ("killzone: %u candles in the overlap, %u in other windows, %u outside",
                  run.n_overlap, run.n_other - run.n_overlap, run.n_outside);
  /* 2 days x 4 h of overlap, x 12 five-minute candles. */
  g_assert_cmpuint (run.n_overlap, ==, 2 * 4 * 12);
  g_assert_cmpuint (run.n_outside, >, 0);
}

/* -------------------------------------------------------------- order flow */

/* The divergence rule of perp-trade-flow.h at @i: the close makes a new high over the
 * @lookback candles before it while CVD does not (bearish), or the mirror (bullish). */
static double
divergence_at (const double *close,
               const double *cvd,
               guint         i,
               guint         lookback)
{
  double high = -INFINITY, low = INFINITY, cvd_high = -INFINITY, cvd_low = INFINITY;

  if (i < lookback)
    return 0.0;
  for (guint j = i - lookback; j < i; j++)
    {
      high = MAX (high, close[j]);
      low = MIN (low, close[j]);
      cvd_high = MAX (cvd_high, cvd[j]);
      cvd_low = MIN (cvd_low, cvd[j]);
    }
  if (close[i] > high && cvd[i] <= cvd_high)
    return -1.0;
  if (close[i] < low && cvd[i] >= cvd_low)
    return 1.0;
  return 0.0;
}

/* FILUSDT 1m (Binance's 12 columns, with taker-buy volume), every candle, without a
 * trade stream: the aggressor share over the last 15 one-minute candles (flow_window
 * 15 min) from taker-buy sums, the CVD trend 2 × Σ(2 × taker - volume) / Σ volume over
 * the last max (15, volume_average = 20) candles, and a CVD divergence (lookback: half
 * that trend window, 10 candles) on one of the last divergence_lookback = 3 candles:
 * value = 0.45 × clamp (2 × aggression) + 0.3 × trend + 0.25 × divergence.  The reason
 * is the divergence when it agrees with the value, else the aggressor share
 * max (buy, sell) / (buy + sell) × 100 over 15 minutes. */
static void
test_order_flow_taker (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("FILUSDT_1m_first400.csv");
  g_autoptr(PerpCandles) no_taker = load_candles ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autofree double *cvd = NULL;
  const double *taker = perp_candles_get_taker_buy_volume (candles);
  const double *volume = perp_candles_get_volume (candles);
  const double *close = perp_candles_get_close (candles);
  guint n = perp_candles_get_length (candles);
  guint reasons[PERP_N_REASONS] = { 0 };
  guint sides[2] = { 0, 0 };
  double sum = 0.0;
  PerpScoreParams params;
  Checker c;

  g_assert_true (perp_candles_get_fields (candles) & PERP_CANDLE_FIELD_TAKER_BUY_VOLUME);
  default_params (&params);
  g_assert_cmpint (params.flow_window_ms, ==, 15 * PERP_MS_PER_MINUTE);
  cvd = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      sum += 2.0 * taker[i] - volume[i];
      cvd[i] = sum;
    }

  analysis = new_analysis ("FILUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  checker_init (&c, "order flow from taker-buy volume");
  for (guint i = 0; i < n; i++)
    {
      const PerpFactorScore *f;
      PerpScore score;
      double buy = 0.0, sell = 0.0, delta = 0.0, total = 0.0;
      double aggression, trend = 0.0, divergence = 0.0, expected;

      push_candle (analysis, candles, i);
      score_analysis (analysis, &score);
      f = &score.factors[PERP_FACTOR_ORDER_FLOW];

      for (guint k = i + 1 > 15 ? i + 1 - 15 : 0; k <= i; k++)
        {
          buy += taker[k];
          sell += volume[k] - taker[k];
        }
      for (guint k = i + 1 > 20 ? i + 1 - 20 : 0; k <= i; k++)
        {
          delta += 2.0 * taker[k] - volume[k];
          total += volume[k];
        }
      if (total > 0.0)
        trend = clampd (2.0 * delta / total, -1.0, 1.0);
      for (guint k = 0; k < 3 && k <= i && divergence == 0.0; k++)
        divergence = divergence_at (close, cvd, i - k, 10);
      aggression = (buy - sell) / (buy + sell);
      expected = clampd (W_FLOW_AGG * clampd (2.0 * aggression, -1.0, 1.0) + W_FLOW_TREND * trend
                         + W_FLOW_DIV * divergence, -1.0, 1.0);

      checker_expect (&c, f->state == PERP_DATA_FRESH, "candle %u: state %s", i, perp_data_state_name (f->state));
      checker_expect (&c, close_to (expected, f->value, 1e-9),
                      "candle %u: value %.12f, from the taker-buy column %.12f (aggression %g, trend %g, divergence %g)",
                      i, f->value, expected, aggression, trend, divergence);
      if (divergence != 0.0 && signd (divergence) == signd (expected))
        {
          const double args[] = { 3.0 };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_FLOW_DIVERGENCE, (int) divergence, 1, args, 0.0),
                          "candle %u: reason %s, expected a %s divergence", i, reason_name (&f->reason),
                          divergence > 0 ? "bullish" : "bearish");
        }
      else if (signd (aggression) == signd (expected) || trend == 0.0)
        {
          const double args[] = { MAX (buy, sell) / (buy + sell) * 100.0, 15.0 };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_FLOW_AGGRESSION, aggression >= 0 ? 1 : -1, 2, args, 1e-9),
                          "candle %u: reason %s side %d (%g %%), expected aggression %g %%", i, reason_name (&f->reason),
                          f->reason.side, f->reason.args[0], args[0]);
          sides[aggression >= 0 ? 0 : 1]++;
        }
      else
        {
          /* Aggression against the value: the CVD trend over the 20 candles carries it. */
          const double args[] = { fabs (trend) * 50.0, 20.0 };

          checker_expect (&c, reason_is (&f->reason, PERP_REASON_FLOW_CVD_TREND, trend > 0 ? 1 : -1, 2, args, 1e-9),
                          "candle %u: reason %s side %d (%g %%), expected the CVD trend %g %%", i,
                          reason_name (&f->reason), f->reason.side, f->reason.args[0], args[0]);
        }
      reasons[f->reason.id]++;
      if (i == n - 1)
        {
          g_autofree char *text = factor_text (&score, PERP_FACTOR_ORDER_FLOW);

          g_test_message ("last candle: %s", text);
        }
    }
  checker_finish (&c);
  g_test_message ("order flow reasons: %u buying, %u selling, %u divergence", sides[0], sides[1],
                  reasons[PERP_REASON_FLOW_DIVERGENCE]);
  g_assert_cmpuint (sides[0], >, 0);
  g_assert_cmpuint (sides[1], >, 0);
  g_assert_cmpuint (reasons[PERP_REASON_FLOW_DIVERGENCE], >, 0);

  /* Without taker-buy volume and without trades there is no order flow. */
  {
    g_autoptr(PerpAnalysis) plain = new_analysis ("ETHUSDT", no_taker, PERP_ANALYSIS_HTF_NONE, &params);
    g_autofree char *text = NULL;
    PerpScore score;

    for (guint i = 0; i < 100; i++)
      push_candle (plain, no_taker, i);
    score_analysis (plain, &score);
    g_assert_cmpint (score.factors[PERP_FACTOR_ORDER_FLOW].state, ==, PERP_DATA_MISSING);
    g_assert_cmpfloat (score.factors[PERP_FACTOR_ORDER_FLOW].contribution, ==, 0.0);
    text = factor_text (&score, PERP_FACTOR_ORDER_FLOW);
    g_assert_cmpstr (text, ==, "Order flow: no data");
  }
}

/* ------------------------------------------------ order book and trades (ticks) */

typedef struct
{
  char       *path;
  TestRaw     raw;
  TestReplay  replay;
} Ticks;

static void
ticks_load (Ticks      *ticks,
            const char *name)
{
  const char *paths[2] = { NULL, NULL };

  ticks->path = perp_test_fixture_path (name);
  paths[0] = ticks->path;
  test_raw_scan (paths, &ticks->raw);
  test_replay_init (&ticks->replay);
  test_replay_run (&ticks->replay, &ticks->raw, paths, PERP_TICK_READER_FLAGS_NONE);
}

static void
ticks_clear (Ticks *ticks)
{
  test_replay_clear (&ticks->replay);
  test_raw_clear (&ticks->raw);
  g_clear_pointer (&ticks->path, g_free);
}

/* The signal candles, made from the trade flow's closed 1-minute bars: the bar's first,
 * highest, lowest and last trade price, its taker volume as volume and its taker-buy
 * volume.  (The capture is a second long: one candle.) */
static PerpCandles *
candles_from_flow (const PerpTradeFlow *flow)
{
  PerpCandles *candles = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_TAKER_BUY_VOLUME);

  for (guint b = 0; b < perp_trade_flow_get_n_bars (flow); b++)
    {
      const PerpFlowBar *bar = perp_trade_flow_get_bar (flow, b);
      PerpCandle candle;

      perp_candle_init (&candle, bar->open_time, bar->open, bar->high, bar->low, bar->close,
                        bar->buy_volume + bar->sell_volume);
      candle.taker_buy_volume = bar->buy_volume;
      g_assert_true (perp_candles_append (candles, &candle, NULL));
    }
  return candles;
}

static void
inputs_for_ticks (PerpScoreInputs       *inputs,
                  const PerpCandles     *candles,
                  gint64                 now,
                  const PerpBookMetrics *book,
                  PerpTradeFlow         *flow)
{
  memset (inputs, 0, sizeof *inputs);
  inputs->symbol = "BTCUSDT";
  inputs->now = now;
  inputs->candles = candles;
  inputs->volume_average = NAN;
  inputs->book = book;
  inputs->flow = flow;
  inputs->funding_rate = NAN;
  inputs->funding_time = -1;
}

/* The USDT-M BTCUSDT capture replayed into a book and a trade flow, scored at the close
 * of its (only) one-minute bar:
 *
 * - book: the band imbalance recomputed here from the book's levels within 0.5 % of mid
 *   (score.book_band 1) must be the metrics' own; value = 0.7 × NOBI + 0.3 × walls,
 *   walls = (Σ bid notional/distance - Σ ask notional/distance) / their sum (distance
 *   floored at 1e-6, for a wall at the touch); the reason
 *   is the wall when 0.3 × walls outweighs 0.7 × NOBI, else the imbalance as the
 *   heavier side's share (1 + |NOBI|) / 2;
 * - its age at the bar close is ~43 s: stale (10 s); moved to 5 s: fresh; 20 s: stale;
 *   3 min: missing; after now: refused;
 * - a crossed book (the crossed fixture) is missing with the "book_unhealthy" reason;
 * - flow: the raw trade lines summed by the test give buy and sell volume; the capture
 *   starts the flow, so CVD over the bar is buy - sell and the trend is 2 × that over
 *   the volume; no large trades (fewer than min_average_trades = 50 trades) and no
 *   divergence (one bar), so value = 0.45 × clamp (2 × aggression) + 0.3 × trend. */
static void
test_book_and_flow_ticks (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  PerpFlowBar forming;
  PerpBookMetrics metrics;
  PerpBookMetrics moved;
  PerpPriceLevel best_bid, best_ask, level;
  PerpScoreParams params;
  PerpScoreInputs inputs;
  PerpScore score;
  const PerpFactorScore *book_f = &score.factors[PERP_FACTOR_ORDER_BOOK];
  const PerpFactorScore *flow_f = &score.factors[PERP_FACTOR_ORDER_FLOW];
  Ticks ticks = { 0 };
  double mid, bid_qty = 0.0, ask_qty = 0.0, nobi, bid_pull = 0.0, ask_pull = 0.0, walls = 0.0;
  double buy, sell, aggression, trend, expected;
  gint64 now;

  default_params (&params);
  ticks_load (&ticks, "ticks_usdm_BTCUSDT_head.jsonl");
  g_assert_cmpuint (ticks.replay.n_mismatches, ==, 0);
  g_assert_cmpint (perp_order_book_get_state (ticks.replay.book), ==, PERP_BOOK_STATE_LIVE);

  /* Close the bar the trades fell in; it becomes the one candle. */
  g_assert_true (perp_trade_flow_get_forming (ticks.replay.flow, &forming));
  now = forming.open_time + PERP_MS_PER_MINUTE;
  perp_trade_flow_advance (ticks.replay.flow, now);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (ticks.replay.flow), ==, 1);
  candles = candles_from_flow (ticks.replay.flow);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 1);

  /* The book's band imbalance, summed here from its levels. */
  g_assert_true (perp_book_metrics_compute (ticks.replay.book, NULL, perp_order_book_get_event_time (ticks.replay.book),
                                            0, &metrics));
  g_assert_cmpint (metrics.health, ==, PERP_BOOK_HEALTH_OK);
  g_assert_true (perp_order_book_get_best (ticks.replay.book, PERP_BOOK_BID, &best_bid));
  g_assert_true (perp_order_book_get_best (ticks.replay.book, PERP_BOOK_ASK, &best_ask));
  mid = (perp_price_key_to_double (best_bid.price_key) + perp_price_key_to_double (best_ask.price_key)) / 2.0;
  for (guint i = 0; perp_order_book_get_level (ticks.replay.book, PERP_BOOK_BID, i, &level); i++)
    if (mid - perp_price_key_to_double (level.price_key) <= 0.005 * mid)
      bid_qty += level.qty;
  for (guint i = 0; perp_order_book_get_level (ticks.replay.book, PERP_BOOK_ASK, i, &level); i++)
    if (perp_price_key_to_double (level.price_key) - mid <= 0.005 * mid)
      ask_qty += level.qty;
  nobi = (bid_qty - ask_qty) / (bid_qty + ask_qty);
  g_assert_cmpuint (params.book_band, ==, 1);
  g_assert_cmpfloat (metrics.bands[1].fraction, ==, 0.005);
  g_assert_cmpfloat (fabs (metrics.bands[1].nobi - nobi), <, 1e-12);
  for (guint w = 0; w < metrics.n_walls; w++)
    {
      /* A wall at the touch is ~0 away: the scorer floors the distance at 1e-6. */
      double pull = metrics.walls[w].notional / MAX (metrics.walls[w].distance, 1e-6);

      if (metrics.walls[w].side == PERP_BOOK_BID)
        bid_pull += pull;
      else
        ask_pull += pull;
    }
  if (bid_pull + ask_pull > 0.0)
    walls = (bid_pull - ask_pull) / (bid_pull + ask_pull);
  expected = clampd (W_BOOK_NOBI * nobi + W_BOOK_WALLS * walls, -1.0, 1.0);
  g_test_message ("book at %" G_GINT64_FORMAT ": NOBI(0.5 %%) %.4f, %u walls, walls term %.4f",
                  metrics.event_time, nobi, metrics.n_walls, walls);

  inputs_for_ticks (&inputs, candles, now, &metrics, ticks.replay.flow);
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->age_ms, ==, now - metrics.event_time);
  g_assert_cmpint (book_f->age_ms, >, 10000);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_STALE);
  g_assert_cmpfloat (fabs (book_f->value - expected), <, 1e-12);
  /* Stale counts at stale_trust. */
  g_assert_cmpfloat (fabs (book_f->contribution - book_f->weight * params.stale_trust * book_f->value), <, 1e-15);
  if (fabs (W_BOOK_WALLS * walls) > fabs (W_BOOK_NOBI * nobi))
    g_assert_cmpint (book_f->reason.id, ==, PERP_REASON_BOOK_WALL);
  else
    {
      const double args[] = { (1.0 + fabs (nobi)) / 2.0 * 100.0, 0.5 };

      g_assert_true (reason_is (&book_f->reason, PERP_REASON_BOOK_IMBALANCE, nobi >= 0 ? 1 : -1, 2, args, 1e-12));
    }

  /* The trades, against the raw lines. */
  buy = ticks.raw.buy_volume;
  sell = ticks.raw.sell_volume;
  g_assert_cmpfloat (fabs (perp_trade_flow_get_bar (ticks.replay.flow, 0)->buy_volume - buy), <, 1e-9);
  g_assert_cmpfloat (fabs (perp_trade_flow_get_bar (ticks.replay.flow, 0)->sell_volume - sell), <, 1e-9);
  g_assert_cmpuint (ticks.raw.n_trades, <, 50);
  aggression = (buy - sell) / (buy + sell);
  trend = clampd (2.0 * ticks.raw.cvd / (buy + sell), -1.0, 1.0);
  g_assert_cmpint (flow_f->state, ==, PERP_DATA_FRESH);
  g_assert_cmpfloat (fabs (flow_f->value - (W_FLOW_AGG * clampd (2.0 * aggression, -1, 1) + W_FLOW_TREND * trend)), <, 1e-9);
  {
    const double args[] = { MAX (buy, sell) / (buy + sell) * 100.0, 15.0 };

    g_assert_true (reason_is (&flow_f->reason, PERP_REASON_FLOW_AGGRESSION, aggression >= 0 ? 1 : -1, 2, args, 1e-9));
  }

  /* The book's age decides its state. */
  moved = metrics;
  moved.event_time = now - 5000;
  inputs.book = &moved;
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_FRESH);
  g_assert_cmpfloat (fabs (book_f->contribution - book_f->weight * book_f->value), <, 1e-15);
  moved.event_time = now - 20000;
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_STALE);
  g_assert_cmpint (book_f->age_ms, ==, 20000);
  moved.event_time = now - 3 * PERP_MS_PER_MINUTE;
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_MISSING);
  g_assert_cmpfloat (book_f->contribution, ==, 0.0);
  g_assert_cmpint (book_f->reason.id, ==, PERP_REASON_MISSING);
  {
    g_autofree char *text = factor_text (&score, PERP_FACTOR_ORDER_BOOK);

    g_assert_cmpstr (text, ==, "Order book: no data");
  }
  inputs.book = NULL;
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_MISSING);
  moved.event_time = now + 1;
  inputs.book = &moved;
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (perp_score_compute (&params, &inputs, &score, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
  }

  /* Trades after now (a constructed trade a minute later, closing a second bar) change
   * nothing about the score at now. */
  {
    PerpScore before, after;
    PerpTrade late = { 0 };

    inputs.book = &metrics;
    compute (&params, &inputs, &before);
    late.event_time = late.trade_time = now + 1000;
    late.id = G_MAXUINT32;
    late.price = perp_candles_get_close (candles)[0] + 50.0;
    late.price_key = (gint64) llround (late.price * 1e8);
    late.qty = 25.0;
    late.buyer_is_maker = FALSE;
    perp_trade_flow_add (ticks.replay.flow, &late);
    perp_trade_flow_advance (ticks.replay.flow, now + PERP_MS_PER_MINUTE);
    g_assert_cmpuint (perp_trade_flow_get_n_bars (ticks.replay.flow), ==, 2);
    compute (&params, &inputs, &after);
    g_assert_cmpfloat (after.factors[PERP_FACTOR_ORDER_FLOW].value, ==, before.factors[PERP_FACTOR_ORDER_FLOW].value);
    g_assert_true (memcmp (&after, &before, sizeof before) == 0);
  }
  ticks_clear (&ticks);

  /* A crossed book is not usable, and the score says why. */
  ticks_load (&ticks, "ticks_usdm_BTCUSDT_crossed.jsonl");
  g_assert_true (perp_order_book_check (ticks.replay.book, 0, 0) & PERP_BOOK_HEALTH_CROSSED);
  g_assert_false (perp_book_metrics_compute (ticks.replay.book, NULL, perp_order_book_get_event_time (ticks.replay.book),
                                             0, &metrics));
  g_assert_true (metrics.health & PERP_BOOK_HEALTH_CROSSED);
  inputs_for_ticks (&inputs, candles, now, &metrics, NULL);
  compute (&params, &inputs, &score);
  g_assert_cmpint (book_f->state, ==, PERP_DATA_MISSING);
  g_assert_cmpfloat (book_f->value, ==, 0.0);
  g_assert_cmpint (book_f->reason.id, ==, PERP_REASON_BOOK_UNHEALTHY);
  g_assert_cmpstr (perp_reason_id_name (book_f->reason.id), ==, "book_unhealthy");
  {
    g_autofree char *text = factor_text (&score, PERP_FACTOR_ORDER_BOOK);

    g_assert_cmpstr (text, ==, "Order book not usable: bid and ask crossed");
  }
  /* Without the flow, the candle's taker-buy volume (made from it) stands in. */
  g_assert_cmpint (flow_f->state, ==, PERP_DATA_FRESH);
  ticks_clear (&ticks);
}

/* ----------------------------------------------------------- open interest */

typedef struct
{
  double oi_pct;
  double price_pct;
} OiStep;

/* Open interest constructed for real candles (no OI recording is in ../shared): one
 * sample at every candle's close, at that close's price, the OI moving in runs of three
 * steps up and three down by 0.15-0.6 % (2.5 % every 7th step, beyond full strength),
 * so that with the real price moves all four regimes occur. */
static PerpOiSeries *
constructed_oi (const PerpCandles *candles,
                gint64             shift_ms,
                guint              n)
{
  PerpOiSeries *oi = perp_oi_series_new ();
  gint64 interval_ms = perp_interval_to_ms (perp_candles_get_interval (candles));
  double value = 1e5;

  for (guint i = 0; i < n; i++)
    {
      double close = perp_candles_get_close (candles)[i];
      double step = i % 7 == 0 ? 0.025 : 0.0015 * (1 + i % 4);

      if (i > 0)
        value *= 1.0 + ((i / 3) % 2 == 0 ? step : -step);
      g_assert_true (perp_oi_series_append (oi, perp_candles_get_open_time (candles)[i] + interval_ms + shift_ms,
                                            value, value * close, close, NULL));
    }
  return oi;
}

/* ETHUSDT 1h with the constructed OI: at each candle the change over the last hour
 * (sample at now against the last one at or before now - 1 h) is classified here with
 * the dead-bands of perp_oi_params_init_default (OI 0.1 %, price 0.05 %): OI up with
 * price up is new longs (+1), OI down with price up short covering (+0.5), OI up with
 * price down new shorts (-1), both down long liquidation (-0.5); × min (|ΔOI %| / 2, 1)
 * × the volume confirmation clamp (volume / (1.5 × its 20-candle mean), 0.5, 1). */
static void
test_open_interest (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpOiSeries) oi = NULL;
  g_autoptr(PerpAnalysis) analysis = NULL;
  const double *volume = perp_candles_get_volume (candles);
  guint n = perp_candles_get_length (candles);
  guint regimes[6] = { 0 };
  PerpScoreParams params;
  Checker c;

  default_params (&params);
  g_assert_cmpint (params.oi_window_ms, ==, PERP_MS_PER_HOUR);
  oi = constructed_oi (candles, 0, n);
  analysis = new_analysis ("ETHUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  /* The whole series, future samples included: the scorer reads none after now. */
  perp_analysis_set_open_interest (analysis, oi);
  checker_init (&c, "open interest");

  for (guint i = 0; i < n; i++)
    {
      const PerpFactorScore *f;
      PerpScore score;
      const double *oi_v = perp_oi_series_get_open_interest (oi);
      const double *oi_p = perp_oi_series_get_price (oi);
      double oi_pct, price_pct, direction = 0.0, confirm = 1.0, expected;
      PerpOiRegime regime;

      push_candle (analysis, candles, i);
      score_analysis (analysis, &score);
      f = &score.factors[PERP_FACTOR_OPEN_INTEREST];
      if (i == 0)
        {
          checker_expect (&c, f->state == PERP_DATA_MISSING, "candle 0: no hour of OI history, state %s",
                          perp_data_state_name (f->state));
          continue;
        }
      oi_pct = 100.0 * (oi_v[i] - oi_v[i - 1]) / oi_v[i - 1];
      price_pct = 100.0 * (oi_p[i] - oi_p[i - 1]) / oi_p[i - 1];
      g_assert_cmpfloat (fabs (fabs (price_pct) - 0.05), >, 1e-9);
      if (fabs (oi_pct) <= 0.1 || fabs (price_pct) <= 0.05)
        regime = PERP_OI_REGIME_NEUTRAL;
      else if (oi_pct > 0)
        regime = price_pct > 0 ? PERP_OI_REGIME_NEW_LONGS : PERP_OI_REGIME_NEW_SHORTS;
      else
        regime = price_pct > 0 ? PERP_OI_REGIME_SHORT_COVERING : PERP_OI_REGIME_LONG_LIQUIDATION;
      if (regime == PERP_OI_REGIME_NEW_LONGS)
        direction = 1.0;
      else if (regime == PERP_OI_REGIME_SHORT_COVERING)
        direction = 0.5;
      else if (regime == PERP_OI_REGIME_NEW_SHORTS)
        direction = -1.0;
      else if (regime == PERP_OI_REGIME_LONG_LIQUIDATION)
        direction = -0.5;
      if (i >= 21)
        {
          double average = 0.0;

          for (guint k = i - 20; k < i; k++)
            average += volume[k];
          average /= 20.0;
          confirm = clampd (volume[i] / average / 1.5, 0.5, 1.0);
        }
      expected = direction * MIN (fabs (oi_pct) / 2.0, 1.0) * confirm;
      regimes[regime]++;

      checker_expect (&c, f->state == PERP_DATA_FRESH && f->age_ms == 0, "candle %u: state %s", i,
                      perp_data_state_name (f->state));
      checker_expect (&c, close_to (expected, f->value, 1e-12),
                      "candle %u: value %g, expected %g (%s, OI %+.3f %%, price %+.3f %%)", i, f->value, expected,
                      perp_oi_regime_to_string (regime), oi_pct, price_pct);
      {
        const double args[] = { oi_pct, price_pct, 60.0 };

        /* How the sentence names each regime. */
        static const char *const words[] = {
          [PERP_OI_REGIME_UNKNOWN] = "not enough history",
          [PERP_OI_REGIME_NEUTRAL] = "no clear positioning",
          [PERP_OI_REGIME_NEW_LONGS] = "new longs",
          [PERP_OI_REGIME_NEW_SHORTS] = "new shorts",
          [PERP_OI_REGIME_LONG_LIQUIDATION] = "longs closing",
          [PERP_OI_REGIME_SHORT_COVERING] = "shorts covering",
        };
        g_autofree char *text = factor_text (&score, PERP_FACTOR_OPEN_INTEREST);

        checker_expect (&c, reason_is (&f->reason, PERP_REASON_OI_REGIME, (int) signd (direction), 3, args, 1e-9)
                            && g_strcmp0 (f->reason.text, perp_oi_regime_to_string (regime)) == 0,
                        "candle %u: reason %s \"%s\"", i, reason_name (&f->reason), f->reason.text);
        checker_expect (&c, g_str_has_suffix (text, words[regime]), "candle %u: \"%s\" should end \"%s\"",
                        i, text, words[regime]);
      }
    }
  checker_finish (&c);
  g_test_message ("OI regimes: %u new longs, %u new shorts, %u long liquidation, %u short covering, %u neutral",
                  regimes[PERP_OI_REGIME_NEW_LONGS], regimes[PERP_OI_REGIME_NEW_SHORTS],
                  regimes[PERP_OI_REGIME_LONG_LIQUIDATION], regimes[PERP_OI_REGIME_SHORT_COVERING],
                  regimes[PERP_OI_REGIME_NEUTRAL]);
  g_assert_cmpuint (regimes[PERP_OI_REGIME_NEW_LONGS], >, 0);
  g_assert_cmpuint (regimes[PERP_OI_REGIME_NEW_SHORTS], >, 0);
  g_assert_cmpuint (regimes[PERP_OI_REGIME_LONG_LIQUIDATION], >, 0);
  g_assert_cmpuint (regimes[PERP_OI_REGIME_SHORT_COVERING], >, 0);
  {
    g_autofree char *text = NULL;
    PerpScore score;

    score_analysis (analysis, &score);
    text = factor_text (&score, PERP_FACTOR_OPEN_INTEREST);
    g_test_message ("last candle: %s", text);
    g_assert_nonnull (strstr (text, "over 60 minutes"));
  }
}

/* The OI's age: samples stop at candle 300; at 1 h and exactly 2 h (missing_after) old
 * they are stale, at 3 h missing.  A poll exactly 15 min (stale_after) before the close
 * is fresh, 1 ms earlier stale.  No series at all: missing. */
static void
test_open_interest_age (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpOiSeries) stop = constructed_oi (candles, 0, 301);
  g_autoptr(PerpOiSeries) early = constructed_oi (candles, -15 * PERP_MS_PER_MINUTE, 400);
  g_autoptr(PerpOiSeries) earlier = constructed_oi (candles, -15 * PERP_MS_PER_MINUTE - 1, 400);
  g_autoptr(PerpAnalysis) analysis = NULL;
  PerpScoreParams params;
  PerpScoreInputs inputs;
  PerpScore score;
  const PerpFactorScore *f = &score.factors[PERP_FACTOR_OPEN_INTEREST];

  default_params (&params);
  analysis = new_analysis ("ETHUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  for (guint i = 0; i <= 300; i++)
    push_candle (analysis, candles, i);

  perp_analysis_get_inputs (analysis, &inputs);
  g_assert_null (inputs.oi);
  compute (&params, &inputs, &score);
  g_assert_cmpint (f->state, ==, PERP_DATA_MISSING);
  g_assert_cmpint (f->reason.id, ==, PERP_REASON_MISSING);

  inputs.oi = early;
  compute (&params, &inputs, &score);
  g_assert_cmpint (f->state, ==, PERP_DATA_FRESH);
  g_assert_cmpint (f->age_ms, ==, 15 * PERP_MS_PER_MINUTE);
  inputs.oi = earlier;
  compute (&params, &inputs, &score);
  g_assert_cmpint (f->state, ==, PERP_DATA_STALE);
  g_assert_cmpfloat (fabs (f->contribution - f->weight * params.stale_trust * f->value), <, 1e-15);

  perp_analysis_set_open_interest (analysis, stop);
  score_analysis (analysis, &score);
  g_assert_cmpint (f->state, ==, PERP_DATA_FRESH);
  for (guint hours = 1; hours <= 3; hours++)
    {
      push_candle (analysis, candles, 300 + hours);
      score_analysis (analysis, &score);
      g_assert_cmpint (f->state, ==, hours <= 2 ? PERP_DATA_STALE : PERP_DATA_MISSING);
      if (hours <= 2)
        g_assert_cmpint (f->age_ms, ==, hours * PERP_MS_PER_HOUR);
      else
        g_assert_cmpfloat (f->contribution, ==, 0.0);
    }
}

/* ------------------------------------------------------------------ funding */

/* BTCUSDT's first 50 settlements of 2023 (tests/fixtures) pushed as they settle, with
 * ETHUSDT 1h candles of the same weeks giving "now" (the factor reads only the rate
 * and its time), then two constructed settlements, +0.2 % and -0.2 % (beyond the
 * crowded-rate thresholds, ±0.05 %), then nothing for 8 days.  Expected at each candle
 * from perp_funding_batch() over the settlements so far: crowded longs read contrarian
 * short, -clamp (|z| / 3, 0.5, 1); crowded shorts the mirror; otherwise -0.3 × clamp (z / 3);
 * fresh up to 9 h after the settlement, stale to 25 h, then missing. */
static void
test_funding (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("ETHUSDT_1h_first600.csv");
  g_autofree char *path = perp_test_fixture_path ("BTCUSDT_funding_first50.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, &error);
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autofree gint64 *times = NULL;
  g_autofree double *rates = NULL;
  g_autofree PerpFundingValue *values = NULL;
  guint n_rates;
  guint next = 0;
  guint states[3] = { 0, 0, 0 };
  guint readings[4] = { 0, 0, 0, 0 };
  guint n_short = 0;
  PerpFundingParams funding_params;
  PerpScoreParams params;
  Checker c;

  g_assert_no_error (error);
  g_assert_cmpuint (series->length, ==, 50);
  n_rates = series->length + 2;
  times = g_new (gint64, n_rates);
  rates = g_new (double, n_rates);
  memcpy (times, series->time, series->length * sizeof (gint64));
  memcpy (rates, series->value, series->length * sizeof (double));
  times[50] = times[49] + 8 * PERP_MS_PER_HOUR;
  rates[50] = 0.002;
  times[51] = times[50] + 8 * PERP_MS_PER_HOUR;
  rates[51] = -0.002;
  values = g_new (PerpFundingValue, n_rates);
  perp_funding_params_init_default (&funding_params);
  perp_funding_batch (rates, n_rates, &funding_params, values);

  default_params (&params);
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  checker_init (&c, "funding");
  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      const PerpFactorScore *f;
      PerpScore score;
      gint64 now = perp_candles_get_open_time (candles)[i] + PERP_MS_PER_HOUR;
      const PerpFundingValue *v;
      gint64 age;
      PerpDataState state;

      push_candle (analysis, candles, i);
      while (next < n_rates && times[next] <= now)
        {
          g_assert_true (perp_analysis_push_funding (analysis, times[next], rates[next], &error));
          g_assert_no_error (error);
          next++;
        }
      score_analysis (analysis, &score);
      f = &score.factors[PERP_FACTOR_FUNDING];
      if (next == 0)
        {
          checker_expect (&c, f->state == PERP_DATA_MISSING, "candle %u: no settlement yet", i);
          continue;
        }
      v = &values[next - 1];
      age = now - times[next - 1];
      state = age > 25 * PERP_MS_PER_HOUR ? PERP_DATA_MISSING
              : age > 9 * PERP_MS_PER_HOUR ? PERP_DATA_STALE : PERP_DATA_FRESH;
      states[state]++;
      checker_expect (&c, f->state == state, "candle %u: %" G_GINT64_FORMAT " ms after the settlement, state %s",
                      i, age, perp_data_state_name (f->state));
      if (state == PERP_DATA_MISSING)
        {
          checker_expect (&c, f->value == 0.0 && f->contribution == 0.0 && f->reason.id == PERP_REASON_MISSING,
                          "candle %u: missing funding still counts", i);
          continue;
        }
      checker_expect (&c, f->age_ms == age, "candle %u: age %" G_GINT64_FORMAT, i, f->age_ms);
      readings[v->reading]++;
      {
        double z = isfinite (v->zscore) ? v->zscore : 0.0;
        const double args[] = { rates[next - 1] * 100.0, z };

        if (v->reading == PERP_FUNDING_READING_CROWDED_LONGS || v->reading == PERP_FUNDING_READING_CROWDED_SHORTS)
          {
            double base = v->reading == PERP_FUNDING_READING_CROWDED_LONGS ? -1.0 : 1.0;

            checker_expect (&c, close_to (base * clampd (fabs (z) / 3.0, 0.5, 1.0), f->value, 1e-12),
                            "candle %u: crowded (%s) but value %g", i, perp_funding_reading_to_string (v->reading),
                            f->value);
            checker_expect (&c, reason_is (&f->reason, PERP_REASON_FUNDING_CROWDED, (int) base, 2, args, 1e-12),
                            "candle %u: reason %s side %d", i, reason_name (&f->reason), f->reason.side);
          }
        else if (!isfinite (v->zscore))
          {
            /* Too few settlements for a z-score: no reading, and the reason says why. */
            const double short_args[] = { rates[next - 1] * 100.0, (double) v->n_history };

            n_short++;
            checker_expect (&c, f->value == 0.0
                                && reason_is (&f->reason, PERP_REASON_FUNDING_SHORT_HISTORY, 0, 2, short_args, 1e-12),
                            "candle %u: %u settlements, value %g, reason %s", i, v->n_history, f->value,
                            reason_name (&f->reason));
          }
        else
          {
            checker_expect (&c, close_to (-0.3 * clampd (z / 3.0, -1.0, 1.0), f->value, 1e-12),
                            "candle %u: value %g for z %g", i, f->value, z);
            checker_expect (&c, reason_is (&f->reason, PERP_REASON_FUNDING_NORMAL, 0, 2, args, 1e-12),
                            "candle %u: reason %s", i, reason_name (&f->reason));
          }
      }
    }
  checker_finish (&c);
  g_test_message ("funding: %u fresh, %u stale, %u missing; readings %u unknown, %u normal, %u crowded longs, %u crowded shorts",
                  states[0], states[1], states[2], readings[0], readings[1], readings[2], readings[3]);
  g_assert_cmpuint (next, ==, n_rates);
  g_assert_cmpuint (states[PERP_DATA_STALE], >, 0);
  /* The fixture's first settlements come before a z-score is possible. */
  g_assert_cmpuint (n_short, >, 0);
  g_assert_cmpuint (states[PERP_DATA_MISSING], >, 0);
  g_assert_cmpuint (readings[PERP_FUNDING_READING_NORMAL], >, 0);
  g_assert_cmpuint (readings[PERP_FUNDING_READING_CROWDED_LONGS], >, 0);
  g_assert_cmpuint (readings[PERP_FUNDING_READING_CROWDED_SHORTS], >, 0);

  /* Crowded by the rate alone: weeks of +0.06 % (above crowded_long_rate) leave a z of
   * ~0, and the contrarian reading keeps its floor of half strength. */
  {
    g_autoptr(PerpAnalysis) crowded = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
    gint64 first = perp_candles_get_open_time (candles)[0];
    PerpScore score;

    for (guint k = 0; k < 40; k++)
      {
        g_assert_true (perp_analysis_push_funding (crowded, first - (gint64) (40 - k) * 8 * PERP_MS_PER_HOUR,
                                                   0.0006, &error));
        g_assert_no_error (error);
      }
    push_candle (crowded, candles, 0);
    score_analysis (crowded, &score);
    g_assert_cmpint (score.factors[PERP_FACTOR_FUNDING].reason.id, ==, PERP_REASON_FUNDING_CROWDED);
    g_assert_cmpint (score.factors[PERP_FACTOR_FUNDING].reason.side, ==, -1);
    g_assert_cmpfloat (fabs (score.factors[PERP_FACTOR_FUNDING].reason.args[1]), <, 1.5);
    g_assert_cmpfloat (score.factors[PERP_FACTOR_FUNDING].value, ==, -0.5);
  }

  /* A settlement after now (a predicted rate stamped with its settlement time) is no
   * reading at now. */
  {
    g_autoptr(PerpAnalysis) early = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
    PerpScoreInputs inputs;
    PerpScore score;

    for (guint i = 0; i < 10; i++)
      push_candle (early, candles, i);
    g_assert_true (perp_analysis_push_funding (early, perp_analysis_get_now (early) + 1, 0.0001, &error));
    g_assert_no_error (error);
    score_analysis (early, &score);
    g_assert_cmpint (score.factors[PERP_FACTOR_FUNDING].state, ==, PERP_DATA_MISSING);
    g_assert_cmpfloat (score.factors[PERP_FACTOR_FUNDING].contribution, ==, 0.0);
    perp_analysis_get_inputs (early, &inputs);
    inputs.funding_time = inputs.now;
    compute (&params, &inputs, &score);
    g_assert_cmpint (score.factors[PERP_FACTOR_FUNDING].state, ==, PERP_DATA_FRESH);
    /* Not a number, or not after the previous settlement: refused, nothing changed. */
    g_assert_false (perp_analysis_push_funding (early, perp_analysis_get_now (early) + 1, 0.0002, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
    g_clear_error (&error);
    g_assert_false (perp_analysis_push_funding (early, perp_analysis_get_now (early) + 2, NAN, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
    g_clear_error (&error);
  }
}

/* ------------------------------------------------------------- liquidations */

/* BTCUSDT 5m with a liquidation map fed the same candles and constructed OI increases
 * (20-100 BTC a candle; no OI recording is in ../shared), scored at every candle.  The
 * expected reading asks the map itself, with the query the scorer documents: dense =
 * 3 × the mean intensity within ±pool_max_distance of price, runs merged across 2
 * sparse buckets, clusters starting within pool_max_distance.  Value =
 * (I_above / d_above - I_below / d_below) / (sum): the side with more stops per unit of
 * distance; the reason names that side's cluster.  After candle 400 the map is no
 * longer fed: stale after 30 minutes, missing after 6 hours. */
static void
test_liquidations (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(GError) error = NULL;
  const guint fed_until = 400;
  guint reasons[PERP_N_REASONS] = { 0 };
  guint states[3] = { 0, 0, 0 };
  PerpLiqMapParams map_params;
  PerpScoreParams params;
  Checker c;

  default_params (&params);
  perp_liq_map_params_init_default (&map_params, perp_candles_get_close (candles)[0]);
  map = perp_liq_map_new (&map_params, MIN5, &error);
  g_assert_no_error (error);
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  perp_analysis_set_liquidation_map (analysis, map);
  checker_init (&c, "liquidations");

  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      g_autoptr(GError) score_error = NULL;
      const PerpFactorScore *f;
      PerpScore score;
      PerpCandle candle;
      gint64 now;
      gint64 age;
      double price, mean;
      PerpLiqClusterQuery query;
      PerpLiqCluster above, below;
      gboolean have_above, have_below;

      push_candle (analysis, candles, i);
      perp_candles_get_candle (candles, i, &candle);
      if (i < fed_until)
        {
          g_assert_true (perp_liq_map_add_candle (map, &candle, 20.0 * (1 + i % 5), NULL, &error));
          g_assert_no_error (error);
        }
      now = candle.open_time + MIN5;
      price = candle.close;
      if (!perp_analysis_score (analysis, &score, &score_error))
        {
          checker_expect (&c, FALSE, "candle %u: a map fed up to now was refused: %s", i, score_error->message);
          continue;
        }
      f = &score.factors[PERP_FACTOR_LIQUIDATIONS];
      age = now - perp_liq_map_get_time (map);
      g_assert_cmpint (age, ==, i < fed_until ? 0 : (gint64) (i - fed_until + 1) * MIN5);
      states[f->state]++;
      checker_expect (&c, f->state == (age > 6 * PERP_MS_PER_HOUR ? PERP_DATA_MISSING
                                       : age > 30 * PERP_MS_PER_MINUTE ? PERP_DATA_STALE : PERP_DATA_FRESH),
                      "candle %u: map %" G_GINT64_FORMAT " ms old, state %s", i, age, perp_data_state_name (f->state));
      if (f->state == PERP_DATA_MISSING)
        {
          checker_expect (&c, f->contribution == 0.0 && f->reason.id == PERP_REASON_MISSING,
                          "candle %u: missing map still counts", i);
          continue;
        }

      /* As of the map's own last candle (a stale map is not decayed further). */
      mean = perp_liq_map_mean_intensity (map, now - age, price * 0.97, price * 1.03, PERP_LIQ_SIDE_BOTH);
      query.threshold = 3.0 * mean;
      query.merge_gap = 2;
      query.max_distance = 0.03;
      query.sides = PERP_LIQ_SIDE_BOTH;
      have_above = mean > 0.0 && perp_liq_map_nearest_cluster (map, now - age, price, PERP_LIQ_ABOVE, &query, &above);
      have_below = mean > 0.0 && perp_liq_map_nearest_cluster (map, now - age, price, PERP_LIQ_BELOW, &query, &below);
      if (have_above || have_below)
        {
          double pa = have_above ? above.intensity / MAX (above.distance, 1e-6) : 0.0;
          double pb = have_below ? below.intensity / MAX (below.distance, 1e-6) : 0.0;
          const PerpLiqCluster *near = pa >= pb ? &above : &below;
          const double args[] = { near->price_lo, near->price_hi, near->distance * 100.0, near->intensity };

          checker_expect (&c, close_to ((pa - pb) / (pa + pb), f->value, 1e-12) && signd (f->value) == signd (pa - pb),
                          "candle %u: value %g, clusters above %g/%g below %g/%g", i, f->value,
                          have_above ? above.intensity : 0, have_above ? above.distance : 0,
                          have_below ? below.intensity : 0, have_below ? below.distance : 0);
          checker_expect (&c, reason_is (&f->reason, pa >= pb ? PERP_REASON_LIQ_CLUSTER_ABOVE : PERP_REASON_LIQ_CLUSTER_BELOW,
                                         pa >= pb ? 1 : -1, 4, args, 1e-12),
                          "candle %u: reason %s", i, reason_name (&f->reason));
        }
      else
        {
          const double args[] = { 3.0 };

          checker_expect (&c, f->value == 0.0 && reason_is (&f->reason, PERP_REASON_LIQ_NONE, 0, 1, args, 1e-12),
                          "candle %u: no cluster but %s", i, reason_name (&f->reason));
        }
      reasons[f->reason.id]++;
    }
  checker_finish (&c);
  g_test_message ("liquidations: %u above, %u below, %u none; %u fresh, %u stale, %u missing",
                  reasons[PERP_REASON_LIQ_CLUSTER_ABOVE], reasons[PERP_REASON_LIQ_CLUSTER_BELOW],
                  reasons[PERP_REASON_LIQ_NONE], states[0], states[1], states[2]);
  g_assert_cmpuint (reasons[PERP_REASON_LIQ_CLUSTER_ABOVE], >, 0);
  g_assert_cmpuint (reasons[PERP_REASON_LIQ_CLUSTER_BELOW], >, 0);
  g_assert_cmpuint (states[PERP_DATA_STALE], >, 0);
  g_assert_cmpuint (states[PERP_DATA_MISSING], >, 0);
}

/* ------------------------------------------------ a symbol with every source */

/* ETHUSDT 1h with every source the fixtures can give: the 4h higher timeframe resampled
 * inside the analysis, the constructed OI (all of it: the scorer must read none after
 * now), BTCUSDT's funding fixture pushed as it settles (+ the constructed extremes of
 * test_funding) and a liquidation map fed the same candles with the OI's per-candle
 * increases.  No book and no trades: those two are missing throughout. */
typedef struct
{
  PerpCandles     *candles;
  PerpAnalysis    *analysis;
  PerpOiSeries    *oi;
  PerpLiqMap      *map;
  double          *oi_deltas;
  PerpTimeSeries  *funding;
  guint            next_funding;
  guint            n;   /* candles pushed */
} FullRun;

static void
full_run_init (FullRun               *run,
               const PerpScoreParams *params)
{
  g_autofree char *path = perp_test_fixture_path ("BTCUSDT_funding_first50.csv");
  g_autoptr(GError) error = NULL;
  PerpLiqMapParams map_params;
  guint n;

  memset (run, 0, sizeof *run);
  run->candles = load_candles ("ETHUSDT_1h_first600.csv");
  n = perp_candles_get_length (run->candles);
  run->analysis = new_analysis ("ETHUSDT", run->candles, PERP_ANALYSIS_HTF_RESAMPLE, params);
  run->oi = constructed_oi (run->candles, 0, n);
  perp_analysis_set_open_interest (run->analysis, run->oi);
  run->oi_deltas = g_new (double, n);
  perp_oi_series_candle_deltas (run->oi, perp_candles_get_open_time (run->candles), n, PERP_MS_PER_HOUR,
                                run->oi_deltas);
  perp_liq_map_params_init_default (&map_params, perp_candles_get_close (run->candles)[0]);
  run->map = perp_liq_map_new (&map_params, PERP_MS_PER_HOUR, &error);
  g_assert_no_error (error);
  perp_analysis_set_liquidation_map (run->analysis, run->map);
  run->funding = perp_series_csv_load (path, &error);
  g_assert_no_error (error);
}

/* Pushes the next candle and everything that happened by its close. */
static void
full_run_step (FullRun *run)
{
  g_autoptr(GError) error = NULL;
  PerpCandle candle;
  gint64 now;

  perp_candles_get_candle (run->candles, run->n, &candle);
  push_candle (run->analysis, run->candles, run->n);
  g_assert_true (perp_liq_map_add_candle (run->map, &candle, run->oi_deltas[run->n], NULL, &error));
  g_assert_no_error (error);
  now = candle.open_time + PERP_MS_PER_HOUR;
  while (run->next_funding < run->funding->length && run->funding->time[run->next_funding] <= now)
    {
      g_assert_true (perp_analysis_push_funding (run->analysis, run->funding->time[run->next_funding],
                                                 run->funding->value[run->next_funding], &error));
      g_assert_no_error (error);
      run->next_funding++;
    }
  run->n++;
}

static void
full_run_clear (FullRun *run)
{
  g_clear_pointer (&run->analysis, perp_analysis_free);
  g_clear_pointer (&run->candles, perp_candles_unref);
  g_clear_pointer (&run->oi, perp_oi_series_unref);
  g_clear_pointer (&run->map, perp_liq_map_unref);
  g_clear_pointer (&run->oi_deltas, g_free);
  g_clear_pointer (&run->funding, perp_time_series_free);
}

/* ---------------------------------------------------------------- composite */

static double
trust_of (const PerpScoreParams *params,
          PerpDataState          state)
{
  return state == PERP_DATA_FRESH ? 1.0 : state == PERP_DATA_STALE ? params->stale_trust : 0.0;
}

static PerpTier
tier_of (const PerpScoreParams *params,
         double                 confidence)
{
  return confidence >= params->tier_high ? PERP_TIER_HIGH
         : confidence >= params->tier_medium ? PERP_TIER_MEDIUM
         : confidence >= params->tier_low ? PERP_TIER_LOW : PERP_TIER_NEUTRAL;
}

/* Everything the composite promises, recomputed from the factors it reports:
 * contribution = weight × trust × value (trust 1 / stale_trust / 0); evidence = Σ
 * contributions × (1 + mtf_multiplier × htf trust × htf value × sign (Σ)), clamped;
 * coverage = Σ weight × trust; Long % = 50 + 50 × evidence, Short % = 100 - Long %;
 * the tier from the confidence; missing factors worth exactly 0 with a reason that
 * names them; the top reasons the strongest contributions on the evidence's side, then
 * against it, ties to the earlier factor. */
static void
check_composite (Checker               *c,
                 const PerpScoreParams *params,
                 const PerpScore       *score,
                 guint                  i)
{
  const PerpFactorScore *htf = &score->factors[PERP_FACTOR_HIGHER_TIMEFRAME];
  double sum = 0.0, coverage = 0.0, evidence, weights = 0.0;
  int top[PERP_SCORE_TOP_REASONS];
  gboolean used[PERP_N_FACTORS] = { FALSE };

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const PerpFactorScore *factor = &score->factors[f];
      double trust = trust_of (params, factor->state);

      checker_expect (c, factor->factor == f && factor->weight == params->weights[f],
                      "candle %u: factor %u mislabelled", i, f);
      checker_expect (c, factor->value >= -1.0 && factor->value <= 1.0, "candle %u: %s value %g out of range",
                      i, perp_factor_name (f), factor->value);
      checker_expect (c, factor->contribution == factor->weight * trust * factor->value,
                      "candle %u: %s contribution %g != %g x %g x %g", i, perp_factor_name (f),
                      factor->contribution, factor->weight, trust, factor->value);
      if (factor->state == PERP_DATA_MISSING)
        {
          g_autofree char *text = perp_reason_format (&factor->reason);

          checker_expect (c, factor->value == 0.0 && factor->contribution == 0.0,
                          "candle %u: missing %s counts %g", i, perp_factor_name (f), factor->contribution);
          checker_expect (c, factor->reason.id == PERP_REASON_MISSING || factor->reason.id == PERP_REASON_NOT_ENOUGH_CANDLES
                             || factor->reason.id == PERP_REASON_BOOK_UNHEALTHY,
                          "candle %u: missing %s says %s", i, perp_factor_name (f), reason_name (&factor->reason));
          if (factor->reason.id == PERP_REASON_MISSING)
            checker_expect (c, g_str_has_prefix (text, perp_factor_title (f)),
                            "candle %u: missing %s reads \"%s\"", i, perp_factor_name (f), text);
        }
      else
        checker_expect (c, factor->age_ms >= 0, "candle %u: %s age %" G_GINT64_FORMAT, i, perp_factor_name (f),
                        factor->age_ms);
      sum += factor->contribution;
      coverage += factor->weight * trust;
      weights += factor->weight;
    }
  checker_expect (c, fabs (weights - 1.0) < 1e-12, "weights add up to %.17g", weights);

  evidence = sum;
  if (htf->state != PERP_DATA_MISSING)
    evidence *= 1.0 + params->mtf_multiplier * trust_of (params, htf->state) * htf->value * signd (sum);
  evidence = clampd (evidence, -1.0, 1.0);
  checker_expect (c, close_to (evidence, score->evidence, 1e-15), "candle %u: evidence %.17g, expected %.17g",
                  i, score->evidence, evidence);
  checker_expect (c, close_to (coverage, score->coverage, 1e-15), "candle %u: coverage %g, expected %g",
                  i, score->coverage, coverage);
  checker_expect (c, close_to (50.0 + 50.0 * evidence, score->long_pct, 1e-12)
                     && fabs (score->long_pct + score->short_pct - 100.0) < 1e-12
                     && score->confidence == MAX (score->long_pct, score->short_pct),
                  "candle %u: long %g short %g confidence %g", i, score->long_pct, score->short_pct,
                  score->confidence);
  checker_expect (c, score->tier == tier_of (params, score->confidence),
                  "candle %u: tier %s at confidence %g", i, perp_tier_name (score->tier), score->confidence);
  checker_expect (c, score->direction == (score->tier == PERP_TIER_NEUTRAL ? PERP_DIRECTION_NONE
                                          : score->evidence > 0 ? PERP_DIRECTION_LONG : PERP_DIRECTION_SHORT),
                  "candle %u: direction %s", i, perp_direction_name (score->direction));

  for (guint slot = 0; slot < PERP_SCORE_TOP_REASONS; slot++)
    {
      top[slot] = -1;
      for (int pass = 0; pass < 2 && top[slot] < 0; pass++)
        for (guint f = 0; f < PERP_N_FACTORS; f++)
          {
            double contribution = score->factors[f].contribution;
            gboolean agrees = signd (contribution) == signd (score->evidence);

            if (used[f] || contribution == 0.0 || agrees != (pass == 0))
              continue;
            if (top[slot] < 0 || fabs (contribution) > fabs (score->factors[top[slot]].contribution))
              top[slot] = (int) f;
          }
      if (top[slot] >= 0)
        used[top[slot]] = TRUE;
      checker_expect (c, score->top[slot] == top[slot], "candle %u: top reason %u is %d, expected %d",
                      i, slot, score->top[slot], top[slot]);
    }
}

static void
test_composite (void)
{
  PerpScoreParams params;
  FullRun run;
  Checker c;
  guint tiers[PERP_N_TIERS] = { 0 };
  guint states[PERP_N_FACTORS][3] = { { 0 } };
  guint n_mtf = 0;
  guint best = 0;
  double best_confidence = 0.0;
  PerpScore score;

  default_params (&params);
  full_run_init (&run, &params);
  checker_init (&c, "composite");
  for (guint i = 0; i < perp_candles_get_length (run.candles); i++)
    {
      full_run_step (&run);
      score_analysis (run.analysis, &score);
      check_composite (&c, &params, &score, i);
      tiers[score.tier]++;
      for (guint f = 0; f < PERP_N_FACTORS; f++)
        states[f][score.factors[f].state]++;
      if (score.factors[PERP_FACTOR_HIGHER_TIMEFRAME].state != PERP_DATA_MISSING
          && score.factors[PERP_FACTOR_HIGHER_TIMEFRAME].value != 0.0)
        n_mtf++;
      if (score.confidence > best_confidence)
        {
          best_confidence = score.confidence;
          best = i;
        }
    }
  checker_finish (&c);
  g_test_message ("tiers: %u neutral, %u low, %u medium, %u high; the multiplier applied on %u candles; "
                  "highest confidence %.2f at candle %u", tiers[0], tiers[1], tiers[2], tiers[3], n_mtf,
                  best_confidence, best);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    g_test_message ("  %-16s %3u fresh %3u stale %3u missing", perp_factor_name (f), states[f][0], states[f][1],
                    states[f][2]);
  g_assert_cmpuint (tiers[PERP_TIER_NEUTRAL], >, 0);
  g_assert_cmpuint (tiers[PERP_TIER_LOW] + tiers[PERP_TIER_MEDIUM] + tiers[PERP_TIER_HIGH], >, 0);
  g_assert_cmpuint (n_mtf, >, 0);
  /* No book and no trades in this run: missing throughout. */
  g_assert_cmpuint (states[PERP_FACTOR_ORDER_BOOK][PERP_DATA_MISSING], ==, perp_candles_get_length (run.candles));
  g_assert_cmpuint (states[PERP_FACTOR_ORDER_FLOW][PERP_DATA_MISSING], ==, perp_candles_get_length (run.candles));

  /* The tiers at their thresholds: a confidence exactly at a threshold is in the tier,
   * one ulp under it is not.  Re-scored from the same inputs with moved thresholds. */
  full_run_clear (&run);
  full_run_init (&run, &params);
  for (guint i = 0; i <= best; i++)
    full_run_step (&run);
  {
    PerpScoreInputs inputs;
    PerpScoreParams moved = params;
    double under = nextafter (best_confidence, 0.0);

    perp_analysis_get_inputs (run.analysis, &inputs);
    compute (&params, &inputs, &score);
    g_assert_cmpfloat (score.confidence, ==, best_confidence);
    g_assert_cmpfloat (best_confidence, >, 50.0);

    moved.tier_low = moved.tier_medium = moved.tier_high = best_confidence;
    compute (&moved, &inputs, &score);
    g_assert_cmpint (score.tier, ==, PERP_TIER_HIGH);
    moved.tier_high = nextafter (best_confidence, 100.0);
    compute (&moved, &inputs, &score);
    g_assert_cmpint (score.tier, ==, PERP_TIER_MEDIUM);
    moved.tier_medium = moved.tier_high;
    compute (&moved, &inputs, &score);
    g_assert_cmpint (score.tier, ==, PERP_TIER_LOW);
    g_assert_cmpint (score.direction, !=, PERP_DIRECTION_NONE);
    moved.tier_low = moved.tier_high;
    compute (&moved, &inputs, &score);
    g_assert_cmpint (score.tier, ==, PERP_TIER_NEUTRAL);
    g_assert_cmpint (score.direction, ==, PERP_DIRECTION_NONE);
    moved.tier_low = moved.tier_medium = moved.tier_high = under;
    compute (&moved, &inputs, &score);
    g_assert_cmpint (score.tier, ==, PERP_TIER_HIGH);

    /* Without the multiplier the evidence is the plain sum; a stale trust of 0 makes
     * a stale factor as good as missing. */
    moved = params;
    moved.mtf_multiplier = 0.0;
    compute (&moved, &inputs, &score);
    {
      double sum = 0.0;

      for (guint f = 0; f < PERP_N_FACTORS; f++)
        sum += score.factors[f].contribution;
      g_assert_cmpfloat (score.evidence, ==, clampd (sum, -1.0, 1.0));
    }
  }
  full_run_clear (&run);
}

/* The higher timeframe fed by the caller (PERP_ANALYSIS_HTF_FED) two hours late: the
 * factor is stale once its last candle closed an interval or more before now, so it
 * counts at stale_trust, in its contribution and in the multiplier alike. */
static void
test_composite_stale_htf (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) hours = load_candles ("BTCUSDT_1h_2024-01-01_2days.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  PerpScoreParams params;
  guint fed = 0;
  guint n_stale = 0;
  Checker c;

  default_params (&params);
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_FED, &params);
  checker_init (&c, "composite with a late higher timeframe");
  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      gint64 now = perp_candles_get_open_time (candles)[i] + MIN5;
      const PerpFactorScore *htf;
      PerpScore score;

      push_candle (analysis, candles, i);
      while (fed < perp_candles_get_length (hours)
             && perp_candles_get_open_time (hours)[fed] + 3 * PERP_MS_PER_HOUR <= now)
        {
          g_autoptr(GError) error = NULL;
          PerpCandle hour;

          perp_candles_get_candle (hours, fed++, &hour);
          g_assert_true (perp_analysis_push_htf_candle (analysis, &hour, &error));
          g_assert_no_error (error);
        }
      score_analysis (analysis, &score);
      htf = &score.factors[PERP_FACTOR_HIGHER_TIMEFRAME];
      check_composite (&c, &params, &score, i);
      if (fed > 0)
        {
          gint64 age = now - (perp_candles_get_open_time (hours)[fed - 1] + PERP_MS_PER_HOUR);

          checker_expect (&c, htf->state == (age >= PERP_MS_PER_HOUR ? PERP_DATA_STALE : PERP_DATA_FRESH)
                              && htf->age_ms == age,
                          "candle %u: 1h candle closed %" G_GINT64_FORMAT " ms ago, state %s", i, age,
                          perp_data_state_name (htf->state));
          n_stale += htf->state == PERP_DATA_STALE && htf->value != 0.0;
        }
    }
  checker_finish (&c);
  g_assert_cmpuint (n_stale, >, 0);
}

/* ---------------------------------------------------------------- parameters */

static void
expect_params_error (PerpScoreParams *params,
                     const char      *key)
{
  g_autoptr(GError) error = NULL;
  double weights[PERP_N_FACTORS];

  memcpy (weights, params->weights, sizeof weights);
  g_assert_false (perp_score_params_check (params, &error));
  g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS);
  if (strstr (error->message, key) == NULL)
    g_test_fail_printf ("\"%s\" does not name %s", error->message, key);
  /* A rejected set is left as it was. */
  g_assert_true (memcmp (weights, params->weights, sizeof weights) == 0);
}

static void
test_params (void)
{
  PerpScoreParams params;
  PerpPlanParams plan;
  g_autoptr(GError) error = NULL;
  double sum = 0.0;

  /* Weights are normalised to sum 1, keeping their proportions. */
  perp_score_params_init (&params);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    params.weights[f] = f == PERP_FACTOR_ICT ? 6.0 : 2.0;
  g_assert_true (perp_score_params_check (&params, &error));
  g_assert_no_error (error);
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      g_assert_cmpfloat (fabs (params.weights[f] - (f == PERP_FACTOR_ICT ? 6.0 : 2.0) / 24.0), <, 1e-15);
      sum += params.weights[f];
    }
  g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-15);
  /* The defaults too, and checking again changes nothing. */
  default_params (&params);
  {
    PerpScoreParams again = params;

    g_assert_true (perp_score_params_check (&again, NULL));
    for (guint f = 0; f < PERP_N_FACTORS; f++)
      g_assert_cmpfloat (fabs (again.weights[f] - params.weights[f]), <, 1e-15);
  }

  perp_score_params_init (&params);
  params.weights[PERP_FACTOR_ORDER_BOOK] = -0.1;
  expect_params_error (&params, "score.weights.order_book");
  perp_score_params_init (&params);
  params.weights[PERP_FACTOR_FUNDING] = NAN;
  expect_params_error (&params, "score.weights.funding");
  perp_score_params_init (&params);
  memset (params.weights, 0, sizeof params.weights);
  expect_params_error (&params, "score.weights");
  perp_score_params_init (&params);
  params.stale_after_ms[PERP_FACTOR_OPEN_INTEREST] = 3 * PERP_MS_PER_HOUR;
  expect_params_error (&params, "score.missing_after.open_interest");
  perp_score_params_init (&params);
  params.missing_after_ms[PERP_FACTOR_LIQUIDATIONS] = -1;
  expect_params_error (&params, "score.missing_after.liquidations");
  perp_score_params_init (&params);
  params.stale_trust = 1.5;
  expect_params_error (&params, "score.stale_trust");
  perp_score_params_init (&params);
  params.tier_medium = 90.0;
  expect_params_error (&params, "score.tier_medium");
  perp_score_params_init (&params);
  params.tier_low = 50.0;
  expect_params_error (&params, "score.tier_low");
  perp_score_params_init (&params);
  params.mtf_multiplier = 2.0;
  expect_params_error (&params, "score.mtf_multiplier");
  perp_score_params_init (&params);
  params.killzone_boost[2] = 1.5;
  expect_params_error (&params, "sessions.killzones[2].boost");
  perp_score_params_init (&params);
  params.sweep_lookback = 0;
  expect_params_error (&params, "score.sweep_lookback");
  perp_score_params_init (&params);
  params.pool_max_distance = 0.0;
  expect_params_error (&params, "score.pool_max_distance");
  perp_score_params_init (&params);
  params.fib_tolerance = 0.5;
  expect_params_error (&params, "score.fib_tolerance");
  perp_score_params_init (&params);
  params.flow_window_ms = 0;
  expect_params_error (&params, "score.flow_window");
  perp_score_params_init (&params);
  params.volume_spike = 1.0;
  expect_params_error (&params, "score.volume_spike");
  perp_score_params_init (&params);
  params.book_band = PERP_BOOK_N_BANDS;
  expect_params_error (&params, "score.book_band");

  /* The killzone boosts follow the structure's killzones by name. */
  {
    PerpStructureConfig config;

    perp_score_params_init (&params);
    perp_structure_config_init (&config);
    for (guint k = 0; k < config.n_killzones; k++)
      if (g_strcmp0 (config.killzones[k].name, "london-ny-overlap") == 0)
        g_assert_cmpfloat (params.killzone_boost[k], ==, 1.0);
      else
        g_assert_cmpfloat (params.killzone_boost[k], <, 1.0);
  }

  /* The plan's parameters. */
  perp_plan_params_init (&plan);
  g_assert_true (perp_plan_params_check (&plan, &error));
  g_assert_no_error (error);
  plan.target_shares[1] = 0.4;
  g_assert_false (perp_plan_params_check (&plan, &error));
  g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_PARAMS);
  g_assert_nonnull (strstr (error->message, "risk.targets"));
  g_clear_error (&error);
  perp_plan_params_init (&plan);
  plan.targets_r[2] = 1.5;
  g_assert_false (perp_plan_params_check (&plan, &error));
  g_assert_nonnull (strstr (error->message, "risk.targets[2].r"));
  g_clear_error (&error);
  perp_plan_params_init (&plan);
  plan.min_stop_atr = 5.0;
  g_assert_false (perp_plan_params_check (&plan, &error));
  g_assert_nonnull (strstr (error->message, "risk.min_stop_atr"));
  g_clear_error (&error);
  perp_plan_params_init (&plan);
  plan.trail_after = 4;
  g_assert_false (perp_plan_params_check (&plan, &error));
  g_assert_nonnull (strstr (error->message, "risk.trail_after"));
  g_clear_error (&error);
}

/* Names: every factor, state, tier and direction has one, and factor names go both ways. */
static void
test_names (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const char *name = perp_factor_name (f);

      g_assert_cmpstr (name, !=, "unknown");
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, (gpointer) name);
      g_assert_cmpint (perp_factor_from_name (name), ==, f);
      g_assert_cmpuint (strlen (perp_factor_title (f)), >, 0);
    }
  g_assert_cmpint (perp_factor_from_name ("no-such-factor"), ==, PERP_N_FACTORS);
  g_assert_cmpint (perp_factor_from_name (NULL), ==, PERP_N_FACTORS);
  g_assert_cmpstr (perp_factor_name (PERP_N_FACTORS), ==, "unknown");
  g_assert_cmpstr (perp_data_state_name (PERP_DATA_FRESH), ==, "fresh");
  g_assert_cmpstr (perp_data_state_name (PERP_DATA_STALE), ==, "stale");
  g_assert_cmpstr (perp_data_state_name (PERP_DATA_MISSING), ==, "missing");
  g_assert_cmpstr (perp_tier_name (PERP_TIER_NEUTRAL), ==, "neutral");
  g_assert_cmpstr (perp_tier_name (PERP_TIER_HIGH), ==, "high");
  g_assert_cmpstr (perp_tier_name (PERP_N_TIERS), ==, "unknown");
  g_assert_cmpstr (perp_direction_name (PERP_DIRECTION_LONG), ==, "long");
  g_assert_cmpstr (perp_direction_name (PERP_DIRECTION_SHORT), ==, "short");
  g_assert_cmpstr (perp_direction_name (PERP_DIRECTION_NONE), ==, "none");
  g_assert_cmpint (perp_score_default_htf (PERP_INTERVAL_5M), ==, PERP_INTERVAL_1H);
  g_assert_cmpint (perp_score_default_htf (PERP_INTERVAL_1H), ==, PERP_INTERVAL_4H);
  g_assert_cmpint (perp_score_default_htf (PERP_INTERVAL_1W), ==, PERP_INTERVAL_UNKNOWN);
  for (PerpInterval i = PERP_INTERVAL_1M; i < PERP_INTERVAL_1W; i++)
    g_assert_cmpint (perp_interval_to_ms (perp_score_default_htf (i)), >, perp_interval_to_ms (i));
}

/* ------------------------------------------------------------- determinism */

/* Two analyses fed the same data, and one reset and fed again, give the same bits and
 * the same sentences at every candle. */
static void
test_determinism (void)
{
  PerpScoreParams params;
  FullRun a, b;
  guint n;

  default_params (&params);
  full_run_init (&a, &params);
  full_run_init (&b, &params);
  n = perp_candles_get_length (a.candles);
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < n; i++)
        {
          PerpScore sa, sb;

          full_run_step (&a);
          full_run_step (&b);
          score_analysis (a.analysis, &sa);
          score_analysis (b.analysis, &sb);
          if (memcmp (&sa, &sb, sizeof sa) != 0)
            g_test_fail_printf ("pass %u, candle %u: the two scores differ", pass, i);
          for (guint f = 0; f < PERP_N_FACTORS; f++)
            {
              g_autofree char *ta = factor_text (&sa, f);
              g_autofree char *tb = factor_text (&sb, f);

              if (g_strcmp0 (ta, tb) != 0)
                g_test_fail_printf ("pass %u, candle %u, %s: \"%s\" / \"%s\"", pass, i, perp_factor_name (f), ta, tb);
            }
          if (g_test_failed ())
            break;
        }
      /* Again, after a reset of one of them against a new one.  The analysis keeps
       * the OI (the same series) and the map, which the caller owns: a new map. */
      perp_analysis_reset (a.analysis);
      {
        PerpLiqMapParams map_params;

        perp_liq_map_params_init_default (&map_params, perp_candles_get_close (a.candles)[0]);
        g_clear_pointer (&a.map, perp_liq_map_unref);
        a.map = perp_liq_map_new (&map_params, PERP_MS_PER_HOUR, NULL);
        perp_analysis_set_liquidation_map (a.analysis, a.map);
      }
      full_run_clear (&b);
      full_run_init (&b, &params);
      a.n = 0;
      a.next_funding = 0;
    }
  full_run_clear (&a);
  full_run_clear (&b);
}

/* --------------------------------------------------------------- causality */

/* BTCUSDT 5m with the 1h timeframe resampled and constructed OI: at every candle t, the
 * score of the analysis fed candles 0..t must equal perp_score_compute() over the FULL
 * candle series (and the full 1h series, and OI samples up to the end of the file) with
 * the engines as fed to t: nothing after t can matter.  A fresh analysis fed 0..t in one
 * batch gives the same too.  And the scorer refuses sources that have seen the future:
 * a structure fed t + 1, a 1h structure holding the hour still open at t, a liquidation
 * map fed t + 1, a book after t. */
static void
test_causality (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) hours = load_candles ("BTCUSDT_1h_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) taker = load_candles ("FILUSDT_1m_first400.csv");
  g_autoptr(PerpOiSeries) oi = NULL;
  g_autoptr(PerpAnalysis) analysis = NULL;
  g_autoptr(PerpAnalysis) ahead = NULL;
  g_autoptr(PerpStructure) open_hour = NULL;
  g_autoptr(PerpLiqMap) map = NULL;
  guint n = perp_candles_get_length (candles);
  guint n_refused = 0;
  PerpLiqMapParams map_params;
  PerpStructureConfig config;
  PerpScoreParams params;

  default_params (&params);
  oi = constructed_oi (candles, 0, n);
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_RESAMPLE, &params);
  ahead = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_RESAMPLE, &params);
  perp_analysis_set_open_interest (analysis, oi);
  perp_structure_config_init (&config);
  open_hour = perp_structure_new (&config, PERP_INTERVAL_1H, NULL);
  perp_liq_map_params_init_default (&map_params, perp_candles_get_close (candles)[0]);
  map = perp_liq_map_new (&map_params, MIN5, NULL);
  push_candle (ahead, candles, 0);

  for (guint t = 0; t < n; t++)
    {
      PerpScoreInputs inputs;
      PerpScore streamed, full;
      PerpCandle candle;
      guint h;

      push_candle (analysis, candles, t);
      score_analysis (analysis, &streamed);
      perp_analysis_get_inputs (analysis, &inputs);
      inputs.candles = candles;
      if (inputs.htf_candles != NULL)
        inputs.htf_candles = hours;
      compute (&params, &inputs, &full);
      if (memcmp (&streamed, &full, sizeof full) != 0)
        {
          g_test_fail_printf ("candle %u: the full series (future included) changed the score", t);
          break;
        }
      /* OI samples cut at now read the same. */
      {
        g_autoptr(PerpOiSeries) cut = constructed_oi (candles, 0, t + 1);

        inputs.oi = cut;
        compute (&params, &inputs, &full);
        if (memcmp (&streamed, &full, sizeof full) != 0)
          g_test_fail_printf ("candle %u: OI samples after now changed the score", t);
        inputs.oi = oi;
      }
      /* Streaming equals one batch, at a few points. */
      if (t % 97 == 0 || t == n - 1)
        {
          g_autoptr(PerpAnalysis) batch = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_RESAMPLE, &params);
          g_autoptr(GError) error = NULL;
          PerpScore batched;

          perp_analysis_set_open_interest (batch, oi);
          g_assert_true (perp_analysis_push_candles (batch, candles, 0, t + 1, &error));
          g_assert_no_error (error);
          score_analysis (batch, &batched);
          if (memcmp (&streamed, &batched, sizeof batched) != 0)
            g_test_fail_printf ("candle %u: streaming and batch differ", t);
        }

      if (t + 1 < n)
        {
          g_autoptr(GError) error = NULL;
          PerpScore refused;

          /* A structure that has seen the next candle. */
          push_candle (ahead, candles, t + 1);
          perp_analysis_get_inputs (analysis, &inputs);
          inputs.structure = perp_analysis_get_structure (ahead);
          g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
          g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
          g_clear_error (&error);

          /* A liquidation map fed to now is read; one fed the next candle is not. */
          perp_candles_get_candle (candles, t, &candle);
          g_assert_true (perp_liq_map_add_candle (map, &candle, 10.0, NULL, NULL));
          perp_analysis_get_inputs (analysis, &inputs);
          inputs.liq_map = map;
          if (!perp_score_compute (&params, &inputs, &refused, &error))
            {
              g_test_fail_printf ("candle %u: a liquidation map fed to now refused: %s", t, error->message);
              g_clear_error (&error);
            }
        }

      /* The 1h structure holding every hour that has started by now: refused while
       * the last one is still open. */
      perp_candles_get_candle (candles, t, &candle);
      h = (guint) ((candle.open_time - perp_candles_get_open_time (hours)[0]) / PERP_MS_PER_HOUR);
      while (perp_structure_get_n_candles (open_hour) <= h)
        {
          PerpCandle hour;

          perp_candles_get_candle (hours, perp_structure_get_n_candles (open_hour), &hour);
          g_assert_true (perp_structure_push (open_hour, &hour, NULL));
        }
      if (candle.open_time + MIN5 < perp_candles_get_open_time (hours)[h] + PERP_MS_PER_HOUR)
        {
          g_autoptr(GError) error = NULL;
          PerpScore refused;

          perp_analysis_get_inputs (analysis, &inputs);
          inputs.htf_structure = open_hour;
          inputs.htf_candles = hours;
          g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
          g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
          n_refused++;
        }
    }
  g_assert_cmpuint (n_refused, ==, n - n / 12);

  /* A liquidation map one candle ahead, and a book from after now. */
  {
    g_autoptr(PerpAnalysis) head = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
    g_autoptr(PerpLiqMap) map_ahead = perp_liq_map_new (&map_params, MIN5, NULL);
    g_autoptr(GError) error = NULL;
    PerpBookMetrics book = { 0 };
    PerpScoreInputs inputs;
    PerpScore refused;

    for (guint i = 0; i < 100; i++)
      {
        PerpCandle candle;

        push_candle (head, candles, i);
        perp_candles_get_candle (candles, i, &candle);
        g_assert_true (perp_liq_map_add_candle (map_ahead, &candle, 10.0, NULL, NULL));
      }
    {
      PerpCandle next;

      perp_candles_get_candle (candles, 100, &next);
      g_assert_true (perp_liq_map_add_candle (map_ahead, &next, 10.0, NULL, NULL));
    }
    perp_analysis_get_inputs (head, &inputs);
    inputs.liq_map = map_ahead;
    g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
    g_clear_error (&error);

    perp_analysis_get_inputs (head, &inputs);
    book.event_time = inputs.now + 1;
    inputs.book = &book;
    g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
    g_clear_error (&error);

    /* Nothing closed by now, or no candles at all. */
    perp_analysis_get_inputs (head, &inputs);
    inputs.now = perp_candles_get_open_time (candles)[0] + MIN5 - 1;
    g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
    g_clear_error (&error);
    inputs.candles = NULL;
    g_assert_false (perp_score_compute (&params, &inputs, &refused, &error));
    g_assert_error (error, PERP_SCORE_ERROR, PERP_SCORE_ERROR_INPUTS);
  }

  /* The taker-buy path of the order flow reads no candle after now either. */
  {
    g_autoptr(PerpAnalysis) fil = new_analysis ("FILUSDT", taker, PERP_ANALYSIS_HTF_NONE, &params);

    for (guint t = 0; t < perp_candles_get_length (taker); t++)
      {
        PerpScoreInputs inputs;
        PerpScore streamed, full;

        push_candle (fil, taker, t);
        score_analysis (fil, &streamed);
        perp_analysis_get_inputs (fil, &inputs);
        inputs.candles = taker;
        compute (&params, &inputs, &full);
        if (memcmp (&streamed, &full, sizeof full) != 0)
          {
            g_test_fail_printf ("FILUSDT candle %u: candles after now changed the score", t);
            break;
          }
      }
  }
}

/* ------------------------------------------------------------------ reasons */

/* How many numbers each template shows, as perp-score.h documents them. */
static const guint reason_numbers[PERP_N_REASONS] = {
  [PERP_REASON_NONE] = 0,
  [PERP_REASON_MISSING] = 0,
  [PERP_REASON_NOT_ENOUGH_CANDLES] = 2,
  [PERP_REASON_POOL_SWEPT_LOWS] = 2,
  [PERP_REASON_POOL_SWEPT_HIGHS] = 2,
  [PERP_REASON_POOL_DRAW_ABOVE] = 2,
  [PERP_REASON_POOL_DRAW_BELOW] = 2,
  [PERP_REASON_POOL_NONE] = 1,
  [PERP_REASON_LIQ_CLUSTER_ABOVE] = 4,
  [PERP_REASON_LIQ_CLUSTER_BELOW] = 4,
  [PERP_REASON_LIQ_NONE] = 1,
  [PERP_REASON_ICT_IN_ORDER_BLOCK] = 2,
  [PERP_REASON_ICT_IN_FVG] = 2,
  [PERP_REASON_ICT_AFTER_BREAK] = 2,
  [PERP_REASON_ICT_AT_FIB] = 3,
  [PERP_REASON_ICT_ZONE] = 1,
  [PERP_REASON_ICT_TREND] = 0,
  [PERP_REASON_ICT_NONE] = 0,
  [PERP_REASON_ICT_HIGHER_TF] = 0,
  [PERP_REASON_KILLZONE_ACTIVE] = 1,
  [PERP_REASON_KILLZONE_NONE] = 0,
  [PERP_REASON_BOOK_IMBALANCE] = 2,
  [PERP_REASON_BOOK_WALL] = 4,
  [PERP_REASON_BOOK_UNHEALTHY] = 0,
  [PERP_REASON_FLOW_AGGRESSION] = 2,
  [PERP_REASON_FLOW_DIVERGENCE] = 1,
  [PERP_REASON_FLOW_LARGE_TRADES] = 2,
  [PERP_REASON_FLOW_CVD_TREND] = 2,
  [PERP_REASON_OI_REGIME] = 3,
  [PERP_REASON_FUNDING_CROWDED] = 2,
  [PERP_REASON_FUNDING_NORMAL] = 2,
  [PERP_REASON_FUNDING_SHORT_HISTORY] = 2,
  [PERP_REASON_TECH_STACK] = 1,
  [PERP_REASON_TECH_MIXED] = 2,
  [PERP_REASON_TECH_VOLUME_SPIKE] = 2,
  [PERP_REASON_HTF_TREND] = 2,
  [PERP_REASON_HTF_NONE] = 0,
};

/* Templates with a text slot (a word, a session, a timeframe, a factor). */
static gboolean
reason_has_text (PerpReasonId id)
{
  return id == PERP_REASON_MISSING || id == PERP_REASON_ICT_IN_ORDER_BLOCK || id == PERP_REASON_ICT_AFTER_BREAK
         || id == PERP_REASON_KILLZONE_ACTIVE || id == PERP_REASON_BOOK_UNHEALTHY || id == PERP_REASON_OI_REGIME
         || id == PERP_REASON_HTF_TREND || id == PERP_REASON_HTF_NONE || id == PERP_REASON_ICT_HIGHER_TF;
}

/* Every template, on both sides, with the numbers 101, 202, 303, 404 (which every kind
 * of placeholder writes recognisably) and a word: the numbers the template shows must
 * be exactly the first N arguments, each once, whatever slot the word takes, nothing
 * left unfilled ("{", "n/a"). */
static void
test_reason_templates (void)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  static const char *const sentinels[] = { "101", "202", "303", "404" };

  for (PerpReasonId id = PERP_REASON_NONE; id < PERP_N_REASONS; id++)
    {
      const char *name = perp_reason_id_name (id);

      g_assert_cmpstr (name, !=, "unknown");
      g_assert_false (g_hash_table_contains (names, name));
      g_hash_table_add (names, (gpointer) name);

      for (int side = -1; side <= 1; side += 2)
        {
          PerpReason reason = { id, side, "WORD", 4, { 101.0, 202.0, 303.0, 404.0 } };
          g_autofree char *text = perp_reason_format (&reason);
          guint shown = 0;

          if (id == PERP_REASON_NONE)
            {
              g_assert_cmpstr (text, ==, "");
              continue;
            }
          g_assert_cmpuint (strlen (text), >, 0);
          g_assert_null (strchr (text, '{'));
          g_assert_null (strchr (text, '}'));
          g_assert_null (strstr (text, "n/a"));
          for (guint a = 0; a < G_N_ELEMENTS (sentinels); a++)
            {
              const char *at = strstr (text, sentinels[a]);

              if (at == NULL)
                continue;
              shown++;
              if (a >= reason_numbers[id])
                g_test_fail_printf ("%s (side %d): argument %u shown in \"%s\"", name, side, a, text);
              if (strstr (at + 1, sentinels[a]) != NULL)
                g_test_fail_printf ("%s (side %d): argument %u shown twice in \"%s\"", name, side, a, text);
            }
          if (shown != reason_numbers[id])
            g_test_fail_printf ("%s (side %d): %u of %u numbers in \"%s\"", name, side, shown, reason_numbers[id], text);
          if (reason_has_text (id) != (strstr (text, "WORD") != NULL))
            g_test_fail_printf ("%s (side %d): the word slot in \"%s\"", name, side, text);
        }
    }
  {
    PerpReason bogus = { PERP_N_REASONS, 0, NULL, 0, { 0 } };
    g_autofree char *text = perp_reason_format (&bogus);

    g_assert_cmpstr (text, ==, "");
    g_assert_cmpstr (perp_reason_id_name (PERP_N_REASONS), ==, "unknown");
  }
}

static void
assert_reason_text (PerpReasonId  id,
                    int           side,
                    const char   *word,
                    guint         n_args,
                    const double *args,
                    const char   *expected)
{
  PerpReason reason = { id, side, word, n_args, { 0 } };
  g_autofree char *text = NULL;

  if (n_args > 0)
    memcpy (reason.args, args, n_args * sizeof (double));
  text = perp_reason_format (&reason);
  g_assert_cmpstr (text, ==, expected);
}

/* Prices, quantities, money and signed changes as people read them, and the bullish
 * or bearish sentence by the side. */
static void
test_reason_format (void)
{
  static const struct { double price; const char *text; } prices[] = {
    { 61420.0, "61,420" },
    { 2345.67, "2,345.7" },
    { 0.0012345, "0.0012345" },
    { 151.234, "151.23" },
    { 0.52134, "0.52134" },
    { 1234567.8, "1,234,568" },
    { 42437.1, "42,437" },
    { -61420.0, "-61,420" },
    { -1234567.0, "-1,234,567" },
    { 99999.6, "100,000" },
    { 0.0, "0.00" },
    { -0.0, "0.00" },
    { -1e-12, "0.0000000000" },
    { NAN, "n/a" },
    { INFINITY, "n/a" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (prices); i++)
    {
      g_autofree char *text = perp_format_price (prices[i].price);

      g_assert_cmpstr (text, ==, prices[i].text);
    }

  {
    const double args[] = { 61420.0, 3.0 };

    assert_reason_text (PERP_REASON_POOL_SWEPT_LOWS, 1, NULL, 2, args,
                        "Sell-side liquidity at 61,420 swept 3 candles ago (stop hunt below)");
  }
  {
    const double args[] = { 42289.6, 42437.2 };

    assert_reason_text (PERP_REASON_ICT_IN_ORDER_BLOCK, 1, "order-block", 2, args,
                        "Price in unmitigated bullish order block 42,290-42,437");
    assert_reason_text (PERP_REASON_ICT_IN_ORDER_BLOCK, -1, "breaker", 2, args,
                        "Price in unmitigated bearish breaker block 42,290-42,437");
  }
  {
    const double args[] = { 61600.0, 61750.6, 0.2512, 12345678.0 };

    assert_reason_text (PERP_REASON_LIQ_CLUSTER_ABOVE, 1, NULL, 4, args,
                        "Liquidation cluster 61,600-61,751 above, 0.25 % away (~12.3M USDT)");
  }
  {
    const double args[] = { 12.5, 61800.2, 14.26, 0.0001 };

    assert_reason_text (PERP_REASON_BOOK_WALL, 1, NULL, 4, args,
                        "Bid wall of 12.5 at 61,800 (14.3x the average level), 0.00 % below");
  }
  {
    const double args[] = { 1234.5678, 2345.6, 3.0, 1.25 };

    assert_reason_text (PERP_REASON_BOOK_WALL, -1, NULL, 4, args,
                        "Ask wall of 1,234.5678 at 2,345.6 (3.0x the average level), 1.25 % above");
  }
  {
    const double args[] = { 0.05, -0.6, 60.0 };

    assert_reason_text (PERP_REASON_OI_REGIME, -1, "new-shorts", 3, args,
                        "Open interest +0.05 % with price -0.6 % over 60 minutes: new shorts");
  }
  {
    const double args[] = { 0.01, 0.0 };

    assert_reason_text (PERP_REASON_FUNDING_NORMAL, 0, NULL, 2, args, "Funding 0.0100 % (z 0.0): no crowding");
  }
  {
    const double args[] = { 71.6 };

    assert_reason_text (PERP_REASON_TECH_STACK, -1, NULL, 1, args, "EMA 9/21/50/200 stacked bearish, RSI 72");
  }
  {
    const double args[] = { 1.0 };

    assert_reason_text (PERP_REASON_KILLZONE_ACTIVE, 1, "the London/NY overlap", 1, args,
                        "During the London/NY overlap (boost 1.00)");
  }
  {
    const double args[] = { 42503.5, NAN };

    assert_reason_text (PERP_REASON_HTF_TREND, -1, "1h", 2, args, "1h trend bearish (close 42,504, EMA 50 n/a)");
  }
  assert_reason_text (PERP_REASON_MISSING, 0, "Funding", 0, NULL, "Funding: no data");
  assert_reason_text (PERP_REASON_BOOK_UNHEALTHY, 0, "not-synced", 0, NULL, "Order book not usable: waiting for a resync");
}

/* ------------------------------------------------------- reasons and values */

/* A factor's reason must not argue the other way from its value: the panel shows the
 * reason as the explanation of the factor's push. */
typedef struct
{
  Checker c;
  guint   bad[PERP_N_REASONS];
} SidesRun;

static void
check_sides (SidesRun        *run,
             const PerpScore *score,
             guint            i)
{
  for (guint f = 0; f < PERP_N_FACTORS; f++)
    {
      const PerpFactorScore *factor = &score->factors[f];
      gboolean ok;

      if (factor->state == PERP_DATA_MISSING || factor->reason.side == 0 || factor->value == 0.0)
        continue;
      ok = factor->reason.side == (int) signd (factor->value);
      checker_expect (&run->c, ok, "candle %u: %s value %+.3f but reason %s is %s", i, perp_factor_name (f),
                      factor->value, reason_name (&factor->reason), factor->reason.side > 0 ? "bullish" : "bearish");
      if (!ok)
        run->bad[factor->reason.id]++;
    }
}

static void
sides_candle (guint                  i,
              PerpAnalysis          *analysis,
              const PerpScoreInputs *inputs,
              const PerpScore       *score,
              gpointer               user_data)
{
  check_sides (user_data, score, i);
  (void) analysis;
  (void) inputs;
}

static void
test_reason_sides (void)
{
  g_autoptr(PerpCandles) btc = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) fil = load_candles ("FILUSDT_1m_first400.csv");
  PerpScoreParams params;
  FullRun run;
  SidesRun sides = { 0 };

  default_params (&params);
  checker_init (&sides.c, "reason sides");
  replay_candles (btc, PERP_ANALYSIS_HTF_RESAMPLE, &params, sides_candle, &sides);
  replay_candles (fil, PERP_ANALYSIS_HTF_RESAMPLE, &params, sides_candle, &sides);
  full_run_init (&run, &params);
  for (guint i = 0; i < perp_candles_get_length (run.candles); i++)
    {
      PerpScore score;

      full_run_step (&run);
      score_analysis (run.analysis, &score);
      check_sides (&sides, &score, i);
    }
  full_run_clear (&run);
  for (PerpReasonId id = PERP_REASON_NONE; id < PERP_N_REASONS; id++)
    if (sides.bad[id] > 0)
      g_test_message ("%u reasons %s argue against their factor's value", sides.bad[id], perp_reason_id_name (id));
  checker_finish (&sides.c);
}

/* -------------------------------------------------------------------- plan */

/* Rounds @price to a multiple of @tick: down (-1), up (+1) or to the nearest (0, ties
 * away from zero), with a little slack so that a price already on the grid stays. */
static double
tick_round (double price,
            double tick,
            int    rounding)
{
  double q = price / tick;

  if (rounding < 0)
    q = floor (q + 1e-9);
  else if (rounding > 0)
    q = ceil (q - 1e-9);
  else
    q = round (q);   /* a price exactly between two ticks goes up (away from zero) */
  return q * tick;
}

static gboolean
on_tick (double price,
         double tick)
{
  return fabs (price / tick - nearbyint (price / tick)) < 1e-6;
}

typedef struct
{
  guint anchors[PERP_STOP_ATR + 1];
  guint adjusted[3];
  guint statuses[PERP_PLAN_NO_SIZE + 1];
  guint n_liquidity_targets;
  guint n_plans;
} PlanCounts;

/* The structure that invalidates the idea, found here from the objects (perp-plan.c):
 * for a long, the active bullish order block or breaker that price is in or above,
 * within max_stop_atr ATRs (the highest one), else such an FVG, else the latest
 * internal pivot low under price; mirrored for a short.  Returns its level (the far
 * side of the zone). */
static PerpStopAnchor
find_stop_structure (const PerpStructure *structure,
                     gint64               last,
                     int                  d,
                     double               entry,
                     double               reach,
                     double              *level)
{
  const PerpStructureObject *objects;
  const PerpStructureObject *block = NULL, *gap = NULL, *swing = NULL;
  guint n_objects;

  objects = perp_structure_get_objects (structure, &n_objects);
  for (guint k = 0; k < n_objects; k++)
    {
      const PerpStructureObject *o = &objects[k];
      gboolean zone_in_reach = d > 0 ? o->bottom < entry && o->top >= entry - reach
                                     : o->top > entry && o->bottom <= entry + reach;
      gboolean nearer;

      if (!perp_structure_object_known_at (o, last) || o->direction != d)
        continue;
      if ((o->kind == PERP_STRUCTURE_ORDER_BLOCK || o->kind == PERP_STRUCTURE_BREAKER)
          && zone_in_reach && perp_structure_object_active_at (o, last))
        {
          nearer = block == NULL || (d > 0 ? o->top > block->top : o->bottom < block->bottom);
          if (nearer)
            block = o;
        }
      else if (o->kind == PERP_STRUCTURE_FVG && zone_in_reach && perp_structure_object_active_at (o, last))
        {
          nearer = gap == NULL || (d > 0 ? o->top > gap->top : o->bottom < gap->bottom);
          if (nearer)
            gap = o;
        }
      else if (o->kind == (d > 0 ? PERP_STRUCTURE_PIVOT_LOW : PERP_STRUCTURE_PIVOT_HIGH)
               && o->depth == PERP_STRUCTURE_DEPTH_INTERNAL && (d > 0 ? o->top < entry : o->top > entry))
        swing = o;
    }
  if (block != NULL)
    {
      *level = d > 0 ? block->bottom : block->top;
      return PERP_STOP_ORDER_BLOCK;
    }
  if (gap != NULL)
    {
      *level = d > 0 ? gap->bottom : gap->top;
      return PERP_STOP_FVG;
    }
  if (swing != NULL)
    {
      *level = swing->top;
      return PERP_STOP_SWING;
    }
  return PERP_STOP_ATR;
}

/* The nearest active opposing pool beyond entry (is_pool() on the trade's side). */
static double
find_target_liquidity (const PerpStructure *structure,
                       gint64               last,
                       int                  d,
                       double               entry)
{
  const PerpStructureObject *objects;
  guint n_objects;
  double best = NAN;

  objects = perp_structure_get_objects (structure, &n_objects);
  for (guint k = 0; k < n_objects; k++)
    {
      const PerpStructureObject *o = &objects[k];
      double level = d > 0 ? o->bottom : o->top;

      if (!perp_structure_object_known_at (o, last) || !is_pool (o, d) || !perp_structure_object_active_at (o, last))
        continue;
      if (d * (level - entry) > 0 && (isnan (best) || d * (level - best) < 0))
        best = level;
    }
  return best;
}

/* Builds the plan of every directional score of BTCUSDT 5m and checks it against the
 * plan derived here: the structural stop (buffer 0.1 ATR beyond it) or 1.5 ATR; the
 * sanity bounds max (min_stop_atr ATR, min_stop_pct %) .. max (that, min (max_stop_atr
 * ATR, max_stop_pct %)), widening (-1) or tightening (+1) the stop; with @rules, entry
 * on the nearest tick and the stop rounded away from it; the 1R/2R/3R ladder with the
 * first target beyond opposing liquidity pulled in to it when that is at least
 * min_first_target_r away; targets rounded toward entry; R:R = Σ share × R; the
 * status from min_reward_risk and the sizing; the size within the target risk. */
static void
check_plans (const PerpPlanParams   *plan_params,
             const PerpSizingParams *sizing,
             const PerpSymbolRules  *rules,
             gboolean                use_structure,
             double                  size_factor,
             PlanCounts             *counts)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  PerpScoreParams params;
  Checker c;

  perp_score_params_init (&params);
  /* Low thresholds, so that most candles have a direction to plan. */
  params.tier_low = 51.0;
  params.tier_medium = 54.0;
  params.tier_high = 58.0;
  g_assert_true (perp_score_params_check (&params, NULL));
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_RESAMPLE, &params);
  checker_init (&c, "trade plan");

  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      PerpScoreInputs inputs;
      PerpScore score;
      PerpPlan plan;
      PerpStopAnchor anchor = PERP_STOP_ATR;
      gint64 last = perp_candles_get_open_time (candles)[i];
      double entry, atr, level = NAN, stop, distance, min_d, max_d, risk, liquidity, r_liquidity, reward = 0.0;
      double tick = rules != NULL ? rules->tick_size : 0.0;
      int adjusted = 0;
      int d;
      gboolean pulled = FALSE;

      push_candle (analysis, candles, i);
      perp_analysis_get_inputs (analysis, &inputs);
      if (!use_structure)
        inputs.structure = NULL;
      compute (&params, &inputs, &score);
      perp_plan_build (plan_params, sizing, rules, &score, &inputs, size_factor, 0.0, &plan);

      checker_expect (&c, plan.direction == score.direction && plan.tier == score.tier && plan.time == score.time,
                      "candle %u: plan does not carry the score", i);
      if (score.direction == PERP_DIRECTION_NONE)
        {
          checker_expect (&c, plan.status == PERP_PLAN_NO_DIRECTION && isnan (plan.stop),
                          "candle %u: neutral score planned (%s)", i, perp_plan_status_name (plan.status));
          counts->statuses[plan.status]++;
          continue;
        }
      if (!isfinite (score.atr))
        {
          checker_expect (&c, plan.status == PERP_PLAN_NO_ATR, "candle %u: no ATR but %s", i,
                          perp_plan_status_name (plan.status));
          counts->statuses[plan.status]++;
          continue;
        }
      counts->n_plans++;
      d = score.direction == PERP_DIRECTION_LONG ? 1 : -1;
      entry = score.price;
      atr = score.atr;
      if (use_structure)
        anchor = find_stop_structure (inputs.structure, last, d, entry, plan_params->max_stop_atr * atr, &level);
      stop = anchor == PERP_STOP_ATR ? entry - d * plan_params->atr_stop * atr
                                     : level - d * plan_params->stop_buffer_atr * atr;
      min_d = MAX (plan_params->min_stop_atr * atr, plan_params->min_stop_pct / 100.0 * entry);
      max_d = MAX (min_d, MIN (plan_params->max_stop_atr * atr, plan_params->max_stop_pct / 100.0 * entry));
      distance = d * (entry - stop);
      if (distance < min_d)
        {
          stop = entry - d * min_d;
          adjusted = -1;
        }
      else if (distance > max_d)
        {
          stop = entry - d * max_d;
          adjusted = 1;
        }
      if (tick > 0.0)
        {
          entry = tick_round (entry, tick, 0);
          stop = tick_round (stop, tick, -d);
          checker_expect (&c, on_tick (plan.entry, tick) && on_tick (plan.stop, tick),
                          "candle %u: entry %.10g / stop %.10g off the %g tick", i, plan.entry, plan.stop, tick);
        }
      checker_expect (&c, plan.stop_anchor == anchor && plan.stop_adjusted == adjusted,
                      "candle %u: stop beyond %s (adjusted %d), expected %s (%d)", i,
                      perp_stop_anchor_name (plan.stop_anchor), plan.stop_adjusted, perp_stop_anchor_name (anchor),
                      adjusted);
      checker_expect (&c, anchor == PERP_STOP_ATR ? isnan (plan.stop_structure) : plan.stop_structure == level,
                      "candle %u: structure level %g, expected %g", i, plan.stop_structure, level);
      checker_expect (&c, close_to (entry, plan.entry, 1e-9 * entry) && close_to (stop, plan.stop, 1e-9 * entry),
                      "candle %u: entry %.10g stop %.10g, expected %.10g %.10g", i, plan.entry, plan.stop, entry, stop);
      checker_expect (&c, d * (plan.entry - plan.stop) > 0.0, "candle %u: stop on the wrong side", i);
      risk = fabs (plan.entry - plan.stop);
      checker_expect (&c, plan.risk_per_unit == risk, "candle %u: risk per unit %g", i, plan.risk_per_unit);
      counts->anchors[plan.stop_anchor]++;
      counts->adjusted[plan.stop_adjusted + 1]++;

      /* The ladder. */
      liquidity = use_structure && plan_params->liquidity_targets
                  ? find_target_liquidity (inputs.structure, last, d, plan.entry) : NAN;
      r_liquidity = d * (liquidity - plan.entry) / risk;
      checker_expect (&c, plan.n_targets == plan_params->n_targets, "candle %u: %u targets", i, plan.n_targets);
      for (guint t = 0; t < plan_params->n_targets && t < plan.n_targets; t++)
        {
          double r = plan_params->targets_r[t];
          double price = plan.entry + d * r * risk;
          PerpTargetKind kind = PERP_TARGET_R_MULTIPLE;

          if (!pulled && isfinite (liquidity) && r_liquidity >= plan_params->min_first_target_r && r > r_liquidity)
            {
              price = liquidity;
              kind = PERP_TARGET_LIQUIDITY;
              pulled = TRUE;
            }
          if (tick > 0.0)
            price = tick_round (price, tick, -d);
          r = d * (price - plan.entry) / risk;
          if (kind == PERP_TARGET_LIQUIDITY)
            counts->n_liquidity_targets++;
          checker_expect (&c, plan.targets[t].kind == kind && close_to (price, plan.targets[t].price, 1e-9 * price)
                              && close_to (r, plan.targets[t].r, 1e-9) && plan.targets[t].share == plan_params->target_shares[t],
                          "candle %u: target %u %s at %.10g (%.3f R), expected %s at %.10g (%.3f R)", i, t,
                          perp_target_kind_name (plan.targets[t].kind), plan.targets[t].price, plan.targets[t].r,
                          perp_target_kind_name (kind), price, r);
          checker_expect (&c, tick <= 0.0 || on_tick (plan.targets[t].price, tick), "candle %u: target %u off tick", i, t);
          reward += plan_params->target_shares[t] * r;
        }
      checker_expect (&c, close_to (reward, plan.reward_risk, 1e-9), "candle %u: R:R %g, expected %g", i,
                      plan.reward_risk, reward);
      checker_expect (&c, plan.status == (reward < plan_params->min_reward_risk ? PERP_PLAN_LOW_REWARD
                                          : plan.sizing.status != PERP_SIZING_OK ? PERP_PLAN_NO_SIZE : PERP_PLAN_OK),
                      "candle %u: status %s (R:R %g, sizing %s)", i, perp_plan_status_name (plan.status), reward,
                      perp_sizing_status_name (plan.sizing.status));
      checker_expect (&c, plan.expires_at == score.time + (gint64) plan_params->time_stop_candles * MIN5,
                      "candle %u: expires at %" G_GINT64_FORMAT, i, plan.expires_at);
      counts->statuses[plan.status]++;

      /* The size: at most the tier's share of the risk, scaled by the breakers. */
      if (plan.sizing.status == PERP_SIZING_OK)
        {
          double target = sizing->risk_usd * sizing->tier_scale[score.tier] * size_factor;

          checker_expect (&c, plan.sizing.quantity > 0.0 && plan.sizing.risk <= target * (1 + 1e-9)
                              && close_to (plan.sizing.quantity * risk, plan.sizing.risk, 1e-9)
                              && close_to (target, plan.sizing.target_risk, 1e-12),
                          "candle %u: %g units risk %g of %g", i, plan.sizing.quantity, plan.sizing.risk, target);
          if (rules != NULL)
            checker_expect (&c, on_tick (plan.sizing.quantity, rules->step_size)
                                && plan.sizing.quantity * plan.entry >= rules->min_notional,
                            "candle %u: quantity %g against the filters", i, plan.sizing.quantity);
        }
    }
  checker_finish (&c);
}

static void
test_plan (void)
{
  g_autofree char *path = perp_test_fixture_path ("exchangeInfo_subset.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpExchangeInfo) info = perp_exchange_info_load_file (path, &error);
  const PerpSymbolRules *rules;
  PerpPlanParams plan_params;
  PerpSizingParams sizing;
  PlanCounts counts = { { 0 } };

  g_assert_no_error (error);
  rules = perp_exchange_info_lookup (info, "BTCUSDT");
  g_assert_nonnull (rules);
  g_assert_cmpfloat (rules->tick_size, ==, 0.1);
  perp_sizing_params_init (&sizing);
  sizing.risk_usd = 25.0;
  perp_plan_params_init (&plan_params);
  g_assert_true (perp_plan_params_check (&plan_params, NULL));

  /* The defaults, sized with Binance's real BTCUSDT filters. */
  check_plans (&plan_params, &sizing, rules, TRUE, 1.0, &counts);
  g_test_message ("plans: %u; stops beyond %u order blocks, %u FVGs, %u swings, %u ATR; %u widened, %u tightened; "
                  "%u liquidity targets; %u ok, %u low reward, %u no size, %u no direction",
                  counts.n_plans, counts.anchors[PERP_STOP_ORDER_BLOCK], counts.anchors[PERP_STOP_FVG],
                  counts.anchors[PERP_STOP_SWING], counts.anchors[PERP_STOP_ATR], counts.adjusted[0], counts.adjusted[2],
                  counts.n_liquidity_targets, counts.statuses[PERP_PLAN_OK], counts.statuses[PERP_PLAN_LOW_REWARD],
                  counts.statuses[PERP_PLAN_NO_SIZE], counts.statuses[PERP_PLAN_NO_DIRECTION]);
  g_assert_cmpuint (counts.anchors[PERP_STOP_ORDER_BLOCK], >, 0);
  g_assert_cmpuint (counts.anchors[PERP_STOP_SWING], >, 0);
  g_assert_cmpuint (counts.n_liquidity_targets, >, 0);
  g_assert_cmpuint (counts.statuses[PERP_PLAN_OK], >, 0);
  g_assert_cmpuint (counts.statuses[PERP_PLAN_NO_DIRECTION], >, 0);

  /* Binance's filters with a constructed coarse tick (5.0) and a ladder of fractional
   * R multiples, so that targets fall between ticks and must round toward entry. */
  {
    PerpSymbolRules coarse = *rules;
    PerpPlanParams fractional = plan_params;

    coarse.tick_size = 5.0;
    fractional.targets_r[0] = 1.3;
    fractional.targets_r[1] = 2.1;
    fractional.targets_r[2] = 3.7;
    g_assert_true (perp_plan_params_check (&fractional, NULL));
    memset (&counts, 0, sizeof counts);
    check_plans (&fractional, &sizing, &coarse, TRUE, 1.0, &counts);
    g_assert_cmpuint (counts.n_plans, >, 0);
  }

  /* No structure: every stop is the ATR stop, and without filters nothing is rounded;
   * half the size after a breaker. */
  memset (&counts, 0, sizeof counts);
  check_plans (&plan_params, &sizing, NULL, FALSE, 0.5, &counts);
  g_assert_cmpuint (counts.anchors[PERP_STOP_ATR], ==, counts.n_plans);
  g_assert_cmpuint (counts.n_liquidity_targets, ==, 0);

  /* Bounds that widen every structural stop ... */
  memset (&counts, 0, sizeof counts);
  plan_params.min_stop_atr = 3.9;
  check_plans (&plan_params, &sizing, rules, TRUE, 1.0, &counts);
  g_assert_cmpuint (counts.adjusted[0], >, 0);
  /* ... and that tighten them, and a reward filter no ladder passes. */
  memset (&counts, 0, sizeof counts);
  perp_plan_params_init (&plan_params);
  plan_params.min_stop_atr = 0.0;
  plan_params.min_stop_pct = 0.0;
  plan_params.max_stop_atr = 0.3;
  plan_params.min_reward_risk = 5.0;
  g_assert_true (perp_plan_params_check (&plan_params, NULL));
  check_plans (&plan_params, &sizing, rules, TRUE, 1.0, &counts);
  g_assert_cmpuint (counts.adjusted[2], >, 0);
  g_assert_cmpuint (counts.statuses[PERP_PLAN_LOW_REWARD], ==, counts.n_plans);
}

/* The plan's guards: no ATR, no direction. */
static void
test_plan_guards (void)
{
  g_autoptr(PerpCandles) candles = load_candles ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpAnalysis) analysis = NULL;
  PerpScoreParams params;
  PerpPlanParams plan_params;
  PerpSizingParams sizing;
  PerpScoreInputs inputs;
  PerpScore score;
  PerpPlan plan;

  default_params (&params);
  perp_plan_params_init (&plan_params);
  perp_sizing_params_init (&sizing);
  analysis = new_analysis ("BTCUSDT", candles, PERP_ANALYSIS_HTF_NONE, &params);
  for (guint i = 0; i < 300; i++)
    push_candle (analysis, candles, i);
  perp_analysis_get_inputs (analysis, &inputs);
  compute (&params, &inputs, &score);

  score.direction = PERP_DIRECTION_NONE;
  perp_plan_build (&plan_params, &sizing, NULL, &score, &inputs, 1.0, 0.0, &plan);
  g_assert_cmpint (plan.status, ==, PERP_PLAN_NO_DIRECTION);
  g_assert_cmpstr (perp_plan_status_name (plan.status), ==, "no_direction");
  g_assert_cmpfloat (plan.entry, ==, score.price);
  g_assert_true (isnan (plan.stop));
  g_assert_cmpuint (plan.n_targets, ==, 0);

  score.direction = PERP_DIRECTION_LONG;
  score.tier = PERP_TIER_MEDIUM;
  score.atr = NAN;
  perp_plan_build (&plan_params, &sizing, NULL, &score, &inputs, 1.0, 0.0, &plan);
  g_assert_cmpint (plan.status, ==, PERP_PLAN_NO_ATR);
  g_assert_true (isnan (plan.stop));
}

/* ---------------------------------------------------------------------- main */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* A failing check marks its test failed and the others still run and report. */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/score/technical/ta-lib", test_technical_talib);
  g_test_add_func ("/score/technical/missing", test_technical_missing);
  g_test_add_func ("/score/higher-timeframe/resample", test_htf_resample);
  g_test_add_func ("/score/ict/objects", test_ict_objects);
  g_test_add_func ("/score/liquidity-pools/objects", test_pools);
  g_test_add_func ("/score/killzone/new-york", test_killzone);
  g_test_add_func ("/score/order-flow/taker-buy", test_order_flow_taker);
  g_test_add_func ("/score/order-book/ticks", test_book_and_flow_ticks);
  g_test_add_func ("/score/open-interest/regimes", test_open_interest);
  g_test_add_func ("/score/open-interest/age", test_open_interest_age);
  g_test_add_func ("/score/funding/fixture", test_funding);
  g_test_add_func ("/score/liquidations/map", test_liquidations);
  g_test_add_func ("/score/composite/formula", test_composite);
  g_test_add_func ("/score/composite/stale-higher-timeframe", test_composite_stale_htf);
  g_test_add_func ("/score/composite/params", test_params);
  g_test_add_func ("/score/composite/names", test_names);
  g_test_add_func ("/score/determinism/two-runs", test_determinism);
  g_test_add_func ("/score/causality/truncation", test_causality);
  g_test_add_func ("/score/reasons/templates", test_reason_templates);
  g_test_add_func ("/score/reasons/format", test_reason_format);
  g_test_add_func ("/score/reasons/side-agrees-with-value", test_reason_sides);
  g_test_add_func ("/score/plan/structure-and-filters", test_plan);
  g_test_add_func ("/score/plan/guards", test_plan_guards);

  return g_test_run ();
}
