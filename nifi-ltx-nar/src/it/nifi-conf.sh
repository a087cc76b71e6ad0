#!/usr/bin/env bash
# Writes the smallest conf/ a NiFi 2.3.0 server started without its bootstrap needs: nifi.properties (plain HTTP on
# 127.0.0.1 only, no authentication or authorisation, repositories under NIFI_HOME), state-management.xml and a
# logback.xml of our own (NiFi's needs its per-process-group logging discriminator, which is not on Maven Central).
# Keys left out fall back to NiFiProperties' defaults. Usage: nifi-conf.sh NIFI_HOME PORT
set -euo pipefail

readonly HOME_DIR="$1" PORT="$2"
readonly CONF="$HOME_DIR/conf"
mkdir -p "$CONF"

cat > "$CONF/nifi.properties" << EOF
# Written by nifi-conf.sh for the nifi-ltx integration check.
nifi.flow.configuration.file=$HOME_DIR/conf/flow.json.gz
nifi.flow.configuration.archive.enabled=false
nifi.flowcontroller.autoResumeState=false
nifi.flowcontroller.graceful.shutdown.period=10 sec
nifi.flowservice.writedelay.interval=500 ms
nifi.administrative.yield.duration=30 sec
nifi.bored.yield.duration=10 millis
nifi.queue.backpressure.count=10000
nifi.queue.backpressure.size=1 GB

nifi.authorizer.configuration.file=
nifi.login.identity.provider.configuration.file=
nifi.nar.library.directory=$HOME_DIR/lib
nifi.nar.library.autoload.directory=$HOME_DIR/extensions
nifi.nar.working.directory=$HOME_DIR/work/nar/
nifi.upload.working.directory=$HOME_DIR/work/uploads

nifi.python.framework.source.directory=$HOME_DIR/python/framework
nifi.python.extensions.source.directory.default=$HOME_DIR/python/extensions
nifi.python.working.directory=$HOME_DIR/work/python
nifi.python.max.processes=1
nifi.python.max.processes.per.extension.type=1

nifi.state.management.configuration.file=$HOME_DIR/conf/state-management.xml
nifi.state.management.provider.local=local-provider
nifi.state.management.embedded.zookeeper.start=false

nifi.database.directory=$HOME_DIR/database_repository

nifi.flowfile.repository.implementation=org.apache.nifi.controller.repository.WriteAheadFlowFileRepository
nifi.flowfile.repository.wal.implementation=org.apache.nifi.wali.SequentialAccessWriteAheadLog
nifi.flowfile.repository.directory=$HOME_DIR/flowfile_repository
nifi.flowfile.repository.checkpoint.interval=20 secs
nifi.flowfile.repository.always.sync=false
nifi.swap.manager.implementation=org.apache.nifi.controller.FileSystemSwapManager
nifi.queue.swap.threshold=20000

nifi.content.repository.implementation=org.apache.nifi.controller.repository.FileSystemRepository
nifi.content.claim.max.appendable.size=50 KB
nifi.content.repository.directory.default=$HOME_DIR/content_repository
nifi.content.repository.archive.enabled=false
nifi.content.repository.always.sync=false

# In-memory provenance and status history: nothing to index on disk for a short check.
nifi.provenance.repository.implementation=org.apache.nifi.provenance.VolatileProvenanceRepository
nifi.provenance.repository.buffer.size=1000
nifi.provenance.repository.directory.default=$HOME_DIR/provenance_repository
nifi.components.status.repository.implementation=org.apache.nifi.controller.status.history.VolatileComponentStatusRepository
nifi.components.status.repository.buffer.size=1440
nifi.components.status.snapshot.frequency=1 min

nifi.nar.persistence.provider.implementation=org.apache.nifi.nar.StandardNarPersistenceProvider
nifi.nar.persistence.provider.properties.directory=$HOME_DIR/nar_repository
nifi.asset.manager.implementation=org.apache.nifi.asset.StandardAssetManager
nifi.asset.manager.properties.directory=$HOME_DIR/assets

nifi.remote.input.host=
nifi.remote.input.secure=false
nifi.remote.input.socket.port=
nifi.remote.input.http.enabled=false

# Loopback only, plain HTTP, no HTTPS and hence no users: the check must not be reachable from elsewhere.
nifi.web.http.host=127.0.0.1
nifi.web.http.port=$PORT
nifi.web.https.host=
nifi.web.https.port=
nifi.web.jetty.working.directory=$HOME_DIR/work/jetty
nifi.web.jetty.threads=50
nifi.web.max.header.size=16 KB
nifi.web.max.requests.per.second=30000
nifi.web.request.timeout=60 secs

nifi.sensitive.props.key=nifi-ltx-integration-check
nifi.sensitive.props.algorithm=NIFI_PBKDF2_AES_GCM_256
nifi.security.keystore=
nifi.security.truststore=
nifi.security.user.authorizer=
nifi.security.user.login.identity.provider=

nifi.cluster.is.node=false
nifi.cluster.protocol.heartbeat.interval=5 sec
nifi.cluster.flow.election.max.wait.time=1 min
nifi.zookeeper.connect.string=
nifi.analytics.predict.enabled=false
nifi.diagnostics.on.shutdown.enabled=false
nifi.performance.tracking.percentage=0
EOF

cat > "$CONF/state-management.xml" << EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by nifi-conf.sh: the local state provider only (a standalone node needs no cluster provider). -->
<stateManagement>
  <local-provider>
    <id>local-provider</id>
    <class>org.apache.nifi.controller.state.providers.local.WriteAheadLocalStateProvider</class>
    <property name="Directory">$HOME_DIR/state/local</property>
    <property name="Always Sync">false</property>
    <property name="Partitions">4</property>
    <property name="Checkpoint Interval">2 mins</property>
  </local-provider>
</stateManagement>
EOF

cat > "$CONF/logback.xml" << EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by nifi-conf.sh: one application log; java.util.logging is bridged so nothing is lost. -->
<configuration scan="false">
  <contextListener class="ch.qos.logback.classic.jul.LevelChangePropagator">
    <resetJUL>true</resetJUL>
  </contextListener>
  <appender name="APP_FILE" class="ch.qos.logback.core.FileAppender">
    <file>$HOME_DIR/logs/nifi-app.log</file>
    <encoder>
      <pattern>%date %level [%thread] %logger{40} %msg%n</pattern>
    </encoder>
  </appender>
  <logger name="org.apache.nifi" level="INFO"/>
  <logger name="org.nifiltx" level="INFO"/>
  <!-- Jetty and Spring are chatty at INFO during start-up. -->
  <logger name="org.eclipse.jetty" level="WARN"/>
  <logger name="org.springframework" level="WARN"/>
  <root level="INFO">
    <appender-ref ref="APP_FILE"/>
  </root>
</configuration>
EOF
