-- Lamin registry on PostgreSQL, schema version 7: role names that differ only in case are different users (issue 28).
--
-- Runs once per database after Upgrade-6.sql, inside the transaction PostgresSchema.Ensure holds under the
-- registry's advisory lock.
--
-- PostgreSQL folds unquoted names to lower case, but a quoted role name keeps its case: "LtCase" and ltcase are two
-- login roles. Versions 2 to 6 matched grants to session_user with lower() on both sides, so a role saw (and could
-- change) what its lower-case namesake was granted, and one grants row stood for both. Grants now name their role
-- exactly, as sync_privileges has always required when a grant is made (the role must exist under that very name).
-- A grant whose handle names no role exactly but one role ignoring case (copied from a LiteDB registry, where
-- handles compare without case) is renamed to that role first, so nobody loses access by the upgrade.

UPDATE lamin.space_access a SET user_handle = r.rolname
FROM pg_roles r
WHERE lower(r.rolname) = lower(a.user_handle) AND r.rolname <> a.user_handle
  AND NOT EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = a.user_handle)
  AND (SELECT count(*) FROM pg_roles y WHERE lower(y.rolname) = lower(a.user_handle)) = 1
  AND NOT EXISTS (SELECT 1 FROM lamin.space_access b WHERE b.space_id = a.space_id AND b.user_handle = r.rolname);

DROP INDEX lamin.space_access_space_user_key;
DROP INDEX lamin.space_access_user_idx;
CREATE UNIQUE INDEX space_access_space_user_key ON lamin.space_access (space_id, user_handle);
CREATE INDEX space_access_user_idx ON lamin.space_access (user_handle);

-- The login role's rank on one space: 3 for the instance admin, else its grant (0: none).
CREATE OR REPLACE FUNCTION lamin.space_role(space integer) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    IF lamin.is_admin() THEN RETURN 3; END IF;
    RETURN COALESCE((SELECT max(lamin.role_rank(a.role)) FROM lamin.space_access a
                     WHERE a.space_id = space AND a.user_handle = session_user), 0);
END $$;

-- The spaces the login role holds at least rank `minimum` on (the instance admin: see lamin.is_admin; the
-- policies test that first). Reads space_access only, as its owner: no policy of space_access runs.
CREATE OR REPLACE FUNCTION lamin.granted_spaces(minimum integer) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    RETURN (SELECT COALESCE(array_agg(DISTINCT a.space_id), '{}') FROM lamin.space_access a
            WHERE a.user_handle = session_user AND lamin.role_rank(a.role) >= minimum);
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
                        WHERE a.space_id = 1 AND a.user_handle = handle), 0);
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
    top := COALESCE((SELECT max(lamin.role_rank(a.role)) FROM lamin.space_access a WHERE a.user_handle = handle), 0);
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

CREATE OR REPLACE FUNCTION lamin.grant_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM lamin.sync_privileges(OLD.user_handle, false); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.user_handle <> OLD.user_handle OR NEW.role <> OLD.role OR NEW.space_id <> OLD.space_id) THEN
        PERFORM lamin.sync_privileges(NEW.user_handle, NOT lamin.importing());
    END IF;
    RETURN NULL;
END
$$;

ALTER POLICY space_access_see ON lamin.space_access
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]) OR user_handle = session_user);
