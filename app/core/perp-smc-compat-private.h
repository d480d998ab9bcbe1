/* perp-smc-compat-private.h: what the compat-mode files share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

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

/* first ? if_first : second ? if_second : otherwise, with bit masks rather than the
 * branches a compiler makes of ?: on doubles: for conditions that hold as often as not,
 * a branch mispredicts on every other row. */
static inline double
_perp_smc_pick (gboolean first,
                double   if_first,
                gboolean second,
                double   if_second,
                double   otherwise)
{
  guint64 take_first = -(guint64) (first != 0);
  guint64 take_second = -(guint64) (second != 0) & ~take_first;
  guint64 a;
  guint64 b;
  guint64 c;
  double result;

  memcpy (&a, &if_first, sizeof a);
  memcpy (&b, &if_second, sizeof b);
  memcpy (&c, &otherwise, sizeof c);
  a = (a & take_first) | (b & take_second) | (c & ~(take_first | take_second));
  memcpy (&result, &a, sizeof result);

  return result;
}

/* What the peer stores in a float32 column, widened back: every decision and output of
 * the compat mode sees exactly the value the peer compares against. */
static inline double
_perp_smc_f32 (double value)
{
  return (double) (float) value;
}

G_END_DECLS
