#!/usr/bin/env bash
# Integration check, not part of the default build: assembles a NiFi 2.3.0 server from Maven Central jars and NARs
# (there is no NiFi distribution on the mirror), installs our NARs in extensions/, starts it on 127.0.0.1 over plain
# HTTP, builds GenerateFlowFile -> EncodePrompt -> GenerateLatents -> DecodeVideo -> PutFile over the REST API with the
# tiny fixture model, waits for the MP4, checks it and the bulletin board and logs, then stops NiFi and cleans up.
#
#   nifi-ltx-nar/src/it/nifi-it.sh            (from anywhere; JAVA_HOME defaults to Temurin 25)
#
# Environment: NIFI_IT_PORT (default 18080), NIFI_IT_SKIP_BUILD=1 (reuse the built NARs and ltx.jar),
# NIFI_IT_KEEP=1 (keep the server folder for inspection). Needs curl and jq. Every wait is bounded.
set -euo pipefail

readonly IT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT="$(cd "$IT_DIR/../../.." && pwd)"
readonly WORK="$ROOT/nifi-ltx-nar/target/nifi-it"
readonly NIFI_HOME="$WORK/nifi"
readonly OUT="$WORK/out"
readonly PORT="${NIFI_IT_PORT:-18080}"
readonly API="http://127.0.0.1:$PORT/nifi-api"
readonly FIXTURE="$ROOT/ltx-core/src/test/resources/fixtures/ltx-tiny/model/diffusers"
readonly FRAMES=9 HEIGHT=64 WIDTH=96 STEPS=2 SEED=42
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
readonly JAVA="$JAVA_HOME/bin/java"
readonly MVN=("$ROOT/mvnw" -B -ntp -q)
readonly STARTED=$SECONDS
NIFI_PID=""

