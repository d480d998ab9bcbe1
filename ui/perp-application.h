/* perp-application.h: the workstation application: data sources, windows, screenshots
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PERP_TYPE_APPLICATION (perp_application_get_type ())
G_DECLARE_FINAL_TYPE (PerpApplication, perp_application, PERP, APPLICATION, AdwApplication)

PerpApplication *perp_application_new             (void);
int              perp_application_get_exit_status (PerpApplication *self);

G_END_DECLS
