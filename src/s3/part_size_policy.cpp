#include "s3/part_size_policy.hpp"

#include "base/byte_size.hpp"
#include "s3/error.hpp"

#include <algorithm>

namespace secexport::s3 {

result<part_size_policy> part_size_policy::make(const part_size_settings& s) {
  auto fail = [&](std::string reason) -> result<part_size_policy> { return error{errc::bad_part_settings, std::move(reason)}; };
  if (s.part_size < s3_min_part_size || s.part_size > s3_max_part_size)
    return fail("--part-size must be between 5 MiB and 5 GiB (S3's limits); got " +
                format_byte_size(s.part_size));
  if (s.concurrency < 1 || s.concurrency > 256) return fail("--concurrency must be from 1 to 256");
  if (s.growth_interval < 1) return fail("the part growth interval must be at least 1 part");
  if (s.memory_budget < 2 * s.part_size)
    return fail("--max-memory " + format_byte_size(s.memory_budget) + " cannot hold two parts of " +
                format_byte_size(s.part_size) +
                " (one being filled while one uploads); raise --max-memory to at least " +
                format_byte_size(2 * s.part_size) + " or lower --part-size");
  part_size_policy p;
  p.s_ = s;
  p.ceiling_ = s.fixed ? s.part_size : std::min(s.memory_budget / 2, s3_max_part_size);
  p.ceiling_ = std::max(p.ceiling_, s.part_size);
  return p;
}

std::uint64_t part_size_policy::size_of(std::uint32_t number) const noexcept {
  if (s_.fixed || number == 0) return s_.part_size;
  if (number <= s_.steady_parts) return s_.part_size;
  std::uint32_t doublings = (number - s_.steady_parts - 1) / s_.growth_interval + 1;
  if (doublings >= 40) return ceiling_;
  std::uint64_t size = s_.part_size;
  for (std::uint32_t i = 0; i < doublings && size < ceiling_; ++i) size *= 2;
  return std::min(size, ceiling_);
}

std::uint64_t part_size_policy::max_object_size() const noexcept {
  std::uint64_t total = 0;
  for (std::uint32_t n = 1; n <= s_.max_parts; ++n) total += size_of(n);
  return total;
}

unsigned part_size_policy::in_flight_limit(std::uint32_t number) const noexcept {
  auto buffers = s_.memory_budget / size_of(number); // >= 2 by construction
  return static_cast<unsigned>(std::min<std::uint64_t>(s_.concurrency, buffers - 1));
}

} // namespace secexport::s3
