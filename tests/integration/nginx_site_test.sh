#!/usr/bin/env bash
# `nginx -t` on deploy/nginx/tcns.conf inside a minimal nginx.conf, with a throw-away
# self-signed certificate in place of Let's Encrypt's. Skipped (exit 77) when nginx or openssl
# is not installed: nginx is not a test dependency.
#   nginx_site_test.sh SOURCE_DIR
set -euo pipefail
SRC=$1
NGINX=$(command -v nginx || true)
[ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ] || ! command -v openssl >/dev/null 2>&1; then
    echo "nginx or openssl not installed: skipped"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcns-nginx-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tcns.example.gov.vn \
    -keyout "$TMP/privkey.pem" -out "$TMP/fullchain.pem" >/dev/null 2>&1
sed -e "s#/etc/letsencrypt/live/tcns.example.gov.vn/#$TMP/#g" \
    "$SRC/deploy/nginx/tcns.conf" >"$TMP/site.conf"
mkdir -p "$TMP/logs"
cat >"$TMP/nginx.conf" <<CONF
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log;
events {}
http {
    access_log $TMP/logs/access.log;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    include $TMP/site.conf;
}
CONF
"$NGINX" -t -p "$TMP" -c "$TMP/nginx.conf"
