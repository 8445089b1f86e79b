#!/bin/sh
# Run once at start by compose.yaml (service meili-init): with the master
# key, it makes the two keys the app uses and writes the app's
# KOMPETEN_SEARCH URL with them to $OUT, which only the app reads. The app
# never gets the master key.
#
#   writer: what the driver (search/meili) does to its index: read the
#           server version, get and create the index, update its settings,
#           add and delete documents, follow their tasks.
#   search: searches only; it is the only key on the request path.
#
# Both are limited to the app's indexes (kompeten_courses_v1, _v2, …).
# A key's value follows from its uid and the master key, so running again
# finds the same keys. Their rights are fixed when made: to change them,
# give the key a new uid here (and delete the old key).
set -eu
: "${MEILI_MASTER_KEY:?}"
api=${MEILI_URL:-http://meili:7700}
out=${OUT:-/run/kompeten/search.url}
indexes='["kompeten_courses_*"]'
writer_uid=6a1f3c52-8d47-4b1e-9c2a-5e7d0b9f4a11
search_uid=0c9e7b4d-2f65-4a83-b1d0-7e3a5c8f9b22

# key UID NAME ACTIONS: makes the key unless it exists, prints its value.
key() {
	body="{\"uid\":\"$1\",\"name\":\"$2\",\"description\":\"Kompeten app ($2), made by meili-init\",\"actions\":$3,\"indexes\":$indexes,\"expiresAt\":null}"
	code=$(curl -sS -o /tmp/meili-key.json -w '%{http_code}' -X POST "$api/keys" \
		-H "Authorization: Bearer $MEILI_MASTER_KEY" -H 'Content-Type: application/json' --data "$body")
	case $code in
	201 | 409) ;; # made, or made before
	*)
		echo "meili-init: POST /keys ($2): HTTP $code: $(cat /tmp/meili-key.json)" >&2
		exit 1
		;;
	esac
	value=$(curl -fsS "$api/keys/$1" -H "Authorization: Bearer $MEILI_MASTER_KEY" |
		sed -n 's/.*"key" *: *"\([0-9a-f]*\)".*/\1/p')
	if [ -z "$value" ]; then
		echo "meili-init: GET /keys/$1 gave no key" >&2
		exit 1
	fi
	echo "$value"
}

writer=$(key "$writer_uid" kompeten-app-writer \
	'["version","indexes.get","indexes.create","settings.update","documents.add","documents.delete","tasks.get"]')
search=$(key "$search_uid" kompeten-app-search '["search"]')

umask 077
printf 'meilisearch://%s?key=%s&search_key=%s\n' "${MEILI_HOSTPORT:-meili:7700}" "$writer" "$search" >"$out.tmp"
if [ -n "${OUT_OWNER:-}" ]; then
	chown "$OUT_OWNER" "$out.tmp"
fi
mv "$out.tmp" "$out"
echo "meili-init: keys kompeten-app-writer and kompeten-app-search written to $out"
