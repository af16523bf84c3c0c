// The streaming compressor in isolation, in front of a real part writer and pool: random CSV
// through small and large input buffers comes back byte for byte from the concatenated parts,
// the compressed stream is cut exactly at part boundaries (each part's hash is of its own
// compressed bytes), an empty report is a valid empty stream, and what the codec holds is
// counted and stays within what the memory budget set aside for it.
#include "export/compressing_writer.hpp"

#include "export/compression.hpp"
#include "s3/crc32c.hpp"

#include <gtest/gtest.h>

#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY // ZSTD_getFrameHeader: the frame says it carries a checksum
#include <zstd.h>

#include <random>

namespace secexport::exporter {
namespace {

using s3::mib;

class recording_sink final : public s3::part_sink {
public:
  std::vector<std::string> parts;
  std::vector<std::optional<std::uint32_t>> crcs;
  bool finished = false;
  std::string failure;

  void submit(s3::part p, bool last) override {
    EXPECT_FALSE(finished) << "a part after the last";
    parts.emplace_back(p.buffer.data(), p.buffer.size());
    crcs.push_back(p.crc32c);
    finished = last;
  }
  void fail_input(error reason) override { failure = std::move(reason.message); }

  std::string joined() const {
    std::string all;
    for (const auto& p : parts) all += p;
    return all;
  }
};

s3::part_size_policy policy_of(std::uint64_t budget = 64 * mib) {
  s3::part_size_settings s;
  s.part_size = 5 * mib;
  s.memory_budget = budget;
  return s3::part_size_policy::make(s).value();
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK); // gzip only: a zlib or raw stream would fail
  std::string out;
  char buf[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "the gzip stream does not end properly";
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip stream";
  inflateEnd(&z);
  return out;
}

std::string unzstd(const std::string& in) {
  ZSTD_frameHeader h{};
  EXPECT_EQ(ZSTD_getFrameHeader(&h, in.data(), in.size()), 0u);
  EXPECT_EQ(h.checksumFlag, 1u) << "frames carry their content checksum";
  auto* d = ZSTD_createDCtx();
  std::string out;
  char buf[1 << 16];
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  bool frame_ended = false; // ZSTD_decompressStream returns 0 exactly when a frame is complete
  while (!frame_ended) {
    ZSTD_outBuffer dst{buf, sizeof buf, 0};
    const std::size_t rc = ZSTD_decompressStream(d, &dst, &src);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc)) break;
    out.append(buf, dst.pos);
    frame_ended = rc == 0;
    if (!frame_ended && src.pos == src.size && dst.pos < dst.size) break; // input used up mid-frame
  }
  EXPECT_TRUE(frame_ended) << "the zstd frame is incomplete";
  EXPECT_EQ(src.pos, src.size) << "bytes after the zstd frame";
  ZSTD_freeDCtx(d);
  return out;
}

std::string decompress(codec c, const std::string& in) { return c == codec::gzip ? gunzip(in) : unzstd(in); }

// Rows of random CSV: short and long cells, quotes, commas, non-ASCII, and a share of random
// printable text so the compressed stream is large enough to span several 5 MiB parts.
std::string random_row(std::mt19937_64& rng) {
  static const std::string words[] = {"Signed In", "Failed Login", "alice@example.com", "\"quoted, cell\"",
                                      "ünïcødé", "{\"ip\":\"2001:db8::1\",\"ua\":\"Mozilla/5.0\"}"};
  std::string row = "2026-11-22T10:00:00.000Z";
  const auto cells = 3 + rng() % 5;
  for (std::size_t i = 0; i < cells; ++i) {
    row += ',';
    if (rng() % 3 != 0) { // mostly random text: the compressed stream must span several parts
      const auto n = rng() % 400;
      for (std::size_t k = 0; k < n; ++k) row += static_cast<char>(' ' + rng() % 95);
    } else {
      row += words[rng() % std::size(words)];
    }
  }
  return row + "\r\n";
}

// Writes `csv` as report_writer does: a window of the row's size, or write() when it is
// larger than what the window gives.
void write_rows(compressing_writer& w, const std::vector<std::string>& rows) {
  for (const auto& r : rows) {
    auto win = w.window(r.size());
    if (win.size() >= r.size()) {
      std::memcpy(win.data(), r.data(), r.size());
      w.commit(r.size());
    } else {
      ASSERT_FALSE(win.empty());
      ASSERT_TRUE(w.write(r));
    }
  }
}

