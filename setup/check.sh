#!/usr/bin/env bash
# Check the deployment files of setup/ with the tools that will read them (CI runs this; Debian packages
# systemd and nginx): `systemd-analyze verify` on the units and timers, `nginx -t` on the site inside a
# minimal nginx.conf with a throw-away self-signed certificate in place of certbot's; and a build
# (setup/build.mjs into a temporary folder) holding every file the units' ExecStart lines and the
# Dockerfile's CMD run. Exit 0 when all pass.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0

if command -v systemd-analyze >/dev/null 2>&1; then
  # The units name /opt/artisan-nd and the user `artisan`: verify copies whose paths exist here.
  mkdir -p "$work/units"
  for f in "$here"/*.service "$here"/*.timer; do
    sed -e "s#/opt/artisan-nd#$work/app#g" -e "s#/etc/artisan-nd/env#$work/env#g" -e '/^User=/d' -e '/^Group=/d' "$f" > "$work/units/$(basename "$f")"
  done
  mkdir -p "$work/app/db" "$work/app/files" "$work/app/logs" "$work/app/subscription" && touch "$work/env"
  out=$(systemd-analyze verify "$work"/units/*.service "$work"/units/*.timer 2>&1) || true
  # Any message naming one of our files is a problem (a bad value is only a warning to systemd: still a bug here);
  # messages about the host itself (no systemd running in a container) are not about our files.
  real=$(printf '%s\n' "$out" | grep -F "$work/units" || true)
  if [ -n "$real" ]; then printf '%s\n' "$real"; fail=1; else echo "systemd-analyze verify: ok ($(ls "$work"/units | wc -l) files)"; fi
else
  echo "systemd-analyze missing: install the systemd package"; fail=1
fi

# The scripts the units and the image run: dist/… from a fresh build, anything else from the repository.
root="$(dirname "$here")"
if node "$root/setup/build.mjs" --out "$work/build/dist" 2>"$work/build.log"; then
  scripts=$(grep -hE '^ExecStart(Pre)?=' "$here"/*.service | awk '{print $2}')
  scripts="$scripts $(sed -nE 's/^CMD \["node", "([^"]+)".*/\1/p' "$here/Dockerfile")"
  missing=""
  for s in $scripts; do
    case "$s" in
      dist/*) [ -f "$work/build/$s" ] || missing="$missing $s" ;;
      *) [ -f "$root/$s" ] || missing="$missing $s" ;;
    esac
  done
  if [ -n "$missing" ]; then echo "files the units or the Dockerfile run, missing from the build:$missing"; fail=1
  else echo "built files the units and the Dockerfile run: ok ($(echo $scripts | wc -w) files)"; fi
else
  cat "$work/build.log"; echo "setup/build.mjs failed"; fail=1
fi

if command -v nginx >/dev/null 2>&1; then
  mkdir -p "$work/nginx/logs" "$work/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=portal.example.com" \
    -keyout "$work/certs/privkey.pem" -out "$work/certs/fullchain.pem" >/dev/null 2>&1
  sed -e "s#/etc/letsencrypt/live/portal.example.com#$work/certs#g" "$here/nginx/artisan-nd.conf" > "$work/nginx/site.conf"
  cat > "$work/nginx/nginx.conf" <<CONF
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events {}
http {
  access_log $work/nginx/logs/access.log;
  include $work/nginx/site.conf;
}
CONF
  if nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf"; then echo "nginx -t: ok"; else fail=1; fi
else
  echo "nginx missing: install the nginx package"; fail=1
fi
exit $fail
