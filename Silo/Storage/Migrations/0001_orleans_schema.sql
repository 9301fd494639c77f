-- Tables and queries the Orleans 10.4.2 ADO.NET clustering and persistence providers use (PostgreSQL 15+).
-- Each query key is one atomic statement that returns exactly what the provider reads: the providers merge all
-- result sets and never look at affected-row counts.

CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_membership_version (
    deploymentid text PRIMARY KEY,
    version      integer NOT NULL DEFAULT 0 CHECK (version >= 0 AND version < 2147483647),
    changed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership (
    deploymentid text NOT NULL REFERENCES orleans_membership_version (deploymentid) ON DELETE CASCADE,
    address      text NOT NULL,
    port         integer NOT NULL,
    generation   integer NOT NULL,
    siloname     text,
    hostname     text,
    status       integer NOT NULL,
    proxyport    integer NOT NULL DEFAULT 0,
    suspecttimes text,
    starttime    timestamptz NOT NULL,
    iamalivetime timestamptz NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

CREATE TABLE IF NOT EXISTS orleans_grain_state (
    serviceid              text NOT NULL,
    graintypestring        text NOT NULL,
    graintypehash          integer NOT NULL,
    grainidhash            integer NOT NULL,
    grainidn0              bigint NOT NULL,
    grainidn1              bigint NOT NULL,
    grainidextensionstring text,
    payloadbinary          bytea,
    version                integer NOT NULL,
    modified               timestamptz NOT NULL DEFAULT now()
);

-- The identity of a grain's state; NULLS NOT DISTINCT makes two NULL-extension inserts collide, so the loser of
-- an insert race gets no row back instead of a duplicate.
CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_identity
    ON orleans_grain_state (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring) NULLS NOT DISTINCT;

INSERT INTO orleansquery (querykey, querytext) VALUES

('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deploymentid) VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer FROM created
$q$),

('MembershipReadAllKey', $q$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deploymentid = v.deploymentid
WHERE v.deploymentid = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deploymentid = v.deploymentid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deploymentid = @DeploymentId
$q$),

-- The version row is the lock: a concurrent writer blocks on it, then finds the version moved and changes nothing.
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deploymentid = @DeploymentId AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM orleans_membership
                      WHERE deploymentid = @DeploymentId AND address = @Address
                        AND port = @Port AND generation = @Generation)
    RETURNING deploymentid
), inserted AS (
    INSERT INTO orleans_membership (deploymentid, address, port, generation, siloname, hostname, status,
                                    proxyport, starttime, iamalivetime)
    SELECT deploymentid, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
           @ProxyPort, @StartTime, @IAmAliveTime
    FROM bumped
    RETURNING 1
)
SELECT count(*)::integer FROM inserted
$q$),

('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deploymentid = @DeploymentId AND version = @Version
      AND EXISTS (SELECT 1 FROM orleans_membership
                  WHERE deploymentid = @DeploymentId AND address = @Address
                    AND port = @Port AND generation = @Generation)
    RETURNING deploymentid
), updated AS (
    UPDATE orleans_membership m
    SET status = @Status, suspecttimes = @SuspectTimes, iamalivetime = GREATEST(m.iamalivetime, @IAmAliveTime)
    FROM bumped
    WHERE m.deploymentid = bumped.deploymentid AND m.address = @Address
      AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT count(*)::integer FROM updated
$q$),

('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
SET iamalivetime = GREATEST(iamalivetime, @IAmAliveTime)
WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

('GatewaysQueryKey', $q$
SELECT address, proxyport, generation
FROM orleans_membership
WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE deploymentid = @DeploymentId
$q$),

('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deploymentid = @DeploymentId AND status = 6
  AND iamalivetime < @IAmAliveTime AND starttime < @IAmAliveTime
  AND coalesce(suspecttimes, '') = ''
$q$),

('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
  AND status = 6 AND starttime = @StartTime AND iamalivetime = @IAmAliveTime
  AND coalesce(suspecttimes, '') = coalesce(@SuspectTimes, '')
$q$),

('ReadFromStorageKey', $q$
SELECT payloadbinary, version
FROM orleans_grain_state
WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

-- NULL version: insert version 1 unless the identity exists. Otherwise: replace only if the version matches.
-- Always one row; NULL tells the provider the write lost.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_grain_state
    SET payloadbinary = @PayloadBinary, version = version + 1, modified = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO orleans_grain_state (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1,
                                     grainidextensionstring, payloadbinary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS NewGrainStateVersion
$q$),

('ClearStorageKey', $q$
UPDATE orleans_grain_state
SET payloadbinary = NULL, version = version + 1, modified = now()
WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
  AND version = @GrainStateVersion
RETURNING version
$q$),

-- Returns the old version + 1: any value other than the old ETag means success to the provider.
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state
WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
  AND version = @GrainStateVersion
RETURNING version + 1
$q$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
