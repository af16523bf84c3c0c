// Model-checks upload_state/next_action: every interleaving of producer events (parts
// submitted, input finished or failed), request outcomes (success or failure, in any order)
// and cancellation, for small uploads, checking the properties the driver relies on.
#include "s3/upload_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>
#include <vector>

namespace secexport::s3 {
namespace {

// What the driver has started and not yet seen finish.
struct world {
  upload_state s;
  unsigned total_parts = 0;          // how many parts this producer will submit
  unsigned ops_in_flight = 0;        // put/create/complete (at most one at a time)
  upload_action op_kind = upload_action::wait;
  unsigned parts_running = 0;
  bool aborted = false;
  bool completed_with_all_parts = false;

  auto key() const {
    return std::make_tuple(s.parts_submitted, s.input_finished, s.single_started, s.create_started, s.created,
                           s.parts_started, s.parts_in_flight, s.parts_done, s.complete_started,
                           s.operation_in_flight, s.succeeded, s.failed, s.abort_started, s.abort_finished,
                           ops_in_flight, static_cast<int>(op_kind), parts_running, aborted);
  }
};

struct checker {
  unsigned max_in_flight;
  std::set<decltype(world{}.key())> seen;
  unsigned terminal_success = 0, terminal_failure = 0;

  // The driver: performs actions until it has to wait.
  void drive(world& w) {
    for (int guard = 0; guard < 1000; ++guard) {
      w.s.max_in_flight = max_in_flight;
      auto a = next_action(w.s);
      switch (a) {
      case upload_action::put_object:
        ASSERT_TRUE(w.s.input_finished);
        ASSERT_LE(w.total_parts, 1u);
        ASSERT_LE(w.s.parts_submitted, 1u);
        ASSERT_FALSE(w.s.create_started);
        w.s.single_started = w.s.operation_in_flight = true;
        w.op_kind = a;
        ++w.ops_in_flight;
        break;
      case upload_action::create_upload:
        ASSERT_FALSE(w.s.single_started);
        ASSERT_GE(w.total_parts, 2u) << "multipart for a single-part stream";
        ASSERT_TRUE(w.s.parts_submitted >= 2 || (w.s.parts_submitted == 1 && !w.s.input_finished));
        w.s.create_started = w.s.operation_in_flight = true;
        w.op_kind = a;
        ++w.ops_in_flight;
        break;
      case upload_action::upload_part:
        ASSERT_TRUE(w.s.created);
        ASSERT_LT(w.s.parts_started, w.s.parts_submitted);
        ++w.s.parts_started;
        ++w.s.parts_in_flight;
        ++w.parts_running;
        ASSERT_LE(w.s.parts_in_flight, max_in_flight);
        break;
      case upload_action::complete:
        ASSERT_TRUE(w.s.input_finished);
        ASSERT_GE(w.total_parts, 2u) << "a single-part stream must be a PutObject";
        ASSERT_EQ(w.s.parts_done, w.total_parts) << "completing before every part is acknowledged";
        ASSERT_FALSE(w.s.failed);
        w.s.complete_started = w.s.operation_in_flight = true;
        w.op_kind = a;
        ++w.ops_in_flight;
        break;
      case upload_action::abort:
        ASSERT_TRUE(w.s.created);
        ASSERT_TRUE(w.s.failed);
        ASSERT_EQ(w.parts_running, 0u) << "aborting with parts still in flight";
        ASSERT_EQ(w.ops_in_flight, 0u);
        w.s.abort_started = true;
        w.aborted = true;
        break;
      case upload_action::succeeded:
        ASSERT_FALSE(w.s.failed);
        ++terminal_success;
        return;
      case upload_action::failed:
        ASSERT_EQ(w.aborted, w.s.created) << "a created upload must be aborted, and only then";
        ASSERT_EQ(w.parts_running + w.ops_in_flight, 0u);
        ++terminal_failure;
        return;
      case upload_action::wait:
        explore_events(w);
        return;
      }
    }
    FAIL() << "driver loops without waiting";
  }

  void explore_events(const world& w) {
    if (!seen.insert(w.key()).second) return;
    bool any = false;
    auto branch = [&](auto mutate) {
      any = true;
      world next = w;
      mutate(next);
      drive(next);
    };
    // Producer events.
    if (!w.s.input_finished && !w.s.failed) {
      // The last part carries the end of input (an empty stream is one empty part).
      const unsigned last = std::max(w.total_parts, 1u);
      branch([last](world& n) {
        ++n.s.parts_submitted;
        n.s.input_finished = n.s.parts_submitted == last;
      });
      branch([](world& n) { n.s.failed = true; }); // read error / cancel
    }
    // A part finishes, either way.
    if (w.parts_running > 0) {
      branch([](world& n) {
        --n.parts_running;
        --n.s.parts_in_flight;
        if (!n.s.failed) ++n.s.parts_done;
      });
      branch([](world& n) {
        --n.parts_running;
        --n.s.parts_in_flight;
        n.s.failed = true;
      });
    }
    // An operation finishes, either way.
    if (w.ops_in_flight > 0) {
      for (bool ok : {true, false})
        branch([ok](world& n) {
          --n.ops_in_flight;
          n.s.operation_in_flight = false;
          if (!ok || n.s.failed) {
            n.s.failed = true;
            return;
          }
          if (n.op_kind == upload_action::create_upload) n.s.created = true;
          else n.s.succeeded = true;
        });
    }
    if (w.s.abort_started && !w.s.abort_finished) branch([](world& n) { n.s.abort_finished = true; });
    // Cancellation at any moment.
    if (!w.s.failed && !w.s.succeeded) branch([](world& n) { n.s.failed = true; });
    ASSERT_TRUE(any) << "deadlock: waiting with nothing that can happen";
  }
};

TEST(upload_state, every_interleaving_ends_cleanly) {
  for (unsigned parts = 0; parts <= 4; ++parts)
    for (unsigned max_in_flight = 1; max_in_flight <= 3; ++max_in_flight) {
      SCOPED_TRACE("parts=" + std::to_string(parts) + " max_in_flight=" + std::to_string(max_in_flight));
      checker c{max_in_flight, {}, 0, 0};
      world w;
      w.total_parts = parts;
      c.drive(w);
      EXPECT_GT(c.terminal_success, 0u);
      EXPECT_GT(c.terminal_failure, 0u);
      EXPECT_GE(c.seen.size(), 3u * std::max(parts, 1u)); // the exploration really branched
    }
}

TEST(upload_state, small_streams_are_one_put_object) {
  upload_state s;
  s.input_finished = true;
  EXPECT_EQ(next_action(s), upload_action::put_object); // empty stream
  s.parts_submitted = 1;
  EXPECT_EQ(next_action(s), upload_action::put_object);
}

TEST(upload_state, multipart_starts_as_soon_as_a_second_part_is_certain) {
  upload_state s;
  EXPECT_EQ(next_action(s), upload_action::wait);
  s.parts_submitted = 1; // the producer hands over part 1 only when part 2 has bytes
  EXPECT_EQ(next_action(s), upload_action::create_upload);
}

} // namespace
} // namespace secexport::s3
