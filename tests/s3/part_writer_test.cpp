#include "s3/part_writer.hpp"

#include "s3/crc32c.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

namespace secexport::s3 {
namespace {

// Collects parts; releases each buffer only after copying its bytes (like an upload that is
// acknowledged at once), or keeps `hold` parts in flight on another thread.
class recording_sink final : public part_sink {
public:
  struct seen {
    std::uint32_t number;
    std::string bytes;
    std::string sha256_hex;
    std::optional<std::uint32_t> crc32c;
  };
  std::vector<seen> parts;
  bool finished = false;
  std::string failure;

  void submit(part p, bool last) override {
    EXPECT_FALSE(finished) << "a part after the last";
    parts.push_back({p.number, std::string(p.buffer.data(), p.buffer.size()), p.sha256_hex, p.crc32c});
    finished = last;
  }
  void fail_input(error reason) override { failure = std::move(reason.message); }

  std::string joined() const {
    std::string all;
    for (const auto& p : parts) all += p.bytes;
    return all;
  }
};

part_size_policy small_policy(std::uint64_t budget = 64 * mib, std::uint32_t growth = 2, bool fixed = false) {
  part_size_settings s;
  s.part_size = 5 * mib;
  s.memory_budget = budget;
  s.growth_interval = growth;
  s.steady_parts = growth; // the first doubling after one interval, to exercise growth in small tests
  s.fixed = fixed;
  return part_size_policy::make(s).value();
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(part_writer, bytes_survive_part_boundaries_exactly_and_hashes_match) {
  auto policy = small_policy();
  part_buffer_pool pool(policy.settings().memory_budget);
  recording_sink sink;
  sha256 object_hash;
  part_writer w(pool, policy, sink, {true, true}, &object_hash);
  auto input = random_bytes(37 * mib + 12345, 3);
  std::mt19937 rng(5);
  std::size_t pos = 0;
  while (pos < input.size()) { // uneven writes: rows of every size, some larger than a part
    std::size_t n = std::min<std::size_t>(input.size() - pos, rng() % 3 == 0 ? rng() % (7 * mib) : rng() % 5000);
    ASSERT_TRUE(w.write(std::string_view(input).substr(pos, n)));
    pos += n;
  }
  ASSERT_TRUE(w.finish());
  EXPECT_TRUE(sink.finished);
  EXPECT_EQ(sink.joined(), input);
  EXPECT_EQ(w.bytes(), input.size());
  for (std::size_t i = 0; i < sink.parts.size(); ++i) {
    const auto& p = sink.parts[i];
    EXPECT_EQ(p.number, i + 1);
    if (i + 1 < sink.parts.size()) {
      EXPECT_EQ(p.bytes.size(), policy.size_of(p.number)) << "part " << p.number;
    }
    EXPECT_EQ(p.sha256_hex, to_hex(sha256_of(p.bytes)));
    EXPECT_EQ(p.crc32c, crc32c(0, p.bytes.data(), p.bytes.size()));
  }
  EXPECT_EQ(to_hex(object_hash.finish()), to_hex(sha256_of(input)));
  EXPECT_EQ(sink.parts[2].bytes.size(), 10 * mib); // parts grew
}

TEST(part_writer, a_full_part_is_held_back_until_more_data_proves_it_is_not_the_last) {
  auto policy = small_policy();
  part_buffer_pool pool(policy.settings().memory_budget);
  recording_sink sink;
  part_writer w(pool, policy, sink, {false, true});
  ASSERT_TRUE(w.write(std::string(5 * mib, 'a')));
  EXPECT_TRUE(sink.parts.empty()); // exactly one part so far: maybe a PutObject
  ASSERT_TRUE(w.finish());
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].bytes.size(), 5 * mib);

  recording_sink sink2;
  part_writer w2(pool, policy, sink2, {false, true});
  ASSERT_TRUE(w2.write(std::string(5 * mib, 'a')));
  ASSERT_TRUE(w2.write("b"));
  EXPECT_EQ(sink2.parts.size(), 1u); // the next byte released part 1
  ASSERT_TRUE(w2.finish());
  EXPECT_EQ(sink2.parts.size(), 2u);
  EXPECT_EQ(sink2.parts[1].bytes, "b");
}

TEST(part_writer, an_empty_stream_is_one_empty_part) {
  auto policy = small_policy();
  part_buffer_pool pool(policy.settings().memory_budget);
  recording_sink sink;
  part_writer w(pool, policy, sink, {true, true});
  ASSERT_TRUE(w.finish());
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].bytes, "");
  EXPECT_EQ(sink.parts[0].sha256_hex, empty_sha256_hex);
  EXPECT_EQ(sink.parts[0].crc32c, 0u);
}

TEST(part_writer, fails_before_exceeding_the_part_limit_with_a_clear_message) {
  part_size_settings s;
  s.part_size = 5 * mib;
  s.memory_budget = 32 * mib;
  s.fixed = true;
  s.max_parts = 3;
  auto policy = part_size_policy::make(s).value();
  part_buffer_pool pool(s.memory_budget);
  recording_sink sink;
  part_writer w(pool, policy, sink, {});
  EXPECT_TRUE(w.write(std::string(15 * mib, 'x')));
  EXPECT_FALSE(w.write("y"));
  EXPECT_EQ(sink.parts.size(), 2u); // part 3 was never handed over: the upload cannot complete
  EXPECT_NE(sink.failure.find("larger than 15728640 bytes"), std::string::npos) << sink.failure;
  EXPECT_NE(sink.failure.find("--max-memory"), std::string::npos);
}

// A producer against an uploader that acknowledges parts late and out of order, for many
// budgets: memory stays within the budget and nothing deadlocks.
TEST(part_writer, slow_out_of_order_acknowledgements_stay_within_budget) {
  for (std::uint64_t budget : {10 * mib, 16 * mib, 30 * mib, 64 * mib}) {
    SCOPED_TRACE(budget);
    auto policy = small_policy(budget, 2);
    part_buffer_pool pool(budget);
    struct async_sink final : part_sink {
      std::mutex m;
      std::condition_variable cv;
      std::deque<part> queue;
      bool finished = false;
      std::uint64_t bytes = 0;
      void submit(part p, bool last) override {
        std::lock_guard l(m);
        queue.push_back(std::move(p));
        finished = last;
        cv.notify_one();
      }
      void fail_input(error) override {}
    } sink;
    std::thread uploader([&] {
      std::mt19937 rng(11);
      std::vector<part> in_flight;
      for (;;) {
        std::unique_lock l(sink.m);
        sink.cv.wait_for(l, std::chrono::milliseconds(1), [&] { return !sink.queue.empty() || sink.finished; });
        while (!sink.queue.empty()) {
          in_flight.push_back(std::move(sink.queue.front()));
          sink.queue.pop_front();
        }
        bool done = sink.finished && sink.queue.empty();
        l.unlock();
        if (!in_flight.empty() && (rng() % 2 || done)) { // acknowledge a random part
          auto i = rng() % in_flight.size();
          sink.bytes += in_flight[i].buffer.size();
          in_flight.erase(in_flight.begin() + static_cast<long>(i));
        }
        if (done && in_flight.empty()) return;
      }
    });
    part_writer w(pool, policy, sink, {false, true});
    auto chunk = random_bytes(1 << 20, 9);
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(w.write(chunk));
    ASSERT_TRUE(w.finish());
    uploader.join();
    EXPECT_EQ(sink.bytes, 60u << 20);
    EXPECT_LE(pool.stats().peak_allocated, budget);
  }
}

} // namespace
} // namespace secexport::s3
