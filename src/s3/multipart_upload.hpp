// One object upload driven by upload_state/next_action: PutObject for a stream that fits in
// one part, else CreateMultipartUpload, concurrent UploadPart, CompleteMultipartUpload; on
// any terminal failure the multipart upload is aborted, and if the abort itself is denied
// (the customer's least-privilege policy has no s3:AbortMultipartUpload) the result says so
// and names the upload ID and the permission to add.
//
// Threads: the producer (part_writer) calls the part_sink methods from its own thread; they
// post to the executor. Everything else runs on the executor's single thread. A part's
// buffer returns to the pool when S3 has acknowledged it or the upload gave up on it.
// `run()` returns only when nothing is in flight any more.
#pragma once

#include "s3/integrity.hpp"
#include "s3/part_writer.hpp"
#include "s3/s3_client.hpp"
#include "s3/upload_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace secexport::s3 {

struct upload_options {
  bool signed_payload = false; // SHA-256 of each part in the signature
  bool crc32c = true;          // x-amz-checksum-crc32c per part
  std::vector<auth::header_field> object_headers; // Content-Type, metadata: PutObject / Create
};

/// --payload and --checksum as the operator chose them.
enum class payload_mode { automatic, signed_payload, unsigned_payload };
enum class checksum_mode { automatic, crc32c, none };
/// "auto" | "signed" | "unsigned"; "auto" | "crc32c" | "none".
[[nodiscard]] std::optional<payload_mode> parse_payload_mode(std::string_view text) noexcept;
[[nodiscard]] std::optional<checksum_mode> parse_checksum_mode(std::string_view text) noexcept;
/// The defaults: payloads unsigned over HTTPS (TLS protects the bytes in transit; signing
/// would cost a SHA-256 pass) and signed over plain HTTP; CRC32C with every part unless
/// --checksum none (it costs about 0.04 CPU s/GiB and lets the store confirm each part,
/// s3/integrity.hpp).
[[nodiscard]] upload_options make_upload_options(payload_mode payload, checksum_mode checksum, bool tls_endpoint);

struct upload_result {
  bool ok = false;
  std::string integrity;  // how the bytes in the store were verified (integrity_check::label)
  secexport::error error; // what failed, naming the object and the operation
  std::string cleanup;    // what became of a failed multipart upload (aborted, or left behind and why)
  bool left_behind = false; // a failed multipart upload could not be aborted
  std::string upload_id;  // empty for PutObject
  std::string etag;
  std::uint64_t bytes = 0;
  std::uint32_t parts = 0;
};

/// What the owner of an upload does at its decisive moments (the export: the old manifest
/// goes only when the new report replaces the old one).
struct upload_hooks {
  /// Right before CompleteMultipartUpload or the single PutObject, once the input has
  /// ended: an error stops the upload (it is aborted).
  std::function<boost::asio::awaitable<std::optional<secexport::error>>()> before_commit;
  /// Right after CreateMultipartUpload (the export records the upload ID in the bucket, so a
  /// killed process's upload can be found later). An error stops the upload.
  std::function<boost::asio::awaitable<std::optional<secexport::error>>(const std::string& upload_id)> created;
};

class multipart_upload final : public part_sink {
public:
  multipart_upload(s3_client& s3, std::string bucket, std::string key, upload_options options,
                   part_buffer_pool& pool, const part_size_policy& policy);
  ~multipart_upload() override;

  // part_sink: any thread.
  void submit(part p, bool last) override;
  void fail_input(error reason) override;
  [[nodiscard]] bool wants_md5() const noexcept override { return integrity_.wants_md5(); }

  /// Before run().
  void set_hooks(upload_hooks hooks) { hooks_ = std::move(hooks); }

  /// Drives the upload to success or to a clean failure.
  boost::asio::awaitable<upload_result> run();
  /// Stops the upload (SIGTERM, or the export failed elsewhere): in-flight requests are
  /// cancelled, then the multipart upload is aborted. Executor thread only.
  void cancel(std::string reason);

  [[nodiscard]] const upload_options& options() const noexcept { return options_; }
  /// Any thread: whether the upload has failed (the producer stops early).
  [[nodiscard]] bool failed() const noexcept { return failed_flag_.load(); }
  /// Any thread: bytes S3 has acknowledged so far (for progress).
  [[nodiscard]] std::uint64_t bytes_acknowledged() const noexcept { return acknowledged_.load(); }

private:
  boost::asio::awaitable<void> put_single(part p);
  boost::asio::awaitable<void> create();
  boost::asio::awaitable<void> upload_one(part p);
  boost::asio::awaitable<void> complete();
  boost::asio::awaitable<void> abort();
  enum class op_kind { operation, part, abort };
  void start(boost::asio::awaitable<void> op, op_kind kind);
  void fail(error e);
  /// An S3 operation of the upload failed: its code, and "OPERATION s3://b/k failed: ...".
  void fail(std::string_view operation, const auth::aws_error& e);
  void wake();
  [[nodiscard]] std::string where() const;
  /// The protection of `p`'s request, with the check of the store's answer (which may set
  /// p.md5); `p` must outlive the request.
  [[nodiscard]] payload_protection protection(part& p, std::string what);
  /// The whole object after Complete; fails the upload (and removes the object) on a mismatch.
  boost::asio::awaitable<bool> check_object(std::string_view completed_body, std::string etag);

  s3_client& s3_;
  std::string bucket_, key_;
  upload_options options_;
  part_buffer_pool& pool_;
  const part_size_policy& policy_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer wakeup_;

  upload_state state_;
  std::map<std::uint32_t, part> waiting_; // submitted, not started
  std::vector<completed_part> completed_;
  std::vector<std::optional<md5_digest>> part_md5s_; // of the acknowledged parts, for the object's ETag
  integrity_check integrity_;
  upload_hooks hooks_;
  std::vector<boost::asio::cancellation_signal> slots_;
  std::vector<std::size_t> free_slots_;
  std::size_t running_ = 0;
  upload_result result_;
  std::atomic<bool> failed_flag_{false};
  std::atomic<std::uint64_t> acknowledged_{0};
};

} // namespace secexport::s3
