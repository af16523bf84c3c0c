// The server's pure parts: routing by method and path pattern, query parameters, listen
// addresses.
#include "io/http_server.hpp"

#include <gtest/gtest.h>

namespace secexport::io {
namespace {

namespace http = boost::beast::http;

route_handler named(std::string name) {
  return [name](server_request& r, const route_params&, const peer_info&) -> boost::asio::awaitable<server_reply> {
    co_return make_reply(r, 200, "text/plain", name);
  };
}

TEST(http_router, matches_method_and_pattern_and_decodes_parameters) {
  http_router router;
  router.add(http::verb::get, "/v1/tenants", named("list"));
  router.add(http::verb::get, "/v1/tenants/{tenant}", named("get"));
  router.add(http::verb::put, "/v1/tenants/{tenant}", named("put"));
  router.add(http::verb::get, "/v1/tenants/{tenant}/policy", named("policy"));

  auto m = router.match(http::verb::get, "/v1/tenants/acme%40corp");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.get("tenant"), "acme@corp");
  EXPECT_EQ(m.allowed.size(), 2u);

  m = router.match(http::verb::get, "/v1/tenants/acme/policy");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.get("tenant"), "acme");
  EXPECT_EQ(m.params.get("other"), "");

  EXPECT_NE(router.match(http::verb::get, "/v1/tenants").handler, nullptr);
}

TEST(http_router, tells_an_unknown_path_from_a_wrong_method) {
  http_router router;
  router.add(http::verb::get, "/v1/tenants/{tenant}", named("get"));
  router.add(http::verb::delete_, "/v1/tenants/{tenant}", named("delete"));

  auto wrong_method = router.match(http::verb::post, "/v1/tenants/acme");
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_EQ(wrong_method.allowed, (std::vector<http::verb>{http::verb::get, http::verb::delete_}));

  for (auto path : {"/v1/tenants/", "/v1/tenants", "/v1/tenants/a/b", "/v2/tenants/a", "/", ""}) {
    auto unknown = router.match(http::verb::get, path);
    EXPECT_EQ(unknown.handler, nullptr) << path;
    EXPECT_TRUE(unknown.allowed.empty()) << path;
  }
}

TEST(http_query, finds_decodes_and_reports_absent_parameters) {
  EXPECT_EQ(target_path("/v1/x?days=7"), "/v1/x");
  EXPECT_EQ(target_path("/v1/x"), "/v1/x");
  EXPECT_EQ(query_param("/p?bucket=my-bucket&days=7", "days"), "7");
  EXPECT_EQ(query_param("/p?bucket=a%2Fb+c", "bucket"), "a/b c");
  EXPECT_EQ(query_param("/p?verify", "verify"), "");
  EXPECT_EQ(query_param("/p?verify=false", "verif"), std::nullopt);
  EXPECT_EQ(query_param("/p", "days"), std::nullopt);
}

TEST(http_listen, parses_addresses_and_names_what_is_wrong) {
  auto v4 = parse_listen_address("127.0.0.1:8443");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->port(), 8443);
  EXPECT_TRUE(v4->address().is_loopback());
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address().is_v6());
  auto any = parse_listen_address(":9000");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->address().is_unspecified());
  for (auto bad : {"127.0.0.1", "localhost:80", "1.2.3.4:70000", "::1:80", "[::1:80", "1.2.3.4:x"}) {
    auto r = parse_listen_address(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("listen address"), std::string::npos);
  }
}

} // namespace
} // namespace secexport::io
