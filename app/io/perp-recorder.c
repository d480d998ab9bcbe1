/* perp-recorder.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-recorder"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "perp-recorder.h"

/*
 * The main thread formats each message into its final line and pushes it onto a
 * GAsyncQueue; one writer thread owns every file (hash symbol -> open gzip stream) and
 * is the only one touching the disk, so a slow disk delays the thread, never the main
 * loop.  The thread wakes at least every flush period and sync-flushes (Z_SYNC_FLUSH
 * through GConverterOutputStream's flush) the files written since the last one: what
 * is on disk then decompresses up to that point even without the gzip trailer.
 *
 * perp_recorder_flush/close are the only calls that wait for the thread: they queue a
 * barrier and block until the thread has handled everything before it.
 */

#define DEFAULT_ROTATE_BYTES    (G_GUINT64_CONSTANT (256) << 20)
#define DEFAULT_ROTATE_SECONDS  3600
#define DEFAULT_FLUSH_MS        1000
#define DEFAULT_MAX_QUEUE_BYTES ((gsize) 64 << 20)
#define WAKE_US                 (100 * G_TIME_SPAN_MILLISECOND)

G_DEFINE_QUARK (perp-recorder-error-quark, perp_recorder_error)

typedef enum
{
  MSG_LINE,
  MSG_SYNC,
} MsgKind;

typedef struct
{
  MsgKind   kind;
  char     *symbol;
  char     *line;
  gsize     length;
  gint64    recv_ns;
  /* MSG_SYNC */
  gboolean  close_files;
  gboolean  quit;
  gboolean  done;
} Msg;

typedef struct
{
  char          *path;
  GOutputStream *file;      /* the GFileOutputStream */
  GOutputStream *gz;
  gint64         start_ns;
  gint64         last_flush_us;
  gboolean       dirty;
} File;

struct _PerpRecorder
{
  GObject             parent_instance;

  char               *directory;
  PerpRecorderParams  params;
  GMainContext       *context;
  GAsyncQueue        *queue;
  GThread            *thread;
  GObject            *feed;       /* weak */
  gulong              handler;

  /* Shared with the writer thread, under `mutex`. */
  GMutex              mutex;
  GCond               cond;
  GError             *error;
  gboolean            failed;
  gboolean            closed;
  gsize               queued_bytes;
  guint64             n_written;
  guint64             n_dropped;
  GPtrArray          *files;      /* every path created, in order */

  /* Writer thread only. */
  GHashTable         *open_files; /* symbol -> File */
};

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PerpRecorder, perp_recorder, G_TYPE_OBJECT)

void
perp_recorder_params_init (PerpRecorderParams *params)
{
  g_return_if_fail (params != NULL);

  params->rotate_bytes = DEFAULT_ROTATE_BYTES;
  params->rotate_seconds = DEFAULT_ROTATE_SECONDS;
  params->flush_ms = DEFAULT_FLUSH_MS;
  params->max_queue_bytes = DEFAULT_MAX_QUEUE_BYTES;
}

static void
msg_free (Msg *msg)
{
  g_free (msg->symbol);
  g_free (msg->line);
  g_free (msg);
}

/* ------------------------------------------------------------------ writer thread */

static gboolean
emit_failed (gpointer data)
{
  PerpRecorder *self = data;
  GError *error;

  g_mutex_lock (&self->mutex);
  error = self->error != NULL ? g_error_copy (self->error) : NULL;
  g_mutex_unlock (&self->mutex);

  if (error != NULL)
    {
      g_debug ("%s", error->message);
      g_signal_emit (self, signals[FAILED], 0, error);
      g_error_free (error);
    }

  return G_SOURCE_REMOVE;
}

static void
file_free (gpointer data)
{
  File *f = data;

  /* Closing finishes the gzip member; errors here were reported by close_file(). */
  if (f->gz != NULL && !g_output_stream_is_closed (f->gz))
    g_output_stream_close (f->gz, NULL, NULL);
  g_clear_object (&f->gz);
  g_clear_object (&f->file);
  g_free (f->path);
  g_free (f);
}

