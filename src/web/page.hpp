// The settings page (`GET /`): HTML, CSS and plain JavaScript from src/web/assets, embedded in
// the binary at build time (cmake/embed_assets.cmake writes them into a generated source as
// raw strings; no framework, no build step for the page itself). It calls the settings API
// with the admin token, which it asks for once and keeps in memory only.
#pragma once

#include <span>
#include <string_view>

namespace secexport::web {

struct page_asset {
  std::string_view path;         // "/", "/app.js", "/app.css"
  std::string_view content_type;
  std::string_view body;
};

/// Every file of the page, served as they are.
[[nodiscard]] std::span<const page_asset> page_assets() noexcept;

} // namespace secexport::web
