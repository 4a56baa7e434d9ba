using System.Text;
using Npgsql;

namespace Lamin.Core.Registry.Postgres;

/// <summary>One table of schema `lamin`, its id an identity column; a record given with an id keeps it (the sequence moves past it).</summary>
internal sealed class PgTable<T>(
    PostgresSession session, string table, string[] columns, Func<NpgsqlDataReader, T> read, Func<T, object?[]> values,
    Func<T, int> getId, Action<T, int> setId, string? select = null) : IRecordTable<T> where T : class
{
    private readonly string _select = select ?? $"SELECT id, {string.Join(", ", columns)} FROM lamin.{table} t";

    internal List<T> Where(string condition, params object?[] args) =>
        session.Query($"{_select} WHERE {Qualify(condition)}", read, args);

    // The grants' select joins the spaces: their own columns are t.*.
    private string Qualify(string condition) => select is null ? condition : "t." + condition;

    /// <summary>Every record in id order, as SQL.</summary>
    internal string SelectAll => $"{_select} ORDER BY t.id";

    public IEnumerable<T> FindAll() => session.CachedAll<T>(table) ?? session.Query(SelectAll, read);

    public T FindById(int id) => session.Query($"{_select} WHERE t.id = $1", read, id).FirstOrDefault()!;

    public void Insert(T record)
    {
        RegistryText.CheckRecord(record);
        var vals = values(record);
        var id = getId(record);
        var placeholders = string.Join(", ", Enumerable.Range(1, vals.Length).Select(i => "$" + i));
        if (id == 0)
        {
            var newId = session.Scalar($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}) VALUES ({placeholders}) RETURNING id", vals);
            setId(record, Convert.ToInt32(newId));
            return;
        }
        session.Execute($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}, id) VALUES ({placeholders}, ${vals.Length + 1})", [.. vals, id]);
        MoveSequence();
    }

    public bool Update(T record)
    {
        RegistryText.CheckRecord(record);
        var vals = values(record);
        var sets = string.Join(", ", columns.Select((c, i) => $"{c} = ${i + 1}"));
        return session.Execute($"UPDATE lamin.{table} SET {sets} WHERE id = ${vals.Length + 1}", [.. vals, getId(record)]) == 1;
    }

    public bool Delete(int id) => session.Execute($"DELETE FROM lamin.{table} WHERE id = $1", id) == 1;

    public int Count() => Convert.ToInt32(session.Scalar($"SELECT count(*) FROM lamin.{table}"));

    /// <summary>Rows per multi-row INSERT: well below PostgreSQL's 65,535 parameters per statement.</summary>
    private const int RowsPerInsert = 1000;

    /// <summary>
    /// Inserts many records in few round trips: one query draws the ids of the new records from the table's
    /// sequence, then one multi-row INSERT per <see cref="RowsPerInsert"/> rows (PostgreSQL refuses COPY into
    /// tables with row-level security). Records that carry an id keep it (the sequence then moves past it).
    /// </summary>
    public void InsertMany(IReadOnlyList<T> records)
    {
        if (records.Count == 0) return;
        var fresh = records.Where(r => getId(r) == 0).ToList();
        if (fresh.Count > 0)
        {
            var ids = session.Query($"SELECT nextval(pg_get_serial_sequence('lamin.{table}', 'id'))::integer FROM generate_series(1, $1)",
                r => r.GetInt32(0), fresh.Count);
            for (int i = 0; i < fresh.Count; i++) setId(fresh[i], ids[i]);
        }
        InsertWithIds(records);
        if (fresh.Count < records.Count) MoveSequence();
    }

    public List<T> FindByIds(IReadOnlyCollection<int> ids) =>
        ids.Count == 0 ? [] : session.Query($"{_select} WHERE t.id = ANY($1) ORDER BY t.id", read, [ids.Distinct().ToArray()]);

    /// <summary>Inserts records that carry their ids, as multi-row INSERTs (PostgreSQL refuses COPY into tables with row-level security).</summary>
    internal void InsertWithIds(IReadOnlyList<T> records)
    {
        foreach (var r in records) RegistryText.CheckRecord(r);
        for (int start = 0; start < records.Count; start += RowsPerInsert)
        {
            int end = Math.Min(records.Count, start + RowsPerInsert);
            var args = new List<object?>((end - start) * (columns.Length + 1));
            var rows = new StringBuilder();
            for (int i = start; i < end; i++)
            {
                var r = records[i];
                if (rows.Length > 0) rows.Append(", ");
                rows.Append('(');
                foreach (var v in values(r)) { args.Add(v); rows.Append('$').Append(args.Count).Append(", "); }
                args.Add(getId(r));
                rows.Append('$').Append(args.Count).Append(')');
            }
            session.Execute($"INSERT INTO lamin.{table} ({string.Join(", ", columns)}, id) VALUES {rows}", args.ToArray());
        }
    }

    /// <summary>Moves the id sequence past the largest id (after records were inserted with their ids).</summary>
    internal void MoveSequence() =>
        session.Scalar($"SELECT setval(pg_get_serial_sequence('lamin.{table}', 'id'), GREATEST((SELECT max(id) FROM lamin.{table}), 1))");

    public List<T> FindPage(int afterId, int count) => session.Query($"{_select} WHERE t.id > $1 ORDER BY t.id LIMIT $2", read, afterId, count);

    internal int IdOf(T record) => getId(record);

    /// <summary>The stored fields of a record, for comparing a copy with its source.</summary>
    internal string Fingerprint(T record) =>
        getId(record) + "|" + string.Join("|", values(record).Select(v => v switch
        {
            null => "<null>",
            DateTime d => d.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => v.ToString(),
        }));
}
