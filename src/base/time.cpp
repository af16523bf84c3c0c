#include "base/time.hpp"

#include <array>
#include <cstring>

namespace secexport {
namespace {

using namespace std::chrono;

constexpr bool digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

constexpr int number(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

inline void put2(char* out, unsigned v) noexcept {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

inline void put4(char* out, unsigned v) noexcept {
  put2(out, v / 100);
  put2(out + 2, v % 100);
}

std::optional<sys_days> make_day(int y, int m, int d) noexcept {
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

void write_day(sys_days day, char* out) noexcept { // YYYY-MM-DD
  year_month_day ymd{day};
  put4(out, static_cast<unsigned>(static_cast<int>(ymd.year())));
  out[4] = '-';
  put2(out + 5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  put2(out + 8, static_cast<unsigned>(ymd.day()));
}

} // namespace

std::optional<sys_us> parse_rfc3339(std::string_view s) noexcept {
  // 2026-11-22T07:04:05[.123456789](Z|+01:00)
  if (!digits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
      !digits(s, 8, 2))
    return std::nullopt;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  if (!digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2))
    return std::nullopt;
  auto day = make_day(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2));
  int hh = number(s, 11, 2), mm = number(s, 14, 2), ss = number(s, 17, 2);
  if (!day || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    int scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    if (!digits(s, pos + 1, 2) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2))
      return std::nullopt;
    int oh = number(s, pos + 1, 2), om = number(s, pos + 4, 2);
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto t = sys_us{*day} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros} - minutes{offset_minutes};
  // In UTC the year must still have four digits (an offset can push 0000-01-01 or
  // 9999-12-31 over the edge), or it could not be written back.
  static constexpr auto first = sys_days{year{0} / January / 1}, end = sys_days{year{10000} / January / 1};
  if (t < sys_us{first} || t >= sys_us{end}) return std::nullopt;
  return t;
}

void write_rfc3339_ms(sys_us t, char* out) noexcept {
  auto day = floor<days>(t);
  auto ms = floor<milliseconds>(t - day).count(); // 0 .. 86'399'999
  write_day(day, out);
  out[10] = 'T';
  auto secs = static_cast<unsigned>(ms / 1000);
  put2(out + 11, secs / 3600);
  out[13] = ':';
  put2(out + 14, secs / 60 % 60);
  out[16] = ':';
  put2(out + 17, secs % 60);
  out[19] = '.';
  auto frac = static_cast<unsigned>(ms % 1000);
  out[20] = static_cast<char>('0' + frac / 100);
  put2(out + 21, frac % 100);
  out[23] = 'Z';
}

std::string format_rfc3339_ms(sys_us t) {
  std::string s(rfc3339_ms_length, '\0');
  write_rfc3339_ms(t, s.data());
  return s;
}

std::string format_rfc3339(sys_us t) {
  std::string s = format_rfc3339_ms(t);
  auto micros = (t - floor<seconds>(t)).count();
  if (micros == 0) {
    s.erase(19, 4); // drop ".mmm"
  } else {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(micros));
    s.replace(20, 3, buf);
  }
  return s;
}

std::string format_amz_date(sys_s t) {
  char buf[24];
  write_rfc3339_ms(t, buf); // 2015-08-30T12:36:00.000Z
  std::string s;
  s.reserve(16);
  s.append(buf, 4).append(buf + 5, 2).append(buf + 8, 2).push_back('T');
  s.append(buf + 11, 2).append(buf + 14, 2).append(buf + 17, 2).push_back('Z');
  return s;
}

std::string format_amz_day(sys_s t) { return format_amz_date(t).substr(0, 8); }

std::optional<sys_s> parse_amz_date(std::string_view s) noexcept {
  if (s.size() != 16 || !digits(s, 0, 8) || s[8] != 'T' || !digits(s, 9, 6) || s[15] != 'Z')
    return std::nullopt;
  auto day = make_day(number(s, 0, 4), number(s, 4, 2), number(s, 6, 2));
  int hh = number(s, 9, 2), mm = number(s, 11, 2), ss = number(s, 13, 2);
  if (!day || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return sys_s{*day} + hours{hh} + minutes{mm} + seconds{ss};
}

std::optional<sys_s> parse_http_date(std::string_view s) noexcept {
  // Sun, 06 Nov 1994 08:49:37 GMT
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s.substr(26) != "GMT") return std::nullopt;
  if (!digits(s, 5, 2) || !digits(s, 12, 4) || !digits(s, 17, 2) || !digits(s, 20, 2) ||
      !digits(s, 23, 2))
    return std::nullopt;
  int month = 0;
  for (std::size_t i = 0; i < months.size(); ++i)
    if (s.substr(8, 3) == months[i]) month = static_cast<int>(i) + 1;
  auto day = make_day(number(s, 12, 4), month, number(s, 5, 2));
  int hh = number(s, 17, 2), mm = number(s, 20, 2), ss = number(s, 23, 2);
  if (month == 0 || !day || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  return sys_s{*day} + hours{hh} + minutes{mm} + seconds{std::min(ss, 59)};
}

std::optional<sys_days> parse_iso_day(std::string_view s) noexcept {
  if (s.size() != 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
      !digits(s, 8, 2))
    return std::nullopt;
  return make_day(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2));
}

std::string format_iso_day(sys_days day) {
  std::string s(10, '\0');
  write_day(day, s.data());
  return s;
}

} // namespace secexport
