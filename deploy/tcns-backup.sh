#!/bin/sh
# Daily backup for tcns-backup.service: `tcns backup` into $TCNS_BACKUP_DIR/tcns-YYYY-MM-DD.db
# (a consistent, integrity-checked copy even while the server runs), then deletes daily backups
# older than $TCNS_BACKUP_KEEP_DAYS days. Never deletes the copy it has just written, and
# deletes nothing when the backup fails.
set -eu

TCNS=${TCNS_BIN:-/usr/bin/tcns}
DIR=${TCNS_BACKUP_DIR:-/var/lib/tcns/backups}
KEEP_DAYS=${TCNS_BACKUP_KEEP_DAYS:-14}

case "$KEEP_DAYS" in
    '' | *[!0-9]*) echo "tcns-backup: TCNS_BACKUP_KEEP_DAYS must be a number of days" >&2; exit 2 ;;
esac

mkdir -p "$DIR"
FILE="$DIR/tcns-$(date +%Y-%m-%d).db"
"$TCNS" backup "$FILE"

# -mtime +N: last written more than N whole days ago.
find "$DIR" -maxdepth 1 -type f -name 'tcns-????-??-??.db' ! -path "$FILE" \
    -mtime +"$KEEP_DAYS" -print -delete | sed 's/^/tcns-backup: removed old backup /'
# Left-overs of an interrupted backup.
find "$DIR" -maxdepth 1 -type f -name 'tcns-????-??-??.db.tmp' ! -path "$FILE.tmp" -delete
