// Dialogues written as transcripts (tests/fixtures/transcripts/*.txt) run against the real
// engine and a fresh SQLite database with a small roster. Format, one directive per line:
//   # comment                    ignored
//   @now 2026-11-20T09:00        the simulated clock (Vietnam time)
//   @advance 3d | 5h | 30m       moves the clock forward
//   @as 0912000001 | AN2345      who types next (phone: linked console account; code: the
//                                account opens the chat with that invite code as deep link)
//   @restart                     closes and reopens the database and every chat: state must
//                                live only in SQLite
//   @media sticker               the user sends something that is not text
//   > text                       the user types a line (a number may pick a button)
//   < text                       the bot's answer to the last input contains this text
//                                (several "<" lines must appear in this order)
//   <! text                      the answer does not contain this text
//   @sql SELECT … = value        a query's first column of its first row, as text
//   @form disable CODE | enable CODE | move CODE N
//                                an admin edits the form under the running chats (the item
//                                moves to place N among all items); the version goes up by one
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "adapters/console/console_adapter.hpp"
#include "bot/cli/console_chat.hpp"
#include "bot/templates.hpp"
#include "core/time.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace tcns;

namespace {

struct Runner {
    // A copy: "@form" edits it under the running chats, as an admin edits the form file.
    explicit Runner(const bot::Templates& t) : templates(t) {
        db_path = (dir.path() / "t.db").string();
        db = std::make_unique<storage::Database>(db_path);
        test::seed_small_roster(*db);
    }

    bot::ConsoleChat& chat(const std::string& who) {
        auto it = chats.find(who);
        if (it == chats.end()) {
            it = chats.emplace(who, std::make_unique<bot::ConsoleChat>(*db, templates, who, now))
                     .first;
            output = render(it->second->open(now));
        }
        return *it->second;
    }

    static std::string render(const std::vector<core::OutboundMessage>& replies) {
        std::string out;
        for (const auto& r : replies) out += adapters::console::render(r) + "\n";
        return out;
    }

    bot::Templates templates;
    test::TempDir dir;
    std::string db_path;
    std::unique_ptr<storage::Database> db;
    std::map<std::string, std::unique_ptr<bot::ConsoleChat>> chats;
    std::string current;
    core::Instant now{};
    std::string output;
    std::size_t cursor = 0;
};

std::chrono::seconds parse_duration(const std::string& s) {
    const long n = std::stol(s.substr(0, s.size() - 1));
    switch (s.back()) {
        case 'd':
            return std::chrono::hours(24 * n);
        case 'h':
            return std::chrono::hours(n);
        case 'm':
            return std::chrono::minutes(n);
    }
    FAIL("bad duration " << s);
    return {};
}

void run_transcript(const fs::path& file, const bot::Templates& templates) {
    Runner r(templates);
    std::ifstream in(file);
    REQUIRE(in);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        INFO(file.filename().string() << ":" << line_no << ": " << line);
        if (line.rfind("@now ", 0) == 0) {
            const auto t = core::parse_instant(line.substr(5));
            REQUIRE(t);
            r.now = *t;
        } else if (line.rfind("@advance ", 0) == 0) {
            r.now += parse_duration(line.substr(9));
        } else if (line.rfind("@as ", 0) == 0) {
            r.current = line.substr(4);
            r.chat(r.current);
            r.cursor = 0;
        } else if (line == "@restart") {
            r.chats.clear();
            r.db.reset();
            r.db = std::make_unique<storage::Database>(r.db_path);
            r.chat(r.current);
            r.cursor = 0;
        } else if (line.rfind("@form ", 0) == 0) {
            std::istringstream words(line.substr(6));
            std::string verb, code;
            words >> verb >> code;
            auto& items = r.templates.form.items;
            const auto it = std::find_if(items.begin(), items.end(),
                                         [&](const core::FormItem& i) { return i.code == code; });
            REQUIRE(it != items.end());
            if (verb == "disable" || verb == "enable") {
                it->enabled = verb == "enable";
            } else if (verb == "move") {
                std::size_t to = 0;
                words >> to;
                REQUIRE(to >= 1);
                REQUIRE(to <= items.size());
                core::FormItem moved = *it;
                items.erase(it);
                items.insert(items.begin() + static_cast<std::ptrdiff_t>(to - 1), std::move(moved));
            } else {
                FAIL("unknown @form verb");
            }
            ++r.templates.form.version;
        } else if (line.rfind("@media ", 0) == 0) {
            r.output = Runner::render(r.chat(r.current).send_media(line.substr(7), r.now));
            r.cursor = 0;
        } else if (line.rfind("> ", 0) == 0 || line == ">") {
            const std::string typed = line.size() > 2 ? line.substr(2) : "";
            r.output = Runner::render(r.chat(r.current).send(typed, r.now));
            r.cursor = 0;
        } else if (line.rfind("<! ", 0) == 0) {
            INFO("bot said:\n" << r.output);
            CHECK(r.output.find(line.substr(3)) == std::string::npos);
        } else if (line.rfind("< ", 0) == 0) {
            const std::string want = line.substr(2);
            INFO("bot said:\n" << r.output);
            const auto pos = r.output.find(want, r.cursor);
            CHECK(pos != std::string::npos);
            if (pos != std::string::npos) r.cursor = pos + want.size();
        } else if (line.rfind("@sql ", 0) == 0) {
            const std::string rest = line.substr(5);
            const auto eq = rest.rfind(" = ");
            REQUIRE(eq != std::string::npos);
            SQLite::Statement q(r.db->handle(), rest.substr(0, eq));
            std::string got = "(no row)";
            if (q.executeStep())
                got = q.getColumn(0).isNull() ? "NULL" : q.getColumn(0).getString();
            CHECK(got == rest.substr(eq + 3));
        } else {
            FAIL("unknown directive");
        }
    }
}

}  // namespace

TEST_CASE("a line typed in a legacy code page is answered and the chat goes on") {
    // Found by fuzz_conversation: a Latin-1 text answer reached the stored state and
    // json::dump() threw, ending `tcns chat`; the console now passes U+FFFD instead.
    const auto templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    Runner r(templates);
    r.now = *core::parse_instant("2026-11-20T09:00");
    auto& chat = r.chat("0912000001");
    CHECK_FALSE(chat.send("bc", r.now).empty());
    CHECK_FALSE(chat.send("kk: s\xF3ng y\xE1u", r.now).empty());
    CHECK_FALSE(chat.send("s\xF3ng y\xE1u", r.now).empty());
    CHECK(adapters::console::resolve_input("s\xF3ng", {}) == "s\uFFFDng");
}

TEST_CASE("every transcript in tests/fixtures/transcripts reads as the bot answers") {
    const bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(TCNS_SOURCE_DIR "/tests/fixtures/transcripts"))
        if (e.path().extension() == ".txt") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 10);
    for (const auto& f : files) {
        DYNAMIC_SECTION(f.filename().string()) {
            run_transcript(f, templates);
        }
    }
}
