// secexport-source: the local event source for secexport's tests, demo and benchmarks.
//   serve  the paged security-events API over generated events (HTTP or HTTPS), with faults
//   dump   the events the server returns for a range, one JSON object per line (NDJSON)
//   bench  page generation throughput, without sockets
#include "base/log.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"
#include "page_builder.hpp"
#include "source_server.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace {

using namespace secexport;
using namespace secexport::event_source;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

sys_us parse_time_option(const std::string& name, const std::string& text) {
  auto t = parse_rfc3339(text);
  if (!t) throw CLI::ValidationError(name, "not an RFC 3339 date-time (e.g. 2026-11-22T00:00:00Z): " + text);
  return *t;
}

struct dump_options {
  std::uint64_t seed = 1;
  std::uint32_t events_per_day = 10000;
  std::string tenant, start, end, output;
};

int run_dump(const dump_options& o) {
  const auto start = parse_time_option("--start", o.start);
  const auto end = parse_time_option("--end", o.end);
  if (end < start) throw CLI::ValidationError("--end", "is before --start");
  std::FILE* out = stdout;
  if (!o.output.empty() && o.output != "-") {
    out = std::fopen(o.output.c_str(), "wb");
    if (!out) throw std::runtime_error("cannot create " + o.output + ": " + std::strerror(errno));
  }
  event_generator g(o.seed, o.tenant, o.events_per_day);
  byte_buffer event, batch;
  auto flush = [&] {
    if (batch.size() > 0 && std::fwrite(batch.data(), 1, batch.size(), out) != batch.size())
      throw std::runtime_error("cannot write " + (o.output.empty() ? std::string("stdout") : o.output) + ": " +
                               std::strerror(errno));
    batch.clear();
  };
  for_each_event(g, start, end, event, [&](std::string_view text) {
    batch.append(text);
    batch.append("\n", 1);
    if (batch.size() >= (1u << 20)) flush();
  });
  flush();
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0))
    throw std::runtime_error("cannot write " + (o.output.empty() ? std::string("stdout") : o.output) + ": " +
                             std::strerror(errno));
  return 0;
}

struct bench_options {
  std::uint64_t seed = 1;
  std::uint32_t events_per_day = 100'000'000;
  std::uint64_t events = 20'000'000;
  std::uint32_t limit = 5000;
  std::string tenant = "bench";
  std::string start = "2026-11-21T00:00:00Z";
};

