#pragma once

#include <optional>
#include <string>

#include "core/expected.hpp"
#include "core/form.hpp"
#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/exports.hpp"

namespace tcns::bot {

/// The months an export covers and how its file name says so ("2026-11", "2026-Q4",
/// "2026-01_2026-03").
struct ExportRange {
    core::MonthPeriod from;
    core::MonthPeriod to;
    std::string label;
};

/// Reads one of: a month (`period`), a quarter (`quarter`), or `from` and `to` together. None of
/// them means the month containing `now` (Vietnam time). The error is an English message.
core::Expected<ExportRange, std::string> parse_export_range(
    const std::optional<std::string>& period, const std::optional<std::string>& from,
    const std::optional<std::string>& to, const std::optional<std::string>& quarter,
    core::Instant now);

/// What an export needs from templates/: the monthly form and the Vietnamese labels.
struct ExportTemplates {
    core::Form form;
    storage::ExportLabels vietnamese;
};

/// Loads forms/monthly-report.json (with bot::parse_form) and exports.vi.json from a templates
/// directory. Throws ConfigError naming the file when one is missing or malformed. The messages
/// are not needed, so an export does not depend on them.
ExportTemplates load_export_templates(const std::string& templates_dir);

/// Parses exports.vi.json: {"columns":{code:label}, "levels":{level:label},
/// "values":{group:{code:label}}}. Throws ConfigError.
storage::ExportLabels parse_export_labels(const std::string& json_text, const std::string& origin);

}  // namespace tcns::bot
