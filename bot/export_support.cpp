#include "bot/export_support.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bot/config.hpp"
#include "bot/templates.hpp"

namespace tcns::bot {

namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ConfigError(fmt::format("cannot read {}", path));
    std::ostringstream ss;
    ss << f.rdbuf();
    return std::move(ss).str();
}

}  // namespace

core::Expected<ExportRange, std::string> parse_export_range(
    const std::optional<std::string>& period, const std::optional<std::string>& from,
    const std::optional<std::string>& to, const std::optional<std::string>& quarter,
    core::Instant now) {
    const int ways = (period ? 1 : 0) + (quarter ? 1 : 0) + ((from || to) ? 1 : 0);
    if (ways > 1)
        return core::unexpected(
            std::string("give only one of a period, a quarter or a from/to range"));
    if (quarter) {
        const auto q = core::QuarterPeriod::parse(*quarter);
        if (!q) return core::unexpected(fmt::format("'{}' is not a quarter YYYY-Qn", *quarter));
        return ExportRange{q->first_month(), q->last_month(), q->str()};
    }
    if (from || to) {
        if (!from || !to) return core::unexpected(std::string("a range needs both from and to"));
        const auto a = core::MonthPeriod::parse(*from);
        const auto b = core::MonthPeriod::parse(*to);
        if (!a) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *from));
        if (!b) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *to));
        if (*b < *a) return core::unexpected(std::string("the range ends before it begins"));
        if (a->months_until(*b) >= storage::kMaxExportMonths)
            return core::unexpected(
                fmt::format("a range covers at most {} months", storage::kMaxExportMonths));
        return ExportRange{*a, *b, *a == *b ? a->str() : a->str() + "_" + b->str()};
    }
    if (period) {
        const auto p = core::MonthPeriod::parse(*period);
        if (!p) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *period));
        return ExportRange{*p, *p, p->str()};
    }
    const core::MonthPeriod p = core::current_period(now);
    return ExportRange{p, p, p.str()};
}

storage::ExportLabels parse_export_labels(const std::string& json_text, const std::string& origin) {
    const json j = json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not a JSON object", origin));
    std::map<std::string, std::string, std::less<>> text;
    const auto flat = [&](const char* section, const std::string& prefix) {
        const auto it = j.find(section);
        if (it == j.end()) return;
        if (!it->is_object())
            throw ConfigError(fmt::format("{}: \"{}\" must be an object", origin, section));
        for (const auto& [k, v] : it->items()) {
            if (!v.is_string())
                throw ConfigError(
                    fmt::format("{}: \"{}.{}\" must be a string", origin, section, k));
            text[prefix + k] = v.get<std::string>();
        }
    };
    flat("columns", "col.");
    flat("levels", "level.");
    if (const auto values = j.find("values"); values != j.end()) {
        if (!values->is_object())
            throw ConfigError(fmt::format("{}: \"values\" must be an object", origin));
        for (const auto& [group, codes] : values->items()) {
            if (!codes.is_object())
                throw ConfigError(
                    fmt::format("{}: \"values.{}\" must be an object", origin, group));
            for (const auto& [code, label] : codes.items()) {
                if (!label.is_string())
                    throw ConfigError(
                        fmt::format("{}: \"values.{}.{}\" must be a string", origin, group, code));
                text[group + "." + code] = label.get<std::string>();
            }
        }
    }
    return storage::ExportLabels(std::move(text));
}

ExportTemplates load_export_templates(const std::string& templates_dir) {
    const std::string form_path = templates_dir + "/forms/monthly-report.json";
    const std::string labels_path = templates_dir + "/exports.vi.json";
    return ExportTemplates{parse_form(read_text(form_path), form_path),
                           parse_export_labels(read_text(labels_path), labels_path)};
}

}  // namespace tcns::bot
