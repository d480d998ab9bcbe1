/* journal-writer.c: writes signals in a loop for the crash test
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: journal-writer JOURNAL [COUNT]
 *
 * Prints each signal's id on its own line, flushed, only after the write returned:
 * every id printed must be in the journal however the process dies.  Every other
 * signal also gets an outcome, so that kills land in both kinds of transaction.
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "journal-test-common.h"
#include "io/store/perp-journal.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) journal = NULL;
  gint64 count = -1;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s JOURNAL [COUNT]\n", argv[0]);
      return 2;
    }
  if (argc > 2)
    count = g_ascii_strtoll (argv[2], NULL, 10);

  journal = perp_journal_open (argv[1], PERP_JOURNAL_FLAGS_NONE, &error);
  if (journal == NULL)
    {
      fprintf (stderr, "journal-writer: %s\n", error->message);
      return 1;
    }

  for (gint64 i = 0; count < 0 || i < count; i++)
    {
      PerpScore score;
      PerpPlan plan;
      gint64 time = G_GINT64_CONSTANT (1704067200000) + i * 5 * PERP_MS_PER_MINUTE;
      gint64 id;

      journal_test_score (&score, time, i % 2 ? PERP_DIRECTION_SHORT : PERP_DIRECTION_LONG,
                          PERP_TIER_MEDIUM, NULL);
      journal_test_plan (&plan, time, score.direction, score.tier);
      id = perp_journal_add_signal (journal, "BTCUSDT", PERP_INTERVAL_5M, &score, &plan, NULL,
                                    PERP_SIGNAL_TAKEN, NULL, &error);
      if (id < 0)
        {
          fprintf (stderr, "journal-writer: %s\n", error->message);
          return 1;
        }
      if (i % 2 == 1)
        {
          PerpOutcome outcome;

          memset (&outcome, 0, sizeof outcome);
          outcome.state = PERP_OUTCOME_STOPPED;
          outcome.direction = score.direction;
          outcome.entry_time = time;
          outcome.exit_time = time + PERP_MS_PER_HOUR;
          outcome.realised_r = -1;
          outcome.n_exits = 1;
          outcome.exits[0].kind = PERP_EXIT_STOP;
          outcome.exits[0].time = outcome.exit_time;
          outcome.exits[0].share = 1;
          outcome.exits[0].r = -1;
          if (!perp_journal_update_outcome (journal, id, &outcome, &error))
            {
              fprintf (stderr, "journal-writer: %s\n", error->message);
              return 1;
            }
        }
      printf ("%" G_GINT64_FORMAT "\n", id);
      fflush (stdout);
    }
  return 0;
}
