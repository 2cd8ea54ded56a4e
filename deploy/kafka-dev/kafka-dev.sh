#!/usr/bin/env bash
# Dev/test Apache Kafka 3.9 (single-node KRaft) from Maven Central.
#   kafka-dev.sh fetch                     resolve the jars with Maven (cached in ~/.m2)
#   kafka-dev.sh start [--port N] [--dir D] start a broker in the background, print KAFKA_BROKERS=…
#   kafka-dev.sh stop  [--dir D]           stop it
#   kafka-dev.sh status [--dir D]          is it running, where
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cmd="${1:-}"; shift || true
port=0; dir="$repo/.data/kafka-dev/cli"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$cmd" in
  fetch)
    # Maven only (no Node modules needed yet on a fresh clone); kafka-dev.mjs reads the same file.
    mkdir -p "$repo/.data/kafka-dev"
    echo "kafka-dev: resolving Apache Kafka from Maven Central (cached in ~/.m2)"
    mvn -q -B -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$repo/.data/kafka-dev/classpath.txt"
    echo "kafka-dev: $(tr ':' '\n' < "$repo/.data/kafka-dev/classpath.txt" | wc -l) jars ready" ;;
  start)
    node --input-type=module -e "
      import { startKafka } from '$here/kafka-dev.mjs';
      const k = await startKafka({ port: $port, dir: '$dir' });
      console.log('KAFKA_BROKERS=' + k.brokers.join(','));
      process.exit(0);" ;;
  stop)
    if [ -f "$dir/broker.pid" ]; then
      pid="$(cat "$dir/broker.pid")"
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$dir/broker.pid"; echo "kafka-dev: stopped"
    else
      echo "kafka-dev: not running (no $dir/broker.pid)"
    fi ;;
  status)
    if [ -f "$dir/broker.pid" ] && kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null; then
      echo "kafka-dev: running, pid $(cat "$dir/broker.pid"), $(grep '^listeners=' "$dir/server.properties")"
    else
      echo "kafka-dev: not running"; exit 1
    fi ;;
  *)
    sed -n '2,6p' "$0"; exit 2 ;;
esac
