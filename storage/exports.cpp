#include "storage/exports.hpp"

#include "storage/admin_overview.hpp"
#include "storage/compliance.hpp"
#include "storage/period_repo.hpp"
#include "storage/targets_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <vector>

#include "core/phone.hpp"

namespace tcns::storage {

namespace {

using core::FormItem;
using core::RowSink;
using Items = std::vector<const FormItem*>;

// The unit tree walked from its roots, so that every unit carries its whole path: segments
// "level<US>name" joined by <RS> (ASCII unit and record separators never occur in names), and a
// sort key of codes in the same shape. `in_scope` marks the subtree of :unit (everything when
// :unit is NULL). The depth cap guards against a cycle that slipped into the table.
// Every unit with its path from the root; with :unit, only the unit's ancestors (for their
// names in the path columns) and its subtree are walked, not the whole country.
constexpr std::string_view kTreeCte = R"sql(
WITH RECURSIVE anc(id, parent_id) AS (
    SELECT id, parent_id FROM units WHERE code = :unit
    UNION ALL
    SELECT u.id, u.parent_id FROM units u JOIN anc a ON u.id = a.parent_id
),
tree(id, depth, level, path, sort_key, in_scope) AS (
    SELECT id, 0, level, level || char(31) || name, code, (:unit IS NULL OR code = :unit)
    FROM units WHERE parent_id IS NULL AND (:unit IS NULL OR id IN (SELECT id FROM anc))
    UNION ALL
    SELECT u.id, t.depth + 1, u.level, t.path || char(30) || u.level || char(31) || u.name,
           t.sort_key || char(30) || u.code, (t.in_scope OR u.code = :unit)
    FROM units u JOIN tree t ON u.parent_id = t.id
    WHERE t.depth < 64 AND (:unit IS NULL OR t.in_scope OR u.id IN (SELECT id FROM anc))
)
)sql";

// The units under :uid, itself included.
constexpr std::string_view kSubtreeCte = R"sql(
WITH RECURSIVE sub(id, depth) AS (
    SELECT :uid, 0
    UNION ALL
    SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
)sql";

std::string with_tree(std::string_view select) {
    return std::string(kTreeCte) + std::string(select);
}

void bind_scope(SQLite::Statement& q, const ExportRequest& r) {
    if (r.unit)
        q.bind(":unit", *r.unit);
    else
        q.bind(":unit");
}

std::string text(const SQLite::Statement& q, int column) {
    const SQLite::Column c = q.getColumn(column);
    return c.isNull() ? std::string() : c.getString();
}

std::optional<std::int64_t> integer(const SQLite::Statement& q, int column) {
    const SQLite::Column c = q.getColumn(column);
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

std::string number_text(const std::optional<std::int64_t>& n) {
    return n ? std::to_string(*n) : std::string();
}

/// Holds one read transaction for the whole export, so that every statement sees the same
/// snapshot; joins the caller's transaction when there is one.
class ReadSnapshot {
  public:
    explicit ReadSnapshot(Database& db) : db_(db) {
        if (sqlite3_get_autocommit(db_.handle().getHandle())) {
            db_.handle().exec("BEGIN");
            owned_ = true;
        }
    }
    ~ReadSnapshot() {
        if (!owned_) return;
        try {
            db_.handle().exec("COMMIT");
        } catch (...) {  // a destructor never throws; a read-only COMMIT has nothing to lose
        }
    }
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  private:
    Database& db_;
    bool owned_ = false;
};

/// One column per unit level, ordered from the root down (a level that sits at several depths,
/// like "commune" before and after the 2025 merger, goes after the shallower ones).
class LevelColumns {
  public:
    explicit LevelColumns(Database& db) : levels_(unit_levels(db)) {}

    void header(const ExportLabels& labels, RowSink& out) const {
        for (const auto& l : levels_)
            out.header({l, labels.level(l), labels.description("level", labels.level(l)), ""});
    }

    /// The names along a path, each in its level's column (blank for levels it skips).
    void cells(std::string_view path, RowSink& out) const {
        std::vector<std::string_view> names(levels_.size());
        while (!path.empty()) {
            const auto end = path.find('\x1e');
            const std::string_view segment = path.substr(0, end);
            const auto sep = segment.find('\x1f');
            if (sep != std::string_view::npos) {
                const std::string_view level = segment.substr(0, sep);
                for (std::size_t i = 0; i < levels_.size(); ++i) {
                    if (levels_[i] == level && names[i].empty()) names[i] = segment.substr(sep + 1);
                }
            }
            if (end == std::string_view::npos) break;
            path.remove_prefix(end + 1);
        }
        for (const auto n : names) out.cell(n);
    }

  private:
    std::vector<std::string> levels_;
};

using core::TargetOwner;

/// Which of these items have any target of this kind, so that target and % columns appear only
/// for indicators someone set a target for.
std::vector<bool> targeted_items(Database& db, const Items& items, TargetOwner owner) {
    SQLite::Statement q(db.handle(),
                        owner == TargetOwner::kTeam
                            ? "SELECT 1 FROM targets WHERE item_code = ? AND team_id IS NOT NULL "
                              "LIMIT 1"
                            : "SELECT 1 FROM targets WHERE item_code = ? AND unit_id IS NOT NULL "
                              "LIMIT 1");
    std::vector<bool> out;
    for (const FormItem* item : items) {
        q.reset();
        q.bind(1, item->code);
        out.push_back(item->type == core::ItemType::kCount && q.executeStep());
    }
    return out;
}

/// Header of an indicator column: its code, or its label ("item_target" and "item_pct" labels
/// are patterns with "{}" for the indicator's label).
std::string item_header(const FormItem& item, std::string_view suffix, const ExportLabels& labels) {
    if (labels.codes()) return suffix.empty() ? item.code : item.code + "_" + std::string(suffix);
    const std::string label = item.label.empty() ? item.code : item.label;
    if (suffix.empty()) return label;
    std::string pattern = labels.column("item_" + std::string(suffix));
    const auto at = pattern.find("{}");
    if (at == std::string::npos) return label + " " + pattern;
    return pattern.replace(at, 2, label);
}

/// The header cells of one indicator: its value, then its target and % when it has targets.
void item_header_cells(const FormItem& item, bool targeted, const ExportLabels& labels,
                       RowSink& out) {
    const std::string label = item.label.empty() ? item.code : item.label;
    out.header({item.code, item_header(item, "", labels), label, item.unit});
    if (!targeted) return;
    out.header({item.code + "_target", item_header(item, "target", labels),
                labels.description("item_target", label), item.unit});
    out.header({item.code + "_pct", item_header(item, "pct", labels),
                labels.description("item_pct", label), "%"});
}

std::string choice_label(std::span<const core::Choice> choices, std::string_view code,
                         const ExportLabels& labels) {
    if (labels.codes()) return std::string(code);
    for (const auto& c : choices)
        if (c.code == code && !c.label.empty()) return c.label;
    return std::string(code);
}

/// A difficulty category's label: categories are the choices of the form's text items.
std::string category_label(const core::Form& form, std::string_view code,
                           const ExportLabels& labels) {
    if (labels.codes() || code.empty()) return std::string(code);
    for (const auto& item : form.items) {
        if (item.type != core::ItemType::kText) continue;
        for (const auto& c : item.choices)
            if (c.code == code && !c.label.empty()) return c.label;
    }
    return std::string(code);
}

/// The head revision's answers of one report, one per item (blank when not answered).
struct ReportValues {
    std::vector<std::string> cells;
    std::vector<std::optional<std::int64_t>> numbers;
};

class ValueReader {
  public:
    explicit ValueReader(Database& db)
        : q_(db.handle(),
             "SELECT item_code, value_int, value_text, choice FROM report_values "
             "WHERE report_id = ?") {}

    ReportValues read(std::optional<std::int64_t> report_id, const Items& items,
                      const ExportLabels& labels) {
        ReportValues v{std::vector<std::string>(items.size()),
                       std::vector<std::optional<std::int64_t>>(items.size())};
        if (!report_id) return v;
        q_.reset();
        q_.bind(1, *report_id);
        while (q_.executeStep()) {
            const std::string code = q_.getColumn(0).getString();
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (items[i]->code != code) continue;
                switch (items[i]->type) {
                    case core::ItemType::kCount:
                        v.numbers[i] = integer(q_, 1);
                        v.cells[i] = number_text(v.numbers[i]);
                        break;
                    case core::ItemType::kText: {
                        // KK01 keeps its difficulty category in `choice`.
                        const std::string category = text(q_, 3);
                        v.cells[i] = category.empty()
                                         ? text(q_, 2)
                                         : choice_label(items[i]->choices, category, labels) +
                                               ": " + text(q_, 2);
                        break;
                    }
                    case core::ItemType::kChoice:
                        v.cells[i] = choice_label(items[i]->choices, text(q_, 3), labels);
                        break;
                }
            }
        }
        return v;
    }

  private:
    SQLite::Statement q_;
};

/// Targets of one team or unit over a range of months, one per item (targets_over's rule).
class TargetReader {
  public:
    TargetReader(Database& db, TargetOwner owner) : db_(db), owner_(owner) {}

