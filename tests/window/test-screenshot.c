/* test-screenshot.c: `perpscope --screenshot` on the bundled replay, end to end
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-screenshot"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

/*
 * Runs the real binary (path in argv[1]) the way the README's screenshot is made and
 * checks what a person would: the PNG is there, has the size asked for, is not blank,
 * and is light or dark as asked.  Failures must exit nonzero with a message.
 */

static const char *perpscope_bin;

typedef struct
{
  int     width;
  int     height;
  guint   n_colors;
  double  top_share;     /* share of pixels with the most common colour */
  double  mean_luma;     /* 0 .. 255 */
} PngFacts;

static gboolean
run_perpscope (const char * const  *args,
               char               **err_out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (gpointer) perpscope_bin);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, err_out, &wait_status, &error);
  g_assert_no_error (error);

  return g_spawn_check_wait_status (wait_status, NULL);
}

static void
png_facts (const char *path,
           PngFacts   *facts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autoptr(GHashTable) colors = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autofree guchar *pixels = NULL;
  gsize stride;
  guint top = 0;
  double luma = 0.0;

  g_assert_no_error (error);
  facts->width = gdk_texture_get_width (texture);
  facts->height = gdk_texture_get_height (texture);
  stride = (gsize) facts->width * 4;
  pixels = g_malloc (stride * facts->height);
  /* CAIRO_FORMAT_ARGB32 order in memory on little endian: B G R A */
  gdk_texture_download (texture, pixels, stride);

  for (int y = 0; y < facts->height; y++)
    for (int x = 0; x < facts->width; x++)
      {
        const guchar *p = pixels + (gsize) y * stride + (gsize) x * 4;
        guint32 key = ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2];
        guint count = GPOINTER_TO_UINT (g_hash_table_lookup (colors, GUINT_TO_POINTER (key + 1))) + 1;

        g_hash_table_insert (colors, GUINT_TO_POINTER (key + 1), GUINT_TO_POINTER (count));
        top = MAX (top, count);
        luma += 0.0722 * p[0] + 0.7152 * p[1] + 0.2126 * p[2];
      }

  facts->n_colors = g_hash_table_size (colors);
  facts->top_share = (double) top / ((double) facts->width * facts->height);
  facts->mean_luma = luma / ((double) facts->width * facts->height);
}

static void
check_theme (const char *theme,
             int         width,
             int         height)
{
  g_autofree char *replay = g_build_filename (PERP_SOURCE_DIR, "data", "replay", NULL);
  g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "", NULL);
  g_autofree char *path = g_strdup_printf ("%s/screenshot-%s.png", png, theme);
  g_autofree char *size = g_strdup_printf ("%dx%d", width, height);
  g_autofree char *err = NULL;
  const char *args[] = {
    "--replay", replay, "--symbol", "ETHUSDT", "--timeframe", "15m",
    "--at", "2024-03-20T12:00", "--screenshot", path, "--size", size, "--theme", theme, NULL
  };
  PngFacts facts;
  gboolean ok;

  g_unlink (path);
  ok = run_perpscope (args, &err);
  if (!ok)
    g_printerr ("%s", err);
  g_assert_true (ok);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  png_facts (path, &facts);
  g_test_message ("%s: %dx%d, %u colours, top colour %.2f, mean luma %.1f",
                  theme, facts.width, facts.height, facts.n_colors, facts.top_share, facts.mean_luma);
  g_assert_cmpint (facts.width, ==, width);
  g_assert_cmpint (facts.height, ==, height);
  /* A window with a chart, text and a panel: many colours, no colour dominating. */
  g_assert_cmpuint (facts.n_colors, >, 200);
  g_assert_cmpfloat (facts.top_share, <, 0.85);
  if (strcmp (theme, "light") == 0)
    g_assert_cmpfloat (facts.mean_luma, >, 150.0);
  else
    g_assert_cmpfloat (facts.mean_luma, <, 100.0);
}

static void
test_light (void)
{
  check_theme ("light", 1000, 700);
}

static void
test_dark (void)
{
  check_theme ("dark", 900, 620);
}

static void
test_missing_replay (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "", NULL);
  g_autofree char *path = g_strdup_printf ("%s/screenshot-missing.png", dir);
  g_autofree char *err = NULL;
  const char *args[] = {
    "--replay", "/nonexistent/recording.csv", "--screenshot", path, NULL
  };

  g_unlink (path);
  g_assert_false (run_perpscope (args, &err));
  g_assert_nonnull (strstr (err, "/nonexistent/recording.csv"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_bad_options (void)
{
  g_autofree char *err = NULL;
  const char *size_args[] = { "--screenshot", "x.png", "--size", "huge", NULL };
  const char *theme_args[] = { "--screenshot", "x.png", "--theme", "purple", NULL };
  const char *at_args[] = { "--screenshot", "x.png", "--at", "yesterday-ish", NULL };

  g_assert_false (run_perpscope (size_args, &err));
  g_assert_nonnull (strstr (err, "--size huge"));
  g_clear_pointer (&err, g_free);
  g_assert_false (run_perpscope (theme_args, &err));
  g_assert_nonnull (strstr (err, "--theme purple"));
  g_clear_pointer (&err, g_free);
  g_assert_false (run_perpscope (at_args, &err));
  g_assert_nonnull (strstr (err, "--at yesterday-ish"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    {
      g_printerr ("usage: test-screenshot PATH-TO-PERPSCOPE\n");
      return 1;
    }
  perpscope_bin = argv[1];

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      if (g_getenv ("CI") != NULL)
        {
          g_printerr ("No display, and CI is set: run the UI tests under xvfb-run\n");
          return 1;
        }
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_add_func ("/screenshot/light", test_light);
  g_test_add_func ("/screenshot/dark", test_dark);
  g_test_add_func ("/screenshot/missing-replay-fails", test_missing_replay);
  g_test_add_func ("/screenshot/bad-options-fail", test_bad_options);

  return g_test_run ();
}
