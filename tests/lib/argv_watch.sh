# shellcheck shell=bash
# Sourced by tests that prove a secret never is a process argument.
# argv_watch_start SECRETS_FILE HITS_FILE: every 0.2 s, every process's argv is matched against
# the lines of SECRETS_FILE (grep -f: the values are not in the watcher's own argv) and the hits
# appended to HITS_FILE; sets $watch. argv_watch_stop: stops it. An EXIT trap must run
# argv_watch_stop too: it never signals anything when $watch is unset (never `kill 0`, which
# would signal the whole process group: ctest, CI itself).
argv_watch_start() {
  ( while :; do
      for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' <"$f"; } 2>/dev/null; echo; done |
        grep -F -f "$1" >>"$2"
      sleep 0.2
    done ) &
  watch=$!
}
argv_watch_stop() {
  [[ -n ${watch:-} ]] || return 0
  kill "$watch" 2>/dev/null
  wait "$watch" 2>/dev/null
  watch=
}