log() { printf '[nifi-it %4ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
die() { log "FAILED: $*"; exit 1; }

for tool in curl jq; do
    command -v "$tool" > /dev/null || die "$tool is needed"
done
[ -x "$JAVA" ] || die "no java at $JAVA (set JAVA_HOME to a JDK 21+)"

stop_nifi() {
    if [ -n "$NIFI_PID" ] && kill -0 "$NIFI_PID" 2> /dev/null; then
        log "stopping NiFi (pid $NIFI_PID)"
        # No bootstrap process: SIGTERM runs NiFi's shutdown hook; SIGKILL only if it overruns.
        kill -TERM "$NIFI_PID" 2> /dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$NIFI_PID" 2> /dev/null || break
            sleep 1
        done
        if kill -0 "$NIFI_PID" 2> /dev/null; then
            log "NiFi did not stop within 60 s: killing it"
            kill -KILL "$NIFI_PID" 2> /dev/null || true
        fi
        wait "$NIFI_PID" 2> /dev/null || true
    fi
    NIFI_PID=""
}

cleanup() {
    local status=$?
    stop_nifi
    if [ "${NIFI_IT_KEEP:-0}" != 1 ]; then
        # Keep the downloads (lib/), the logs and the MP4; drop repositories, unpacked NARs and state.
        rm -rf "$NIFI_HOME/conf" "$NIFI_HOME/extensions" "$NIFI_HOME/work" "$NIFI_HOME/state" "$NIFI_HOME/database_repository" \
            "$NIFI_HOME/flowfile_repository" "$NIFI_HOME/content_repository" "$NIFI_HOME/provenance_repository" \
            "$NIFI_HOME/nar_repository" "$NIFI_HOME/assets" "$NIFI_HOME/python" "$NIFI_HOME/docs"
    fi
    if [ "$status" = 0 ]; then
        log "PASSED in $((SECONDS - STARTED)) s"
    else
        log "logs: $NIFI_HOME/logs"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. Artifacts (Maven Central only) and our NARs ------------------------------------------------------------------
cd "$ROOT"
log "fetching NiFi 2.3.0 jars and NARs"
"${MVN[@]}" -f "$IT_DIR/server/pom.xml" dependency:copy -Dit.work="$WORK"
if ! ls "$WORK"/standard-processors-nar/*.nar > /dev/null 2>&1; then
    log "packaging the standard processors NAR (GenerateFlowFile, PutFile)"
    "${MVN[@]}" -f "$IT_DIR/standard-processors-nar/pom.xml" package -Dit.work="$WORK"
fi
if [ "${NIFI_IT_SKIP_BUILD:-0}" != 1 ]; then
    log "building our NARs and ltx.jar"
    "${MVN[@]}" -pl ltx-cli,nifi-ltx-nar -am package -DskipTests
fi
readonly OUR_NARS=("$ROOT"/nifi-ltx-service-api-nar/target/nifi-ltx-service-api-nar-*.nar "$ROOT"/nifi-ltx-nar/target/nifi-ltx-nar-*.nar)
for nar in "${OUR_NARS[@]}" "$ROOT/ltx-cli/target/ltx.jar"; do
    [ -f "$nar" ] || die "missing $nar (build it, or drop NIFI_IT_SKIP_BUILD)"
done

# ---- 2. Server folder ------------------------------------------------------------------------------------------------
log "assembling $NIFI_HOME"
rm -rf "$NIFI_HOME/conf" "$NIFI_HOME/extensions" "$NIFI_HOME/logs" "$NIFI_HOME/work" "$OUT"
mkdir -p "$NIFI_HOME/conf" "$NIFI_HOME/extensions" "$NIFI_HOME/logs" "$OUT"
cp "$WORK"/standard-processors-nar/*.nar "${OUR_NARS[@]}" "$NIFI_HOME/extensions/"
"$IT_DIR/nifi-conf.sh" "$NIFI_HOME" "$PORT"

# ---- 3. Start on loopback --------------------------------------------------------------------------------------------
if curl -s -o /dev/null "$API/flow/about"; then
    die "something already answers on 127.0.0.1:$PORT (set NIFI_IT_PORT)"
fi
log "starting NiFi on 127.0.0.1:$PORT"
(
    cd "$NIFI_HOME"
    exec "$JAVA" -Xms512m -Xmx2g --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
        -Djava.net.preferIPv4Stack=true -Dnifi.properties.file.path="$NIFI_HOME/conf/nifi.properties" \
        -Dorg.apache.nifi.bootstrap.config.log.dir="$NIFI_HOME/logs" \
        -Dlogback.configurationFile="$NIFI_HOME/conf/logback.xml" \
        -cp "$NIFI_HOME/conf:$NIFI_HOME/lib/*" org.apache.nifi.NiFi
) > "$NIFI_HOME/logs/nifi-stdout.log" 2>&1 &
NIFI_PID=$!

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 2 s, fails if NiFi dies or time runs out.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        kill -0 "$NIFI_PID" 2> /dev/null || die "NiFi exited while waiting for $what (see $NIFI_HOME/logs)"
        [ "$SECONDS" -lt "$deadline" ] || die "timed out after $limit s waiting for $what"
        sleep 2
    done
}

api() { # api METHOD PATH [JSON]
    local method=$1 path=$2 body=${3:-}
    local response status
    if [ -n "$body" ]; then
        response=$(curl -sS -X "$method" -H 'Content-Type: application/json' -d "$body" -w '\n%{http_code}' "$API$path")
    else
        response=$(curl -sS -X "$method" -w '\n%{http_code}' "$API$path")
    fi
    status=${response##*$'\n'}
    response=${response%$'\n'*}
    case "$status" in
        2??) printf '%s' "$response" ;;
        *) die "$method $path -> HTTP $status: $response" ;;
    esac
}

api_up() { curl -sf -o /dev/null "$API/flow/about"; }
wait_for 240 "the REST API" api_up
log "REST API up: $(api GET /flow/about | jq -c '{title: .about.title, version: .about.version}')"
if command -v ss > /dev/null; then
    # Every socket NiFi listens on must be on the loopback interface.
    LISTENING=$(ss -ltnpH | grep "pid=$NIFI_PID," | awk '{print $4}' | sort -u | tr '\n' ' ')
    log "NiFi listens on: $LISTENING"
    for address in $LISTENING; do
        case "$address" in
            127.0.0.1:* | '[::1]:'* | '[::ffff:127.0.0.1]:'*) ;;
            *) die "NiFi listens on $address, not only on loopback" ;;
        esac
    done
fi

types_loaded() {
    local processors services
    processors=$(curl -sf "$API/flow/processor-types") || return 1
    services=$(curl -sf "$API/flow/controller-service-types") || return 1
    for type in org.apache.nifi.processors.standard.GenerateFlowFile org.apache.nifi.processors.standard.PutFile \
        org.nifiltx.nifi.processors.EncodePrompt org.nifiltx.nifi.processors.GenerateLatents org.nifiltx.nifi.processors.DecodeVideo; do
        jq -e --arg t "$type" 'any(.processorTypes[]; .type == $t)' <<< "$processors" > /dev/null || return 1
    done
    jq -e 'any(.controllerServiceTypes[]; .type == "org.nifiltx.nifi.service.StandardLtxVideoModelService")' <<< "$services" > /dev/null
}
wait_for 180 "the extensions NARs to load" types_loaded
log "types loaded: $(api GET /flow/processor-types | jq -c '[.processorTypes[] | select(.type | startswith("org.nifiltx")) | {type: (.type | split(".") | last), bundle: (.bundle.artifact + ":" + .bundle.version)}]')"

# ---- 4. Flow ---------------------------------------------------------------------------------------------------------
ROOT_GROUP=$(api GET /flow/process-groups/root | jq -r '.processGroupFlow.id')

revision() { api GET "$1" | jq -r '.revision.version'; }

SERVICE=$(api POST "/process-groups/$ROOT_GROUP/controller-services" "$(jq -n --arg model "$FIXTURE" '{
    revision: {version: 0},
    component: {type: "org.nifiltx.nifi.service.StandardLtxVideoModelService", name: "LTX-Video tiny fixture",
        properties: {"Model Path": $model, "Intra-Op Threads": "1"}}}')" | jq -r '.id')
log "created StandardLtxVideoModelService $SERVICE"

service_validated() {
    [ "$(api GET "/controller-services/$SERVICE" | jq -r '.component.validationStatus')" != VALIDATING ]
}
wait_for 60 "the service to validate" service_validated
api PUT "/controller-services/$SERVICE/run-status" \
    "{\"revision\": {\"version\": $(revision "/controller-services/$SERVICE")}, \"state\": \"ENABLED\"}" > /dev/null
service_enabled() {
    local entity
    entity=$(api GET "/controller-services/$SERVICE")
    [ "$(jq -r '.component.state' <<< "$entity")" = ENABLED ] && return 0
    [ "$(jq -r '.component.validationStatus' <<< "$entity")" = INVALID ] \
        && die "service invalid: $(jq -c '.component.validationErrors' <<< "$entity")"
    return 1
}
wait_for 120 "the service to be enabled" service_enabled
log "service ENABLED"

processor() { # processor TYPE NAME X JSON_CONFIG -> id
    api POST "/process-groups/$ROOT_GROUP/processors" "$(jq -n --arg type "$1" --arg name "$2" --argjson x "$3" \
        --argjson config "$4" '{revision: {version: 0},
        component: {type: $type, name: $name, position: {x: $x, y: 0}, config: $config}}')" | jq -r '.id'
}
connect() { # connect SOURCE DESTINATION DESTINATION_TYPE RELATIONSHIP
    api POST "/process-groups/$ROOT_GROUP/connections" "$(jq -n --arg group "$ROOT_GROUP" --arg source "$1" \
        --arg destination "$2" --arg type "$3" --arg relationship "$4" '{revision: {version: 0},
        component: {source: {id: $source, groupId: $group, type: "PROCESSOR"},
            destination: {id: $destination, groupId: $group, type: $type}, selectedRelationships: [$relationship]}}')" \
        | jq -r '.id'
}

GENERATE=$(processor org.apache.nifi.processors.standard.GenerateFlowFile "GenerateFlowFile" 0 '{
    "schedulingPeriod": "1 day",
    "properties": {"File Size": "0B", "Batch Size": "1", "ltx.prompt": "a red fox trots through fresh snow at dawn"}}')
ENCODE=$(processor org.nifiltx.nifi.processors.EncodePrompt "EncodePrompt" 400 "$(jq -n --arg s "$SERVICE" '{
    properties: {"LTX-Video Model Service": $s}}')")
LATENTS=$(processor org.nifiltx.nifi.processors.GenerateLatents "GenerateLatents" 800 "$(jq -n --arg s "$SERVICE" \
    --arg frames "$FRAMES" --arg height "$HEIGHT" --arg width "$WIDTH" --arg steps "$STEPS" --arg seed "$SEED" '{
    properties: {"LTX-Video Model Service": $s, "Num Frames": $frames, "Height": $height, "Width": $width,
        "Schedule": "STEPS", "Steps": $steps, "Seed": $seed}}')")
DECODE=$(processor org.nifiltx.nifi.processors.DecodeVideo "DecodeVideo" 1200 "$(jq -n --arg s "$SERVICE" '{
    properties: {"LTX-Video Model Service": $s, "Output Format": "MP4"}}')")
PUT=$(processor org.apache.nifi.processors.standard.PutFile "PutFile" 1600 "$(jq -n --arg out "$OUT" '{
    properties: {"Directory": $out, "Conflict Resolution Strategy": "replace"},
    autoTerminatedRelationships: ["success", "failure"]}')")
FAILURES=$(api POST "/process-groups/$ROOT_GROUP/funnels" '{"revision": {"version": 0}, "component": {"position": {"x": 800, "y": 300}}}' \
    | jq -r '.id')
connect "$GENERATE" "$ENCODE" PROCESSOR success > /dev/null
connect "$ENCODE" "$LATENTS" PROCESSOR success > /dev/null
connect "$LATENTS" "$DECODE" PROCESSOR success > /dev/null
connect "$DECODE" "$PUT" PROCESSOR success > /dev/null
FAILURE_QUEUES=()
for source in "$ENCODE" "$LATENTS" "$DECODE"; do
    FAILURE_QUEUES+=("$(connect "$source" "$FAILURES" FUNNEL failure)")
    FAILURE_QUEUES+=("$(connect "$source" "$FAILURES" FUNNEL retry)")
done
log "flow: GenerateFlowFile -> EncodePrompt -> GenerateLatents -> DecodeVideo -> PutFile (failure and retry -> funnel)"

for id in "$GENERATE" "$ENCODE" "$LATENTS" "$DECODE" "$PUT"; do
    processor_validated() { [ "$(api GET "/processors/$id" | jq -r '.component.validationStatus')" != VALIDATING ]; }
    wait_for 60 "processor $id to validate" processor_validated
    entity=$(api GET "/processors/$id")
    [ "$(jq -r '.component.validationStatus' <<< "$entity")" = VALID ] \
        || die "$(jq -r '.component.name' <<< "$entity") is invalid: $(jq -c '.component.validationErrors' <<< "$entity")"
done
log "all five processors VALID"

set_state() { # set_state ID STATE
    api PUT "/processors/$1/run-status" "{\"revision\": {\"version\": $(revision "/processors/$1")}, \"state\": \"$2\"}" > /dev/null
}
for id in "$PUT" "$DECODE" "$LATENTS" "$ENCODE"; do
    set_state "$id" RUNNING
done
set_state "$GENERATE" RUN_ONCE
log "started the chain; GenerateFlowFile RUN_ONCE"

# ---- 5. The MP4 ------------------------------------------------------------------------------------------------------
failed_count() {
    local total=0 queue
    for queue in "${FAILURE_QUEUES[@]}"; do
        total=$((total + $(api GET "/connections/$queue" | jq -r '.status.aggregateSnapshot.flowFilesQueued')))
    done
    echo "$total"
}
mp4_written() {
    [ "$(failed_count)" = 0 ] || die "a FlowFile went to failure: $(api GET /flow/bulletin-board | jq -c '[.bulletinBoard.bulletins[].bulletin | {sourceName, level, message}]')"
    compgen -G "$OUT/*.mp4" > /dev/null
}
wait_for 300 "the MP4 in $OUT" mp4_written
MP4=$(compgen -G "$OUT/*.mp4" | head -n 1)
log "PutFile wrote $MP4 ($(stat -c %s "$MP4") bytes)"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$ROOT/ltx-cli/target/ltx.jar" "$IT_DIR/Mp4Check.java" \
    "$MP4" "$FRAMES" "$HEIGHT" "$WIDTH" || die "the MP4 check failed"
for id in "$ENCODE" "$LATENTS" "$DECODE"; do
    log "  $(api GET "/processors/$id" | jq -c '.status.aggregateSnapshot | {name, flowFilesIn, flowFilesOut, bytesOut, tasks: .taskCount, tasksDuration}')"
done

# The attributes PutFile saw, from provenance: what the three stages wrote.
EVENT=""
put_event_found() { # one provenance query; sets EVENT to PutFile's SEND event once the session that wrote the file committed
    local query result
    query=$(api POST /provenance '{"provenance": {"request": {"maxResults": 100}}}' | jq -r '.provenance.id')
    for _ in $(seq 1 20); do
        result=$(api GET "/provenance/$query")
        [ "$(jq -r '.provenance.finished' <<< "$result")" = true ] && break
        sleep 1
    done
    api DELETE "/provenance/$query" > /dev/null
    EVENT=$(jq -r --arg put "$PUT" \
        '[.provenance.results.provenanceEvents[]? | select(.componentId == $put and .eventType == "SEND")][0].id // empty' <<< "$result")
    [ -n "$EVENT" ]
}
wait_for 60 "PutFile's provenance event" put_event_found
ATTRIBUTES=$(api GET "/provenance-events/$EVENT" | jq -c '[.provenanceEvent.attributes[] | select(.name | test("^(ltx\\.|mime\\.type|filename)")) | {(.name): .value}] | add')
log "attributes at PutFile: $ATTRIBUTES"
jq -e --arg frames "$FRAMES" --arg steps "$STEPS" --arg seed "$SEED" \
    '.["ltx.stage"] == "video" and .["ltx.num.frames"] == $frames and .["ltx.steps"] == $steps and .["ltx.seed"] == $seed
     and .["mime.type"] == "video/mp4"' <<< "$ATTRIBUTES" > /dev/null || die "unexpected attributes at PutFile"

# ---- 6. Bulletins and logs -------------------------------------------------------------------------------------------
BULLETINS=$(api GET /flow/bulletin-board | jq -c '[.bulletinBoard.bulletins[].bulletin | select(.level == "ERROR" or .level == "WARNING" or .level == "WARN") | {sourceName, level, message}]')
[ "$BULLETINS" = "[]" ] || die "bulletins: $BULLETINS"
log "bulletin board: no warnings or errors"
readonly LOG_PROBLEMS='ClassNotFoundException|NoClassDefFoundError|LinkageError|UnsatisfiedLinkError|ServiceConfigurationError|NoSuchMethodError| ERROR '
if grep -E "$LOG_PROBLEMS" "$NIFI_HOME"/logs/*.log | grep -v 'nifi-stdout.log:.*restricted method' > "$WORK/log-problems.txt"; then
    head -n 20 "$WORK/log-problems.txt"
    die "the logs show class-loading or other errors ($WORK/log-problems.txt)"
fi
log "logs: no errors, no class-loading problems"
grep -h -E 'Opened LTX-Video model|unable to locate exact NAR dependency' "$NIFI_HOME"/logs/nifi-app.log | sed 's/^/    /' || true
