// The webhook benchmark's Node.js peer (tests/bench/README.md): express + better-sqlite3 doing
// the same durable step as tcns for each webhook: verify the signature on the raw body, then one
// transaction inserting the inbox row (dedupe key) and an outbox row, committed in WAL mode with
// synchronous=FULL (on disk before the answer, as tcns's fdatasync), then 200.
//   node server.js PORT DB_PATH
'use strict';
const crypto = require('crypto');
const express = require('express');
const Database = require('better-sqlite3');

const port = Number(process.argv[2] || 8090);
const db = new Database(process.argv[3] || 'peer.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS inbox (channel TEXT NOT NULL, event_id TEXT NOT NULL,
           received_at INTEGER NOT NULL, PRIMARY KEY (channel, event_id));
         CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, channel TEXT NOT NULL,
           recipient TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
           created_at INTEGER NOT NULL);`);
const insertInbox = db.prepare(
    'INSERT OR IGNORE INTO inbox (channel, event_id, received_at) VALUES (?, ?, ?)');
const insertOutbox = db.prepare(
    'INSERT INTO outbox (channel, recipient, body, created_at) VALUES (?, ?, ?, ?)');
const store = db.transaction((channel, id, user, text) => {
    const now = Math.floor(Date.now() / 1000);
    if (insertInbox.run(channel, id, now).changes === 1)
        insertOutbox.run(channel, user, JSON.stringify({text: 'Đã nhận: ' + text}), now);
});

const viberToken = process.env.TCNS_VIBER_TOKEN || '';
const zaloApp = process.env.TCNS_ZALO_APP_ID || '';
const zaloKey = process.env.TCNS_ZALO_OA_SECRET || '';
const equal = (a, b) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

const app = express();
app.disable('x-powered-by');
app.use(express.raw({type: () => true, limit: '64kb'}));

app.post('/webhook/viber', (req, res) => {
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const sig = req.get('X-Viber-Content-Signature') || '';
    const want = crypto.createHmac('sha256', viberToken).update(raw).digest('hex');
    if (!equal(sig, want)) return res.status(403).json({error: 'bad signature'});
    let j;
    try { j = JSON.parse(raw.toString('utf8')); } catch (e) { return res.status(400).json({error: 'malformed'}); }
    const user = (j.sender && j.sender.id) || (j.user && j.user.id) || '';
    store('viber', String(j.message_token), user, (j.message && j.message.text) || '');
    res.status(200).json({});
});

app.post('/webhook/zalo', (req, res) => {
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    let j;
    try { j = JSON.parse(raw.toString('utf8')); } catch (e) { return res.status(400).json({error: 'malformed'}); }
    const sig = (req.get('X-ZEvent-Signature') || '').replace(/^mac=/, '');
    const want = crypto.createHash('sha256')
        .update(zaloApp).update(raw).update(String(j.timestamp || '')).update(zaloKey).digest('hex');
    if (!equal(sig, want)) return res.status(403).json({error: 'bad signature'});
    const id = (j.message && j.message.msg_id) || (j.event_name + ':' + j.timestamp);
    store('zalo', String(id), (j.sender && j.sender.id) || '', (j.message && j.message.text) || '');
    res.status(200).json({});
});

app.listen(port, '127.0.0.1');
