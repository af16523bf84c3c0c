#include "io/retry_policy.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

namespace secexport::io {
namespace {

namespace ae = boost::asio::error;

retry_class of(unsigned status, std::string_view code = {}) { return classify({{}, status, code}); }
retry_class of(boost::system::error_code ec) { return classify({ec, 0, {}}); }

TEST(classify, successes) {
  EXPECT_EQ(of(200), retry_class::success);
  EXPECT_EQ(of(204), retry_class::success);
  EXPECT_EQ(of(304), retry_class::success);
}

TEST(classify, server_errors_throttling_and_lost_connections_are_transient) {
  for (unsigned s : {500u, 502u, 503u, 504u, 429u}) EXPECT_EQ(of(s), retry_class::transient) << s;
  for (auto c : {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling",
                 "ThrottlingException", "RequestLimitExceeded", "IDPCommunicationError"})
    EXPECT_EQ(of(400, c), retry_class::transient) << c;
  EXPECT_EQ(of(200, "InternalError"), retry_class::transient); // CompleteMultipartUpload's 200 with <Error>
  for (auto ec : {boost::system::error_code(ae::connection_reset), boost::system::error_code(ae::broken_pipe),
                  boost::system::error_code(ae::eof), boost::system::error_code(ae::connection_refused),
                  boost::system::error_code(boost::beast::error::timeout),
                  boost::system::error_code(boost::beast::http::error::partial_message),
                  boost::system::error_code(boost::asio::ssl::error::stream_truncated)})
    EXPECT_EQ(of(ec), retry_class::transient) << ec.message();
}

TEST(classify, client_errors_are_fatal) {
  for (auto c : {"AccessDenied", "NoSuchBucket", "NoSuchKey", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                 "EntityTooSmall", "InvalidPart", "NoSuchUpload", "MalformedXML"})
    EXPECT_EQ(of(403, c), retry_class::fatal) << c;
  EXPECT_EQ(of(404), retry_class::fatal);
  EXPECT_EQ(of(400), retry_class::fatal);
  EXPECT_EQ(of(ae::host_not_found), retry_class::fatal);
  EXPECT_EQ(of(ae::operation_aborted), retry_class::fatal);
}

TEST(classify, credentials_clock_and_region_have_their_own_classes) {
  EXPECT_EQ(of(400, "ExpiredToken"), retry_class::refresh_credentials);
  EXPECT_EQ(of(403, "ExpiredTokenException"), retry_class::refresh_credentials);
  EXPECT_EQ(of(403, "RequestTimeTooSkewed"), retry_class::fix_clock);
  EXPECT_EQ(of(301, "PermanentRedirect"), retry_class::redirect_region);
  EXPECT_EQ(of(301), retry_class::redirect_region);
  EXPECT_EQ(of(400, "AuthorizationHeaderMalformed"), retry_class::redirect_region);
}

TEST(backoff, full_jitter_stays_within_the_exponential_ceiling_and_the_cap) {
  backoff_policy b;
  std::mt19937_64 rng(42);
  for (unsigned retry = 0; retry < 30; ++retry) {
    auto ceiling = std::min<std::int64_t>(b.base.count() << std::min(retry, 20u), b.cap.count());
    std::int64_t highest = 0;
    for (int i = 0; i < 200; ++i) {
      auto d = b.delay(retry, rng).count();
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
      highest = std::max(highest, d);
    }
    EXPECT_GT(highest, ceiling / 2) << "jitter should spread over the whole range";
  }
}

TEST(retry_budget, runs_dry_and_refills_on_success) {
  retry_budget budget(20, 5, 10);
  EXPECT_TRUE(budget.try_acquire(false));
  EXPECT_TRUE(budget.try_acquire(true));
  EXPECT_TRUE(budget.try_acquire(false));
  EXPECT_FALSE(budget.try_acquire(false));
  budget.on_success_after_retry(false);
  EXPECT_EQ(budget.tokens(), 5u);
  EXPECT_TRUE(budget.try_acquire(false));
}

TEST(retry_after, parses_seconds_only) {
  EXPECT_EQ(parse_retry_after("3"), std::chrono::seconds(3));
  EXPECT_EQ(parse_retry_after(" 120 "), std::chrono::seconds(120));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_retry_after("-1"));
}

} // namespace
} // namespace secexport::io
