#include "tenant/policies.hpp"

#include "base/json_text.hpp"
#include "base/log.hpp"

#include <vector>

namespace secexport::tenant {

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  append_json_escaped(out, s);
  out += '"';
  return out;
}

struct statement {
  std::string sid;
  std::vector<std::string_view> actions;
  std::string resource;
};

std::string policy_json(const std::vector<statement>& statements) {
  std::string out = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n";
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& s = statements[i];
    out += "    {\n      \"Sid\": " + quoted(s.sid) + ",\n      \"Effect\": \"Allow\",\n      \"Action\": [";
    for (std::size_t a = 0; a < s.actions.size(); ++a) out += (a ? ", " : "") + quoted(s.actions[a]);
    out += "],\n      \"Resource\": " + quoted(s.resource) + "\n    }";
    out += i + 1 < statements.size() ? ",\n" : "\n";
  }
  out += "  ]\n}\n";
  return out;
}

std::string bucket_arn(std::string_view partition, std::string_view bucket) {
  return "arn:" + std::string(partition) + ":s3:::" + std::string(bucket);
}

std::string objects_arn(std::string_view partition, std::string_view bucket, std::string_view prefix) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return bucket_arn(partition, bucket) + "/" + (p.empty() ? "" : p + "/") + "*";
}

std::string_view partition_of(std::string_view arn) {
  if (!arn.starts_with("arn:")) return "aws";
  arn.remove_prefix(4);
  auto colon = arn.find(':');
  return colon == std::string_view::npos ? std::string_view("aws") : arn.substr(0, colon);
}

} // namespace

std::string permissions_policy(std::string_view bucket, std::string_view prefix, std::string_view partition) {
  return policy_json({{"SecexportBucket", {"s3:ListBucket", "s3:GetBucketLocation"}, bucket_arn(partition, bucket)},
                      {"SecexportObjects",
                       {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
                       objects_arn(partition, bucket, prefix)}});
}

std::string cleanup_policy(std::string_view bucket, std::string_view prefix, std::string_view partition) {
  return policy_json({{"SecexportListUploads", {"s3:ListBucketMultipartUploads"}, bucket_arn(partition, bucket)},
                      {"SecexportAbortUploads", {"s3:AbortMultipartUpload"}, objects_arn(partition, bucket, prefix)}});
}

std::string trust_policy(std::string_view principal_arn, std::string_view external_id) {
  return "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n"
         "      \"Principal\": {\"AWS\": " + quoted(principal_arn) + "},\n"
         "      \"Action\": \"sts:AssumeRole\",\n"
         "      \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": " + quoted(external_id) + "}}\n"
         "    }\n  ]\n}\n";
}

std::optional<std::string> trust_principal_for(std::string_view arn) {
  // arn:PARTITION:SERVICE::ACCOUNT:RESOURCE
  std::vector<std::string_view> f;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    f.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  const auto partition = f[1], service = f[2], account = f[4];
  if (f[0] != "arn" || account.size() != 12) return std::nullopt;
  if (service == "iam" && (rest.starts_with("user/") || rest.starts_with("role/") || rest == "root"))
    return std::string(arn);
  if (service == "sts" && rest.starts_with("assumed-role/")) {
    auto role = rest.substr(13);
    auto slash = role.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    return "arn:" + std::string(partition) + ":iam::" + std::string(account) + ":role/" + std::string(role.substr(0, slash));
  }
  return std::nullopt;
}

std::string account_principal(std::string_view caller_arn, std::string_view account) {
  return "arn:" + std::string(partition_of(caller_arn)) + ":iam::" + std::string(account) + ":root";
}

} // namespace secexport::tenant
