#!/bin/sh
# Keeps one pod workload running: restarts it when it exits, appends its output to the pod log
# (stdout/stderr are the log file), and counts restarts. Started detached (own session) inside the
# pod's network namespace so it outlives the agent.
# usage: supervise.sh RESTARTS_FILE MARKER -- CMD [ARGS...]
restarts="$1"
shift 2
[ "$1" = "--" ] && shift
trap 'kill -TERM "$child" 2>/dev/null; exit 0' TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"
  code=$?
  echo "[membrane] workload exited with status $code; restarting in 1s"
  echo x >> "$restarts"
  sleep 1
done
