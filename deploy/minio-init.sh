#!/bin/sh
# Run once at start by compose.yaml (service minio-init, image minio/mc):
# the bucket, a policy allowing only what the app does in it
# (minio-app-policy.json) and the app's own user with that policy. The app
# never gets the root user. Safe to run again: each step keeps what exists.
set -eu
: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${MINIO_APP_USER:?}" "${MINIO_APP_PASSWORD:?}"
bucket=${MINIO_BUCKET:-kompeten}
policy=kompeten-app

mc alias set local "${MINIO_URL:-http://minio:9000}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$bucket"
# "create" replaces a policy of the same name, so a changed file applies.
mc admin policy create local "$policy" /deploy/minio-app-policy.json
mc admin user add local "$MINIO_APP_USER" "$MINIO_APP_PASSWORD"
if ! mc admin user info local "$MINIO_APP_USER" | grep -q "$policy"; then
	mc admin policy attach local "$policy" --user "$MINIO_APP_USER"
fi
echo "minio-init: bucket $bucket, user $MINIO_APP_USER with policy $policy"