    std::vector<std::optional<std::int64_t>> read(std::int64_t owner_id,
                                                  const core::MonthPeriod& from,
                                                  const core::MonthPeriod& to, const Items& items) {
        std::vector<std::optional<std::int64_t>> out(items.size());
        for (const auto& [code, value] : targets_over(db_, owner_, owner_id, from, to))
            for (std::size_t i = 0; i < items.size(); ++i)
                if (items[i]->code == code) out[i] = value;
        return out;
    }

  private:
    Database& db_;
    TargetOwner owner_;
};

/// A team-month's status; without a report it is missing only once the month's deadline has
/// passed (`closed`), else still open.
std::string status_value(std::optional<std::int64_t> late, bool closed,
                         const ExportLabels& labels) {
    if (!late) return labels.value("status", closed ? "missing" : "open");
    return labels.value("status", *late ? "late" : "on_time");
}

void header_cells(std::initializer_list<std::string_view> codes, const ExportLabels& labels,
                  RowSink& out) {
    for (const auto c : codes)
        out.header({std::string(c), labels.column(c), labels.description(c), labels.unit(c)});
}

// Expected teams (active, existing in :period, under the unit filter) with their leader and
// their status for :period, in tree order.
const std::string kTeamsForPeriod = R"sql(
SELECT t.id, tr.path, un.code, t.code, t.name, lp.full_name, lp.phone,
       rs.first_submitted_at, rs.last_submitted_at, rs.revision, rs.late, rs.latest_report_id,
       rs.revised_after_deadline
FROM team_first_month f
JOIN teams t ON t.id = f.team_id
JOIN tree tr ON tr.id = t.unit_id AND tr.in_scope
JOIN units un ON un.id = t.unit_id
LEFT JOIN roles lr ON lr.team_id = t.id AND lr.role = 'leader'
LEFT JOIN people lp ON lp.id = lr.person_id
LEFT JOIN report_status rs ON rs.team_id = t.id AND rs.period = :period
WHERE )sql" + std::string(kExpectedInPeriodSql) +
                                    R"sql(
