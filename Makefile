# whisk — the two quick-start commands:
#   make run    install what is missing, build, encode a spoken sample in INT8 and FP32 (demo)
#   make test   install what is missing, build, run every test (plus an ASan+UBSan build)
# Other targets: make build | make summary | make bench | make install PREFIX=... | make clean

BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# No "Entering directory" lines, here or in the makes that cmake --build starts (they inherit
# MAKEFLAGS).
MAKEFLAGS += --no-print-directory

CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX)

# make run / make bench: configure and build with the output kept in a log that is printed only
# if the build fails (so errors stay visible); one line of progress when stderr is a terminal.
define QUIET_BUILD
log=$$(mktemp) || exit 1; trap 'rm -f "$$log"' EXIT; \
if [ -t 2 ]; then echo "whisk: building in $(BUILD)/ (make build shows the compiler)" >&2; fi; \
if ! { $(CONFIGURE) && cmake --build $(BUILD) -j $(JOBS); } >"$$log" 2>&1; then \
  cat "$$log" >&2; echo "whisk: the build failed (its output is above)" >&2; exit 1; \
fi
endef

.PHONY: all deps deps-test build build-quiet run summary test test-release test-asan bench install clean

all: build

deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh test

build: deps
	@$(CONFIGURE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-quiet: deps
	@$(QUIET_BUILD)

# make run: a synthetic base model (generated once, cached in $(BUILD)/models/) and the shipped
# spoken sample through the whole path, INT8 and FP32 (whisk demo).  The old default job, the
# attention accuracy and speed summary, is `make summary`.
DEMO_MODEL = $(BUILD)/models/ggml-base-synth.bin

run: build-quiet
	@mkdir -p $(BUILD)/models
	@test -f $(DEMO_MODEL) || ./$(BUILD)/whisk synth-model --size base --type f16 -o $(DEMO_MODEL)
	@./$(BUILD)/whisk demo -m $(DEMO_MODEL) --synthetic samples/hello.wav

summary: build-quiet
	@./$(BUILD)/whisk summary

bench: build-quiet
	./$(BUILD)/whisk bench attention

test: test-release test-asan

test-release: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j 1

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer, with LeakSanitizer
# (part of gcc's ASan on Linux) checking at each test's exit that nothing is left allocated —
# the bad-input suites (test_model, test_audio) included, so an error path that leaks fails.
# No suppression applies to whisk: test_audio alone gets fuzz/lsan.supp, for libsndfile's own
# leak on malformed Ogg/Vorbis (see tests/CMakeLists.txt).
test-asan: deps-test
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DWHISK_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 1

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# make fuzz: the libFuzzer targets (fuzz/) built with clang-14, ASan + UBSan in $(FUZZ_BUILD),
# each run for FUZZ_SECONDS on its generated seeds (fuzz/run.sh), FUZZ_JOBS of them at a time
# (one core each); fails on any finding.  CI (.ci/run) runs it after make test.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(JOBS)
FUZZ_TARGETS ?= fuzz_model fuzz_audio fuzz_npy fuzz_api fuzz_tokenizer fuzz_decoder fuzz_transcribe
.PHONY: fuzz fuzz-build test-tsan
fuzz-build:
	@sh scripts/deps.sh fuzz
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 \
	  -DWHISK_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
fuzz: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make test-tsan: the concurrency test and the tests that exercise the thread pool, under
# ThreadSanitizer in $(TSAN_BUILD) (gcc's -fsanitize=thread; libtsan comes with gcc).  The scalar
# encoder test is left out: ~1 min under TSan, and the pool is the same.
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= ^(test_concurrency|test_threadpool|test_quant\.(avx2|avx512vnni)|test_transcriber_threads|test_encoder\.(avx2|avx512vnni)|test_attention_exact\.(avx2|avx512vnni)|test_f32_encoder\.(avx2|avx512vnni)|test_gemm_args|test_attention_args|test_mel_args|test_npy)$$
test-tsan: deps-test
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DWHISK_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j 1 -R '$(TSAN_TESTS)'
