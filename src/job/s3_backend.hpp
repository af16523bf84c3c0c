// The daily job's real tenant backend: the tenant's bucket through its own S3 session (the
// exporter's identity plus the tenant's method), manifests probed with HeadObject, each day
// exported by an export_job on the worker's own io_context.
#pragma once

#include "auth/shared_config.hpp"
#include "export/export_settings.hpp"
#include "job/daily_job.hpp"
#include "s3/session.hpp"

namespace secexport::job {

class s3_backend_factory final : public backend_factory {
public:
  /// `exporter`: how the exporter reaches AWS. `tuning`: the export settings every tenant
  /// shares (key template, page limit, concurrency, transfer); the tenant's own fields and
  /// the day are filled in per export. `env` gives each tenant's event-source token (the
  /// variable its settings name).
  s3_backend_factory(s3::connection_settings exporter, exporter::export_settings tuning,
                     const auth::environment& env = auth::process_environment());

  std::unique_ptr<tenant_backend> open(const tenant::tenant_settings& t, sys_us now) override;

private:
  s3::connection_settings exporter_;
  exporter::export_settings tuning_;
  const auth::environment& env_;
};

} // namespace secexport::job