/* The first disk error: kept, reported once on the main context; the recording stops. */
static void
writer_fail (PerpRecorder *self,
             GError       *error)
{
  gboolean first;

  g_mutex_lock (&self->mutex);
  first = !self->failed;
  if (first)
    {
      self->failed = TRUE;
      self->error = error;
    }
  else
    {
      g_error_free (error);
    }
  g_mutex_unlock (&self->mutex);

  g_hash_table_remove_all (self->open_files);

  if (first)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_failed,
                                g_object_ref (self), g_object_unref);
}

static gboolean
close_file (PerpRecorder *self,
            const char   *symbol)
{
  File *f = g_hash_table_lookup (self->open_files, symbol);
  g_autoptr(GError) error = NULL;

  if (f == NULL)
    return TRUE;

  if (!g_output_stream_close (f->gz, NULL, &error))
    {
      writer_fail (self, g_error_new (PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO,
                                      "recording %s: %s: %s", symbol, f->path, error->message));
      return FALSE;
    }
  g_hash_table_remove (self->open_files, symbol);

  return TRUE;
}

static File *
open_file (PerpRecorder *self,
           const char   *symbol,
           gint64        recv_ns)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (recv_ns / G_GINT64_CONSTANT (1000000000));
  g_autofree char *stamp = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  File *f;

  if (when == NULL)
    when = g_date_time_new_from_unix_utc (0);
  stamp = g_date_time_format (when, "%Y%m%dT%H%M%SZ");

  for (guint attempt = 1; attempt <= 1000; attempt++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GFile) file = NULL;

      if (attempt == 1)
        name = g_strdup_printf ("binance_usdm_%s_%s.jsonl.gz", symbol, stamp);
      else
        name = g_strdup_printf ("binance_usdm_%s_%s_%03u.jsonl.gz", symbol, stamp, attempt);
      g_free (path);
      path = g_build_filename (self->directory, name, NULL);
      file = g_file_new_for_path (path);
      g_clear_error (&error);
      stream = g_file_create (file, G_FILE_CREATE_NONE, NULL, &error);
      if (stream != NULL || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        break;
    }

  if (stream == NULL)
    {
      writer_fail (self, g_error_new (PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO,
                                      "recording %s: cannot create %s: %s", symbol, path, error->message));
      return NULL;
    }

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  f = g_new0 (File, 1);
  f->path = g_strdup (path);
  f->file = G_OUTPUT_STREAM (g_steal_pointer (&stream));
  f->gz = g_converter_output_stream_new (f->file, G_CONVERTER (compressor));
  f->start_ns = recv_ns;
  f->last_flush_us = g_get_monotonic_time ();
  g_hash_table_insert (self->open_files, g_strdup (symbol), f);

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->files, g_strdup (path));
  g_mutex_unlock (&self->mutex);

  return f;
}

static gboolean
needs_rotation (PerpRecorder *self,
                File         *f,
                gint64        recv_ns)
{
  if (self->params.rotate_seconds > 0
      && recv_ns - f->start_ns >= (gint64) self->params.rotate_seconds * G_GINT64_CONSTANT (1000000000))
    return TRUE;

  if (self->params.rotate_bytes > 0
      && (guint64) g_seekable_tell (G_SEEKABLE (f->file)) >= self->params.rotate_bytes)
    return TRUE;

  return FALSE;
}

/* Returns FALSE when the message could not be written (the recorder failed). */
static gboolean
write_line (PerpRecorder *self,
            Msg          *msg)
{
  g_autoptr(GError) error = NULL;
  File *f = g_hash_table_lookup (self->open_files, msg->symbol);

  if (f != NULL && needs_rotation (self, f, msg->recv_ns))
    {
      if (!close_file (self, msg->symbol))
        return FALSE;
      f = NULL;
    }
  if (f == NULL && (f = open_file (self, msg->symbol, msg->recv_ns)) == NULL)
    return FALSE;

  if (!g_output_stream_write_all (f->gz, msg->line, msg->length, NULL, NULL, &error))
    {
      writer_fail (self, g_error_new (PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO,
                                      "recording %s: %s: %s", msg->symbol, f->path, error->message));
      return FALSE;
    }
  f->dirty = TRUE;

  return TRUE;
}

