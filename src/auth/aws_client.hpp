// A signed, retried call to an AWS-style service (S3, STS) over an io::http_client.
//
// `call` signs each attempt at send time with the provider's current credentials, sends it,
// and lets the retry engine (io/retry.hpp) judge the outcome: transient failures back off
// under the endpoint's budget and are counted in the caller's retry counters; expired
// credentials are refreshed once; a skewed clock is corrected once from the server's Date
// header. What cannot be retried comes back as a value (`aws_response::error`), never
// thrown; exceptions are reserved for credentials that cannot be obtained at all.
//
// Everything here runs on the executor of `aws_context`; not thread-safe.
#pragma once

#include "auth/aws_error.hpp"
#include "auth/credentials_provider.hpp"
#include "auth/error.hpp"
#include "auth/signing_clock.hpp"
#include "auth/sigv4.hpp"
#include "io/http_client.hpp"
#include "io/retry.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>

namespace secexport::auth {

/// What a process (or one tenant's thread) shares between its AWS calls: connections and
/// the retry budget per endpoint, the signer's key cache, the corrected clock, the backoff
/// policy and its clock.
class aws_context {
public:
  aws_context(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
              io::http_options http = {}, io::backoff_policy backoff = {});
  ~aws_context();

  [[nodiscard]] io::http_client& http_for(const io::endpoint& ep);
  [[nodiscard]] const std::shared_ptr<boost::asio::ssl::context>& tls() const noexcept { return tls_; }
  [[nodiscard]] const io::http_options& http_options() const noexcept { return http_; }
  [[nodiscard]] boost::asio::any_io_executor executor() const { return executor_; }
  [[nodiscard]] auth::signer& signer() { return signer_; }
  [[nodiscard]] signing_clock& clock() { return clock_; }
  [[nodiscard]] const io::backoff_policy& backoff() const { return backoff_; }
  [[nodiscard]] io::retry_clock& retry_clock() { return *retry_clock_; }
  /// Tests replace the backoff clock (to record delays instead of sleeping).
  void set_retry_clock(std::unique_ptr<io::retry_clock> c) { retry_clock_ = std::move(c); }
  /// Closes idle connections everywhere (end of a job).
  void close_idle();

private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  io::http_options http_;
  io::backoff_policy backoff_;
  auth::signer signer_;
  signing_clock clock_;
  std::unique_ptr<io::retry_clock> retry_clock_;
  std::map<std::string, std::unique_ptr<io::http_client>> clients_;
};

/// The clock a refreshing provider judges expiry by: `options.clock`, else the signing clock
/// of `context` (corrected for skew).
[[nodiscard]] std::function<sys_s()> refresh_clock(aws_context& context, const refresh_options& options);

struct aws_request {
  std::string_view operation; // "UploadPart", for messages and logs
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string path = "/"; // encoded as sent
  std::string query;      // encoded as sent, no '?'
  std::vector<header_field> headers; // signed and sent (content-type, x-amz-checksum-*, ...)
  std::span<const char> body;        // borrowed until call() completes
  std::string payload_hash;          // hex SHA-256 or UNSIGNED-PAYLOAD; empty: SHA-256 of body
  bool check_body_for_error = false; // a 200 whose body is <Error> is an error (CompleteMultipartUpload)
  std::string target;                // "s3://bucket/key", for the retry log line
  /// Checks a successful answer (the store's echo of a checksum, an ETag): an error whose
  /// code is an integrity condition sends the request again (the body is still in hand);
  /// any other code fails the call. Runs on the client's executor.
  std::function<std::optional<secexport::error>(const struct aws_response&)> verify;
};

struct aws_response {
  unsigned status = 0;
  boost::beast::http::fields headers;
  std::string body;
  aws_error error;

  [[nodiscard]] bool ok() const noexcept { return !error.failed(); }
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

class aws_client {
public:
  /// `service` is the signing name ("s3", "sts"); S3 requests use S3's signing rules and
  /// carry x-amz-content-sha256. Retries are counted in `counters` when given. Null
  /// `credentials`: requests are sent unsigned (STS AssumeRoleWithWebIdentity).
  aws_client(aws_context& context, io::endpoint endpoint, std::string service, std::string region,
             std::shared_ptr<credentials_provider> credentials, io::retry_counters* counters = nullptr);

  [[nodiscard]] boost::asio::awaitable<aws_response> call(const aws_request& request);

  [[nodiscard]] const io::endpoint& endpoint() const noexcept { return endpoint_; }
  [[nodiscard]] const std::string& region() const noexcept { return region_; }
  [[nodiscard]] aws_context& context() noexcept { return context_; }
  [[nodiscard]] credentials_provider& credentials() noexcept { return *credentials_; } // signed clients only

private:
  aws_context& context_;
  io::endpoint endpoint_;
  io::http_client& http_;
  std::string service_;
  std::string region_;
  std::shared_ptr<credentials_provider> credentials_;
  io::retry_counters* counters_;
};

} // namespace secexport::auth
