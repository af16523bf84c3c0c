#include "s3/integrity.hpp"

#include "base/log.hpp"
#include "s3/crc32c.hpp"
#include "s3/error.hpp"

namespace secexport::s3 {

namespace {

bool is_md5_hex(std::string_view s) noexcept {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

} // namespace

std::string_view unquoted(std::string_view etag) noexcept {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

std::optional<error> integrity_check::check_echo(std::string_view what, std::uint32_t crc32c, std::string_view echo) {
  const auto ours = crc32c_base64(crc32c);
  if (echo != ours)
    return error{errc::integrity_mismatch, std::string(what) + ": the store computed CRC32C " + std::string(echo) +
                                               " but the bytes sent have " + ours + " (changed on the way)"};
  ++by_echo_;
  return std::nullopt;
}

std::optional<error> integrity_check::check_etag(std::string_view what, const md5_digest& md5, std::string_view etag) {
  const auto theirs = unquoted(etag);
  if (!is_md5_hex(theirs))
    return error{errc::unverifiable,
                 std::string(what) + ": the store neither confirmed the part's x-amz-checksum-crc32c nor returned its "
                                     "MD5 as the ETag (it returned '" + std::string(theirs).substr(0, 80) +
                                     "'; an encrypted bucket?), so secexport cannot verify what the store holds"};
  const auto ours = to_hex(md5);
  if (theirs != ours)
    return error{errc::integrity_mismatch, std::string(what) + ": the store's ETag " + std::string(theirs) +
                                               " is not the MD5 of the bytes sent, " + ours + " (changed on the way)"};
  ++by_md5_;
  return std::nullopt;
}

void integrity_check::use_md5(std::string_view what) {
  md5_ = true;
  if (told_) return;
  told_ = true;
  if (crc32c_sent_)
    log_info("the store does not confirm x-amz-checksum-crc32c: every part now also carries Content-MD5 and its ETag "
             "is checked against the MD5 of the bytes sent",
             {{"first", what}});
}

std::string integrity_check::label() const {
  if (by_echo_ && by_md5_) return "crc32c-and-md5-verified";
  if (by_echo_) return "crc32c-verified-by-store";
  if (by_md5_) return "md5-verified";
  return "unverified";
}

std::string integrity_check::composite_crc32c(const std::vector<std::uint32_t>& crc32cs) {
  std::uint32_t crc = 0;
  for (auto c : crc32cs) {
    const unsigned char be[4] = {static_cast<unsigned char>(c >> 24), static_cast<unsigned char>(c >> 16),
                                 static_cast<unsigned char>(c >> 8), static_cast<unsigned char>(c)};
    crc = crc32c(crc, be, sizeof be);
  }
  return crc32c_base64(crc) + "-" + std::to_string(crc32cs.size());
}

std::string integrity_check::multipart_etag(const std::vector<md5_digest>& md5s) {
  md5 h;
  for (const auto& d : md5s) h.update(d.data(), d.size());
  return to_hex(h.finish()) + "-" + std::to_string(md5s.size());
}

std::optional<error> integrity_check::check_object(std::string_view what, std::string_view composite,
                                                   std::string_view etag, const std::vector<std::uint32_t>& crc32cs,
                                                   const std::vector<std::optional<md5_digest>>& md5s) const {
  if (!composite.empty() && crc32c_sent_ && crc32cs.size() == md5s.size()) {
    const auto ours = composite_crc32c(crc32cs);
    if (composite != ours)
      return error{errc::integrity_mismatch, std::string(what) + ": the store's checksum of the whole object is " +
                                                 std::string(composite) + ", the parts sent make " + ours};
  }
  const auto theirs = unquoted(etag);
  if (theirs.empty() || md5s.empty()) return std::nullopt;
  std::vector<md5_digest> all;
  for (const auto& m : md5s) {
    if (!m) return std::nullopt; // a part verified by its echoed CRC32C: no MD5 to compare with
    all.push_back(*m);
  }
  const auto ours = multipart_etag(all);
  if (theirs.find('-') == std::string_view::npos) return std::nullopt; // not a multipart ETag: nothing to compare
  if (theirs != ours)
    return error{errc::integrity_mismatch, std::string(what) + ": the store's ETag of the whole object is " +
                                               std::string(theirs) + ", the parts sent make " + ours};
  return std::nullopt;
}

} // namespace secexport::s3
