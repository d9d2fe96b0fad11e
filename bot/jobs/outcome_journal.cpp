#include "bot/jobs/outcome_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bot/log.hpp"

namespace tcns::bot {

namespace {

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::string journal_file(const std::string& dir, const std::string& db_path) {
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(db_path, ec), ec);
    if (ec) abs = db_path;
    const std::string name = abs.filename().string();
    return (std::filesystem::path(dir) /
            fmt::format("outbox-{}-{:016x}.journal", name, fnv1a(abs.string())))
        .string();
}

/// Makes a new directory entry durable (the file's creation or removal).
void sync_dir(const std::string& dir) {
    const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return;
    ::fsync(d);
    ::close(d);
}

/// A directory we may keep the journal in: ours (not another user's planted one), writable.
bool usable_dir(const std::string& dir, bool create) {
    if (dir.empty()) return false;
    if (create) ::mkdir(dir.c_str(), 0700);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    if (st.st_uid != ::geteuid() && ::geteuid() != 0) return false;
    return ::access(dir.c_str(), W_OK | X_OK) == 0;
}

}  // namespace

JournalDirState inspect_journal_dir(const std::string& dir, const std::string& db_path) {
    JournalDirState st;
    st.dir = dir;
    st.file = journal_file(dir, db_path);
    st.usable = usable_dir(dir, false);
    std::string db_dir = db_path;
    const auto slash = db_dir.rfind('/');
    db_dir = slash == std::string::npos ? "." : db_dir.substr(0, std::max<std::size_t>(1, slash));
    struct stat j {};
    struct stat d {};
    st.same_filesystem =
        ::stat(dir.c_str(), &j) == 0 && ::stat(db_dir.c_str(), &d) == 0 && j.st_dev == d.st_dev;
    if (st.usable) st.waiting = OutcomeJournal(dir, db_path).read().entries.size();
    return st;
}

std::string default_journal_dir() {
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"); rd && *rd) {
        // systemd may list several, separated by ':'; tcns.service names one.
        std::string first(rd);
        first = first.substr(0, first.find(':'));
        if (usable_dir(first, false)) return first;
    }
    if (::access("/run/tcns", W_OK | X_OK) == 0) return "/run/tcns";
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) {
        const std::string dir = std::string(x) + "/tcns";
        if (usable_dir(dir, true)) return dir;
    }
    return "/tmp/tcns-" + std::to_string(::geteuid());
}

OutcomeJournal::OutcomeJournal(std::string dir, const std::string& db_path)
    : dir_(std::move(dir)), path_(journal_file(dir_, db_path)) {}

OutcomeJournal::~OutcomeJournal() {
    if (fd_ >= 0) ::close(fd_);
}

std::string OutcomeJournal::encode(const JournalEntry& e) {
    nlohmann::json j{{"v", 1},
                     {"id", e.id},
                     {"channel", e.channel},
                     {"created_at", e.created_at},
                     {"attempts", e.attempts},
                     {"no_answer_attempts", e.no_answer_attempts},
                     {"at", e.at},
                     {"result", e.result},
                     {"jitter", e.jitter}};
    if (!e.message_id.empty()) j["message_id"] = e.message_id;
    if (!e.reason.empty()) j["reason"] = e.reason;
    if (e.no_answer) j["no_answer"] = true;
    if (e.retry_after) j["retry_after"] = *e.retry_after;
    // Invalid UTF-8 from a platform's error text must not make the line unwritable.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<JournalEntry> OutcomeJournal::decode(const std::string& line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1) return std::nullopt;
    try {
        JournalEntry e;
        e.id = j.at("id").get<std::int64_t>();
        e.channel = j.at("channel").get<std::string>();
        e.created_at = j.at("created_at").get<std::int64_t>();
        e.attempts = j.at("attempts").get<int>();
        e.no_answer_attempts = j.at("no_answer_attempts").get<int>();
        e.at = j.at("at").get<std::int64_t>();
        e.result = j.at("result").get<std::string>();
        e.jitter = j.value("jitter", 0.5);
        e.message_id = j.value("message_id", std::string());
        e.reason = j.value("reason", std::string());
        e.no_answer = j.value("no_answer", false);
        if (j.contains("retry_after")) e.retry_after = j.at("retry_after").get<std::int64_t>();
        if (e.id <= 0 || e.result.empty()) return std::nullopt;
        return e;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool OutcomeJournal::open_locked() {
    if (fd_ >= 0) return true;
    if (!usable_dir(dir_, true)) {
        log::error("outbox.journal_failed",
                   {{"path", path_}, {"error", "the directory cannot be created or written"}});
        return false;
    }
    const bool existed = ::access(path_.c_str(), F_OK) == 0;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        log::error("outbox.journal_failed", {{"path", path_}, {"error", std::strerror(errno)}});
        return false;
    }
    if (!existed) sync_dir(dir_);
    return true;
}

bool OutcomeJournal::append(const JournalEntry& e) {
    const std::string line = encode(e) + "\n";
    std::lock_guard lock(mu_);
    if (!open_locked()) return false;
    struct stat st {};
    const off_t before = ::fstat(fd_, &st) == 0 ? st.st_size : -1;
    const ssize_t n = ::write(fd_, line.data(), line.size());
    const int write_errno = errno;
    if (n == static_cast<ssize_t>(line.size()) && ::fdatasync(fd_) == 0) return true;
    const std::string error = std::strerror(n < 0 ? write_errno : errno);
    // A short write leaves a torn line; cut it off so later lines stay readable.
    if (n > 0 && before >= 0) (void)::ftruncate(fd_, before);
    ::close(fd_);
    fd_ = -1;
    log::error("outbox.journal_failed", {{"path", path_}, {"id", e.id}, {"error", error}});
    return false;
}

JournalContents OutcomeJournal::read() const {
    std::lock_guard lock(mu_);
    JournalContents out;
    std::ifstream in(path_, std::ios::binary);
    if (!in) return out;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) {
            out.torn_tail = true;  // a crash between write() and its end: never acknowledged
            break;
        }
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) continue;
        if (auto e = decode(line))
            out.entries.push_back(std::move(*e));
        else
            ++out.bad_lines;
    }
    return out;
}

bool OutcomeJournal::has_entries() const {
    struct stat st {};
    return ::stat(path_.c_str(), &st) == 0 && st.st_size > 0;
}

bool OutcomeJournal::clear() {
    std::lock_guard lock(mu_);
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
        log::error("outbox.journal_clear_failed",
                   {{"path", path_}, {"error", std::strerror(errno)}});
        return false;
    }
    sync_dir(dir_);
    return true;
}

}  // namespace tcns::bot
