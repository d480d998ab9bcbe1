/* perp-push-feed.h: a feed whose data the caller hands it
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-feed.h"

G_BEGIN_DECLS

/*
 * PerpPushFeed emits exactly what its owner passes to the perp_feed_emit_*()
 * functions, when it is passed: no connection, no clock, no playback.  The latency
 * benchmark times a message from its text to the engine's score through it, and tests
 * drive the engine with it.  A resync the engine asks for is counted (and announced by
 * the "resync-requested" signal, with the symbol) so a test can answer it.
 */
#define PERP_TYPE_PUSH_FEED (perp_push_feed_get_type ())
G_DECLARE_FINAL_TYPE (PerpPushFeed, perp_push_feed, PERP, PUSH_FEED, GObject)

PerpPushFeed *perp_push_feed_new              (void);
guint         perp_push_feed_get_n_resyncs    (PerpPushFeed *self);
const char   *perp_push_feed_get_last_resync  (PerpPushFeed *self);

G_END_DECLS
