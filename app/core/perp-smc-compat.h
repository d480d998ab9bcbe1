/* perp-smc-compat.h: the smartmoneyconcepts peer's outputs, reproduced exactly
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-candles.h"

G_BEGIN_DECLS

/*
 * Peer-compatible ("compat") batch mode.
 *
 * These functions reproduce the Python library smartmoneyconcepts 0.0.27 row by row,
 * look-ahead, hindsight and quirks included (float32 levels, bookend swings, its
 * mitigation index rules); the rules are in ../shared/conformance/smc/DEFINITIONS.md and
 * the expected outputs in ../shared/conformance/smc.  They exist so that users can
 * compare Perpscope with the peer.  They are NOT causal: never use them as signals, in
 * a backtest or in the score.  The product's structure engine is the causal one.
 *
 * Every output is an array of n = perp_candles_get_length() doubles supplied by the
 * caller, one per candle, NAN where the peer writes an empty cell.  Index-valued outputs
 * hold 0-based row numbers.  Columns the peer stores as float32 hold the float32 value
 * widened to double.
 *
 * fvg, bos_choch, ob and liquidity answer "the first later candle whose price reaches x"
 * from block extremes of the high, low or close.  A #PerpSmcContext keeps those of one
 * series, built when a function first needs them, so that a run of several functions
 * builds each once; with a NULL context every call builds its own.  It also keeps the
 * gaps of an fvg() call without joining, which a later joined call on the same context
 * joins instead of detecting them again, and the rows of the swings that
 * perp_smc_context_swing_highs_lows() wrote, which bos_choch, ob and liquidity take
 * instead of a pass over HighLow each.
 */

typedef struct _PerpSmcContext PerpSmcContext;

/* The series must outlive the context; a context that finds the series grown or moved
 * builds afresh. */
PerpSmcContext *perp_smc_context_new  (const PerpCandles *candles);
void            perp_smc_context_free (PerpSmcContext    *context);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpSmcContext, perp_smc_context_free)

/* 1. swing_highs_lows (swing_length): HighLow (+1/-1), Level */
void      perp_smc_swing_highs_lows   (const PerpCandles *candles,
                                       guint              swing_length,
                                       double            *high_low,
                                       double            *level);

/* The same, for @context's series, and @context keeps the rows of the swings: the
 * functions below given @context and this @high_low take them from there instead of
 * reading the array again.  @high_low must hold these values, unchanged, for as long
 * as it is passed with @context. */
void      perp_smc_context_swing_highs_lows (PerpSmcContext *context,
                                             guint           swing_length,
                                             double         *high_low,
                                             double         *level);

/* 2. fvg (join_consecutive): FVG (+1/-1), Top, Bottom, MitigatedIndex */
void      perp_smc_fvg                (const PerpCandles *candles,
                                       PerpSmcContext    *context,
                                       gboolean           join_consecutive,
                                       double            *fvg,
                                       double            *top,
                                       double            *bottom,
                                       double            *mitigated_index);

/* 3. bos_choch (swings, close_break): BOS, CHOCH, Level (f32), BrokenIndex */
void      perp_smc_bos_choch          (const PerpCandles *candles,
                                       PerpSmcContext    *context,
                                       const double      *swing_high_low,
                                       const double      *swing_level,
                                       gboolean           close_break,
                                       double            *bos,
                                       double            *choch,
                                       double            *level,
                                       double            *broken_index);

/* 4. ob (swings, close_mitigation): OB, Top, Bottom, OBVolume, MitigatedIndex,
 *    Percentage (all f32) */
void      perp_smc_ob                 (const PerpCandles *candles,
                                       PerpSmcContext    *context,
                                       const double      *swing_high_low,
                                       const double      *swing_level,
                                       gboolean           close_mitigation,
                                       double            *ob,
                                       double            *top,
                                       double            *bottom,
                                       double            *ob_volume,
                                       double            *mitigated_index,
                                       double            *percentage);

/* 5. liquidity (swings, range_percent): Liquidity, Level, End, Swept (all f32) */
void      perp_smc_liquidity          (const PerpCandles *candles,
                                       PerpSmcContext    *context,
                                       const double      *swing_high_low,
                                       const double      *swing_level,
                                       double             range_percent,
                                       double            *liquidity,
                                       double            *level,
                                       double            *end,
                                       double            *swept);

typedef enum
{
  PERP_SMC_TIME_FRAME_4H,
  PERP_SMC_TIME_FRAME_1D,
  PERP_SMC_TIME_FRAME_W,
} PerpSmcTimeFrame;

/* 6. previous_high_low (time_frame): PreviousHigh, PreviousLow (f32), BrokenHigh,
 *    BrokenLow (0/1) */
void      perp_smc_previous_high_low  (const PerpCandles *candles,
                                       PerpSmcTimeFrame   time_frame,
                                       double            *previous_high,
                                       double            *previous_low,
                                       double            *broken_high,
                                       double            *broken_low);

typedef enum
{
  PERP_SMC_SESSION_SYDNEY,
  PERP_SMC_SESSION_TOKYO,
  PERP_SMC_SESSION_LONDON,
  PERP_SMC_SESSION_NEW_YORK,
  PERP_SMC_SESSION_ASIAN_KILL_ZONE,
  PERP_SMC_SESSION_LONDON_OPEN_KILL_ZONE,
  PERP_SMC_SESSION_NEW_YORK_KILL_ZONE,
  PERP_SMC_SESSION_LONDON_CLOSE_KILL_ZONE,
  PERP_SMC_SESSION_CUSTOM,
  PERP_SMC_N_SESSIONS
} PerpSmcSession;

/* The peer's session name ("London", "Asian kill zone", ...), and back; -1 if unknown. */
const char *perp_smc_session_name      (PerpSmcSession     session);
int         perp_smc_session_from_name (const char        *name);

/* 7. sessions (session, start, end; time zone UTC only): Active (0/1), High, Low (f32).
 *    start_minute and end_minute (minutes after 00:00 UTC) are used for
 *    PERP_SMC_SESSION_CUSTOM only. */
void      perp_smc_sessions           (const PerpCandles *candles,
                                       PerpSmcSession     session,
                                       guint              start_minute,
                                       guint              end_minute,
                                       double            *active,
                                       double            *high,
                                       double            *low);

/* 8. retracements (swings): Direction, CurrentRetracement%, DeepestRetracement% */
void      perp_smc_retracements       (const PerpCandles *candles,
                                       const double      *swing_high_low,
                                       const double      *swing_level,
                                       double            *direction,
                                       double            *current,
                                       double            *deepest);

G_END_DECLS
