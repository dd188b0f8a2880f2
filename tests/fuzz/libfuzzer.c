/* libFuzzer entry point for one target of fuzz.h, chosen at build time with
 * -DFUZZ_TARGET=fuzz_<name> (tests/fuzz/meson.build builds one executable per target when
 * configured with -Dfuzzing=true). */
#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET (e.g. -DFUZZ_TARGET=fuzz_json)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return FUZZ_TARGET(data, size); }
