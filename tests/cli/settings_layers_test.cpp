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

} // namespace
} // namespace secexport::cli
