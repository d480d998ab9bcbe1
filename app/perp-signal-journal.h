/* perp-signal-journal.h: the engine's signals and their outcomes, kept in the journal
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "core/perp-outcome.h"
#include "io/store/perp-journal.h"
#include "perp-engine.h"

G_BEGIN_DECLS

/*
 * PerpSignalJournal listens to an engine and journals every score made on a candle
 * close whose tier is at least @min_tier (blocked and discarded ones too, with the
 * reason), follows each taken signal's plan over the closes that come after it with a
 * PerpOutcomeTracker, and writes the outcome when its state changes.  It also gives
 * the engine's circuit breakers the journal's view (stop-outs, signals in the last
 * hour, today's result, open positions).  The same object runs under `watch`, under
 * `replay` and in the workstation, so a replayed journal is what live would have
 * written.
 *
 * Writes: with @synchronous FALSE (the workstation) they go through the journal's
 * writer thread and never block the main loop; TRUE (the command line) writes in
 * place, so the journal's content and the breakers' view depend on the data alone.
 *
 * Signal "failed" (GError *): a write failed (disk full, read-only, locked); the
 * message names the file and what to do.  Nothing already stored is lost, and the
 * signal that failed is retried with the next write.
 */

typedef struct
{
  PerpTier          min_tier;
  PerpOutcomeParams outcome;
  gboolean          synchronous;
} PerpSignalJournalParams;

#define PERP_TYPE_SIGNAL_JOURNAL (perp_signal_journal_get_type ())
G_DECLARE_FINAL_TYPE (PerpSignalJournal, perp_signal_journal, PERP, SIGNAL_JOURNAL, GObject)

void               perp_signal_journal_params_init (PerpSignalJournalParams *params);
void               perp_signal_journal_params_from_config (PerpSignalJournalParams *params,
                                                           const PerpConfig        *config,
                                                           gboolean                 synchronous);
PerpSignalJournal *perp_signal_journal_new         (PerpEngine                    *engine,
                                                    PerpJournal                   *journal,
                                                    const PerpSignalJournalParams *params);
/* Waits (running the main context) until every queued write is done, then writes the
 * current outcome of the signals still open.  FALSE when a write failed. */
gboolean           perp_signal_journal_flush       (PerpSignalJournal             *self,
                                                    GError                       **error);
guint              perp_signal_journal_get_n_signals (PerpSignalJournal           *self);
guint              perp_signal_journal_get_n_open  (PerpSignalJournal             *self);

G_END_DECLS