static gboolean
flush_file (PerpRecorder *self,
            const char   *symbol,
            File         *f)
{
  g_autoptr(GError) error = NULL;

  f->last_flush_us = g_get_monotonic_time ();
  if (!f->dirty)
    return TRUE;
  f->dirty = FALSE;

  if (!g_output_stream_flush (f->gz, NULL, &error))
    {
      writer_fail (self, g_error_new (PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO,
                                      "recording %s: %s: %s", symbol, f->path, error->message));
      return FALSE;
    }

  return TRUE;
}

/* Flushes the files due (all with @force), or closes them all with @close. */
static void
flush_files (PerpRecorder *self,
             gboolean      force,
             gboolean      close)
{
  g_autoptr(GPtrArray) symbols = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->open_files);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_add (symbols, g_strdup (key));

  for (guint i = 0; i < symbols->len; i++)
    {
      const char *symbol = g_ptr_array_index (symbols, i);
      File *f = g_hash_table_lookup (self->open_files, symbol);

      if (f == NULL)
        continue;  /* a failure closed everything */
      if (close)
        {
          if (!close_file (self, symbol))
            return;
        }
      else if (force || now - f->last_flush_us >= (gint64) self->params.flush_ms * G_TIME_SPAN_MILLISECOND)
        {
          if (!flush_file (self, symbol, f))
            return;
        }
    }
}

static gpointer
writer_main (gpointer data)
{
  PerpRecorder *self = data;
  gint64 wake = MIN (WAKE_US, (gint64) MAX (self->params.flush_ms, 1) * G_TIME_SPAN_MILLISECOND);
  gboolean quit = FALSE;

  while (!quit)
    {
      Msg *msg = g_async_queue_timeout_pop (self->queue, (guint64) wake);
      gboolean failed;

      g_mutex_lock (&self->mutex);
      failed = self->failed;
      g_mutex_unlock (&self->mutex);

      if (msg != NULL && msg->kind == MSG_LINE)
        {
          gboolean written = !failed && write_line (self, msg);

          g_mutex_lock (&self->mutex);
          self->queued_bytes -= msg->length;
          if (written)
            self->n_written++;
          else
            self->n_dropped++;
          g_mutex_unlock (&self->mutex);
          msg_free (msg);
        }
      else if (msg != NULL)
        {
          if (!failed)
            flush_files (self, TRUE, msg->close_files);
          quit = msg->quit;
          g_mutex_lock (&self->mutex);
          msg->done = TRUE;
          g_cond_broadcast (&self->cond);
          g_mutex_unlock (&self->mutex);
          /* The waiting caller frees the barrier. */
          continue;
        }

      if (!failed)
        flush_files (self, FALSE, FALSE);
    }

  g_hash_table_remove_all (self->open_files);

  return NULL;
}

/* Queues a barrier and waits for the thread to reach it. */
static gboolean
sync_with_writer (PerpRecorder  *self,
                  gboolean       close,
                  GError       **error)
{
  Msg *msg;
  gboolean ok;

  g_mutex_lock (&self->mutex);
  if (self->closed)
    {
      ok = self->error == NULL;
      if (!ok)
        g_propagate_error (error, g_error_copy (self->error));
      g_mutex_unlock (&self->mutex);
      return ok;
    }
  if (close)
    self->closed = TRUE;
  g_mutex_unlock (&self->mutex);

  msg = g_new0 (Msg, 1);
  msg->kind = MSG_SYNC;
  msg->close_files = close;
  msg->quit = close;
  g_async_queue_push (self->queue, msg);

  g_mutex_lock (&self->mutex);
  while (!msg->done)
    g_cond_wait (&self->cond, &self->mutex);
  ok = self->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (self->error));
  g_mutex_unlock (&self->mutex);
  msg_free (msg);

  if (close)
    g_clear_pointer (&self->thread, g_thread_join);

  return ok;
}

/* ------------------------------------------------------------------ GObject */

static void
perp_recorder_dispose (GObject *object)
{
  PerpRecorder *self = PERP_RECORDER (object);

  perp_recorder_detach (self);
  if (self->thread != NULL)
    sync_with_writer (self, TRUE, NULL);

  G_OBJECT_CLASS (perp_recorder_parent_class)->dispose (object);
}

