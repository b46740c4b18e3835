/* json.h — the streaming JSON writer now lives in the library (src/common/json.h), since the
 * transcript writer (src/decode/format.c) uses it too; this header keeps `#include "json.h"`
 * working for the suites and the CLI. */
#ifndef WK_BENCH_JSON_H
#define WK_BENCH_JSON_H
#include "common/json.h"
#endif
