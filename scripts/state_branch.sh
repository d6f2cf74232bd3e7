#!/usr/bin/env bash
# Keep link-health's SQLite state (and the published HTML report) on data branches, git only.
#
#   scripts/state_branch.sh restore         branch link-health-state → $LINKHEALTH_STATE_DB
#   scripts/state_branch.sh save            $LINKHEALTH_STATE_DB → a new commit on link-health-state
#   scripts/state_branch.sh publish-report  $LINKHEALTH_REPORT_DIR → a new commit on link-health-report
#
# Environment:
#   LINKHEALTH_STATE_DB   the state file (default state/linkhealth.sqlite); restore also writes
#                         "$LINKHEALTH_STATE_DB.base": the branch commit it came from (empty: fresh)
#   LINKHEALTH_REPORT_DIR the report directory (default reports)
#   STATE_BRANCH          default link-health-state
#   REPORT_BRANCH         default link-health-report
#   STATE_REMOTE          a remote name or URL (default origin)
#   GH_TOKEN              if set and the remote is https, sent as an HTTP header through git's
#                         environment config (never written to .git/config, never on a command line)
#
# Robustness:
#   * All work happens in a scratch bare repository: the checkout's refs, index, work tree and
#     shallowness are never touched, so this is safe to run from a developer's clone.
#   * restore tells "the branch does not exist" (start fresh) from "the remote could not be read"
#     (fail): an auth or network error must never start a fresh state that would then be saved.
#   * save and publish-report never force-push. Each builds a commit whose parent is the branch's
#     tip *at push time* and pushes it as a fast-forward; if another run pushed in between the
#     push is rejected and the whole fetch → commit → push is retried (5 tries). Nothing is
#     ever lost: a state superseded by a racing run stays in the branch's history (a warning says
#     so when the tip moved since restore).
#   * The workflow calls save only after a crawl that completed (exit 0 or 3): a failed, degraded
#     or cancelled run leaves the branch where it was, and the next run starts from the last
#     complete state.
set -euo pipefail

usage() {
  sed -n '2,6p' "$0" >&2
  exit 2
}
case "${1:-}" in
  restore | save | publish-report) ;;
  *) usage ;;
esac

DB=${LINKHEALTH_STATE_DB:-state/linkhealth.sqlite}
REPORT_DIR=${LINKHEALTH_REPORT_DIR:-reports}
STATE_BRANCH=${STATE_BRANCH:-link-health-state}
REPORT_BRANCH=${REPORT_BRANCH:-link-health-report}
REMOTE=${STATE_REMOTE:-origin}
NAME_IN_BRANCH=linkhealth.sqlite
TRIES=${STATE_PUSH_TRIES:-5}

say() { printf 'state_branch: %s\n' "$*" >&2; }
warn() {
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::warning::state_branch: %s\n' "$*" >&2
  else
    say "warning: $*"
  fi
}
die() {
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    printf '::error::state_branch: %s\n' "$*" >&2
  else
    say "error: $*"
  fi
  exit 1
}

