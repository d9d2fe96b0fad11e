#include "bot/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "bot/config.hpp"
#include "core/summary.hpp"

namespace tcns::bot {

using nlohmann::json;

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ConfigError(fmt::format("cannot read {}", path));
    std::ostringstream s;
    s << f.rdbuf();
    return std::move(s).str();
}

core::Form parse_form(const std::string& text, const std::string& origin) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not valid JSON", origin));
    auto fail = [&](const std::string& what) {
        throw ConfigError(fmt::format("{}: {}", origin, what));
    };
    core::Form form;
    if (!j.contains("id") || !j["id"].is_string()) fail("\"id\" must be a string");
    // An int: stored with every report, so a version beyond int's range is refused too.
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] < 1 ||
        j["version"] > std::numeric_limits<int>::max())
        fail("\"version\" must be a positive integer");
    if (!j.contains("items") || !j["items"].is_array() || j["items"].empty())
        fail("\"items\" must be a non-empty array");
    form.id = j["id"].get<std::string>();
    form.version = j["version"].get<int>();
    if (j.contains("title") && !j["title"].is_string()) fail("\"title\" must be a string");
    form.title = j.value("title", "");
    // Other ways to write each unit ("ng" for người), shared by the items with that unit.
    std::map<std::string, std::vector<std::string>> unit_words;
    auto word_list = [&](const json& v, const std::string& what) {
        if (!v.is_array()) fail(fmt::format("{} must be an array of strings", what));
        std::vector<std::string> out;
        for (const auto& w : v) {
            if (!w.is_string()) fail(fmt::format("{} must be an array of strings", what));
            out.push_back(w.get<std::string>());
        }
        return out;
    };
    if (j.contains("units")) {
        if (!j["units"].is_object()) fail("\"units\" must map a unit to its other spellings");
        for (const auto& [unit, words] : j["units"].items()) {
            if (!unit.empty() && unit.front() == '_') continue;  // comments
            unit_words[unit] = word_list(words, fmt::format("units[\"{}\"]", unit));
        }
    }
    const std::regex code_re("^[A-Z]{2}[0-9]{2}$");
    std::set<std::string> codes;
    for (const auto& ji : j["items"]) {
        if (!ji.is_object()) fail("every item must be an object");
        core::FormItem item;
        if (ji.contains("code") && !ji["code"].is_string()) fail("an item's code must be a string");
        item.code = ji.value("code", "");
        if (!std::regex_match(item.code, code_re))
            fail(fmt::format("item code \"{}\" must look like LH01", item.code));
        if (!codes.insert(item.code).second) fail(fmt::format("item {} appears twice", item.code));
        auto str = [&](const char* k, bool required) {
            if (!ji.contains(k)) {
                if (required) fail(fmt::format("item {} lacks \"{}\"", item.code, k));
                return std::string();
            }
            if (!ji[k].is_string())
                fail(fmt::format("item {}: \"{}\" must be a string", item.code, k));
            return ji[k].get<std::string>();
        };
        item.label = str("label", true);
        item.prompt = str("prompt", true);
        item.unit = str("unit", false);
        if (auto it = unit_words.find(item.unit); it != unit_words.end())
            item.unit_words = it->second;
        if (ji.contains("synonyms")) {
            const auto more =
                word_list(ji["synonyms"], fmt::format("item {}: synonyms", item.code));
            item.unit_words.insert(item.unit_words.end(), more.begin(), more.end());
        }
        item.group = str("group", false);
        const std::string type = str("type", true);
        if (type == "count") {
            item.type = core::ItemType::kCount;
        } else if (type == "text") {
            item.type = core::ItemType::kText;
        } else if (type == "choice") {
            item.type = core::ItemType::kChoice;
        } else {
            fail(fmt::format("item {}: type \"{}\" is not count, text or choice", item.code, type));
        }
        // json::value() throws its own type_error on a value of the wrong type: check first.
        auto flag = [&](const char* k, bool dflt) {
            if (!ji.contains(k)) return dflt;
            if (!ji[k].is_boolean())
                fail(fmt::format("item {}: \"{}\" must be true or false", item.code, k));
            return ji[k].get<bool>();
        };
        auto integer = [&](const char* k, std::int64_t dflt) {
            if (!ji.contains(k)) return dflt;
            if (!ji[k].is_number_integer() ||
                (ji[k].is_number_unsigned() &&
                 ji[k].get<std::uint64_t>() >
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
                fail(fmt::format("item {}: \"{}\" must be an integer", item.code, k));
            return ji[k].get<std::int64_t>();
        };
        item.required = flag("required", true);
        item.enabled = flag("enabled", true);
        item.min = integer("min", 0);
        item.max = integer("max", 1'000'000);
        const std::int64_t max_length = integer("max_length", 1000);
        if (max_length < 1)
            fail(fmt::format("item {}: \"max_length\" must be positive", item.code));
        item.max_length = static_cast<std::size_t>(max_length);
        if (item.min < 0 || item.max < item.min)
            fail(fmt::format("item {}: bounds must satisfy 0 <= min <= max", item.code));
        if (ji.contains("choices")) {
            if (!ji["choices"].is_array())
                fail(fmt::format("item {}: choices must be an array", item.code));
            for (const auto& c : ji["choices"]) {
                if (!c.is_object() || !c.contains("code") || !c.contains("label") ||
                    !c["code"].is_string() || !c["label"].is_string())
                    fail(fmt::format("item {}: each choice needs code and label", item.code));
                item.choices.push_back(
                    {c["code"].get<std::string>(), c["label"].get<std::string>()});
            }
        }
        if (item.type == core::ItemType::kChoice && item.choices.empty())
            fail(fmt::format("item {}: a choice item needs choices", item.code));
        form.items.push_back(std::move(item));
    }
    if (form.enabled_items().empty()) fail("no item is enabled");
    if (j.contains("checks")) {
        if (!j["checks"].is_array()) fail("\"checks\" must be an array");
        for (const auto& jc : j["checks"]) {
            if (!jc.is_object()) fail("every check must be an object");
            for (const char* k : {"item", "other", "rule"})
                if (jc.contains(k) && !jc[k].is_string())
                    fail(fmt::format("a check's \"{}\" must be a string", k));
            core::SoftCheck c;
            c.item = jc.value("item", "");
            c.other = jc.value("other", "");
            const std::string rule = jc.value("rule", "");
            if (rule == "at_most") {
                c.kind = core::CheckKind::kAtMost;
            } else if (rule == "at_least_when_positive") {
                c.kind = core::CheckKind::kAtLeastWhenPositive;
            } else {
                fail(
                    fmt::format("check on {}: rule \"{}\" is not at_most or "
                                "at_least_when_positive",
                                c.item, rule));
            }
            const core::FormItem* a = form.find(c.item);
            const core::FormItem* b = form.find(c.other);
            if (!a || !b || a->type != core::ItemType::kCount || b->type != core::ItemType::kCount)
                fail(fmt::format("check {} vs {} must name two count items", c.item, c.other));
            form.checks.push_back(std::move(c));
        }
    }
    return form;
}

core::Words parse_words(const std::string& text, const std::string& origin) {
    // In the file's order: the difficulty categories are tried first to last.
    const auto j = nlohmann::ordered_json::parse(text, nullptr, false);
    auto fail = [&](const std::string& what) {
        throw ConfigError(fmt::format("{}: {}", origin, what));
    };
    if (j.is_discarded() || !j.is_object()) fail("not valid JSON");
    auto words_of = [&](const std::string& name, const auto& value) {
        std::vector<std::string> out;
        if (!value.is_array()) fail(fmt::format("\"{}\" must be an array of words", name));
        for (const auto& w : value) {
            if (!w.is_string()) fail(fmt::format("\"{}\" must be an array of words", name));
            out.push_back(w.template get<std::string>());
        }
        return out;
    };
    std::map<std::string, std::vector<std::string>> commands;
    std::vector<std::pair<std::string, std::vector<std::string>>> lists;
    if (!j.contains("commands") || !j["commands"].is_object())
        fail("\"commands\" must be an object");
    if (!j.contains("lists") || !j["lists"].is_object()) fail("\"lists\" must be an object");
    const auto& known = core::known_commands();
    for (const auto& [name, value] : j["commands"].items()) {
        if (!name.empty() && name.front() == '_') continue;  // comments
        if (std::find(known.begin(), known.end(), name) == known.end())
            fail(fmt::format("\"{}\" is not a command the conversation knows", name));
        commands[name] = words_of(name, value);
    }
    for (auto name : known)
        if (!commands.count(std::string(name)))
            fail(fmt::format("command \"{}\" has no words", name));
    for (const auto& [name, value] : j["lists"].items()) {
        if (!name.empty() && name.front() == '_') continue;
        lists.emplace_back(name, words_of(name, value));
    }
    for (auto name : core::required_word_lists()) {
        if (std::none_of(lists.begin(), lists.end(),
                         [&](const auto& l) { return l.first == name; }))
            fail(fmt::format("the list \"{}\" is missing", name));
    }
    try {
        return core::Words(commands, lists);
    } catch (const std::invalid_argument& e) {
        fail(e.what());
    }
    return {};
}

Templates load_templates(const std::string& dir) {
    Templates t;
    t.dir = dir;
    const std::string form_path = dir + "/forms/monthly-report.json";
    t.form = parse_form(read_text(form_path), form_path);

    const std::string msg_path = dir + "/messages.vi.json";
    const json j = json::parse(read_text(msg_path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not valid JSON", msg_path));
    std::map<std::string, std::string> texts;
    for (const auto& [key, value] : j.items()) {
        if (!key.empty() && key.front() == '_') continue;  // comments
        if (!value.is_string())
            throw ConfigError(fmt::format("{}: \"{}\" must be a string", msg_path, key));
        texts[key] = value.get<std::string>();
    }
    std::string missing;
    // The conversation's keys, then the scheduler's and the summaries'.
    for (const auto* keys : {&core::required_message_keys(), &core::scheduler_message_keys()}) {
        for (auto key : *keys) {
            if (!texts.count(std::string(key)))
                missing += (missing.empty() ? "" : ", ") + std::string(key);
        }
    }
    if (!missing.empty())
        throw ConfigError(fmt::format("{}: missing message keys: {}", msg_path, missing));
    t.messages = core::Messages(std::move(texts));
    const std::string words_path = dir + "/words.vi.json";
    t.words = parse_words(read_text(words_path), words_path);
    return t;
}

}  // namespace tcns::bot
