#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcns::core {

/// What kind of answer a form item takes.
enum class ItemType {
    kCount,   ///< a non-negative integer (people, households, sessions…)
    kText,    ///< free text (difficulties, proposals)
    kChoice,  ///< one of a fixed list of choices
};

/// One option of a choice item, or one category of a text item (KK01's difficulty category).
struct Choice {
    std::string code;   ///< machine code stored in the database ("network", "devices", …)
    std::string label;  ///< Vietnamese label shown as a button
};

/// One indicator of the monthly form, loaded from templates/forms/*.json.
struct FormItem {
    std::string code;    ///< "LH01"
    std::string label;   ///< short Vietnamese label for summaries and exports
    std::string prompt;  ///< the question asked in chat
    std::string unit;    ///< "lượt", "hộ", "người", "buổi"; empty for text
    std::vector<std::string> unit_words;  ///< other ways to write the unit ("nguoi", "ng")
    std::string group;  ///< "Chính quyền số", "Kinh tế số", "Xã hội số", …
    ItemType type = ItemType::kCount;
    bool required = true;
    bool enabled = true;
    std::int64_t min = 0;
    std::int64_t max = 1'000'000;
    std::size_t max_length = 1000;  ///< kText: characters kept
    std::vector<Choice> choices;    ///< kChoice: the options; kText: optional categories
};

/// A cross-field soft check: when it fails the leader is asked to confirm or correct.
enum class CheckKind {
    kAtMost,               ///< item <= other
    kAtLeastWhenPositive,  ///< item >= other when other > 0
};

struct SoftCheck {
    std::string item;
    CheckKind kind = CheckKind::kAtMost;
    std::string other;
};

/// A versioned form. A stored report records (id, version); editing the form file must bump
/// the version so that old reports keep their meaning.
struct Form {
    std::string id;  ///< "monthly-report"
    int version = 1;
    std::string title;
    std::vector<FormItem> items;  ///< in the order they are asked
    std::vector<SoftCheck> checks;

    /// Enabled items in form order.
    std::vector<const FormItem*> enabled_items() const {
        std::vector<const FormItem*> out;
        for (const auto& item : items) {
            if (item.enabled) out.push_back(&item);
        }
        return out;
    }

    const FormItem* find(std::string_view code) const {
        for (const auto& item : items) {
            if (item.code == code) return &item;
        }
        return nullptr;
    }
};

}  // namespace tcns::core
