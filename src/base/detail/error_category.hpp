// The shape of every layer's error category: one table row per code (its message, and the
// cross-layer condition it maps onto, base/error.hpp). Only the layers' own error.cpp files
// use it.
#pragma once

#include "base/error.hpp"

#include <boost/system/error_category.hpp>
#include <boost/system/error_condition.hpp>

#include <span>
#include <string>
#include <string_view>

namespace secexport::detail {

struct code_row {
  int value;
  std::string_view message;
  int condition; // 0: none
};

template <class E> constexpr code_row row(E e, std::string_view message) { return {static_cast<int>(e), message, 0}; }
template <class E> constexpr code_row row(E e, std::string_view message, condition c) {
  return {static_cast<int>(e), message, static_cast<int>(c)};
}

// boost::system::error_category has a non-virtual destructor by design (categories are
// static objects, never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class table_category final : public boost::system::error_category {
public:
  constexpr table_category(const char* name, std::span<const code_row> rows) noexcept : name_(name), rows_(rows) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override;
  boost::system::error_condition default_error_condition(int ev) const noexcept override;
  bool equivalent(int ev, const boost::system::error_condition& c) const noexcept override;

private:
  [[nodiscard]] const code_row* find(int ev) const noexcept;

  const char* name_;
  std::span<const code_row> rows_;
};
#pragma GCC diagnostic pop

} // namespace secexport::detail