struct round_trip_case {
  codec c;
  int level;
  std::size_t input_buffer;
  std::size_t csv_bytes;
};

class round_trip : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(round_trip, random_csv_decompresses_to_exactly_the_input_and_parts_are_cut_at_their_sizes) {
  const auto param = GetParam();
  auto policy = policy_of();
  s3::part_buffer_pool pool(policy.settings().memory_budget, policy.buffers_needed());
  recording_sink sink;
  sha256 object_hash;
  s3::part_writer parts(pool, policy, sink, {false, true}, &object_hash);
  compressing_writer w(parts, {param.c, param.level}, param.input_buffer);

  std::mt19937_64 rng(param.csv_bytes + param.input_buffer);
  std::vector<std::string> rows;
  std::string csv;
  while (csv.size() < param.csv_bytes) {
    rows.push_back(random_row(rng));
    if (rng() % 500 == 0) rows.back().append(param.input_buffer + rng() % 1000, 'x'); // larger than the buffer
    csv += rows.back();
  }
  write_rows(w, rows);
  ASSERT_TRUE(w.finish());
  ASSERT_TRUE(sink.finished);
  EXPECT_EQ(w.bytes(), csv.size());
  const auto stored = sink.joined();
  EXPECT_EQ(parts.bytes(), stored.size());
  EXPECT_EQ(decompress(param.c, stored), csv);
  EXPECT_EQ(to_hex(object_hash.finish()), to_hex(sha256_of(stored))); // the manifest's hash is of what is stored
  for (std::size_t i = 0; i < sink.parts.size(); ++i) {
    if (i + 1 < sink.parts.size()) {
      EXPECT_EQ(sink.parts[i].size(), policy.size_of(static_cast<std::uint32_t>(i + 1)));
    }
    EXPECT_EQ(sink.crcs[i], s3::crc32c(0, sink.parts[i].data(), sink.parts[i].size())) << "part " << i + 1;
  }
  if (param.csv_bytes > 20 * mib) {
    EXPECT_GE(sink.parts.size(), 2u) << "the stream must cross a part boundary";
  }
}

INSTANTIATE_TEST_SUITE_P(
    codecs_and_buffers, round_trip,
    ::testing::Values(round_trip_case{codec::gzip, 1, 1, 64 * 1024},             // one byte at a time
                      round_trip_case{codec::zstd, 1, 1, 64 * 1024},
                      round_trip_case{codec::gzip, 6, 4096, 1 * mib},
                      round_trip_case{codec::zstd, 3, 4096, 1 * mib},
                      round_trip_case{codec::gzip, 1, compressor_input_buffer, 24 * mib}, // several parts
                      round_trip_case{codec::zstd, 1, compressor_input_buffer, 24 * mib},
                      round_trip_case{codec::zstd, 19, 4 * mib, 2 * mib}),
    [](const auto& test) {
      return std::string(to_string(test.param.c)) + "_level" + std::to_string(test.param.level) + "_buffer" +
             std::to_string(test.param.input_buffer) + "_csv" + std::to_string(test.param.csv_bytes);
    });

TEST(compressing_writer, an_empty_report_is_a_valid_stream_of_nothing) {
  for (auto c : {codec::gzip, codec::zstd}) {
    auto policy = policy_of();
    s3::part_buffer_pool pool(policy.settings().memory_budget);
    recording_sink sink;
    s3::part_writer parts(pool, policy, sink, {false, true});
    compressing_writer w(parts, resolve({c, 0}).value());
    ASSERT_TRUE(w.finish());
    ASSERT_EQ(sink.parts.size(), 1u);
    EXPECT_FALSE(sink.parts[0].empty()) << "a header and a trailer, never zero bytes";
    EXPECT_EQ(decompress(c, sink.parts[0]), "");
    EXPECT_EQ(w.bytes(), 0u);
  }
}

