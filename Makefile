# The two commands of the README:
#   make run    install what is missing, build, start the server with the demo page
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
SAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: run test test-fast sanitize-build chat build deps deps-browser configure bench clean

# Starts screener-server with the demo page (Ctrl-C stops it gracefully).
PORT ?= 8080
run: build
	@mkdir -p $(BUILD)/state
	@echo "screener-server: open http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	./$(BUILD)/screener-server --scripts scripts --web web --state-dir $(BUILD)/state --port $(PORT)

chat: build
	./$(BUILD)/screener chat scripts/emotional-numbness.json

# The whole suite twice: under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang, with the fuzz targets run for a bounded time; not the soak, whose
# memory bound means nothing with ASan's quarantine), then the normal build
# with the browser and soak tests. ctest's summary line closes the output.
test: deps-browser build sanitize-build
	@echo "== ASan + UBSan: unit and integration suites, fuzzing =="
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -LE "browser|soak"
	@echo "== the whole suite =="
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The normal build's suite only: quicker while developing.
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

sanitize-build: deps-browser
	@test -f $(SAN_BUILD)/CMakeCache.txt || CC=clang CXX=clang++ cmake -S . -B $(SAN_BUILD) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCREENER_SANITIZE=ON -DSCREENER_FUZZ=ON -DSCREENER_BUILD_BENCH=OFF
	cmake --build $(SAN_BUILD) -j$(JOBS)

deps:
	@tools/install-deps

deps-browser:
	@tools/install-deps --browser

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD) -j$(JOBS)

bench: build
	./$(BUILD)/bench/engine_bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
