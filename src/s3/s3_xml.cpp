#include "s3/s3_xml.hpp"

#include "s3/crc32c.hpp"

#include <pugixml.hpp>

#include <charconv>

namespace secexport::s3 {

std::string parse_upload_id(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  return doc.child("InitiateMultipartUploadResult").child_value("UploadId");
}

std::optional<std::string> parse_bucket_location(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto node = doc.child("LocationConstraint");
  if (!node) return std::nullopt;
  return std::string(node.child_value());
}

std::optional<list_result> parse_list_objects(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto root = doc.child("ListBucketResult");
  if (!root) return std::nullopt;
  list_result out;
  for (auto c : root.children("Contents")) {
    listed_object o;
    o.key = c.child_value("Key");
    std::string_view size = c.child_value("Size");
    std::from_chars(size.data(), size.data() + size.size(), o.size);
    o.etag = c.child_value("ETag");
    out.objects.push_back(std::move(o));
  }
  for (auto p : root.children("CommonPrefixes")) out.common_prefixes.emplace_back(p.child_value("Prefix"));
  if (std::string_view(root.child_value("IsTruncated")) == "true")
    out.next_token = root.child_value("NextContinuationToken");
  return out;
}

std::string complete_multipart_body(const std::vector<completed_part>& parts) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  body.reserve(64 + parts.size() * 120);
  for (const auto& p : parts) {
    body += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>";
    for (char c : p.etag) { // ETags are quoted hex; escape what XML requires anyway
      if (c == '&') body += "&amp;";
      else if (c == '<') body += "&lt;";
      else body.push_back(c);
    }
    body += "</ETag>";
    if (p.crc32c) body += "<ChecksumCRC32C>" + crc32c_base64(*p.crc32c) + "</ChecksumCRC32C>";
    body += "</Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

std::optional<std::vector<open_upload>> parse_list_uploads(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto root = doc.child("ListMultipartUploadsResult");
  if (!root) return std::nullopt;
  std::vector<open_upload> out;
  for (auto u : root.children("Upload"))
    out.push_back({u.child_value("Key"), u.child_value("UploadId"), u.child_value("Initiated")});
  return out;
}

std::string parse_completed_crc32c(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  return doc.document_element().child_value("ChecksumCRC32C");
}

std::string parse_completed_etag(std::string_view xml) {
  // AWS says CompleteMultipartUploadResult, moto CompleteMultipartUploadResponse: take the root.
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  return doc.document_element().child_value("ETag");
}

} // namespace secexport::s3
