#!/usr/bin/env bash
# Makes sure a Postgres server runs on this machine with a role and a database for the
# storage tests, then prints `DOPPIO_TEST_POSTGRES_URI=postgres://…` on stdout (and
# nothing else there), so that a caller can `export "$(scripts/postgres.sh)"`.
# Idempotent: run it as often as you like.
#
# Installs PostgreSQL with apt-get where it is missing, creates and starts the Debian
# cluster where none runs. The role may create databases: each Postgres test makes its
# own and drops it afterwards.
#
# Override with DOPPIO_PG_USER, DOPPIO_PG_PASSWORD, DOPPIO_PG_DATABASE, DOPPIO_PG_PORT.
set -euo pipefail

user=${DOPPIO_PG_USER:-doppio}
password=${DOPPIO_PG_PASSWORD:-doppio}
database=${DOPPIO_PG_DATABASE:-doppio_test}
port=${DOPPIO_PG_PORT:-5432}

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Runs a command as root (directly, or through passwordless sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
    else die "need root (or passwordless sudo) to run: $*"
    fi
}

# Runs a command as the postgres superuser (peer authentication on the local socket).
as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"
    else as_root runuser -u postgres -- "$@"
    fi
}

if ! command -v pg_ctlcluster >/dev/null || ! command -v psql >/dev/null; then
    log "PostgreSQL is not installed: installing it with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    # The newest installed version's cluster on that port, created if there is none.
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)
    [ -n "$version" ] || die "no PostgreSQL version under /usr/lib/postgresql"
    cluster=$(pg_lsclusters -h | awk -v v="$version" -v p="$port" '$1 == v && $3 == p { print $2; exit }')
    if [ -z "$cluster" ]; then
        cluster=main
        log "creating cluster $version/$cluster on port $port"
        as_root pg_createcluster --port "$port" "$version" "$cluster" >&2
    fi
    log "starting cluster $version/$cluster"
    as_root pg_ctlcluster "$version" "$cluster" start >&2 || true
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p "$port" ||
        die "the server did not come up on 127.0.0.1:$port (see /var/log/postgresql/)"
fi

# The role (with its password, which is reset each time) and the database.
(cd / && as_postgres psql -q -X -v ON_ERROR_STOP=1 -p "$port" -d postgres \
    -v user="$user" -v password="$password" -v database="$database" >&2) <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'user')
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SQL

uri="postgres://$user:$password@127.0.0.1:$port/$database"
PGPASSWORD=$password psql -q -X -h 127.0.0.1 -p "$port" -U "$user" -d "$database" \
    -c 'SELECT 1' >/dev/null || die "cannot log in as $user over TCP with its password"
log "ready: $user@127.0.0.1:$port/$database"
echo "DOPPIO_TEST_POSTGRES_URI=$uri"