ORDER BY tr.sort_key, t.code
)sql";

/// Whether a month's deadline has passed at `now` (its "missing" teams are final).
bool month_closed(Database& db, const core::MonthPeriod& p, core::Instant now) {
    return PeriodRepo(db).deadline(p) <= now;
}

// Units of :level under the filter, in tree order.
constexpr std::string_view kUnitsAtLevel = R"sql(
SELECT tr.id, tr.path, u.code FROM tree tr JOIN units u ON u.id = tr.id
WHERE tr.in_scope AND tr.level = :level
ORDER BY tr.sort_key
)sql";

std::string subtree_sql(std::string_view select) {
    return std::string(kSubtreeCte) + std::string(select);
}

}  // namespace

std::map<std::string, std::int64_t> subtree_item_sums(Database& db, core::UnitId unit,
                                                      const core::MonthPeriod& from,
                                                      const core::MonthPeriod& to) {
    auto& q = db.cached(subtree_sql(R"sql(
SELECT rv.item_code, sum(rv.value_int)
FROM report_status rs JOIN teams t ON t.id = rs.team_id
JOIN report_values rv ON rv.report_id = rs.latest_report_id
WHERE t.active = 1 AND t.unit_id IN (SELECT id FROM sub) AND rs.period BETWEEN :from AND :to
GROUP BY rv.item_code
)sql"));
    q.bind(":uid", std::int64_t{unit});
    q.bind(":from", from.str());
    q.bind(":to", to.str());
    std::map<std::string, std::int64_t> out;
    while (q.executeStep())
        if (!q.getColumn(1).isNull()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    q.reset();
    return out;
}

std::span<const ExportKind> all_export_kinds() {
    static constexpr std::array kAll = {ExportKind::kReports,      ExportKind::kReportsLong,
                                        ExportKind::kCompliance,   ExportKind::kRollup,
                                        ExportKind::kDifficulties, ExportKind::kRoster};
    return kAll;
}

std::string_view export_kind_name(ExportKind kind) {
    switch (kind) {
        case ExportKind::kReports:
            return "reports";
        case ExportKind::kReportsLong:
            return "reports-long";
        case ExportKind::kCompliance:
            return "compliance";
        case ExportKind::kRollup:
            return "rollup";
        case ExportKind::kDifficulties:
            return "difficulties";
        case ExportKind::kRoster:
            return "roster";
    }
    return "?";
}

std::optional<ExportKind> parse_export_kind(std::string_view name) {
    for (const ExportKind k : all_export_kinds())
        if (export_kind_name(k) == name) return k;
    return std::nullopt;
}

std::string export_file_name(ExportKind kind, std::string_view period_label,
                             std::string_view extension) {
    if (period_label.empty()) return fmt::format("tcns-{}.{}", export_kind_name(kind), extension);
    return fmt::format("tcns-{}-{}.{}", export_kind_name(kind), period_label, extension);
}

std::string ExportLabels::lookup(std::string_view prefix, std::string_view code) const {
    if (codes_) return std::string(code);
    const auto it = text_.find(std::string(prefix) + std::string(code));
    return it == text_.end() ? std::string(code) : it->second;
}

std::string ExportLabels::description(std::string_view code, std::string_view fill) const {
    return optional_text("desc.", code, fill);
}

std::string ExportLabels::unit(std::string_view code) const {
    return optional_text("unit.", code, {});
}

std::string ExportLabels::optional_text(std::string_view prefix, std::string_view code,
                                        std::string_view fill) const {
    const auto it = text_.find(std::string(prefix) + std::string(code));
    if (codes_ || it == text_.end()) return {};
    std::string s = it->second;
    if (const auto at = s.find("{}"); at != std::string::npos) s.replace(at, 2, fill);
    return s;
}

std::string ExportLabels::value(std::string_view group, std::string_view code) const {
    return lookup(std::string(group) + ".", code);
}

std::string_view describe(ExportError e) {
    switch (e) {
        case ExportError::kUnknownUnit:
            return "unknown unit code";
        case ExportError::kUnknownLevel:
            return "no unit has this level";
        case ExportError::kBadRange:
            return "the period range is empty or longer than 120 months";
        case ExportError::kBeforeTeams:
            return "no team existed yet in this period (nothing was expected)";
        case ExportError::kNoClosedMonth:
            return "no month of this quarter has closed yet (ask for month to date)";
    }
    return "export error";
}

std::optional<ExportError> check_export_request(Database& db, ExportKind kind,
                                                const ExportRequest& r) {
    const int months = r.from.months_until(r.to);
    if (months < 0 || months >= kMaxExportMonths) return ExportError::kBadRange;
    if (r.unit) {
        SQLite::Statement q(db.handle(), "SELECT 1 FROM units WHERE code = ?");
        q.bind(1, *r.unit);
        if (!q.executeStep()) return ExportError::kUnknownUnit;
    }
    if (kind == ExportKind::kReports || kind == ExportKind::kReportsLong ||
        kind == ExportKind::kRollup || kind == ExportKind::kCompliance) {
        // 1,048 "missing" rows for 1999-01 would be false: no team was expected then.
        if (const auto first = first_expected_month(db); first && r.to < *first)
            return ExportError::kBeforeTeams;
    }
    if (kind == ExportKind::kRollup || kind == ExportKind::kCompliance) {
        SQLite::Statement q(db.handle(), "SELECT 1 FROM units WHERE level = ? LIMIT 1");
        q.bind(1, r.level);
        if (!q.executeStep()) return ExportError::kUnknownLevel;
    }
    return std::nullopt;
}

core::Expected<std::size_t, ExportError> write_export(Database& db, ExportKind kind,
                                                      const core::Form& form,
                                                      const ExportRequest& r,
                                                      const ExportLabels& labels, RowSink& out) {
    if (const auto e = check_export_request(db, kind, r)) return core::unexpected(*e);
    switch (kind) {
        case ExportKind::kReports:
            return write_reports_export(db, form, r, labels, out);
        case ExportKind::kReportsLong:
            return write_reports_long_export(db, form, r, labels, out);
        case ExportKind::kCompliance:
            return write_compliance_export(db, r, labels, out);
        case ExportKind::kRollup:
            return write_rollup_export(db, form, r, labels, out);
        case ExportKind::kDifficulties:
            return write_difficulties_export(db, form, r, labels, out);
        case ExportKind::kRoster:
            return write_roster_export(db, r, labels, out);
    }
    return std::size_t{0};
}

std::size_t write_reports_export(Database& db, const core::Form& form, const ExportRequest& r,
                                 const ExportLabels& labels, RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    const Items items = form.enabled_items();
    const std::vector<bool> targeted = targeted_items(db, items, TargetOwner::kTeam);

    levels.header(labels, out);
    header_cells(
        {"unit_code", "team_code", "team_name", "leader_name", "leader_phone", "period", "status",
         "first_submitted_at", "last_submitted_at", "revision", "revised_after_deadline"},
        labels, out);
    for (std::size_t i = 0; i < items.size(); ++i)
        item_header_cells(*items[i], targeted[i], labels, out);
    header_cells({"chat_difficulties"}, labels, out);
    out.end_row();

    SQLite::Statement teams(db.handle(), with_tree(kTeamsForPeriod));
    ValueReader values(db);
    TargetReader targets(db, TargetOwner::kTeam);
    SQLite::Statement chat(db.handle(),
                           "SELECT category, text FROM difficulties WHERE team_id = ? AND "
                           "period = ? AND source = 'chat' ORDER BY created_at, id");
    std::size_t rows = 0;
    for (core::MonthPeriod p = r.from; p <= r.to; p = p.next()) {
        const std::string period = p.str();
        const bool closed = month_closed(db, p, r.now);
        teams.reset();
        bind_scope(teams, r);
        teams.bind(":period", period);
        while (teams.executeStep()) {
            const std::int64_t team_id = teams.getColumn(0).getInt64();
            const auto late = integer(teams, 10);
            levels.cells(text(teams, 1), out);
            out.cell(text(teams, 2)).cell(text(teams, 3)).cell(text(teams, 4));
            out.cell(text(teams, 5)).cell(core::national_phone(text(teams, 6)));
            out.cell(period).cell(status_value(late, closed, labels));
            out.instant(integer(teams, 7)).instant(integer(teams, 8));
            out.number(integer(teams, 9));
            // On time at first, revised after the deadline: "zeros on time, real numbers late".
            const auto revised_late = integer(teams, 12);
            out.cell(revised_late ? labels.value("revised", *revised_late ? "yes" : "no")
                                  : std::string());
            const ReportValues v = values.read(integer(teams, 11), items, labels);
            const auto goals = targets.read(team_id, p, p, items);
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (items[i]->type == core::ItemType::kCount)
                    out.number(v.numbers[i]);
                else
                    out.cell(v.cells[i]);
                if (targeted[i]) {
                    out.number(goals[i]);
                    out.percent(v.numbers[i], goals[i]);
                }
            }
            std::string said;
            chat.reset();
            chat.bind(1, team_id);
            chat.bind(2, period);
            while (chat.executeStep()) {
                if (!said.empty()) said += "\n";
                const std::string category = text(chat, 0);
                if (!category.empty()) said += category_label(form, category, labels) + ": ";
                said += text(chat, 1);
            }
            out.cell(said);
            out.end_row();
            ++rows;
        }
    }
    return rows;
}

std::size_t write_reports_long_export(Database& db, const core::Form& form, const ExportRequest& r,
                                      const ExportLabels& labels, RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    const Items items = form.enabled_items();

    levels.header(labels, out);
    header_cells({"unit_code", "team_code", "team_name", "period", "status", "item_code",
                  "item_label", "item_unit", "value", "target", "target_pct"},
                 labels, out);
    out.end_row();

    SQLite::Statement teams(db.handle(), with_tree(kTeamsForPeriod));
    ValueReader values(db);
    TargetReader targets(db, TargetOwner::kTeam);
    std::size_t rows = 0;
    for (core::MonthPeriod p = r.from; p <= r.to; p = p.next()) {
        const std::string period = p.str();
        const bool closed = month_closed(db, p, r.now);
        teams.reset();
        bind_scope(teams, r);
        teams.bind(":period", period);
        while (teams.executeStep()) {
            const std::int64_t team_id = teams.getColumn(0).getInt64();
            const std::string path = text(teams, 1);
            const std::string status = status_value(integer(teams, 10), closed, labels);
            const ReportValues v = values.read(integer(teams, 11), items, labels);
            const auto goals = targets.read(team_id, p, p, items);
            for (std::size_t i = 0; i < items.size(); ++i) {
                levels.cells(path, out);
                out.cell(text(teams, 2)).cell(text(teams, 3)).cell(text(teams, 4));
                out.cell(period).cell(status);
                out.cell(items[i]->code).cell(items[i]->label).cell(items[i]->unit);
                if (items[i]->type == core::ItemType::kCount)
                    out.number(v.numbers[i]);
                else
                    out.cell(v.cells[i]);
                out.number(goals[i]);
                out.percent(v.numbers[i], goals[i]);
                out.end_row();
                ++rows;
            }
        }
    }
    return rows;
}

std::size_t write_compliance_export(Database& db, const ExportRequest& r,
                                    const ExportLabels& labels, RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    std::vector<core::MonthPeriod> months;
    for (core::MonthPeriod p = r.from; p <= r.to; p = p.next()) months.push_back(p);
    if (months.empty()) return 0;  // a reversed range (write_export refuses it earlier)
    // Counts cover the counted months only (closed ones, or month to date when asked); the
    // others show each team's status so far.
    const auto counted = counted_months(db, MonthRange{r.from, r.to}, r.now, r.month_to_date);
    auto is_counted = [&](const core::MonthPeriod& m) { return counted && m <= counted->to; };

    header_cells({"row_type"}, labels, out);
    levels.header(labels, out);
    header_cells({"unit_code", "team_code", "team_name"}, labels, out);
    for (const auto& m : months)
        out.header({m.str(), m.str(), labels.description("month_status", m.str()), ""});
    header_cells({"on_time", "late", "missing", "on_time_rate", "submitted_rate"}, labels, out);
    out.end_row();

    std::size_t rows = 0;
    // One row per team expected in some month of the range: its status month by month, blank
    // for the months before it existed.
    SQLite::Statement teams(db.handle(), with_tree(R"sql(
SELECT t.id, tr.path, un.code, t.code, t.name, f.first_month
FROM team_first_month f
JOIN teams t ON t.id = f.team_id
JOIN tree tr ON tr.id = t.unit_id AND tr.in_scope
JOIN units un ON un.id = t.unit_id
WHERE f.first_month IS NULL OR f.first_month <= :to
ORDER BY tr.sort_key, t.code
)sql"));
    SQLite::Statement statuses(db.handle(),
                               "SELECT period, late FROM report_status WHERE team_id = ? AND "
                               "period BETWEEN ? AND ? ORDER BY period");
    bind_scope(teams, r);
    teams.bind(":to", r.to.str());
    while (teams.executeStep()) {
        const auto first = teams.getColumn(5).isNull()
                               ? std::nullopt
                               : core::MonthPeriod::parse(teams.getColumn(5).getString());
        out.cell(labels.value("row", "team"));
        levels.cells(text(teams, 1), out);
        out.cell(text(teams, 2)).cell(text(teams, 3)).cell(text(teams, 4));
        statuses.reset();
        statuses.bind(1, teams.getColumn(0).getInt64());
        statuses.bind(2, months.front().str());
        statuses.bind(3, months.back().str());
        std::int64_t on_time = 0, late = 0, expected = 0;
        bool pending = statuses.executeStep();
        for (const auto& m : months) {
            std::optional<std::int64_t> flag;
            if (pending && statuses.getColumn(0).getString() == m.str()) {
                flag = statuses.getColumn(1).getInt64();
                pending = statuses.executeStep();
            }
            if (first && m < *first) {
                out.cell("");  // the team did not exist yet: nothing was expected
                continue;
            }
            if (is_counted(m)) {
                ++expected;
                if (flag) ++(*flag ? late : on_time);
            }
            out.cell(status_value(flag, is_counted(m), labels));
        }
        out.cell(on_time).cell(late).cell(expected - on_time - late);
        out.percent(on_time, expected);
        out.percent(on_time + late, expected);
        out.end_row();
        ++rows;
    }

    // One row per unit of the chosen level: the on-time rate month by month (counted months).
    SQLite::Statement units(db.handle(), with_tree(kUnitsAtLevel));
    bind_scope(units, r);
    units.bind(":level", r.level);
    while (units.executeStep()) {
        const core::UnitId unit_id = units.getColumn(0).getInt64();
        out.cell(labels.value("row", "unit"));
        levels.cells(text(units, 1), out);
        out.cell(text(units, 2)).cell("").cell("");
        for (const auto& m : months) {
            if (!is_counted(m)) {
                out.cell("");
                continue;
            }
            const ComplianceCounts c = compliance_counts(db, unit_id, MonthRange{m, m});
            out.percent(c.on_time, c.expected);
        }
        const ComplianceCounts total =
            counted ? compliance_counts(db, unit_id, *counted) : ComplianceCounts{};
        out.cell(total.on_time).cell(total.late).cell(total.missing());
        out.percent(total.on_time, total.expected);
        out.percent(total.submitted, total.expected);
        out.end_row();
        ++rows;
    }
    return rows;
}

std::size_t write_rollup_export(Database& db, const core::Form& form, const ExportRequest& r,
                                const ExportLabels& labels, RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    Items items;
    for (const FormItem* item : form.enabled_items())
        if (item->type == core::ItemType::kCount) items.push_back(item);
    const std::vector<bool> targeted = targeted_items(db, items, TargetOwner::kUnit);
    // The quarter's open month is not "missing" yet: the roll-up counts the closed months (the
    // same range the quarterly chat message counts), or month to date when asked; its period
    // columns say which months it counted.
    const auto counted = counted_months(db, MonthRange{r.from, r.to}, r.now, r.month_to_date);

    levels.header(labels, out);
    header_cells({"unit_code", "period_from", "period_to", "teams", "expected", "submitted",
                  "on_time", "late", "missing", "submitted_rate", "on_time_rate"},
                 labels, out);
    for (std::size_t i = 0; i < items.size(); ++i)
        item_header_cells(*items[i], targeted[i], labels, out);
    out.end_row();

    SQLite::Statement units(db.handle(), with_tree(kUnitsAtLevel));
    TargetReader targets(db, TargetOwner::kUnit);
    bind_scope(units, r);
    units.bind(":level", r.level);
    std::size_t rows = 0;
    while (units.executeStep()) {
        const core::UnitId unit_id = units.getColumn(0).getInt64();
        const ComplianceCounts c =
            counted ? compliance_counts(db, unit_id, *counted) : ComplianceCounts{};
        std::vector<std::optional<std::int64_t>> totals(items.size());
        std::vector<std::optional<std::int64_t>> goals(items.size());
        if (counted) {
            for (const auto& [code, sum] :
                 subtree_item_sums(db, unit_id, counted->from, counted->to))
                for (std::size_t i = 0; i < items.size(); ++i)
                    if (items[i]->code == code) totals[i] = sum;
            goals = targets.read(unit_id, counted->from, counted->to, items);
        }

        levels.cells(text(units, 1), out);
        out.cell(text(units, 2));
        out.cell(counted ? counted->from.str() : r.from.str());
        out.cell(counted ? counted->to.str() : "");
        out.cell(c.teams).cell(c.expected).cell(c.submitted).cell(c.on_time).cell(c.late);
        out.cell(c.missing());
        out.percent(c.submitted, c.expected).percent(c.on_time, c.expected);
        for (std::size_t i = 0; i < items.size(); ++i) {
            out.number(totals[i]);
            if (targeted[i]) {
                out.number(goals[i]);
                out.percent(totals[i], goals[i]);
            }
        }
        out.end_row();
        ++rows;
    }
    return rows;
}

std::size_t write_difficulties_export(Database& db, const core::Form& form, const ExportRequest& r,
                                      const ExportLabels& labels, RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    levels.header(labels, out);
    header_cells({"unit_code", "team_code", "team_name", "period", "category", "source", "text",
                  "created_at"},
                 labels, out);
    out.end_row();

    // Every team, active or not: a difficulty stays on record after its team is dissolved.
    SQLite::Statement q(db.handle(), with_tree(R"sql(
SELECT tr.path, un.code, t.code, t.name, d.period, d.category, d.source, d.text, d.created_at
FROM difficulties d
JOIN teams t ON t.id = d.team_id
JOIN tree tr ON tr.id = t.unit_id AND tr.in_scope
JOIN units un ON un.id = t.unit_id
WHERE d.period BETWEEN :from AND :to
ORDER BY d.period, tr.sort_key, t.code, d.created_at, d.id
)sql"));
    bind_scope(q, r);
    q.bind(":from", r.from.str());
    q.bind(":to", r.to.str());
    std::size_t rows = 0;
    while (q.executeStep()) {
        levels.cells(text(q, 0), out);
        out.cell(text(q, 1)).cell(text(q, 2)).cell(text(q, 3)).cell(text(q, 4));
        out.cell(category_label(form, text(q, 5), labels));
        out.cell(labels.value("source", text(q, 6)));
        out.cell(text(q, 7)).instant(integer(q, 8));
        out.end_row();
        ++rows;
    }
    return rows;
}

std::size_t write_roster_export(Database& db, const ExportRequest& r, const ExportLabels& labels,
                                RowSink& out) {
    ReadSnapshot snapshot(db);
    const LevelColumns levels(db);
    levels.header(labels, out);
    header_cells({"unit_code", "team_code", "team_name", "role", "title", "full_name", "phone",
                  "occupation", "linked", "channels", "invite_code", "invite_expires_at"},
                 labels, out);
    out.end_row();

    // One row per role; a team role sits at its team's unit, an official's at their unit.
    SQLite::Statement q(db.handle(), with_tree(R"sql(
SELECT tr.path, un.code, t.code, t.name, r.role, r.title, p.full_name, p.phone, p.occupation,
       (SELECT group_concat(channel, ' ') FROM
           (SELECT DISTINCT channel FROM chat_accounts ca WHERE ca.person_id = p.id
            ORDER BY channel)),
       (SELECT code FROM invite_codes i WHERE i.person_id = p.id AND i.used_at IS NULL
            AND i.expires_at > :now ORDER BY i.created_at DESC, i.code LIMIT 1),
       (SELECT expires_at FROM invite_codes i WHERE i.person_id = p.id AND i.used_at IS NULL
            AND i.expires_at > :now ORDER BY i.created_at DESC, i.code LIMIT 1)
FROM roles r
JOIN people p ON p.id = r.person_id
LEFT JOIN teams t ON t.id = r.team_id
JOIN units un ON un.id = coalesce(r.unit_id, t.unit_id)
JOIN tree tr ON tr.id = un.id AND tr.in_scope
ORDER BY tr.sort_key, ifnull(t.code, ''),
         CASE r.role WHEN 'official' THEN 0 WHEN 'leader' THEN 1 WHEN 'deputy' THEN 2 ELSE 3 END,
         p.full_name, p.phone
)sql"));
    bind_scope(q, r);
    q.bind(":now", static_cast<std::int64_t>(core::to_unix(r.now)));
    std::size_t rows = 0;
    while (q.executeStep()) {
        const std::string channels = text(q, 9);
        const bool linked = !channels.empty();
        levels.cells(text(q, 0), out);
        out.cell(text(q, 1)).cell(text(q, 2)).cell(text(q, 3));
        out.cell(labels.value("role", text(q, 4))).cell(text(q, 5));
        out.cell(text(q, 6)).cell(core::national_phone(text(q, 7))).cell(text(q, 8));
        out.cell(labels.value("bool", linked ? "yes" : "no")).cell(channels);
        out.cell(linked ? std::string() : text(q, 10));
        out.instant(linked ? std::nullopt : integer(q, 11));
        out.end_row();
        ++rows;
    }
    return rows;
}

}  // namespace tcns::storage
