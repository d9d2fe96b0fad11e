// bot::parse_form on any bytes: a form file is refused with ConfigError, never with another
// exception or a crash; a form it accepts satisfies what the conversation relies on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bot/config.hpp"
#include "bot/templates.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    core::Form form;
    try {
        form = bot::parse_form(text, "fuzz.json");
    } catch (const bot::ConfigError&) {
        return 0;  // refused with a message: the expected outcome for a bad file
    }
    // Anything else escaping parse_form reaches libFuzzer as an uncaught exception: a crash.
    fuzz::check(form.version >= 1, "an accepted form has a positive version");
    fuzz::check(!form.enabled_items().empty(), "an accepted form has an enabled item");
    for (const auto& item : form.items) {
        fuzz::check(item.min >= 0 && item.min <= item.max, "an item's bounds are ordered");
        if (item.type == core::ItemType::kChoice)
            fuzz::check(!item.choices.empty(), "a choice item has choices");
    }
    for (const auto& c : form.checks) {
        const auto* a = form.find(c.item);
        const auto* b = form.find(c.other);
        fuzz::check(
            a && b && a->type == core::ItemType::kCount && b->type == core::ItemType::kCount,
            "a check names two count items");
    }
    return 0;
}
