-- Lamin registry on PostgreSQL, schema version 5: the gate's question about locations a role can't see.
--
-- Runs once per database after Upgrade-4.sql, inside the transaction PostgresSchema.Ensure holds under the
-- registry's advisory lock.
--
-- SPEC §10 rule 12 (issue 24): before anything is deleted or overwritten, the module's one gate asks whether
-- the place is, holds or lies in the root of a storage location. Locations in spaces the login role is not
-- granted are invisible to it (row-level security), so the registry answers for them: yes or no, with the
-- schema owner's rights, naming nothing. Roots compare as the module compares them: ordinally, or without
-- case for a file system that ignores it; '/' and '\' both separate; a cloud root's endpoint must match.
CREATE FUNCTION lamin.hidden_location_at(kind text, endpoint text, target text, is_folder boolean, ignore_case boolean) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t text := CASE WHEN ignore_case THEN lower(target) ELSE target END;
BEGIN
    IF lamin.is_admin() THEN RETURN false; END IF;
    RETURN EXISTS (
        SELECT 1
        FROM (SELECT CASE WHEN ignore_case THEN lower(p) ELSE p END AS r
              FROM (SELECT CASE WHEN s.type = 'local' THEN s.root ELSE split_part(s.root, '?endpoint_url=', 1) END AS p,
                           NULLIF(split_part(s.root, '?endpoint_url=', 2), '') AS e, s.type
                    FROM lamin.storage s
                    WHERE NOT (s.space_id = ANY (lamin.granted_spaces(1)))) x
              WHERE x.type = kind AND (kind = 'local' OR lower(x.e) IS NOT DISTINCT FROM lower(endpoint))) y
        WHERE t = rtrim(r, '/\') OR t = r
           OR left(t, length(rtrim(r, '/\')) + 1) IN (rtrim(r, '/\') || '/', rtrim(r, '/\') || '\')
           OR (is_folder AND left(rtrim(r, '/\'), length(t) + 1) IN (t || '/', t || '\')));
END $$;

-- Whether any location is hidden from the login role at all: planning asks the question above per path only then.
CREATE FUNCTION lamin.hides_locations() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ BEGIN
    IF lamin.is_admin() THEN RETURN false; END IF;
    RETURN EXISTS (SELECT 1 FROM lamin.storage s WHERE NOT (s.space_id = ANY (lamin.granted_spaces(1))));
END $$;