int run_bench(const bench_options& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  event_generator g(o.seed, o.tenant, o.events_per_day);
  const auto setup = std::chrono::duration<double>(clock::now() - t0).count();

  const auto start = parse_time_option("--start", o.start);
  const auto end = start + std::chrono::days{36500}; // never the limiting factor
  event_writer writer(g);
  byte_buffer page;
  page_request request{start, end, std::nullopt, o.limit};
  std::uint64_t events = 0, bytes = 0, pages = 0;
  const auto t1 = clock::now();
  while (events < o.events) {
    auto result = build_page(g, writer, request, {}, page);
    events += result.events;
    bytes += page.size();
    ++pages;
    if (result.last) break;
    // The page ends with …"next_cursor":"c<24 hex>"}
    auto text = page.view();
    auto cursor = text.substr(text.size() - 2 - 25, 25);
    request.cursor = decode_cursor(g, start, end, cursor);
    if (!request.cursor) throw std::logic_error("bench: the server's own cursor did not decode");
  }
  const auto seconds = std::chrono::duration<double>(clock::now() - t1).count();
  std::printf("pool: %zu bodies, %zu bytes, longest body %zu bytes, built in %.1f ms\n", event_pool::size,
              g.pool().total_length(), g.pool().max_length(), setup * 1000);
  std::printf("generated %llu events in %llu pages of %u: %llu bytes in %.3f s\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(pages), o.limit,
              static_cast<unsigned long long>(bytes), seconds);
  std::printf("%.0f MB/s, %.2f M events/s, %.0f bytes/event (one thread)\n", bytes / seconds / 1e6,
              events / seconds / 1e6, events ? double(bytes) / double(events) : 0.0);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"secexport-source: the local security-event source for secexport's tests, demo and "
               "benchmarks (a paged HTTP JSON API over deterministic generated events)."};
  app.require_subcommand(1);

  server_options serve;
  std::vector<std::string> faults;
  unsigned latency_ms = 0;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the events API until SIGINT/SIGTERM; prints the port on stdout");
  serve_cmd->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "Port (0: pick a free one)")->capture_default_str();
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain (with --tls-key: HTTPS)");
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key");
  serve_cmd->add_option("--token", serve.token, "Bearer token clients must send (required)")
      ->envname("SECEXPORT_SOURCE_TOKEN");
  serve_cmd->add_option("--seed", serve.seed, "Generator seed")->capture_default_str();
  serve_cmd->add_option("--events-per-day", serve.events_per_day, "Events in every UTC day")
      ->check(CLI::Range(0u, max_events_per_day))
      ->capture_default_str();
  serve_cmd->add_option("--page-latency-ms", latency_ms, "Delay every page response this long")->capture_default_str();
  serve_cmd->add_option("--max-limit", serve.max_limit, "Largest page size a client may ask for")
      ->check(CLI::Range(1u, 1'000'000u))
      ->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "io_context threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  serve_cmd->add_option("--fault", faults, "KIND[:key=value,...], repeatable (see README.md)");
  unsigned io_timeout_s = 60;
  serve_cmd->add_option("--io-timeout-s", io_timeout_s, "Deadline of each read and write, and of an idle keep-alive connection")
      ->check(CLI::Range(1u, 86400u))
      ->capture_default_str();
  serve_cmd->add_flag("--verbose", serve.verbose, "Log every request to stderr");

  dump_options dump;
  auto* dump_cmd = app.add_subcommand("dump", "Print the events of [start, end) as NDJSON, byte-identical to the pages");
  dump_cmd->add_option("--seed", dump.seed, "Generator seed")->capture_default_str();
  dump_cmd->add_option("--events-per-day", dump.events_per_day, "Events in every UTC day")
      ->check(CLI::Range(0u, max_events_per_day))
      ->capture_default_str();
  dump_cmd->add_option("--tenant", dump.tenant, "Tenant")->required();
  dump_cmd->add_option("--start", dump.start, "Start (inclusive), RFC 3339")->required();
  dump_cmd->add_option("--end", dump.end, "End (exclusive), RFC 3339")->required();
  dump_cmd->add_option("-o,--output", dump.output, "File to write (default: stdout)");

  bench_options bench;
  auto* bench_cmd = app.add_subcommand("bench", "Measure page generation throughput (one thread, no sockets)");
  bench_cmd->add_option("--events", bench.events, "Events to generate")->capture_default_str();
  bench_cmd->add_option("--limit", bench.limit, "Events per page")->check(CLI::Range(1u, 1'000'000u))->capture_default_str();
  bench_cmd->add_option("--events-per-day", bench.events_per_day, "Events in every UTC day")
      ->check(CLI::Range(1u, max_events_per_day))
      ->capture_default_str();
  bench_cmd->add_option("--seed", bench.seed, "Generator seed")->capture_default_str();
  bench_cmd->add_option("--tenant", bench.tenant, "Tenant")->capture_default_str();
  bench_cmd->add_option("--start", bench.start, "Where to start, RFC 3339")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_usage;
  }

  try {
    if (serve_cmd->parsed()) {
      set_log_level(serve.verbose ? log_level::debug : log_level::warn);
      serve.page_latency = std::chrono::milliseconds(latency_ms);
      serve.io_timeout = std::chrono::seconds(io_timeout_s);
      for (const auto& f : faults) serve.faults.push_back(parse_fault(f));
      if (serve.token.empty()) {
        std::fprintf(stderr, "error: a bearer token is required: pass --token or set SECEXPORT_SOURCE_TOKEN\n");
        return exit_usage;
      }
      run_server(serve);
      return 0;
    }
    if (dump_cmd->parsed()) return run_dump(dump);
    if (bench_cmd->parsed()) return run_bench(bench);
  } catch (const CLI::ValidationError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_usage;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "error: %s\n", redact(e.what()).c_str());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", redact(e.what()).c_str());
    return exit_failure;
  }
  return exit_usage;
}
