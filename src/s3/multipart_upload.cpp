#include "s3/multipart_upload.hpp"

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "s3/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>


namespace secexport::s3 {

namespace net = boost::asio;

namespace {

metrics::family parts_in_flight_family("secexport_parts_in_flight",
                                       "UploadPart requests sent and not yet answered, over every upload", "gauge");
metrics::cell& parts_in_flight = parts_in_flight_family.with();

} // namespace

std::optional<payload_mode> parse_payload_mode(std::string_view text) noexcept {
  if (text == "auto") return payload_mode::automatic;
  if (text == "signed") return payload_mode::signed_payload;
  if (text == "unsigned") return payload_mode::unsigned_payload;
  return std::nullopt;
}

std::optional<checksum_mode> parse_checksum_mode(std::string_view text) noexcept {
  if (text == "auto") return checksum_mode::automatic;
  if (text == "crc32c") return checksum_mode::crc32c;
  if (text == "none") return checksum_mode::none;
  return std::nullopt;
}

upload_options make_upload_options(payload_mode payload, checksum_mode checksum, bool tls_endpoint) {
  upload_options o;
  o.signed_payload = payload == payload_mode::signed_payload || (payload == payload_mode::automatic && !tls_endpoint);
  o.crc32c = checksum != checksum_mode::none; // nearly free, and what lets the store confirm each part
  return o;
}

multipart_upload::multipart_upload(s3_client& s3, std::string bucket, std::string key, upload_options options,
                                   part_buffer_pool& pool, const part_size_policy& policy)
    : s3_(s3), bucket_(std::move(bucket)), key_(std::move(key)), options_(std::move(options)), pool_(pool),
      policy_(policy), executor_(s3.context().executor()), wakeup_(executor_),
      integrity_(options_.crc32c), slots_(policy.settings().concurrency + 2) {
  for (std::size_t i = slots_.size(); i-- > 0;) free_slots_.push_back(i);
}

multipart_upload::~multipart_upload() = default;

std::string multipart_upload::where() const { return s3_client::url(bucket_, key_); }

payload_protection multipart_upload::protection(part& p, std::string what) {
  auto compute_md5 = [&p] { return md5_of({p.buffer.data(), p.buffer.size()}); };
  payload_protection pp;
  if (options_.signed_payload) pp.sha256_hex = p.sha256_hex;
  if (options_.crc32c) pp.crc32c = p.crc32c;
  if (integrity_.wants_md5()) {
    if (!p.md5) p.md5 = compute_md5(); // a part made before the store showed it ignores checksums
    pp.md5 = p.md5;
  }
  pp.verify = [this, &p, what = std::move(what), compute_md5](const auth::aws_response& r) {
    return integrity_.check(what, options_.crc32c ? p.crc32c : std::nullopt, r.header("x-amz-checksum-crc32c"),
                            r.header("ETag"), p.md5, compute_md5);
  };
  return pp;
}

void multipart_upload::wake() { wakeup_.cancel(); }

void multipart_upload::submit(part p, bool last) {
  net::post(executor_, [this, p = std::move(p), last]() mutable {
    ++state_.parts_submitted;
    state_.input_finished = last;
    if (state_.failed) return; // the buffer goes back to the pool here
    auto number = p.number;
    waiting_.emplace(number, std::move(p));
    wake();
  });
}

void multipart_upload::fail_input(error reason) {
  net::post(executor_, [this, reason = std::move(reason)]() mutable { fail(std::move(reason)); });
}

void multipart_upload::fail(std::string_view operation, const auth::aws_error& e) {
  fail({e.code ? e.code : make_error_code(errc::upload_failed),
        std::string(operation) + " " + where() + " failed: " + e.describe()});
}

void multipart_upload::fail(error e) {
  if (!state_.failed) {
    state_.failed = true;
    failed_flag_ = true;
    result_.error = std::move(e);
    pool_.close(); // wakes the producer: nothing more will be uploaded
    waiting_.clear();
    for (auto& s : slots_) s.emit(net::cancellation_type::terminal);
  }
  wake();
}

void multipart_upload::cancel(std::string reason) {
  fail({errc::cancelled, "upload of " + where() + " cancelled: " + reason});
}

void multipart_upload::start(net::awaitable<void> op, op_kind kind) {
  std::size_t slot = free_slots_.back();
  free_slots_.pop_back();
  ++running_;
  // The state's in-flight bookkeeping is settled here, whether the operation returned or
  // threw (cancelled, credentials unavailable), so next_action always sees the truth.
  auto done = [this, slot, kind](std::exception_ptr e) {
    free_slots_.push_back(slot);
    --running_;
    switch (kind) {
    case op_kind::operation: state_.operation_in_flight = false; break;
    case op_kind::part:
      --state_.parts_in_flight;
      parts_in_flight.add(-1);
      break;
    case op_kind::abort: state_.abort_finished = true; break;
    }
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const failure& ex) {
        fail({ex.code(), std::string("upload of ") + where() + " failed: " + ex.what()});
      } catch (const std::exception& ex) {
        fail({errc::upload_failed, std::string("upload of ") + where() + " failed: " + ex.what()});
      }
    }
    wake();
  };
  if (kind != op_kind::abort) net::co_spawn(executor_, std::move(op), net::bind_cancellation_slot(slots_[slot].slot(), done));
  else net::co_spawn(executor_, std::move(op), done); // a cancelled upload must still be cleaned up
}

