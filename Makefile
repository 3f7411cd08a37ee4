# The two commands of the README:
#   make run    install what is missing, build, start the server with the demo page
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: run test chat build deps configure bench clean

run: build
	./$(BUILD)/screener chat scripts/emotional-numbness.json

chat: build
	./$(BUILD)/screener chat scripts/emotional-numbness.json

test: deps-browser build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

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
	rm -rf $(BUILD)
