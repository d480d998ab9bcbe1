/* perp-data-path.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

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

/* Whether @a and @b name one file: the same file when both exist (links, "./"
 * included), else the same absolute path.  (An output must never be an input.) */
gboolean
perp_path_same_file (const char *a,
                     const char *b)
{
  GStatBuf sa, sb;
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  ca = g_canonicalize_filename (a, NULL);
  cb = g_canonicalize_filename (b, NULL);
  return strcmp (ca, cb) == 0;
}
