// How secexport knows that the store holds exactly the bytes it sent, whatever the store
// does with checksums.
//
// Every part goes out with x-amz-checksum-crc32c (unless --checksum none). Amazon S3 checks
// it and echoes it in its answer: an echo equal to ours means the store verified the part
// ("crc32c-verified-by-store"). Several S3-compatible stores (Ceph radosgw, moto) ignore the
// header and echo nothing. For them the first answer decides, once per upload: from then on
// every part carries Content-MD5 (which radosgw, MinIO and S3 verify) and the ETag the store
// returns must be the MD5 of the bytes sent (which also catches a store that verifies
// nothing): "md5-verified". A part that fails either check is sent again from its buffer
// (the retry engine counts it as corrupted); a store that neither echoes the checksum nor
// returns MD5 ETags (an encrypted bucket on a store without checksums) cannot be checked,
// and the upload stops saying so instead of vouching for bytes it cannot see.
//
// After CompleteMultipartUpload the whole object is checked too: S3's composite
// ChecksumCRC32C ("base64-N", a CRC32C of the parts' CRC32Cs) or the multipart ETag
// ("md5-of-md5s-N") must be what the parts sent make.
//
// The decisions are here, pure and unit-tested; multipart_upload applies them. Not
// thread-safe except wants_md5().
#pragma once

#include "base/crypto.hpp"
#include "base/error.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::s3 {

class integrity_check {
public:
  /// `crc32c_sent`: the parts carry x-amz-checksum-crc32c. Without it, MD5 from the start.
  explicit integrity_check(bool crc32c_sent) : crc32c_sent_(crc32c_sent), md5_(!crc32c_sent) {}

  /// Judges the store's answer to one part (or a single PutObject): `echo` is its
  /// x-amz-checksum-crc32c header, `etag` its ETag. `md5` is the part's MD5 if known;
  /// `compute_md5` computes it when needed (from the part's buffer). An error with
  /// s3::errc::integrity_mismatch means "send it again"; s3::errc::unverifiable, "stop".
  template <class ComputeMd5>
  [[nodiscard]] std::optional<error> check(std::string_view what, std::optional<std::uint32_t> crc32c,
                                           std::string_view echo, std::string_view etag,
                                           std::optional<md5_digest>& md5, ComputeMd5&& compute_md5) {
    if (crc32c_sent_ && crc32c && !echo.empty()) return check_echo(what, *crc32c, echo);
    use_md5(what);
    if (!md5) md5 = compute_md5();
    return check_etag(what, *md5, etag);
  }

  /// Parts started from now on should carry their MD5. Any thread.
  [[nodiscard]] bool wants_md5() const noexcept { return md5_.load(std::memory_order_relaxed); }

  /// "crc32c-verified-by-store", "md5-verified", "crc32c-and-md5-verified", or "unverified"
  /// before any part was checked.
  [[nodiscard]] std::string label() const;

  /// The whole object after CompleteMultipartUpload: the store's composite CRC32C (empty if
  /// it gave none) against the parts' CRC32Cs, and its ETag (empty if unknown) against the
  /// parts' MD5s (when every part has one). An error with s3::errc::integrity_mismatch.
  [[nodiscard]] std::optional<error> check_object(std::string_view what, std::string_view composite_crc32c,
                                                  std::string_view etag, const std::vector<std::uint32_t>& crc32cs,
                                                  const std::vector<std::optional<md5_digest>>& md5s) const;

  /// S3's composite checksum of a multipart object: base64 of the CRC32C of the parts'
  /// big-endian CRC32Cs, then "-N".
  [[nodiscard]] static std::string composite_crc32c(const std::vector<std::uint32_t>& crc32cs);
  /// The ETag of a multipart object: hex MD5 of the parts' binary MD5s, then "-N".
  [[nodiscard]] static std::string multipart_etag(const std::vector<md5_digest>& md5s);

private:
  std::optional<error> check_echo(std::string_view what, std::uint32_t crc32c, std::string_view echo);
  std::optional<error> check_etag(std::string_view what, const md5_digest& md5, std::string_view etag);
  void use_md5(std::string_view what);

  bool crc32c_sent_;
  std::atomic<bool> md5_;
  bool told_ = false; // the switch to MD5 was logged
  std::uint64_t by_echo_ = 0, by_md5_ = 0;
};

/// An ETag without its quotes.
[[nodiscard]] std::string_view unquoted(std::string_view etag) noexcept;

} // namespace secexport::s3