# The remote's URL: a remote name of the checkout, or a URL / path as given.
remote_url() {
  local url
  if url=$(git remote get-url "$REMOTE" 2>/dev/null); then
    :
  else
    url=$REMOTE
  fi
  case "$url" in
    *://* | *@*:*) ;;
    /*) ;;
    *) url="$(git rev-parse --show-toplevel 2>/dev/null || pwd)/$url" ;;
  esac
  printf '%s\n' "$url"
}

# Send GH_TOKEN as an Authorization header for https remotes, the way actions/checkout does,
# through GIT_CONFIG_* environment variables (git >= 2.31): nothing on disk or on a command line.
setup_auth() {
  local url=$1 token=${GH_TOKEN:-}
  [ -n "$token" ] || return 0
  case "$url" in https://*) ;; *) return 0 ;; esac
  local origin header n
  origin=$(printf '%s\n' "$url" | sed -E 's#^(https://[^/]+/).*#\1#')
  header=$(printf 'x-access-token:%s' "$token" | base64 | tr -d '\n')
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    echo "::add-mask::$header"
  fi
  n=${GIT_CONFIG_COUNT:-0}
  export "GIT_CONFIG_KEY_$n=http.${origin}.extraheader"
  export "GIT_CONFIG_VALUE_$n=AUTHORIZATION: basic $header"
  export GIT_CONFIG_COUNT=$((n + 1))
}

SCRATCH=""
PUSHED=""
cleanup() { [ -z "$SCRATCH" ] || rm -rf "$SCRATCH"; }
trap cleanup EXIT

URL=$(remote_url)
setup_auth "$URL"
SCRATCH=$(mktemp -d)
git init --quiet --bare "$SCRATCH/repo.git"
sgit() { git --git-dir="$SCRATCH/repo.git" "$@"; }

: "${GIT_AUTHOR_NAME:=github-actions[bot]}"
: "${GIT_AUTHOR_EMAIL:=41898282+github-actions[bot]@users.noreply.github.com}"
: "${GIT_COMMITTER_NAME:=$GIT_AUTHOR_NAME}"
: "${GIT_COMMITTER_EMAIL:=$GIT_AUTHOR_EMAIL}"
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

# Fetch BRANCH's tip into the scratch repository and print its commit; print nothing if the
# branch does not exist; fail if the remote cannot be read.
fetch_tip() {
  local branch=$1 status=0
  sgit ls-remote --exit-code --heads "$URL" "refs/heads/$branch" >/dev/null || status=$?
  case "$status" in
    0) ;;
    2) return 0 ;;
    *) die "cannot read the remote (git ls-remote exit $status): not treating it as a fresh start" ;;
  esac
  sgit fetch --quiet --no-tags --depth=1 "$URL" "+refs/heads/$branch:refs/heads/$branch" ||
    die "cannot fetch $branch"
  sgit rev-parse --verify --quiet "refs/heads/$branch^{commit}"
}

# Commit the files of DIR (the whole tree of the branch) on top of BRANCH's current tip and push
# it as a fast-forward; retry from the fetch when another push got there first.
# BASE (optional) is the commit the content was derived from, for the warning.
commit_dir_to_branch() {
  local branch=$1 dir=$2 message=$3 base=${4-unknown} attempt tip tree commit
  for ((attempt = 1; attempt <= TRIES; attempt++)); do
    tip=$(fetch_tip "$branch")
    rm -f "$SCRATCH/repo.git/index"
    (cd "$dir" && sgit --work-tree=. add --all --force .)
    tree=$(sgit write-tree)
    if [ -n "$tip" ] && [ "$tree" = "$(sgit rev-parse "$tip^{tree}")" ]; then
      say "$branch already holds this content at ${tip:0:12}: nothing to push"
      PUSHED=$tip
      return 0
    fi
    if [ "$base" != "unknown" ] && [ "$tip" != "$base" ]; then
      warn "$branch moved since restore (${base:-none} -> ${tip:-none}): another run saved" \
        "in between; this run's state goes on top, the other stays in the branch history"
    fi
    if [ -n "$tip" ]; then
      commit=$(sgit commit-tree "$tree" -p "$tip" -m "$message")
    else
      commit=$(sgit commit-tree "$tree" -m "$message")
    fi
    if sgit push --quiet "$URL" "$commit:refs/heads/$branch"; then
      say "pushed ${commit:0:12} to $branch"
      PUSHED=$commit
      return 0
    fi
    say "push to $branch rejected or failed (try $attempt of $TRIES): fetching again"
    sleep $((attempt * 2))
  done
  die "could not push to $branch after $TRIES tries"
}

message() {
  printf '%s\n\n' "$1"
  printf 'run: %s\n' "${GITHUB_SERVER_URL:-}${GITHUB_REPOSITORY:+/$GITHUB_REPOSITORY/actions/runs/}${GITHUB_RUN_ID:-local}"
  printf 'source commit: %s\n' "${GITHUB_SHA:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
  printf 'date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

cmd_restore() {
  local tip
  mkdir -p "$(dirname "$DB")"
  tip=$(fetch_tip "$STATE_BRANCH")
  if [ -z "$tip" ]; then
    if [ -f "$DB" ]; then
      say "no branch $STATE_BRANCH: keeping the existing $DB (save will start the branch with it)"
    else
      say "no branch $STATE_BRANCH: starting with a fresh state"
    fi
    : >"$DB.base"
    return 0
  fi
  if ! sgit cat-file -e "$tip:$NAME_IN_BRANCH" 2>/dev/null; then
    warn "$STATE_BRANCH (${tip:0:12}) holds no $NAME_IN_BRANCH: starting with a fresh state"
    rm -f "$DB" "$DB-wal" "$DB-shm"
    printf '%s\n' "$tip" >"$DB.base"
    return 0
  fi
  if [ -f "$DB" ]; then
    say "replacing the existing $DB (kept as $DB.before-restore)"
    mv -f "$DB" "$DB.before-restore"
  fi
  rm -f "$DB-wal" "$DB-shm"
  sgit cat-file blob "$tip:$NAME_IN_BRANCH" >"$DB.tmp"
  mv -f "$DB.tmp" "$DB"
  printf '%s\n' "$tip" >"$DB.base"
  say "restored $DB from $STATE_BRANCH at ${tip:0:12} ($(wc -c <"$DB") bytes)"
}

cmd_save() {
  local base stage
  [ -s "$DB" ] || die "no state file at $DB: nothing to save"
  if [ -s "$DB-wal" ]; then
    die "$DB-wal is not empty: the state file was not closed cleanly; not saving it"
  fi
  if [ -f "$DB.base" ]; then
    base=$(tr -d '[:space:]' <"$DB.base")
  else
    base=unknown
  fi
  stage="$SCRATCH/stage"
  mkdir -p "$stage"
  cp "$DB" "$stage/$NAME_IN_BRANCH"
  cat >"$stage/README.md" <<EOF
# $STATE_BRANCH

Data branch of the link-health workflow: \`$NAME_IN_BRANCH\` is the crawler's SQLite state
(history of every link), one commit per completed run. Written by \`scripts/state_branch.sh save\`;
do not commit here by hand. See docs/github-action.md on the default branch.
EOF
  commit_dir_to_branch "$STATE_BRANCH" "$stage" "$(message "link-health state")" "$base"
  # A later save from the same file builds on what this one pushed.
  printf '%s\n' "$PUSHED" >"$DB.base"
}

cmd_publish_report() {
  local stage
  [ -d "$REPORT_DIR" ] || die "no report directory at $REPORT_DIR"
  stage="$SCRATCH/report"
  mkdir -p "$stage"
  cp -R "$REPORT_DIR"/. "$stage"/
  if [ -f "$stage/report.html" ]; then
    cp "$stage/report.html" "$stage/index.html"
  fi
  : >"$stage/.nojekyll"
  commit_dir_to_branch "$REPORT_BRANCH" "$stage" "$(message "link-health report")"
}

case "${1:-}" in
  restore) cmd_restore ;;
  save) cmd_save ;;
  publish-report) cmd_publish_report ;;
  *) usage ;;
esac
