#include "storage/xlsx_export.hpp"

#include "storage/compliance.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace tcns::storage {

namespace {

// Excel's limits: 32,767 characters in a cell, 31 in a sheet name.
constexpr std::size_t kMaxCellBytes = 32767;
constexpr std::size_t kMaxSheetChars = 31;
// Column widths in Excel's character units: wide enough for most values, never a wall.
constexpr double kMinWidth = 6.0;
constexpr double kMaxWidth = 60.0;
// Header text wraps past this many characters, on at most kHeaderLines lines.
constexpr double kHeaderWrap = 16.0;
constexpr double kHeaderLines = 5.0;

/// Code points in the longest line of a text (what a column needs to show it unwrapped).
std::size_t display_chars(std::string_view s) {
    std::size_t longest = 0, line = 0;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            longest = std::max(longest, line);
            line = 0;
        } else if ((c & 0xC0) != 0x80) {
            ++line;
        }
    }
    return std::max(longest, line);
}

/// At most `max` bytes, cut at a code point boundary.
std::string_view cut_utf8(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

std::string sheet_name(std::string_view name) {
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < name.size();) {
        const auto c = static_cast<unsigned char>(name[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
        len = std::min(len, name.size() - i);
        if (chars == kMaxSheetChars) break;
        const std::string_view cp = name.substr(i, len);
        if (cp.size() == 1 && std::string_view("[]:*?/\\").find(cp[0]) != std::string_view::npos)
            out += '-';
        else
            out += cp;
        ++chars;
        i += len;
    }
    // An apostrophe may not begin or end a sheet name.
    if (!out.empty() && out.front() == '\'') out.front() = '-';
    if (!out.empty() && out.back() == '\'') out.back() = '-';
    return out.empty() ? std::string("Sheet") : out;
}

/// An instant as an Excel serial date in Vietnam time (UTC+7, no daylight saving): days since
/// 1899-12-30, the fraction the time of day.
double excel_serial(std::int64_t unix_seconds) {
    constexpr std::int64_t kVietnamOffset = 7 * 3600;
    return 25569.0 + static_cast<double>(unix_seconds + kVietnamOffset) / 86400.0;
}

double excel_serial(const core::Date& d) {
    return 25569.0 + static_cast<double>(core::days_from_civil(d));
}

std::string fill(std::string pattern,
                 std::initializer_list<std::pair<std::string_view, std::string>> args) {
    for (const auto& [key, value] : args) {
        const std::string token = "{" + std::string(key) + "}";
        for (auto at = pattern.find(token); at != std::string::npos;
             at = pattern.find(token, at + value.size()))
            pattern.replace(at, token.size(), value);
    }
    return pattern;
}

}  // namespace

struct XlsxSheet::Impl {
    lxw_worksheet* ws = nullptr;
    lxw_format* bold = nullptr;
    lxw_format* header = nullptr;
    lxw_format* percent = nullptr;
    lxw_format* datetime = nullptr;
    lxw_format* date = nullptr;
    XlsxSheetOptions options;
    lxw_row_t row = 0;
    lxw_col_t col = 0;
    lxw_col_t max_col = 0;  ///< columns used so far (one past the last)
    std::vector<double> widths;
    std::vector<core::ColumnInfo> columns;
    lxw_error error = LXW_NO_ERROR;
    double header_lines = 1.0;

    void note_width(double w) {
        if (widths.size() <= col) widths.resize(col + 1, 0.0);
        widths[col] = std::max(widths[col], w);
    }
    void check(lxw_error e) {
        if (e != LXW_NO_ERROR && error == LXW_NO_ERROR) error = e;
    }
    void next() {
        ++col;
        max_col = std::max(max_col, col);
    }
    bool in_header() const { return options.header_row && row == 0; }
};

XlsxSheet::XlsxSheet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XlsxSheet::~XlsxSheet() = default;

XlsxSheet& XlsxSheet::cell(std::string_view text) {
    Impl& s = *impl_;
    if (!text.empty()) {
        const std::string value(cut_utf8(text, kMaxCellBytes));
        // worksheet_write_string: always a string cell, whatever the text begins with.
        s.check(worksheet_write_string(s.ws, s.row, s.col, value.c_str(),
                                       s.in_header() ? s.header : nullptr));
        if (s.in_header()) {
            // A long header wraps (up to kHeaderLines lines) instead of widening its column;
            // it needs room for the autofilter's drop-down button too.
            const double chars = static_cast<double>(display_chars(value)) * 1.1;
            s.note_width(std::min(chars, kHeaderWrap) + 3.0);
            s.header_lines = std::max(s.header_lines, std::ceil(chars / kHeaderWrap));
        } else {
            s.note_width(static_cast<double>(display_chars(value)) + 1.0);
        }
    }
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::cell(std::int64_t value) {
    Impl& s = *impl_;
    s.check(worksheet_write_number(s.ws, s.row, s.col, static_cast<double>(value), nullptr));
    s.note_width(static_cast<double>(std::to_string(value).size()) + 2.0);
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::number(std::optional<std::int64_t> value) {
    if (value) return cell(*value);
    impl_->next();
    return *this;
}

XlsxSheet& XlsxSheet::percent(std::optional<std::int64_t> num, std::optional<std::int64_t> den) {
    Impl& s = *impl_;
    if (num && den && *den > 0) {
        s.check(worksheet_write_number(
            s.ws, s.row, s.col, static_cast<double>(*num) / static_cast<double>(*den), s.percent));
        s.note_width(8.0);
    }
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::instant(std::optional<std::int64_t> unix_seconds) {
    Impl& s = *impl_;
    if (unix_seconds) {
        s.check(
            worksheet_write_number(s.ws, s.row, s.col, excel_serial(*unix_seconds), s.datetime));
        s.note_width(20.0);
    }
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::date(const core::Date& d) {
    Impl& s = *impl_;
    s.check(worksheet_write_number(s.ws, s.row, s.col, excel_serial(d), s.date));
    s.note_width(12.0);
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::bold(std::string_view text, bool widen) {
    Impl& s = *impl_;
    if (!text.empty()) {
        const std::string value(cut_utf8(text, kMaxCellBytes));
        s.check(worksheet_write_string(s.ws, s.row, s.col, value.c_str(), s.bold));
        if (widen) s.note_width(static_cast<double>(display_chars(value)) * 1.1 + 1.0);
    }
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::overflowing(std::string_view text) {
    Impl& s = *impl_;
    if (!text.empty()) {
        const std::string value(cut_utf8(text, kMaxCellBytes));
        s.check(worksheet_write_string(s.ws, s.row, s.col, value.c_str(), nullptr));
    }
    s.next();
    return *this;
}

XlsxSheet& XlsxSheet::header(const core::ColumnInfo& column) {
    impl_->columns.push_back(column);
    return cell(column.label);
}

void XlsxSheet::end_row() {
    Impl& s = *impl_;
    if (s.in_header()) {
        for (const auto& c : s.options.trailing) header(c);
        // The header row is still in memory (constant-memory mode keeps the current row), so
        // its height can follow the longest wrapped header.
        s.check(worksheet_set_row(s.ws, 0, 15.0 * std::min(s.header_lines, kHeaderLines), nullptr));
    }
    ++s.row;
    s.col = 0;
}

const std::vector<core::ColumnInfo>& XlsxSheet::columns() const {
    return impl_->columns;
}

std::size_t XlsxSheet::rows() const {
    return impl_->row;
}

void XlsxSheet::finish() {
    Impl& s = *impl_;
    for (std::size_t c = 0; c < s.widths.size(); ++c)
        s.check(worksheet_set_column(s.ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                     std::clamp(s.widths[c], kMinWidth, kMaxWidth), nullptr));
    if (s.options.header_row && s.max_col > 0) {
        worksheet_freeze_panes(s.ws, 1, 0);
        s.check(worksheet_autofilter(s.ws, 0, 0, s.row > 0 ? s.row - 1 : 0, s.max_col - 1));
    }
}

struct XlsxWorkbook::Impl {
    lxw_workbook* wb = nullptr;
    std::string path;
    std::string tmpdir;
    std::vector<std::unique_ptr<XlsxSheet>> sheets;
    std::set<std::string> names;
    lxw_format* bold = nullptr;
    lxw_format* header = nullptr;
    lxw_format* percent = nullptr;
    lxw_format* datetime = nullptr;
    lxw_format* date = nullptr;
};

XlsxWorkbook::XlsxWorkbook(const std::string& path, const std::string& tmpdir)
    : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->tmpdir = tmpdir;
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = impl_->tmpdir.empty() ? nullptr : impl_->tmpdir.data();
    options.use_zip64 = LXW_FALSE;
    impl_->wb = workbook_new_opt(impl_->path.c_str(), &options);
    if (!impl_->wb) throw XlsxError("cannot start a workbook for " + path);
    auto* wb = impl_->wb;
    impl_->bold = workbook_add_format(wb);
    format_set_bold(impl_->bold);
    impl_->header = workbook_add_format(wb);
    format_set_bold(impl_->header);
    format_set_bg_color(impl_->header, 0xDDEBF7);
    format_set_bottom(impl_->header, LXW_BORDER_THIN);
    format_set_text_wrap(impl_->header);
    format_set_align(impl_->header, LXW_ALIGN_VERTICAL_TOP);
    impl_->percent = workbook_add_format(wb);
    format_set_num_format(impl_->percent, "0.0%");
    impl_->datetime = workbook_add_format(wb);
    format_set_num_format(impl_->datetime, "dd/mm/yyyy hh:mm:ss");
    impl_->date = workbook_add_format(wb);
    format_set_num_format(impl_->date, "dd/mm/yyyy");
    format_set_align(impl_->date, LXW_ALIGN_LEFT);  // on a cover, beside the other answers
}

XlsxWorkbook::~XlsxWorkbook() {
    if (!impl_->wb) return;
    // Never closed (an exception on the way): let the library free its memory and temporary
    // files, then remove the half-made file.
    workbook_close(impl_->wb);
    std::remove(impl_->path.c_str());
}

XlsxSheet& XlsxWorkbook::add_sheet(std::string_view name, XlsxSheetOptions options) {
    // Sheet names are unique regardless of (ASCII) case; a duplicate becomes "Báo cáo (2)".
    const auto folded = [](std::string s) {
        for (char& c : s)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return s;
    };
    std::string unique = sheet_name(name);
    for (int n = 2; impl_->names.count(folded(unique)) && n < 100; ++n)
        unique = sheet_name(fmt::format("{} ({})", name.substr(0, 24), n));
    impl_->names.insert(folded(unique));
    lxw_worksheet* ws = workbook_add_worksheet(impl_->wb, unique.c_str());
    if (!ws) throw XlsxError(fmt::format("cannot add the sheet '{}'", name));
    auto s = std::make_unique<XlsxSheet::Impl>();
    s->ws = ws;
    s->bold = impl_->bold;
    s->header = impl_->header;
    s->percent = impl_->percent;
    s->datetime = impl_->datetime;
    s->date = impl_->date;
    // Printed, a sheet fits the width of an A4 page; a data sheet is landscape and repeats its
    // header on every page.
    worksheet_set_paper(ws, 9);
    worksheet_fit_to_pages(ws, 1, 0);
    if (options.header_row) {
        worksheet_set_landscape(ws);
        worksheet_repeat_rows(ws, 0, 0);
    }
    s->options = std::move(options);
    impl_->sheets.push_back(std::make_unique<XlsxSheet>(std::move(s)));
    return *impl_->sheets.back();
}

void XlsxWorkbook::close() {
    lxw_error first = LXW_NO_ERROR;
    for (auto& sheet : impl_->sheets) {
        sheet->finish();
        if (first == LXW_NO_ERROR) first = sheet->impl_->error;
    }
    const lxw_error e = workbook_close(impl_->wb);
    impl_->wb = nullptr;
    if (first != LXW_NO_ERROR || e != LXW_NO_ERROR) {
        std::remove(impl_->path.c_str());
        throw XlsxError(fmt::format("cannot write {}: {}", impl_->path,
                                    lxw_strerror(first != LXW_NO_ERROR ? first : e)));
    }
}

void write_column_explanations(XlsxSheet& sheet, const std::vector<core::ColumnInfo>& columns,
                               const ExportLabels& labels) {
    for (const char* key : {"explain_column", "explain_code", "explain_meaning", "explain_unit"})
        sheet.header({key, labels.value("wb", key), "", ""});
    sheet.end_row();
    std::vector<std::string> seen;
    for (const auto& c : columns) {
        if (std::find(seen.begin(), seen.end(), c.code) != seen.end()) continue;
        seen.push_back(c.code);
        sheet.cell(c.label).cell(c.code).cell(c.meaning).cell(c.unit);
        sheet.end_row();
    }
}

core::Expected<std::size_t, ExportError> write_xlsx_export(
    Database& db, ExportKind kind, const core::Form& form, const ExportRequest& request,
    const ExportLabels& labels, const std::string& path, const std::string& tmpdir) {
    if (const auto e = check_export_request(db, kind, request)) return core::unexpected(*e);
    XlsxWorkbook book(path, tmpdir);
    XlsxSheet& data = book.add_sheet(labels.value("sheet", export_kind_name(kind)));
    const auto rows = write_export(db, kind, form, request, labels, data);
    if (!rows) return rows;
    write_column_explanations(book.add_sheet(labels.value("sheet", "explain")), data.columns(),
                              labels);
    book.close();
    return rows;
}

std::optional<std::pair<core::MonthPeriod, core::MonthPeriod>> quarterly_report_months(
    Database& db, const core::QuarterPeriod& quarter, bool month_to_date, core::Instant now) {
    const auto counted = counted_months(db, MonthRange{quarter.first_month(), quarter.last_month()},
                                        now, month_to_date);
    if (!counted) return std::nullopt;
    return std::make_pair(counted->from, counted->to);
}

namespace {

std::string month_text(const core::MonthPeriod& m) {
    return fmt::format("{:02}/{:04}", m.month, m.year);
}

std::string date_text(const core::Date& d) {
    return fmt::format("{:02}/{:02}/{:04}", d.day, d.month, d.year);
}

/// The reporting unit's name, or the label for the whole tree.
std::string unit_title(Database& db, const std::optional<std::string>& code,
                       const ExportLabels& labels) {
    if (!code) return labels.value("wb", "all_units");
    SQLite::Statement q(db.handle(), "SELECT name, level FROM units WHERE code = ?");
    q.bind(1, *code);
    if (!q.executeStep()) return *code;
    return fmt::format("{} {} ({})", labels.level(q.getColumn(1).getString()),
                       q.getColumn(0).getString(), *code);
}

/// The proposals of the quarter: the answers to the form's free-text items that are not
/// difficulties (a difficulty item has categories and is in the difficulties sheet already),
/// from the latest revision of each report, with their teams.
void write_proposals(Database& db, const core::Form& form, const ExportRequest& r,
                     const ExportLabels& labels, core::RowSink& out) {
    std::vector<const core::FormItem*> items;
    for (const core::FormItem* item : form.enabled_items())
        if (item->type == core::ItemType::kText && item->choices.empty()) items.push_back(item);
    for (const char* code :
         {"unit_code", "unit_name", "team_code", "team_name", "period", "item_label", "text"})
        out.header({code, labels.column(code), labels.description(code), labels.unit(code)});
    out.end_row();
    SQLite::Statement q(db.handle(), R"sql(
WITH RECURSIVE sub(id, depth) AS (
    SELECT id, 0 FROM units WHERE (:unit IS NULL AND parent_id IS NULL) OR code = :unit
    UNION ALL
    SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
SELECT un.code, un.name, t.code, t.name, rs.period, rv.value_text
FROM report_status rs
JOIN teams t ON t.id = rs.team_id
JOIN units un ON un.id = t.unit_id
JOIN report_values rv ON rv.report_id = rs.latest_report_id
WHERE t.unit_id IN (SELECT id FROM sub) AND rs.period BETWEEN :from AND :to
  AND rv.item_code = :item AND ifnull(rv.value_text, '') <> ''
ORDER BY rs.period, un.code, t.code
)sql");
    for (const core::FormItem* item : items) {
        q.reset();
        if (r.unit)
            q.bind(":unit", *r.unit);
        else
            q.bind(":unit");
        q.bind(":from", r.from.str());
        q.bind(":to", r.to.str());
        q.bind(":item", item->code);
        while (q.executeStep()) {
            for (int c = 0; c < 5; ++c) out.cell(q.getColumn(c).getString());
            out.cell(item->label.empty() ? item->code : item->label);
            out.cell(q.getColumn(5).getString());
            out.end_row();
        }
    }
}

}  // namespace

core::Expected<std::size_t, ExportError> write_quarterly_report(
    Database& db, const core::Form& form, const QuarterlyReportRequest& request,
    const ExportLabels& labels, const std::string& path, const std::string& tmpdir) {
    const auto months =
        quarterly_report_months(db, request.quarter, request.month_to_date, request.now);
    if (!months) return core::unexpected(ExportError::kNoClosedMonth);
    ExportRequest r;
    r.from = months->first;
    r.to = months->second;
    r.unit = request.unit;
    r.level = request.level;
    r.now = request.now;
    r.month_to_date = request.month_to_date;
    if (const auto e = check_export_request(db, ExportKind::kRollup, r))
        return core::unexpected(*e);

    const core::QuarterPeriod& q = request.quarter;
    const std::string quarter_label =
        fill(labels.value("wb", "quarter_text"),
             {{"quarter", std::to_string(q.quarter)}, {"year", std::to_string(q.year)}});
    XlsxWorkbook book(path, tmpdir);

    // Cover: what the workbook is, for which unit and months, and when it is due.
    XlsxSheet& cover = book.add_sheet(labels.value("sheet", "cover"), {false, {}});
    cover.bold(fill(labels.value("wb", "cover_title"), {{"quarter", quarter_label}}), false);
    cover.end_row();
    cover.end_row();
    const auto line = [&](const char* key) -> XlsxSheet& {
        return cover.bold(labels.value("wb", key));
    };
    line("cover_unit").cell(unit_title(db, request.unit, labels));
    cover.end_row();
    line("cover_quarter").cell(quarter_label);
    cover.end_row();
    line("cover_date").date(core::to_vietnam(request.now).date);
    cover.end_row();
    std::string period = fill(labels.value("wb", "cover_period_text"),
                              {{"from", month_text(r.from)}, {"to", month_text(r.to)}});
    if (request.month_to_date && r.to == core::MonthPeriod::containing(request.now))
        period += " " + fill(labels.value("wb", "cover_to_date"),
                             {{"date", date_text(core::to_vietnam(request.now).date)}});
    else if (r.to < q.last_month())
        period += " " + labels.value("wb", "cover_closed_only");
    line("cover_period").cell(period);
    cover.end_row();
    const core::Date due = core::to_vietnam(core::default_quarterly_deadline(q)).date;
    line("cover_deadline")
        .cell(fill(labels.value("wb", "cover_deadline_text"), {{"date", date_text(due)}}));
    cover.end_row();
    line("cover_level").cell(labels.level(r.level));
    cover.end_row();
    cover.end_row();
    cover.overflowing(labels.value("wb", "cover_note"));
    cover.end_row();

    // The quarter per unit, with the district's own assessment left to fill in.
    XlsxSheet& summary = book.add_sheet(
        labels.value("sheet", "summary"),
        {true,
         {{"assessment", labels.column("assessment"), labels.description("assessment"), ""},
          {"note", labels.column("note"), labels.description("note"), ""}}});
    const std::size_t rows = write_rollup_export(db, form, r, labels, summary);

    for (core::MonthPeriod m = r.from; m <= r.to; m = m.next()) {
        ExportRequest month = r;
        month.from = month.to = m;
        XlsxSheet& sheet = book.add_sheet(
            fill(labels.value("sheet", "month"),
                 {{"month", std::to_string(m.month)}, {"year", std::to_string(m.year)}}));
        write_rollup_export(db, form, month, labels, sheet);
    }

    XlsxSheet& difficulties = book.add_sheet(labels.value("sheet", "difficulties"));
    write_difficulties_export(db, form, r, labels, difficulties);
    XlsxSheet& proposals = book.add_sheet(labels.value("sheet", "proposals"));
    write_proposals(db, form, r, labels, proposals);

    std::vector<core::ColumnInfo> columns = summary.columns();
    columns.insert(columns.end(), difficulties.columns().begin(), difficulties.columns().end());
    columns.insert(columns.end(), proposals.columns().begin(), proposals.columns().end());
    write_column_explanations(book.add_sheet(labels.value("sheet", "explain")), columns, labels);
    book.close();
    return rows;
}

}  // namespace tcns::storage
