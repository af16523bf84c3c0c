// One HTTP header field as secexport builds requests: a name and a value, in the order
// given. (The signer and the HTTP client share this type; neither owns the other.)
#pragma once

#include <string>

namespace secexport::io {

struct http_header {
  std::string name;
  std::string value;
};

} // namespace secexport::io
