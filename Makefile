# The single entry point. `make run` starts the server; `make test` installs
# what is missing, builds and runs every test. See README.md.

BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
DATA_DIR       ?= ./sluice-data
# `make check` skips suites labelled slow; `make test` (and CI) runs them all.
CTEST_FLAGS    ?=

.PHONY: all deps configure build test check run bench asan fuzz format tidy clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

check: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow $(CTEST_FLAGS)

run: build
	$(BUILD_DIR)/sluice server --data-dir $(DATA_DIR)

bench: build
	$(BUILD_DIR)/sluice bench all

asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit -LE slow

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy: configure
	git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)

# libFuzzer targets (clang): build-fuzz/src/{log,broker,sql,connectors}/*_fuzzer
fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS) --target record_batch_fuzzer kafka_request_fuzzer sql_parser_fuzzer row_format_fuzzer
