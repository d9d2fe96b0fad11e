#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tcns::bot {

/// One send outcome the database refused to record, as kept in the outcome journal.
struct JournalEntry {
    std::int64_t id = 0;          ///< outbox row id
    std::string channel;          ///< with created_at: the row is the same one on replay
    std::int64_t created_at = 0;  ///< unix seconds
    int attempts = 0;             ///< the row's attempts before this send
    int no_answer_attempts = 0;   ///< the row's sends without an answer before this one
    std::int64_t at = 0;          ///< when the platform answered (unix seconds)
    std::string result;           ///< send_class_name(): success, retryable, unreachable, …
    std::string message_id;       ///< the platform's id (success)
    std::string reason;           ///< the platform's code and text (failures)
    bool no_answer = false;
    std::optional<std::int64_t> retry_after;  ///< seconds
    double jitter = 0.5;
};

/// What a read of the journal found.
struct JournalContents {
    std::vector<JournalEntry> entries;
    int bad_lines = 0;       ///< complete lines that did not parse (skipped)
    bool torn_tail = false;  ///< the last line has no newline: a crash mid-write (skipped)
};

/// A small append-only file of send outcomes the database could not record (disk full,
/// read-only, locked), kept outside the database's filesystem (issue 18). The platform accepted
/// those sends: without the journal, a process that had to stop before the database could be
/// written again (an aborted ext4 is repaired only by unmounting it) lost them, and the rows
/// were sent again after the restart. Each line is one JSON object, written with a single
/// write() and fdatasync'd before append() returns. The file is replayed into the outbox at the
/// dispatcher's start and whenever the database takes writes again, then removed.
class OutcomeJournal {
  public:
    /// `dir`: the journal directory (created 0700 if missing); `db_path`: the database whose
    /// outcomes it keeps (the file is named after it, so servers on different databases sharing a
    /// directory never replay each other's outcomes).
    OutcomeJournal(std::string dir, const std::string& db_path);
    ~OutcomeJournal();
    OutcomeJournal(const OutcomeJournal&) = delete;
    OutcomeJournal& operator=(const OutcomeJournal&) = delete;

    const std::string& path() const { return path_; }
    /// Appends one line and makes it durable. False (logged) when it cannot: the caller must
    /// not send anything more until the outcome is recorded somewhere.
    bool append(const JournalEntry& e);
    /// The entries on disk (none when the file does not exist). Torn or corrupt lines are
    /// skipped and counted (the caller logs them).
    JournalContents read() const;
    /// Whether the file exists with something in it.
    bool has_entries() const;
    /// Removes the file (everything in it is recorded). False (logged) when it cannot.
    bool clear();

    /// The line for an entry (without the newline), and back (nullopt: not a valid entry).
    static std::string encode(const JournalEntry& e);
    static std::optional<JournalEntry> decode(const std::string& line);

  private:
    bool open_locked();
    std::string dir_;
    std::string path_;
    mutable std::mutex mu_;
    int fd_ = -1;
};

/// What `serve` and `check-config` say about the journal directory (nothing is created).
struct JournalDirState {
    std::string dir;
    std::string file;              ///< the journal file of this database
    bool usable = false;           ///< exists, ours, writable
    bool same_filesystem = false;  ///< on the database's filesystem: a broken disk takes both
    std::size_t waiting = 0;       ///< outcomes in the file, replayed at the next start
};
JournalDirState inspect_journal_dir(const std::string& dir, const std::string& db_path);

/// The journal directory when the configuration names none: $RUNTIME_DIRECTORY (systemd's
/// RuntimeDirectory=tcns, i.e. /run/tcns), else /run/tcns when writable, else
/// $XDG_RUNTIME_DIR/tcns, else /tmp/tcns-<uid>.
std::string default_journal_dir();

}  // namespace tcns::bot
