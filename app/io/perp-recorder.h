/* perp-recorder.h: live market messages written to disk in the capture format
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PERP_RECORDER_ERROR (perp_recorder_error_quark ())

typedef enum
{
  PERP_RECORDER_ERROR_IO,       /* a file could not be created, written or closed */
  PERP_RECORDER_ERROR_SIGNAL,   /* the object to attach to has no "raw-message" signal */
  PERP_RECORDER_ERROR_CLOSED,   /* the recorder was closed */
} PerpRecorderError;

/**
 * PerpRecorderParams:
 * @rotate_bytes: start a new file once the current one holds this many compressed
 *   bytes; 0 never
 * @rotate_seconds: start a new file once the current one spans this much receive
 *   time; 0 never
 * @flush_ms: data older than this is on disk (gzip sync flush), so a killed process
 *   loses at most this much
 * @max_queue_bytes: messages waiting for the disk beyond this are dropped and counted
 *   rather than growing memory without bound
 */
typedef struct
{
  guint64 rotate_bytes;
  guint   rotate_seconds;
  guint   flush_ms;
  gsize   max_queue_bytes;
} PerpRecorderParams;

/*
 * PerpRecorder writes every message it is given (perp_recorder_write, or the
 * "raw-message" signal of a PerpBinanceFeed it is attached to) as one line
 *
 *   {"recv_ns":N,"stream":"...","data":<the text as received>}
 *
 * into one gzip'd file per symbol, binance_usdm_<SYMBOL>_<YYYYMMDDTHHMMSSZ>.jsonl.gz
 * (the time is the receive time of the file's first message; "_002", "_003" ... are added
 * before the extension if that name exists, so name order is creation order).
 * PerpReplayFeed reads these files back.
 * Line breaks in a text (only possible as JSON whitespace) become spaces, so one
 * message stays one line; empty texts are dropped and counted.
 *
 * Writing happens on a thread of its own: the main loop only formats the line and
 * queues it.  The first disk error stops the recording: it is kept
 * (perp_recorder_get_error) and reported once by the "failed" signal (GError *), on the
 * main context the recorder was created in; later messages are dropped and counted.
 */
#define PERP_TYPE_RECORDER (perp_recorder_get_type ())
G_DECLARE_FINAL_TYPE (PerpRecorder, perp_recorder, PERP, RECORDER, GObject)

GQuark        perp_recorder_error_quark   (void);
void          perp_recorder_params_init   (PerpRecorderParams        *params);

PerpRecorder *perp_recorder_new           (const char                *directory,
                                           const PerpRecorderParams  *params,
                                           GError                   **error);
gboolean      perp_recorder_attach        (PerpRecorder              *self,
                                           GObject                   *feed,
                                           GError                   **error);
void          perp_recorder_detach        (PerpRecorder              *self);
void          perp_recorder_write         (PerpRecorder              *self,
                                           const char                *symbol,
                                           const char                *stream,
                                           const char                *text,
                                           gsize                      length,
                                           gint64                     recv_ns);
gboolean      perp_recorder_flush         (PerpRecorder              *self,
                                           GError                   **error);
gboolean      perp_recorder_close         (PerpRecorder              *self,
                                           GError                   **error);
const GError *perp_recorder_get_error     (PerpRecorder              *self);
guint64       perp_recorder_get_n_written (PerpRecorder              *self);
guint64       perp_recorder_get_n_dropped (PerpRecorder              *self);
GStrv         perp_recorder_dup_files     (PerpRecorder              *self);

G_END_DECLS
