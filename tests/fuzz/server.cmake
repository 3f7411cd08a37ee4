# Server fuzz targets (included by tests/fuzz/CMakeLists.txt): client frames
# through the protocol layer, the frame reader against nlohmann's parser, and
# the HTTP request path (Beast's parser with the server's limits, then the
# server's routing). No sockets.
if(TARGET screener_server)
  screener_fuzzer(frame fuzz_frame.cc screener_server)
  screener_fuzzer(client_frame fuzz_client_frame.cc screener_server)
  screener_fuzzer(http fuzz_http.cc screener_server)
endif()
