/* test-derivatives-data.c: funding readings on the recorded funding histories
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "core/perp-derivatives.h"
#include "io/perp-series-csv.h"
#include "test-derivatives-check.h"

#define BTC_FUNDING "data/funding/BTCUSDT_funding_2023-01-01_2024-03-31.csv"

/* Settlement times carry a few ms of jitter (../shared/data/README.md). */
#define JITTER_MS 1000

static guint
count_rows (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      n++;

  return n;
}

/* Loads one funding file, checks it is a complete 8 h history, and runs the funding
 * state over it with the default parameters; returns the values. */
static PerpFundingValue *
run_file (const char         *path,
          PerpFundingParams  *params,
          PerpTimeSeries    **out_series)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, &error);
  PerpFundingValue *values;
  PerpFunding f;

  g_assert_no_error (error);
  g_assert_cmpstr (series->time_column, ==, "funding_time");
  g_assert_cmpstr (series->value_column, ==, "funding_rate");
  g_assert_cmpuint (series->length, ==, count_rows (path));

  perp_funding_params_init_default (params);
  for (guint i = 1; i < series->length; i++)
    {
      gint64 gap = series->time[i] - series->time[i - 1];

      g_assert_cmpint (gap, >=, params->interval_ms - JITTER_MS);
      g_assert_cmpint (gap, <=, params->interval_ms + JITTER_MS);
    }

  values = g_new (PerpFundingValue, series->length);
  perp_funding_batch (series->value, series->length, params, values);
  check_funding_values (series->value, series->length, params, values);

  /* The feed's way, one settlement at a time: the same bits. */
  perp_funding_init (&f, params);
  for (guint i = 0; i < series->length; i++)
    {
      PerpFundingValue v;

      perp_funding_update (&f, series->value[i], &v);
      g_assert_true (same_bits (v.zscore, values[i].zscore));
      g_assert_true (same_bits (v.percentile, values[i].percentile));
      g_assert_true (same_bits (v.mean, values[i].mean));
      g_assert_cmpint (v.reading, ==, values[i].reading);
    }
  perp_funding_clear (&f);

  *out_series = g_steal_pointer (&series);

  return values;
}

/* BTCUSDT 2023-01 .. 2024-03: the highest rate of the period is a crowded-longs
 * reading whenever it reaches the level rule, and the readings are reported. */
static void
test_btc_funding (void)
{
  g_autofree char *path = perp_test_shared_path (BTC_FUNDING);
  g_autoptr(PerpTimeSeries) series = NULL;
  g_autofree PerpFundingValue *v = NULL;
  PerpFundingParams p;
  guint counts[PERP_FUNDING_READING_CROWDED_SHORTS + 1] = { 0, };
  guint max_i = 0;

  if (path == NULL)
    {
      g_test_skip ("../shared/" BTC_FUNDING " not present (PERP_SHARED_DIR)");
      return;
    }

  v = run_file (path, &p, &series);

  for (guint i = 0; i < series->length; i++)
    {
      counts[v[i].reading]++;
      if (series->value[i] > series->value[max_i])
        max_i = i;
    }

  if (series->value[max_i] >= p.crowded_long_rate)
    g_assert_cmpint (v[max_i].reading, ==, PERP_FUNDING_READING_CROWDED_LONGS);
  if (!isnan (v[max_i].percentile))
    g_assert_cmpfloat (v[max_i].percentile, ==, 100.0);

  /* A crowded-shorts reading above the level rule must come from the statistics. */
  for (guint i = 0; i < series->length; i++)
    if (v[i].reading == PERP_FUNDING_READING_CROWDED_SHORTS && series->value[i] > p.crowded_short_rate)
      g_assert_cmpfloat (v[i].zscore, <=, -p.z_extreme);

  g_test_message ("BTCUSDT funding, %u settlements: normal %u, crowded longs %u, crowded shorts %u, "
                  "unknown %u; max rate %.8f at %" G_GINT64_FORMAT " (z %.2f)",
                  series->length, counts[PERP_FUNDING_READING_NORMAL],
                  counts[PERP_FUNDING_READING_CROWDED_LONGS], counts[PERP_FUNDING_READING_CROWDED_SHORTS],
                  counts[PERP_FUNDING_READING_UNKNOWN], series->value[max_i], series->time[max_i],
                  v[max_i].zscore);

  g_assert_cmpuint (counts[PERP_FUNDING_READING_UNKNOWN], ==, 0);
  g_assert_cmpuint (counts[PERP_FUNDING_READING_CROWDED_LONGS], >, 0);
}

/* Every funding history in ../shared loads strictly and reads consistently. */
static void
test_all_funding_files (void)
{
  g_autofree char *dir_path = perp_test_shared_path ("data/funding");
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n_files = 0;

  if (dir_path == NULL)
    {
      g_test_skip ("../shared/data/funding not present (PERP_SHARED_DIR)");
      return;
    }

  dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(PerpTimeSeries) series = NULL;
      g_autofree PerpFundingValue *v = NULL;
      PerpFundingParams p;

      if (!g_str_has_suffix (name, ".csv"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      v = run_file (path, &p, &series);
      n_files++;
    }

  g_assert_cmpuint (n_files, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/derivatives/funding/btcusdt", test_btc_funding);
  g_test_add_func ("/data/derivatives/funding/all-files", test_all_funding_files);

  return g_test_run ();
}
