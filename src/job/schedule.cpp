#include "job/schedule.hpp"

#include "base/log.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace secexport::job {

using namespace std::chrono;

sys_us next_run_after(sys_us now, seconds jitter) noexcept {
  return sys_us{floor<days>(now) + days(1)} + jitter;
}

sys_days previous_day(sys_us now) noexcept { return floor<days>(now) - days(1); }

std::vector<sys_days> catch_up_window(sys_us now, unsigned catch_up_days) {
  std::vector<sys_days> out;
  const auto today = floor<days>(now);
  for (unsigned back = catch_up_days; back >= 1; --back) out.push_back(today - days(back));
  return out;
}

std::vector<sys_days> days_to_export(const std::vector<sys_days>& window, const std::set<sys_days>& with_manifest,
                                     bool force) {
  std::vector<sys_days> out;
  for (auto d : window)
    if (force || !with_manifest.contains(d)) out.push_back(d);
  return out;
}

unsigned shard_of(std::string_view tenant, unsigned count) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : tenant) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return count ? static_cast<unsigned>(h % count) : 0;
}

std::optional<std::pair<unsigned, unsigned>> parse_shard(std::string_view text) noexcept {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  unsigned i = 0, n = 0;
  auto a = text.substr(0, slash), b = text.substr(slash + 1);
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), i);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), n);
  if (a.empty() || b.empty() || ea != std::errc() || eb != std::errc() || pa != a.data() + a.size() ||
      pb != b.data() + b.size() || n == 0 || i >= n)
    return std::nullopt;
  return std::pair{i, n};
}

wall_clock process_clock() {
  const char* fake = std::getenv("SECEXPORT_FAKE_NOW");
  if (!fake || !*fake) return [] { return time_point_cast<microseconds>(system_clock::now()); };
  auto start = parse_rfc3339(fake);
  if (!start) throw std::invalid_argument(std::string("SECEXPORT_FAKE_NOW '") + fake + "' is not an RFC 3339 time");
  log_warn("using a fake clock (SECEXPORT_FAKE_NOW): the wall clock starts at that time",
           {{"fake_now", format_rfc3339(*start)}});
  const auto origin = steady_clock::now();
  return [s = *start, origin] { return s + duration_cast<microseconds>(steady_clock::now() - origin); };
}

} // namespace secexport::job