static void
perp_recorder_finalize (GObject *object)
{
  PerpRecorder *self = PERP_RECORDER (object);

  g_async_queue_unref (self->queue);
  g_hash_table_unref (self->open_files);
  g_ptr_array_unref (self->files);
  g_clear_error (&self->error);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->directory);

  G_OBJECT_CLASS (perp_recorder_parent_class)->finalize (object);
}

static void
perp_recorder_class_init (PerpRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_recorder_dispose;
  object_class->finalize = perp_recorder_finalize;

  /**
   * PerpRecorder::failed:
   * @error: what went wrong, naming the file
   *
   * The recording stopped on a disk error.  Emitted once.
   */
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
perp_recorder_init (PerpRecorder *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->queue = g_async_queue_new_full ((GDestroyNotify) msg_free);
  self->open_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, file_free);
  self->files = g_ptr_array_new_with_free_func (g_free);
}

/**
 * perp_recorder_new:
 * @directory: where the files go; created if missing
 * @params: (nullable): rotation and flushing, %NULL for the defaults
 *   (perp_recorder_params_init)
 *
 * Returns: (transfer full) (nullable): a recorder writing from its own thread, or
 *   %NULL when @directory cannot be created
 */
PerpRecorder *
perp_recorder_new (const char                *directory,
                   const PerpRecorderParams  *params,
                   GError                   **error)
{
  PerpRecorder *self;

  g_return_val_if_fail (directory != NULL, NULL);

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO,
                   "recording: cannot create the directory %s: %s", directory, g_strerror (saved));
      return NULL;
    }

  self = g_object_new (PERP_TYPE_RECORDER, NULL);
  self->directory = g_strdup (directory);
  if (params != NULL)
    self->params = *params;
  else
    perp_recorder_params_init (&self->params);
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("perp-recorder", writer_main, self);

  return self;
}

static void
on_raw_message (GObject    *feed,
                const char *symbol,
                const char *stream,
                const char *text,
                gsize       length,
                gint64      recv_ns,
                gpointer    user_data)
{
  perp_recorder_write (PERP_RECORDER (user_data), symbol, stream, text, length, recv_ns);
}

/**
 * perp_recorder_attach:
 * @feed: an object with a "raw-message" signal (a PerpBinanceFeed)
 *
 * Records every raw-message of @feed until perp_recorder_detach() or until either
 * object goes away.  One feed at a time.
 */
gboolean
perp_recorder_attach (PerpRecorder  *self,
                      GObject       *feed,
                      GError       **error)
{
  g_return_val_if_fail (PERP_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (feed), FALSE);

  if (g_signal_lookup ("raw-message", G_OBJECT_TYPE (feed)) == 0)
    {
      g_set_error (error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_SIGNAL,
                   "recording: a %s has no \"raw-message\" signal to record", G_OBJECT_TYPE_NAME (feed));
      return FALSE;
    }

  perp_recorder_detach (self);
  self->feed = feed;
  g_object_add_weak_pointer (feed, (gpointer *) &self->feed);
  self->handler = g_signal_connect_object (feed, "raw-message", G_CALLBACK (on_raw_message), self, 0);

  return TRUE;
}

