/* fuzz-replay.c: runs a fuzz target over corpus files without libFuzzer
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-TARGET-replay FILE_OR_DIR...
 *
 * Every build links each target with this main (gcc has no libFuzzer), so the seed
 * corpus and the crash reproducers under corpus/ stay regression tests everywhere;
 * ASan and UBSan turn a memory error back into a failing test.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz-target.h"

static guint n_inputs;

static gboolean
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *copy = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      return FALSE;
    }

  /* An exact-size heap copy, as libFuzzer passes it: g_file_get_contents() adds a NUL
   * past the end, which would hide a read one byte too far. */
  copy = g_malloc (MAX (length, 1));
  memcpy (copy, contents, length);

  printf ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);
  LLVMFuzzerTestOneInput (copy, length);
  n_inputs++;

  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
run_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;
  gboolean ok = TRUE;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path);

  if ((dir = g_dir_open (path, 0, &error)) == NULL)
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      return FALSE;
    }

  /* In name order, so a failure is found at the same input on every machine. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.' && strcmp (name, "README.md") != 0)
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    ok &= run_path (g_ptr_array_index (names, i));

  return ok;
}

int
main (int   argc,
      char *argv[])
{
  gboolean ok = TRUE;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    ok &= run_path (argv[i]);

  if (n_inputs == 0)
    {
      fprintf (stderr, "fuzz-replay: no input files\n");
      return 1;
    }

  printf ("%u inputs ran\n", n_inputs);

  return ok ? 0 : 1;
}
