#include "bot/export_support.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bot/config.hpp"

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

std::string str_field(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
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

core::Form parse_form_json_for_exports(const std::string& json_text, const std::string& origin) {
    const json j = json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not a JSON object", origin));
    core::Form form;
    form.id = str_field(j, "id");
    form.title = str_field(j, "title");
    if (const auto v = j.find("version"); v != j.end() && v->is_number_integer())
        form.version = v->get<int>();
    const auto items = j.find("items");
    if (items == j.end() || !items->is_array())
        throw ConfigError(fmt::format("{}: \"items\" must be an array", origin));
    for (const json& it : *items) {
        if (!it.is_object()) throw ConfigError(fmt::format("{}: an item is not an object", origin));
        core::FormItem item;
        item.code = str_field(it, "code");
        if (item.code.empty()) throw ConfigError(fmt::format("{}: an item has no code", origin));
        item.label = str_field(it, "label");
        item.prompt = str_field(it, "prompt");
        item.unit = str_field(it, "unit");
        item.group = str_field(it, "group");
        const std::string type = str_field(it, "type");
        if (type == "count" || type.empty())
            item.type = core::ItemType::kCount;
        else if (type == "text")
            item.type = core::ItemType::kText;
        else if (type == "choice")
            item.type = core::ItemType::kChoice;
        else
            throw ConfigError(
                fmt::format("{}: item {} has unknown type '{}'", origin, item.code, type));
        if (const auto e = it.find("enabled"); e != it.end() && e->is_boolean())
            item.enabled = e->get<bool>();
        if (const auto r = it.find("required"); r != it.end() && r->is_boolean())
            item.required = r->get<bool>();
        if (const auto choices = it.find("choices"); choices != it.end() && choices->is_array()) {
            for (const json& c : *choices)
                if (c.is_object())
                    item.choices.push_back({str_field(c, "code"), str_field(c, "label")});
        }
        form.items.push_back(std::move(item));
    }
    return form;
}

ExportTemplates load_export_templates(const std::string& templates_dir) {
    const std::string form_path = templates_dir + "/forms/monthly-report.json";
    const std::string labels_path = templates_dir + "/exports.vi.json";
    return ExportTemplates{parse_form_json_for_exports(read_text(form_path), form_path),
                           parse_export_labels(read_text(labels_path), labels_path)};
}

}  // namespace tcns::bot
