// How the answers of S3 and STS are judged: their error codes (parsed once into
// auth::service_errc) through io::classify, the one function that decides about retries.
#include "auth/error.hpp"
#include "io/retry.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

namespace secexport::auth {
namespace {

namespace ae = boost::asio::error;
using io::classify;
using io::retry_class;

retry_class of(unsigned status, std::string_view code = {}) {
  io::attempt_outcome o;
  o.status = status;
  o.service = parse_service_code(code);
  return classify(o);
}
retry_class of(boost::system::error_code ec) {
  io::attempt_outcome o;
  o.transport = ec;
  return classify(o);
}

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

TEST(classify, digest_mismatches_are_sent_again) {
  for (auto c : {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}) EXPECT_EQ(of(400, c), retry_class::transient) << c;
  io::attempt_outcome o;
  o.status = 400;
  o.service = parse_service_code("BadDigest");
  EXPECT_EQ(io::reason_of(o), io::retry_reason::corrupted);
}

} // namespace
} // namespace secexport::auth
