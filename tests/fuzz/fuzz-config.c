/* fuzz-config.c: the YAML configuration loader
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a configuration file's contents, loaded as perp_config_load_file()
 * loads the file.  A config it accepts has passed every *_check function, so it is
 * copied (the copy re-points the time zone and killzone names) and its strings read.
 */

#include <string.h>

#include "io/perp-config.h"

#include "fuzz-target.h"

static void
read_config (const PerpConfig *config)
{
  g_assert (config->symbols != NULL);
  for (guint i = 0; config->symbols[i] != NULL; i++)
    (void) strlen (config->symbols[i]);
  for (guint i = 0; i < config->n_chart_intervals; i++)
    g_assert (config->chart_intervals[i] != PERP_INTERVAL_UNKNOWN);
  if (config->journal_path != NULL)
    (void) strlen (config->journal_path);
  /* The structure engine's strings point into the config's own storage. */
  g_assert (config->structure.time_zone == config->time_zone);
  if (config->time_zone != NULL)
    (void) strlen (config->time_zone);
  g_assert (config->structure.n_killzones <= G_N_ELEMENTS (config->killzone_names));
  for (guint k = 0; k < config->structure.n_killzones; k++)
    {
      g_assert (config->structure.killzones[k].name == config->killzone_names[k]);
      (void) strlen (config->killzone_names[k]);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpConfig) copy = NULL;
  g_autoptr(GError) error = NULL;

  config = perp_config_load_data ((const char *) data, size, "fuzz.yaml", &error);
  g_assert ((config != NULL) == (error == NULL));
  if (config == NULL)
    return 0;

  read_config (config);
  copy = perp_config_copy (config);
  g_clear_pointer (&config, perp_config_free);
  read_config (copy);

  return 0;
}