void
perp_recorder_detach (PerpRecorder *self)
{
  g_return_if_fail (PERP_IS_RECORDER (self));

  if (self->feed != NULL)
    {
      g_clear_signal_handler (&self->handler, self->feed);
      g_object_remove_weak_pointer (self->feed, (gpointer *) &self->feed);
      self->feed = NULL;
    }
  self->handler = 0;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

static char *
file_symbol (const char *symbol)
{
  char *out;

  if (symbol == NULL || *symbol == '\0')
    return g_strdup ("ALL");

  out = g_ascii_strup (symbol, -1);
  for (char *p = out; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';

  return out;
}

/**
 * perp_recorder_write:
 * @symbol: (nullable): whose file the message goes to; %NULL for messages of no one
 *   symbol ("ALL")
 * @stream: the stream name ("btcusdt@depth@0ms", "rest_depth_snapshot", ...)
 * @text: (array length=length): the message as received
 * @recv_ns: when it arrived, ns since the Unix epoch
 *
 * Queues one line; never blocks on the disk.
 */
void
perp_recorder_write (PerpRecorder *self,
                     const char   *symbol,
                     const char   *stream,
                     const char   *text,
                     gsize         length,
                     gint64        recv_ns)
{
  GString *line;
  gsize start;
  gsize i;
  Msg *msg;
  gboolean drop;

  g_return_if_fail (PERP_IS_RECORDER (self));
  g_return_if_fail (stream != NULL);
  g_return_if_fail (text != NULL || length == 0);

  for (i = 0; i < length && g_ascii_isspace (text[i]); i++)
    ;
  g_mutex_lock (&self->mutex);
  drop = i == length || self->closed || self->failed
         || self->queued_bytes + length > self->params.max_queue_bytes;
  if (drop)
    self->n_dropped++;
  g_mutex_unlock (&self->mutex);
  if (drop)
    return;

  line = g_string_sized_new (length + strlen (stream) + 64);
  g_string_append_printf (line, "{\"recv_ns\":%" G_GINT64_FORMAT ",\"stream\":", recv_ns);
  append_json_string (line, stream);
  g_string_append (line, ",\"data\":");
  start = line->len;
  g_string_append_len (line, text, (gssize) length);
  /* Only JSON whitespace can be a line break or a NUL in a valid message. */
  for (i = start; i < line->len; i++)
    if (line->str[i] == '\n' || line->str[i] == '\r' || line->str[i] == '\0')
      line->str[i] = ' ';
  g_string_append (line, "}\n");

  msg = g_new0 (Msg, 1);
  msg->kind = MSG_LINE;
  msg->symbol = file_symbol (symbol);
  msg->recv_ns = recv_ns;
  msg->length = line->len;
  msg->line = g_string_free (line, FALSE);

  g_mutex_lock (&self->mutex);
  self->queued_bytes += msg->length;
  g_mutex_unlock (&self->mutex);
  g_async_queue_push (self->queue, msg);
}

/**
 * perp_recorder_flush:
 *
 * Waits until everything written so far is on disk (sync-flushed).
 *
 * Returns: %FALSE with the recorder's error if it failed
 */
gboolean
perp_recorder_flush (PerpRecorder  *self,
                     GError       **error)
{
  g_return_val_if_fail (PERP_IS_RECORDER (self), FALSE);

  return sync_with_writer (self, FALSE, error);
}

/**
 * perp_recorder_close:
 *
 * Finishes every file (gzip trailer included) and stops the writer thread; later
 * messages are dropped.  Idempotent.
 *
 * Returns: %FALSE with the recorder's error if it failed
 */
gboolean
perp_recorder_close (PerpRecorder  *self,
                     GError       **error)
{
  g_return_val_if_fail (PERP_IS_RECORDER (self), FALSE);

  perp_recorder_detach (self);

  return sync_with_writer (self, TRUE, error);
}

/**
 * perp_recorder_get_error:
 *
 * Returns: (nullable) (transfer none): the disk error that stopped the recording
 */
const GError *
perp_recorder_get_error (PerpRecorder *self)
{
  const GError *error;

  g_return_val_if_fail (PERP_IS_RECORDER (self), NULL);

  /* Set once and never changed afterwards, so the pointer stays valid. */
  g_mutex_lock (&self->mutex);
  error = self->error;
  g_mutex_unlock (&self->mutex);

  return error;
}

guint64
perp_recorder_get_n_written (PerpRecorder *self)
{
  guint64 n;

  g_return_val_if_fail (PERP_IS_RECORDER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_written;
  g_mutex_unlock (&self->mutex);

  return n;
}

guint64
perp_recorder_get_n_dropped (PerpRecorder *self)
{
  guint64 n;

  g_return_val_if_fail (PERP_IS_RECORDER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_dropped;
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * perp_recorder_dup_files:
 *
 * Returns: (transfer full): every file the recorder created, in creation order
 */
GStrv
perp_recorder_dup_files (PerpRecorder *self)
{
  GStrv out;

  g_return_val_if_fail (PERP_IS_RECORDER (self), NULL);

  g_mutex_lock (&self->mutex);
  out = g_new0 (char *, self->files->len + 1);
  for (guint i = 0; i < self->files->len; i++)
    out[i] = g_strdup (g_ptr_array_index (self->files, i));
  g_mutex_unlock (&self->mutex);

  return out;
}
