// CRC32C (Castagnoli), as S3's x-amz-checksum-crc32c wants it: the SSE4.2 instruction in three
// interleaved chains when the CPU has it (checked at run time), a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace secexport::s3 {

/// Continues a CRC: crc32c(crc32c(0, a), b) == crc32c(0, a + b).
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size) noexcept;
/// The portable table implementation (tests compare both).
[[nodiscard]] std::uint32_t crc32c_portable(std::uint32_t crc, const void* data, std::size_t size) noexcept;
[[nodiscard]] bool crc32c_hardware_available() noexcept;
/// Base64 of the big-endian 4-byte value, the header form.
[[nodiscard]] std::string crc32c_base64(std::uint32_t crc);

} // namespace secexport::s3
