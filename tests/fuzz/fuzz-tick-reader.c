/* fuzz-tick-reader.c: the tick-capture file reader (plain or gzip)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a capture file's bytes: plain JSON lines, or a gzip stream of them (the
 * reader goes by the magic bytes, not the name).  perp_tick_reader_open() wants a path,
 * so the bytes are written to one temporary file per process, rewritten for each input.
 * The file is read to its end leniently (every bad line skipped and counted) and
 * strictly (up to the first bad line); fuzz-tick covers what the decoded events feed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "io/perp-tick-reader.h"

#include "fuzz-target.h"

/* Enough to reach every path of the line reader; more only repeats them. */
#define MAX_EVENTS 1024

static char *tmp_path;

static void
remove_tmp (void)
{
  g_unlink (tmp_path);
}

static const char *
write_input (const uint8_t *data,
             size_t         size)
{
  g_autoptr(GError) error = NULL;

  if (tmp_path == NULL)
    {
      int fd = g_file_open_tmp ("perp-fuzz-XXXXXX.jsonl", &tmp_path, &error);

      if (fd < 0)
        g_error ("fuzz-tick-reader: %s", error->message);
      close (fd);
      atexit (remove_tmp);
    }

  if (!g_file_set_contents (tmp_path, (const char *) data, (gssize) size, &error))
    g_error ("fuzz-tick-reader: %s", error->message);

  return tmp_path;
}

static void
read_all (const char          *path,
          PerpTickReaderFlags  flags)
{
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  guint n = 0;

  reader = perp_tick_reader_open (path, flags, &error);
  g_assert ((reader != NULL) == (error == NULL));
  if (reader == NULL)
    return;

  while (n++ < MAX_EVENTS && perp_tick_reader_next (reader, &event, &error))
    (void) perp_tick_event_time (&event);

  (void) perp_tick_reader_get_line (reader);
  if (perp_tick_reader_get_n_skipped (reader) > 0)
    g_assert (perp_tick_reader_get_first_skipped (reader) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *path = write_input (data, size);

  read_all (path, PERP_TICK_READER_FLAGS_LENIENT);
  read_all (path, PERP_TICK_READER_FLAGS_NONE);

  return 0;
}
