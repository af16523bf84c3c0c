#include "cli/common_options.hpp"
#include "cli/settings_layers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace secexport::cli {
namespace {

struct scratch_file {
  std::filesystem::path path;
  explicit scratch_file(std::string_view text, int mode = 0600) {
    path = std::filesystem::temp_directory_path() / ("secexport-cfg-" + std::to_string(::getpid()) + ".ini");
    std::ofstream(path) << text;
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
  }
  ~scratch_file() { std::filesystem::remove(path); }
};

struct app_under_test {
  CLI::App app;
  std::string bucket = "default-bucket", prefix, region;
  unsigned concurrency = 8;
  bool guard = false;
  app_under_test() {
    app.add_option("--bucket", bucket);
    app.add_option("--prefix", prefix);
    app.add_option("--region", region);
    app.add_option("--source-concurrency", concurrency)->check(CLI::Range(1u, 64u));
    app.add_flag("--csv-formula-guard", guard);
  }
};

TEST(settings_layers, command_line_beats_environment_beats_config_file_beats_default) {
  scratch_file cfg("[secexport]\nbucket = from-file\nprefix = file-prefix\nregion = file-region\n"
                   "csv-formula-guard = true\n");
  ::setenv("SECEXPORT_PREFIX", "env-prefix", 1);
  ::setenv("SECEXPORT_REGION", "env-region", 1);
  app_under_test t;
  t.app.parse("--region flag-region", false);
  layer_settings(t.app, load_config_file(cfg.path.string()));
  EXPECT_EQ(t.region, "flag-region");
  EXPECT_EQ(t.prefix, "env-prefix");
  EXPECT_EQ(t.bucket, "from-file");
  EXPECT_TRUE(t.guard);
  EXPECT_EQ(t.concurrency, 8u);
  ::unsetenv("SECEXPORT_PREFIX");
  ::unsetenv("SECEXPORT_REGION");
}

TEST(settings_layers, bad_values_name_where_they_came_from) {
  ::setenv("SECEXPORT_SOURCE_CONCURRENCY", "500", 1);
  app_under_test t;
  t.app.parse("", false);
  try {
    layer_settings(t.app, {});
    ADD_FAILURE() << "accepted 500";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("SECEXPORT_SOURCE_CONCURRENCY"), std::string::npos) << e.what();
  }
  ::unsetenv("SECEXPORT_SOURCE_CONCURRENCY");

  scratch_file cfg("[secexport]\nsource-concurrency = zero\n");
  app_under_test u;
  u.app.parse("", false);
  try {
    layer_settings(u.app, load_config_file(cfg.path.string()));
    ADD_FAILURE() << "accepted 'zero'";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find(cfg.path.string()), std::string::npos) << e.what();
  }
}

TEST(config_file, malformed_files_and_unknown_sections_are_errors_and_modes_are_checked) {
  scratch_file bad("[secexport]\nbucket\n");
  EXPECT_THROW((void)load_config_file(bad.path.string()), usage_error);
  scratch_file other("[export]\nbucket = b\n");
  EXPECT_THROW((void)load_config_file(other.path.string()), usage_error);
  scratch_file open_file("[secexport]\nbucket = b\n", 0644);
  EXPECT_FALSE(load_config_file(open_file.path.string()).private_to_owner);
  EXPECT_EQ(environment_name("source-url"), "SECEXPORT_SOURCE_URL");
}

TEST(config_file, a_misspelt_key_is_an_error_naming_the_nearest_setting) {
  scratch_file cfg("[secexport]\nbukcet = acme\n");
  app_under_test t;
  t.app.parse(std::vector<std::string>{});
  try {
    layer_settings(t.app, load_config_file(cfg.path.string()));
    FAIL() << "an unknown key was ignored";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown setting 'bukcet'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'bucket'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(nearest_name("regoin", {"region", "prefix"}), "region");
  EXPECT_EQ(nearest_name("completely-different", {"region", "prefix"}), "");
}

TEST(config_file, a_directory_is_not_a_config_file) {
  try {
    (void)load_config_file(std::filesystem::temp_directory_path().string());
    FAIL() << "a directory was read as an empty config";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(secret_files, a_directory_a_shared_file_and_an_empty_file_are_refused_naming_the_flag) {
  auto message = [](const std::string& path) {
    try {
      (void)read_private_file(path, "--secret-access-key-file");
    } catch (const usage_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("/tmp").find("/tmp is a directory"), std::string::npos) << message("/tmp");
  EXPECT_EQ(message("/tmp").find("chmod"), std::string::npos);
  {
    scratch_file shared("secret\n", 0644);
    EXPECT_NE(message(shared.path.string()).find("chmod 600"), std::string::npos);
  }
  {
    scratch_file empty("", 0600);
    EXPECT_NE(message(empty.path.string()).find("is empty"), std::string::npos);
  }
  scratch_file good("the-secret\n", 0600);
  EXPECT_EQ(read_private_file(good.path.string(), "--x"), "the-secret");
}

TEST(numbers, seconds_outside_their_range_are_refused_with_a_short_message) {
  for (const char* bad : {"1e10", "1e300", "nan", "inf", "-1", "0", "abc", ""}) {
    CLI::App app;
    double v = 1;
    app.add_option("--read-timeout", v)->check(seconds_between(0.1, 3600));
    try {
      app.parse(std::vector<std::string>{bad, "--read-timeout"});
      FAIL() << bad << " was accepted";
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("0.1 to 3600"), std::string::npos) << e.what();
      EXPECT_LT(std::string(e.what()).size(), 200u) << e.what();
    }
  }
}

} // namespace
} // namespace secexport::cli
