/* fuzz-target.h: the one entry point every fuzz target defines
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* libFuzzer calls this once per input (linked with -fsanitize=fuzzer); fuzz-replay.c
 * calls it once per corpus file in the ordinary test build.  Always returns 0: a
 * rejected input is a normal outcome, only a crash, a leak or a sanitizer report is
 * a failure. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
