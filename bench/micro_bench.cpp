// Micro-benchmarks of each stage an export runs per byte or per row, on realistic pages from
// the local event source's generator (5,000 events, ~2.7 MB of JSON): page parsing, CSV
// encoding, both together, UTF-8 validation, SHA-256 and CRC32C over part buffers, SigV4
// signing of an UploadPart, and the part-buffer pool. The per-row stages also count heap
// allocations per event after warm-up (the `allocs_per_event` counter), which must stay 0.
#include "auth/sigv4.hpp"
#include "csv/row_encoder.hpp"
#include "base/utf8.hpp"
#include "source/page_parser.hpp"
#include "page_builder.hpp"
#include "s3/crc32c.hpp"
#include "s3/part_buffer_pool.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

// Every plain operator new in this binary goes through here and is counted; the library's
// nothrow forms call it too. Over-aligned new and raw malloc are not counted (the measured
// stages allocate through standard containers and strings only).
namespace {
std::atomic<std::uint64_t> heap_allocations{0};
}
void* operator new(std::size_t n) {
  heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace secexport;

// One realistic page of the generator's events (as the server would send it).
const byte_buffer& sample_page() {
  static byte_buffer body = [] {
    event_source::event_generator g(1, "bench", 100'000'000);
    event_source::event_writer writer(g);
    event_source::page_request req;
    req.start = *parse_rfc3339("2026-11-22T00:00:00Z");
    req.end = *parse_rfc3339("2026-11-23T00:00:00Z");
    req.limit = 5000;
    byte_buffer out;
    event_source::build_page(g, writer, req, {}, out);
    return out;
  }();
  return body;
}

/// Heap allocations per item between two points of a benchmark loop (run once untimed first,
/// so that warm-up growth of reused buffers is not counted).
struct allocation_count {
  std::uint64_t start = heap_allocations.load();
  void report(benchmark::State& state, std::size_t items_per_iteration) const {
    auto n = heap_allocations.load() - start;
    state.counters["allocs_per_event"] =
        static_cast<double>(n) / static_cast<double>(state.iterations() * items_per_iteration);
  }
};

source::page& parsed_page() {
  static source::page p = [] {
    source::page q;
    q.body.append(sample_page().view());
    source::page_parser parser;
    if (auto problem = parser.parse_page(q)) throw std::runtime_error(*problem);
    return q;
  }();
  return p;
}

void parse_page(benchmark::State& state) {
  source::page_parser parser;
  source::page p;
  p.body.append(sample_page().view());
  (void)parser.parse_page(p); // warm-up: sizes the reused event and parser buffers
  allocation_count allocs;
  for (auto _ : state) {
    auto problem = parser.parse_page(p);
    benchmark::DoNotOptimize(problem);
  }
  allocs.report(state, p.events.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.events.size()));
}
BENCHMARK(parse_page);

void validate_utf8(benchmark::State& state) {
  const auto& body = sample_page();
  for (auto _ : state) benchmark::DoNotOptimize(valid_utf8(body.view()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(validate_utf8);

void encode_rows(benchmark::State& state) {
  auto& p = parsed_page();
  csv::row_encoder enc;
  std::string out(p.body.size() * 3, '\0');
  std::size_t bytes = 0;
  allocation_count allocs;
  for (auto _ : state) {
    char* w = out.data();
    for (const auto& e : p.events) w += enc.encode(e, w);
    bytes = static_cast<std::size_t>(w - out.data());
    benchmark::ClobberMemory();
  }
  allocs.report(state, p.events.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.events.size()));
  state.counters["csv_bytes_per_row"] = static_cast<double>(bytes) / static_cast<double>(p.events.size());
}
BENCHMARK(encode_rows);

void parse_and_encode(benchmark::State& state) {
  source::page_parser parser;
  source::page p;
  p.body.append(sample_page().view());
  csv::row_encoder enc;
  std::string out(p.body.size() * 3, '\0');
  (void)parser.parse_page(p);
  allocation_count allocs;
  for (auto _ : state) {
    (void)parser.parse_page(p);
    char* w = out.data();
    for (const auto& e : p.events) w += enc.encode(e, w);
    benchmark::ClobberMemory();
  }
  allocs.report(state, p.events.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.events.size()));
}
BENCHMARK(parse_and_encode);

std::string part_bytes(std::size_t n) {
  std::string s(n, '\0');
  std::mt19937_64 rng(1);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

void sha256_part(benchmark::State& state) {
  static const auto data = part_bytes(8u << 20);
  sha256 h;
  for (auto _ : state) {
    h.reset();
    // As the part writer does: 64 KiB at a time.
    for (std::size_t off = 0; off < data.size(); off += 65536) h.update(data.data() + off, 65536);
    benchmark::DoNotOptimize(h.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(sha256_part);

void crc32c_part(benchmark::State& state) {
  static const auto data = part_bytes(8u << 20);
  for (auto _ : state) {
    std::uint32_t crc = 0;
    // As the part writer does: 64 KiB at a time.
    for (std::size_t off = 0; off < data.size(); off += 65536) crc = s3::crc32c(crc, data.data() + off, 65536);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(crc32c_part);

void sigv4_sign_upload_part(benchmark::State& state) {
  auth::signer signer;
  secret key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), token;
  auth::signing_identity id{"AKIDEXAMPLE", &key, &token};
  auto when = std::chrono::floor<std::chrono::seconds>(*parse_rfc3339("2026-11-22T00:00:00Z"));
  for (auto _ : state) {
    std::vector<auth::header_field> headers{{"host", "bucket.s3.eu-west-1.amazonaws.com"},
                                            {"x-amz-checksum-crc32c", "4waSgw=="}};
    auto sig = signer.sign_headers("PUT", "/security-events/acme/2026/11/22/report.csv",
                                   "partNumber=17&uploadId=VXBsb2FkSWQ", headers, auth::unsigned_payload,
                                   auth::unsigned_payload, id, {when, "eu-west-1", "s3"}, auth::s3_rules);
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sigv4_sign_upload_part);

void part_buffer_pool_cycle(benchmark::State& state) {
  s3::part_buffer_pool pool(256u << 20, 10);
  for (auto _ : state) {
    auto b = pool.acquire(8u << 20);
    benchmark::DoNotOptimize(b->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(part_buffer_pool_cycle);

} // namespace

BENCHMARK_MAIN();
