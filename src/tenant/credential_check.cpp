#include "tenant/credential_check.hpp"

#include "auth/credentials_provider.hpp"
#include "base/crypto.hpp"
#include "base/log.hpp"
#include "base/time.hpp"

#include <openssl/rand.h>

#include <cstdio>

namespace secexport::tenant {

namespace net = boost::asio;

namespace {

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(raw);
}

std::string key_prefix(const std::string& prefix) {
  if (prefix.empty()) return {};
  return prefix.back() == '/' ? prefix : prefix + "/";
}

void pass(check_step& s, std::string detail) {
  s.status = step_status::passed;
  s.detail = std::move(detail);
}

void fail(check_step& s, const auth::aws_error& e, std::string what) {
  s.status = step_status::failed;
  s.code = e.code_text.empty() ? (e.transport.empty() ? "HTTP " + std::to_string(e.status) : "no response") : e.code_text;
  s.detail = what + ": " + e.describe();
  s.denied = e.is(auth::service_errc::access_denied);
  if (s.denied) s.detail += " (the policy must allow " + s.action + ")";
  else if (e.is(auth::service_errc::no_such_bucket))
    s.detail += " (the bucket does not exist: check its name, and the region or endpoint it is in)";
}

void skip(check_step& s, std::string why) {
  s.status = step_status::skipped;
  s.detail = std::move(why);
}

check_step planned(std::string name, std::string action) {
  check_step s;
  s.name = std::move(name);
  s.action = std::move(action);
  return s;
}

// (Outside the coroutine: GCC 12 miscompiles initializer lists inside coroutine frames.)
check_report planned_steps(bool assume_role) {
  check_report report;
  if (assume_role) report.steps.push_back(planned("AssumeRole", "sts:AssumeRole"));
  report.steps.push_back(planned("GetBucketLocation", "s3:GetBucketLocation"));
  report.steps.push_back(planned("ListObjectsV2", "s3:ListBucket"));
  report.steps.push_back(planned("PutObject", "s3:PutObject"));
  report.steps.push_back(planned("GetObject", "s3:GetObject"));
  report.steps.push_back(planned("DeleteObject", "s3:DeleteObject"));
  return report;
}

std::vector<auth::header_field> probe_headers() { return {{"content-type", "text/plain; charset=utf-8"}}; }

} // namespace

bool check_report::passed() const noexcept {
  for (const auto& s : steps)
    if (s.status != step_status::passed) return false;
  return !steps.empty();
}

const check_step* check_report::first_failure() const noexcept {
  for (const auto& s : steps)
    if (s.status == step_status::failed) return &s;
  return nullptr;
}

net::awaitable<check_report> check_credentials(s3::s3_client& s3, auth::credentials_provider& credentials,
                                               check_request r) {
  check_report report = planned_steps(r.assume_role);
  auto step = [&](std::string_view name) -> check_step& {
    for (auto& s : report.steps)
      if (s.name == name) return s;
    throw std::logic_error("no step " + std::string(name));
  };
  // Hands the finished steps to on_step, in order, each once.
  std::size_t reported = 0;
  auto report_done = [&]() -> net::awaitable<void> {
    for (; reported < report.steps.size(); ++reported) {
      const auto& s = report.steps[reported];
      if (s.status == step_status::skipped && s.detail.empty()) co_return; // not run yet
      if (r.on_step) co_await r.on_step(s);
    }
  };

  if (r.assume_role) {
    auto& s = step("AssumeRole");
    std::string error;
    auth::aws_error aws;
    try {
      (void)co_await credentials.get();
    } catch (const auth::aws_call_error& e) {
      error = e.what();
      aws = e.error();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) {
      pass(s, "assumed " + r.role_arn + " with external ID '" + r.external_id + "'");
    } else {
      s.status = step_status::failed;
      s.code = aws.code_text.empty() ? "error" : aws.code_text;
      s.detail = redact(error);
      s.denied = aws.is(auth::service_errc::access_denied);
      for (auto& other : report.steps)
        if (other.name != "AssumeRole") skip(other, "needs the role's credentials");
      co_await report_done();
      co_return report;
    }
    co_await report_done();
  }

  {
    auto& s = step("GetBucketLocation");
    auto res = co_await s3.get_bucket_location(r.bucket);
    if (res.ok()) {
      auto where = s3::parse_bucket_location(res.body);
      pass(s, "bucket " + r.bucket + " is in " + (where && !where->empty() ? *where : std::string("us-east-1")));
    } else {
      fail(s, res.error, "GetBucketLocation of " + r.bucket);
    }
  }
  co_await report_done();

  const auto prefix = key_prefix(r.prefix);
  {
    auto& s = step("ListObjectsV2");
    auto res = co_await s3.list_objects_v2(r.bucket, prefix, {}, 1);
    if (res.ok()) pass(s, "listed s3://" + r.bucket + "/" + prefix);
    else fail(s, res.error, "ListObjectsV2 of s3://" + r.bucket + "/" + prefix);
  }
  co_await report_done();

  const auto key = prefix + ".secexport-credential-check/" + random_hex(12) + ".txt";
  const auto url = s3::s3_client::url(r.bucket, key);
  const std::string body = "secexport credential check for tenant " + r.tenant + " at " +
                           format_rfc3339(std::chrono::time_point_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now())) +
                           "; safe to delete.\n";
  auto& put = step("PutObject");
  {
    auto res = co_await s3.put_object(r.bucket, key, {body.data(), body.size()}, s3::small_body_protection(body),
                                      probe_headers());
    if (res.ok()) pass(put, "wrote " + url + " (" + std::to_string(body.size()) + " bytes)");
    else fail(put, res.error, "PutObject of " + url);
  }
  if (put.status != step_status::passed) {
    skip(step("GetObject"), "no probe object to read");
    skip(step("DeleteObject"), "no probe object to delete");
    co_await report_done();
    co_return report;
  }
  co_await report_done();
  {
    auto& s = step("GetObject");
    auto res = co_await s3.get_object(r.bucket, key);
    if (!res.ok()) fail(s, res.error, "GetObject of " + url);
    else if (res.body != body) {
      s.status = step_status::failed;
      s.code = "ContentMismatch";
      s.detail = "GetObject of " + url + " returned " + std::to_string(res.body.size()) +
                 " bytes that differ from the " + std::to_string(body.size()) + " written";
    } else {
      pass(s, "read it back, content identical");
    }
  }
  co_await report_done();
  {
    auto& s = step("DeleteObject");
    auto res = co_await s3.delete_object(r.bucket, key);
    if (res.ok()) pass(s, "deleted it");
    else {
      fail(s, res.error, "DeleteObject of " + url);
      s.detail += "; the probe object is left behind";
    }
  }
  co_await report_done();
  co_return report;
}

std::string format_report(const check_report& report) {
  std::string out;
  char line[96];
  for (const auto& s : report.steps) {
    const char* status = s.status == step_status::passed ? "pass" : s.status == step_status::failed ? "FAIL" : "skip";
    std::snprintf(line, sizeof line, "  %-4s  %-17s  %-20s  ", status, s.name.c_str(), s.action.c_str());
    out += line;
    if (s.status == step_status::failed) out += s.code + ": ";
    out += s.detail + "\n";
  }
  return out;
}

} // namespace secexport::tenant
