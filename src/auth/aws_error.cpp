#include "auth/aws_error.hpp"

#include "base/secret.hpp"

#include <pugixml.hpp>

namespace secexport::auth {

std::string aws_error::describe() const {
  std::string s;
  if (!transport.empty()) {
    s = transport;
  } else {
    s = code_text.empty() ? "HTTP " + std::to_string(status) : code_text + " (HTTP " + std::to_string(status) + ")";
    if (!message.empty()) s += ": " + message;
    if (!request_id.empty()) s += " [request id " + request_id + "]";
  }
  if (attempts > 1) s += " (after " + std::to_string(attempts) + " attempts)";
  else if (retries_exhausted) s += " (retry budget exhausted)";
  return s;
}

aws_error parse_aws_error(std::string_view xml, unsigned status) {
  aws_error e;
  e.status = status;
  pugi::xml_document doc;
  if (!xml.empty() && doc.load_buffer(xml.data(), xml.size())) {
    auto error = doc.child("Error");
    if (!error) error = doc.child("ErrorResponse").child("Error");
    if (error) {
      e.code_text = error.child_value("Code");
      e.message = redact(error.child_value("Message"));
      e.request_id = error.child_value("RequestId");
      if (e.request_id.empty()) e.request_id = doc.child("ErrorResponse").child_value("RequestId");
      e.bucket_region = error.child_value("Region");
    }
  }
  if (e.code_text.empty() && status >= 300) {
    switch (status) { // HEAD responses and proxies carry no body
    case 301: e.code_text = "PermanentRedirect"; break;
    case 403: e.code_text = "AccessDenied"; break;
    case 404: e.code_text = "NotFound"; break;
    default: break;
    }
  }
  e.code = parse_service_code(e.code_text);
  return e;
}

} // namespace secexport::auth
