-- Lamin registry on PostgreSQL, schema version 2 (SPEC §7, rule 18): access enforced by the database.
--
-- Runs once per database after Schema.sql (a new registry) or on a version-1 registry (an upgrade),
-- inside the transaction PostgresSchema.Ensure holds under the registry's advisory lock, as the role
-- that owns the schema (the instance admin) or a superuser.
--
-- Who is who:
--   - The user is the login role, session_user (not current_user, which SET ROLE changes). LAMIN_USER
--     plays no part on PostgreSQL.
--   - The instance admin is the role that owns the schema `lamin` (the role that created the registry)
--     and whoever may act as it (its members; superusers): Admin of every space.
--   - Everyone else has the roles lamin.space_access grants: Read sees, Write changes, Admin also grants.
--     A grant on the space "all" (id 1) admits the role to the instance: the trigger on space_access
--     runs the GRANTs it needs (and REVOKEs them when the grant on "all" goes). TRUNCATE is never granted.
--
-- How it is enforced:
--   - Row-level security on every table with records in a space (storage, artifact, space): a role sees
--     the rows of the spaces it may read. It is FORCEd, so owning a table does not bypass it (the owner
--     is the instance admin, whom the policies let see everything anyway). space_access has row-level
--     security too, but not forced: the policy functions below run as its owner (SECURITY DEFINER) and
--     read it without recursing into its own policies.
--   - BEFORE triggers (lamin.guard_*) refuse a change of a row the role may see but not change, with
--     insufficient_privilege naming the space and the role, before any policy silently skips it; they
--     also set created_by to session_user on INSERT and refuse to change it on UPDATE, so nobody forges
--     it, not even with raw SQL.
--   - The policies let the schema's own SECURITY DEFINER functions through (lamin.in_definer): they check
--     the login role themselves, then read or write as the owner.
--   - The granted spaces are looked up ONCE per statement: the policies call the functions inside
--     scalar sub-selects (InitPlans), and compare space_id with = ANY(array), which is leakproof, so
--     the planner still uses an index for the query's own conditions (a key range, a uid, a hash).
-- Superusers and roles with BYPASSRLS are not restricted by row-level security (PostgreSQL's rule).

-- ------------------------------------------------------------------------------------- functions

-- True when the login role is the instance admin: the owner of schema lamin, a member of it, or a superuser.
-- (The functions the policies call are PL/pgSQL, not SQL: their plans are cached for the session, where an
-- SQL function that can't be inlined is planned again by every statement.)
CREATE FUNCTION lamin.is_admin() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    RETURN COALESCE((SELECT pg_has_role(session_user, n.nspowner, 'MEMBER') FROM pg_namespace n WHERE n.nspname = 'lamin'), false);
END $$;

-- True inside this schema's own SECURITY DEFINER functions (the current user is then the owner): the triggers
-- below read and write as the owner, past the policies, after checking the login role themselves. SECURITY
-- INVOKER on purpose; a user reaches the owner's current_user only through these functions (or by being
-- a member of the owner, which makes it the admin anyway).
CREATE FUNCTION lamin.in_definer() RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    RETURN COALESCE((SELECT pg_has_role(current_user, n.nspowner, 'MEMBER') FROM pg_namespace n WHERE n.nspname = 'lamin'), false);
END $$;

-- A role name as a rank: Read 1, Write 2, Admin 3.
CREATE FUNCTION lamin.role_rank(role text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE role WHEN 'Read' THEN 1 WHEN 'Write' THEN 2 WHEN 'Admin' THEN 3 ELSE 0 END $$;

-- The login role's rank on one space: 3 for the instance admin, else its grant (0: none).
CREATE FUNCTION lamin.space_role(space integer) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    IF lamin.is_admin() THEN RETURN 3; END IF;
    RETURN COALESCE((SELECT max(lamin.role_rank(a.role)) FROM lamin.space_access a
                     WHERE a.space_id = space AND lower(a.user_handle) = lower(session_user)), 0);
END $$;

-- The spaces the login role holds at least rank `minimum` on (the instance admin: see lamin.is_admin; the
-- policies test that first). Reads space_access only, as its owner: no policy of space_access runs.
CREATE FUNCTION lamin.granted_spaces(minimum integer) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    RETURN (SELECT COALESCE(array_agg(DISTINCT a.space_id), '{}') FROM lamin.space_access a
            WHERE lower(a.user_handle) = lower(session_user) AND lamin.role_rank(a.role) >= minimum);
END $$;

-- Copy-LaminInstance keeps created_by and the grants of its source: only the instance admin may ask for
-- that, in its own transaction (SET LOCAL lamin.import = 'on').
CREATE FUNCTION lamin.importing() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT COALESCE(current_setting('lamin.import', true), '') = 'on' AND lamin.is_admin() $$;

-- Refuses (insufficient_privilege) unless the login role holds rank `needed` on the space. The message names
-- the role, and the space only when the role may see it.
CREATE FUNCTION lamin.require(space integer, needed integer, what text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    have integer := lamin.space_role(space);
    names text[] := ARRAY['Read', 'Write', 'Admin'];
    space_name text;
BEGIN
    IF have >= needed THEN RETURN; END IF;
    IF have = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role "%s" can''t %s: it is in a space the role has no access to', session_user, what),
            HINT = 'Ask an Admin of the instance or of that space to grant access with Grant-LaminSpaceAccess.';
    END IF;
    SELECT s.name INTO space_name FROM lamin.space s WHERE s.id = space;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = format('role "%s" can''t %s: it needs %s access to space "%s" and has %s',
                         session_user, what, names[needed], space_name, names[have]),
        HINT = format('Ask an Admin of that space to run Grant-LaminSpaceAccess -Space ''%s'' -User ''%s'' -Role %s.',
                      space_name, session_user, names[needed]);
END
$$;

-- True when the storage location holds artifacts in a space the login role can't see (a location moved into
-- another space keeps its artifacts in theirs). The module then refuses what would touch bytes it can't
-- account for (deleting an object, clearing orphans, moving or removing the location): SPEC §10, nothing
-- registered is lost because someone could not see it. Says only yes or no.
CREATE INDEX artifact_storage_space_idx ON lamin.artifact (storage_id, space_id);
CREATE FUNCTION lamin.hides_artifacts_in(storage integer) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    IF lamin.is_admin() THEN RETURN false; END IF;
    RETURN EXISTS (SELECT 1 FROM lamin.space s
                   WHERE NOT (s.id = ANY (lamin.granted_spaces(1)))
                     AND EXISTS (SELECT 1 FROM lamin.artifact a WHERE a.storage_id = storage AND a.space_id = s.id));
END $$;

-- ------------------------------------------------------------------------------------- triggers

-- storage, artifact: Write on the row's space, before and after the change; created_by from the database.
CREATE FUNCTION lamin.guard_record() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    what text := CASE TG_TABLE_NAME WHEN 'storage' THEN 'change a storage location' ELSE 'change an artifact' END;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM lamin.require(OLD.space_id, 2, what); END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    IF TG_OP = 'INSERT' THEN
        IF NOT lamin.importing() THEN NEW.created_by := session_user; END IF;
    ELSIF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role "%s" can''t change created_by of %s %s: the database sets it', session_user, TG_TABLE_NAME, OLD.uid);
    END IF;
    PERFORM lamin.require(NEW.space_id, 2, CASE TG_OP WHEN 'INSERT' THEN replace(what, 'change', 'add') ELSE what END);
    RETURN NEW;
END
$$;

-- space: creating one needs Write on "all" (its creator becomes its Admin); changing or removing one needs Admin of it.
CREATE FUNCTION lamin.guard_space() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM lamin.require(1, 2, 'create a space');
        IF NOT lamin.importing() THEN NEW.created_by := session_user; END IF;
        RETURN NEW;
    END IF;
    PERFORM lamin.require(OLD.id, 3, CASE TG_OP WHEN 'DELETE' THEN 'remove a space' ELSE 'change a space' END);
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    IF NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role "%s" can''t change the id or created_by of a space', session_user);
    END IF;
    RETURN NEW;
END
$$;

-- Whoever creates a space administers it (the grant is written here, as the owner: nobody else may
-- write a grant on a space before it has an Admin).
CREATE FUNCTION lamin.admin_of_new_space() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT lamin.importing() THEN
        INSERT INTO lamin.space_access (space_id, user_handle, role) VALUES (NEW.id, session_user, 'Admin')
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

-- space_access: Admin of the space, before and after the change.
CREATE FUNCTION lamin.guard_grant() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM lamin.require(OLD.space_id, 3, 'change the access to a space'); END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    IF TG_OP = 'INSERT' THEN
        IF NOT lamin.importing() THEN NEW.created_by := session_user; END IF;
        -- lamin.admin_of_new_space: the creator of a space (created_by is set by the database) becomes
        -- its first Admin. The policy space_access_add still refuses this row to anyone but the owner,
        -- so it is written only by that trigger.
        IF NEW.role = 'Admin' AND NEW.user_handle = session_user
           AND EXISTS (SELECT 1 FROM lamin.space s WHERE s.id = NEW.space_id AND s.created_by = session_user)
           AND NOT EXISTS (SELECT 1 FROM lamin.space_access a WHERE a.space_id = NEW.space_id) THEN
            RETURN NEW;
        END IF;
    ELSIF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role "%s" can''t change created_by of a grant: the database sets it', session_user);
    END IF;
    PERFORM lamin.require(NEW.space_id, 3, 'grant access to a space');
    RETURN NEW;
END
$$;

-- The instance's settings (default storage, keep-artifacts-local): Admin of "all".
CREATE FUNCTION lamin.guard_instance() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT lamin.importing() THEN NEW.created_by := session_user; END IF;
        RETURN NEW;
    END IF;
    PERFORM lamin.require(1, 3, 'change the instance settings');
    IF NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.instance_id <> OLD.instance_id OR NEW.instance_uid <> OLD.instance_uid THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role "%s" can''t change the identity of the instance', session_user);
    END IF;
    RETURN NEW;
END
$$;

-- Admission: a role with a grant on "all" gets exactly the table privileges it can use (SELECT; with Write
-- or Admin on any space also INSERT, UPDATE, DELETE on the record tables; with Admin of "all" UPDATE of
-- the instance settings); a role without one gets none. Never TRUNCATE (it ignores row-level security),
-- never anything on the functions or the schema beyond USAGE.
CREATE FUNCTION lamin.sync_privileges(handle text, must_exist boolean) RETURNS void
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
    EXECUTE format('GRANT SELECT ON lamin.schema_version, lamin.instance, lamin.space, lamin.space_access, lamin.storage, lamin.artifact TO %I', target);
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

CREATE FUNCTION lamin.grant_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM lamin.sync_privileges(OLD.user_handle, false); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR lower(NEW.user_handle) <> lower(OLD.user_handle) OR NEW.role <> OLD.role OR NEW.space_id <> OLD.space_id) THEN
        PERFORM lamin.sync_privileges(NEW.user_handle, NOT lamin.importing());
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER storage_guard BEFORE INSERT OR UPDATE OR DELETE ON lamin.storage FOR EACH ROW EXECUTE FUNCTION lamin.guard_record();
CREATE TRIGGER artifact_guard BEFORE INSERT OR UPDATE OR DELETE ON lamin.artifact FOR EACH ROW EXECUTE FUNCTION lamin.guard_record();
CREATE TRIGGER space_guard BEFORE INSERT OR UPDATE OR DELETE ON lamin.space FOR EACH ROW EXECUTE FUNCTION lamin.guard_space();
CREATE TRIGGER space_creator_admin AFTER INSERT ON lamin.space FOR EACH ROW EXECUTE FUNCTION lamin.admin_of_new_space();
CREATE TRIGGER space_access_guard BEFORE INSERT OR UPDATE OR DELETE ON lamin.space_access FOR EACH ROW EXECUTE FUNCTION lamin.guard_grant();
CREATE TRIGGER space_access_privileges AFTER INSERT OR UPDATE OR DELETE ON lamin.space_access FOR EACH ROW EXECUTE FUNCTION lamin.grant_changed();
CREATE TRIGGER instance_guard BEFORE INSERT OR UPDATE ON lamin.instance FOR EACH ROW EXECUTE FUNCTION lamin.guard_instance();
-- A DELETE or TRUNCATE of the whole table is never granted; statement-level TRUNCATE by the owner stays its own business.

-- ------------------------------------------------------------------------------------- policies

ALTER TABLE lamin.storage ENABLE ROW LEVEL SECURITY;
ALTER TABLE lamin.storage FORCE ROW LEVEL SECURITY;
CREATE POLICY storage_see ON lamin.storage FOR SELECT
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));
CREATE POLICY storage_add ON lamin.storage FOR INSERT
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(2))::integer[]));
CREATE POLICY storage_change ON lamin.storage FOR UPDATE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]))
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(2))::integer[]));
CREATE POLICY storage_remove ON lamin.storage FOR DELETE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));

