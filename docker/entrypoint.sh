#!/bin/sh
# Chooses the role of this container; all roles share one image and one config.
set -eu
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web)
    exec gunicorn --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-3}" \
      --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" "$@" wsgi:app ;;
  worker)
    exec flask --app wsgi worker "$@" ;;
  scheduler)
    exec flask --app wsgi scheduler "$@" ;;
  migrate)
    exec flask --app wsgi db upgrade "$@" ;;
  flask)
    exec flask --app wsgi "$@" ;;
  *)
    echo "unknown role '$role': use web, worker, scheduler, migrate or flask" >&2
    exit 64 ;;
esac
