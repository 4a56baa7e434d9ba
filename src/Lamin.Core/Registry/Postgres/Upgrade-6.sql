-- Lamin registry on PostgreSQL, schema version 6: the instance row shows a role only what it may see (issue 28).
--
-- Runs once per database after Upgrade-5.sql, inside the transaction PostgresSchema.Ensure holds under the
-- registry's advisory lock.
--
-- lamin.instance is readable by every admitted role, and its default_storage_uid can name a location in a space
-- the role is not granted (row-level security hides that location, not the uid). Admitted roles now get SELECT
-- on every column but that one; lamin.visible_default_storage_uid() gives it to the instance admin and to a role
-- that may see the location, NULL to any other. The module reads it through the function; an Admin of "all"
-- who can't see the default leaves it as it is when changing the other settings.

CREATE FUNCTION lamin.visible_default_storage_uid() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u text := (SELECT i.default_storage_uid FROM lamin.instance i WHERE i.id = 1);
BEGIN
    IF u IS NULL OR lamin.is_admin() THEN RETURN u; END IF;
    IF EXISTS (SELECT 1 FROM lamin.storage s WHERE s.uid = u AND s.space_id = ANY (lamin.granted_spaces(1))) THEN RETURN u; END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lamin.sync_privileges(handle text, must_exist boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target name;
    can_login boolean;
    top integer;
    on_all integer;
BEGIN
    SELECT r.rolname, r.rolcanlogin INTO target, can_login FROM pg_roles r WHERE r.rolname = handle;
    on_all := COALESCE((SELECT max(lamin.role_rank(a.role)) FROM lamin.space_access a
                        WHERE a.space_id = 1 AND lower(a.user_handle) = lower(handle)), 0);
    IF target IS NULL OR target LIKE 'pg\_%' OR NOT can_login THEN
        IF must_exist THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_object',
                MESSAGE = format('there is no login role "%s" in this database cluster to grant access to', handle),
                HINT = format('The database administrator creates it first: CREATE ROLE "%s" LOGIN PASSWORD ''…'';', handle);
        END IF;
        RETURN;
    END IF;
    -- The instance admin (and a superuser) needs nothing granted, and loses nothing.
    IF (SELECT pg_has_role(target, n.nspowner, 'MEMBER') FROM pg_namespace n WHERE n.nspname = 'lamin') THEN RETURN; END IF;
    IF on_all = 0 THEN
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA lamin FROM %I', target);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA lamin FROM %I', target);
        EXECUTE format('REVOKE ALL ON SCHEMA lamin FROM %I', target);
        RETURN;
    END IF;
    top := COALESCE((SELECT max(lamin.role_rank(a.role)) FROM lamin.space_access a WHERE lower(a.user_handle) = lower(handle)), 0);
    EXECUTE format('GRANT USAGE ON SCHEMA lamin TO %I', target);
    EXECUTE format('GRANT SELECT ON lamin.schema_version, lamin.space, lamin.space_access, lamin.storage, lamin.artifact TO %I', target);
    -- The instance row without its default location (a uid that can name a location in a space the role is not
    -- granted): lamin.visible_default_storage_uid() answers for it.
    EXECUTE format('REVOKE SELECT ON lamin.instance FROM %I', target);
    EXECUTE format('GRANT SELECT (id, instance_id, instance_uid, name, keep_artifacts_local, settings, created_at, created_by) ON lamin.instance TO %I', target);
    IF top >= 2 THEN
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON lamin.space, lamin.space_access, lamin.storage, lamin.artifact TO %I', target);
        EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA lamin TO %I', target);
    ELSE
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON lamin.space, lamin.space_access, lamin.storage, lamin.artifact FROM %I', target);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA lamin FROM %I', target);
    END IF;
    IF on_all >= 3 THEN
        EXECUTE format('GRANT UPDATE ON lamin.instance TO %I', target);
    ELSE
        EXECUTE format('REVOKE UPDATE ON lamin.instance FROM %I', target);
    END IF;
END
$$;

-- The roles admitted so far get the new privileges at once.
DO $$
DECLARE
    h text;
BEGIN
    FOR h IN SELECT DISTINCT a.user_handle FROM lamin.space_access a LOOP
        PERFORM lamin.sync_privileges(h, false);
    END LOOP;
END
$$;

-- The new function runs as the schema's owner, also when a superuser runs this upgrade.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION lamin.visible_default_storage_uid() OWNER TO %I',
        (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'lamin'));
END
$$;