ALTER TABLE lamin.artifact ENABLE ROW LEVEL SECURITY;
ALTER TABLE lamin.artifact FORCE ROW LEVEL SECURITY;
CREATE POLICY artifact_see ON lamin.artifact FOR SELECT
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));
CREATE POLICY artifact_add ON lamin.artifact FOR INSERT
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(2))::integer[]));
CREATE POLICY artifact_change ON lamin.artifact FOR UPDATE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]))
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(2))::integer[]));
CREATE POLICY artifact_remove ON lamin.artifact FOR DELETE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));

ALTER TABLE lamin.space ENABLE ROW LEVEL SECURITY;
ALTER TABLE lamin.space FORCE ROW LEVEL SECURITY;
CREATE POLICY space_see ON lamin.space FOR SELECT
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));
CREATE POLICY space_add ON lamin.space FOR INSERT
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR 1 = ANY ((SELECT lamin.granted_spaces(2))::integer[]));
CREATE POLICY space_change ON lamin.space FOR UPDATE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR id = ANY ((SELECT lamin.granted_spaces(1))::integer[]))
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR id = ANY ((SELECT lamin.granted_spaces(3))::integer[]));
CREATE POLICY space_remove ON lamin.space FOR DELETE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));

-- Not forced: the functions above read it as its owner (see the top of this file).
ALTER TABLE lamin.space_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY space_access_see ON lamin.space_access FOR SELECT
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]) OR lower(user_handle) = lower(session_user));
CREATE POLICY space_access_add ON lamin.space_access FOR INSERT
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(3))::integer[]));
CREATE POLICY space_access_change ON lamin.space_access FOR UPDATE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]))
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(3))::integer[]));
CREATE POLICY space_access_remove ON lamin.space_access FOR DELETE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR space_id = ANY ((SELECT lamin.granted_spaces(1))::integer[]));

-- The instance row: every admitted role reads it; its settings change only by an Admin of "all" (guard_instance).
ALTER TABLE lamin.instance ENABLE ROW LEVEL SECURITY;
CREATE POLICY instance_see ON lamin.instance FOR SELECT USING (true);
CREATE POLICY instance_change ON lamin.instance FOR UPDATE
    USING ((SELECT lamin.is_admin() OR lamin.in_definer()) OR 1 = ANY ((SELECT lamin.granted_spaces(3))::integer[]))
    WITH CHECK ((SELECT lamin.is_admin() OR lamin.in_definer()) OR 1 = ANY ((SELECT lamin.granted_spaces(3))::integer[]));

-- ------------------------------------------------------------------------------------- ownership

-- Nobody but the admitted roles reaches the schema; the functions run as the schema's owner (an upgrade run
-- by a superuser must not leave SECURITY DEFINER functions owned by the superuser).
REVOKE ALL ON SCHEMA lamin FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lamin.sync_privileges(text, boolean) FROM PUBLIC;
DO $$
DECLARE
    owner_name name := (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'lamin');
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'lamin' AND p.proowner <> (SELECT nspowner FROM pg_namespace WHERE nspname = 'lamin')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f.sig, owner_name);
    END LOOP;
END
$$;

