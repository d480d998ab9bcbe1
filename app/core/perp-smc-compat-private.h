/* perp-smc-compat-private.h: what the compat-mode files share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-smc-compat.h"

G_BEGIN_DECLS

static inline void
_perp_smc_fill (double *out,
                guint   n,
                double  value)
{
  for (guint i = 0; i < n; i++)
    out[i] = value;
}

/* What the peer stores in a float32 column, widened back: every decision and output of
 * the compat mode sees exactly the value the peer compares against. */
static inline double
_perp_smc_f32 (double value)
{
  return (double) (float) value;
}

G_END_DECLS