TEST(compressing_writer, the_same_rows_give_the_same_bytes_so_a_rerun_overwrites_with_identical_content) {
  for (auto c : {codec::gzip, codec::zstd}) {
    std::string out[2];
    for (auto& o : out) {
      auto policy = policy_of();
      s3::part_buffer_pool pool(policy.settings().memory_budget);
      recording_sink sink;
      s3::part_writer parts(pool, policy, sink, {});
      compressing_writer w(parts, resolve({c, 0}).value(), 4096);
      std::mt19937_64 rng(11);
      for (int i = 0; i < 5000; ++i) ASSERT_TRUE(w.write(random_row(rng)));
      ASSERT_TRUE(w.finish());
      o = sink.joined();
    }
    EXPECT_EQ(out[0], out[1]) << to_string(c);
  }
}

TEST(compressing_writer, what_the_codec_holds_is_counted_bounded_by_its_share_of_the_budget_and_flat) {
  for (auto [c, level] : {std::pair{codec::gzip, 1}, std::pair{codec::gzip, 9}, std::pair{codec::zstd, 1},
                          std::pair{codec::zstd, 2}, std::pair{codec::zstd, 3}, std::pair{codec::zstd, 19}}) {
    SCOPED_TRACE(std::string(to_string(c)) + " level " + std::to_string(level));
    auto policy = policy_of(128 * mib);
    s3::part_buffer_pool pool(policy.settings().memory_budget);
    recording_sink sink;
    s3::part_writer parts(pool, policy, sink, {});
    compressing_writer w(parts, {c, level});
    std::mt19937_64 rng(3);
    std::string chunk;
    while (chunk.size() < 2 * mib) chunk += random_row(rng);
    ASSERT_TRUE(w.write(chunk));
    const auto after_first = w.memory();
    EXPECT_GT(after_first, compressor_input_buffer) << "the codec's own allocations are counted";
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(w.write(chunk)); // nothing more is allocated as rows flow
    EXPECT_EQ(w.memory(), after_first);
    ASSERT_TRUE(w.finish());
    EXPECT_LE(w.peak_memory(), compressor_memory({c, level}));
    // The estimate is a bound, not a guess far above it (it is taken from the part buffers).
    EXPECT_GE(w.peak_memory() * 2, compressor_memory({c, level}));
  }
  EXPECT_EQ(compressor_memory({codec::none, 0}), 0u);
  EXPECT_LT(compressor_memory({codec::zstd, 1}), compressor_memory({codec::zstd, 3}));
}

TEST(compressing_writer, a_failed_upload_stops_the_writer_without_finishing) {
  auto policy = policy_of(16 * mib);
  s3::part_buffer_pool pool(policy.settings().memory_budget);
  recording_sink sink;
  s3::part_writer parts(pool, policy, sink, {});
  compressing_writer w(parts, {codec::zstd, 1}, 4096);
  std::mt19937_64 rng(5);
  ASSERT_TRUE(w.write(random_row(rng)));
  pool.close(); // what the upload does when it fails
  bool ok = true;
  for (int i = 0; i < 100000 && ok; ++i) ok = w.write(random_row(rng));
  EXPECT_FALSE(ok);
  EXPECT_TRUE(w.window(10).empty());
  EXPECT_FALSE(w.finish());
  EXPECT_FALSE(sink.finished);
}

TEST(compression, names_suffixes_content_types_and_levels) {
  EXPECT_EQ(parse_codec("gzip"), codec::gzip);
  EXPECT_EQ(parse_codec("zstd"), codec::zstd);
  EXPECT_EQ(parse_codec("none"), codec::none);
  EXPECT_FALSE(parse_codec("gz"));
  EXPECT_EQ(key_suffix(codec::gzip), ".gz");
  EXPECT_EQ(key_suffix(codec::zstd), ".zst");
  EXPECT_EQ(key_suffix(codec::none), "");
  EXPECT_EQ(content_type(codec::gzip), "application/gzip");
  EXPECT_EQ(content_type(codec::zstd), "application/zstd");
  EXPECT_EQ(content_type(codec::none), "text/csv; charset=utf-8");
  EXPECT_EQ(resolve({codec::zstd, 0}).value().level, default_level(codec::zstd));
  EXPECT_EQ(resolve({codec::gzip, 9}).value().level, 9);
  for (auto bad : {compression{codec::gzip, 10}, compression{codec::zstd, 20}, compression{codec::none, 3}}) {
    auto r = resolve(bad);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(condition::bad_input));
    EXPECT_NE(r.error().message.find("--compress"), std::string::npos) << r.error().message;
  }
}

} // namespace
} // namespace secexport::exporter
