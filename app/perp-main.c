/* perp-main.c: the workstation's entry point
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perpscope"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "perp-application.h"

/* Where the message catalogs are: next to the installed data. */
#ifndef PERP_LOCALE_DIR
#define PERP_LOCALE_DIR "/usr/share/locale"
#endif

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PerpApplication) app = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, PERP_LOCALE_DIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Perpscope"));

  app = perp_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  if (status == 0)
    status = perp_application_get_exit_status (app);

  return status;
}
