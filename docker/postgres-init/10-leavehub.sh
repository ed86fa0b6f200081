#!/bin/bash
# First start of the postgres container only: a separate database and role for LeaveHub's store, beside
# Airflow's metadata database (different owners, so neither can drop the other's tables).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v lh_password="$LEAVEHUB_DB_PASSWORD" <<'SQL'
CREATE ROLE leavehub LOGIN PASSWORD :'lh_password';
CREATE DATABASE leavehub OWNER leavehub;
SQL
