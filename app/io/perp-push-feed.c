/* perp-push-feed.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "perp-push-feed.h"

struct _PerpPushFeed
{
  GObject  parent_instance;
  guint    n_resyncs;
  char    *last_resync;
};

static void perp_push_feed_iface_init (PerpFeedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PerpPushFeed, perp_push_feed, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PERP_TYPE_FEED, perp_push_feed_iface_init))

enum {
  RESYNC_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Nothing to start or stop: the owner emits. */
static void
perp_push_feed_start (PerpFeed *feed)
{
}

static PerpFeedState
perp_push_feed_get_state (PerpFeed *feed)
{
  return PERP_FEED_STATE_LIVE;
}

static void
perp_push_feed_resync (PerpFeed   *feed,
                       const char *symbol)
{
  PerpPushFeed *self = PERP_PUSH_FEED (feed);

  self->n_resyncs++;
  g_free (self->last_resync);
  self->last_resync = g_strdup (symbol);
  g_signal_emit (self, signals[RESYNC_REQUESTED], 0, symbol);
}

static void
perp_push_feed_iface_init (PerpFeedInterface *iface)
{
  iface->start = perp_push_feed_start;
  iface->stop = perp_push_feed_start;
  iface->get_state = perp_push_feed_get_state;
  iface->resync = perp_push_feed_resync;
}

static void
perp_push_feed_finalize (GObject *object)
{
  g_free (PERP_PUSH_FEED (object)->last_resync);
  G_OBJECT_CLASS (perp_push_feed_parent_class)->finalize (object);
}

static void
perp_push_feed_class_init (PerpPushFeedClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = perp_push_feed_finalize;

  signals[RESYNC_REQUESTED] =
    g_signal_new ("resync-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
perp_push_feed_init (PerpPushFeed *self)
{
}

PerpPushFeed *
perp_push_feed_new (void)
{
  return g_object_new (PERP_TYPE_PUSH_FEED, NULL);
}

guint
perp_push_feed_get_n_resyncs (PerpPushFeed *self)
{
  g_return_val_if_fail (PERP_IS_PUSH_FEED (self), 0);
  return self->n_resyncs;
}

/* The symbol of the last resync asked for, or NULL. */
const char *
perp_push_feed_get_last_resync (PerpPushFeed *self)
{
  g_return_val_if_fail (PERP_IS_PUSH_FEED (self), NULL);
  return self->last_resync;
}
