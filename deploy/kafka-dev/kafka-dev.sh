#!/usr/bin/env bash
# Dev/test Apache Kafka 3.9 (single-node KRaft) from Maven Central.
#   kafka-dev.sh fetch                     resolve the jars with Maven (cached in ~/.m2)
#   kafka-dev.sh start [--port N] [--dir D] start a broker in the background, print KAFKA_BROKERS=…
#   kafka-dev.sh stop  [--dir D]           stop it
#   kafka-dev.sh status [--dir D]          is it running, where
# State: $KAFKA_DEV_HOME (default <repo>/.data/kafka-dev): classpath.txt, and the broker's data,
# logs (server.log) and broker.pid in --dir (default $KAFKA_DEV_HOME/cli). Port 0 = a free port.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${KAFKA_DEV_HOME:-$repo/.data/kafka-dev}"
cmd="${1:-}"; shift || true
port=0; dir="$home/cli"
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
    mkdir -p "$home"
    echo "kafka-dev: resolving Apache Kafka from Maven Central (cached in ~/.m2)"
    # -q still prints bare colour resets (and errors go to stdout): keep only the lines with text.
    mvn -q -B -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$home/classpath.txt.$$" 2>&1 \
      | sed 's/\x1b\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' || true; }
    mv "$home/classpath.txt.$$" "$home/classpath.txt"
    echo "kafka-dev: $(tr ':' '\n' < "$home/classpath.txt" | wc -l) jars ready in ~/.m2 ($home/classpath.txt)" ;;
  start)
    if [ -f "$dir/broker.pid" ] && kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null; then
      echo "kafka-dev: already running in $dir (pid $(cat "$dir/broker.pid")); stop it first" >&2
      grep -o 'PLAINTEXT://[^,]*' "$dir/server.properties" | head -1 | sed 's#PLAINTEXT://#KAFKA_BROKERS=#'
      exit 1
    fi
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
    KAFKA_DEV_HOME="$home" KAFKA_DEV_PORT="$port" KAFKA_DEV_DIR="$dir" KAFKA_DEV_MJS="$here/kafka-dev.mjs" node --input-type=module -e "
      const { startKafka } = await import(process.env.KAFKA_DEV_MJS);
      const k = await startKafka({ port: Number(process.env.KAFKA_DEV_PORT), dir: process.env.KAFKA_DEV_DIR });
      console.error('kafka-dev: started, pid ' + k.pid + ', data and logs in ' + k.dir);
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
