/* perp-data-path.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "perp-data-path.h"

/**
 * perp_data_path_find:
 * @relative: a path under the data directory ("replay", "exchange-info/…json")
 * @test: what it must be (%G_FILE_TEST_IS_DIR, %G_FILE_TEST_IS_REGULAR)
 *
 * Looks in $PERPSCOPE_DATA_DIR when set, then the installed datadir/perpscope, then,
 * for an uninstalled build, the source tree's data/.  The CLI and the workstation
 * find the bundled replay and exchangeInfo this one way.
 *
 * Returns: (transfer full) (nullable): the path, or %NULL when none has it
 */
char *
perp_data_path_find (const char *relative,
                     GFileTest   test)
{
  const char *dirs[] = { g_getenv ("PERPSCOPE_DATA_DIR"), PERP_DATA_DIR, PERP_SOURCE_DIR "/data" };

  g_return_val_if_fail (relative != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (dirs[i] != NULL && dirs[i][0] != '\0')
      {
        g_autofree char *path = g_build_filename (dirs[i], relative, NULL);

        if (g_file_test (path, test))
          return g_steal_pointer (&path);
      }
  return NULL;
}
