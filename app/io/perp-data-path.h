/* perp-data-path.h: where the bundled data is
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *perp_data_path_find (const char *relative,
                               GFileTest   test);
gboolean  perp_path_same_file (const char *a,
                               const char *b);

G_END_DECLS