net::awaitable<upload_result> multipart_upload::run() {
  for (;;) {
    state_.max_in_flight = policy_.in_flight_limit(state_.parts_started + 1);
    switch (next_action(state_)) {
    case upload_action::put_object: {
      state_.single_started = state_.operation_in_flight = true;
      part p;
      if (auto it = waiting_.find(1); it != waiting_.end()) p = std::move(it->second);
      waiting_.clear();
      start(put_single(std::move(p)), op_kind::operation);
      continue;
    }
    case upload_action::create_upload:
      state_.create_started = state_.operation_in_flight = true;
      start(create(), op_kind::operation);
      continue;
    case upload_action::upload_part: {
      auto it = waiting_.find(state_.parts_started + 1);
      if (it == waiting_.end()) { // parts are posted in order; this cannot happen
        fail({errc::upload_failed, "internal error: part " + std::to_string(state_.parts_started + 1) + " is missing"});
        continue;
      }
      auto p = std::move(it->second);
      waiting_.erase(it);
      ++state_.parts_started;
      ++state_.parts_in_flight;
      parts_in_flight.add(1);
      start(upload_one(std::move(p)), op_kind::part);
      continue;
    }
    case upload_action::complete:
      state_.complete_started = state_.operation_in_flight = true;
      start(complete(), op_kind::operation);
      continue;
    case upload_action::abort:
      state_.abort_started = true;
      start(abort(), op_kind::abort);
      continue;
    case upload_action::succeeded:
      result_.ok = true;
      result_.parts = state_.parts_submitted;
      co_return result_;
    case upload_action::failed:
      if (result_.cleanup.empty() && !result_.upload_id.empty()) result_.cleanup = "the multipart upload was aborted";
      co_return result_;
    case upload_action::wait:
      wakeup_.expires_at(net::steady_timer::time_point::max());
      co_await wakeup_.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
  }
}

net::awaitable<void> multipart_upload::put_single(part p) {
  if (hooks_.before_commit) { // the input has ended: the new object is about to replace the old
    if (auto stop = co_await hooks_.before_commit()) {
      fail(std::move(*stop));
      co_return;
    }
  }
  std::span<const char> body(p.buffer.data(), p.buffer.size());
  auto r = co_await s3_.put_object(bucket_, key_, body, protection(p, "PutObject " + where()), options_.object_headers);
  if (!r.ok()) {
    fail("PutObject", r.error);
    co_return;
  }
  result_.etag = std::string(r.header("ETag"));
  result_.bytes = p.buffer.size();
  result_.integrity = integrity_.label();
  acknowledged_ += p.buffer.size();
  state_.succeeded = true;
}

net::awaitable<void> multipart_upload::create() {
  auto r = co_await s3_.create_multipart_upload(bucket_, key_, options_.crc32c, options_.object_headers);
  if (!r.ok()) {
    fail("CreateMultipartUpload", r.error);
    co_return;
  }
  result_.upload_id = parse_upload_id(r.body);
  if (result_.upload_id.empty()) {
    fail({errc::upload_failed, "CreateMultipartUpload " + where() + " returned no upload ID"});
    co_return;
  }
  log_debug("multipart upload created", {{"object", where()}, {"upload_id", result_.upload_id}});
  if (hooks_.created) {
    if (auto stop = co_await hooks_.created(result_.upload_id)) {
      state_.created = true; // so that it is aborted
      fail(std::move(*stop));
      co_return;
    }
  }
  state_.created = true;
}

net::awaitable<void> multipart_upload::upload_one(part p) {
  const auto number = p.number;
  const auto size = p.buffer.size();
  std::span<const char> body(p.buffer.data(), size);
  auto r = co_await s3_.upload_part(bucket_, key_, result_.upload_id, number, body,
                                    protection(p, "UploadPart " + std::to_string(number) + " of " + where()));
  if (!r.ok()) {
    fail({r.error.code ? r.error.code : make_error_code(errc::upload_failed),
          "UploadPart " + std::to_string(number) + " of " + where() + " failed: " + r.error.describe()});
    co_return;
  }
  auto etag = r.header("ETag");
  if (etag.empty()) {
    fail({errc::upload_failed, "UploadPart " + std::to_string(number) + " of " + where() + " returned no ETag"});
    co_return;
  }
  if (completed_.size() < number) {
    completed_.resize(number);
    part_md5s_.resize(number);
  }
  completed_[number - 1] = {number, std::string(etag), options_.crc32c ? p.crc32c : std::nullopt};
  part_md5s_[number - 1] = p.md5;
  result_.bytes += size;
  acknowledged_ += size;
  ++state_.parts_done;
  // p.buffer returns to the pool as p goes out of scope: the part is safe in S3.
}

net::awaitable<void> multipart_upload::complete() {
  completed_.resize(state_.parts_submitted);
  part_md5s_.resize(state_.parts_submitted);
  if (hooks_.before_commit) { // every part is in the store: the new object is about to replace the old
    if (auto stop = co_await hooks_.before_commit()) {
      fail(std::move(*stop));
      co_return;
    }
  }
  auto r = co_await s3_.complete_multipart_upload(bucket_, key_, result_.upload_id, completed_);
  if (!r.ok() && r.error.is(auth::service_errc::no_such_upload) && r.error.sent_more_than_once) {
    // An earlier attempt may have completed the upload before its answer was lost.
    auto head = co_await s3_.head_object(bucket_, key_);
    auto etag = head.ok() ? std::string(head.header("ETag")) : std::string();
    auto suffix = "-" + std::to_string(state_.parts_submitted) + "\"";
    auto length = head.ok() ? std::string(head.header("Content-Length")) : std::string();
    if (etag.ends_with(suffix) && length == std::to_string(result_.bytes)) {
      if (!co_await check_object({}, etag)) co_return;
      result_.etag = etag;
      state_.succeeded = true;
      co_return;
    }
  }
  if (!r.ok()) {
    fail("CompleteMultipartUpload", r.error);
    co_return;
  }
  auto etag = parse_completed_etag(r.body);
  if (etag.empty()) etag = std::string(r.header("ETag"));
  if (!co_await check_object(r.body, etag)) co_return;
  result_.etag = etag;
  result_.integrity = integrity_.label();
  state_.succeeded = true;
}

net::awaitable<bool> multipart_upload::check_object(std::string_view completed_body, std::string etag) {
  const bool md5_for_all =
      !part_md5s_.empty() && std::all_of(part_md5s_.begin(), part_md5s_.end(), [](const auto& m) { return m.has_value(); });
  if (etag.empty() && md5_for_all) { // radosgw's Complete answer has no ETag; its HeadObject has
    auto head = co_await s3_.head_object(bucket_, key_);
    if (head.ok()) etag = std::string(head.header("ETag"));
  }
  std::vector<std::uint32_t> crcs;
  for (const auto& c : completed_)
    if (c.crc32c) crcs.push_back(*c.crc32c);
  auto wrong = integrity_.check_object("the completed object " + where(), parse_completed_crc32c(completed_body), etag,
                                       crcs, part_md5s_);
  if (!wrong) co_return true;
  // The object looks complete but holds other bytes than were sent: it must not stay.
  auto del = co_await s3_.delete_object(bucket_, key_);
  wrong->message += del.ok() ? "; the object was deleted" : "; deleting it failed too: " + del.error.describe();
  log_error("completed object does not match what was sent", {{"object", where()}, {"error", wrong->message}});
  fail(std::move(*wrong));
  co_return false;
}

net::awaitable<void> multipart_upload::abort() {
  auto r = co_await s3_.abort_multipart_upload(bucket_, key_, result_.upload_id);
  if (r.ok() || r.error.is(auth::service_errc::no_such_upload)) {
    result_.cleanup = "the multipart upload was aborted";
    co_return;
  }
  result_.left_behind = true;
  result_.cleanup = "the multipart upload " + result_.upload_id + " of " + where() +
                    " could not be aborted (" + r.error.describe() +
                    "); its parts stay in the bucket, invisible but billed, until a lifecycle rule "
                    "with AbortIncompleteMultipartUpload removes them";
  if (r.error.is(auth::service_errc::access_denied))
    result_.cleanup += "; grant s3:AbortMultipartUpload on arn:aws:s3:::" + bucket_ +
                       "/* to let secexport clean up failed uploads";
  log_warn("failed multipart upload left behind", {{"object", where()}, {"upload_id", result_.upload_id},
                                                    {"reason", r.error.describe()}});
}

} // namespace secexport::s3
