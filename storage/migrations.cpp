#include "storage/migrations.hpp"

namespace tcns::storage {

// Instants are INTEGER Unix seconds (UTC). Dates are TEXT "YYYY-MM-DD". Periods are TEXT
// "YYYY-MM" (months) or "YYYY" (a whole year, for targets).
const std::vector<Migration>& migrations() {
    static const std::vector<Migration> kAll = {
        {1, "org roster, chat accounts, invites, periods", R"sql(
CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL DEFAULT '',
    level         TEXT NOT NULL,
    parent_id     INTEGER REFERENCES units(id),
    valid_from    TEXT,
    valid_to      TEXT,
    successor_id  INTEGER REFERENCES units(id),
    generated     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE teams (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    name           TEXT NOT NULL,
    decision_no    TEXT,
    decision_date  TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    generated      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX teams_unit ON teams(unit_id);

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    phone       TEXT NOT NULL UNIQUE,
    full_name   TEXT NOT NULL,
    occupation  TEXT NOT NULL DEFAULT '',
    generated   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE roles (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('leader', 'deputy', 'member', 'official')),
    team_id    INTEGER REFERENCES teams(id),
    unit_id    INTEGER REFERENCES units(id),
    title      TEXT NOT NULL DEFAULT '',
    CHECK ((role = 'official' AND unit_id IS NOT NULL AND team_id IS NULL) OR
           (role <> 'official' AND team_id IS NOT NULL AND unit_id IS NULL))
);
CREATE UNIQUE INDEX roles_key ON roles(person_id, role, ifnull(team_id, 0), ifnull(unit_id, 0));
CREATE INDEX roles_team ON roles(team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX roles_one_leader ON roles(team_id) WHERE role = 'leader';
CREATE INDEX roles_unit ON roles(unit_id) WHERE unit_id IS NOT NULL;

CREATE TABLE chat_accounts (
    id                  INTEGER PRIMARY KEY,
    channel             TEXT NOT NULL,
    platform_user_id    TEXT NOT NULL,
    person_id           INTEGER REFERENCES people(id),
    display_name        TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    linked_at           INTEGER,
    last_inbound_at     INTEGER,
    subscribed          INTEGER NOT NULL DEFAULT 1,
    unreachable_reason  TEXT,
    unreachable_at      INTEGER,
    UNIQUE (channel, platform_user_id)
);
CREATE INDEX chat_accounts_person ON chat_accounts(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE invite_codes (
    code                 TEXT PRIMARY KEY,
    person_id            INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at           INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,
    used_at              INTEGER,
    used_by_account_id   INTEGER REFERENCES chat_accounts(id)
);
CREATE INDEX invite_codes_person ON invite_codes(person_id);

CREATE TABLE period_deadlines (
    period       TEXT PRIMARY KEY,
    deadline_at  INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
)sql"},
        {2, "conversations, reports, difficulties, targets", R"sql(
CREATE TABLE conversations (
    account_id  INTEGER PRIMARY KEY REFERENCES chat_accounts(id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES teams(id),
    period        TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    form_id       TEXT NOT NULL,
    form_version  INTEGER NOT NULL,
    submitted_at  INTEGER NOT NULL,
    submitted_by  INTEGER REFERENCES people(id),
    account_id    INTEGER REFERENCES chat_accounts(id),
    late          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (team_id, period, revision)
);
CREATE INDEX reports_period ON reports(period);

CREATE TABLE report_values (
    report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    item_code   TEXT NOT NULL,
    value_int   INTEGER,
    value_text  TEXT,
    choice      TEXT,
    PRIMARY KEY (report_id, item_code)
) WITHOUT ROWID;

-- One row per (team, period) that has a submitted report: the head revision and whether the
-- first submission was on time. Maintained with every submission so that roll-ups, exports and
-- the scheduler never scan revisions.
CREATE TABLE report_status (
    team_id             INTEGER NOT NULL REFERENCES teams(id),
    period              TEXT NOT NULL,
    first_submitted_at  INTEGER NOT NULL,
    last_submitted_at   INTEGER NOT NULL,
    latest_report_id    INTEGER NOT NULL REFERENCES reports(id),
    revision            INTEGER NOT NULL,
    late                INTEGER NOT NULL,
    PRIMARY KEY (team_id, period)
) WITHOUT ROWID;
CREATE INDEX report_status_period ON report_status(period);

CREATE TABLE difficulties (
    id           INTEGER PRIMARY KEY,
    team_id      INTEGER NOT NULL REFERENCES teams(id),
    period       TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('form', 'chat')),
    report_id    INTEGER REFERENCES reports(id),
    person_id    INTEGER REFERENCES people(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX difficulties_period ON difficulties(period, team_id);

CREATE TABLE targets (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER REFERENCES units(id),
    team_id    INTEGER REFERENCES teams(id),
    item_code  TEXT NOT NULL,
    period     TEXT NOT NULL,
    value      INTEGER NOT NULL CHECK (value >= 0),
    CHECK ((unit_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX targets_key
    ON targets(ifnull(unit_id, 0), ifnull(team_id, 0), item_code, period);
)sql"},
        {3, "inbox, outbox, receipts, tokens", R"sql(
CREATE TABLE inbox (
    channel      TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    account_id   INTEGER REFERENCES chat_accounts(id),
    kind         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, event_id)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id                    INTEGER PRIMARY KEY,
    idem_key              TEXT UNIQUE,
    channel               TEXT NOT NULL,
    account_id            INTEGER REFERENCES chat_accounts(id),
    recipient             TEXT NOT NULL,
    kind                  TEXT NOT NULL DEFAULT 'reply',
    payload               TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'sent', 'dead', 'unreachable', 'skipped')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    sent_at               INTEGER,
    platform_message_id   TEXT,
    error                 TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

CREATE TABLE delivery_events (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX delivery_events_message ON delivery_events(channel, message_id);

CREATE TABLE zalo_tokens (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    access_token        TEXT NOT NULL,
    refresh_token       TEXT NOT NULL,
    access_expires_at   INTEGER NOT NULL,
    refresh_expires_at  INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
)sql"},
        {4, "outbox order per recipient", R"sql(
CREATE INDEX outbox_pending_recipient ON outbox(channel, recipient, id) WHERE status = 'pending';
)sql"},
        // SQLite evaluates `status IN (five values)` by building a temporary b-tree on every
        // insert and update: a fifth of the writer's time per webhook. The same rule written
        // with OR costs nothing. A CHECK cannot be altered, so the table is rebuilt (SQLite's
        // documented procedure, inside the migration's transaction; nothing references it).
        {5, "outbox status check without a temporary b-tree", R"sql(
CREATE TABLE outbox_new (
    id                    INTEGER PRIMARY KEY,
    idem_key              TEXT UNIQUE,
    channel               TEXT NOT NULL,
    account_id            INTEGER REFERENCES chat_accounts(id),
    recipient             TEXT NOT NULL,
    kind                  TEXT NOT NULL DEFAULT 'reply',
    payload               TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status = 'pending' OR status = 'sent' OR status = 'dead' OR
                                 status = 'unreachable' OR status = 'skipped'),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    sent_at               INTEGER,
    platform_message_id   TEXT,
    error                 TEXT
);
INSERT INTO outbox_new SELECT id, idem_key, channel, account_id, recipient, kind, payload, status,
    attempts, next_attempt_at, created_at, updated_at, sent_at, platform_message_id, error
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_pending_recipient ON outbox(channel, recipient, id) WHERE status = 'pending';
)sql"},
        // targets_key is on ifnull(...) expressions, which `team_id = ?` cannot use: every
        // conversation step and every team of an export scanned the whole targets table.
        {6, "targets by team and by unit", R"sql(
CREATE INDEX targets_team ON targets(team_id, period) WHERE team_id IS NOT NULL;
CREATE INDEX targets_unit ON targets(unit_id, period) WHERE unit_id IS NOT NULL;
)sql"},
        // The dispatcher asks for the oldest sendable rows of a channel (ORDER BY id LIMIT n):
        // without an index in that order SQLite sorted the whole backlog on every call (85 ms
        // with 95,000 replies pending, a month-end backlog). With it the walk stops after n.
        {7, "pending outbox rows of a channel in order", R"sql(
CREATE INDEX outbox_pending_order ON outbox(channel, id) WHERE status = 'pending';
)sql"},
        // Issues 14 and 18. Two lanes (0: replies to a person who wrote, 1: bulk), bulk rows
        // taken round-robin by unit (fair_key, fair_round), what makes a bulk row true
        // (validity, JSON, checked at send time), and two final states: 'stale' (false by the
        // time it could be sent) and 'dropped' (by an operator). The CHECK cannot be altered:
        // the table is rebuilt as in migration 5. no_answer_attempts counts sends that got no
        // HTTP answer (they may have been delivered): after one, a row is resent at most once,
        // then 'uncertain' (final, for an operator) rather than repeated.
        {8, "outbox lanes, validity, stale and dropped rows", R"sql(
CREATE TABLE outbox_new (
    id                    INTEGER PRIMARY KEY,
    idem_key              TEXT UNIQUE,
    channel               TEXT NOT NULL,
    account_id            INTEGER REFERENCES chat_accounts(id),
    recipient             TEXT NOT NULL,
    kind                  TEXT NOT NULL DEFAULT 'reply',
    payload               TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status = 'pending' OR status = 'sent' OR status = 'dead' OR
                                 status = 'unreachable' OR status = 'skipped' OR
                                 status = 'stale' OR status = 'dropped' OR
                                 status = 'uncertain'),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    sent_at               INTEGER,
    platform_message_id   TEXT,
    error                 TEXT,
    lane                  INTEGER NOT NULL DEFAULT 0,
    fair_key              TEXT NOT NULL DEFAULT '',
    fair_round            INTEGER NOT NULL DEFAULT 0,
    validity              TEXT,
    no_answer_attempts    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new SELECT id, idem_key, channel, account_id, recipient, kind, payload, status,
    attempts, next_attempt_at, created_at, updated_at, sent_at, platform_message_id, error,
    CASE WHEN kind = 'reply' THEN 0 ELSE 1 END, '', 0, NULL, 0
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_pending_recipient ON outbox(channel, recipient, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_order ON outbox(channel, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_lane ON outbox(channel, lane, fair_round, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_fair ON outbox(channel, fair_key, fair_round)
    WHERE status = 'pending' AND lane = 1;
CREATE INDEX outbox_letters ON outbox(updated_at)
    WHERE status = 'dead' OR status = 'unreachable' OR status = 'uncertain';
)sql"},
        // A draft belongs to the team and period, shared by the leader and the deputies; each
        // person's conversation only points at it. base_revision is the report revision it
        // began from: a submission checks it, so a draft begun before another submission
        // never silently replaces it. answers is JSON by item code, with who gave each.
        {9, "drafts shared by a team's filers", R"sql(
CREATE TABLE drafts (
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    period         TEXT NOT NULL,
    base_revision  INTEGER NOT NULL DEFAULT 0,
    form_version   INTEGER NOT NULL,
    answers        TEXT NOT NULL,
    updated_by     INTEGER REFERENCES people(id),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (team_id, period)
) WITHOUT ROWID;
ALTER TABLE report_values ADD COLUMN answered_by INTEGER REFERENCES people(id);
)sql"},
        // On time at first, revised after the deadline: timeliness stays the first
        // submission's, but "zeros on time, real numbers late" must be visible.
        {10, "revisions after the deadline", R"sql(
ALTER TABLE report_status ADD COLUMN revised_after_deadline INTEGER NOT NULL DEFAULT 0;
UPDATE report_status SET revised_after_deadline = 1 WHERE late = 0 AND EXISTS (
    SELECT 1 FROM reports r WHERE r.team_id = report_status.team_id
    AND r.period = report_status.period AND r.revision > 1 AND r.late = 1);
)sql"},
        // GET /readyz commits one row here: only a committed write proves that webhooks can be
        // stored (a full or read-only disk lets a rolled-back write pass).
        {11, "readiness probe", R"sql(
CREATE TABLE health_probe (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  INTEGER NOT NULL
);
)sql"},
        // A team is expected to report only for months in which it existed: from its decision
        // date, else from the day it was first imported. Teams imported before this migration
        // get the day their people's invite codes were issued (the import that created them);
        // without any, no date is known and every month counts, as before. The view is the one
        // definition every count of "expected" and "missing" reads (storage/compliance.hpp).
        {12, "the month each team starts being expected to report", R"sql(
ALTER TABLE teams ADD COLUMN imported_on TEXT;
UPDATE teams SET imported_on = (
    SELECT date(min(i.created_at), 'unixepoch', '+7 hours')
    FROM invite_codes i JOIN roles r ON r.person_id = i.person_id
    WHERE r.team_id = teams.id);
CREATE VIEW team_first_month AS
SELECT t.id AS team_id, t.unit_id AS unit_id,
       CASE WHEN coalesce(t.decision_date, t.imported_on) IS NULL THEN NULL
            ELSE min(substr(coalesce(t.decision_date, t.imported_on), 1, 7),
                     ifnull((SELECT min(rs.period) FROM report_status rs WHERE rs.team_id = t.id),
                            '9999-12'))
       END AS first_month
FROM teams t WHERE t.active = 1;
)sql"},
        // Web access for officials (issue 16): one-time sign-in links asked for in chat, the
        // sessions they open (scoped to the official's unit subtree) and an audit log. Only
        // SHA-256 hashes of link and session tokens are stored: a copy of the database does not
        // let anyone sign in. Numbered 15 to leave room for other branches' migrations.
        {13, "web sign-in links, sessions, audit log", R"sql(
CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX web_links_expiry ON web_links(expires_at);
CREATE TABLE web_sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    client        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_person ON web_sessions(person_id);
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    person_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    client     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
)sql"},
        // The web page's team history (issue 16) reads one team's difficulties across months;
        // difficulties_period serves the monthly exports, not that.
        // Its main indicators are those someone set a target for: one probe per item.
        {14, "difficulties by team, targets by item", R"sql(
CREATE INDEX difficulties_team ON difficulties(team_id, period);
CREATE INDEX targets_item ON targets(item_code);
)sql"},
        // Commune groups (issue 17): a group chat on a channel that allows bots in groups,
        // linked to a unit by one of its officials with a one-time group code. Group codes are
        // stored as the personal invite codes are (short, expiring, one use). Outbox rows for a
        // group carry the group's chat id as recipient and no account.
        {15, "group chats linked to units, group invite codes", R"sql(
CREATE TABLE chat_groups (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    linked_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    linked_at   INTEGER NOT NULL,
    UNIQUE (channel, chat_id)
);
CREATE INDEX chat_groups_unit ON chat_groups(unit_id);
CREATE TABLE group_invites (
    code        TEXT PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     INTEGER REFERENCES chat_groups(id) ON DELETE SET NULL
);
)sql"},
        // The writer's cost per webhook (issue 13's speed limit). Every outbox insert writes
        // each index whose WHERE it meets: a reply wrote six b-trees. outbox_pending_order
        // (channel, id) served only the dispatcher's query before the lanes (OutboxRepo::due,
        // unused since: the dispatcher reads due_lane through outbox_pending_lane, its NOT
        // EXISTS through outbox_pending_recipient; EXPLAIN QUERY PLAN shows no other reader):
        // one b-tree insert less per queued message. A reply also moves the person's pending
        // bulk rows into the reply lane: that UPDATE walked all of the person's pending rows
        // (a month-end backlog: every reply not yet sent) to find the rare bulk one; now it
        // reads outbox_pending_bulk, which holds only pending bulk rows and costs a reply
        // nothing to keep (its WHERE excludes lane 0).
        {16, "outbox: one index fewer per reply, the person's bulk rows found directly", R"sql(
DROP INDEX outbox_pending_order;
CREATE INDEX outbox_pending_bulk ON outbox(channel, recipient, id)
    WHERE status = 'pending' AND lane = 1;
)sql"},
        // The writer's cost per webhook (issue 15). idem_key was a UNIQUE column, and SQLite
        // keeps an entry in that index for every row, NULL keys included: a reply, which has no
        // idem_key, still wrote it (about 4,700 of the writer's 163,000 instructions a webhook,
        // callgrind on bench_engine). A partial unique index holds only the rows that have a key,
        // and the uniqueness of those is unchanged. A column constraint cannot be dropped: the
        // table is rebuilt as in migration 8 (rows, ids and the other indexes as they were).
        {17, "outbox: replies without an idempotency key write no index entry for it", R"sql(
CREATE TABLE outbox_new (
    id                    INTEGER PRIMARY KEY,
    idem_key              TEXT,
    channel               TEXT NOT NULL,
    account_id            INTEGER REFERENCES chat_accounts(id),
    recipient             TEXT NOT NULL,
    kind                  TEXT NOT NULL DEFAULT 'reply',
    payload               TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status = 'pending' OR status = 'sent' OR status = 'dead' OR
                                 status = 'unreachable' OR status = 'skipped' OR
                                 status = 'stale' OR status = 'dropped' OR
                                 status = 'uncertain'),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    sent_at               INTEGER,
    platform_message_id   TEXT,
    error                 TEXT,
    lane                  INTEGER NOT NULL DEFAULT 0,
    fair_key              TEXT NOT NULL DEFAULT '',
    fair_round            INTEGER NOT NULL DEFAULT 0,
    validity              TEXT,
    no_answer_attempts    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new SELECT id, idem_key, channel, account_id, recipient, kind, payload, status,
    attempts, next_attempt_at, created_at, updated_at, sent_at, platform_message_id, error, lane,
    fair_key, fair_round, validity, no_answer_attempts
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE UNIQUE INDEX outbox_idem_key ON outbox(idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_pending_recipient ON outbox(channel, recipient, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_lane ON outbox(channel, lane, fair_round, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_fair ON outbox(channel, fair_key, fair_round)
    WHERE status = 'pending' AND lane = 1;
CREATE INDEX outbox_letters ON outbox(updated_at)
    WHERE status = 'dead' OR status = 'unreachable' OR status = 'uncertain';
CREATE INDEX outbox_pending_bulk ON outbox(channel, recipient, id)
    WHERE status = 'pending' AND lane = 1;
)sql"},
    };
    return kAll;
}

}  // namespace tcns::storage
