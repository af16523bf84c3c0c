// Fuzzes the readers of S3 and STS response bodies (s3/s3_xml.cpp, auth/aws_error.cpp): the
// bodies come from the network, from AWS, a proxy or any S3-compatible server.
//
// Input: two bytes that choose the HTTP status (100..599) for parse_aws_error, then the body,
// which every reader gets: parse_upload_id, parse_bucket_location, parse_list_objects,
// parse_completed_etag and parse_aws_error (then aws_error::describe, which messages use).
//
// Checks: no crash, no leak, no undefined behaviour (pugixml is used as a library; these are
// the walks over its tree and the conversions of its text), and
//   - aws-error-status: parse_aws_error keeps the status it was given.
#include "fuzz_check.hpp"

#include "auth/aws_error.hpp"
#include "s3/s3_xml.hpp"

#include <cstddef>
#include <cstdint>

using namespace secexport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned status = 100 + (static_cast<unsigned>(data[0]) << 8 | data[1]) % 500;
  std::string_view xml(reinterpret_cast<const char*>(data) + 2, size - 2);

  (void)s3::parse_upload_id(xml);
  (void)s3::parse_bucket_location(xml);
  (void)s3::parse_list_objects(xml);
  (void)s3::parse_completed_etag(xml);

  auto e = auth::parse_aws_error(xml, status);
  FUZZ_CHECK("aws-error-status", e.status == status, "status " + std::to_string(e.status));
  (void)e.describe();
  (void)e.code.message();
  return 0;
}
