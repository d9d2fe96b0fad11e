#pragma once

#include <string>

#include "core/form.hpp"
#include "core/messages.hpp"
#include "core/words.hpp"

namespace tcns::bot {

/// The data the conversation runs on: the monthly form, the Vietnamese messages and the words
/// it recognises.
struct Templates {
    std::string dir;
    core::Form form;
    core::Messages messages;
    core::Words words;
};

/// Loads templates/forms/monthly-report.json, templates/messages.vi.json and
/// templates/words.vi.json from `dir`.
/// Throws ConfigError naming the file and the problem (bad JSON, unknown item type, a check
/// naming an unknown item, a message key the conversation needs but the file lacks).
Templates load_templates(const std::string& dir);

/// Parses a words file's text (templates/words.vi.json); throws ConfigError with `origin` in
/// the message (bad JSON, a command the conversation does not know or lacks, a list it needs
/// missing, a word of two commands).
core::Words parse_words(const std::string& json_text, const std::string& origin);

/// A file under templates/ (or a form, a labels file) read whole; throws ConfigError naming it
/// when it cannot be read. The template loaders of the pages and exports use it too.
std::string read_text(const std::string& path);

/// Parses a form file's text; throws ConfigError with `origin` in the message.
core::Form parse_form(const std::string& json_text, const std::string& origin);

}  // namespace tcns::bot
