// The event source's HTTP(S) server: the paged security-events API of the product spec over
// generated events, with injected faults and a /_stats endpoint for tests.
//
// One coroutine per connection (HTTP/1.1 keep-alive), each on its own strand, so any number
// of io_context threads may run them. Every read and write has a deadline; page latency and
// slow faults wait on a timer, never block a thread. SIGINT or SIGTERM closes the listener
// and every connection, waits up to 3 s for the coroutines to finish, then stops.
#pragma once

#include "fault_plan.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace secexport::event_source {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0; // 0: any free port
  std::string tls_cert;   // PEM chain; with tls_key: HTTPS (TLS 1.2+), else plain HTTP
  std::string tls_key;
  std::string token;      // required bearer token
  std::uint64_t seed = 1;
  std::uint32_t events_per_day = 10000;
  std::uint32_t max_limit = 10000;
  std::chrono::milliseconds page_latency{0};
  unsigned threads = 1;
  std::vector<fault_spec> faults;
  bool verbose = false;
  std::chrono::seconds io_timeout{60}; // idle keep-alive connection, and each read or write
};

/// Listens, prints the port and a newline on stdout (flushed), then serves until SIGINT or
/// SIGTERM. Throws std::runtime_error when the TLS files cannot be used or the address
/// cannot be bound.
void run_server(const server_options& options);

} // namespace secexport::event_source
